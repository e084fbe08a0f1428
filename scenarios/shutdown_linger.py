"""Ending a connection three ways: shutdown, closesocket, and closesocket with linger {1, 0}.

Three connections, each with a client reading with recv:

* ``shutdown(SD_SEND)``: the data already sent goes out, then a FIN — the
  client's recv returns 0 (graceful close, D5).  The server still holds its
  socket handle, so the value cannot be handed to a new socket yet: the
  seed's trick — shutdown to *start* disconnecting, closesocket at release.
* ``closesocket``: also a graceful FIN for the client; but the handle value is
  free at once and the very next socket created gets the same number (LIFO
  handle reuse) — the reason never to use a socket value as a session id.
* ``closesocket`` after ``setsockopt(SO_LINGER, {1, 0})``: an abortive close —
  the client's recv fails with WSAECONNRESET (10054) instead of returning 0
  (D6).  No FIN handshake, no TIME_WAIT on the server: what the seed's server
  does ("LINGER옵션을 설정하여 RST를 쏘는것으로 간다").
"""

from kernelsim.win32 import *
from kernelsim.answers import wsa_error

TITLE = "shutdown vs closesocket vs linger {1,0}: FIN, handle reuse, RST"
TEACHES = "ShoutDown 의 사용 — 평소에는 shoutdown 으로 끊기준비를 하고, Release할때 Closesocket(끊기)하면 핸들재사용 문제를 간단히 해결가능."
RULES = ("D5", "D6")
CONFIG = {"cpus": 4}
QUESTIONS = [
    ("What does each client's blocked recv return: (how, result, WSAGetLastError())?",
     lambda o: [(n.how, n.result, wsa_error(n.error)) for n in o.notes("client")]),
    ("The server sends {MESSAGE!r} before shutdown(SD_SEND): what does that client read before its recv returns 0?",
     lambda o: next(n.got for n in o.notes("client") if n.how == "shutdown")),
    ("After shutdown, does the next new socket reuse the server's handle value?",
     lambda o: o.note("after-shutdown").reused),
    ("After closesocket, does it?", lambda o: o.note("after-close").reused),
]
MESSAGE = "bye"


def variant(rng):
    """quiz --seed N: another last message before the FIN."""
    return {"MESSAGE": rng.choice(["bye", "see you", "ciao!", "game over", "logout ok"])}


def main():
    conns, readers, ready, start, seen = {}, {}, [], {}, {}
    leave = yield CreateEvent(None, True, False, None)           # the readers end together, at the end
    for how in ("shutdown", "close", "linger"):
        server, client = yield tcp_pair()
        conns[how] = server
        ready.append((yield CreateEvent(None, False, False, None)))
        start[how] = yield CreateEvent(None, True, how != "close", None)
        seen[how] = yield CreateEvent(None, False, False, None)
        readers[how] = yield CreateThread(reader, client, how, ready[-1], start[how], seen[how], leave,
                                          name=f"client-{how}")
    yield WaitForMultipleObjects(ready, TRUE, INFINITE)
    yield Sleep(20)                      # the readers block in recv (Wine makes a handle for that, once)
    yield send(conns["shutdown"], MESSAGE.encode())
    yield shutdown(conns["shutdown"], SD_SEND)
    fresh = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    yield note("after-shutdown", server=conns["shutdown"], new=fresh, reused=fresh == conns["shutdown"])
    yield closesocket(fresh)
    yield WaitForSingleObject(seen["shutdown"], INFINITE)        # its client has seen the FIN
    # The close client reads only after the reuse check, and no reader ends before the checks: under
    # Wine a reader that wakes or exits may free a handle of its own just then, and the next socket
    # would get that value instead.
    yield closesocket(conns["close"])
    fresh = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    yield note("after-close", server=conns["close"], new=fresh, reused=fresh == conns["close"])
    yield SetEvent(start["close"])
    yield WaitForSingleObject(seen["close"], INFINITE)
    yield setsockopt(conns["linger"], SOL_SOCKET, SO_LINGER, LINGER(1, 0))
    yield closesocket(conns["linger"])
    yield WaitForSingleObject(seen["linger"], INFINITE)
    yield SetEvent(leave)
    yield WaitForMultipleObjects(list(readers.values()), TRUE, INFINITE)


def reader(s, how, ready, start, seen, leave):
    yield SetEvent(ready)
    yield WaitForSingleObject(start, INFINITE)
    got = b""
    while True:
        data = yield recv(s, 100)
        if data == SOCKET_ERROR:
            yield note("client", how=how, result="SOCKET_ERROR", error=(yield WSAGetLastError()), got=got)
            break
        if not data:
            yield note("client", how=how, result=0, error=0, got=got)
            break
        got += bytes(data)
    yield SetEvent(seen)
    yield WaitForSingleObject(leave, INFINITE)


def check(outcome):
    clients = {n.how: n for n in outcome.notes("client")}
    assert (clients["shutdown"].result, clients["shutdown"].got) == (0, MESSAGE.encode()), "data, then FIN"
    assert clients["close"].result == 0, "a plain closesocket is graceful too"
    assert (clients["linger"].result, clients["linger"].error) == ("SOCKET_ERROR", WSAECONNRESET)
    assert outcome.note("after-shutdown").reused is False
    assert outcome.note("after-close").reused is True
