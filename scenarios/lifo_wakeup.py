"""Three workers block in GetQueuedCompletionStatus one after another; one packet is posted.

Windows releases the thread that blocked *last*: its stack and cache are
still warm (MS-IOCP; ReactOS KiInsertQueue takes WaitListHead.Blink).  Wine 8
releases the first one instead (WINE.md), which is why this claim needs Windows.
"""

from kernelsim.win32 import *

TITLE = "A completion port releases the thread that waited last"
TEACHES = "IOCP의 장점 — 4. stack방식으로 스레드를 깨움. (캐시히트)"
RULES = ("A2", "A4")
CONFIG = {"cpus": 4}
QUESTIONS = [
    ("Workers T1 … T{WORKERS} block in GQCS one after another, then key {KEY} is posted; which one receives it?",
     lambda o: o.note("woke").thread),
]
WORKERS = 3                      # T1, T2, T3
KEY = 7


def main():
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    ready = yield CreateEvent(None, False, False, None)
    workers = []
    for i in range(1, WORKERS + 1):
        workers.append((yield CreateThread(worker, port, ready, name=f"T{i}")))
        yield WaitForSingleObject(ready, INFINITE)     # T{i} is about to wait...
        yield Sleep(10)                                 # ...and now waits in GQCS, after T{i-1}
    # Each worker sets `ready` just before its GQCS, so the workers also wait in the order
    # T1, T2, T3 on real Win32 (kernelsim live), where starting a thread takes real time.
    yield PostQueuedCompletionStatus(port, 0, KEY, None)
    yield WaitForMultipleObjects(workers, FALSE, INFINITE)     # the released worker has finished


def worker(port, ready):
    yield SetEvent(ready)
    ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, INFINITE)
    yield note("woke", key=key)


def variant(rng):
    """quiz --seed N: another number of workers and another key."""
    return {"WORKERS": rng.randint(2, 6), "KEY": rng.randint(1, 99)}


def check(outcome):
    assert [(n.thread, n.key) for n in outcome.notes("woke")] == [(f"T{WORKERS}", KEY)]
