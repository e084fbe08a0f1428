"""Network events of an AFD endpoint: select, WSAEventSelect and WSAEnumNetworkEvents.

What Windows does.  ``select`` waits until a socket in its sets can be read
(data, a connection to accept, the peer's FIN or RST) or written, and
rewrites the sets in place with the ready ones; it has no limit of its own:
an fd_set holds FD_SETSIZE sockets, 64 unless the program defines a larger
FD_SETSIZE before including winsock2.h, and the FD_SET macro silently drops
a socket beyond that (D14; MS select: "The default value of FD_SETSIZE is
64, which can be modified by defining FD_SETSIZE to another value").
``WSAEventSelect(s, hEvent, FD_READ|FD_CLOSE...)`` makes s non-blocking and
asks AFD to *record* network events and set the event: once an event is
recorded, nothing more happens for it until the call that re-enables it —
recv/WSARecv for FD_READ, accept for FD_ACCEPT, a send that failed with
WSAEWOULDBLOCK for FD_WRITE; FD_CONNECT and FD_CLOSE are recorded once.  If
the condition still holds when it is re-enabled (data left after a recv), it
is recorded again at once.  ``WSAEnumNetworkEvents`` copies the record,
clears it and resets the event in one step (D13; MS WSAEventSelect, MS
WSAEnumNetworkEvents).  An event says only that *something* happened on
*some* socket: one event per socket, and one WSAWaitForMultipleEvents
covers at most 64 — the notes' reason EventSelect stays on the client side.

A non-blocking ``connect`` (FIONBIO, or after WSAEventSelect) returns WSAEWOULDBLOCK; its result is
recorded as FD_CONNECT, with the error (0, or WSAECONNREFUSED) in iErrorCode[FD_CONNECT_BIT] (MS connect;
measured on Wine 8 and 10).

What we simplify.  No FD_OOB (and the loopback connection is made at once, within the call), no
FD_QOS/FD_ADDRESS_LIST_CHANGE, no exceptfds (never set).  A blocking select waits non-alertably here (real
blocking Winsock calls run queued APCs while they wait, oracle 3.8).

Who calls what.  Scenarios call select, WSAEventSelect and
WSAEnumNetworkEvents; wire.py and winsock.py call ``wire.changed`` when data,
a FIN, a RST, room to send or a connection reaches a socket; the re-enabling
calls (recv, WSARecv, accept, send, WSASend) are wrapped here.

Rules: D13, D14 (new ids; see kernelsim/rulebook/rules-course.en.md), B4 for the events' signalling.
"""

from ..win32.constants import (FD_ACCEPT, FD_CLOSE, FD_CLOSE_BIT, FD_CONNECT, FD_CONNECT_BIT, FD_READ, FD_WRITE,
                               INFINITE, SOCKET_ERROR, WSAEINVAL, WSAENOTSOCK, WSAEWOULDBLOCK)
from ..win32.structs import TIMEVAL, WSANETWORKEVENTS, fd_set
from .afd import Socket
from .services import SYSCALLS, syscall
from .sync import Event
from .thread import block, run_queued_apcs, unwait
from .wire import READINESS, push

NAMES = {FD_READ: "FD_READ", FD_WRITE: "FD_WRITE", FD_ACCEPT: "FD_ACCEPT", FD_CONNECT: "FD_CONNECT",
         FD_CLOSE: "FD_CLOSE"}


def ready(sock):
    """The FD_* conditions that hold on sock now."""
    bits = 0
    if sock.rx and not sock.shut_recv:
        bits |= FD_READ
    if sock.listener is not None and sock.listener[0]:
        bits |= FD_ACCEPT
    if sock.fin_received or sock.reset:
        bits |= FD_CLOSE
    if sock.connect_error is not None:
        bits |= FD_CONNECT
    if (sock.state == "connected" and not sock.shut_send and not sock.reset and not sock.sends_pending()
            and sock.sndbuffered < max(sock.sndbuf, 1)):
        bits |= FD_WRITE
    return bits


def readable(sock):
    return bool(ready(sock) & (FD_READ | FD_ACCEPT | FD_CLOSE))


def writable(sock):
    return bool(ready(sock) & FD_WRITE)


# --- WSAEventSelect --------------------------------------------------------------------

class EventSelect:
    """A socket's network-event record: the event, the events asked for, recorded and re-enabled (D13)."""

    __slots__ = ("event", "mask", "recorded", "armed", "errors")

    def __init__(self, event, mask):
        self.event, self.mask = event, mask
        self.recorded = 0
        self.armed = FD_READ | FD_WRITE | FD_ACCEPT | FD_CONNECT | FD_CLOSE
        self.errors = [0] * 10


def record(k, sock):
    """Record every asked-for event whose condition holds and that is re-enabled; set the event (D13)."""
    rec = sock.evsel
    bits = ready(sock) & rec.mask & rec.armed
    if not bits:
        return
    rec.recorded |= bits
    rec.armed &= ~bits
    if bits & FD_CLOSE:
        rec.errors[FD_CLOSE_BIT] = sock.reset_error if sock.reset else 0
    if bits & FD_CONNECT:
        rec.errors[FD_CONNECT_BIT] = sock.connect_error
    names = "|".join(name for bit, name in NAMES.items() if bits & bit)
    k.emit("net", None, "socket {h} records {names} and sets {event}", h=sock.handle, names=names,
           event=repr(rec.event), why="WSAEventSelect: recorded once, until the call that re-enables it (D13)")
    rec.event.set(k)


def reenable(k, sock, bits):
    rec = sock.evsel
    if rec is not None:
        rec.armed |= bits & ~(FD_CONNECT | FD_CLOSE)        # FD_CONNECT and FD_CLOSE are recorded once
        record(k, sock)


@syscall("WSAEventSelect")
def WSAEventSelect(k, t, s, handle, mask):
    """D13: clears the record, makes s non-blocking, records at once what already holds."""
    t.last_error = 0
    sock = k.handles.lookup(t, s, Socket, WSAENOTSOCK)
    if sock is None:
        return SOCKET_ERROR
    event = k.handles.get(handle, Event) if mask else None
    if mask and (event is None or not isinstance(mask, int)):
        t.last_error = WSAEINVAL
        return SOCKET_ERROR
    sock.nonblocking = True                               # "automatically sets socket s to nonblocking mode"
    sock.evsel = EventSelect(event, mask) if mask else None
    k.emit("call", t, "{thread} asks socket {h} for network events {mask:#x} on {event}", h=s, mask=mask,
           event=repr(event), why="WSAEventSelect: the socket is now non-blocking (D13)")
    if sock.evsel is not None:
        record(k, sock)
    return 0


@syscall("WSAEnumNetworkEvents")
def WSAEnumNetworkEvents(k, t, s, handle):
    """D13: copy the record, clear it, reset the event — one step."""
    t.last_error = 0
    sock = k.handles.lookup(t, s, Socket, WSAENOTSOCK)
    if sock is None:
        return (SOCKET_ERROR, None)
    event = None
    if handle is not None:
        event = k.handles.get(handle, Event)
        if event is None:
            t.last_error = WSAEINVAL
            return (SOCKET_ERROR, None)
    rec = sock.evsel
    events = WSANETWORKEVENTS(rec.recorded if rec else 0, rec.errors if rec else None)
    if rec is not None:
        rec.recorded = 0
        rec.errors = [0] * 10
    if event is not None:
        event.signalled = False
    return (0, events)


# --- select --------------------------------------------------------------------------------

class Selector:
    """One blocked select: its thread and its three sets."""

    __slots__ = ("thread", "sets", "sockets", "wait")

    def __init__(self, thread, sets, sockets):
        self.thread, self.sets, self.sockets = thread, sets, sockets
        self.wait = None


def _evaluate(sets, sockets):
    """(count, the ready sockets of each set) — select's answer now."""
    readfds, writefds, _ = sets
    ready_r = [h for h in (readfds.fd_array if readfds else ()) if readable(sockets[h])]
    ready_w = [h for h in (writefds.fd_array if writefds else ()) if writable(sockets[h])]
    return len(ready_r) + len(ready_w), (ready_r, ready_w, [])


def _rewrite(sets, answer):
    for fds, ready_list in zip(sets, answer):
        if fds is not None:
            fds.fd_array[:] = ready_list


@syscall("select")
def select(k, t, nfds, readfds, writefds, exceptfds, timeout):
    """D14: the sets are rewritten in place with the ready sockets → their number; 0 on timeout."""
    t.last_error = 0
    sets = (readfds, writefds, exceptfds)
    if any(s is not None and not isinstance(s, fd_set) for s in sets) or (
            timeout is not None and not isinstance(timeout, TIMEVAL)):
        t.last_error = 10014                                      # WSAEFAULT
        return SOCKET_ERROR
    handles = [h for s in sets if s is not None for h in s.fd_array]
    if not handles:
        t.last_error = WSAEINVAL                                  # "all three descriptor parameters were NULL"
        return SOCKET_ERROR
    sockets = {}
    for h in handles:
        sock = k.handles.get(h, Socket)
        if sock is None:
            t.last_error = WSAENOTSOCK
            return SOCKET_ERROR
        sockets[h] = sock
    count, answer = _evaluate(sets, sockets)
    ms = INFINITE if timeout is None else timeout.ms
    if count or ms == 0:
        _rewrite(sets, answer)
        k.emit("call", t, "{thread}'s select returns {n} at once", n=count,
               why="sockets were ready" if count else "nothing was ready and the timeout is 0")
        return count
    selector = Selector(t, sets, sockets)

    def on_timeout():
        _rewrite(sets, ([], [], []))
        return 0
    result = block(k, t, f"select on {len(sockets)} socket(s)", ms, on_timeout=on_timeout, alertable=True,
                   resumes=True, why="nothing in the sets is ready yet; the wait is alertable and resumes "
                   "after APCs (D14, C2, oracle 3.8)")
    selector.wait = t.wait
    for sock in sockets.values():
        push(sock, "selectors", selector)
    t.wait.unlinks.append(lambda: [sock.selectors.remove(selector) for sock in sockets.values()
                                   if selector in sock.selectors])
    run_queued_apcs(k, t)
    return result


def _wake_selectors(k, sock):
    for selector in list(sock.selectors):
        count, answer = _evaluate(selector.sets, selector.sockets)
        if count:
            _rewrite(selector.sets, answer)
            unwait(k, selector.thread, count, f"socket {sock.handle} became ready", wait=selector.wait,
                   text="{thread}'s select returns {n}", n=count)


def _changed(k, sock):
    if sock.evsel is not None:
        record(k, sock)
    if sock.selectors:
        _wake_selectors(k, sock)


READINESS.append(_changed)


# --- the calls that re-enable an event (D13) ---------------------------------------------------

def _reenabling(name, bits, when=None):
    original = SYSCALLS[name]

    def call(k, t, s, *args, **kwargs):
        result = original(k, t, s, *args, **kwargs)
        sock = k.handles.get(s, Socket)
        if sock is not None and sock.evsel is not None and (when is None or when(t, result)):
            reenable(k, sock, bits)
        return result
    call.__name__ = getattr(original, "__name__", name)
    syscall(name)(call)


def _would_block(t, result):
    return t.last_error == WSAEWOULDBLOCK


_reenabling("recv", FD_READ)
_reenabling("WSARecv", FD_READ)
_reenabling("accept", FD_ACCEPT)
_reenabling("send", FD_WRITE, _would_block)
_reenabling("WSASend", FD_WRITE, _would_block)
