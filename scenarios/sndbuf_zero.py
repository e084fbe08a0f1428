"""SO_SNDBUF = 0 ("zero copy"): every WSASend pends, its pages locked until the peer has the data.

With a zero send buffer AFD copies nothing: the application's buffer *is*
the send buffer.  So even a 100-byte send to a peer with an open window
returns SOCKET_ERROR / WSA_IO_PENDING, the pages it spans stay locked until
the data is acknowledged, and only then is the completion posted (D4; seed:
"송신버퍼를 0으로 만들면 ... WSASend는 100% WSA_IO_PENDING상태에 빠지게됨").
A WSABUF list gathered from scattered heap memory locks every page each piece
touches.  The pages are unlocked when the send *completes* (stage 1, B3),
not when a worker dequeues its packet: a completion nobody has dequeued yet
keeps its IRP in non-paged pool, but no locked page.  The same sends with the default 8 KB buffer succeed at once.
"""

from kernelsim.win32 import *
from kernelsim.answers import socket_result, wsa_error

TITLE = "SO_SNDBUF = 0: every send pends with its buffer locked (zero copy)"
TEACHES = "송신버퍼가 0이 된 경우 — WSASend는 100% WSA_IO_PENDING상태에 빠지게됨. WSASend요청한 버퍼는 페이지 락이 걸리고"
RULES = ("D4", "D3", "E2", "B2")
SEED_CORRECTION = [
    {"notes": "GQCS에서 뽑지 않는다고 하여 락이 걸리지 않는 것이 아니라, 오버랩IO가 끝나고 완료통지가 넘어가야 "
              "락이 풀리게된다.",
     "windows": "The pages are unlocked at stage 1 of the completion, when the I/O finishes — before anyone "
                "dequeues the packet.  What an undequeued packet keeps is its IRP in non-paged pool, not locked "
                "pages.",
     "ko": "페이지 락은 I/O가 끝나는 순간(완료 처리 1단계)에 풀립니다. GQCS로 꺼내기 전입니다. 꺼내지 않은 "
           "완료통지가 붙잡고 있는 것은 논페이지드 풀의 IRP이지, 락 걸린 페이지가 아닙니다.",
     "rule": "B3"},
]
CONFIG = {"cpus": 2}
QUESTIONS = [
    ("SO_SNDBUF 0, open window, a {SMALL}-byte WSASend: rc and WSAGetLastError()?",
     lambda o: (socket_result(o.note("small").rc), wsa_error(o.note("small").error))),
    ("A gathered send of two {PIECE}-byte pieces, starting {OFFSET_A} and {OFFSET_B} bytes into a page: "
     "pages locked while pending?", lambda o: o.note("gather").locked),
    ("The same {SMALL}-byte send with the default SO_SNDBUF: rc?", lambda o: socket_result(o.note("default").rc)),
    ("The {SMALL}-byte send has completed but nobody has dequeued its packet yet: how many pages are still locked?",
     lambda o: o.note("completed").locked),
]
SMALL = 100
PIECE = 100
OFFSET_A, OFFSET_B = 4050, 4090


def variant(rng):
    """quiz --seed N: other sizes, and pieces that may or may not straddle a page boundary."""
    return {"SMALL": rng.choice([10, 100, 1000]), "PIECE": rng.choice([50, 100, 200]),
            "OFFSET_A": rng.choice([0, 100, 3950, 4050]), "OFFSET_B": rng.choice([0, 2000, 4000, 4090])}


def spans(offset, length):
    """Pages a buffer of ``length`` bytes starting ``offset`` bytes into a page touches (E2)."""
    return (offset % PAGE_SIZE + length + PAGE_SIZE - 1) // PAGE_SIZE


def main():
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    server, client = yield tcp_pair()
    yield CreateIoCompletionPort(server, port, 1, 0)
    yield setsockopt(server, SOL_SOCKET, SO_SNDBUF, 0)
    size = yield getsockopt(server, SOL_SOCKET, SO_SNDBUF)
    yield note("sndbuf", size=size)

    rc, nbytes = yield WSASend(server, WSABUF(b"a" * SMALL), OVERLAPPED(op="small"))
    error = yield WSAGetLastError()
    npp, locked = yield memory()
    yield note("small", rc=rc, error=error, locked=locked)
    yield Sleep(1)                                       # the peer has the bytes: the send completed ...
    npp, locked = yield memory()
    yield note("completed", locked=locked)              # ... and its packet waits, not yet dequeued
    ok, n, key, ov = yield GetQueuedCompletionStatus(port, 100)
    npp, locked = yield memory()
    yield note("acked", ok=ok, nbytes=n, op=ov.op, locked=locked)

    pieces = [WSABUF(b"b" * PIECE, offset=OFFSET_A), WSABUF(b"c" * PIECE, offset=OFFSET_B)]
    rc, nbytes = yield WSASend(server, pieces, OVERLAPPED(op="gather"))
    npp, locked = yield memory()
    yield note("gather", rc=rc, locked=locked)
    ok, n, key, ov = yield GetQueuedCompletionStatus(port, 100)
    yield note("gathered", ok=ok, nbytes=n)

    s2, c2 = yield tcp_pair()
    rc, nbytes = yield WSASend(s2, WSABUF(b"d" * SMALL), OVERLAPPED(op="default"))
    yield note("default", rc=rc, nbytes=nbytes)
    data = yield recv(client, 1000)
    yield note("peer", nbytes=len(data))
    for s in (server, client, s2, c2):
        yield closesocket(s)


def check(outcome):
    assert outcome.note("sndbuf").size == 0
    small = outcome.note("small")
    assert (small.rc, small.error) == (SOCKET_ERROR, WSA_IO_PENDING)
    acked = outcome.note("acked")
    assert (acked.ok, acked.nbytes, acked.op) == (True, SMALL, "small")
    assert outcome.note("gather").rc == SOCKET_ERROR
    assert outcome.note("gathered").nbytes == 2 * PIECE
    assert outcome.note("default").rc == 0
    if outcome.backend == "model":
        assert small.locked == 1 and acked.locked == 0
        assert outcome.note("completed").locked == 0, "pages unlock at completion, before the dequeue (B3)"
        assert outcome.note("gather").locked == spans(OFFSET_A, PIECE) + spans(OFFSET_B, PIECE)


# kernelsim live (issue 9): how a live run treats this scenario
NOT_LIVE_ON = {"wine": "Linux clamps SO_SNDBUF = 0 to its minimum, so under Wine small sends do not pend (D4); Linux's buffering decides"}
