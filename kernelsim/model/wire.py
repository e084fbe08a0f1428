"""The wire: a simulated loopback TCP connection between two AFD endpoints.

What Windows does.  Over loopback, TCP delivers a connection's bytes in order,
then its FIN (graceful close, D5) or its RST (abortive close, D6).  A sender
may put on the wire only as much as the receiver's window allows — its free
receive buffer (SO_RCVBUF) plus the buffers of its pending receives — and an
acknowledgement frees the sender's buffered bytes (D3).  Data that reaches an
endpoint whose handle is closed is answered with RST (oracle 2.20).  On the
receiving side, buffered bytes (or EOF, or the reset) go to pending receives
oldest first, any byte completing a stream receive (D1, D2); a zero-byte
receive completes with 0 and leaves the data queued (E6).

What we simplify.  One network with a fixed one-way latency (CONFIG
``latency_ms``, default 0.1) and unlimited bandwidth; an acknowledgement is
instantaneous on arrival.  The receive window is the peer's SO_RCVBUF (0 acts
as the default, as the seed observed: "수신버퍼를 0으로 만들어도 ... 내부에서
다시금 수신버퍼를 늘려") plus its pending receive buffers.  A pending send is
copied into the send buffer once it fits in SO_SNDBUF (``absorb``).

Who calls what.  winsock.py and afd.py put data on the wire with ``pump`` and
hand buffered data to receives with ``serve``/``take``; ``Net.later`` delivers
what was sent one latency later, in order, from one FIFO served by one timer.
The functions here read and write the endpoint's queues (afd.Socket) and
complete IRPs (irp.py); they never look a handle up.

Rules: D1–D6 (transport side), E6, E9 (TIME_WAIT), oracle 2.20.
"""

from collections import deque

from .. import footprint
from ..win32.constants import STATUS_CONNECTION_RESET, STATUS_SUCCESS, WSAECONNRESET
from .irp import complete

DEFAULT_BUFFER = 8192                       # SEMANTICS §H so_sndbuf_default / so_rcvbuf_default
READINESS = []                              # hook(k, sock): what select/WSAEventSelect see may have changed


def changed(k, sock):
    """Data, a FIN, a RST, room to send or a connection reached sock: tell netevents.py (D13, D14)."""
    if sock.evsel is not None or sock.selectors:
        for hook in READINESS:
            hook(k, sock)


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
        tw = k.config.get("time_wait_ms")            # E9: None = TIME_WAIT not charged (afd.py)
        self.time_wait = float(tw) if tw is not None else None
        self.made = 0                       # sockets made so far (a socket's stable name for the explorer)

    def later(self, k, deliver, *args):
        """Run deliver(*args) when what was just sent reaches the other end.  What happens then is
        traced to the call that sent it (the call running now), not to whatever runs at arrival."""
        if footprint.rec is not None:
            footprint.touch_key(("timer", k.now + self.latency))
        self.wire.append((k.now + self.latency, deliver, args, k.cause))
        if not self.ticking:
            self.ticking = True
            k.after(self.latency, lambda: self._tick(k))

    def _tick(self, k):
        wire, now = self.wire, k.now
        while wire and wire[0][0] <= now:
            _, deliver, args, cause = wire.popleft()
            k.cause = cause
            deliver(*args)
        k.cause = None
        if wire:
            k.after(wire[0][0] - now, lambda: self._tick(k))
        else:
            self.ticking = False

    def ephemeral(self, ip):
        if footprint.rec is not None:
            footprint.touch_key(("net", "ports"))
        while (ip, self.next_port) in self.bound:
            self.next_port += 1
        self.next_port += 1
        return (ip, self.next_port - 1)


def net(k):
    """The kernel's loopback network, made on first use."""
    if k.socket_net is None:
        k.socket_net = Net(k)
    return k.socket_net


def push(sock, queue, item):
    """Append to one of sock's queues, which start as the shared empty tuple (cheap idle sessions)."""
    q = getattr(sock, queue)
    if q.__class__ is tuple:
        setattr(sock, queue, [item])
    else:
        q.append(item)


def send_rst(k, s, peer):
    """s resets the connection: its RST reaches peer one latency later (D6)."""
    if not s.rst_sent:
        s.rst_sent = True
        k.socket_net.later(k, _rst_arrives, k, s, peer)


def pump(k, s):
    """Put as much of s's queued data on the wire as the peer's window allows; then FIN if asked."""
    peer = s.peer
    if footprint.rec is not None:
        footprint.touch(s)
    if peer is None or s.rst_sent or s.reset:
        return
    outq = s.outq
    wire = k.socket_net
    if outq:
        k.touch(s)
        window = peer.window() - s.in_flight
        while outq and window > 0:
            seg = outq[0]
            data, irp, origin = seg
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
                    push(s, "unacked", irp)
            wire.later(k, _arrive, k, s, peer, chunk, n if irp is None else 0, last, origin)
    if s.fin_pending and not outq and not s.fin_sent:
        s.fin_sent = True
        wire.later(k, _fin_arrives, k, s, peer)


def _arrive(k, s, r, chunk, from_buffer, last, origin):
    """Bytes from s reach r; s sees them acknowledged at the same instant.  The row points at the
    send that put them on the wire (``origin``, its Call), not at whatever call runs now."""
    k.cause = origin
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
        # Data for an endpoint whose handle is closed: TCP answers with RST (oracle 2.20). The RST ends the
        # connection here too: no FIN will come, so no TIME_WAIT, and nothing is left to carry r's bytes (E9).
        if not s.reset and not s.closed:
            send_rst(k, r, s)
            free_tcb(k, r, "it answered data with a RST: the connection is gone, no TIME_WAIT")
            _abort_leftover_sends(k, r, reset=True)
    elif not r.reset:
        k.pool.alloc_npp(n, "afd-recv", force=True)
        r.rx += chunk
        k.touch(r)
        if k.trace.recording:
            k.emit("net", None, "{n} bytes arrive at socket {h}", n=n, h=r.handle,
                   why=f"sent {k.socket_net.latency:g} ms ago over loopback")
        serve(k, r)
        changed(k, r)
    absorb(k, s)
    pump(k, s)
    changed(k, s)


def _fin_arrives(k, s, r):
    if r.closed:
        if r.tcb:
            enter_time_wait(k, r)
        _abort_leftover_sends(k, r)
        return
    r.fin_received = True
    k.touch(r)
    if k.tracing:
        k.emit("net", None, "FIN arrives at socket {h}: the peer closed gracefully", h=r.handle, why="D5")
    serve(k, r)
    changed(k, r)


def _rst_arrives(k, s, r):
    """RST from s reaches r (D6)."""
    if r.closed:
        if r.tcb:
            free_tcb(k, r, "the peer reset the connection: no TIME_WAIT")
        _abort_leftover_sends(k, r, reset=True)
        return
    if r.reset:
        return
    r.reset = True
    # A RST after the peer's FIN answers data sent to a peer that had closed: Windows then reports the
    # connection as aborted, WSAECONNABORTED (oracle 2.20); a RST out of the blue is a reset (D6).
    r.reset_error = k.profile.rst_after_fin_error if r.fin_received else WSAECONNRESET
    k.touch(r)
    if k.tracing:
        k.emit("net", None, "RST arrives at socket {h}: the connection is reset", h=r.handle, why="D6")
    if k.profile.rst_discards_buffered and r.rx:
        k.pool.free_npp(len(r.rx), "afd-recv")
        r.rx.clear()
    if not r.rx:
        pending, r.recv_q = r.recv_q, ()
        if pending:
            r.rst_zero_given = True          # Wine 10 (measured): a receive the RST failed uses up the 0-byte one
        for irp in pending:
            complete(k, irp, STATUS_CONNECTION_RESET, 0, "the peer reset the connection (D6)")
    drop_sends(k, r, STATUS_CONNECTION_RESET, "the peer reset the connection (D6)")
    changed(k, r)


def drop_sends(k, s, status, why):
    """Fail every pending send of s and drop the data still in its send buffer."""
    buffered = 0
    irps = []
    for data, irp, _ in s.outq:
        if irp is None:
            buffered += len(data)
        else:
            irps.append(irp)
    s.outq = ()
    k.touch(s)
    if buffered:
        s.sndbuffered -= buffered
        k.pool.free_npp(buffered, "afd-send")
    irps.extend(s.unacked)
    s.unacked = ()
    for irp in sorted(irps, key=lambda i: i.id):
        complete(k, irp, status, 0, why)


def _abort_leftover_sends(k, s, reset=False):
    """The peer of a closed endpoint went away.  Wine leaves a closed socket's sends pending; they fail
    now (WINE.md).  After a RST the bytes still buffered to send go too: no connection is left to carry
    them, and their non-paged pool is freed (D6, E1)."""
    if s.sends_pending() or s.unacked or (reset and s.outq):
        drop_sends(k, s, STATUS_CONNECTION_RESET, "the peer went away while the send was pending (Wine)")


def serve(k, r):
    """Give r's buffered data (or its EOF / reset) to its pending receives, oldest first (D1, D2, D5, E6).

    (No footprint: it runs only when data arrives, a timed event between the threads' steps; the explorer
    orders it against them by its instant, recorded in Net.later.)"""
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
            n = take(k, r, irp)
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
    if took:
        window_update(k, r)


def window_update(k, r):
    """r's receive window grew (bytes read, SO_RCVBUF raised): TCP's window update lets the peer send what now
    fits.  (Closing r with data unread sends a RST instead, afd.close_socket.)"""
    if r.peer is not None:
        pump(k, r.peer)


def take(k, r, irp):
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
    k.touch(r)
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


# --- the TCB after an active close: FIN_WAIT, then TIME_WAIT (E9, CONFIG time_wait_ms) -------------------

def keep_tcb(k, s):
    """s was closed first, gracefully: its TCB stays charged until the peer's FIN, then 2MSL more."""
    hold = min(s.npp, k.pool.connect_bytes)
    s.npp -= hold
    k.pool.free_npp(hold, "socket")
    k.pool.alloc_npp(hold, "tcb", force=True)
    s.tcb = hold
    if k.tracing:
        k.emit("net", None, "socket {h}'s connection stays in the transport (FIN_WAIT): {n} bytes of non-paged pool",
               h=s.handle, n=hold, why="the side that closes first keeps its TCB until the peer's FIN, then TIME_WAIT "
                                       "(E9)")


def enter_time_wait(k, s):
    """The peer's FIN reached a socket we closed first: TIME_WAIT for time_wait_ms, then the TCB is freed."""
    ms = k.socket_net.time_wait
    if k.tracing:
        k.emit("net", None, "socket {h}'s connection enters TIME_WAIT for {ms} ms", h=s.handle, ms=f"{ms:g}",
               why="2MSL after an active close (TcpTimedWaitDelay, E9); an abortive close would have skipped it")
    k.after(ms, lambda: free_tcb(k, s, "TIME_WAIT ended"))


def free_tcb(k, s, why):
    if s.tcb:
        k.pool.free_npp(s.tcb, "tcb")
        if k.tracing:
            k.emit("net", None, "socket {h}'s TCB is freed: {n} bytes of non-paged pool back", h=s.handle, n=s.tcb,
                   why=why + " (E9)")
        s.tcb = 0
