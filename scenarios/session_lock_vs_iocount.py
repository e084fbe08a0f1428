"""세션 Lock vs IOCount: both keep Release away from a session in use; only one serialises the senders.

SendPacket can be called from any thread, so a session can be released at any
moment: the notes first protect it with a session lock ("Session Lock … 락을
걸어 안정성 확보"), then replace the lock by counting the threads that use it,
like IOCount ("IOCount방식으로 Session요소 동기화 — 동기화객체가 아닌 IOCount처럼
접근스레드 카운팅 방식으로 사용. 동기화 객체를 사용하는것보다 빨라지긴 했지만,
경합이 발생되지않는다면 똑같은 구조이므로 큰 이득이 없음").

This run measures both, twice.  SENDERS content threads call SendPacket on
one session, each spending WORK ms of CPU inside it (building the packet).
With the session lock (a CRITICAL_SECTION held across SendPacket) the
senders take turns: the first enters, the others wait (L3) and are woken one
by one (L9), so the last one finishes after SENDERS × WORK ms.  With the
count (InterlockedIncrement on entry, InterlockedDecrement on exit, Release
only when a compare-exchange moves the count from 0 to a release flag) they
run side by side on the CPUs and all finish after WORK ms.  Without
contention — the senders one after another — both take the same time: the
notes' "경합이 발생되지않는다면 똑같은 구조".  Then a worker releases the session
(its receive saw Recv 0); with either scheme a sender that comes later sees
the session gone and SendPacket returns FALSE.

What the model cannot say.  It charges no time for a lock's fast path, an
interlocked instruction, a context switch or a cache miss, so it does not
claim that either is "faster" per call; it shows where threads *wait*.  Both
schemes are safe: ``kernelsim explore session-lock-vs-iocount`` finds no
schedule in which a sender uses a released session.
"""

from kernelsim.win32 import *

TITLE = "Session lock vs IOCount: both are safe, only the lock makes concurrent senders wait for each other"
TEACHES = ("세션 Lock vs IOCount — Session Lock: 어느스레드 에서든지 SendPacket이 호출가능하므로 락을 걸어 안정성 "
           "확보 / IOCount방식으로 Session요소 동기화: 동기화 객체를 사용하는것보다 빨라지긴 했지만, 경합이 "
           "발생되지않는다면 똑같은 구조이므로 큰 이득이 없음")
RULES = ("L2", "L3", "L9", "A5")
CONFIG = {"cpus": 4}
LIVE = False
LIVE_REASON = ("its claims are times in the model's ms (3 senders x 2 ms of compute on 4 CPUs), which a live run on "
               "shared host cores does not keep (measured on Wine 8: 20 ms where the lock phase claims 6), and which "
               "sender decrements IOCount last is a race")
SENDERS = 3                       # content threads calling SendPacket on the same session at once
WORK = 2                          # ms of CPU each SendPacket spends with the session
RELEASE = 0x80000000              # IOCount's release flag (the fixed library's trick)


def variant(rng):
    """quiz --seed N: another number of senders (at most the 4 CPUs) and another amount of work."""
    return {"SENDERS": rng.randint(2, 4), "WORK": rng.randint(1, 4)}


def _took(o, scheme, contended):
    """ms from the phase's start to its last sender's end (per SendPacket when they ran one after another)."""
    start, end = (n.time for n in o.notes("phase") if n.scheme == scheme and n.contended == contended)
    took = round((end - start) / (1 if contended else SENDERS), 6)
    return int(took) if took == int(took) else took


QUESTIONS = [
    ("{SENDERS} threads call SendPacket on one session at once, {WORK} ms each. "
     "With the session lock, how many ms until the last one is done?", lambda o: _took(o, "lock", True)),
    ("The same with IOCount instead of the lock?", lambda o: _took(o, "iocount", True)),
    ("With the lock, how many EnterCriticalSection calls had to wait?",
     lambda o: sum(1 for e in o.trace if e.kind == "block" and "critical section" in e.text)),
    ("Without contention (the senders one after another), lock vs IOCount: ms per SendPacket?",
     lambda o: (_took(o, "lock", False), _took(o, "iocount", False))),
    ("After the worker released the session, what does a late SendPacket return, with each scheme?",
     lambda o: tuple(n.ok for n in o.notes("late"))),
]


class Session:
    def __init__(self, scheme):
        self.scheme = scheme
        self.lock = CRITICAL_SECTION(f"session ({scheme})")
        self.io = 1                   # IOCount: the pending receive holds the session
        self.released = False
        self.users = 0                # threads inside SendPacket (for the invariant)


def use(s):
    s.users += 1
    yield compute(WORK)               # build and queue the packet
    s.users -= 1


def send_with_lock(s):
    yield EnterCriticalSection(s.lock)
    if s.released:
        yield LeaveCriticalSection(s.lock)
        return False
    yield from use(s)
    yield LeaveCriticalSection(s.lock)
    return True


def release_with_lock(s):
    yield EnterCriticalSection(s.lock)
    s.released = True
    yield LeaveCriticalSection(s.lock)


def send_with_iocount(s):
    count = yield InterlockedIncrement(s, "io")
    if count & RELEASE:                                  # already released: undo and fail
        yield InterlockedDecrement(s, "io")
        return False
    yield from use(s)
    if (yield InterlockedDecrement(s, "io")) == 0:
        yield from try_release(s)
    return True


def try_release(s):
    old = yield InterlockedCompareExchange(s, "io", RELEASE, 0)
    if old == 0:                                         # nobody holds it: release, exactly once
        s.released = True


def release_with_iocount(s):
    if (yield InterlockedDecrement(s, "io")) == 0:       # the receive's hold ends (Recv 0)
        yield from try_release(s)


SCHEMES = {"lock": (send_with_lock, release_with_lock), "iocount": (send_with_iocount, release_with_iocount)}


def sender(s, box):
    send, _ = SCHEMES[s.scheme]
    ok = yield from send(s)
    box.append(ok)


def phase(scheme, contended):
    """SENDERS SendPackets on a fresh session, all at once or one after another."""
    s = Session(scheme)
    yield InitializeCriticalSection(s.lock)
    yield invariant(f"no use after release ({scheme})",
                    lambda: f"a sender uses the released {scheme} session" if s.released and s.users else None)
    yield note("phase", scheme=scheme, contended=contended, edge="start")
    sent, threads = [], []
    for i in range(1, SENDERS + 1):
        name = f"{scheme[0].upper()}{i}" + ("" if contended else "s")      # a thread name is used once: L1, L1s
        threads.append((yield CreateThread(sender, s, sent, name=name)))
        if not contended:
            yield WaitForSingleObject(threads[-1], INFINITE)
    yield WaitForMultipleObjects(threads, True, INFINITE)
    yield note("phase", scheme=scheme, contended=contended, edge="end", sent=sent.count(True))
    return s


def main():
    for contended in (True, False):
        for scheme in ("lock", "iocount"):
            s = yield from phase(scheme, contended)
            if contended:
                continue
            _, release = SCHEMES[scheme]
            yield from release(s)                        # the client left: the worker releases it
            late = []
            t = yield CreateThread(sender, s, late, name=f"late-{scheme}")
            yield WaitForSingleObject(t, INFINITE)
            yield note("late", scheme=scheme, ok=late[0])


def check(outcome):
    assert _took(outcome, "lock", True) == SENDERS * WORK       # one after another, behind the lock
    assert _took(outcome, "iocount", True) == WORK              # side by side on the CPUs
    assert _took(outcome, "lock", False) == _took(outcome, "iocount", False) == WORK
    assert all(n.sent == SENDERS for n in outcome.notes("phase") if n.edge == "end")
    assert [n.ok for n in outcome.notes("late")] == [False, False]
