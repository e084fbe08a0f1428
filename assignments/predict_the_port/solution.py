"""Assignment 3 (reference solution): the predictions, in several of the forms grade accepts."""

from kernelsim.win32 import *
from kernelsim.answers import error

TITLE = "Assignment: predict the port — who wakes, who waits, what GQCS returns"
TEACHES = "IOCP의 장점 — 4. stack방식으로 스레드를 깨움. / NumberOfConcurrentThreads / GQCS사용시 주의할 점"
RULES = ("A2", "A3", "A4", "A10", "F3", "F5")
CONFIG = {"cpus": 4}

PREDICTIONS = {
    1: "T3",                                      # A4: the newest waiter (LIFO)
    2: "R",                                       # A2, A3: no room for W; R takes it when it asks again
    3: "71 ms",                                   # 41 + 30: the packet waits for R, although CPUs are idle
    4: "false, NULL, 258",                        # F3: a timeout
    5: "FALSE, ov NULL, ERROR_ABANDONED_WAIT_0",  # A10
}

QUESTIONS = [
    ("Workers T1, T2, T3 block in GQCS on port P, 10 ms apart; main posts key 7. Which worker gets it?",
     lambda o: o.note("woke").thread),
    ("Port Q has NumberOfConcurrentThreads 1. R takes a packet and computes 30 ms; W waits in GQCS; main posts "
     "one more packet. Which thread handles it?", lambda o: o.note("second").thread),
    ("...and at what time (ms)? R took its first packet at 41 ms.", lambda o: o.note("second").time),
    ("GQCS(P, 10) on the empty port P: (return, ov, GetLastError())?",
     lambda o: (o.note("timeout").ok, o.note("timeout").ov, error(o.note("timeout").error))),
    ("A thread waits in GQCS(Q, INFINITE) and main closes Q: (return, ov, GetLastError())?",
     lambda o: (o.note("closed").ok, o.note("closed").ov, error(o.note("closed").error))),
]


def main():
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    workers = []
    for name in ("T1", "T2", "T3"):
        workers.append((yield CreateThread(lifo_worker, port, name=name)))
        yield Sleep(10)
    yield PostQueuedCompletionStatus(port, 0, 7, None)
    yield Sleep(10)

    q = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 1)
    yield CreateThread(limited_worker, q, "first", name="R")
    yield Sleep(1)
    yield PostQueuedCompletionStatus(q, 0, 1, None)                 # R takes it and computes
    yield Sleep(1)
    yield CreateThread(limited_worker, q, "second", name="W")
    yield Sleep(1)
    yield PostQueuedCompletionStatus(q, 0, 2, None)
    yield Sleep(60)

    ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, 10)
    yield note("timeout", ok=ok, ov=ov, error=(yield GetLastError()))
    for _ in workers:                                               # the two workers still waiting leave
        yield PostQueuedCompletionStatus(port, 0, 0, None)
    waiter = yield CreateThread(wait_forever, q, name="X")
    yield Sleep(5)
    yield CloseHandle(q)
    yield WaitForSingleObject(waiter, INFINITE)


def lifo_worker(port):
    ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, INFINITE)
    if key == 7:
        yield note("woke", key=key)


def limited_worker(q, tag):
    while True:
        ok, nbytes, key, ov = yield GetQueuedCompletionStatus(q, INFINITE)
        if not ok:
            return
        yield note("first" if key == 1 else "second", key=key)
        yield compute(30)


def wait_forever(q):
    ok, nbytes, key, ov = yield GetQueuedCompletionStatus(q, INFINITE)
    yield note("closed", ok=ok, ov=ov, error=(yield GetLastError()))


def check(outcome):
    assert outcome.note("woke").key == 7
