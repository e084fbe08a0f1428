"""Three ways to hand a job to another thread: a polled list, the APC queue, a completion port.

The notes list three ways to pass a job between threads and add that their
performance hardly differs ("셋의 성능평가는 거의 체감되지않음").  This model
cannot judge that claim either way: it charges no time for a context switch,
a cache miss or a lock, so every way looks equally fast here.  What it can
show is the question that decides a design — *which threads may take each
kind of job*:

* a hand-made list (polling): any thread that looks at the list.  Two
  pollers check it every POLL_MS ms and take whatever they find; both also
  wake up when there is nothing to do.
* the APC queue: QueueUserAPC(f, hThread, job) runs f on *that* thread only,
  and only when it waits alertably (C1, C2, C4).  ``apc-other`` sleeps
  alertably the whole time and never runs one of them: an APC queue belongs
  to its thread (the notes' "APC Q를 소유한 스레드만 확인 가능").
* a completion port: any thread waiting in GetQueuedCompletionStatus on the
  port may take the job — the newest waiter first (A2, A4, A11).

``kernelsim quiz jobs-three-ways --seed N`` draws another number of jobs and
another polling period.
"""

from kernelsim.win32 import *

TITLE = "Handing jobs between threads: who may take a polled job, an APC, a port packet"
TEACHES = "스레드간 JOP을 던질때 사용하는 방법 — 1. 직접만든 큐 (polling방식) 2. APC큐 (alertable Wait상태를 확인) 3. IOCP사용"
RULES = ("C1", "C2", "C4", "A2", "A4", "A11")
CONFIG = {"cpus": 4}
LIVE = False
LIVE_REASON = "which of two pollers or two port workers takes a job is the scheduler's choice: that is the lesson, and it cannot be compared thread by thread live"
SEED_CORRECTION = [
    {"notes": "셋의 성능평가는 거의 체감되지않음",
     "windows": "No Windows rule decides that, and this model charges nothing for a context switch, so it cannot "
                "judge performance.  What the rules do decide is who may take a job: any thread that reads the "
                "list, only the thread an APC was queued to, any thread waiting on the port.",
     "ko": "성능 차이는 Windows 규칙이 정하는 것이 아니고, 이 모델은 컨텍스트 스위칭 비용을 0으로 치기 때문에 "
           "성능을 판단할 수 없습니다. 규칙이 정하는 것은 '누가 JOB을 가져갈 수 있는가'입니다: 큐는 보는 스레드 "
           "누구나, APC는 큐잉된 그 스레드만, IOCP는 GQCS로 기다리는 아무 스레드나.",
     "rule": "C2"},
]
JOBS = 3
POLL_MS = 5


def variant(rng):
    return {"JOBS": rng.randint(2, 5), "POLL_MS": rng.choice([2, 3, 5, 8])}


def takers(o, way):
    """The threads that took jobs handed over the given way."""
    return sorted({n.thread for n in o.notes("got") if n.way == way})


QUESTIONS = [
    ("Which threads took jobs from the hand-made list?", lambda o: takers(o, "poll")),
    ("Which thread ran the jobs queued as APCs (apc-other waited alertably all along)?",
     lambda o: takers(o, "apc")),
    ("Which threads took jobs from the completion port?", lambda o: takers(o, "iocp")),
    ("How many times did the two pollers wake up and find the list empty?",
     lambda o: sum(n.empty_looks for n in o.notes("poller"))),
]


class Shared:
    queue = []          # the hand-made list
    polled = 0          # jobs taken from it
    apc_done = 0


def main():
    Shared.queue, Shared.polled, Shared.apc_done = [], 0, 0
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    threads = []
    for name in ("poll-A", "poll-B"):
        threads.append((yield CreateThread(poller, name=name)))
    apc_t = yield CreateThread(apc_consumer, name="apc")
    other_t = yield CreateThread(apc_bystander, name="apc-other")
    threads += [apc_t, other_t]
    for name in ("iocp-A", "iocp-B"):
        threads.append((yield CreateThread(iocp_consumer, port, name=name)))
    yield Sleep(1)
    for job in range(1, JOBS + 1):
        yield Sleep(7)
        Shared.queue.append(job)                                # 1. the hand-made list
        yield QueueUserAPC(run_job, apc_t, job)                 # 2. one thread's APC queue
        yield PostQueuedCompletionStatus(port, 0, job, OVERLAPPED(op=f"job{job}"))   # 3. the port
    yield QueueUserAPC(stop, other_t, 0)                        # the bystander's own APC: it runs there
    for _ in range(2):
        yield PostQueuedCompletionStatus(port, 0, 0, None)      # one shutdown sentinel per port worker
    yield WaitForMultipleObjects(threads, TRUE, INFINITE)


def poller():
    empty = 0
    while Shared.polled < JOBS:
        if Shared.queue:
            job = Shared.queue.pop(0)
            Shared.polled += 1
            yield note("got", way="poll", job=job)
        else:
            empty += 1
            yield Sleep(POLL_MS)
    yield note("poller", empty_looks=empty)


def run_job(job):
    """The APC: runs on the apc thread, inside its alertable SleepEx."""
    Shared.apc_done += 1
    yield note("got", way="apc", job=job)


def apc_consumer():
    while Shared.apc_done < JOBS:
        yield SleepEx(INFINITE, TRUE)


def stop(_):
    yield note("bystander-apc")


def apc_bystander():
    """Waits alertably all along: only APCs queued to *this* thread run here."""
    yield SleepEx(INFINITE, TRUE)


def iocp_consumer(port):
    while True:
        ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, INFINITE)
        if ov is None:
            return
        yield note("got", way="iocp", job=key)
        yield compute(10)                                       # busy: the next job may go to the other worker


def check(outcome):
    for way in ("poll", "apc", "iocp"):
        assert sorted(n.job for n in outcome.notes("got") if n.way == way) == list(range(1, JOBS + 1)), way
    assert set(takers(outcome, "poll")) <= {"poll-A", "poll-B"}
    assert takers(outcome, "apc") == ["apc"], "an APC runs only on the thread it was queued to (C2)"
    assert outcome.note("bystander-apc").thread == "apc-other"
    assert set(takers(outcome, "iocp")) <= {"iocp-A", "iocp-B"}
    assert sum(n.empty_looks for n in outcome.notes("poller")) > 0, "pollers wake up for nothing"
