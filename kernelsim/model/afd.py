"""AFD: the socket endpoint — its queues, its handle-level protocol, its local close.

What Windows does.  A Winsock socket is an endpoint of AFD, the kernel's
socket driver.  The endpoint holds what was received and not yet read, the
data queued to send, and the receive and send IRPs that pend on it; it is a
kernel object behind a handle, so it can be associated with a completion port
(key), waited on, duplicated, cancelled (CancelIo/CancelIoEx: 995, D8) and
closed.  Its I/O is cancelled only when the *last* handle closes (D7, oracle
2.11): pending receives of every thread complete with
STATUS_CONNECTION_ABORTED (1236; switch ``close_error_mode``: xp 64,
documented 995, wine 676) and buffered data still goes out, then FIN — or,
with linger {1,0}, RST and the buffered data dropped (D6).  The endpoint,
its transport objects and its buffered bytes are charged to non-paged pool
(E4), freed at close — except, with CONFIG ``time_wait_ms`` set, the
transport's connection block (TCB) of an *actively* closed connection: the
side that sent its FIN first keeps it through FIN_WAIT and then TIME_WAIT
for 2MSL (TcpTimedWaitDelay: 240 s on Windows 2000, 120 s from Windows
Server 2003 on), while an abortive close (linger {1,0}) sends RST and skips
TIME_WAIT (E9; MS-CLOSESOCKET).  Handle values are reused after close, so a
stale completion can land on a new connection.

What we simplify.  A socket may have several handles (DuplicateHandle); the
listen backlog is a list of unaccepted endpoints.  No datagrams.  TIME_WAIT
is charged only when CONFIG ``time_wait_ms`` is set (most lessons close and
compare memory with its baseline at once); the TCB is ``npp_connect_extra``
bytes (E4's transport part); an orphaned FIN_WAIT_2 (a peer that never sends
its FIN) holds it until the peer's FIN or RST, with no timer.

Who calls what.  winsock.py creates endpoints (``new_socket``, ``pair``) and
closes them (``close_socket``, also reached through CloseHandle's ``close``);
irp.py unlinks cancelled IRPs (``unlink``) and completes blocking calls
(``sync_result``); wire.py moves bytes between two endpoints.

Rules: D6 (sending the RST), D7, D8, D10 (by_ov), D12 (inherit), E4, E9, oracle 2.9, 2.10, 2.11.
"""

from ..trace import SocketView
from ..win32.constants import (INVALID_SOCKET, SOCKET_ERROR, STATUS_CANCELLED, STATUS_CONNECTION_ABORTED,
                               STATUS_HANDLES_CLOSED, STATUS_LOCAL_DISCONNECT, error_name)
from ..win32.structs import LINGER
from .irp import cancel, complete
from .status import wsa_error
from .sync import signal_object
from .thread import unwait
from .wire import DEFAULT_BUFFER, drop_sends, keep_tcb, net, pump, send_rst

CLOSE_STATUS = {                            # D7 with the oracle's correction (2.9)
    "modern": STATUS_CONNECTION_ABORTED,    # 1236 through GQCS, 10053 through WSAGetOverlappedResult
    "xp": STATUS_LOCAL_DISCONNECT,          # 64
    "documented": STATUS_CANCELLED,         # 995
    "wine": STATUS_HANDLES_CLOSED,          # 676 (WINE.md)
}


class Socket:
    """An AFD endpoint.  Small on purpose (__slots__, lists): 10,000 of them must stay cheap."""

    panel = "sockets"            # the Snapshot field it is shown in

    __slots__ = ("handle", "state", "addr", "peer", "rx", "fin_received", "reset", "rst_sent", "fin_sent",
                 "fin_pending", "shut_send", "shut_recv", "recv_q", "outq", "unacked", "sndbuffered",
                 "in_flight", "sndbuf", "rcvbuf", "linger", "port", "key", "notify_modes", "closed",
                 "nonblocking", "npp", "signalled", "wait_list", "by_ov", "listener", "tcb", "evsel", "selectors", "fp",
                 "rst_zero_given", "reset_error", "connect_error")

    def __init__(self, k, npp):
        n = net(k)
        n.made += 1
        self.fp = n.made                    # the explorer's name for this endpoint (its handle may change)
        self.handle = None
        self.state = "open"
        self.addr = None
        self.peer = None
        self.rx = bytearray()               # received, not yet read (charged to pool tag afd-recv)
        self.fin_received = self.reset = self.rst_sent = self.fin_sent = self.fin_pending = False
        self.rst_zero_given = False         # Wine 10: the one 0-byte WSARecv after a RST was given
        self.reset_error = 0                # what later calls fail with once reset: 10054, or 10053 (oracle 2.20)
        self.shut_send = self.shut_recv = False
        # The three queues start as the shared empty tuple and become lists on first use: an idle session
        # then costs fewer objects (heap, and cyclic-GC work with 10,000 sessions).
        self.recv_q = ()                    # pending receive IRPs, oldest first (D2)
        self.outq = ()                      # [memoryview, irp-or-None, the Call that sent it]: not yet on the wire (D3)
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
        self.wait_list = {}                 # waits on the socket handle: Wait -> wait block (sync.py)
        self.by_ov = None                   # id(OVERLAPPED) -> live IRP, for WSAGetOverlappedResult
        self.listener = None                # [unaccepted sockets, (thread, wait) in accept, backlog] when listening
        self.tcb = 0                        # bytes of the connection block kept after an active close (E9)
        self.evsel = None                   # WSAEventSelect's record (netevents.py), when asked for
        self.connect_error = None           # a non-blocking connect's result, for FD_CONNECT (D13): 0 or a WSA code
        self.selectors = ()                 # select() calls waiting on this socket (netevents.py)
        k.sockets[self] = None
        k.touch(self)

    # --- handle-level protocol (CreateIoCompletionPort, WaitFor*, CloseHandle, CancelIo*) ---

    def associate(self, k, port, key):
        if self.port is not None or self.closed:
            return False
        self.port, self.key = port, key
        k.touch(self)
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
        matches = [irp for irp in self.pending_irps()
                   if (not by_thread or irp.thread is t) and (ov is None or irp.ov is ov)]
        if by_thread or k.profile.cancel_order == "newest_first":
            # CancelIo walks the thread's IRP list from its head, where each IRP was inserted:
            # newest first (ReactOS NtCancelIoFile, IopQueueIrpToThread). CancelIoEx(h, NULL):
            # Wine 8 and 10 newest first (measured live); Windows has no oracle test (B12, B14).
            matches.reverse()
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
        if irp.op in ("recv", "accept"):                  # an AcceptEx waits in its listener's receive queue
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
        """What a blocking call returns when its IRP completes: (result, last error).  A Winsock call
        that succeeds sets the last error to 0 (B11: the last error after success)."""
        kind = irp.sync
        err = 0 if ok else wsa_error(irp.status)
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

    def view(self, k):
        if self.closed:
            return None
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

    def fp_key(self):
        return ("socket", self.fp)


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


def pair(k, a, b):
    """Connect two endpoints to each other."""
    a.peer, b.peer = b, a
    a.state = b.state = "connected"
    k.touch(a)
    k.touch(b)


def inherit(child, listener):
    """D12: an accepted socket has the listening socket's properties — buffer sizes, linger, blocking
    mode (MS accept: "the same properties as socket s"; the seed's "ListenSocket 옵션 상속")."""
    child.sndbuf, child.rcvbuf = listener.sndbuf, listener.rcvbuf
    child.linger, child.nonblocking = listener.linger, listener.nonblocking


# --- local close (D7) ---------------------------------------------------------------------

def close_socket(k, s):
    """The last handle of s closed (D7): pending I/O ends, FIN or RST goes out, the pool is freed."""
    if s.closed:
        return
    s.closed = True
    k.sockets.pop(s, None)
    k.touch(s)
    status = CLOSE_STATUS.get(k.profile.close_error_mode, STATUS_CONNECTION_ABORTED)
    linger = s.linger
    abortive = linger is not None and linger.l_onoff and linger.l_linger == 0
    # Closing with received data unread resets the connection: the data can never be read (RFC 1122 4.2.2.13,
    # RFC 2525 2.17; measured on Wine 8 and Wine 10: the peer's next send fails with 10054).
    unread = not abortive and s.rx and s.peer is not None and not s.reset
    abortive = abortive or unread
    why = (f"closesocket: the last handle closed, pending I/O of every thread ends with "
           f"{error_name(status)} (D7, close_error_mode={k.profile.close_error_mode})") if k.tracing else ""
    if k.tracing:
        if unread:
            k.emit("close", None, "socket {h} closes with {n} bytes unread: RST", h=s.handle, n=len(s.rx),
                   why="closing with data unread resets the connection (RFC 1122 4.2.2.13, D6)")
        else:
            k.emit("close", None, "socket {h} closes" + (" abortively (linger {{1,0}}: RST)" if abortive else ""),
                   h=s.handle, why="D6" if abortive else "D7")
    if s.listener is not None:
        unaccepted, waiters, _ = s.listener
        for child in unaccepted:
            child.linger = LINGER(1, 0)
            close_socket(k, child)
        for t, wait in list(waiters):
            unwait(k, t, INVALID_SOCKET, "the listening socket was closed", error=k.profile.closed_accept_error,
                   wait=wait)
        s.listener = None
    if s.addr is not None and k.socket_net.bound.get(s.addr) is s:
        del k.socket_net.bound[s.addr]
    pending, s.recv_q = s.recv_q, ()
    for irp in pending:
        if irp.op == "accept":                        # AcceptEx on a closed listener: 995 (oracle 2.10)
            complete(k, irp, STATUS_CANCELLED, 0, "the listening socket was closed under a pending AcceptEx "
                                                  "(oracle 2.10, D15)")
        else:
            complete(k, irp, status, 0, why)
    if abortive or k.profile.close_cancels_sends:
        if abortive:
            drop_sends(k, s, status, why)
        else:
            irps = [seg[1] for seg in s.outq if seg[1] is not None] + list(s.unacked)
            s.outq = [seg for seg in s.outq if seg[1] is None]
            s.unacked = ()
            for irp in irps:
                complete(k, irp, status, 0, why)
    peer = s.peer
    if peer is not None and not s.reset:
        if abortive:
            send_rst(k, s, peer)
        elif not s.fin_sent:
            s.fin_pending = True                      # buffered data still goes out, then FIN (D7)
            pump(k, s)
    if s.rx:
        k.pool.free_npp(len(s.rx), "afd-recv")
        s.rx.clear()
    if (peer is not None and not abortive and not s.reset and not s.fin_received
            and k.socket_net.time_wait is not None):
        keep_tcb(k, s)                                # we close first: FIN_WAIT, then TIME_WAIT (E9)
    k.pool.free_npp(s.npp, "socket")
    s.npp = 0
    port = s.port
    if port is not None:
        port.files -= 1
        if port.closed and port.files == 0:
            port._rundown(k)
