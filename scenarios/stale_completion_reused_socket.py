"""A stale send completion lands on the new session that reused the socket value.

The server holds one session at a time; when a player leaves (OnLeave) the
next waiting client is accepted.  The first client sends a packet and
half-closes; the echo's WSASend is still unhandled when Recv = 0 arrives.  The
broken library releases at Recv = 0 and keys completions by socket value:
closesocket frees the value, the next tcp_pair gets the same value back
(Windows reuses handle values), and if the new session is set up before the
worker gets to the old send completion, the worker finds the *new* session by
that value and applies the old completion to it.  The fixed library keys
completions by slot, releases the slot only when IOCount is 0, and names
sessions by index + generation, so no completion can outlive its session.

Invariant: no completion applied to a session other than the one that issued it.
Try: ``kernelsim explore stale-completion-reused-socket`` and ``...-fixed``.
"""

from kernelsim.win32 import *
from kernelsim.netlib import Content, echo_client, make_server
from kernelsim.netlib.catalogue import why_questions

TITLE = "A stale completion reaches the new session that got the same socket value"
TEACHES = "소켓이 재사용되어 엉뚱한 세션이 Send성공 완료통지를 받을수있다. — 소켓값은 재사용되므로 SessionID로 사용금지"
RULES = ("D5", "B5")
CONFIG = {"cpus": 4}
VARIANT = "broken"
BREAKS = ("completion applied to the session that issued it",)    # some schedules break it: the lesson
BUGS = ("release_on_recv0", "socket_id")
PACKET = b"hi"
RUN = {}                                           # this run's monitor and alice's session, for the quiz
QUESTIONS = why_questions(RUN) + [
    ("Which socket values do alice and bob get?", lambda o: [n.socket for n in o.notes("accepted")]),
]


def variant(rng):
    return {"PACKET": rng.choice([b"hi", b"ping", b"hello!"])}


class Lobby(Content):
    """Echoes every packet; when a player leaves, lets the next one in."""

    def __init__(self):
        self.server = None
        self.seat_free = None

    def OnRecv(self, session_id, payload):
        yield from self.server.SendPacket(session_id, payload)

    def OnLeave(self, session_id):
        yield SetEvent(self.seat_free)


def main():
    content = Lobby()
    content.seat_free = yield CreateEvent(None, False, False, None)
    server = content.server = make_server(VARIANT, content, workers=2, max_sessions=1, bugs=BUGS)
    yield from server.start()
    peers = []
    for name in ("alice", "bob"):
        srv, cli = yield tcp_pair()
        sid = yield from server.accept(srv, name)
        yield note("accepted", player=name, socket=srv)
        if name == "alice":
            RUN.update(mon=server.mon, uid=sid.uid)
        peers.append((yield CreateThread(echo_client, server, cli, sid.uid, PACKET, name=name)))
        if name == "alice":
            yield WaitForSingleObject(content.seat_free, INFINITE)
    yield WaitForMultipleObjects(peers, True, INFINITE)
    yield from server.stop()


def check(outcome):
    if outcome.notes("violation"):
        return                                     # the run stopped at the broken invariant (BREAKS)


# kernelsim live (issue 9): how a live run treats this scenario
LIVE = False
LIVE_REASON = "a race: the model runs one schedule; a live run takes whichever interleaving the real scheduler gives, so no two runs make the same calls (explore searches them all)"
