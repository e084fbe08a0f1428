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
    ("Which worker receives key 7?", lambda o: o.note("woke").thread),
]


def main():
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    for name in ("T1", "T2", "T3"):
        yield CreateThread(worker, port, name=name)
        yield Sleep(10)
    yield PostQueuedCompletionStatus(port, 0, 7, None)
    yield Sleep(10)


def worker(port):
    ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, INFINITE)
    yield note("woke", key=key)


def check(outcome):
    assert [n.thread for n in outcome.notes("woke")] == ["T3"]
