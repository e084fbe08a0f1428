"""SendQ MoveFront right after WSASend: the next Enqueue overwrites bytes the kernel is still sending.

The server socket has SO_SNDBUF = 0, so every WSASend pends with the send
ring's own memory locked until the peer has the bytes (D4): the kernel reads
the ring in place.  The content answers a request with one packet at once
and three more at the next game tick, which falls at the moment the first
packet's send completion arrives.  The broken library moved the SendQ front
as soon as WSASend returned, so if the tick runs before the worker has
handled that completion, the ring looks nearly empty and the fourth packet
wraps around onto the bytes of the first, which the pending send has not
finished with.  The fixed library moves the front only in the send
completion: until then the ring is full, and the fourth SendPacket is refused
(False) instead of corrupting the stream.

Invariant: no Enqueue over bytes lent to WSASend; bytes arrive once and in order.
Try: ``kernelsim explore movefront-before-completion`` and ``...-fixed``.
"""

from kernelsim.win32 import *
from kernelsim.netlib import Content, frame, make_server
from kernelsim.netlib.catalogue import why_questions

TITLE = "MoveFront before the send completion lets Enqueue overwrite bytes still being sent"
TEACHES = "Send의 Movefront (사용완료 처리) — Send완료통지가 온다음 밀어야 할 것. Send직후 바로 밀어버린다면 링버퍼 특성상 Enque될때 겹쳐질수있다."
RULES = ("D4", "E2")
SEED_CORRECTION = [
    {"notes": "OVERLAPPED 구조체는 무조건 보존해야하며, 전달하는 BUF는 리턴되면 끝.",
     "windows": "Only the WSABUF array may go when the call returns (the provider captures it).  The bytes it "
                "points to stay the kernel's until the completion: a pending send reads them in place (pages "
                "locked), which is exactly why MoveFront must wait for the send completion.",
     "ko": "호출이 리턴되면 버려도 되는 것은 WSABUF 배열뿐입니다(프로바이더가 복사해 둠). 그 배열이 가리키는 "
           "버퍼는 완료통지가 올 때까지 커널 것입니다. 보류된 Send는 그 자리(페이지 락)에서 읽어 가므로, "
           "MoveFront를 완료통지 뒤로 미뤄야 하는 이유가 바로 이것입니다.",
     "rule": "E2"},
]
LATENCY = 1                                         # ms, one way on the simulated loopback
CONFIG = {"cpus": 4, "latency_ms": LATENCY}
VARIANT = "broken"
BREAKS = ("no Enqueue over bytes lent to WSASend",)    # some schedules break it: the lesson
BUGS = ("move_front_early",)
REQUEST = b"go"
RUN = {}                                           # this run's monitor and session, for the quiz
QUESTIONS = why_questions(RUN) + [
    ("Which packets does SendPacket refuse (return False) in this run?",
     lambda o: [n.packet for n in o.notes("sent") if not n.ok]),
]


def variant(rng):
    return {"REQUEST": rng.choice([b"go", b"start", b"?"])}


class Burst(Content):
    """Answers a request with one packet at once and three more at the next game tick."""

    def __init__(self):
        self.server = None
        self.pending = []

    def OnRecv(self, session_id, payload):
        ok = yield from self.server.SendPacket(session_id, b"pkt0..")
        yield note("sent", packet=0, ok=ok)
        self.pending.append(session_id)


def ticker(content):
    """The game tick, every LATENCY ms: three more packets for each request seen since the last tick."""
    for _ in range(3):
        yield Sleep(LATENCY)
        while content.pending:
            session_id = content.pending.pop(0)
            for i in (1, 2, 3):
                ok = yield from content.server.SendPacket(session_id, b"pkt%d.." % i)
                yield note("sent", packet=i, ok=ok)


def main():
    content = Burst()
    server = content.server = make_server(VARIANT, content, workers=2, max_sessions=1, ring_size=24, bugs=BUGS)
    yield from server.start()
    tick = yield CreateThread(ticker, content, name="tick")
    srv, cli = yield tcp_pair()
    yield setsockopt(srv, SOL_SOCKET, SO_SNDBUF, 0)     # no copy: WSASend pends on the ring's memory (D4)
    sid = yield from server.accept(srv, "client")
    RUN.update(mon=server.mon, uid=sid.uid)
    peer = yield CreateThread(client, server, cli, sid.uid, name="client")
    yield WaitForMultipleObjects([peer, tick], True, INFINITE)
    yield from server.stop()


def client(server, cli, uid):
    yield send(cli, frame(REQUEST))
    first = True
    while True:
        data = yield recv(cli, 64)
        if not data or data == SOCKET_ERROR:
            break
        server.mon.received(uid, data)
        yield note("got", data=data)
        if first:                                     # the answer has started: no more requests (FIN)
            yield shutdown(cli, SD_SEND)
            first = False
    yield closesocket(cli)


def check(outcome):
    if outcome.notes("violation"):
        return                                     # the run stopped at the broken invariant (BREAKS)


# kernelsim live (issue 9): how a live run treats this scenario
LIVE = False
LIVE_REASON = "a race: the model runs one schedule over a simulated 1 ms loopback latency; a live run takes whichever interleaving the real scheduler gives, so no two runs make the same calls (explore searches them all)"
