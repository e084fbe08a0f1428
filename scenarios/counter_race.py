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
THREADS = 2                 # adders
ROUNDS = 2                  # increments each
INTERLOCKED = False
BREAKS = () if INTERLOCKED else ("no lost update",)    # some schedules lose an update: the lesson


def variant(rng):
    return {"THREADS": rng.randint(2, 3), "ROUNDS": rng.randint(1, 3)}


def read_twice(o):
    """Why an update was lost: the first counter value two threads read before either wrote it back."""
    seen = {}
    for n in o.notes("read"):
        if n.value in seen and seen[n.value] != n.thread:
            return f"{seen[n.value]} and {n.thread} both read {n.value}"
        seen.setdefault(n.value, n.thread)
    return "no value was read by two threads"


QUESTIONS = [
    ("How many increments should the counter show at the end?", lambda o: THREADS * ROUNDS),
    ("Did this run lose an update? (try --seed 1)",
     lambda o: o.notes("violation")[0].detail if o.notes("violation") else "no"),
    ("Why: which counter value did two threads read before either wrote it back?", read_twice),
]


class Counter:
    value = 0     # the shared counter
    done = 0      # increments that finished (ground truth, for the invariant)


def main():
    c = Counter()
    yield invariant("no lost update", lambda: None if c.value >= c.done else
                    f"{c.done} increments finished but the counter is {c.value}")
    threads = []
    for i in range(1, THREADS + 1):
        threads.append((yield CreateThread(adder, c, name=f"T{i}")))
    yield WaitForMultipleObjects(threads, True, INFINITE)
    yield note("total", value=c.value)


def adder(c):
    for _ in range(ROUNDS):
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
    assert outcome.note("total").value == THREADS * ROUNDS


# kernelsim live (issue 9): how a live run treats this scenario
LIVE = False
LIVE_REASON = "a race: the model runs one schedule; a live run takes whichever interleaving the real scheduler gives, so no two runs make the same calls (explore searches them all)"
