"""Three ways to hand a job to another thread: a polled queue, the APC queue, a completion port.

main hands three jobs, 7 ms apart, to three consumers, one way each:

* ``poller`` checks a plain list every 5 ms (polling: a job waits for the next
  look, and the thread wakes even when there is nothing to do);
* ``apc`` sleeps alertably; QueueUserAPC runs the job on *that* thread as soon
  as it is queued (C1, C2, C4) — only the owning thread can run its APCs;
* ``iocp`` waits in GetQueuedCompletionStatus; PostQueuedCompletionStatus
  wakes it at once (A2, A11) — and any thread holding the port handle could
  have taken the job.

The note ``latency`` is how long each job waited.  The seed's verdict holds:
at this scale the three feel the same ("셋의 성능평가는 거의 체감되지않음");
what differs is who may take the job, and the poller's empty wake-ups.
"""

from kernelsim.win32 import *

TITLE = "Handing jobs between threads: polling, APC queue, IOCP"
TEACHES = "스레드간 JOP을 던질때 사용하는 방법 — 1. 직접만든 큐 (polling방식) 2. APC큐 (alertable Wait상태를 확인) 3. IOCP사용"
RULES = ("C1", "C2", "C4", "A2", "A11")
CONFIG = {"cpus": 4}
def waits(o, way):
    """How long (ms) each job waited between main handing it over and the consumer getting it."""
    posted = {n.job: n.time for n in o.notes("post")}
    return [n.time - posted[n.job] for n in o.notes("got") if n.way == way]


QUESTIONS = [
    ("How long (ms) does each job wait in the polled queue?", lambda o: waits(o, "poll")),
    ("...and in the APC queue, and in the completion port?", lambda o: (waits(o, "apc"), waits(o, "iocp"))),
    ("How many times does the poller look at an empty queue?", lambda o: o.note("poller").empty_looks),
]

JOBS = 3
POLL_MS = 5


class Shared:
    queue = []          # the hand-made queue
    apc_done = 0


def main():
    Shared.queue, Shared.apc_done = [], 0
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    poller_t = yield CreateThread(poller, name="poller")
    apc_t = yield CreateThread(apc_consumer, name="apc")
    iocp_t = yield CreateThread(iocp_consumer, port, name="iocp")
    yield Sleep(1)
    for job in range(1, JOBS + 1):
        yield Sleep(7)
        yield note("post", job=job)
        Shared.queue.append(job)                                # 1. the hand-made queue
        yield QueueUserAPC(run_job, apc_t, job)                 # 2. the consumer's APC queue
        yield PostQueuedCompletionStatus(port, 0, job, OVERLAPPED(op=f"job{job}"))   # 3. the port
    yield WaitForMultipleObjects([poller_t, apc_t, iocp_t], TRUE, INFINITE)


def poller():
    done = empty = 0
    while done < JOBS:
        if Shared.queue:
            job = Shared.queue.pop(0)
            yield note("got", way="poll", job=job)
            done += 1
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


def iocp_consumer(port):
    for _ in range(JOBS):
        ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, INFINITE)
        yield note("got", way="iocp", job=key)


def check(outcome):
    for way in ("poll", "apc", "iocp"):
        assert [n.job for n in outcome.notes("got") if n.way == way] == [1, 2, 3], way
    assert waits(outcome, "apc") == [0, 0, 0] and waits(outcome, "iocp") == [0, 0, 0]
    polled = waits(outcome, "poll")
    assert all(0 <= w <= POLL_MS for w in polled) and any(w > 0 for w in polled)
    assert outcome.note("poller").empty_looks > 0
