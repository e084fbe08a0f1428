"""Several WSARecvs on one socket, handled by a worker pool: the buffers fill in order, the handlers do not run in order.

The server keeps OUTSTANDING receives posted on one connection, each for one
4-byte piece; two workers wait on the port.  The client's bytes fill the
pending receives strictly in the order they were posted (D2) and their
packets are queued FIFO — but the two workers that dequeue R1 and R2 run at
the same time, and whichever appends to the session's RecvQ first wins
(B14: "completion routines can be called in any order").  Under some
schedules R2's bytes land before R1's and the stream is scrambled — the
notes' reason to keep one receive per session ("Recv를 1회로 제한하는 이유 —
완료통지의 순서는 지켜줄 것이나 어떤스레드가 먼저 작업을 마칠지 우리는 알수없음").
``recv-out-of-order-fixed`` posts one receive at a time: its completion is
handled before the next receive exists, so no schedule can reorder.

Invariant: bytes reach content in the order they were sent.
Try: ``kernelsim explore recv-out-of-order`` and ``...-fixed``.
"""

from kernelsim.win32 import *

TITLE = "Several pending WSARecvs and two workers: filled in order, handled out of order"
TEACHES = "Recv를 1회로 제한하는 이유 — 완료통지의 순서는 지켜줄 것이나 어떤스레드가 먼저 작업을 마칠지 우리는 알수없음"
RULES = ("D2", "B14", "A4")
CONFIG = {"cpus": 4}
LIVE = False
LIVE_REASON = "which worker appends first is a race on real threads; the model explores it"
OUTSTANDING = 3             # receives posted at once (the fixed twin: 1)
PIECES = 3
PIECE = 4
BREAKS = ("bytes reach content in order",)    # some schedules break it: the lesson


def variant(rng):
    return {"PIECES": rng.randint(2, 4), "PIECE": rng.choice([2, 4, 8])}


def data():
    return b"".join(bytes([65 + i]) * PIECE for i in range(PIECES))     # AAAABBBBCCCC...


QUESTIONS = [
    ("Which receive gets which bytes (posting order)?", lambda o: [(n.op, n.data) for n in o.notes("filled")]),
    ("In which order did the workers append them to the RecvQ in this run?",
     lambda o: [n.op for n in o.notes("handled")]),
    ("Did this run scramble the stream? (compare seeds, or explore)",
     lambda o: o.notes("violation")[0].detail if o.notes("violation") else "no"),
]


class Session:
    def __init__(self, s):
        self.sock = s
        self.recvq = bytearray()
        self.posted = 0


def post(session):
    session.posted += 1
    buf = WSABUF(PIECE)
    yield WSARecv(session.sock, buf, OVERLAPPED(op=f"R{session.posted}", buf=buf))


def worker(port, session):
    while True:
        ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, INFINITE)
        if ov is None:
            return
        piece = bytes(ov.buf.buf[:nbytes])
        yield note("filled", op=ov.op, data=piece)
        session.recvq += piece                           # append in handling order
        yield note("handled", op=ov.op)
        if session.posted < PIECES:
            yield from post(session)                     # one at a time keeps exactly one pending


def main():
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 2)
    s, c = yield tcp_pair()
    yield CreateIoCompletionPort(s, port, 1, 0)
    session = Session(s)
    sent = data()
    yield invariant("bytes reach content in order", lambda: None if sent.startswith(bytes(session.recvq)) else
                    f"the RecvQ holds {bytes(session.recvq)!r}, the client sent {sent!r}")
    workers = []
    for i in (1, 2):
        workers.append((yield CreateThread(worker, port, session, name=f"W{i}")))
    for _ in range(OUTSTANDING):
        yield from post(session)
    yield send(c, sent)                                  # all pieces at once
    yield Sleep(5)
    for _ in workers:
        yield PostQueuedCompletionStatus(port, 0, 0, None)
    yield WaitForMultipleObjects(workers, TRUE, INFINITE)
    yield note("recvq", data=bytes(session.recvq))
    yield closesocket(s)
    yield closesocket(c)


def check(outcome):
    filled = outcome.notes("filled")
    for n in filled:                                     # R1 gets the first piece, R2 the second... (D2)
        i = int(n.op[1:]) - 1
        assert n.data == data()[i * PIECE:(i + 1) * PIECE], "buffers fill in posting order (D2)"
    if outcome.notes("violation"):
        return                                           # the run stopped at the scrambled stream (BREAKS)
    assert len(filled) == PIECES and outcome.note("recvq").data == data()
