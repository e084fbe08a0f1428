"""Assignment 1 (reference solution): StudentServer.take_send_flag with one InterlockedExchange.

The rest of the file is the harness: a server on the course's fixed library, one client that reads,
and two content threads that call SendPacket on the same session at the same moment.  Change only
``take_send_flag``.
"""

from kernelsim.win32 import *
from kernelsim.netlib import Content, frame
from kernelsim.netlib.fixed import Server

TITLE = "Assignment: one WSASend at a time — the send flag, tested and set in one step"
TEACHES = "Send 1회로 제한 — flag를 추가하여, 인터락으로 판단하여 WSASend를 1회로제한."
RULES = ("D3", "B14")
CONFIG = {"cpus": 4}
PACKETS = (b"from A", b"from B")


class StudentServer(Server):
    def take_send_flag(self, session):
        """True for the one caller that may post a WSASend now; False while a send is outstanding."""
        # Set the flag and learn its old value in one indivisible step: of two threads that arrive together,
        # exactly one sees 0 (and may send); the other sees 1.
        return (yield InterlockedExchange(session, "send_flag", 1)) == 0


def logic(server, sid, payload, go):
    yield WaitForSingleObject(go, INFINITE)           # both threads start together
    ok = yield from server.SendPacket(sid, payload)
    yield note("sent", ok=ok)


def main():
    server = StudentServer(Content(), workers=2, max_sessions=1)
    yield from server.start()
    srv, cli = yield tcp_pair()
    yield setsockopt(srv, SOL_SOCKET, SO_SNDBUF, 0)  # a WSASend stays in the kernel until the client reads
    sid = yield from server.accept(srv, "client")
    go = yield CreateEvent(None, TRUE, FALSE, None)
    threads = []
    for name, payload in zip(("A", "B"), PACKETS):
        threads.append((yield CreateThread(logic, server, sid, payload, go, name=f"logic-{name}")))
    yield SetEvent(go)
    yield WaitForMultipleObjects(threads, TRUE, INFINITE)
    got = b""
    want = sum(len(frame(p)) for p in PACKETS)
    while len(got) < want:
        data = yield recv(cli, 64)
        if not data or data == SOCKET_ERROR:
            break
        server.mon.received(sid.uid, data)
        got += data
    yield note("client", got=got)
    yield closesocket(cli)
    yield from server.stop()


def check(outcome):
    assert not outcome.notes("violation"), "an invariant of the library broke"
    a, b = frame(PACKETS[0]), frame(PACKETS[1])
    assert outcome.note("client").got in (a + b, b + a), "both packets arrive, each whole (B14)"
