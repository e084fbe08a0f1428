"""5,000 sessions, each with a receive pending on its 64 KB ring buffer: WSAENOBUFS under the NT 4/2000 rule.

The seed's arithmetic: a server keeps one receive posted per session at all
times, so with 5,000 sessions "[5000 * Recv링버퍼 크기]만큼 락이 걸리게된다".
Every page a pending buffer spans is locked (E2), and a ring buffer inside a
session object on the heap does not start on a page boundary, so 64 KB spans
17 pages.

The limit this run uses is the NT 4 / Windows 2000 rule of thumb: all
applications together may lock about 1/8 of physical memory (MS-MAG2000;
E3, CONFIG ``memory_rule`` "nt4").  It is *not* what Windows 7 or 10 does —
no fixed share caps locked pages there, and this same load passes on a
modern 2 GB machine.  On this simulated 2 GB machine the old limit is 65,536
pages: session 3,856 is the first whose WSARecv fails *at once* with
WSAENOBUFS (10055) — no IRP stays pending and no packet will ever come for
it (E5, B4).  Non-paged pool is far from its limit: it is the locked pages
that run out.  ``zero-byte-recv`` runs the same load with zero-byte
receives and survives; ``npp-exhaustion`` shows where WSAENOBUFS comes from
with modern limits: non-paged pool itself.
"""

from kernelsim.win32 import *
from kernelsim.answers import wsa_error

TITLE = "5,000 sessions × 64 KB pending receives pass the NT 4/2000 locked-page limit: WSAENOBUFS"
TEACHES = ("IOCP에서 PageLock을 줄이기 위한방법 — Recv는 항시 걸려있어야 하므로 오버랩IO로 5천명이 걸려있다면, "
           "[5000 * Recv링버퍼 크기]만큼 락이 걸리게된다.")
RULES = ("E2", "E3", "E5", "B4", "E1")
SEED_CORRECTION = [
    {"notes": "링버퍼가 만바이트라면, 페이지를 3개 사용하고 있을 것.",
     "windows": "Every page a pending buffer spans is locked: 10,000 bytes span 3 pages only if they start within "
                "the first 2,288 bytes of a page, otherwise 4.  Here a 64 KB ring 100 bytes into a page spans 17, "
                "not 16.",
     "ko": "보류된 버퍼가 걸쳐 있는 페이지는 전부 락이 걸립니다. 10,000바이트는 페이지 시작에서 2,288바이트 "
           "안쪽에서 시작할 때만 3페이지이고 그 밖에는 4페이지입니다. 여기 64KB 링버퍼는 페이지 안 100바이트에서 "
           "시작해서 16이 아니라 17페이지입니다.",
     "rule": "E2"},
]
CONFIG = {"cpus": 4, "phys_mb": 2048, "memory_rule": "nt4",   # E3: 1/8 of RAM lockable — NT 4/2000 only
          "snapshots": False}                                  # 10,000 sockets: no per-step snapshot copies
SEED_CORRECTION = {
    "notes": "WSANOBUF에러가 발생한경우 OverlappedI/O는 실패하고, 보통 검은화면이 뜨면서 아무것도 제어할 수 없는 상태가 됨",
    "windows": "WSAENOBUFS is one call failing at once: no IRP stays, no packet comes, and the process goes on "
               "(the next sessions here fail the same way).  A frozen machine comes from non-paged pool "
               "exhaustion making other kernel components fail, not from the error code.",
    "ko": "WSAENOBUFS는 그 호출 하나가 즉시 실패하는 것입니다: IRP도 남지 않고 완료통지도 오지 않으며 프로세스는 "
          "계속 돕니다(이 실행에서도 이후 세션들이 같은 식으로 실패할 뿐). 화면이 멈추는 것은 논페이지드 풀이 "
          "바닥나서 다른 커널 구성요소가 할당에 실패할 때의 일이지, 이 에러 코드 자체의 결과가 아닙니다.",
    "rule": "E5",
}
SESSIONS = 5000
RING = 64 * 1024
OFFSET = 100


def variant(rng):
    """quiz --seed N: another ring buffer size and placement (the limit is 65,536 pages: 1/8 of 2 GB)."""
    return {"RING": rng.choice([60000, 64 * 1024, 80000, 100 * 1024]), "OFFSET": rng.choice([0, 100, 3000, 4095])}
QUESTIONS = [
    ("Which session's WSARecv is the first to fail, and with what error?",
     lambda o: (o.note("first-failure").session, wsa_error(o.note("first-failure").error))),
    ("Under the NT 4/2000 rule (1/8 of RAM), how many pages may be locked on this 2 GB machine?",
     lambda o: o.kernel.pool.locked_limit),
    ("How many pages does one {RING}-byte ring buffer lock, given it starts {OFFSET} bytes into a page?",
     lambda o: o.note("per-session").pages),
    ("Does a packet ever arrive for a receive that failed with WSAENOBUFS?", lambda o: o.note("drained").packets > 0),
]


def main():
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    npp0, locked0 = yield memory()
    failures = 0
    first = None
    pending = 0
    for session in range(1, SESSIONS + 1):
        server, client = yield tcp_pair()
        yield CreateIoCompletionPort(server, port, session, 0)
        ring = WSABUF(RING, offset=OFFSET)                   # a ring buffer inside a heap object
        rc, nbytes, flags = yield WSARecv(server, ring, OVERLAPPED(session=session))
        error = yield WSAGetLastError()
        if rc == SOCKET_ERROR and error == WSA_IO_PENDING:
            pending += 1
            if session == 1:
                npp, locked = yield memory()
                yield note("per-session", pages=ring.pages(), locked=(locked - locked0) if locked is not None else None)
        else:
            failures += 1
            if first is None:
                first = session
                npp, locked = yield memory()
                yield note("first-failure", session=session, rc=rc, error=error, locked=locked, npp=npp)
    yield note("sessions", pending=pending, failed=failures)
    packets = 0
    while True:
        ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, 0)
        if ov is None:
            break
        packets += 1
    yield note("drained", packets=packets)


def check(outcome):
    first = outcome.note("first-failure")
    assert first.rc == SOCKET_ERROR and first.error == WSAENOBUFS
    pages = (OFFSET + RING + PAGE_SIZE - 1) // PAGE_SIZE     # every page the buffer spans (E2)
    assert outcome.note("per-session").pages == pages
    assert first.session == 65536 // pages + 1
    s = outcome.note("sessions")
    assert s.pending == first.session - 1 and s.failed == SESSIONS - s.pending
    assert outcome.note("drained").packets == 0
    if outcome.backend == "model":
        assert first.locked == (first.session - 1) * pages
