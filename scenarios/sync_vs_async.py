"""Synchronous or asynchronous, blocking or non-blocking: three ways to ask for the same bytes.

The client sends "hello" at 10 ms, "again" at 20 ms and "third" at 30 ms.
The server asks for each one differently, at time 0 or just after a send:

1. ``recv`` on a blocking socket — synchronous and blocking: the thread waits
   in the call until the data is there (10 ms) and gets the bytes as the result.
2. ``recv`` on a non-blocking socket (ioctlsocket FIONBIO) — synchronous,
   non-blocking: nothing is there, so it fails at once with WSAEWOULDBLOCK and
   the thread must try again later (it polls every 4 ms).
3. ``WSARecv`` with an OVERLAPPED — asynchronous, so non-blocking by
   necessity: it returns SOCKET_ERROR with WSA_IO_PENDING at once, which means
   "the request was accepted" (B2, D2); the kernel fills the buffer in the
   background and signals the event when the data arrives (B4).

The seed's summary: 동기는 블락/논블락이 가능하지만, 비동기가 되려면 논블락이어야한다.
"""

from kernelsim.win32 import *

TITLE = "Sync/async and block/non-block: recv, non-blocking recv, overlapped WSARecv"
TEACHES = "동기-비동기 / 블락-논블락 — 동기는 블락/논블락이 가능하지만, 비동기가 되려면 논블락이어야한다."
RULES = ("B2", "D1", "D2", "D10")
CONFIG = {"cpus": 2}
QUESTIONS = [
    ("Blocking recv at 0 ms: when does it return, and with what?",
     lambda o: (o.note("blocking").time, o.note("blocking").data)),
    ("Non-blocking recv with nothing buffered returns SOCKET_ERROR with which error?",
     lambda o: o.notes("nonblocking")[0].error),
    ("Overlapped WSARecv with nothing buffered: (rc, WSAGetLastError())?",
     lambda o: (o.note("overlapped").rc, o.note("overlapped").error)),
    ("When does the overlapped receive's event fire, and what does WSAGetOverlappedResult say?",
     lambda o: (o.note("overlapped-done").time, o.note("overlapped-done").nbytes)),
]


def main():
    server, client = yield tcp_pair()
    peer = yield CreateThread(sender, client, name="client")
    # 1. synchronous, blocking
    data = yield recv(server, 100)
    yield note("blocking", data=bytes(data))
    # 2. synchronous, non-blocking: poll
    yield ioctlsocket(server, FIONBIO, 1)
    while True:
        data = yield recv(server, 100)
        if data != SOCKET_ERROR:
            yield note("nonblocking", data=bytes(data), error=0)
            break
        yield note("nonblocking", data=None, error=(yield WSAGetLastError()))
        yield Sleep(4)
    # 3. asynchronous: the call returns at once, the event says when it is done
    event = yield WSACreateEvent()
    ov = OVERLAPPED(event, op="recv")
    buf = WSABUF(100)
    rc, nbytes, flags = yield WSARecv(server, [buf], ov)
    yield note("overlapped", rc=rc, error=(yield WSAGetLastError()))
    ok, nbytes, flags = yield WSAGetOverlappedResult(server, ov, False)
    yield note("in-flight", ok=ok, error=(yield WSAGetLastError()))
    yield WSAWaitForMultipleEvents([event], False, INFINITE, False)
    ok, nbytes, flags = yield WSAGetOverlappedResult(server, ov, False)
    yield note("overlapped-done", ok=ok, nbytes=nbytes, data=bytes(buf.buf[:nbytes]))
    yield WaitForSingleObject(peer, INFINITE)
    yield closesocket(server)


def sender(s):
    for word in (b"hello", b"again", b"third"):
        yield Sleep(10)
        yield send(s, word)
    yield closesocket(s)


def check(outcome):
    blocking = outcome.note("blocking")
    assert abs(blocking.time - 10.1) < 1e-9 and blocking.data == b"hello", "recv blocked until the data arrived"
    polls = outcome.notes("nonblocking")
    assert polls[0].error == WSAEWOULDBLOCK and polls[-1].data == b"again" and len(polls) > 1
    assert (outcome.note("overlapped").rc, outcome.note("overlapped").error) == (SOCKET_ERROR, WSA_IO_PENDING)
    assert outcome.note("overlapped").time < 30, "WSARecv returned before the data existed"
    assert (outcome.note("in-flight").ok, outcome.note("in-flight").error) == (False, WSA_IO_INCOMPLETE)
    done = outcome.note("overlapped-done")
    assert (done.ok, done.nbytes, done.data) == (True, 5, b"third") and done.time >= 30
