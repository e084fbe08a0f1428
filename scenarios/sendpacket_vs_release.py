"""SendPacket from a content thread races the release of the session it names.

The logic thread answers each request some time after OnRecv handed it
over, so it calls SendPacket while the worker may be releasing the session
(the client sent its request and closed).  The broken library looks the id
up and uses the session without holding it: the release can run between the
lookup and the use, and SendPacket goes on with a released session.  The
fixed library holds the session by IOCount while SendPacket uses it, and
Release flips the count from 0 to a release flag in one compare-exchange: either
SendPacket's hold comes first (Release waits for it) or it sees the flag and
returns False.

Invariant: no access to a released session; SendPacket on a stale id returns False.
Try: ``kernelsim explore sendpacket-vs-release`` and ``...-fixed``.
"""

from kernelsim.win32 import *
from kernelsim.netlib import Content, echo_client, make_server
from kernelsim.netlib.catalogue import why_questions

TITLE = "SendPacket from another thread while the session is released"
TEACHES = ("Session Lock — 어느스레드 에서든지 SendPacket이 호출가능하므로, 이는 언제든 Release가 될수있음을 "
           "의미한다. / IOCount방식으로 Session요소 동기화")
RULES = ("D5",)
CONFIG = {"cpus": 4}
VARIANT = "broken"
BREAKS = ("no access to a released session",)    # some schedules break it: the lesson
BUGS = ("socket_id",)
PACKET = b"hi"
RUN = {}                                           # this run's monitor and session, for the quiz
QUESTIONS = why_questions(RUN) + [
    ("What does the logic thread's SendPacket return in this run?", lambda o: o.note("reply").ok),
]


def variant(rng):
    return {"PACKET": rng.choice([b"hi", b"ping", b"hello!"])}


class Logic(Content):
    """OnRecv hands the request to the logic thread; OnLeave is noted."""

    def __init__(self):
        self.jobs = []
        self.wake = None

    def OnRecv(self, session_id, payload):
        self.jobs.append((session_id, payload))
        yield SetEvent(self.wake)

    def OnLeave(self, session_id):
        yield note("leave", session=session_id)


def logic(server, content):
    yield WaitForSingleObject(content.wake, INFINITE)
    session_id, payload = content.jobs.pop(0)
    ok = yield from server.SendPacket(session_id, b"re:" + payload)
    yield note("reply", ok=ok)


def main():
    content = Logic()
    content.wake = yield CreateEvent(None, False, False, None)
    server = make_server(VARIANT, content, workers=2, max_sessions=2, bugs=BUGS)
    yield from server.start()
    worker = yield CreateThread(logic, server, content, name="logic")
    srv, cli = yield tcp_pair()
    sid = yield from server.accept(srv, "client")
    RUN.update(mon=server.mon, uid=sid.uid)
    peer = yield CreateThread(echo_client, server, cli, sid.uid, PACKET, name="client")
    yield WaitForMultipleObjects([peer, worker], True, INFINITE)
    yield from server.stop()


def check(outcome):
    if outcome.notes("violation"):
        return                                     # the run stopped at the broken invariant (BREAKS)
    assert len(outcome.notes("leave")) == 1


# kernelsim live (issue 9): how a live run treats this scenario
LIVE = False
LIVE_REASON = "a race: the model runs one schedule; a live run takes whichever interleaving the real scheduler gives, so no two runs make the same calls (explore searches them all)"
