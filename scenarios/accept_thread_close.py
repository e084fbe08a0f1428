"""An accept thread blocks in accept(); closing the listening socket is how it is told to stop.

The seed's server accepts on a dedicated thread with a blocking listening
socket ("Accpet는 별도 스레드로 처리하고, ListenSocket은 블락소켓으로 둔다").
Two clients connect and the accept thread hands each new socket to the
server.  At shutdown main simply closes the listening socket: the blocked
accept() returns INVALID_SOCKET with WSAEINTR (10004), and the accept thread
leaves its loop.  No flag, no PQCS — the close is the message.
"""

from kernelsim.win32 import *

TITLE = "Stopping the accept thread: close the listening socket"
TEACHES = "AcceptThread를 닫고싶을 때 — Listensocket을 Close해버리면된다."
RULES = ("D7",)
CONFIG = {"cpus": 4}
QUESTIONS = [
    ("How many connections does the accept thread accept?", lambda o: len(o.notes("accepted"))),
    ("What does the blocked accept() return once the listening socket is closed: (result, WSAGetLastError())?",
     lambda o: (o.note("accept-ends").result, o.note("accept-ends").error)),
]

ADDRESS = (LOOPBACK, 9000)


def main():
    listener = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    yield bind(listener, ADDRESS)
    yield listen(listener, SOMAXCONN)
    acceptor = yield CreateThread(accept_thread, listener, name="acceptor")
    for name in ("C1", "C2"):
        yield CreateThread(client, name=name)
        yield Sleep(5)
    yield closesocket(listener)                     # the stop signal for the accept thread
    yield WaitForSingleObject(acceptor, INFINITE)


def accept_thread(listener):
    while True:
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
    assert len(outcome.notes("accepted")) == 2
    assert [n.rc for n in outcome.notes("connected")] == [0, 0]
    ends = outcome.note("accept-ends")
    assert (ends.result, ends.error) == ("INVALID_SOCKET", WSAEINTR)
    assert ends.time == 10
