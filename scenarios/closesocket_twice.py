"""closesocket twice: the second call closes the socket of the connection that reused the value.

The admin thread kicks a player who sent a bad packet (Disconnect, called
from a content thread) and the lobby lets the next client in.  The broken library's Disconnect calls closesocket itself;
the session is released later, when its I/O has drained, and Release calls
closesocket again.  Between the two calls the handle value is free, and the
next connection may be given it: the second closesocket then cuts off the
innocent new client.  The fixed library's Disconnect only starts the disconnect
with shutdown(SD_SEND); the one closesocket is in Release, after IOCount
reached 0, so the value is never free while the old session can still use it.

Invariant: no closesocket on a handle the session does not own.
Try: ``kernelsim explore closesocket-twice`` and ``...-fixed``.
"""

from kernelsim.win32 import *
from kernelsim.netlib import Content, echo_client, make_server
from kernelsim.netlib.catalogue import why_questions

TITLE = "closesocket twice closes someone else's socket once the value was reused"
TEACHES = "CloseSocket은 한번만 호출 — 이런 예외가없다면 재사용된 핸들이 끊김처리당할 수 있다."
RULES = ("D7",)
CONFIG = {"cpus": 4}
VARIANT = "broken"
BREAKS = ("closesocket only on a handle the session owns",)    # some schedules break it: the lesson
BUGS = ("close_in_disconnect",)
PACKET = b"hi"                                     # alice's packet
RUN = {}                                           # this run's monitor and mallory's session, for the quiz
QUESTIONS = why_questions(RUN) + [
    ("Which socket values do mallory and alice get?", lambda o: [RUN["mallory"], o.note("accepted").socket]),
]


def variant(rng):
    return {"PACKET": rng.choice([b"hi", b"ping", b"hello!"])}


class Lobby(Content):
    """A player whose packet is b"bad" is reported to the admin thread, which kicks them."""

    def __init__(self):
        self.server = None
        self.reports = []
        self.report = None          # event: a player was reported
        self.kicked = None          # event: the admin kicked someone; the next client may come in

    def OnRecv(self, session_id, payload):
        if payload == b"bad":
            self.reports.append(session_id)
            yield SetEvent(self.report)
        else:
            yield from self.server.SendPacket(session_id, payload)


def admin(content):
    yield WaitForSingleObject(content.report, INFINITE)
    ok = yield from content.server.Disconnect(content.reports.pop(0))
    yield note("kick", ok=ok)
    yield SetEvent(content.kicked)


def main():
    content = Lobby()
    content.report = yield CreateEvent(None, False, False, None)
    content.kicked = yield CreateEvent(None, False, False, None)
    server = content.server = make_server(VARIANT, content, workers=2, max_sessions=2, bugs=BUGS)
    yield from server.start()
    yield CreateThread(admin, content, name="admin")
    srv, cli = yield tcp_pair()
    sid = yield from server.accept(srv, "mallory")
    RUN.update(mon=server.mon, uid=sid.uid, mallory=srv)
    peers = [(yield CreateThread(echo_client, server, cli, sid.uid, b"bad", False, "echo", name="mallory"))]
    yield WaitForSingleObject(content.kicked, INFINITE)
    srv, cli = yield tcp_pair()                   # may get the value mallory's socket had
    sid = yield from server.accept(srv, "alice")
    yield note("accepted", player="alice", socket=srv)
    peers.append((yield CreateThread(echo_client, server, cli, sid.uid, PACKET, True, "echo", name="alice")))
    yield WaitForMultipleObjects(peers, True, INFINITE)
    yield from server.stop()


def check(outcome):
    if outcome.notes("violation"):
        return                                     # the run stopped at the broken invariant (BREAKS)


# kernelsim live (issue 9): how a live run treats this scenario
LIVE = False
LIVE_REASON = "a race: the model runs one schedule; a live run takes whichever interleaving the real scheduler gives, so no two runs make the same calls (explore searches them all)"
