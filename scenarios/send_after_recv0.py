"""The send completion arrives after Recv = 0: who may free the session?

A client sends one packet and hangs up (FIN) just as the server's echo
content answers it with SendPacket: with SO_SNDBUF = 0 the echo's WSASend
completes when the client has the bytes, at the same moment as the receive
that sees the FIN completes with 0 bytes.  Two workers dequeue the two
completions at the same moment.  The broken library releases the session on Recv = 0; the
worker holding the send completion then touches a released session.  The
fixed library counts both I/Os in IOCount and releases only at zero, after
the send completion, whichever worker gets there last.

Invariant: no access to a released session (and every session released
exactly once, OnLeave once, bytes arrive in order).
Try: ``kernelsim explore send-after-recv0`` (broken) and
``kernelsim explore send-after-recv0-fixed``.
"""

from kernelsim.win32 import *
from kernelsim.netlib import Content, frame, make_server
from kernelsim.netlib.catalogue import why_questions

TITLE = "Recv = 0, then the send completion: releasing at Recv = 0 frees a session still in use"
TEACHES = "끊김통지(Recv = 0)이후 종료처리 — 2. Recv끊김통지 이후, Send성공 완료통지가 온다. (문제)"
RULES = ("D5", "B5", "A4")
LATENCY = 1                                        # ms, one way on the simulated loopback
CONFIG = {"cpus": 4, "latency_ms": LATENCY}
VARIANT = "broken"
BREAKS = ("no access to a released session",)    # some schedules break it: the lesson
BUGS = ("release_on_recv0",)
PACKET = b"hi"
RUN = {}                                           # this run's monitor and session, for the quiz
QUESTIONS = why_questions(RUN)


def variant(rng):
    return {"PACKET": rng.choice([b"hi", b"ping", b"hello!"])}


class Echo(Content):
    def __init__(self):
        self.server = None

    def OnRecv(self, session_id, payload):
        yield from self.server.SendPacket(session_id, payload)


def main():
    content = Echo()
    server = content.server = make_server(VARIANT, content, workers=2, max_sessions=2, bugs=BUGS)
    srv, cli = yield tcp_pair()
    yield setsockopt(srv, SOL_SOCKET, SO_SNDBUF, 0)    # the echo's send completes when the client has it (D4)
    yield send(cli, frame(PACKET))                      # main plays the client: its request is on its way
    yield from server.start()
    sid = yield from server.accept(srv, "client")
    RUN.update(mon=server.mon, uid=sid.uid)
    yield Sleep(LATENCY)                               # the request arrives and the echo leaves ...
    yield shutdown(cli, SD_SEND)                       # ... as the client hangs up: at the server, Recv = 0
    while True:                                        # and the send completion arrive at the same moment
        data = yield recv(cli, 64)
        if not data or data == SOCKET_ERROR:
            break
        server.mon.received(sid.uid, data)
        yield note("echo", data=data)
    yield closesocket(cli)
    yield from server.stop()


def check(outcome):
    if outcome.notes("violation"):
        return                                     # the run stopped at the broken invariant (BREAKS)
    assert b"".join(n.data for n in outcome.notes("echo")) == frame(PACKET)


# kernelsim live (issue 9): how a live run treats this scenario
LIVE = False
LIVE_REASON = "a race: the model runs one schedule over a simulated 1 ms loopback latency; a live run takes whichever interleaving the real scheduler gives, so no two runs make the same calls (explore searches them all)"
