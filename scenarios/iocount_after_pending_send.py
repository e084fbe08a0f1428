"""IOCount incremented after a WSASend that pends: only a delay exposes it.

The client sends one request and half-closes.  The server's content answers
with two packets; the send ring holds both, and with SO_SNDBUF = 0 every
WSASend pends until the client has the bytes, 0.1 ms later (D4).  The first
send completion arrives; the worker handling it moves the ring's front and
posts the second WSASend — which pends — and only *then* counts it in
IOCount.  On the model's clock nothing else happens in between, so every
ordering of the threads at one instant is fine, and dfs, random and pct
never fail.  On Windows the thread may be preempted for a quantum right
after WSASend returns: the second send completes meanwhile, another worker
handles it, IOCount drops to 0 and the session is released; the first
worker then counts an I/O on a released session.  The explorer finds it by
holding that worker back until the next timed event (a *delay*:
``kernelsim explore iocount-after-pending-send`` uses the EXPLORE setting
below; ``--max-delay 0`` turns delays off and finds nothing).  The fixed
library counts before the call ("이 Count는 행위를하기전에 증가시키고,
행위가 끝난다음에 차감시켜야한다").

Invariant: no access to a released session.
Try: ``kernelsim explore iocount-after-pending-send`` and ``...-fixed``.
"""

from kernelsim.win32 import *
from kernelsim.netlib import Content, echo_client, make_server

TITLE = "IOCount counted after a WSASend that pends: the completion can win"
TEACHES = "IO자체를 카운팅하여 0이될때 삭제한다 — 이 Count는 행위를하기전에 증가시키고, 행위가 끝난다음에 차감시켜야한다."
RULES = ("D4", "B5")
CONFIG = {"cpus": 4}
EXPLORE = {"max_delay": 0.5}             # the explorer may hold a thread back up to 0.5 ms (one send's trip)
VARIANT = "broken"
BUGS = ("increment_after_send",)
BREAKS = ("no access to a released session",)    # schedules with a delay break it: the lesson


class TwoPackets(Content):
    """Answers a request with two packets at once: the second waits in the SendQ for the first's completion."""

    def __init__(self):
        self.server = None

    def OnRecv(self, session_id, payload):
        yield from self.server.SendPacket(session_id, b"one")
        yield from self.server.SendPacket(session_id, b"two")


def main():
    content = TwoPackets()
    server = content.server = make_server(VARIANT, content, workers=2, max_sessions=1, bugs=BUGS)
    yield from server.start()
    srv, cli = yield tcp_pair()
    yield setsockopt(srv, SOL_SOCKET, SO_SNDBUF, 0)      # every WSASend pends until the client has it (D4)
    sid = yield from server.accept(srv, "client")
    peer = yield CreateThread(echo_client, server, cli, sid.uid, b"hi", True, "echo", name="client")
    yield WaitForSingleObject(peer, INFINITE)
    yield from server.stop()


def check(outcome):
    if outcome.notes("violation"):
        return                                     # the run stopped at the broken invariant (BREAKS)
    assert b"".join(n.data for n in outcome.notes("echo")) == b"\x03\x00one\x03\x00two"


# kernelsim live (issue 9): how a live run treats this scenario
LIVE = False
LIVE_REASON = "a race: the model runs one schedule; a live run takes whichever interleaving the real scheduler gives, so no two runs make the same calls (explore searches them all)"
