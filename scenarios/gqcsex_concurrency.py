"""GetQueuedCompletionStatusEx's trade-off: one call for many packets, but the batch runs on one thread.

JOBS packets are already queued on each of two ports when their workers
start (NumberOfConcurrentThreads 4, four workers each, 10 ms of work per
job).  The GQCS workers take one packet per call: four run at once, then
each takes the next as it asks again (A3) — done in JOBS / 4 × 10 ms.  The
first GQCSEx worker removes up to COUNT packets in *one* call (A13): one
kernel transition, one wake-up instead of many.  But it counts once toward
NumberOfConcurrentThreads and now owns the whole batch; the other three
find the queue empty and wait, and the batch runs serially on one thread.

That is the notes' point ("GQCS의 호출량을 줄일 수 있겠다") and their caveat
("한번에 뽑아가는것이 ... 의미가 없는 행위") at once: batching trades
parallelism for fewer calls.  It pays where completions outnumber the
running threads and each is cheap — a job queue, or the single-worker
servers the notes mention — and costs where each packet is real work.
"""

from kernelsim.win32 import *

TITLE = "GQCSEx trade-off: a batch is one call and one running thread — fewer calls, less parallelism"
TEACHES = "GQCSEx를 고려할 대상 — 2. 우리가 준비한 RunningThread 개수 이상으로 완료작업이 쏟아져나올 때."
RULES = ("A13", "A3", "A2", "F4")
SEED_CORRECTION = {
    "notes": "단, 소켓모델로서 IOCP는 병렬처리를 위해 사용하는것으로, 한번에 뽑아가는것이 전혀 의미가 없는 행위이다.",
    "windows": "Not meaningless, a trade-off: one GQCSEx call removes up to ulCount entries (one kernel "
               "transition, one wake-up), and the thread counts once toward NumberOfConcurrentThreads — so "
               "the whole batch runs on that thread while the others wait.",
    "ko": "의미가 없는 것이 아니라 맞바꾸는 것입니다: GQCSEx 한 번이 ulCount개까지 완료통지를 꺼내고(커널 진입 한 번, "
          "깨우기 한 번), 그 스레드는 NumberOfConcurrentThreads에 한 번만 셉니다. 그래서 꺼낸 묶음 전체가 그 "
          "스레드 하나에서 순서대로 처리되고 다른 워커는 놉니다.",
    "rule": "A13",
}
CONFIG = {"cpus": 8}
LIVE = False
LIVE_REASON = "Wine 8 ignores NumberOfConcurrentThreads (WINE.md W1), and which worker takes which packet is a race"
JOBS = 8
COUNT = 8                   # GQCSEx's ulCount
WORK_MS = 10


def variant(rng):
    return {"JOBS": rng.choice([4, 8, 12]), "COUNT": rng.choice([2, 4, 8, 16])}


def finished(o, way):
    return max(n.time for n in o.notes("job") if n.way == way) + WORK_MS


def threads(o, way):
    return sorted({n.thread for n in o.notes("job") if n.way == way})


QUESTIONS = [
    ("GQCS, one packet per call: which workers run jobs, and when is the last job done (ms)?",
     lambda o: (threads(o, "gqcs"), finished(o, "gqcs"))),
    ("GQCSEx(count={COUNT}): how many entries does the first successful call return?",
     lambda o: o.notes("batch")[0].n),
    ("...which workers run jobs, and when is the last job done (ms)?",
     lambda o: (threads(o, "ex"), finished(o, "ex"))),
    ("How many calls returned packets: GQCS versus GQCSEx?",
     lambda o: (sum(1 for n in o.notes("job") if n.way == "gqcs"), sum(1 for n in o.notes("batch") if n.jobs))),
]


def gqcs_worker(port):
    while True:
        ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, INFINITE)
        if ov is None:
            return
        yield note("job", way="gqcs", key=key)
        yield compute(WORK_MS)


def gqcsex_worker(port):
    while True:
        ok, entries = yield GetQueuedCompletionStatusEx(port, COUNT, INFINITE, FALSE)
        yield note("batch", n=len(entries), jobs=sum(1 for e in entries if e.overlapped is not None))
        for e in entries:
            if e.overlapped is None:
                return
            yield note("job", way="ex", key=e.key)
            yield compute(WORK_MS)


def main():
    p1 = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 4)
    p2 = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 4)
    for port in (p1, p2):
        for job in range(1, JOBS + 1):
            yield PostQueuedCompletionStatus(port, 0, job, OVERLAPPED(op=f"job{job}"))
    workers = []
    for i in range(4):
        workers.append((yield CreateThread(gqcs_worker, p1, name=f"G{i + 1}")))
        workers.append((yield CreateThread(gqcsex_worker, p2, name=f"X{i + 1}")))
    yield Sleep(JOBS * WORK_MS + 5)
    for port in (p1, p2):
        for _ in range(4):
            yield PostQueuedCompletionStatus(port, 0, 0, None)
    yield WaitForMultipleObjects(workers, TRUE, INFINITE)


def check(outcome):
    for way in ("gqcs", "ex"):
        assert sorted(n.key for n in outcome.notes("job") if n.way == way) == list(range(1, JOBS + 1)), way
    first = outcome.notes("batch")[0]
    assert first.n == min(COUNT, JOBS), "one GQCSEx call removes what is queued, up to ulCount (A13)"
    assert len(threads(outcome, "gqcs")) == min(4, JOBS), "GQCS: the port runs four workers at once (A2, A3)"
    assert finished(outcome, "ex") >= finished(outcome, "gqcs"), "the batch runs on fewer threads"
