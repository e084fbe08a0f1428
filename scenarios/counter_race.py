"""Two threads add 1 to a shared counter twice each: a read, a yield, a write.

Between reading the counter and writing it back a thread can be preempted;
the other thread reads the same old value, and one increment is lost.  On the
model a thread can only be interrupted at a call it yields, so the read is
followed by a call (a note) to make the gap visible.  ``InterlockedIncrement``
does the read and the write as one indivisible step: with it no schedule loses
an increment (the seed: "멀티스레딩 환경이라면 당연히 인터락을 사용").

Try: ``kernelsim explore counter-race`` finds the lost update and prints a
replay string; ``kernelsim run counter-race --schedule S`` shows it.
Set INTERLOCKED = True below and explore again: no schedule fails.
"""

from kernelsim.win32 import *

TITLE = "A counter incremented without an interlocked operation loses updates"
TEACHES = "IO자체를 카운팅하여 0이될때 삭제한다. 멀티스레딩 환경이라면 당연히 인터락을 사용."
CONFIG = {"cpus": 2}
INTERLOCKED = False
BREAKS = () if INTERLOCKED else ("no lost update",)    # some schedules lose an update: the lesson


class Counter:
    value = 0     # the shared counter
    done = 0      # increments that finished (ground truth, for the invariant)


def main():
    c = Counter()
    yield invariant("no lost update", lambda: None if c.value >= c.done else
                    f"{c.done} increments finished but the counter is {c.value}")
    threads = []
    for name in ("T1", "T2"):
        threads.append((yield CreateThread(adder, c, name=name)))
    yield WaitForMultipleObjects(threads, True, INFINITE)
    yield note("total", value=c.value)


def adder(c):
    for _ in range(2):
        if INTERLOCKED:
            yield InterlockedIncrement(c, "value")
        else:
            seen = c.value
            yield note("read", value=seen)        # the thread may be preempted here
            c.value = seen + 1
        c.done += 1


def check(outcome):
    if outcome.notes("violation"):
        return                                     # the run stopped at the lost update (BREAKS)
    assert outcome.note("total").value == 4
