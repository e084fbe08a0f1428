"""Two threads send to one session: a send flag that is read, then set, lets both call WSASend.

The notes limit a session to one outstanding WSASend with a flag — "flag를
추가하여, 인터락으로 판단하여 WSASend를 1회로제한".  The word that matters is
인터락: the broken library reads the flag and then sets it, two steps.  Two
content threads call SendPacket for the same session at the same moment;
both can read 0 before either writes 1, and both call WSASend — with the
session's one send OVERLAPPED, while the first request is still in the
kernel (with SO_SNDBUF = 0 it pends until the client has the bytes).  An
OVERLAPPED in the kernel must not be reused; here the two sends also carry
the same SendQ bytes.  The fixed library tests and sets the flag with one
InterlockedExchange: exactly one caller wins, the other's bytes go out when
the first send completes (on_sent → SendPost).

And even when it is right, the notes' other warning holds: which thread's
packet reaches the client first is not decided by anything but the schedule
("여러스레드에서 Send시, 어떤순서로 올지 전혀 보장되지 않기 때문").

Invariant: one WSASend at a time per session.
Try: ``kernelsim explore send-flag-race`` and ``...-fixed``.
"""

from kernelsim.win32 import *
from kernelsim.netlib import Content, frame, make_server

TITLE = "A send flag read, then set: two threads both call WSASend on one session"
TEACHES = "Send 1회로 제한 — flag를 추가하여, 인터락으로 판단하여 WSASend를 1회로제한. / SendQ.Enque의 중첩을 막는 이유"
RULES = ("D3", "D4", "B14")
CONFIG = {"cpus": 4}
LIVE = False
LIVE_REASON = "which thread reads the flag first is a race on real threads; the model explores it"
VARIANT = "broken"
BUGS = ("plain_send_flag",)
BREAKS = ("one WSASend at a time per session",)    # some schedules break it: the lesson
PACKETS = (b"from A", b"from B")


def variant(rng):
    return {"PACKETS": (b"A" * rng.randint(1, 6), b"B" * rng.randint(1, 6))}


QUESTIONS = [
    ("Which thread's packet reaches the client first in this run? (compare --seed 1, 2, 3)",
     lambda o: o.note("client").first),
    ("Did this run put two WSASends in the kernel at once?",
     lambda o: o.notes("violation")[0].detail if o.notes("violation") else "no"),
]


def logic(server, sid, payload, go):
    yield WaitForSingleObject(go, INFINITE)              # both threads start together
    ok = yield from server.SendPacket(sid, payload)
    yield note("sent", ok=ok)


def main():
    server = make_server(VARIANT, Content(), workers=2, max_sessions=1, bugs=BUGS)
    yield from server.start()
    srv, cli = yield tcp_pair()
    yield setsockopt(srv, SOL_SOCKET, SO_SNDBUF, 0)     # a WSASend stays in the kernel until the client reads
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
    first = "A" if got.startswith(frame(PACKETS[0])) else "B"
    yield note("client", got=got, first=first)
    yield closesocket(cli)
    yield from server.stop()


def check(outcome):
    if outcome.notes("violation"):
        return                                           # the run stopped at the second WSASend (BREAKS)
    a, b = frame(PACKETS[0]), frame(PACKETS[1])
    assert outcome.note("client").got in (a + b, b + a), "both packets, each whole, in either order (B14)"
