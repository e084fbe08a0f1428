"""Synchronous or asynchronous, blocking or non-blocking: three ways to ask for the same bytes.

The client sends "hello" at 10 ms, "again" as soon as the server has found
nothing to read, and "third" 10 ms later.  The server asks for each one
differently:

1. ``recv`` on a blocking socket — synchronous and blocking: the thread waits
   in the call until the data is there (10 ms) and gets the bytes as the result.
2. ``recv`` on a non-blocking socket (ioctlsocket FIONBIO) — synchronous,
   non-blocking: nothing is there, so it fails at once with WSAEWOULDBLOCK and
   the thread must try again later (it polls again 4 ms after the client has
   sent "again", which it does once the first poll has failed).
3. ``WSARecv`` with an OVERLAPPED — asynchronous, so non-blocking by
   necessity: it returns SOCKET_ERROR with WSA_IO_PENDING at once, which means
   "the request was accepted" (B2, D2); the kernel fills the buffer in the
   background and signals the event when the data arrives (B4).

The seed's summary: 동기는 블락/논블락이 가능하지만, 비동기가 되려면 논블락이어야한다.
"""

from kernelsim.win32 import *
from kernelsim.answers import socket_result, wsa_error

TITLE = "Sync/async and block/non-block: recv, non-blocking recv, overlapped WSARecv"
TEACHES = "동기-비동기 / 블락-논블락 — 동기는 블락/논블락이 가능하지만, 비동기가 되려면 논블락이어야한다."
RULES = ("B2", "D1", "D2", "D10")
SEED_CORRECTION = [
    {"notes": "WSAGetLastError()의 오류코드로, WSA_IO_PENDING인 경우 OverlappedIO(비동기 요청)이 성공적으로 "
              "완료되었음을 의미한다.",
     "windows": "WSA_IO_PENDING means the request was accepted and has *started*: it is pending, nothing is done "
                "yet.  Its result comes later, through the event, the completion routine or the port; an immediate "
                "success returns 0 instead.",
     "ko": "WSA_IO_PENDING은 '완료'가 아니라 요청이 접수되어 *진행 중*이라는 뜻입니다. 결과는 나중에 이벤트, "
           "완료루틴, IOCP 완료통지로 옵니다. 바로 끝난 경우에는 0이 리턴됩니다.",
     "rule": "B2"},
]
CONFIG = {"cpus": 2}
QUESTIONS = [
    ("The client sends {FIRST!r} after {DELAY_MS} ms (loopback takes 0.1 ms). Blocking recv at 0 ms: when does it "
     "return, and with what?", lambda o: (o.note("blocking").time, o.note("blocking").data)),
    ("Non-blocking recv with nothing buffered returns SOCKET_ERROR with which error?",
     lambda o: wsa_error(o.notes("nonblocking")[0].error)),
    ("Overlapped WSARecv with nothing buffered: (rc, WSAGetLastError())?",
     lambda o: (socket_result(o.note("overlapped").rc), wsa_error(o.note("overlapped").error))),
    ("When does the overlapped receive's event fire, and what does WSAGetOverlappedResult say?",
     lambda o: (o.note("overlapped-done").time, o.note("overlapped-done").nbytes)),
]
FIRST = "hello"
DELAY_MS = 10


def variant(rng):
    """quiz --seed N: another first message, sent after another delay."""
    return {"FIRST": rng.choice(["hello", "hi", "login", "ping!"]), "DELAY_MS": rng.choice([5, 10, 15, 20, 30])}


def main():
    server, client = yield tcp_pair()
    polled = yield CreateEvent(None, TRUE, FALSE, None)
    sent = yield CreateEvent(None, TRUE, FALSE, None)
    posted = yield CreateEvent(None, TRUE, FALSE, None)
    peer = yield CreateThread(sender, client, polled, sent, posted, name="client")
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
        yield SetEvent(polled)                          # the client sends the next word only now
        yield WaitForSingleObject(sent, INFINITE)       # ...and says when it has
        yield Sleep(4)                                  # poll again 4 ms later: the word has arrived
    # 3. asynchronous: the call returns at once, the event says when it is done
    event = yield WSACreateEvent()
    ov = OVERLAPPED(event, op="recv")
    buf = WSABUF(100)
    rc, nbytes, flags = yield WSARecv(server, [buf], ov)
    yield note("overlapped", rc=rc, error=(yield WSAGetLastError()))
    ok, nbytes, flags = yield WSAGetOverlappedResult(server, ov, False)
    yield note("in-flight", ok=ok, error=(yield WSAGetLastError()))
    yield SetEvent(posted)                              # the client sends the third word after this
    yield WSAWaitForMultipleEvents([event], False, INFINITE, False)
    ok, nbytes, flags = yield WSAGetOverlappedResult(server, ov, False)
    yield note("overlapped-done", ok=ok, nbytes=nbytes, data=bytes(buf.buf[:nbytes]))
    yield WaitForSingleObject(peer, INFINITE)
    yield closesocket(server)


def sender(s, polled, sent, posted):
    yield Sleep(DELAY_MS)
    yield send(s, FIRST.encode())
    yield WaitForSingleObject(polled, INFINITE)         # main found nothing to read: WSAEWOULDBLOCK
    yield send(s, b"again")
    yield SetEvent(sent)
    yield WaitForSingleObject(posted, INFINITE)         # main's overlapped WSARecv is pending
    yield Sleep(10)
    yield send(s, b"third")
    yield closesocket(s)


def check(outcome):
    blocking = outcome.note("blocking")
    assert blocking.data == FIRST.encode() and blocking.time >= DELAY_MS, "recv blocked until the data arrived"
    if outcome.backend == "model":                      # on the model: the send + 0.1 ms of loopback latency
        assert blocking.time == round(DELAY_MS + 0.1, 6)
    polls = outcome.notes("nonblocking")
    assert polls[0].error == WSAEWOULDBLOCK and polls[-1].data == b"again" and len(polls) > 1
    assert (outcome.note("overlapped").rc, outcome.note("overlapped").error) == (SOCKET_ERROR, WSA_IO_PENDING)
    assert (outcome.note("in-flight").ok, outcome.note("in-flight").error) == (False, WSA_IO_INCOMPLETE), \
        "WSARecv returned before the data existed"
    done = outcome.note("overlapped-done")
    assert (done.ok, done.nbytes, done.data) == (True, 5, b"third")
    assert done.time >= polls[-1].time + 5, "the event fired when 'third' arrived, after the call had returned"
