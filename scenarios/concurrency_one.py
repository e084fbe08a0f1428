"""NumberOfConcurrentThreads = 1: a busy runner keeps the other worker asleep.

T2 waited last, so it takes the first job (A4) and computes for 40 ms
(WORK_MS; ``--seed`` draws another length).  A second job arrives while it
runs.  CPUs are idle and T1 is waiting — yet the port hands T1 nothing,
because CurrentCount (1) has reached MaximumCount (1) (A2).  When T2 calls
GetQueuedCompletionStatus again it stops counting, finds room, and takes the
queued job itself at once, with no context switch (A3).  T1 sleeps through it.
Wine 8 ignores the limit (WINE.md), so there T1 takes the second job at once.
"""

from kernelsim.win32 import *

TITLE = "Concurrency 1: the running worker takes the next packet itself"
TEACHES = "NumberOfConcurrentThreads — 동시에 실행 할 수 있는 작업자 스레드의 개수."
RULES = ("A1", "A2", "A3")
CONFIG = {"cpus": 4}
QUESTIONS = [
    ("Which worker handles job 2?", lambda o: next(n.thread for n in o.notes("job") if n.key == 2)),
    ("Each job computes {WORK_MS} ms. At what time (ms) does job 2 start?",
     lambda o: next(n.time for n in o.notes("job") if n.key == 2)),
]
WORK_MS = 40                     # how long the runner computes per job


def variant(rng):
    """quiz --seed N: another length of work per job."""
    return {"WORK_MS": rng.choice([15, 25, 30, 50, 60, 75])}


def main():
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 1)
    yield CreateThread(worker, port, name="T1")
    yield Sleep(1)
    yield CreateThread(worker, port, name="T2")
    yield Sleep(1)
    yield PostQueuedCompletionStatus(port, 0, 1, None)     # T2 waited last: it gets job 1
    yield Sleep(10)
    yield PostQueuedCompletionStatus(port, 0, 2, None)     # no room: queued, nobody woken
    yield Sleep(100)


def worker(port):
    while True:
        ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, INFINITE)
        yield note("job", key=key)
        yield compute(WORK_MS)


def check(outcome):
    jobs = {n.key: n for n in outcome.notes("job")}
    assert jobs[1].thread == "T2", "the newest waiter takes the first packet (A4)"
    assert jobs[2].thread == "T2", "the runner takes the queued packet itself (A3)"
    assert jobs[2].time == jobs[1].time + WORK_MS, "job 2 waits for the runner, although CPUs are idle (A2)"


# kernelsim live (issue 9): how a live run treats this scenario
NOT_LIVE_ON = {"wine": "Wine ignores NumberOfConcurrentThreads (W1), the lesson itself; and Wine 8 lets a worker that comes back take a packet already promised to a woken waiter, so who runs job 2 is timing"}
