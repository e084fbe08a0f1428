"""Releasing a session some time after Recv = 0 instead of counting its I/O: the late send completion still comes.

The notes' first way to delete a session: "완료통지로 종료가 오더라도 삭제를
하지않고 대기시간을 가짐" — wait a little after Recv = 0, hoping the send
completion has come by then — and their verdict: it lowers the odds but
guarantees nothing (비권장).  Here is a case where the wait is too short:
the client asks for a 30-byte echo with a receive window of 8 bytes and
hangs up, and reads only LAG ms later.  The echo's WSASend stays in the
kernel until the client reads (SO_SNDBUF 0 on the server).  The broken
library waits DELAY ms after Recv = 0 and releases: closesocket cancels the
pending send, and its completion reaches a session that no longer exists.
No delay is safe: the peer decides when a send completes.  The fixed library
counts the send in IOCount and releases when its completion has been
handled, whenever that is.

Invariant: no access to a released session.
Try: ``kernelsim run delay-release`` and ``kernelsim run delay-release-fixed``.
"""

from kernelsim.win32 import *
from kernelsim.netlib import Content, frame, make_server
from kernelsim.netlib.catalogue import why_questions

TITLE = "Release DELAY ms after Recv = 0: a send that completes later reaches a released session"
TEACHES = "세션을 지우기 위한 방법. — 1. 완료통지로 종료가 오더라도 삭제를 하지않고 대기시간을 가짐. (재사용 가능성을 낮춰주지만 100%보장되는 방법은 아니다)"
RULES = ("D4", "D5", "D7", "B14")
CONFIG = {"cpus": 4}
LIVE = False
LIVE_REASON = "it needs SO_SNDBUF 0 to keep the echo pending, which Wine 8 does not honour (WINE.md: Linux clamps the buffer)"
VARIANT = "broken"
BUGS = ("release_after_delay",)
BREAKS = ("no access to a released session",)    # whenever the client reads later than DELAY: the lesson
DELAY = 10                  # ms the broken library waits after Recv = 0
LAG = 30                    # ms before the client reads its echo
PACKET = b"x" * 30
RUN = {}


def send_done(o):
    """When the echo's WSASend completed, and with which status (the model's trace)."""
    e = next(e for e in o.trace if e.kind == "irp" and e.fields.get("op") == "send" and "completes" in e.text)
    return (round(e.time, 3), e.fields["status"])


QUESTIONS = why_questions(RUN) + [
    ("When does the echo's send complete, and with which status (ms, status)?", send_done),
]


def variant(rng):
    return {"DELAY": rng.choice([5, 10, 20]), "LAG": rng.choice([30, 50, 100])}


class Echo(Content):
    def __init__(self):
        self.server = None

    def OnRecv(self, session_id, payload):
        yield from self.server.SendPacket(session_id, payload)


def client(server, cli, uid):
    yield send(cli, frame(PACKET))
    yield shutdown(cli, SD_SEND)                          # hang up: at the server, Recv = 0
    yield Sleep(LAG)                                     # ... and read the echo only later
    while True:
        data = yield recv(cli, 64)
        if not data or data == SOCKET_ERROR:
            break
        server.mon.received(uid, data)
    yield closesocket(cli)


def main():
    content = Echo()
    delay = {"release_delay": DELAY} if VARIANT == "broken" else {}      # the fixed library counts instead
    server = content.server = make_server(VARIANT, content, workers=2, max_sessions=1, bugs=BUGS, **delay)
    yield from server.start()
    srv, cli = yield tcp_pair()
    yield setsockopt(srv, SOL_SOCKET, SO_SNDBUF, 0)     # the echo's WSASend waits for the client's window
    yield setsockopt(cli, SOL_SOCKET, SO_RCVBUF, 8)     # ... which holds 8 of its 32 bytes
    sid = yield from server.accept(srv, "client")
    RUN.update(mon=server.mon, uid=sid.uid)
    peer = yield CreateThread(client, server, cli, sid.uid, name="client")
    yield WaitForSingleObject(peer, INFINITE)
    yield from server.stop()


def check(outcome):
    if outcome.notes("violation"):
        return                                           # the late completion touched the released session
    if outcome.trace is not None and outcome.trace.recording:
        when, status = send_done(outcome)
        assert status == "STATUS_SUCCESS" and when >= LAG, "the send completes when the client reads (D4)"
