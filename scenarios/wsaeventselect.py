"""WSAEventSelect, as the notes use it on the client: one event, network events recorded once.

WSAEventSelect(s, hEvent, FD_READ | FD_CLOSE) makes the socket non-blocking
and asks AFD to record those network events and set the event (D13).  An
event is a flag, not a counter: the server sends two messages before the
client looks, and the client finds one FD_READ.  Its recv gets both
messages' bytes — and a second recv fails with WSAEWOULDBLOCK (the
non-blocking socket has nothing more: "WSAEWOULDBLOCK은 더이상 사용하지않는다" is
not true of these models).  FD_READ is recorded again only after a recv
re-enables it; FD_CLOSE comes once, with error 0 for a graceful close.

This is "EventSelect": network events on a non-blocking socket.  The notes'
"Overlapped Model - EventSelect" is another thing — overlapped WSARecv with
an event in OVERLAPPED.hEvent (``overlapped-event``, ``overlapped-events-64``).
Both share the 64-events-per-wait limit and the "which socket was it?"
bookkeeping, which is why the notes keep EventSelect for clients.
"""

from kernelsim.win32 import *

TITLE = "WSAEventSelect: FD_READ is recorded once until recv, FD_CLOSE once; one event per socket"
TEACHES = "EventSelect — EventSelect는 소켓하나당 Evenet를 등록시켜 소켓으로 signal이 오면, WaitFor을 통해 signal을 확인하여 작업한다."
RULES = ("D13", "C5", "D5")
SEED_CORRECTION = {
    "notes": "Asyncselct 이후(포함) 모델들은 모두 Non-block이다. WSAEWOULDBLOCK은 더이상 사용하지않는다.",
    "windows": "WSAAsyncSelect and WSAEventSelect make the socket non-blocking, and that is exactly where "
               "WSAEWOULDBLOCK lives: a recv with nothing buffered fails with it.  Only overlapped calls "
               "answer WSA_IO_PENDING instead.",
    "ko": "WSAAsyncSelect와 WSAEventSelect는 소켓을 논블락으로 만들고, WSAEWOULDBLOCK이 쓰이는 곳이 바로 여기입니다: "
          "받을 데이터가 없을 때 recv가 이 에러로 실패합니다. 대신 WSA_IO_PENDING을 주는 것은 Overlapped 호출뿐입니다.",
    "rule": "D13",
}
CONFIG = {"cpus": 2}
MESSAGES = [b"first ", b"second"]


def variant(rng):
    return {"MESSAGES": [b"m%d " % i for i in range(rng.randint(2, 4))]}


QUESTIONS = [
    ("The server sends its messages before the client looks: which network events does the client find "
     "the first time?", lambda o: o.notes("events")[0].names),
    ("What does its first recv return?", lambda o: o.note("read").data),
    ("And a second recv at once: (result, WSAGetLastError())?", lambda o: (o.note("again").result, o.note("again").error)),
    ("When the server closes: the events and the FD_CLOSE error code?",
     lambda o: (o.notes("events")[-1].names, o.notes("events")[-1].close_error)),
]


def names(bits):
    return [name for bit, name in ((FD_READ, "FD_READ"), (FD_WRITE, "FD_WRITE"), (FD_CLOSE, "FD_CLOSE")) if bits & bit]


def server(s, sent, may_close):
    for m in MESSAGES:
        yield send(s, m)
    yield SetEvent(sent)                                 # both messages are on their way
    yield WaitForSingleObject(may_close, INFINITE)       # the client has read them: now the close
    yield closesocket(s)


def main():
    srv, cli = yield tcp_pair()
    event = yield WSACreateEvent()
    yield WSAEventSelect(cli, event, FD_READ | FD_CLOSE)
    sent = yield CreateEvent(None, False, False, None)
    may_close = yield CreateEvent(None, False, False, None)
    t = yield CreateThread(server, srv, sent, may_close, name="server")
    yield WaitForSingleObject(sent, INFINITE)            # both messages arrive before the client looks
    done = first = False
    while not done:
        yield WSAWaitForMultipleEvents([event], False, INFINITE, False)
        rc, ev = yield WSAEnumNetworkEvents(cli, event)
        yield note("events", names=names(ev.lNetworkEvents), close_error=ev.iErrorCode[FD_CLOSE_BIT])
        if ev.lNetworkEvents & FD_READ:
            data = yield recv(cli, 100)
            if not first:
                first = True
                yield note("read", data=data)
                again = yield recv(cli, 100)
                yield note("again", result="SOCKET_ERROR" if again == SOCKET_ERROR else again,
                           error=(yield WSAGetLastError()))
                yield SetEvent(may_close)
        if ev.lNetworkEvents & FD_CLOSE:
            done = True
    yield closesocket(cli)
    yield WaitForSingleObject(t, INFINITE)


def check(outcome):
    first = outcome.notes("events")[0]
    assert first.names == ["FD_READ"], "one event for all the messages: an event does not count (D13)"
    assert outcome.note("read").data == b"".join(MESSAGES)
    assert (outcome.note("again").result, outcome.note("again").error) == ("SOCKET_ERROR", WSAEWOULDBLOCK)
    last = outcome.notes("events")[-1]
    assert "FD_CLOSE" in last.names and last.close_error == 0
