"""The overlapped event model: one event per request, WSAWaitForMultipleEvents, then WSAGetOverlappedResult.

The server has two connections, A and B, and posts one overlapped WSARecv on
each, with its own event in OVERLAPPED.hEvent (one event per socket and per
direction: the seed's "소켓당 이벤트 하나").  Both calls return
SOCKET_ERROR/WSA_IO_PENDING (D2).  B's peer sends first.

WSAWaitForMultipleEvents tells the server only *which event* fired — its
index — nothing about the bytes (the seed: "우리에게는 signal만이 전달되기
때문에").  The server maps the index back to its socket and OVERLAPPED and
asks WSAGetOverlappedResult how many bytes arrived (D10).  Asked about A,
whose data has not come yet, with fWait = FALSE, it says WSA_IO_INCOMPLETE
(996).  An event is needed per request, and one wait can cover only 64
(``overlapped-events-64``): why servers move on to completion ports.

A's peer sends only when the server has asked about A (an event, ``go``), so
the order is the same on the model and live, however loaded the machine.
"""

from kernelsim.win32 import *
from kernelsim.answers import wsa_error

TITLE = "Overlapped I/O with events: which event fired, then WSAGetOverlappedResult"
TEACHES = "Overlapped Model - EventSelect — 우리에게는 signal만이 전달되기 때문에 WSAGetOverlappedResult로 알아냄"
RULES = ("D2", "D10", "B4")
CONFIG = {"cpus": 2}
QUESTIONS = [
    ("{FIRST}'s peer sends first ({FIRST} is {MESSAGE_FIRST!r}, the other {MESSAGE_OTHER!r}). Which index does the "
     "first WSAWaitForMultipleEvents return (A is 0, B is 1)?", lambda o: o.notes("fired")[0].index),
    ("WSAGetOverlappedResult on the other connection while its data is still on its way: (ok, WSAGetLastError())?",
     lambda o: (o.note("early").ok, wsa_error(o.note("early").error))),
    ("How many bytes does each connection's receive report, in the order they completed?",
     lambda o: [(n.conn, n.nbytes) for n in o.notes("done")]),
]
FIRST = "B"                       # whose peer sends first; the other sends once the server has peeked at it
MESSAGE_FIRST = "from B"
MESSAGE_OTHER = "hello from A"


def variant(rng):
    """quiz --seed N: the other connection may send first, with other messages."""
    return {"FIRST": rng.choice("AB"), "MESSAGE_FIRST": rng.choice(["hi", "from B", "ping", "a longer first message"]),
            "MESSAGE_OTHER": rng.choice(["hello from A", "pong", "the second message"])}


def main():
    a_srv, a_cli = yield tcp_pair()
    b_srv, b_cli = yield tcp_pair()
    conns = []
    for name, s in (("A", a_srv), ("B", b_srv)):
        event = yield WSACreateEvent()
        ov = OVERLAPPED(event, op=f"recv {name}")
        buf = WSABUF(64)
        rc, nbytes, flags = yield WSARecv(s, [buf], ov)
        yield note("posted", conn=name, rc=rc, error=(yield WSAGetLastError()))
        conns.append((name, s, event, ov, buf))
    go = yield CreateEvent(None, True, False, None)             # set once the server has peeked at A
    clients = {"A": a_cli, "B": b_cli}
    other = "A" if FIRST == "B" else "B"
    peers = [(yield CreateThread(peer, clients[FIRST], MESSAGE_FIRST.encode(), None, name=f"peer{FIRST}")),
             (yield CreateThread(peer, clients[other], MESSAGE_OTHER.encode(), go, name=f"peer{other}"))]
    events = [c[2] for c in conns]
    pending = list(range(len(conns)))
    while pending:
        index = yield WSAWaitForMultipleEvents([events[i] for i in pending], False, INFINITE, False)
        conn = conns[pending[index - WSA_WAIT_EVENT_0]]
        yield note("fired", index=pending[index - WSA_WAIT_EVENT_0], conn=conn[0])
        if len(pending) == 2:                     # peek at the other one while it is still in flight
            other = conns[pending[1 - (index - WSA_WAIT_EVENT_0)]]
            ok, n, flags = yield WSAGetOverlappedResult(other[1], other[3], False)
            yield note("early", conn=other[0], ok=ok, error=(yield WSAGetLastError()))
            yield SetEvent(go)                    # now the other one's data may come
        name, s, event, ov, buf = conn
        ok, nbytes, flags = yield WSAGetOverlappedResult(s, ov, False)
        yield note("done", conn=name, ok=ok, nbytes=nbytes, data=bytes(buf.buf[:nbytes]))
        yield WSAResetEvent(event)
        pending.remove(conns.index(conn))
    yield WaitForMultipleObjects(peers, TRUE, INFINITE)


def peer(s, data, wait_for):
    if wait_for is None:
        yield Sleep(5)
    else:
        yield WaitForSingleObject(wait_for, INFINITE)
    yield send(s, data)


def check(outcome):
    assert [(n.rc, n.error) for n in outcome.notes("posted")] == [(SOCKET_ERROR, WSA_IO_PENDING)] * 2
    other = "A" if FIRST == "B" else "B"
    assert [n.conn for n in outcome.notes("fired")] == [FIRST, other], "the event of the first arrival fires"
    assert outcome.notes("fired")[0].index == "AB".index(FIRST)
    early = outcome.note("early")
    assert (early.conn, early.ok, early.error) == (other, False, WSA_IO_INCOMPLETE)
    sent = {FIRST: MESSAGE_FIRST.encode(), other: MESSAGE_OTHER.encode()}
    assert [(n.conn, n.nbytes, n.data) for n in outcome.notes("done")] == [
        (c, len(sent[c]), sent[c]) for c in (FIRST, other)]
