"""Telling a timeout from the shutdown sentinel: both come back with ov == NULL.

Workers call GetQueuedCompletionStatus with a 50 ms timeout.  A timeout
returns FALSE, ov NULL, GetLastError() 258 (F3).  The shutdown request the
main thread posts with PostQueuedCompletionStatus(port, 0, 0, NULL) returns
TRUE, ov NULL (A11, F5).  Code that looks at ov first cannot tell them apart;
code must branch on the return value first.
"""

from kernelsim.win32 import *
from kernelsim.answers import error

TITLE = "PQCS(0, 0, NULL) as a shutdown sentinel, versus a GQCS timeout"
TEACHES = "GQCS사용시 주의할 점 — 3. 세개인자 모두 NULL: 우리가 PQCS로 쏴줄 종료요청."
RULES = ("A11", "F1", "F3", "F5")
SEED_CORRECTION = [
    {"notes": "3. 세개인자 모두 NULL — 우리가 PQCS로 쏴줄 종료요청.",
     "windows": "ov NULL also comes back from a timeout and from a closed port; those return FALSE.  Only TRUE "
                "with ov NULL is the posted sentinel — test the return value first.",
     "ko": "ov가 NULL인 것은 타임아웃이나 포트가 닫힌 경우에도 똑같고, 그때는 FALSE가 리턴됩니다. TRUE이면서 ov가 "
           "NULL일 때만 PQCS로 보낸 종료요청입니다. 반환값부터 확인해야 합니다.",
     "rule": "F5"},
]
QUESTIONS = [
    ("What does GQCS return on a timeout: (ok, ov, GetLastError())?",
     lambda o: (o.notes("timeout")[0].ok, o.notes("timeout")[0].ov, error(o.notes("timeout")[0].error))),
    ("And for the sentinel: (ok, ov)?", lambda o: (o.notes("sentinel")[0].ok, o.notes("sentinel")[0].ov)),
    ("{WORKERS} workers wait with a {TIMEOUT_MS} ms timeout; main posts one job, then the sentinels after "
     "{SHUTDOWN_MS} ms. How many GQCS calls time out in all?", lambda o: len(o.notes("timeout"))),
]
WORKERS = 2
TIMEOUT_MS = 50
SHUTDOWN_MS = 75


def variant(rng):
    """quiz --seed N: another number of workers, another timeout, another moment to shut down."""
    timeout = rng.choice([10, 20, 30, 40])
    return {"WORKERS": rng.randint(1, 4), "TIMEOUT_MS": timeout,
            "SHUTDOWN_MS": timeout + rng.choice([5, 15, 25]) + rng.choice([0, timeout])}


def main():
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    workers, ready = [], []
    for i in range(1, WORKERS + 1):
        ready.append((yield CreateEvent(None, False, False, None)))
        workers.append((yield CreateThread(worker, port, ready[-1], name=f"W{i}")))
    yield WaitForMultipleObjects(ready, TRUE, INFINITE)           # every worker is about to wait
    yield PostQueuedCompletionStatus(port, 100, 1, OVERLAPPED(op="job"))
    yield Sleep(SHUTDOWN_MS)                          # long enough for a timeout
    for _ in workers:
        yield PostQueuedCompletionStatus(port, 0, 0, None)
    yield WaitForMultipleObjects(workers, TRUE, INFINITE)


def worker(port, ready):
    yield SetEvent(ready)
    while True:
        ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, TIMEOUT_MS)
        if not ok and ov is None:
            yield note("timeout", ok=ok, ov=ov, error=(yield GetLastError()))
            continue
        if ok and ov is None and key == 0:
            yield note("sentinel", ok=ok, ov=ov)
            return
        yield note("job", key=key, nbytes=nbytes)


def check(outcome):
    timeouts = outcome.notes("timeout")
    assert timeouts and all(n.ok is False and n.ov is None and n.error == WAIT_TIMEOUT for n in timeouts)
    sentinels = outcome.notes("sentinel")
    assert sorted(n.thread for n in sentinels) == [f"W{i}" for i in range(1, WORKERS + 1)]
    assert all(n.ok is True and n.ov is None for n in sentinels)
    assert [n.key for n in outcome.notes("job")] == [1]


# kernelsim live (issue 9): how a live run treats this scenario
POOLS = [tuple(f"W{i}" for i in range(1, WORKERS + 1))]     # any worker may take the job: the scheduler decides
