"""GetQueuedCompletionStatusEx removes several packets in one call, oldest first.

Five packets wait on the port.  One GQCSEx call with room for three returns
three entries, in the order they were posted (A13, oracle 1.4); two stay
queued for the next call.  Alertable, with the port empty and an APC queued,
GQCSEx runs the APC and returns FALSE with GetLastError() = WAIT_IO_COMPLETION
and no entries (C6, oracle 1.8).
"""

from kernelsim.win32 import *
from kernelsim.answers import error

TITLE = "GQCSEx: a batch of packets in FIFO order, and its alertable mode"
TEACHES = "GQCSEx — 여러개의 완료통지를 한번에 뽑는것을 가능하게 한다."
RULES = ("A13", "C6", "F4")
QUESTIONS = [
    ("Packets with keys {KEYS} are queued: which keys does the first GQCSEx(count={COUNT}) return?",
     lambda o: o.notes("batch")[0].keys),
    ("...and the second call?", lambda o: o.notes("batch")[1].keys),
    ("What does the alertable call return when only an APC is pending: (ok, n, GetLastError())?",
     lambda o: (o.note("alertable").ok, o.note("alertable").n, error(o.note("alertable").error))),
]
KEYS = (10, 20, 30, 40, 50)
COUNT = 3


def variant(rng):
    """quiz --seed N: other keys, another batch size (two calls always drain the port)."""
    count = rng.randint(1, 4)
    keys = tuple(rng.sample(range(1, 100), rng.randint(count + 1, 2 * count)))
    return {"KEYS": keys, "COUNT": count}


def main():
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    for key in KEYS:
        yield PostQueuedCompletionStatus(port, key, key, OVERLAPPED())
    for _ in range(2):
        ok, entries = yield GetQueuedCompletionStatusEx(port, COUNT, 0, FALSE)
        yield note("batch", ok=ok, keys=[e.key for e in entries])
    me = yield GetCurrentThread()
    yield QueueUserAPC(ping, me, 1)
    ok, entries = yield GetQueuedCompletionStatusEx(port, 3, INFINITE, TRUE)
    yield note("alertable", ok=ok, n=len(entries), error=(yield GetLastError()))


def ping(arg):
    yield note("apc", arg=arg)


def check(outcome):
    first, second = outcome.notes("batch")
    assert first.ok and first.keys == list(KEYS[:COUNT]), "FIFO, at most COUNT per call (A13)"
    assert second.ok and second.keys == list(KEYS[COUNT:2 * COUNT])
    alert = outcome.note("alertable")
    assert (alert.ok, alert.n, alert.error) == (False, 0, WAIT_IO_COMPLETION)
    assert outcome.note("apc").time <= alert.time
