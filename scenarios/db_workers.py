"""Workers that block (a database query) let other workers run: why login servers use 30–40 workers.

The port allows one running thread.  T2 takes job 1 and then waits 50 ms for
"the database" (a Sleep: a real blocking wait).  Blocking releases its slot,
so the port wakes T1 with job 2 at that same instant (A5).  Two jobs now
overlap on a port that allows one running thread.  The price comes at 62 ms:
T1's query returns while T2 is still running, and CurrentCount becomes 2 —
above the maximum of 1 (A6).  T2 finishes job 1 at that instant and asks for
more: its own slot freed, 1 is still not below 1, so T2 blocks although job 3
is queued (A3).  T1 takes job 3 when it asks, at 67 ms.
"""

from kernelsim.win32 import *

TITLE = "A worker blocking in Sleep lets the port release another (DB workers)"
TEACHES = "IOCP - WorkerThread개수 조절 — 워커스레드 내부에서 블락이 많을 경우, Workerthread를 많이 만들면 성능향상"
RULES = ("A5", "A6", "A3")
CONFIG = {"cpus": 4}
QUESTIONS = [
    ("Each job computes {WORK_MS} ms, queries the database for {QUERY_MS} ms, computes {WORK_MS} ms. "
     "When (ms) does job 2 start, given that job 1 starts at 2 ms?",
     lambda o: next(n.time for n in o.notes("start") if n.key == 2)),
    ("Which worker runs job 3, and when?",
     lambda o: next(f"{n.thread} at {n.time:g} ms" for n in o.notes("start") if n.key == 3)),
]
WORK_MS = 5
QUERY_MS = 50


def variant(rng):
    """quiz --seed N: other lengths of work and of the database query."""
    return {"WORK_MS": rng.choice([2, 3, 4, 5, 6, 8]), "QUERY_MS": rng.choice([20, 30, 40, 50, 60, 80])}


def main():
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 1)
    yield CreateThread(worker, port, name="T1")
    yield Sleep(1)
    yield CreateThread(worker, port, name="T2")
    yield Sleep(1)
    for job in (1, 2, 3):
        yield PostQueuedCompletionStatus(port, 0, job, None)
    yield Sleep(200)


def worker(port):
    while True:
        ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, INFINITE)
        yield note("start", key=key)
        yield compute(WORK_MS)
        yield Sleep(QUERY_MS)                 # the query: the thread blocks, the port may wake another
        yield compute(WORK_MS)
        yield note("done", key=key)


def check(outcome):
    start = {n.key: n for n in outcome.notes("start")}
    assert start[1].thread == "T2" and start[1].time == 2
    blocked = 2 + WORK_MS                                  # T2 starts its query: it blocks
    assert start[2].thread == "T1" and start[2].time == blocked, "T2 blocked: its slot went to T1 (A5)"
    done = {n.key: n for n in outcome.notes("done")}
    assert done[1].time == blocked + QUERY_MS + WORK_MS and done[2].time == blocked + 2 * WORK_MS + QUERY_MS
    assert start[3].thread == "T1" and start[3].time == done[2].time, \
        "job 3 waits while two workers run above the maximum (A6); T2 asks first but finds no room (A3)"


# kernelsim live (issue 9): how a live run treats this scenario
NOT_LIVE_ON = {"wine": "Wine ignores NumberOfConcurrentThreads (W1): both workers finish their first job at the same instant and race for the third"}
