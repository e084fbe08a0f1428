"""Winsock: the socket calls of ws2_32 on AFD endpoints.

What Windows does.  WSARecv with data (or EOF) already buffered copies what
fits and succeeds at once — and still notifies (D1, B5); with nothing buffered
the buffer is locked and the request pends, and pending receives are filled in
call order as soon as any byte arrives (D2).  WSASend copies into AFD's send
buffer and succeeds at once while the data fits in SO_SNDBUF, otherwise it
pends with its buffer locked until the transport has taken it; sends reach the
wire in call order (D3).  With SO_SNDBUF = 0 nothing is buffered: every send
pends until the peer acknowledges it ("zero copy", D4; seed: "송신버퍼를 0으로
만들면 비동기").  After a peer's FIN every receive completes at once with 0
(D5); after a RST later calls fail at once with WSAECONNRESET and no packet
(WSAECONNABORTED when the RST answered data sent after the peer's FIN: oracle 2.20)
(D6).  Every Winsock call sets the thread's last error: 0 when it succeeds
("WSAGetLastError() should return zero after a successful call", asserted by
Wine's ws2_32 tests that run on Windows), WSA_IO_PENDING when it pends, its
error code when it fails.  WSAGetOverlappedResult reports 996 while the request is in flight
(D10).  A zero-byte receive pends with no page locked (E6).  A call that
cannot get non-paged pool or locked pages fails at once with WSAENOBUFS and no
packet (E3–E5).  Misuse gets Winsock's error codes (WSAENOTSOCK, WSAEFAULT,
WSAEINVAL…), never an exception.

What we simplify.  connect() completes at once.  No datagrams, no
MSG_PARTIAL.  An accepted socket takes the listening socket's options (D12);
AcceptEx (acceptex.py) and select/WSAEventSelect (netevents.py) have their
own modules.  The legacy per-socket cap of D11 is CONFIG
``max_outstanding_recv`` (off).  Blocking send/recv/accept park the calling
thread with ``thread.block``, so the A5 rule applies to them.

Who calls what.  Scenario calls arrive here; requests become IRPs (irp.py) on
endpoints (afd.py); data moves over the wire (wire.py).

Rules: D1–D11, B4–B9 (socket side), E2–E6, oracle 2.1–2.20, 4.2–4.5.
"""

import functools
import inspect

from .. import footprint
from ..win32.constants import (AF_INET, FIONBIO, INFINITE, INVALID_SOCKET, SD_BOTH, SD_RECEIVE, SD_SEND,
                               SO_LINGER, SO_RCVBUF, SO_SNDBUF, SO_UPDATE_ACCEPT_CONTEXT, SOCK_STREAM,
                               SOCKET_ERROR, SOL_SOCKET,
                               STATUS_PENDING, STATUS_SUCCESS, WSA_IO_INCOMPLETE, WSA_IO_PENDING, WSAEADDRINUSE,
                               WSAECONNREFUSED, WSAEFAULT, WSAEINVAL, WSAEISCONN, WSAENOBUFS,
                               WSAENOTCONN, WSAENOTSOCK, WSAESHUTDOWN, WSAEWOULDBLOCK, error_name)
from ..win32.structs import LINGER, OVERLAPPED, WSABUF
from .acceptex import accept_context_keeps_error, complete_acceptex, update_accept_context, waiting_acceptex
from .afd import Socket, close_socket, inherit, new_socket, pair
from .irp import complete, fail_sync, new_irp, pend, wait_result
from .services import ScenarioError, syscall
from .status import nt_success, wsa_error
from .thread import block, run_queued_apcs, unwait
from .wire import absorb, changed, net, pump, push, take, window_update

WSAENOPROTOOPT = 10042
WSAESOCKTNOSUPPORT = 10044
WSAEAFNOSUPPORT = 10047


# --- helpers -------------------------------------------------------------------

def winsock(name, keeps_error=None):
    """Register a Winsock call: it starts by clearing the thread's last error, so that a call that
    succeeds leaves 0 (B11: the last error after success; every failure or pending path sets its
    own code afterwards).  ``keeps_error(k, *args)`` names a measured Wine case where a success
    leaves the last error as it was."""
    def register(handler):
        @functools.wraps(handler)
        def call(k, t, *args, **kwargs):
            before, t.last_error = t.last_error, 0
            result = handler(k, t, *args, **kwargs)
            if keeps_error is not None and t.last_error == 0 and keeps_error(k, *args):
                t.last_error = before
            return result
        return syscall(name)(call)
    return register


def _sock(k, t, s):
    return k.handles.lookup(t, s, Socket, WSAENOTSOCK)


def _fail(t, error, value=SOCKET_ERROR):
    t.last_error = error
    return value


def _buffers(bufs):
    if isinstance(bufs, WSABUF):
        return [bufs]
    if isinstance(bufs, (list, tuple)) and all(isinstance(b, WSABUF) for b in bufs):
        return list(bufs)
    return None


def _name(name):
    if (isinstance(name, (tuple, list)) and len(name) == 2 and isinstance(name[0], str)
            and isinstance(name[1], int) and 0 <= name[1] < 65536):
        return (name[0], name[1])
    return None


def _check_routine(t, routine):
    if routine is not None and not inspect.isgeneratorfunction(routine):
        call = t.call
        name = getattr(routine, "__name__", routine)
        raise ScenarioError(call.file, call.line, f"completion routine {name!r} must be a generator function: "
                                                  "def routine(err, nbytes, ov, flags): yield ...")


def _refuse(k, t, error, call, why):
    t.last_error = error
    if k.tracing:
        k.emit("call", t, "{thread}'s " + call + " fails at once: {err}", err=error_name(error), why=why)


def _pend_or_nobufs(k, t, irp, call):
    if pend(k, irp):
        return True
    fail_sync(k, irp)
    pool, pages = k.pool, sum(b.pages() for b in irp.bufs)
    if not k.tracing:
        why = ""
    elif pool.locked + pages > pool.locked_limit:
        why = (f"locking {pages} more page(s) would pass the limit ({pool.locked}/{pool.locked_limit} locked, "
               f"{pool.rule_name}): no IRP stays, no packet (E5)")
    else:
        why = f"no non-paged pool for the MDL ({pool.rule_name}): no IRP stays, no packet (E2, E5)"
    _refuse(k, t, WSAENOBUFS, call, why)
    return False


# --- WSARecv / WSASend / WSAGetOverlappedResult ---------------------------------------

@winsock("WSARecv")
def WSARecv(k, t, s, bufs, ov, routine=None):
    bad = (SOCKET_ERROR, 0, 0)
    sock = _sock(k, t, s)
    if sock is None:
        return bad
    blist = _buffers(bufs)
    if blist is None or (ov is not None and not isinstance(ov, OVERLAPPED)):
        return _fail(t, WSAEFAULT, bad)
    if not blist:
        return _fail(t, WSAEINVAL, bad)                                     # oracle 4.5
    if ov is None:
        routine = None
    _check_routine(t, routine)
    if routine is not None and sock.port is not None:
        _refuse(k, t, WSAEINVAL, "WSARecv", "a completion routine on a port-associated socket (B9)")
        return bad
    if sock.state != "connected":
        _refuse(k, t, WSAENOTCONN, "WSARecv", "the socket is not connected (oracle 2.8)")
        return bad
    if sock.shut_recv:
        return _fail(t, WSAESHUTDOWN, bad)
    if sock.reset and not sock.rx:
        zero_once = k.profile.rst_wsarecv_zero_once and not sock.rst_zero_given
        if k.profile.rst_recv_fails and not zero_once:
            _refuse(k, t, sock.reset_error, "WSARecv", "the connection was reset: no IRP, no packet (D6, B4)")
            return bad
        sock.rst_zero_given = True          # Wine 8 always, Wine 10 once (measured): 0 bytes and a packet
    cap = k.socket_net.cap
    if cap is not None and len(sock.recv_q) >= cap:
        _refuse(k, t, WSAEWOULDBLOCK, "WSARecv", f"too many outstanding receives (cap {cap}, D11)")
        return bad
    length = sum(b.len for b in blist)
    irp = new_irp(k, t, sock, "recv", blist, length, ov, routine, sync="WSARecv" if ov is None else None)
    if irp is None:
        _refuse(k, t, WSAENOBUFS, "WSARecv", "no non-paged pool for the IRP (E1, E5)")
        return bad
    sock.signalled = False
    if not sock.recv_q and (sock.rx or sock.fin_received or sock.reset):
        n = take(k, sock, irp)
        if n:
            window_update(k, sock)
        if irp.sync:
            complete(k, irp, STATUS_SUCCESS, n)
            return t.result
        sock.remember(irp)
        if k.tracing:
            k.emit("call", t, "{thread}'s WSARecv on {h} succeeds at once with {n} bytes", h=s, n=n,
                   why=("data was already buffered" if n else "the peer had closed: 0 bytes") +
                       " — and the completion is still notified (D1, B5)")
        complete(k, irp, STATUS_SUCCESS, n, "an immediate success still notifies (B5)")
        return (0, n, 0)
    if not _pend_or_nobufs(k, t, irp, "WSARecv"):
        return bad
    push(sock, "recv_q", irp)
    if irp.sync:
        result = block(k, t, f"recv on socket {s}", INFINITE, alertable=True, resumes=True,
                       why="nothing is buffered; the wait is alertable and resumes after APCs (C2)")
        irp.wait = t.wait
        run_queued_apcs(k, t)
        return result
    sock.remember(irp)
    t.last_error = WSA_IO_PENDING
    if k.tracing:
        k.emit("call", t, "{thread}'s WSARecv on {h} pends (IRP {irp}, {pages} page(s) locked)", h=s, irp=irp.id,
               pages=irp.pages, why="nothing is buffered: the buffer is locked and the request waits (D2, E2)")
    return (SOCKET_ERROR, 0, 0)


@winsock("WSASend")
def WSASend(k, t, s, bufs, ov, routine=None):
    bad = (SOCKET_ERROR, 0)
    sock = _sock(k, t, s)
    if sock is None:
        return bad
    blist = _buffers(bufs)
    if blist is None or (ov is not None and not isinstance(ov, OVERLAPPED)):
        return _fail(t, WSAEFAULT, bad)
    if ov is None:
        routine = None
    _check_routine(t, routine)
    if routine is not None and sock.port is not None:
        _refuse(k, t, WSAEINVAL, "WSASend", "a completion routine on a port-associated socket (B9)")
        return bad
    error = _send_state_error(sock)
    if error:
        _refuse(k, t, error, "WSASend", "the connection cannot send (D6, B4)")
        return bad
    data = b"".join(bytes(b.buf[:b.len]) for b in blist)                      # gather
    irp = new_irp(k, t, sock, "send", blist, len(data), ov, routine, sync="WSASend" if ov is None else None)
    if irp is None:
        _refuse(k, t, WSAENOBUFS, "WSASend", "no non-paged pool for the IRP (E1, E5)")
        return bad
    return _start_send(k, t, sock, irp, data, "WSASend")


def _send_state_error(sock):
    if sock.state != "connected":
        return WSAENOTCONN
    if sock.reset:
        return sock.reset_error
    if sock.shut_send:                  # (fin_pending without it: closed, no handle reaches the socket)
        return WSAESHUTDOWN
    return 0


def _start_send(k, t, sock, irp, data, call):
    n = len(data)
    sync = irp.sync
    fits = not sock.sends_pending() and sock.sndbuffered + n <= sock.sndbuf
    if not fits and sync == "send" and sock.nonblocking:
        data = _nonblocking_share(k, sock, data)
        if data is None:
            fail_sync(k, irp)
            return _fail(t, WSAEWOULDBLOCK)
        n, fits = len(data), True
    if fits:
        if n and not k.pool.alloc_npp(n, "afd-send"):
            fail_sync(k, irp)
            _refuse(k, t, WSAENOBUFS, call, "no non-paged pool to buffer the data (E4, E5)")
            return SOCKET_ERROR if sync == "send" else (SOCKET_ERROR, 0)
        if n:
            sock.sndbuffered += n
            push(sock, "outq", [memoryview(data), None, t.call])
            k.touch(sock)
        if sync:
            complete(k, irp, STATUS_SUCCESS, n)
            pump(k, sock)
            return t.result
        sock.remember(irp)
        if k.trace.recording:
            k.emit("call", t, "{thread}'s " + call + " on {h} succeeds at once: {n} bytes copied to the send buffer",
                   h=sock.handle, n=n, why=f"it fits in SO_SNDBUF={sock.sndbuf} — and the completion is still "
                                           "notified (D3, B5)")
        complete(k, irp, STATUS_SUCCESS, n, "an immediate success still notifies (B5)")
        pump(k, sock)
        return (0, n)
    if not _pend_or_nobufs(k, t, irp, call):
        return SOCKET_ERROR if sync == "send" else (SOCKET_ERROR, 0)
    push(sock, "outq", [memoryview(data), irp, t.call])
    k.touch(sock)
    why = "" if not k.trace.recording else (
        "SO_SNDBUF is 0: AFD buffers nothing and sends from the locked application buffer (D4)" if sock.sndbuf <= 0
        else f"the send buffer is full ({sock.sndbuffered}/{sock.sndbuf} bytes) or sends are queued ahead (D3)")
    if sync:
        result = block(k, t, f"{sync} on socket {sock.handle}", INFINITE, alertable=True, resumes=True,
                       why=why)
        irp.wait = t.wait
        pump(k, sock)
        run_queued_apcs(k, t)
        return result
    sock.remember(irp)
    t.last_error = WSA_IO_PENDING
    if k.tracing:
        k.emit("call", t, "{thread}'s " + call + " on {h} pends (IRP {irp}, {pages} page(s) locked)", h=sock.handle,
               irp=irp.id, pages=irp.pages, why=why)
    pump(k, sock)
    return (SOCKET_ERROR, 0)


def _nonblocking_share(k, sock, data):
    """What a non-blocking send that does not fit takes (D3): all of it while AFD's buffering is under its
    threshold — AFD may buffer more than SO_SNDBUF (oracle 4.4: 50 MB non-blocking sends accepted); on Wine 8
    only what fits (a partial count, nonblocking_send_partial); None (WSAEWOULDBLOCK) when over it."""
    if sock.sends_pending() or sock.sndbuffered >= sock.sndbuf:
        return None
    if k.profile.nonblocking_send_partial:
        return data[:sock.sndbuf - sock.sndbuffered]
    return data


@winsock("WSAGetOverlappedResult")
def WSAGetOverlappedResult(k, t, s, ov, fWait):
    bad = (False, 0, 0)
    sock = _sock(k, t, s)
    if sock is None:
        return bad
    if not isinstance(ov, OVERLAPPED):
        return _fail(t, WSAEFAULT, bad)
    irp = sock.by_ov.get(id(ov)) if sock.by_ov else None
    if irp is not None and irp.state == "pending":
        if not fWait:
            return _fail(t, WSA_IO_INCOMPLETE, bad)                          # D10
        return wait_result(k, t, irp)
    status, nbytes = ov.Internal, ov.InternalHigh
    if status == STATUS_PENDING:
        if irp is None or not fWait:
            return _fail(t, WSA_IO_INCOMPLETE, bad)
        status, nbytes = irp.status, irp.nbytes                              # IOSB deferred to dequeue (B10)
    if nt_success(status):
        t.last_error = 0                                                     # Win10 1809+: RtlNtStatusToDosError(0)
        return (True, nbytes, 0)
    return _fail(t, wsa_error(status), bad)                                  # B11: the Winsock mapping


# --- creating and connecting ----------------------------------------------------------

def _create(k, t, af, type_):
    if af != AF_INET:
        return _fail(t, WSAEAFNOSUPPORT, INVALID_SOCKET)
    if type_ != SOCK_STREAM:
        return _fail(t, WSAESOCKTNOSUPPORT, INVALID_SOCKET)
    sock = new_socket(k)
    if sock is None:
        _refuse(k, t, WSAENOBUFS, "socket", f"no non-paged pool for another endpoint (E4; {k.pool.rule_name})")
        return INVALID_SOCKET
    if k.tracing:
        k.emit("call", t, "{thread} creates socket {h}", h=sock.handle, why="")
    return sock.handle


@winsock("WSASocket")
def WSASocket(k, t, af, type, protocol, info, g, flags):
    return _create(k, t, af, type)


@winsock("socket")
def socket(k, t, af, type, protocol):
    return _create(k, t, af, type)


@winsock("tcp_pair")
def tcppair(k, t):
    """Two connected sockets over loopback → (server, client)."""
    server = new_socket(k, connected=True)
    client = new_socket(k, connected=True) if server is not None else None
    if client is None:
        if server is not None:
            k.handles.close(server.handle)
            close_socket(k, server)
        _refuse(k, t, WSAENOBUFS, "tcp_pair", f"no non-paged pool for the endpoints (E4; {k.pool.rule_name})")
        return (INVALID_SOCKET, INVALID_SOCKET)
    pair(k, server, client)
    n = net(k)
    server.addr = n.ephemeral("127.0.0.1")
    if k.trace.recording:
        k.emit("call", t, "{thread} connects sockets {a} (server) and {b} (client) over loopback",
               a=server.handle, b=client.handle)
    return (server.handle, client.handle)


@winsock("bind")
def bind(k, t, s, name):
    sock = _sock(k, t, s)
    if sock is None:
        return SOCKET_ERROR
    addr = _name(name)
    if addr is None:
        return _fail(t, WSAEFAULT)
    if sock.addr is not None:
        return _fail(t, WSAEINVAL)
    n = net(k)
    if addr[1] == 0:
        addr = n.ephemeral(addr[0])
    if addr in n.bound:
        return _fail(t, WSAEADDRINUSE)
    n.bound[addr] = sock
    sock.addr = addr
    sock.state = "bound" if sock.state == "open" else sock.state
    k.touch(sock)
    return 0


@winsock("listen")
def listen(k, t, s, backlog):
    """Start listening with a backlog of connections nobody accepted yet; more are refused (WSAECONNREFUSED).
    The backlog is "limited (silently) to a reasonable value": SOMAXCONN gives 200 — MS listen: "the
    backlog value will be N, adjusted to be within the range (200, 65535)" for SOMAXCONN_HINT(N), which
    "can be used to set the backlog to a larger value than possible with SOMAXCONN"."""
    sock = _sock(k, t, s)
    if sock is None:
        return SOCKET_ERROR
    if sock.state == "connected":
        return _fail(t, WSAEISCONN)
    if sock.addr is None:
        return _fail(t, WSAEINVAL)
    if sock.listener is None:
        sock.listener = [[], [], max(1, min(int(backlog), 200))]
    sock.state = "listening"
    k.touch(sock)
    return 0


@winsock("connect")
def connect(k, t, s, name):
    """MS connect: a blocking socket returns 0 once connected, or fails with the reason.  A non-blocking one
    (FIONBIO, WSAEventSelect) returns SOCKET_ERROR with WSAEWOULDBLOCK at once, even on loopback; the result
    comes as FD_CONNECT with its error code, and FD_WRITE once connected (D13; measured on Wine 8 and 10)."""
    sock = _sock(k, t, s)
    if sock is None:
        return SOCKET_ERROR
    if sock.state == "connected":
        return _fail(t, WSAEISCONN)
    if sock.state == "listening":
        return _fail(t, WSAEINVAL)
    addr = _name(name)
    if addr is None:
        return _fail(t, WSAEFAULT)
    error = _connect(k, t, sock, s, addr)
    if not sock.nonblocking or error == WSAENOBUFS:
        if not error:
            changed(k, sock)                           # FD_WRITE, writable for select (D13, D14)
        return _fail(t, error) if error else 0
    sock.connect_error = error
    k.touch(sock)
    changed(k, sock)                                   # FD_CONNECT (with the error), FD_WRITE (D13)
    return _fail(t, WSAEWOULDBLOCK)


def _connect(k, t, sock, s, addr):
    """Make the loopback connection: 0, or the WSA error that refused it."""
    n = net(k)
    listener = n.bound.get(addr)
    if listener is None or listener.listener is None or len(listener.listener[0]) >= listener.listener[2]:
        return WSAECONNREFUSED
    pool = k.pool
    if not pool.alloc_npp(pool.connect_bytes, "socket"):
        return WSAENOBUFS
    acceptex = waiting_acceptex(listener)
    child = new_socket(k, connected=True, handle=False) if acceptex is None else acceptex.accept_sock
    if child is None or (acceptex is not None and not pool.alloc_npp(pool.connect_bytes, "socket")):
        pool.free_npp(pool.connect_bytes, "socket")
        return WSAENOBUFS
    sock.npp += pool.connect_bytes
    if sock.addr is None:
        sock.addr = n.ephemeral("127.0.0.1")
        n.bound[sock.addr] = sock
    pair(k, sock, child)
    child.addr = addr
    unaccepted, waiters, _ = listener.listener
    k.emit("call", t, "{thread} connects socket {h} to {addr}", h=s, addr=f"{addr[0]}:{addr[1]}")
    if acceptex is not None:                           # a pending AcceptEx takes it (D15)
        complete_acceptex(k, listener, acceptex, pool.connect_bytes)
        return 0
    inherit(child, listener)                           # D12: accept() gives the listener's options
    if waiters:
        waiter, wait = waiters.pop(0)
        child.handle = k.handles.add(child)
        k.touch(child)
        unwait(k, waiter, child.handle, "a connection arrived", error=0, wait=wait,
               text="{thread}'s accept returns socket {h}", h=child.handle)
    else:
        unaccepted.append(child)
        changed(k, listener)                           # FD_ACCEPT, readable for select (D13, D14)
    return 0


@winsock("accept")
def accept(k, t, s):
    sock = _sock(k, t, s)
    if sock is None:
        return INVALID_SOCKET
    if sock.listener is None:
        return _fail(t, WSAEINVAL, INVALID_SOCKET)
    unaccepted, waiters, _ = sock.listener
    if unaccepted:
        child = unaccepted.pop(0)
        child.handle = k.handles.add(child)
        k.touch(child)
        return child.handle
    if sock.nonblocking:
        return _fail(t, WSAEWOULDBLOCK, INVALID_SOCKET)
    alertable = k.profile.blocking_accept_alertable
    result = block(k, t, f"accept on socket {s}", INFINITE, alertable=alertable, resumes=alertable,
                   why="the wait is alertable and resumes after APCs (C2, oracle 3.8)" if alertable
                   else "Wine 8's accept waits without running APCs (blocking_accept_alertable=False)")
    entry = (t, t.wait)
    waiters.append(entry)
    t.wait.unlinks.append(lambda: entry in waiters and waiters.remove(entry))
    run_queued_apcs(k, t)
    return result


# --- blocking send / recv for peers ---------------------------------------------------

@winsock("send")
def send(k, t, s, buf, flags=0):
    sock = _sock(k, t, s)
    if sock is None:
        return SOCKET_ERROR
    if not isinstance(buf, (bytes, bytearray, memoryview)):
        return _fail(t, WSAEFAULT)
    error = _send_state_error(sock)
    if error:
        return _fail(t, error)
    data = bytes(buf)
    irp = new_irp(k, t, sock, "send", [WSABUF(len(data))], len(data), None, sync="send")
    if irp is None:
        return _fail(t, WSAENOBUFS)
    return _start_send(k, t, sock, irp, data, "send")


@winsock("recv")
def recv(k, t, s, len, flags=0):
    """A synchronous AFD receive.  A length of 0 is no shortcut: like a zero-byte WSARecv (E6, oracle
    4.5) it waits for data — non-blocking, WSAEWOULDBLOCK (measured on Wine 8 and 10) — and returns 0
    once data or the peer's FIN is there, leaving the data queued."""
    sock = _sock(k, t, s)
    if sock is None:
        return SOCKET_ERROR
    if not isinstance(len, int) or len < 0:
        return _fail(t, WSAEFAULT)
    if sock.state != "connected":
        return _fail(t, WSAENOTCONN)
    if sock.shut_recv:
        return _fail(t, WSAESHUTDOWN)
    if sock.reset and not sock.rx:
        if not k.profile.rst_recv_fails:
            return b""                      # Wine 8 (measured live): 0 bytes, as if the peer had closed
        return _fail(t, sock.reset_error)
    immediate = not sock.recv_q and (sock.rx or sock.fin_received)
    if not immediate and sock.nonblocking:
        return _fail(t, WSAEWOULDBLOCK)
    irp = new_irp(k, t, sock, "recv", [WSABUF(len)], len, None, sync="recv")
    if irp is None:
        return _fail(t, WSAENOBUFS)
    if immediate:
        n = take(k, sock, irp)
        if n:
            window_update(k, sock)
        complete(k, irp, STATUS_SUCCESS, n)
        return t.result
    if not _pend_or_nobufs(k, t, irp, "recv"):
        return SOCKET_ERROR
    push(sock, "recv_q", irp)
    result = block(k, t, f"recv on socket {s}", INFINITE, alertable=True, resumes=True,
                   why="nothing is buffered yet; the wait is alertable and resumes after APCs (C2)")
    irp.wait = t.wait
    run_queued_apcs(k, t)
    return result


# --- options, shutdown, close -----------------------------------------------------------

@winsock("ioctlsocket")
def ioctlsocket(k, t, s, cmd, argp):
    sock = _sock(k, t, s)
    if sock is None:
        return SOCKET_ERROR
    if cmd != FIONBIO:
        return _fail(t, WSAEINVAL)
    sock.nonblocking = bool(argp)
    return 0


@winsock("setsockopt", keeps_error=accept_context_keeps_error)      # Wine 8/10 (acceptex.py)
def setsockopt(k, t, s, level, optname, optval):
    sock = _sock(k, t, s)
    if sock is None:
        return SOCKET_ERROR
    if level != SOL_SOCKET:
        return _fail(t, WSAENOPROTOOPT)
    if optname in (SO_SNDBUF, SO_RCVBUF):
        if not isinstance(optval, int) or isinstance(optval, bool) or optval < 0:
            return _fail(t, WSAEFAULT)
        if optname == SO_SNDBUF:
            sock.sndbuf = optval
            absorb(k, sock)
        else:
            sock.rcvbuf = optval                                             # 0 is accepted (oracle 4.2)
            window_update(k, sock)
        k.emit("call", t, "{thread} sets {opt}={v} on socket {h}", opt="SO_SNDBUF" if optname == SO_SNDBUF
               else "SO_RCVBUF", v=optval, h=s, why="D4: with SO_SNDBUF 0 every send pends" if optname == SO_SNDBUF
               and optval == 0 else "")
        return 0
    if optname == SO_LINGER:
        if not isinstance(optval, LINGER):
            return _fail(t, WSAEFAULT)
        sock.linger = optval
        return 0
    if optname == SO_UPDATE_ACCEPT_CONTEXT:
        return update_accept_context(k, t, sock, optval)            # D12 (acceptex.py)
    return _fail(t, WSAENOPROTOOPT)


@winsock("getsockopt")
def getsockopt(k, t, s, level, optname):
    sock = _sock(k, t, s)
    if sock is None:
        return SOCKET_ERROR
    if level != SOL_SOCKET:
        return _fail(t, WSAENOPROTOOPT)
    if optname == SO_SNDBUF:
        return sock.sndbuf
    if optname == SO_RCVBUF:
        return sock.rcvbuf
    if optname == SO_LINGER:
        return sock.linger or LINGER(0, 0)
    return _fail(t, WSAENOPROTOOPT)


@winsock("shutdown")
def shutdown(k, t, s, how):
    sock = _sock(k, t, s)
    if sock is None:
        return SOCKET_ERROR
    if how not in (SD_RECEIVE, SD_SEND, SD_BOTH):
        return _fail(t, WSAEINVAL)
    if sock.state != "connected":
        return _fail(t, WSAENOTCONN)
    if how in (SD_RECEIVE, SD_BOTH):
        sock.shut_recv = True                  # pending receives are not cancelled (oracle 2.17)
    if how in (SD_SEND, SD_BOTH) and not sock.fin_pending:
        sock.shut_send = True
        k.touch(sock)
        sock.fin_pending = True
        k.emit("call", t, "{thread} shuts down sending on socket {h}: FIN follows the queued data", h=s, why="D5")
        pump(k, sock)
    return 0


@syscall("closesocket")
def closesocket(k, t, s):
    """Close a socket handle (D7).  A successful closesocket leaves the last error as it was: ws2_32's
    closesocket sets it only on failure (Wine dlls/ws2_32/socket.c; measured on Wine 8 by the strict
    live comparison; no oracle test says otherwise for Windows)."""
    sock = _sock(k, t, s)
    if sock is None:
        return SOCKET_ERROR
    _, last = k.handles.close(s)
    if not last:                                         # oracle 2.11: only the last handle cancels
        if k.tracing:
            k.emit("call", t, "{thread} calls closesocket({h}): another handle to the socket stays open, "
                   "so nothing is cancelled", h=s, why="D7: I/O is cancelled only when the last handle closes")
        if sock.handle == s:
            sock.handle = next(v for v, o in k.handles.objects.items() if o is sock)
            k.touch(sock)
            for irp in sock.pending_irps():          # their rows name the socket by its handle
                k.touch(irp)
        return 0
    if k.tracing:
        k.emit("call", t, "{thread} calls closesocket({h})", h=s,
               why="closesocket returns at once; completions arrive afterwards (D7)")
    close_socket(k, sock)
    return 0


@syscall("memory")
def memory(k, t):
    """kernelsim's helper: (non-paged pool bytes, locked pages) right now (E1–E6)."""
    if footprint.rec is not None:
        footprint.touch_key(("pool", "npp"), "*", footprint.R)
        footprint.touch_key(("pool", "locked"), "*", footprint.R)
    return (k.pool.npp, k.pool.locked)
