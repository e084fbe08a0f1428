"""A user APC waits in its thread's queue until that thread enters an *alertable* wait.

main queues the APC `hello` to T1 while T1 waits, non-alertably, for an event:
nothing happens (C2).  The event is set; T1 returns WAIT_OBJECT_0 and `hello`
is still queued.  Sleep (never alertable) does not run it either.  Only
SleepEx(0, TRUE) does: the APC runs on T1 and the call returns
WAIT_IO_COMPLETION (192) rather than 0 (C2, C4).  ``--seed`` varies how many
APCs are queued and whether the last sleep is alertable at all.
"""

from kernelsim.win32 import *
from kernelsim.answers import sleep_result, wait_result

TITLE = "APCs run only when their thread waits alertably"
TEACHES = "Alertable Wait — 스레드가 이 상태에 있어야만 완료루틴이 호출 될 수 있다."
RULES = ("C1", "C2", "C4")
SEED_CORRECTION = [
    {"notes": "alertable wait상태로 만드는 함수 WaitFor..Ex, SleepEx(), WSAWaitForMultipleEvents()등이 존재. 뒤에 "
              "Ex가 붙는 형태이다.",
     "windows": "Only with the alertable argument TRUE (SleepEx, WaitFor...Ex, WSAWaitForMultipleEvents, "
                "GetQueuedCompletionStatusEx(fAlertable)), and the name is no guide: WSAWaitForMultipleEvents has "
                "no Ex, GQCSEx without fAlertable is not alertable, and blocking Winsock calls (recv, accept, "
                "select) run queued APCs while they wait.",
     "ko": "alertable 인자를 TRUE로 준 경우에만입니다(SleepEx, WaitFor...Ex, WSAWaitForMultipleEvents, "
           "GQCSEx(fAlertable)). 이름의 Ex로는 알 수 없습니다: WSAWaitForMultipleEvents에는 Ex가 없고, fAlertable "
           "없는 GQCSEx는 alertable이 아니며, 블락킹 윈속 호출(recv, accept, select)은 기다리는 동안 APC를 "
           "실행합니다.",
     "rule": "C2"},
]
QUESTIONS = [
    ("main queues {APCS} APC(s) to T1 while it waits; what does T1's WaitForSingleObject return once the "
     "event is set?", lambda o: wait_result(o.note("waited").result)),
    ("What does SleepEx(0, {ALERTABLE}) return?", lambda o: sleep_result(o.note("sleepex").result)),
    ("How many times does the APC run?", lambda o: len(o.notes("apc"))),
]
APCS = 1
ALERTABLE = True


def variant(rng):
    """quiz --seed N: 1–3 APCs, and a last sleep that is alertable or not."""
    return {"APCS": rng.randint(1, 3), "ALERTABLE": rng.choice([True, False])}


def main():
    event = yield CreateEvent(None, False, False, None)
    started = yield CreateEvent(None, False, False, None)
    t1 = yield CreateThread(worker, event, started, name="T1")
    yield WaitForSingleObject(started, INFINITE)        # T1 runs: the APCs will wait in its queue
    for n in range(APCS):
        yield QueueUserAPC(hello, t1, 42 + n)
    yield Sleep(5)
    yield SetEvent(event)
    yield WaitForSingleObject(t1, INFINITE)


def worker(event, started):
    yield SetEvent(started)
    result = yield WaitForSingleObject(event, INFINITE)
    yield note("waited", result=result)
    yield Sleep(10)
    yield note("slept")
    result = yield SleepEx(0, ALERTABLE)
    yield note("sleepex", result=result)


def hello(arg):
    yield note("apc", arg=arg)


def check(outcome):
    order = [n.tag for n in outcome.notes()]
    ran = ["apc"] * APCS if ALERTABLE else []
    assert order == ["waited", "slept"] + ran + ["sleepex"], order
    assert outcome.note("waited").result == WAIT_OBJECT_0
    assert all(n.thread == "T1" for n in outcome.notes("apc"))
    assert outcome.note("sleepex").result == (WAIT_IO_COMPLETION if ALERTABLE else 0)
