"""AFD: overlapped sockets on a simulated loopback TCP.

What Windows does.  A socket is an AFD endpoint.  WSARecv with data (or EOF)
already buffered copies what fits and succeeds at once — and still notifies
(D1, B5); with nothing buffered the buffer is locked and the request pends,
and pending receives are filled in call order as soon as any byte arrives (D2).
WSASend copies into AFD's send buffer and succeeds at once while the data fits
in SO_SNDBUF, otherwise it pends with its buffer locked until the transport
has taken it; sends reach the wire in call order (D3).  With SO_SNDBUF = 0
nothing is buffered: every send pends until the peer acknowledges it ("zero
copy", D4; seed: "송신버퍼를 0으로 만들면 비동기").  A peer's FIN completes
pending receives with 0 bytes and every later receive at once with 0 (D5); a
peer's RST fails them — 64 through GQCS, 10054 through WSAGetOverlappedResult
— and later calls fail at once with WSAECONNRESET and no packet (D6; linger
{1,0} + closesocket sends the RST).  A local closesocket completes the pending
requests of every thread with STATUS_CONNECTION_ABORTED (1236; switch
``close_error_mode``: xp 64, documented 995, wine 676) and sends the buffered
data gracefully (D7).  CancelIoEx gives 995 (D8).  WSAGetOverlappedResult
reports 996 while the request is in flight (D10).  A zero-byte receive pends
with no page locked and completes with 0 bytes when data arrives, leaving the
data queued (E6).  Socket, IRP, MDL and buffered bytes are charged to
non-paged pool and may end in WSAENOBUFS (E3–E5).  Socket handle values are
reused after close, so a stale completion can land on a new connection.

What we simplify.  One loopback network with a fixed one-way latency
(CONFIG ``latency_ms``, default 0.1) and unlimited bandwidth; the receive
window is the peer's SO_RCVBUF (0 acts as the default, as the seed observed:
"수신버퍼를 0으로 만들어도 ... 내부에서 다시금 수신버퍼를 늘려") plus its pending
receive buffers; an acknowledgement is instantaneous on arrival.  A pending
send is copied into the send buffer once it fits in SO_SNDBUF.  connect()
completes at once.  A socket may have several handles (DuplicateHandle); its
I/O is cancelled only when the last one closes (D7, oracle 2.11).  No
datagrams, no AcceptEx, no MSG_PARTIAL.
The legacy per-socket cap of D11 is CONFIG ``max_outstanding_recv`` (off).

Who calls what.  Scenario calls arrive here; requests become IRPs (irp.py);
the network (``Net.later``) delivers what was sent one latency later, in
order, from one FIFO and one timer.  Blocking send/recv park the
calling thread with ``thread.block``, so the A5 rule applies to them.

Rules: D1–D11, B4–B9 (socket side), E2–E6, oracle 2.1–2.20, 4.2–4.5.
"""

import inspect

from collections import deque

from ..win32.constants import (AF_INET, FIONBIO, INFINITE, INVALID_SOCKET, SD_BOTH, SD_RECEIVE, SD_SEND,
                               SO_LINGER, SO_RCVBUF, SO_SNDBUF, SOCK_STREAM, SOCKET_ERROR, SOL_SOCKET,
                               STATUS_CANCELLED, STATUS_CONNECTION_ABORTED, STATUS_CONNECTION_RESET,
                               STATUS_HANDLES_CLOSED, STATUS_LOCAL_DISCONNECT, STATUS_PENDING, STATUS_SUCCESS,
                               WSA_IO_INCOMPLETE, WSA_IO_PENDING, WSAEADDRINUSE, WSAECONNREFUSED, WSAECONNRESET,
                               WSAEFAULT, WSAEINVAL, WSAEISCONN, WSAENOBUFS, WSAENOTCONN, WSAENOTSOCK,
                               WSAESHUTDOWN, WSAEWOULDBLOCK, error_name)
from ..win32.structs import LINGER, OVERLAPPED, WSABUF
from .irp import complete, fail_sync, new_irp, pend, wait_result
from .kernel import ScenarioError, syscall
from .status import nt_success, wsa_error
from .sync import signal_object
from .thread import block, unwait

WSAENOPROTOOPT = 10042
WSAESOCKTNOSUPPORT = 10044
WSAEAFNOSUPPORT = 10047
DEFAULT_BUFFER = 8192                       # SEMANTICS §H so_sndbuf_default / so_rcvbuf_default

CLOSE_STATUS = {                            # D7 with the oracle's correction (2.9)
    "modern": STATUS_CONNECTION_ABORTED,    # 1236 through GQCS, 10053 through WSAGetOverlappedResult
    "xp": STATUS_LOCAL_DISCONNECT,          # 64
    "documented": STATUS_CANCELLED,         # 995
    "wine": STATUS_HANDLES_CLOSED,          # 676 (WINE.md)
}


class Net:
    """The loopback network: bound addresses, listeners, latency.

    Everything on the wire (data, FIN, RST) arrives one latency after it was
    sent.  With one latency for all, arrivals come in the order things were
    sent, so the wire is a FIFO served by a single SimPy timer — however many
    segments are in flight (10,000 sessions must not mean 10,000 timers).
    """

    def __init__(self, k):
        self.latency = float(k.config.get("latency_ms", 0.1))
        self.wire = deque()                 # (due time, function, args), in due order
        self.ticking = False
        self.bound = {}                     # (ip, port) -> socket
        self.next_port = 49152
        self.sndbuf = int(k.config.get("so_sndbuf_default", DEFAULT_BUFFER))
        self.rcvbuf = int(k.config.get("so_rcvbuf_default", DEFAULT_BUFFER))
        self.cap = k.config.get("max_outstanding_recv")

    def later(self, k, deliver, *args):
        """Run deliver(*args) when what was just sent reaches the other end."""
        self.wire.append((k.now + self.latency, deliver, args))
        if not self.ticking:
            self.ticking = True
            k.after(self.latency, lambda: self._tick(k))

    def _tick(self, k):
        wire, now = self.wire, k.now
        while wire and wire[0][0] <= now:
            _, deliver, args = wire.popleft()
            deliver(*args)
        if wire:
            k.after(wire[0][0] - now, lambda: self._tick(k))
        else:
            self.ticking = False

    def ephemeral(self, ip):
        while (ip, self.next_port) in self.bound:
            self.next_port += 1
        self.next_port += 1
        return (ip, self.next_port - 1)


def net(k):
    if k.socket_net is None:
        k.socket_net = Net(k)
    return k.socket_net


class Socket:
    """An AFD endpoint.  Small on purpose (__slots__, lists): 10,000 of them must stay cheap."""

    __slots__ = ("handle", "state", "addr", "peer", "rx", "fin_received", "reset", "rst_sent", "fin_sent",
                 "fin_pending", "shut_send", "shut_recv", "recv_q", "outq", "unacked", "sndbuffered",
                 "in_flight", "sndbuf", "rcvbuf", "linger", "port", "key", "notify_modes", "closed",
                 "nonblocking", "npp", "signalled", "wait_list", "by_ov", "listener")

    def __init__(self, k, npp):
        n = net(k)
        self.handle = None
        self.state = "open"
        self.addr = None
        self.peer = None
        self.rx = bytearray()               # received, not yet read (charged to pool tag afd-recv)
        self.fin_received = self.reset = self.rst_sent = self.fin_sent = self.fin_pending = False
        self.shut_send = self.shut_recv = False
        # The three queues start as the shared empty tuple and become lists on first use: an idle session
        # then costs fewer objects (heap, and cyclic-GC work with 10,000 sessions).
        self.recv_q = ()                    # pending receive IRPs, oldest first (D2)
        self.outq = ()                      # [memoryview, irp-or-None]: data not yet on the wire, in order (D3)
        self.unacked = ()                   # send IRPs whose bytes are all on the wire, awaiting the ACK
        self.sndbuffered = 0                # bytes copied into AFD's send buffer and not yet acknowledged
        self.in_flight = 0
        self.sndbuf = n.sndbuf
        self.rcvbuf = n.rcvbuf
        self.linger = None
        self.port = None
        self.key = 0
        self.notify_modes = 0
        self.closed = False
        self.nonblocking = False
        self.npp = npp
        self.signalled = False
        self.wait_list = []
        self.by_ov = None                   # id(OVERLAPPED) -> live IRP, for WSAGetOverlappedResult
        self.listener = None                # [unaccepted sockets, waiting threads, backlog] when listening
        k.sockets.append(self)

    # --- handle-level protocol (CreateIoCompletionPort, WaitFor*, CloseHandle, CancelIo*) ---

    def associate(self, k, port, key):
        if self.port is not None or self.closed:
            return False
        self.port, self.key = port, key
        return True

    def is_signalled(self):
        return self.signalled

    def consume(self):
        pass

    def signal(self, k):
        self.signalled = True
        if self.wait_list:
            signal_object(k, self)

    def close(self, k):
        close_socket(k, self)

    def cancel_io(self, k, t, ov, by_thread):
        from .irp import cancel
        matches = [irp for irp in self.pending_irps()
                   if (not by_thread or irp.thread is t) and (ov is None or irp.ov is ov)]
        for irp in matches:
            cancel(k, irp, why="CancelIo" + ("" if by_thread else "Ex") + " (B12, D8)")
        return len(matches)

    # --- IRP bookkeeping -----------------------------------------------------------

    def pending_irps(self):
        irps = list(self.recv_q)
        irps.extend(seg[1] for seg in self.outq if seg[1] is not None)
        irps.extend(self.unacked)
        irps.sort(key=lambda irp: irp.id)
        return irps

    def sends_pending(self):
        for seg in self.outq:
            if seg[1] is not None:
                return True
        return False

    def unlink(self, irp):
        """Take a pending IRP off this socket's queues (it is being cancelled or aborted)."""
        if irp.op == "recv":
            if irp in self.recv_q:
                self.recv_q.remove(irp)
            return
        if irp in self.unacked:
            self.unacked.remove(irp)
            return
        self.outq = [seg for seg in self.outq if seg[1] is not irp]

    def remember(self, irp):
        if irp.ov is not None:
            if self.by_ov is None:
                self.by_ov = {}
            self.by_ov[id(irp.ov)] = irp

    def forget(self, irp):
        by_ov = self.by_ov
        if by_ov and irp.ov is not None and by_ov.get(id(irp.ov)) is irp:
            del by_ov[id(irp.ov)]

    def sync_result(self, irp, ok):
        """What a blocking call returns when its IRP completes: (result, last error or None)."""
        kind = irp.sync
        err = None if ok else wsa_error(irp.status)
        if kind == "recv":
            return (bytes(irp.bufs[0].buf[:irp.nbytes]) if ok else SOCKET_ERROR), err
        if kind == "send":
            return (irp.nbytes if ok else SOCKET_ERROR), err
        if kind == "WSARecv":
            return ((0, irp.nbytes, 0) if ok else (SOCKET_ERROR, 0, 0)), err
        return ((0, irp.nbytes) if ok else (SOCKET_ERROR, 0)), err

    # --- the receive window --------------------------------------------------------

    def window(self):
        room = (self.rcvbuf or DEFAULT_BUFFER) - len(self.rx)
        for irp in self.recv_q:
            room += irp.length
        return room

    def view(self):
        from ..trace import SocketView
        if self.reset:
            state = "reset"
        elif self.fin_received:
            state = "peer closed"
        elif self.shut_send:
            state = "send shut"
        else:
            state = self.state
        return SocketView(self.handle or 0, state, len(self.rx), sum(len(seg[0]) for seg in self.outq),
                          self.port.handle if self.port is not None else 0)

    def __repr__(self):
        return f"socket {self.handle}"


# --- creating sockets ------------------------------------------------------------

def new_socket(k, connected=False, handle=True):
    """E4: a socket charges its endpoint (and, connected, its transport objects) to non-paged pool."""
    pool = k.pool
    npp = pool.socket_bytes + (pool.connect_bytes if connected else 0)
    if not pool.alloc_npp(npp, "socket"):
        return None
    sock = Socket(k, npp)
    if connected:
        sock.state = "connected"
    if handle:
        sock.handle = k.handles.add(sock)
    return sock


def _push(sock, queue, item):
    q = getattr(sock, queue)
    if q.__class__ is tuple:
        setattr(sock, queue, [item])
    else:
        q.append(item)


def _pair(k, a, b):
    a.peer, b.peer = b, a
    a.state = b.state = "connected"


# --- the wire ------------------------------------------------------------------------

def pump(k, s):
    """Put as much of s's queued data on the wire as the peer's window allows; then FIN if asked."""
    peer = s.peer
    if peer is None or s.rst_sent or s.reset:
        return
    outq = s.outq
    wire = k.socket_net
    if outq:
        window = peer.window() - s.in_flight
        while outq and window > 0:
            seg = outq[0]
            data, irp = seg
            n = min(len(data), window)
            chunk = bytes(data[:n])
            window -= n
            s.in_flight += n
            if n < len(data):
                seg[0] = data[n:]
                last = None
            else:
                outq.pop(0)
                last = irp
                if irp is not None:
                    _push(s, "unacked", irp)
            wire.later(k, _arrive, k, s, peer, chunk, n if irp is None else 0, last)
    if s.fin_pending and not outq and not s.fin_sent:
        s.fin_sent = True
        wire.later(k, _fin_arrives, k, s, peer)


def _arrive(k, s, r, chunk, from_buffer, last):
    """Bytes from s reach r; s sees them acknowledged at the same instant."""
    n = len(chunk)
    s.in_flight -= n
    if from_buffer:
        s.sndbuffered -= from_buffer
        k.pool.free_npp(from_buffer, "afd-send")
    if last is not None and last.state == "pending":
        if last in s.unacked:
            s.unacked.remove(last)
        complete(k, last, STATUS_SUCCESS, last.length, "the transport has taken all its bytes (D3, D4)")
    if r.closed:
        # Data for an endpoint whose handle is closed: TCP answers with RST (oracle 2.20).
        if not r.rst_sent and not s.reset and not s.closed:
            r.rst_sent = True
            k.socket_net.later(k, _rst_arrives, k, r, s)
    elif not r.reset:
        k.pool.alloc_npp(n, "afd-recv", force=True)
        r.rx += chunk
        if k.trace.recording:
            k.emit("net", None, "{n} bytes arrive at socket {h}", n=n, h=r.handle,
                   why=f"sent {k.socket_net.latency:g} ms ago over loopback")
        serve(k, r)
    absorb(k, s)
    pump(k, s)


def _fin_arrives(k, s, r):
    if r.closed:
        _abort_leftover_sends(k, r)
        return
    r.fin_received = True
    k.emit("net", None, "FIN arrives at socket {h}: the peer closed gracefully", h=r.handle, why="D5")
    serve(k, r)


def _rst_arrives(k, s, r):
    """RST from s reaches r (D6)."""
    if r.closed:
        _abort_leftover_sends(k, r)
        return
    if r.reset:
        return
    r.reset = True
    k.emit("net", None, "RST arrives at socket {h}: the connection is reset", h=r.handle, why="D6")
    if k.profile.rst_discards_buffered and r.rx:
        k.pool.free_npp(len(r.rx), "afd-recv")
        r.rx.clear()
    if not r.rx:
        pending, r.recv_q = r.recv_q, ()
        for irp in pending:
            complete(k, irp, STATUS_CONNECTION_RESET, 0, "the peer reset the connection (D6)")
    _drop_sends(k, r, STATUS_CONNECTION_RESET, "the peer reset the connection (D6)")


def _drop_sends(k, s, status, why):
    """Fail every pending send of s and drop the data still in its send buffer."""
    buffered = 0
    irps = []
    for data, irp in s.outq:
        if irp is None:
            buffered += len(data)
        else:
            irps.append(irp)
    s.outq = ()
    if buffered:
        s.sndbuffered -= buffered
        k.pool.free_npp(buffered, "afd-send")
    irps.extend(s.unacked)
    s.unacked = ()
    for irp in sorted(irps, key=lambda i: i.id):
        complete(k, irp, status, 0, why)


def _abort_leftover_sends(k, s):
    """Wine leaves a closed socket's sends pending; they fail when the peer goes (WINE.md)."""
    if s.sends_pending() or s.unacked:
        _drop_sends(k, s, STATUS_CONNECTION_RESET, "the peer went away while the send was pending (Wine)")


def serve(k, r):
    """Give r's buffered data (or its EOF / reset) to its pending receives, oldest first (D1, D2, D5, E6)."""
    queue = r.recv_q
    took = 0
    while queue:
        irp = queue[0]
        if r.rx:
            if irp.length == 0:
                queue.pop(0)
                complete(k, irp, STATUS_SUCCESS, 0, "data arrived; a zero-byte receive leaves it queued (E6)")
                continue
            queue.pop(0)
            n = _take(k, r, irp)
            took += n
            complete(k, irp, STATUS_SUCCESS, n, "data arrived; any byte completes a stream receive (D1, D2)")
        elif r.fin_received:
            queue.pop(0)
            complete(k, irp, STATUS_SUCCESS, 0, "the peer closed gracefully: 0 bytes (D5)")
        elif r.reset:
            queue.pop(0)
            complete(k, irp, STATUS_CONNECTION_RESET, 0, "the connection was reset (D6)")
        else:
            break
    if took and r.peer is not None:
        pump(k, r.peer)


def _take(k, r, irp):
    """Copy buffered bytes into the IRP's buffers (scatter), as many as fit."""
    rx = r.rx
    n = min(irp.length, len(rx))
    pos = 0
    for b in irp.bufs:
        if pos >= n:
            break
        m = min(b.len, n - pos)
        b.buf[:m] = rx[pos:pos + m]
        pos += m
    del rx[:n]
    if n:
        k.pool.free_npp(n, "afd-recv")
    return n


def absorb(k, s):
    """AFD copies pending sends into its send buffer as room appears; they complete then (D3)."""
    if s.sndbuf <= 0 or s.unacked:             # an earlier send still awaits its ACK: completions keep order
        return
    for seg in s.outq:
        irp = seg[1]
        if irp is None:
            continue
        n = len(seg[0])
        if s.sndbuffered + n > s.sndbuf or not k.pool.alloc_npp(n, "afd-send"):
            break
        s.sndbuffered += n
        seg[1] = None
        complete(k, irp, STATUS_SUCCESS, irp.length, "its bytes now fit in the send buffer (SO_SNDBUF, D3)")


# --- local close (D7) ---------------------------------------------------------------------

def close_socket(k, s):
    if s.closed:
        return
    s.closed = True
    if s in k.sockets:
        k.sockets.remove(s)
    status = CLOSE_STATUS.get(k.profile.close_error_mode, STATUS_CONNECTION_ABORTED)
    linger = s.linger
    abortive = linger is not None and linger.l_onoff and linger.l_linger == 0
    why = (f"closesocket: the last handle closed, pending I/O of every thread ends with "
           f"{error_name(status)} (D7, close_error_mode={k.profile.close_error_mode})")
    k.emit("close", None, "socket {h} closes" + (" abortively (linger {{1,0}}: RST)" if abortive else ""),
           h=s.handle, why="D6" if abortive else "D7")
    if s.listener is not None:
        unaccepted, waiters, _ = s.listener
        for child in unaccepted:
            child.linger = LINGER(1, 0)
            close_socket(k, child)
        for t in list(waiters):
            unwait(k, t, INVALID_SOCKET, "the listening socket was closed", error=k.profile.closed_accept_error)
        s.listener = None
    if s.addr is not None and k.socket_net.bound.get(s.addr) is s:
        del k.socket_net.bound[s.addr]
    pending, s.recv_q = s.recv_q, ()
    for irp in pending:
        complete(k, irp, status, 0, why)
    if abortive or k.profile.close_cancels_sends:
        if abortive:
            _drop_sends(k, s, status, why)
        else:
            irps = [seg[1] for seg in s.outq if seg[1] is not None] + list(s.unacked)
            s.outq = [seg for seg in s.outq if seg[1] is None]
            s.unacked = ()
            for irp in irps:
                complete(k, irp, status, 0, why)
    peer = s.peer
    if peer is not None and not s.reset:
        if abortive:
            if not s.rst_sent:
                s.rst_sent = True
                k.socket_net.later(k, _rst_arrives, k, s, peer)
        elif not s.fin_sent:
            s.fin_pending = True                      # buffered data still goes out, then FIN (D7)
            pump(k, s)
    if s.rx:
        k.pool.free_npp(len(s.rx), "afd-recv")
        s.rx.clear()
    k.pool.free_npp(s.npp, "socket")
    s.npp = 0
    port = s.port
    if port is not None:
        port.files -= 1
        if port.closed and port.files == 0:
            port._rundown(k)


# --- calls: helpers -------------------------------------------------------------------

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
        raise ScenarioError(call.file, call.line, f"completion routine {getattr(routine, '__name__', routine)!r} "
                                                  "must be a generator function: def routine(err, nbytes, ov, flags): yield ...")


def _refuse(k, t, error, call, why):
    t.last_error = error
    k.emit("call", t, "{thread}'s " + call + " fails at once: {err}", err=error_name(error), why=why)


def _pend_or_nobufs(k, t, irp, call):
    if pend(k, irp):
        return True
    fail_sync(k, irp)
    _refuse(k, t, WSAENOBUFS, call, f"locking {sum(b.pages() for b in irp.bufs)} more page(s) would pass the "
                                    f"limit ({k.pool.locked}/{k.pool.locked_limit} locked): no IRP stays, "
                                    "no packet (E3, E5)")
    return False


# --- calls: WSARecv / WSASend / WSAGetOverlappedResult ---------------------------------------

@syscall("WSARecv")
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
    if sock.reset and not sock.rx and k.profile.rst_recv_fails:
        _refuse(k, t, WSAECONNRESET, "WSARecv", "the connection was reset: no IRP, no packet (D6, B4)")
        return bad
    if sock.reset and not sock.rx:
        t.last_error = 0        # Wine 8 (measured live): the recv succeeds with 0 bytes and clears the error
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
        n = _take(k, sock, irp)
        if n and sock.peer is not None:
            pump(k, sock.peer)
        if irp.sync:
            complete(k, irp, STATUS_SUCCESS, n)
            return t.result
        sock.remember(irp)
        k.emit("call", t, "{thread}'s WSARecv on {h} succeeds at once with {n} bytes", h=s, n=n,
               why=("data was already buffered" if n else "the peer had closed: 0 bytes") +
                   " — and the completion is still notified (D1, B5)")
        complete(k, irp, STATUS_SUCCESS, n, "an immediate success still notifies (B5)")
        return (0, n, 0)
    if not _pend_or_nobufs(k, t, irp, "WSARecv"):
        return bad
    _push(sock, "recv_q", irp)
    if irp.sync:
        return block(k, t, f"recv on socket {s}", INFINITE, why="nothing is buffered")
    sock.remember(irp)
    t.last_error = WSA_IO_PENDING
    k.emit("call", t, "{thread}'s WSARecv on {h} pends (IRP {irp}, {pages} page(s) locked)", h=s, irp=irp.id,
           pages=irp.pages, why="nothing is buffered: the buffer is locked and the request waits (D2, E2)")
    return (SOCKET_ERROR, 0, 0)


@syscall("WSASend")
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
        return WSAECONNRESET
    if sock.shut_send or sock.fin_pending:
        return WSAESHUTDOWN
    return 0


def _start_send(k, t, sock, irp, data, call):
    n = len(data)
    sync = irp.sync
    if not sock.sends_pending() and sock.sndbuffered + n <= sock.sndbuf:
        if n and not k.pool.alloc_npp(n, "afd-send"):
            fail_sync(k, irp)
            _refuse(k, t, WSAENOBUFS, call, "no non-paged pool to buffer the data (E4, E5)")
            return SOCKET_ERROR if sync == "send" else (SOCKET_ERROR, 0)
        if n:
            sock.sndbuffered += n
            _push(sock, "outq", [memoryview(data), None])
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
    if sync == "send" and sock.nonblocking:
        fail_sync(k, irp)
        return _fail(t, WSAEWOULDBLOCK)
    if not _pend_or_nobufs(k, t, irp, call):
        return SOCKET_ERROR if sync == "send" else (SOCKET_ERROR, 0)
    _push(sock, "outq", [memoryview(data), irp])
    why = "" if not k.trace.recording else (
        "SO_SNDBUF is 0: AFD buffers nothing and sends from the locked application buffer (D4)" if sock.sndbuf <= 0
        else f"the send buffer is full ({sock.sndbuffered}/{sock.sndbuf} bytes) or sends are queued ahead (D3)")
    if sync:
        result = block(k, t, f"{sync} on socket {sock.handle}", INFINITE, why=why)
        pump(k, sock)
        return result
    sock.remember(irp)
    t.last_error = WSA_IO_PENDING
    k.emit("call", t, "{thread}'s " + call + " on {h} pends (IRP {irp}, {pages} page(s) locked)", h=sock.handle,
           irp=irp.id, pages=irp.pages, why=why)
    pump(k, sock)
    return (SOCKET_ERROR, 0)


@syscall("WSAGetOverlappedResult")
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


# --- calls: creating and connecting ----------------------------------------------------------

def _create(k, t, af, type_):
    if af != AF_INET:
        return _fail(t, WSAEAFNOSUPPORT, INVALID_SOCKET)
    if type_ != SOCK_STREAM:
        return _fail(t, WSAESOCKTNOSUPPORT, INVALID_SOCKET)
    sock = new_socket(k)
    if sock is None:
        _refuse(k, t, WSAENOBUFS, "socket", "no non-paged pool for another endpoint (E4)")
        return INVALID_SOCKET
    k.emit("call", t, "{thread} creates socket {h}", h=sock.handle, why="")
    return sock.handle


@syscall("WSASocket")
def WSASocket(k, t, af, type, protocol, info, g, flags):
    return _create(k, t, af, type)


@syscall("socket")
def socket(k, t, af, type, protocol):
    return _create(k, t, af, type)


@syscall("tcp_pair")
def tcp_pair(k, t):
    """Two connected sockets over loopback → (server, client)."""
    server = new_socket(k, connected=True)
    client = new_socket(k, connected=True) if server is not None else None
    if client is None:
        if server is not None:
            k.handles.close(server.handle)
            close_socket(k, server)
        _refuse(k, t, WSAENOBUFS, "tcp_pair", "no non-paged pool for the endpoints (E4)")
        return (INVALID_SOCKET, INVALID_SOCKET)
    _pair(k, server, client)
    n = net(k)
    server.addr = n.ephemeral("127.0.0.1")
    if k.trace.recording:
        k.emit("call", t, "{thread} connects sockets {a} (server) and {b} (client) over loopback",
               a=server.handle, b=client.handle)
    return (server.handle, client.handle)


@syscall("bind")
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
    return 0


@syscall("listen")
def listen(k, t, s, backlog):
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
    return 0


@syscall("connect")
def connect(k, t, s, name):
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
    n = net(k)
    listener = n.bound.get(addr)
    if listener is None or listener.listener is None or len(listener.listener[0]) >= listener.listener[2]:
        return _fail(t, WSAECONNREFUSED)
    pool = k.pool
    if not pool.alloc_npp(pool.connect_bytes, "socket"):
        return _fail(t, WSAENOBUFS)
    child = new_socket(k, connected=True, handle=False)
    if child is None:
        pool.free_npp(pool.connect_bytes, "socket")
        return _fail(t, WSAENOBUFS)
    sock.npp += pool.connect_bytes
    if sock.addr is None:
        sock.addr = n.ephemeral("127.0.0.1")
        n.bound[sock.addr] = sock
    _pair(k, sock, child)
    child.addr = addr
    unaccepted, waiters, _ = listener.listener
    k.emit("call", t, "{thread} connects socket {h} to {addr}", h=s, addr=f"{addr[0]}:{addr[1]}")
    if waiters:
        waiter = waiters.pop(0)
        child.handle = k.handles.add(child)
        unwait(k, waiter, child.handle, "a connection arrived", text="{thread}'s accept returns socket {h}",
               h=child.handle)
    else:
        unaccepted.append(child)
    return 0


@syscall("accept")
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
        return child.handle
    if sock.nonblocking:
        return _fail(t, WSAEWOULDBLOCK, INVALID_SOCKET)
    result = block(k, t, f"accept on socket {s}", INFINITE)
    waiters.append(t)
    t.wait.unlinks.append(lambda: t in waiters and waiters.remove(t))
    return result


# --- calls: blocking send / recv for peers ---------------------------------------------------

@syscall("send")
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


@syscall("recv")
def recv(k, t, s, len, flags=0):
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
        return _fail(t, WSAECONNRESET)
    if len == 0:
        return b""
    immediate = not sock.recv_q and (sock.rx or sock.fin_received)
    if not immediate and sock.nonblocking:
        return _fail(t, WSAEWOULDBLOCK)
    irp = new_irp(k, t, sock, "recv", [WSABUF(len)], len, None, sync="recv")
    if irp is None:
        return _fail(t, WSAENOBUFS)
    if immediate:
        n = _take(k, sock, irp)
        if n and sock.peer is not None:
            pump(k, sock.peer)
        complete(k, irp, STATUS_SUCCESS, n)
        return t.result
    if not _pend_or_nobufs(k, t, irp, "recv"):
        return SOCKET_ERROR
    _push(sock, "recv_q", irp)
    return block(k, t, f"recv on socket {s}", INFINITE, why="nothing is buffered yet")


# --- calls: options, shutdown, close -----------------------------------------------------------

@syscall("ioctlsocket")
def ioctlsocket(k, t, s, cmd, argp):
    sock = _sock(k, t, s)
    if sock is None:
        return SOCKET_ERROR
    if cmd != FIONBIO:
        return _fail(t, WSAEINVAL)
    sock.nonblocking = bool(argp)
    return 0


@syscall("setsockopt")
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
        k.emit("call", t, "{thread} sets {opt}={v} on socket {h}", opt="SO_SNDBUF" if optname == SO_SNDBUF
               else "SO_RCVBUF", v=optval, h=s, why="D4: with SO_SNDBUF 0 every send pends" if optname == SO_SNDBUF
               and optval == 0 else "")
        return 0
    if optname == SO_LINGER:
        if not isinstance(optval, LINGER):
            return _fail(t, WSAEFAULT)
        sock.linger = optval
        return 0
    return _fail(t, WSAENOPROTOOPT)


@syscall("getsockopt")
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


@syscall("shutdown")
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
        sock.fin_pending = True
        k.emit("call", t, "{thread} shuts down sending on socket {h}: FIN follows the queued data", h=s, why="D5")
        pump(k, sock)
    return 0


@syscall("closesocket")
def closesocket(k, t, s):
    sock = _sock(k, t, s)
    if sock is None:
        return SOCKET_ERROR
    _, last = k.handles.close(s)
    if not last:                                         # oracle 2.11: only the last handle cancels
        k.emit("call", t, "{thread} calls closesocket({h}): another handle to the socket stays open, "
               "so nothing is cancelled", h=s, why="D7: I/O is cancelled only when the last handle closes")
        if sock.handle == s:
            sock.handle = next(v for v, o in k.handles.objects.items() if o is sock)
        return 0
    k.emit("call", t, "{thread} calls closesocket({h})", h=s,
           why="closesocket returns at once; completions arrive afterwards (D7)")
    close_socket(k, sock)
    return 0


@syscall("memory")
def memory(k, t):
    """kernelsim's helper: (non-paged pool bytes, locked pages) right now (E1–E6)."""
    return (k.pool.npp, k.pool.locked)
