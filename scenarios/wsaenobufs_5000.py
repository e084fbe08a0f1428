"""5,000 sessions, each with a receive pending on its 64 KB ring buffer: WSAENOBUFS.

The seed's arithmetic: a server keeps one receive posted per session at all
times, so with 5,000 sessions "[5000 * Recv링버퍼 크기]만큼 락이 걸리게된다".
Every page a pending buffer spans is locked (E2), and a ring buffer inside a
session object on the heap does not start on a page boundary, so 64 KB spans
17 pages.  On this simulated 2 GB machine the lock limit is 1/8 of physical
memory, 65,536 pages (E3, a historical rule of thumb kept as a parameter):
session 3,856 is the first whose WSARecv fails *at once* with WSAENOBUFS
(10055) — no IRP stays pending and no packet will ever come for it (E5, B4).
Non-paged pool is far from its limit: it is the locked pages that run out.
``zero-byte-recv`` runs the same load with zero-byte receives and survives.
"""

from kernelsim.win32 import *

TITLE = "5,000 sessions × 64 KB pending receives lock too many pages: WSAENOBUFS"
TEACHES = ("IOCP에서 PageLock을 줄이기 위한방법 — Recv는 항시 걸려있어야 하므로 오버랩IO로 5천명이 걸려있다면, "
           "[5000 * Recv링버퍼 크기]만큼 락이 걸리게된다.")
RULES = ("E2", "E3", "E5", "B4", "E1")
CONFIG = {"cpus": 4, "phys_mb": 2048, "snapshots": False}   # 10,000 sockets: no per-step snapshot copies
SESSIONS = 5000
RING = 64 * 1024
QUESTIONS = [
    ("Which session's WSARecv is the first to fail, and with what error?",
     lambda o: (o.note("first-failure").session, o.note("first-failure").error)),
    ("How many pages does one 64 KB ring buffer lock, given it starts 100 bytes into a page?",
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
        ring = WSABUF(RING, offset=100)                      # a ring buffer inside a heap object
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
    assert outcome.note("per-session").pages == 17
    assert first.session == 65536 // 17 + 1
    s = outcome.note("sessions")
    assert s.pending == first.session - 1 and s.failed == SESSIONS - s.pending
    assert outcome.note("drained").packets == 0
    if outcome.backend == "model":
        assert first.locked == (first.session - 1) * 17
