"""What GetQueuedCompletionStatus returns, case by case — and why ov == NULL alone tells you nothing.

The seed's rule of thumb: initialise the three out-parameters, then read the
return value *first*.  Here every case happens once, in order:

1. A packet posted with an OVERLAPPED: TRUE, ov set, bytes and key as posted (F1).
2. The shutdown sentinel PQCS(port, 0, 0, NULL): TRUE, ov NULL (A11, F5).
3. A 10 ms timeout on an empty port: FALSE, ov NULL, GetLastError() = 258 (F3).
4. A receive that *failed* — here cancelled with CancelIoEx: FALSE, ov set,
   GetLastError() = 995; bytes and key are valid (F2, B12).
5. The port handle closed under a waiting thread: FALSE, ov NULL, 735
   ERROR_ABANDONED_WAIT_0 (A10, F3).

Cases 2, 3 and 5 all come back with ov == NULL; only the return value and
GetLastError() tell them apart (F5, the sentinel trap).  And FALSE does not
mean "nothing was dequeued": case 4 dequeued a packet that must be handled
(its session's I/O count released) — check ov before GetLastError.
"""

from kernelsim.win32 import *
from kernelsim.answers import error

TITLE = "GQCS return cases: TRUE/FALSE × ov NULL/set, and the sentinel trap"
TEACHES = "GQCS사용시 주의할 점 — GQCS의 반환값은 어디서 실패했는지 알려주지 않음."
RULES = ("F1", "F2", "F3", "F5", "A10", "A11", "B12")
SEED_CORRECTION = [
    {"notes": "GQCS의 반환값은 어디서 실패했는지 알려주지 않음.",
     "windows": "It does, with ov: FALSE with ov set means a packet *was* dequeued for an I/O that failed, and "
                "GetLastError() is that I/O's status (995, 64, 1236…); FALSE with ov NULL means nothing was "
                "dequeued (258 timeout, 735 port closed).",
     "ko": "ov와 함께 보면 알려줍니다: FALSE에 ov가 있으면 실패한 I/O의 완료통지를 *꺼낸* 것이고 GetLastError()가 "
           "그 I/O의 상태(995, 64, 1236…)입니다. FALSE에 ov가 NULL이면 아무것도 꺼내지 못한 것입니다(258 타임아웃, "
           "735 포트 닫힘).",
     "rule": "F2"},
]
CONFIG = {"cpus": 2}


def _case(o, name):
    n = next(n for n in o.notes("case") if n.case == name)
    return (n.ok, "ov set" if n.has_ov else "ov NULL") + ((error(n.error),) if not n.ok else ())


def _posted(o):
    n = next(n for n in o.notes("case") if n.case == "posted")
    return (n.ok, "ov set" if n.has_ov else "ov NULL", n.nbytes, n.key)


QUESTIONS = [
    ("GQCS dequeues a packet posted with PQCS(port, {POSTED_BYTES}, {POSTED_KEY}, &ov): (return, ov, bytes, key)?",
     _posted),
    ("GQCS dequeues PQCS(port, 0, 0, NULL): (return, ov)?", lambda o: _case(o, "sentinel")),
    ("GQCS(port, {TIMEOUT_MS} ms) on an empty port: (return, ov, GetLastError())?", lambda o: _case(o, "timeout")),
    ("GQCS dequeues the packet of a cancelled WSARecv: (return, ov, GetLastError())?",
     lambda o: _case(o, "failed I/O")),
    ("A thread waits in GQCS(INFINITE) and main closes the port: (return, ov, GetLastError())?",
     lambda o: _case(o, "port closed")),
]
POSTED_BYTES = 64
POSTED_KEY = 1
TIMEOUT_MS = 10


def variant(rng):
    """quiz --seed N: another posted packet and another timeout."""
    return {"POSTED_BYTES": rng.choice([0, 16, 64, 100, 512]), "POSTED_KEY": rng.randint(1, 50),
            "TIMEOUT_MS": rng.choice([5, 10, 20, 30])}


def main():
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    yield PostQueuedCompletionStatus(port, POSTED_BYTES, POSTED_KEY, OVERLAPPED(op="job"))
    yield from gqcs(port, 0, "posted")
    yield PostQueuedCompletionStatus(port, 0, 0, None)
    yield from gqcs(port, 0, "sentinel")
    yield from gqcs(port, TIMEOUT_MS, "timeout")
    server, client = yield tcp_pair()
    yield CreateIoCompletionPort(server, port, POSTED_KEY + 1, 0)
    ov = OVERLAPPED(op="recv")
    yield WSARecv(server, [WSABUF(100)], ov)
    yield CancelIoEx(server, ov)
    yield from gqcs(port, 1000, "failed I/O")          # the cancelled receive's packet is already queued
    ready = yield CreateEvent(None, False, False, None)
    waiter = yield CreateThread(wait_forever, port, ready, name="W")
    yield WaitForSingleObject(ready, INFINITE)         # W is about to wait...
    yield Sleep(20)                                    # ...and now waits in GQCS
    yield note("closing")
    yield CloseHandle(port)
    yield WaitForSingleObject(waiter, INFINITE)


def wait_forever(port, ready):
    yield SetEvent(ready)
    yield from gqcs(port, INFINITE, "port closed")


def gqcs(port, ms, case):
    ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, ms)
    error = yield GetLastError()
    yield note("case", case=case, ok=ok, has_ov=ov is not None, nbytes=nbytes, key=key,
               error=None if ok else error)


def check(outcome):
    cases = {n.case: n for n in outcome.notes("case")}
    assert list(cases) == ["posted", "sentinel", "timeout", "failed I/O", "port closed"]
    assert (cases["posted"].ok, cases["posted"].has_ov, cases["posted"].key, cases["posted"].nbytes) == (True, True, POSTED_KEY,
                                                                                                  POSTED_BYTES)
    assert (cases["sentinel"].ok, cases["sentinel"].has_ov) == (True, False)
    assert (cases["timeout"].ok, cases["timeout"].has_ov, cases["timeout"].error) == (False, False, WAIT_TIMEOUT)
    failed = cases["failed I/O"]
    assert (failed.ok, failed.has_ov, failed.key, failed.error) == (False, True, POSTED_KEY + 1, ERROR_OPERATION_ABORTED)
    closed = cases["port closed"]
    assert (closed.ok, closed.has_ov, closed.error) == (False, False, ERROR_ABANDONED_WAIT_0)
    assert cases["timeout"].time - cases["sentinel"].time == TIMEOUT_MS      # the timeout
    assert closed.time == outcome.note("closing").time                          # woken by the close


# kernelsim live (issue 9): how a live run treats this scenario
LIVE_TOLERANCE = (20, 0.10)     # ms: the waiter wakes "at once" when the port closes; real threads take a few ms
