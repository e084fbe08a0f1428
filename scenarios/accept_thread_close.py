"""An accept thread blocks in accept(); closing the listening socket is how it is told to stop.

The seed's server accepts on a dedicated thread with a blocking listening
socket ("Accpet는 별도 스레드로 처리하고, ListenSocket은 블락소켓으로 둔다").
CLIENTS clients (two as written) connect and the accept thread hands each new socket to the
server.  At shutdown main simply closes the listening socket: the blocked
accept() returns INVALID_SOCKET with WSAEINTR (10004), and the accept thread
leaves its loop.  No flag, no PQCS — the close is the message.
"""

from kernelsim.win32 import *
from kernelsim.answers import wsa_error

TITLE = "Stopping the accept thread: close the listening socket"
TEACHES = "AcceptThread를 닫고싶을 때 — Listensocket을 Close해버리면된다."
RULES = ("D7",)
CONFIG = {"cpus": 4}
QUESTIONS = [
    ("{CLIENTS} clients connect {GAP_MS} ms apart: how many connections does the accept thread accept?",
     lambda o: len(o.notes("accepted"))),
    ("What does the blocked accept() return once the listening socket is closed: (result, WSAGetLastError())?",
     lambda o: (o.note("accept-ends").result, wsa_error(o.note("accept-ends").error))),
    ("At what time (ms) does the accept thread leave its loop?", lambda o: o.note("accept-ends").time),
]

ADDRESS = (LOOPBACK, 9000)
CLIENTS = 2
GAP_MS = 5


def variant(rng):
    """quiz --seed N: another number of clients, another gap between them."""
    return {"CLIENTS": rng.randint(1, 5), "GAP_MS": rng.choice([2, 3, 5, 8, 10])}


def main():
    listener = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    yield bind(listener, ADDRESS)
    yield listen(listener, SOMAXCONN)
    ready = yield CreateEvent(None, False, False, None)
    acceptor = yield CreateThread(accept_thread, listener, ready, name="acceptor")
    for i in range(1, CLIENTS + 1):
        yield WaitForSingleObject(ready, INFINITE)  # the acceptor is about to accept...
        peer = yield CreateThread(client, name=f"C{i}")
        yield WaitForSingleObject(peer, INFINITE)   # ...and C{i} is connected
        yield Sleep(GAP_MS)
    yield WaitForSingleObject(ready, INFINITE)      # it waits in accept again (since the last gap)
    yield closesocket(listener)                     # the stop signal for the accept thread
    yield WaitForSingleObject(acceptor, INFINITE)


def accept_thread(listener, ready):
    while True:
        yield SetEvent(ready)
        s = yield accept(listener)
        if s == INVALID_SOCKET:
            yield note("accept-ends", result="INVALID_SOCKET", error=(yield WSAGetLastError()))
            return
        yield note("accepted", socket=s)


def client():
    s = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    rc = yield connect(s, ADDRESS)
    yield note("connected", rc=rc)


def check(outcome):
    assert len(outcome.notes("accepted")) == CLIENTS
    assert [n.rc for n in outcome.notes("connected")] == [0] * CLIENTS
    ends = outcome.note("accept-ends")
    assert (ends.result, ends.error) == ("INVALID_SOCKET", WSAEINTR)
    assert ends.time - outcome.notes("accepted")[-1].time == GAP_MS     # the close, one gap after the last
