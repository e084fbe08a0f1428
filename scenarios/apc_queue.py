"""Every thread has its own APC queue: FIFO, run all at once, and destroyed with the thread.

main queues three APCs to T1 while T1 computes (and then waits, but not
alertably, until main has queued them all).  They wait in T1's queue — a
queue, not a stack (C1) — until T1 enters an alertable wait; then all three
run, oldest first, on T1, and only then does SleepEx return
WAIT_IO_COMPLETION, once (C4, C5).

T2 gets two APCs too but ends without ever waiting alertably: its queue is
destroyed with it and the APCs never run (C8).  A QueueUserAPC to the ended
thread fails with ERROR_GEN_FAILURE.  The queue belongs to the thread: nobody
creates, destroys or reads it but the kernel and its owner (the seed: "APC큐는
스레드마다 자동 생성/파괴된다. 개발자 제어 불가").
"""

from kernelsim.win32 import *
from kernelsim.answers import error, sleep_result

TITLE = "The APC queue: per thread, FIFO, emptied at an alertable wait, discarded at exit"
TEACHES = "APC 큐 — APC큐는 작업완료를 쌓아놓는 역할이며, thread마다 존재."
RULES = ("C1", "C4", "C5", "C8")
CONFIG = {"cpus": 4}
QUESTIONS = [
    ("main queues APCs 1..{T1_APCS} to T1: in which order do they run?",
     lambda o: [n.n for n in o.notes("apc") if n.thread == "T1"]),
    ("What does T1's SleepEx return, each time it returns?", lambda o: [sleep_result(n.result) for n in o.notes("sleepex")]),
    ("T2 gets {T2_APCS} APC(s) and exits: how many of them run?",
     lambda o: sum(1 for n in o.notes("apc") if n.thread == "T2")),
    ("What does QueueUserAPC to the ended T2 return: (result, GetLastError())?",
     lambda o: (o.note("late").ok, error(o.note("late").error))),
]
T1_APCS = 3
T2_APCS = 2


def variant(rng):
    """quiz --seed N: other numbers of APCs for T1 and T2."""
    return {"T1_APCS": rng.randint(1, 6), "T2_APCS": rng.randint(1, 4)}


def main():
    started = yield CreateEvent(None, True, False, None)
    queued = yield CreateEvent(None, True, False, None)
    t1 = yield CreateThread(busy_then_alertable, started, queued, name="T1")
    yield WaitForSingleObject(started, INFINITE)        # T1 runs (an APC queued earlier would run first, C8)
    yield ResetEvent(started)
    t2 = yield CreateThread(busy_then_exit, started, queued, name="T2")
    yield WaitForSingleObject(started, INFINITE)
    for n in range(1, T1_APCS + 1):
        yield QueueUserAPC(apc, t1, n)
    for n in range(T1_APCS + 1, T1_APCS + T2_APCS + 1):
        yield QueueUserAPC(apc, t2, n)
    yield SetEvent(queued)
    yield WaitForMultipleObjects([t1, t2], TRUE, INFINITE)
    ok = yield QueueUserAPC(apc, t2, 0)
    yield note("late", ok=ok, error=(yield GetLastError()))


def apc(n):
    yield note("apc", n=n)


def busy_then_alertable(started, queued):
    yield SetEvent(started)
    yield compute(10)
    yield WaitForSingleObject(queued, INFINITE)   # not alertable: the APCs stay queued (C2)
    while True:
        result = yield SleepEx(20, TRUE)
        yield note("sleepex", result=result)
        if result != WAIT_IO_COMPLETION:
            return


def busy_then_exit(started, queued):
    yield SetEvent(started)
    yield compute(10)
    yield WaitForSingleObject(queued, INFINITE)   # a wait, but not alertable: the APCs stay queued (C2)


def check(outcome):
    assert [n.n for n in outcome.notes("apc") if n.thread == "T1"] == list(range(1, T1_APCS + 1))
    assert [n.result for n in outcome.notes("sleepex")] == [WAIT_IO_COMPLETION, 0]
    assert not [n for n in outcome.notes("apc") if n.thread == "T2"]
    assert (outcome.note("late").ok, outcome.note("late").error) == (False, ERROR_GEN_FAILURE)
