"""An event cannot count: three SetEvents on a busy worker wake it once; three packets are three jobs.

main queues three jobs at the same instant and announces each one twice: with
SetEvent on an auto-reset event (for the worker ``E``) and with
PostQueuedCompletionStatus on a port (for the worker ``P``).  Each worker takes
one job per wake-up.

The first SetEvent releases E at once (the event is consumed by the release);
E is busy with job 1 when the second SetEvent comes (main waits until E says
so, then announces the rest), so the event stays signalled;
the third finds it signalled already and is lost — an event is a flag, not a
counter.  E wakes twice and job 3 is never taken.  The port keeps all three
packets, FIFO (A2, A4): P takes every job.  This is the seed's third reason to
build a thread pool on a completion port rather than on events.
"""

from kernelsim.win32 import *

TITLE = "Event signals are not counted; completion packets are"
TEACHES = "스레드풀 방식 Event 방식 vs IOCP 활용 — 3. Event는 여러개의 Signal이와도 인식불가. (JOP이 쌓여도 하나의 스레드만 깨어나서 일을 처리)"
RULES = ("A2", "A4", "A11")
CONFIG = {"cpus": 4}
QUESTIONS = [
    ("{JOBS} SetEvents at one instant, one worker: which jobs does the event worker E take?",
     lambda o: [n.job for n in o.notes("job") if n.thread == "E"]),
    ("{JOBS} PQCS at the same instant, one worker: which jobs does the port worker P take?",
     lambda o: [n.job for n in o.notes("job") if n.thread == "P"]),
]
JOBS = 3


def variant(rng):
    """quiz --seed N: another number of jobs announced at once."""
    return {"JOBS": rng.randint(2, 6)}


class Jobs:
    for_event = []      # jobs announced by SetEvent


def main():
    Jobs.for_event = []
    event = yield CreateEvent(None, False, False, None)       # auto-reset
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 1)
    busy = yield CreateEvent(None, False, False, None)
    posted = yield CreateEvent(None, True, False, None)
    e = yield CreateThread(event_worker, event, busy, posted, name="E")
    p = yield CreateThread(port_worker, port, posted, name="P")
    for job in range(1, JOBS + 1):
        Jobs.for_event.append(job)
        yield SetEvent(event)
        yield PostQueuedCompletionStatus(port, 0, job, OVERLAPPED(op=f"job{job}"))
        if job == 1:
            yield WaitForSingleObject(busy, INFINITE)    # E took job 1 and is working on it
    yield SetEvent(posted)
    yield WaitForMultipleObjects([e, p], TRUE, INFINITE)
    yield note("left", jobs=list(Jobs.for_event))


def event_worker(event, busy, posted):
    ms = INFINITE                                       # the first job surely comes
    while True:
        if (yield WaitForSingleObject(event, ms)) == WAIT_TIMEOUT:
            return                                      # nobody signalled for 50 ms: give up
        ms = 50
        yield note("job", job=Jobs.for_event.pop(0))
        yield SetEvent(busy)
        yield WaitForSingleObject(posted, INFINITE)     # the job's work lasts until main has announced all
        yield compute(10)


def port_worker(port, posted):
    yield WaitForSingleObject(posted, INFINITE)         # then every job is on the port
    while True:
        ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, 50)
        if not ok:
            return
        yield note("job", job=key)
        yield compute(10)


def check(outcome):
    assert [n.job for n in outcome.notes("job") if n.thread == "P"] == list(range(1, JOBS + 1))
    assert [n.job for n in outcome.notes("job") if n.thread == "E"] == [1, 2]
    assert outcome.note("left").jobs == list(range(3, JOBS + 1)), "the later signals were lost: never taken"
