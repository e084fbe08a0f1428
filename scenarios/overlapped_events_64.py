"""Overlapped I/O with one event per socket: WSAWaitForMultipleEvents stops at 64.

This is the notes' "Overlapped Model - EventSelect": overlapped WSARecv with
an event in OVERLAPPED.hEvent — *not* WSAEventSelect, which asks for network
events (FD_READ, FD_CLOSE...) on a non-blocking socket (``wsaeventselect``).
Both share the limit: one wait covers at most 64 events.

Each session gets an event (WSACreateEvent) that goes into its OVERLAPPED's
hEvent; completion signals it (B4) and WSAGetOverlappedResult tells how many
bytes came (D10).  One WSAWaitForMultipleEvents call covers at most
WSA_MAXIMUM_WAIT_EVENTS = 64 events: with 65 it fails at once with
WSA_INVALID_PARAMETER — the seed's reason this model does not scale
("WaitforMultipleEvent는 소켓이 64개로 제한").  The signal only says *which
event*: the server must map it back to a socket, and reset it (WSAResetEvent)
before reusing it.  Alertable, the same wait returns WSA_WAIT_IO_COMPLETION
when an APC runs, and the event is left untouched (C5).
"""

from kernelsim.win32 import *
from kernelsim.answers import wait_result, wsa_error

TITLE = "Overlapped I/O with an event per socket: 64 events at most per wait"
TEACHES = "EventSelect가 서버에 적합하지않은 이유 — WaitforMultipleEvent는 소켓이 64개로 제한 (64개씩 스레드를 끊는것도 이상한 구조)"
RULES = ("C5", "D10", "B4", "C2")
CONFIG = {"cpus": 2}
QUESTIONS = [
    ("64 sockets, numbered 0 to 63; data arrives on socket {DATA_ON}: what does WSAWaitForMultipleEvents return?",
     lambda o: wait_result(o.note("wait64").result)),
    ("The same call with 65 events: (result, WSAGetLastError())?",
     lambda o: (wait_result(o.note("wait65").result), wsa_error(o.note("wait65").error))),
    ("Alertable, with an APC queued: what is returned, and is the event still unsignalled?",
     lambda o: (wait_result(o.note("alertable").result), o.note("alertable").still_waiting)),
]
DATA_ON = 40


def variant(rng):
    """quiz --seed N: the data arrives on another socket."""
    return {"DATA_ON": rng.randint(0, 63)}


def main():
    sockets, events, overlapped, buffers = [], [], [], []
    peers = []
    for i in range(65):
        server, client = yield tcp_pair()
        event = yield WSACreateEvent()
        ov = OVERLAPPED(hEvent=event, op=f"s{i}")
        buf = WSABUF(512)
        rc, nbytes, flags = yield WSARecv(server, buf, ov)
        sockets.append(server)
        peers.append(client)
        events.append(event)
        overlapped.append(ov)
        buffers.append(buf)
    result = yield WSAWaitForMultipleEvents(events[:64], False, 0, False)
    yield note("idle", result=result)
    yield send(peers[DATA_ON], f"socket {DATA_ON}".encode())
    result = yield WSAWaitForMultipleEvents(events[:64], False, 1000, False)
    index = result - WSA_WAIT_EVENT_0
    ok, nbytes, flags = yield WSAGetOverlappedResult(sockets[index], overlapped[index], False)
    yield note("wait64", result=result, ok=ok, nbytes=nbytes, data=bytes(buffers[index].buf[:nbytes]))
    yield WSAResetEvent(events[index])

    result = yield WSAWaitForMultipleEvents(events, False, 0, False)
    error = yield WSAGetLastError()
    yield note("wait65", result=result, error=error)

    me = yield GetCurrentThread()
    yield QueueUserAPC(apc, me, 1)
    result = yield WSAWaitForMultipleEvents(events[:64], False, INFINITE, True)
    again = yield WSAWaitForMultipleEvents(events[:64], False, 0, False)
    yield note("alertable", result=result, still_waiting=again == WSA_WAIT_TIMEOUT)

    for s in sockets + peers:
        yield closesocket(s)
    for e in events:
        yield WSACloseEvent(e)


def apc(data):
    yield note("apc", data=data)


def check(outcome):
    assert outcome.note("idle").result == WSA_WAIT_TIMEOUT
    w = outcome.note("wait64")
    data = f"socket {DATA_ON}".encode()
    assert (w.result, w.ok, w.nbytes, w.data) == (WSA_WAIT_EVENT_0 + DATA_ON, True, len(data), data)
    w65 = outcome.note("wait65")
    assert (w65.result, w65.error) == (WSA_WAIT_FAILED, WSA_INVALID_PARAMETER)
    a = outcome.note("alertable")
    assert (a.result, a.still_waiting) == (WSA_WAIT_IO_COMPLETION, True)
