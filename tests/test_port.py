"""The completion port (KQUEUE): rules A1–A13 and the return cases of GQCS(Ex), F1–F5.

Each test is written from the rule's "Test" line in SEMANTICS.md (the oracle's
corrections win).  Workers that must keep counting as *running* after a dequeue
do ``compute``: a thread inside compute holds its CPU and its port slot.
The ``wine`` profile's deviations (WINE.md) are tested beside the rule they
change: waiters released FIFO, NumberOfConcurrentThreads ignored, closing the
port wakes nobody, GQCSEx entries beat a pending APC.
"""

from helpers import complete, open_file, peek, port_of, port_state, run, thread_of

from kernelsim.win32 import *


def new_port(n=0):
    return CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, n)


def gqcs_worker(port, then_ms=1000, tag="got"):
    """Dequeue one packet, note it, then keep running (holding the port slot)."""
    ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, INFINITE)
    yield note(tag, ok=ok, key=key, nbytes=nbytes, ov=ov)
    yield compute(then_ms)


def got(outcome, tag="got"):
    return [(n.thread, n.key) for n in outcome.notes(tag)]


# --- A1 ------------------------------------------------------------------------------

def test_a1_maximum_defaults_to_cpu_count_and_ignores_n_on_association():
    """A1: MaximumCount = NumberOfConcurrentThreads, or the CPU count for 0; current starts 0, entries empty;
    NumberOfConcurrentThreads is ignored when a handle is associated with an existing port."""
    def main():
        port = yield new_port(0)
        yield port_state("created", port)
        f = yield open_file()
        same = yield CreateIoCompletionPort(f, port, 5, 99)
        yield note("assoc", same=same, port=port)
        yield port_state("after-assoc", port)

    o = run(main, config={"cpus": 4})
    assert o.passed, o.failures
    assert o.note("created").maximum == 4
    assert o.note("created").current == 0 and o.note("created").depth == 0
    assert o.note("assoc").same == o.note("assoc").port       # returns the existing port's handle
    assert o.note("after-assoc").maximum == 4


def test_a1_explicit_concurrency_value():
    """A1: a nonzero NumberOfConcurrentThreads is the port's MaximumCount, whatever the CPU count."""
    def main():
        port = yield new_port(2)
        yield port_state("created", port)

    o = run(main, config={"cpus": 8})
    assert o.note("created").maximum == 2


def test_a1_a_handle_is_associated_with_one_port_only():
    """A1 (MS CreateIoCompletionPort: "a handle can be associated with only one I/O completion port"):
    associating a socket that already has a port, with another port or the same one, fails with 0 /
    ERROR_INVALID_PARAMETER, and its completions still go to the first port with the first key."""
    def main():
        first = yield new_port(0)
        second = yield new_port(0)
        server, client = yield tcp_pair()
        ok = yield CreateIoCompletionPort(server, first, 1, 0)
        again = yield CreateIoCompletionPort(server, second, 2, 0)
        e1 = yield GetLastError()
        same = yield CreateIoCompletionPort(server, first, 3, 0)
        e2 = yield GetLastError()
        yield WSARecv(server, WSABUF(10), OVERLAPPED())
        yield send(client, b"x")
        ok1, n, key, ov = yield GetQueuedCompletionStatus(first, 100)
        ok2, *_ = yield GetQueuedCompletionStatus(second, 0)
        yield note("r", ok=ok == first, again=again, e1=e1, same=same, e2=e2, key=key, ok2=ok2)

    r = run(main).note("r")
    assert (r.ok, r.again, r.e1, r.same, r.e2) == (True, 0, ERROR_INVALID_PARAMETER, 0, ERROR_INVALID_PARAMETER)
    assert (r.key, r.ok2) == (1, False)


def test_a1_misuse_returns_zero_with_windows_errors():
    """A1 (misuse): a bad file handle → 0 / ERROR_INVALID_HANDLE; INVALID_HANDLE_VALUE with an existing port
    → 0 / ERROR_INVALID_PARAMETER; a bad existing port → 0 / ERROR_INVALID_HANDLE."""
    def main():
        port = yield new_port(0)
        r1 = yield CreateIoCompletionPort(12345, None, 0, 0)
        e1 = yield GetLastError()
        r2 = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, port, 0, 0)
        e2 = yield GetLastError()
        f = yield open_file()
        r3 = yield CreateIoCompletionPort(f, 999, 0, 0)
        e3 = yield GetLastError()
        yield note("r", results=[r1, r2, r3], errors=[e1, e2, e3])

    o = run(main)
    assert o.note("r").results == [0, 0, 0]
    assert o.note("r").errors == [ERROR_INVALID_HANDLE, ERROR_INVALID_PARAMETER, ERROR_INVALID_HANDLE]


# --- A2 ------------------------------------------------------------------------------

def a2_main():
    port = yield new_port(2)
    for name in ("T1", "T2"):
        yield CreateThread(gqcs_worker, port, name=name)
        yield Sleep(10)                    # T1 blocks first, then T2
    for key in (1, 2, 3):
        yield PostQueuedCompletionStatus(port, 0, key, None)
        yield port_state(f"after-P{key}", port)
        yield Sleep(10)


def test_a2_insert_hands_packet_to_newest_waiter_while_there_is_room():
    """A2: with current < maximum and a waiter blocked, a posted packet goes straight to the most recently
    blocked waiter (current += 1, never queued); otherwise it is appended to the entries."""
    o = run(a2_main)
    assert o.passed, o.failures
    assert got(o) == [("T2", 1), ("T1", 2)]
    p1, p2, p3 = (o.note(f"after-P{i}") for i in (1, 2, 3))
    assert (p1.current, p1.depth, p1.waiters) == (1, 0, ["T1"])
    assert (p2.current, p2.depth, p2.waiters) == (2, 0, [])
    assert (p3.current, p3.queued) == (2, [3])
    # the hand-off happens at the instant of the post
    assert [n.time for n in o.notes("got")] == [20, 30]


def test_a2_wine_releases_oldest_waiter():
    """A2 under the wine profile (WINE.md, W2 on Wine 8): the hand-off goes to the oldest waiter (FIFO)."""
    o = run(a2_main, profile="wine")
    assert got(o) == [("T1", 1), ("T2", 2)]
    assert o.note("after-P3").queued == [3]


# --- A3 ------------------------------------------------------------------------------

def a3_runner(port):
    ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, INFINITE)      # P0, at once
    yield note("got", key=key)
    yield compute(50)                                                           # running while P1, P2 arrive
    for _ in range(2):
        ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, INFINITE)
        yield note("got", key=key)
        yield port_state("after-runner-gqcs", port)
    yield compute(1000)


def a3_main():
    port = yield new_port(1)
    yield PostQueuedCompletionStatus(port, 0, 0, None)
    yield CreateThread(a3_runner, port, name="T1")
    yield Sleep(1)
    for name in ("T2", "T3"):
        yield CreateThread(gqcs_worker, port, name=name)
        yield Sleep(1)
    yield PostQueuedCompletionStatus(port, 0, 1, None)
    yield PostQueuedCompletionStatus(port, 0, 2, None)
    yield port_state("posted", port)
    yield Sleep(100)
    yield port_state("end", port)


def test_a3_running_thread_takes_queued_packets_before_blocked_waiters():
    """A3: a thread already associated calls GQCS: current -= 1, and if current < maximum with entries queued
    it takes the head packet at once, even though other threads are blocked waiting."""
    o = run(a3_main)
    assert o.passed, o.failures
    posted = o.note("posted")
    assert (posted.current, posted.queued, posted.waiters) == (1, [1, 2], ["T2", "T3"])
    assert got(o) == [("T1", 0), ("T1", 1), ("T1", 2)]
    # T1 did not block: it got P1 and P2 the moment its compute ended (t=50)
    assert [n.time for n in o.notes("got")][1:] == [50, 50]
    assert [b.thread for b in o.trace if b.kind == "block" and b.thread == "T1"] == []
    end = o.note("end")
    assert (end.current, end.waiters, end.depth) == (1, ["T2", "T3"], 0)


def test_a3_wine_has_no_concurrency_limit():
    """A3 under the wine profile (W1): NumberOfConcurrentThreads is ignored, so the blocked waiters get
    P1 and P2 at once (oldest first) while T1 is still running."""
    o = run(a3_main, profile="wine")
    assert ("T2", 1) in got(o) and ("T3", 2) in got(o)
    assert o.note("posted").queued == []


# --- A4 ------------------------------------------------------------------------------

def a4_main():
    port = yield new_port(8)
    for name in ("T1", "T2", "T3"):
        yield CreateThread(gqcs_worker, port, name=name)
        yield Sleep(10)
    for key in ("A", "B", "C"):
        yield PostQueuedCompletionStatus(port, 0, key, None)
        yield Sleep(10)


def test_a4_waiters_released_lifo():
    """A4: waiters are released newest first: T1, T2, T3 block in that order; posts A, B, C at distinct
    instants give T3←A, T2←B, T1←C."""
    o = run(a4_main)
    assert got(o) == [("T3", "A"), ("T2", "B"), ("T1", "C")]


def test_a4_wine_releases_waiters_fifo():
    """A4 under the wine profile (W2, Wine 8): waiters are released oldest first: T1←A, T2←B, T3←C."""
    o = run(a4_main, profile="wine")
    assert got(o) == [("T1", "A"), ("T2", "B"), ("T3", "C")]


def test_a4_packets_are_consumed_fifo():
    """A4: packets are consumed oldest first: A, B, C queued with no waiter come out A, B, C."""
    def main():
        port = yield new_port(1)
        for key in ("A", "B", "C"):
            yield PostQueuedCompletionStatus(port, 0, key, None)
        for _ in range(3):
            ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, 0)
            yield note("got", key=key)

    assert [k for _, k in got(run(main))] == ["A", "B", "C"]


# --- A5, A6 --------------------------------------------------------------------------

def a5_runner(port, event):
    ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, INFINITE)      # P0 at t=0
    yield note("got", key=key)
    yield compute(10)
    r = yield WaitForSingleObject(event, INFINITE)                              # t=10
    yield note("t1-woke", result=r)
    yield compute(20)
    ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, INFINITE)
    yield note("got", key=key)
    yield port_state("t1-took", port)
    yield compute(1000)


def a5_t2(port):
    ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, INFINITE)
    yield note("got", key=key)
    yield compute(20)                                                           # t=10..30
    ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, INFINITE)       # blocks though P2 is queued
    yield note("got", key=key)


def a5_main(signalled=False):
    port = yield new_port(1)
    event = yield CreateEvent(None, False, signalled, None)
    yield PostQueuedCompletionStatus(port, 0, "P0", None)
    yield CreateThread(a5_runner, port, event, name="T1")
    yield Sleep(1)
    yield CreateThread(a5_t2, port, name="T2")
    yield Sleep(1)
    yield PostQueuedCompletionStatus(port, 0, "P1", None)
    yield port_state("p1-posted", port)
    yield Sleep(20)                                                             # t=22
    yield port_state("before-set", port)
    yield SetEvent(event)
    yield port_state("t1-woken", port)
    yield PostQueuedCompletionStatus(port, 0, "P2", None)
    yield port_state("p2-posted", port)
    yield Sleep(13)                                                             # t=35: T2 blocked, P2 queued
    yield port_state("t2-blocked", port)
    yield Sleep(100)


def test_a5_blocking_elsewhere_releases_a_waiter():
    """A5: max=1; T1 runs after a dequeue, T2 blocks in GQCS, P1 stays queued.  When T1 blocks in
    WaitForSingleObject on an unsignalled event, T2 is released with P1 at that same instant."""
    o = run(a5_main)
    assert o.passed, o.failures
    p1 = o.note("p1-posted")
    assert (p1.current, p1.queued, p1.waiters) == (1, ["P1"], ["T2"])
    t2_got = [n for n in o.notes("got") if n.thread == "T2"][0]
    assert t2_got.key == "P1" and t2_got.time == 10             # the instant T1 blocked
    assert o.note("before-set").current == 1                    # T2 running, T1 blocked


def test_a5_wait_satisfied_at_once_does_not_release():
    """A5 variant: the event is already signalled, so T1's wait does not block and T2 stays blocked."""
    o = run(a5_main, args=(True,))
    assert o.note("t1-woke").time == 10 and o.note("t1-woke").result == WAIT_OBJECT_0
    assert [n.key for n in o.notes("got") if n.thread == "T2"] == []
    assert o.note("before-set").waiters == ["T2"] and o.note("before-set").queued == ["P1"]


def test_a5_sleep_releases_a_waiter_but_zero_timeout_does_not():
    """A5: a Sleep that really blocks releases the port slot (the newest waiter gets the queued packet at that
    instant); Sleep(0) and WaitForSingleObject with timeout 0 return at once and do not touch CurrentCount."""
    def runner(port):
        yield GetQueuedCompletionStatus(port, INFINITE)
        yield compute(5)
        yield Sleep(0)
        event = yield CreateEvent(None, True, False, None)
        r = yield WaitForSingleObject(event, 0)
        yield note("zero-wait", result=r)
        yield port_state("after-zero-waits", port)
        yield Sleep(5)
        yield compute(1000)

    def main():
        port = yield new_port(1)
        yield PostQueuedCompletionStatus(port, 0, "P0", None)
        yield CreateThread(runner, port, name="T1")
        yield Sleep(1)
        yield CreateThread(gqcs_worker, port, name="T2")
        yield Sleep(1)
        yield PostQueuedCompletionStatus(port, 0, "P1", None)
        yield Sleep(20)

    o = run(main, config={"cpus": 4})
    assert o.note("zero-wait").result == WAIT_TIMEOUT
    z = o.note("after-zero-waits")
    assert (z.current, z.queued, z.waiters, z.time) == (1, ["P1"], ["T2"], 5)
    assert (o.note("got").thread, o.note("got").key, o.note("got").time) == ("T2", "P1", 5)


def test_a6_waking_counts_again_and_can_exceed_maximum():
    """A6: continuing A5, the event is set: T1 wakes and current == 2 > maximum.  P2 is queued, not handed
    out; T2's GQCS (current 2→1) blocks although P2 is queued; T1's GQCS (1→0) takes P2, current == 1."""
    o = run(a5_main)
    assert o.note("t1-woken").current == 2
    p2 = o.note("p2-posted")
    assert (p2.current, p2.queued, p2.waiters) == (2, ["P2"], [])
    blocked = o.note("t2-blocked")
    assert (blocked.current, blocked.queued, blocked.waiters) == (1, ["P2"], ["T2"])
    took = o.note("t1-took")
    assert o.notes("got")[-1].thread == "T1" and o.notes("got")[-1].key == "P2"
    assert (took.current, took.depth, took.waiters) == (1, 0, ["T2"])


def test_a5_a6_wine_blocking_changes_nothing():
    """A5/A6 under the wine profile (W1): there is no CurrentCount limit, so P1 goes to T2 the moment it is
    posted, not when T1 blocks."""
    o = run(a5_main, profile="wine")
    t2_got = [n for n in o.notes("got") if n.thread == "T2"][0]
    assert t2_got.key == "P1" and t2_got.time == 2


# --- A7 ------------------------------------------------------------------------------

def test_a7_gqcs_on_another_port_moves_the_association():
    """A7: T1 runs on P (max 1), T2 waits on P, Pp is queued.  T1 calls GQCS(Q) with Q empty: at that
    instant T2 gets Pp (P.current 1→0→1) and T1 blocks on Q with Q.current == 0, associated with Q only."""
    def t1(p, q):
        yield GetQueuedCompletionStatus(p, INFINITE)
        yield compute(10)
        ok, nbytes, key, ov = yield GetQueuedCompletionStatus(q, INFINITE)
        yield note("t1-q", key=key)

    def main():
        p = yield new_port(1)
        q = yield new_port(1)
        yield PostQueuedCompletionStatus(p, 0, "P0", None)
        yield CreateThread(t1, p, q, name="T1")
        yield Sleep(1)
        yield CreateThread(gqcs_worker, p, name="T2")
        yield Sleep(1)
        yield PostQueuedCompletionStatus(p, 0, "Pp", None)
        yield port_state("p-before", p)
        yield Sleep(20)
        yield port_state("p-after", p)
        yield port_state("q-after", q)
        yield PostQueuedCompletionStatus(q, 0, "Q1", None)
        yield Sleep(5)

    o = run(main)
    assert o.passed, o.failures
    assert o.note("p-before").queued == ["Pp"]
    assert (o.note("got").thread, o.note("got").key, o.note("got").time) == ("T2", "Pp", 10)
    pa, qa = o.note("p-after"), o.note("q-after")
    assert (pa.current, pa.threads) == (1, ["T2"])
    assert (qa.current, qa.waiters, qa.threads) == (0, ["T1"], ["T1"])
    assert o.note("t1-q").key == "Q1"


# --- A8 ------------------------------------------------------------------------------

def a8_main(end):
    def t1(port):
        yield GetQueuedCompletionStatus(port, INFINITE)
        yield compute(10)
        if end == "ExitThread":
            yield ExitThread(0)
            yield note("never")
        # returning from the thread function ends the thread too

    port = yield new_port(1)
    yield PostQueuedCompletionStatus(port, 0, "P0", None)
    yield CreateThread(t1, port, name="T1")
    yield Sleep(1)
    yield CreateThread(gqcs_worker, port, name="T2")
    yield Sleep(1)
    yield PostQueuedCompletionStatus(port, 0, "P1", None)
    yield port_state("queued", port)
    yield Sleep(20)
    yield port_state("end", port)


def test_a8_thread_exit_releases_its_slot():
    """A8: max=1; T1 runs, T2 waits, P1 stays queued.  T1 calls ExitThread: T2 receives P1 at that instant,
    and T1 is no longer associated."""
    o = run(a8_main, args=("ExitThread",))
    assert o.note("queued").queued == ["P1"]
    assert (o.note("got").thread, o.note("got").key, o.note("got").time) == ("T2", "P1", 10)
    assert o.notes("never") == []
    end = o.note("end")
    assert (end.current, end.threads) == (1, ["T2"])
    assert thread_of(o, "T1").queue is None


def test_a8_returning_from_the_thread_function_is_an_exit():
    """A8: a thread that returns from its function terminates, with the same effect as ExitThread."""
    o = run(a8_main, args=("return",))
    assert (o.note("got").thread, o.note("got").key, o.note("got").time) == ("T2", "P1", 10)


# --- A9 ------------------------------------------------------------------------------

def a9_main():
    def t2(port):
        r = yield GetQueuedCompletionStatus(port, 0)
        err = yield GetLastError()
        yield note("t2", result=r, err=err)
        yield port_state("after-t2", port)

    port = yield new_port(1)
    yield PostQueuedCompletionStatus(port, 0, "P0", None)
    yield CreateThread(gqcs_worker, port, name="T1")
    yield Sleep(1)
    yield PostQueuedCompletionStatus(port, 0, "P1", None)
    yield CreateThread(t2, port, name="T2")
    yield Sleep(5)


def test_a9_zero_timeout_fails_while_packets_are_queued():
    """A9: max=1, T1 runs after a dequeue, P1 is queued.  T2 (not yet associated) calls GQCS(port, 0): it
    returns FALSE / WAIT_TIMEOUT with ov NULL and P1 stays queued.  (The Test line says current==1; ReactOS
    KeRemoveQueue's timeout path does CurrentCount++ for the now-associated, running T2, so current == 2 —
    T1 and T2 both associated and running — which is what the model and the CurrentCount invariant give.)"""
    o = run(a9_main)
    t2 = o.note("t2")
    assert t2.result == (False, 0, 0, None) and t2.err == WAIT_TIMEOUT
    after = o.note("after-t2")
    assert after.queued == ["P1"]
    assert after.threads == ["T1", "T2"] and after.current == 2


def test_a9_wine_zero_timeout_takes_the_packet():
    """A9 under the wine profile (W1): no concurrency limit, so GQCS(port, 0) takes the queued P1."""
    o = run(a9_main, profile="wine")
    assert o.note("t2").result == (True, 0, "P1", None)


def test_a9_timeout_elapses_at_the_right_time():
    """A9/F3: GQCS(empty port, 10 ms) returns FALSE, ov NULL, WAIT_TIMEOUT at t = 10 ms, and the thread
    counts as running again."""
    def main():
        port = yield new_port(1)
        r = yield GetQueuedCompletionStatus(port, 10)
        err = yield GetLastError()
        yield note("r", result=r, err=err)
        yield port_state("after", port)

    o = run(main)
    assert (o.note("r").result, o.note("r").err, o.note("r").time) == ((False, 0, 0, None), WAIT_TIMEOUT, 10)
    assert o.note("after").current == 1


# --- A10 -----------------------------------------------------------------------------

def a10_main(ex=False):
    def waiter(port):
        if ex:
            r = yield GetQueuedCompletionStatusEx(port, 4, INFINITE, True)
        else:
            r = yield GetQueuedCompletionStatus(port, INFINITE)
        err = yield GetLastError()
        yield note("woke", result=r, err=err)

    port = yield new_port(0)
    yield CreateThread(waiter, port, name="T1")
    yield Sleep(10)
    ok = yield CloseHandle(port)
    yield note("closed", ok=ok)
    yield Sleep(10)
    r = yield GetQueuedCompletionStatus(port, 0)
    err = yield GetLastError()
    yield note("after-close", result=r, err=err)


def test_a10_closing_the_port_abandons_waiters():
    """A10 (oracle 1.16): T1 blocks in GQCS(INFINITE); closing the port handle makes it return FALSE,
    ov NULL, ERROR_ABANDONED_WAIT_0 (735) at that instant.  A later GQCS on the closed handle fails with
    ERROR_INVALID_HANDLE."""
    o = run(a10_main)
    assert o.note("closed").ok is True
    woke = o.note("woke")
    assert (woke.result, woke.err, woke.time) == ((False, 0, 0, None), ERROR_ABANDONED_WAIT_0, 10)
    assert o.note("after-close").result == (False, 0, 0, None)
    assert o.note("after-close").err == ERROR_INVALID_HANDLE


def test_a10_gqcsex_also_abandoned():
    """A10 / F4: an alertable GQCSEx waiter also returns FALSE with 735 and 0 entries when the port closes."""
    o = run(a10_main, args=(True,))
    assert (o.note("woke").result, o.note("woke").err) == ((False, []), ERROR_ABANDONED_WAIT_0)


def test_a10_xp_and_wine_waiters_keep_waiting():
    """A10, XP/2003 flag and the wine profile (WINE.md: Wine 8's waiter never wakes): closing the port does
    not wake T1."""
    for profile in ("xp", "wine"):
        o = run(a10_main, profile=profile)
        assert o.notes("woke") == [], profile
        assert thread_of(o, "T1").state == "waiting"


def test_a10_queued_packets_are_freed_when_the_port_goes():
    """A10: when the port object is deleted its queued packets are discarded and their memory freed."""
    def main():
        port = yield new_port(0)
        for key in range(3):
            yield PostQueuedCompletionStatus(port, 0, key, None)
        yield peek("before", lambda k: {"npp": k.pool.npp})
        yield CloseHandle(port)
        yield peek("after", lambda k: {"npp": k.pool.npp})

    o = run(main)
    assert o.note("before").npp == 3 * 56 and o.note("after").npp == 0
    assert port_of(o).depth() == 0


# --- A11 -----------------------------------------------------------------------------

def test_a11_posted_null_packet_is_a_success():
    """A11 (oracle 1.2, 1.3): PQCS(port, 123, 456, &ov) gives GQCS TRUE/123/456/&ov; PQCS(port, 0, 0, NULL)
    gives GQCS TRUE with bytes 0, key 0, ov NULL (the shutdown sentinel)."""
    def main():
        port = yield new_port(0)
        ov = OVERLAPPED()
        a = yield PostQueuedCompletionStatus(port, 123, 456, ov)
        b = yield PostQueuedCompletionStatus(port, 0, 0, None)
        r1 = yield GetQueuedCompletionStatus(port, 0)
        r2 = yield GetQueuedCompletionStatus(port, 0)
        yield note("r", posted=[a, b], r1=r1, r2=r2, same=r1[3] is ov)

    n = run(main).note("r")
    assert n.posted == [True, True]
    assert n.r1[:3] == (True, 123, 456) and n.same
    assert n.r2 == (True, 0, 0, None)


def test_a11_posted_packet_obeys_the_concurrency_limit():
    """A11: a posted packet follows A2: with max=1 and one thread running, it is not delivered to a waiter
    until the runner calls GQCS (it takes it itself) or blocks."""
    def runner(port):
        yield GetQueuedCompletionStatus(port, INFINITE)
        yield compute(10)
        ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, INFINITE)
        yield note("runner", key=key)
        yield compute(1000)

    def main():
        port = yield new_port(1)
        yield PostQueuedCompletionStatus(port, 0, "P0", None)
        yield CreateThread(runner, port, name="T1")
        yield Sleep(1)
        yield CreateThread(gqcs_worker, port, name="T2")
        yield Sleep(1)
        yield PostQueuedCompletionStatus(port, 0, "P1", None)
        yield port_state("posted", port)
        yield Sleep(20)

    o = run(main)
    assert o.note("posted").queued == ["P1"] and o.note("posted").waiters == ["T2"]
    assert (o.note("runner").key, o.note("runner").time) == ("P1", 10)
    assert o.notes("got") == []


def test_a11_mini_packet_memory_and_failure():
    """A11/E7: each posted packet holds a 56-byte mini-packet until dequeued; when non-paged pool cannot
    hold one, PQCS fails with ERROR_NO_SYSTEM_RESOURCES (1450) and nothing is queued."""
    def main():
        port = yield new_port(0)
        ok1 = yield PostQueuedCompletionStatus(port, 0, 1, None)
        yield peek("one", lambda k: {"npp": k.pool.npp})
        ok2 = yield PostQueuedCompletionStatus(port, 0, 2, None)
        err = yield GetLastError()
        yield port_state("state", port)
        yield GetQueuedCompletionStatus(port, 0)
        yield peek("drained", lambda k: {"npp": k.pool.npp})
        yield note("r", ok=[ok1, ok2], err=err)

    o = run(main, config={"npp_limit": 100})
    assert o.note("one").npp == 56
    assert o.note("r").ok == [True, False] and o.note("r").err == ERROR_NO_SYSTEM_RESOURCES
    assert o.note("state").queued == [1]
    assert o.note("drained").npp == 0


# --- A12 -----------------------------------------------------------------------------

def test_a12_depth_counts_queued_packets_not_waiters():
    """A12: three packets posted with no waiter give depth 3; a thread dequeues one and depth is 2."""
    def main():
        port = yield new_port(0)
        for key in range(3):
            yield PostQueuedCompletionStatus(port, 0, key, None)
        yield port_state("three", port)
        yield GetQueuedCompletionStatus(port, 0)
        yield port_state("two", port)

    o = run(main)
    assert o.note("three").depth == 3 and o.note("two").depth == 2
    assert port_of(o).depth() == 2


# --- A13 -----------------------------------------------------------------------------

def test_a13_gqcsex_removes_a_batch_in_fifo_order_and_counts_once():
    """A13 (oracle 1.4, 1.6): five queued packets; GQCSEx(count=3) returns 3 entries in FIFO order in one
    call, depth is then 2, and the caller counts once towards CurrentCount."""
    def main():
        port = yield new_port(1)
        for key in range(5):
            yield PostQueuedCompletionStatus(port, key * 10, key, None)
        ok, entries = yield GetQueuedCompletionStatusEx(port, 3, 0, False)
        yield note("r", ok=ok, keys=[e.key for e in entries], nbytes=[e.nbytes for e in entries],
                   status=[e.status for e in entries])
        yield port_state("after", port)
        ok, entries = yield GetQueuedCompletionStatusEx(port, 1, 0, False)
        yield note("one", keys=[e.key for e in entries])

    o = run(main)
    r = o.note("r")
    assert r.ok is True and r.keys == [0, 1, 2] and r.nbytes == [0, 10, 20] and r.status == [0, 0, 0]
    assert (o.note("after").depth, o.note("after").current) == (2, 1)
    assert o.note("one").keys == [3]


def test_a13_gqcsex_timeout_returns_false_and_no_entries():
    """A13/F4 (oracle 1.5): GQCSEx on an empty port times out: FALSE, WAIT_TIMEOUT, 0 entries (the model
    reports 0 where Wine reports 1, W7)."""
    def main():
        port = yield new_port(0)
        r = yield GetQueuedCompletionStatusEx(port, 4, 5, False)
        err = yield GetLastError()
        yield note("r", result=r, err=err)

    o = run(main)
    assert (o.note("r").result, o.note("r").err, o.note("r").time) == ((False, []), WAIT_TIMEOUT, 5)


def test_a13_invalid_count_is_invalid_parameter():
    """A13 (misuse): GQCSEx with ulCount 0 fails with ERROR_INVALID_PARAMETER."""
    def main():
        port = yield new_port(0)
        r = yield GetQueuedCompletionStatusEx(port, 0, 0, False)
        err = yield GetLastError()
        yield note("r", result=r, err=err)

    assert (run(main).note("r").result, run(main).note("r").err) == ((False, []), ERROR_INVALID_PARAMETER)


# --- F1–F5 ---------------------------------------------------------------------------

def test_f1_success_packet_returns_true_with_outputs():
    """F1: GQCS returns TRUE for a dequeued success packet, with its bytes, key and ov; ov may be NULL only
    for a posted packet; TRUE with 0 bytes is a valid success (a posted 0)."""
    def main():
        port = yield new_port(0)
        ov = OVERLAPPED(op="read")
        yield complete(port, 7, ov, STATUS_SUCCESS, 512)
        yield PostQueuedCompletionStatus(port, 0, 8, None)
        r1 = yield GetQueuedCompletionStatus(port, 0)
        r2 = yield GetQueuedCompletionStatus(port, 0)
        yield note("r", r1=r1[:3], same=r1[3] is ov, r2=r2)

    n = run(main).note("r")
    assert n.r1 == (True, 512, 7) and n.same
    assert n.r2 == (True, 0, 8, None)


def test_f2_failed_io_packet_returns_false_with_ov():
    """F2 (oracle 1.13): a packet for a failed I/O makes GQCS return FALSE with ov != NULL, bytes and key
    valid, and GetLastError = RtlNtStatusToDosError(status): STATUS_CANCELLED → 995,
    STATUS_CONNECTION_RESET → 64, STATUS_CONNECTION_ABORTED → 1236."""
    cases = [(STATUS_CANCELLED, ERROR_OPERATION_ABORTED), (STATUS_CONNECTION_RESET, ERROR_NETNAME_DELETED),
             (STATUS_CONNECTION_ABORTED, ERROR_CONNECTION_ABORTED)]

    def main():
        port = yield new_port(0)
        for i, (status, _) in enumerate(cases):
            ov = OVERLAPPED(op=f"io{i}")
            yield complete(port, 100 + i, ov, status, 3)
            ok, nbytes, key, got_ov = yield GetQueuedCompletionStatus(port, 0)
            err = yield GetLastError()
            yield note("r", ok=ok, nbytes=nbytes, key=key, same=got_ov is ov, err=err)

    notes = run(main).notes("r")
    assert [(n.ok, n.nbytes, n.key, n.same) for n in notes] == [(False, 3, 100 + i, True) for i in range(3)]
    assert [n.err for n in notes] == [err for _, err in cases]


def test_f3_no_packet_returns_false_with_null_ov():
    """F3: FALSE with ov NULL means nothing was dequeued; GetLastError tells why: WAIT_TIMEOUT (258) on a
    timeout (at t = 10 ms for a 10 ms timeout), ERROR_INVALID_HANDLE for a bad handle (port close: A10)."""
    def main():
        port = yield new_port(0)
        r = yield GetQueuedCompletionStatus(port, 10)
        err = yield GetLastError()
        yield note("timeout", result=r, err=err)
        r = yield GetQueuedCompletionStatus(0x7777, INFINITE)
        err = yield GetLastError()
        yield note("bad", result=r, err=err)

    o = run(main)
    t = o.note("timeout")
    assert (t.result[0], t.result[3], t.err, t.time) == (False, None, WAIT_TIMEOUT, 10)
    b = o.note("bad")
    assert (b.result[0], b.result[3], b.err, b.time) == (False, None, ERROR_INVALID_HANDLE, 10)


def test_f4_gqcsex_mixed_batch_is_true_with_per_entry_status():
    """F4: a mixed batch [ok, cancelled] → TRUE, n=2, and only entry[1].Internal shows STATUS_CANCELLED."""
    def main():
        port = yield new_port(0)
        yield complete(port, 1, OVERLAPPED(), STATUS_SUCCESS, 10)
        yield complete(port, 2, OVERLAPPED(), STATUS_CANCELLED, 0)
        yield SetLastError(0)
        ok, entries = yield GetQueuedCompletionStatusEx(port, 8, 0, False)
        err = yield GetLastError()
        yield note("r", ok=ok, n=len(entries), internal=[e.Internal for e in entries],
                   nbytes=[e.dwNumberOfBytesTransferred for e in entries], err=err)

    r = run(main).note("r")
    assert (r.ok, r.n, r.internal, r.nbytes) == (True, 2, [STATUS_SUCCESS, STATUS_CANCELLED], [10, 0])


def test_f5_sentinel_and_timeout_both_have_null_ov():
    """F5: PQCS(port, 0, 0, NULL) yields TRUE with ov NULL, a timeout yields FALSE with ov NULL: only the
    return value tells them apart."""
    def main():
        port = yield new_port(0)
        yield PostQueuedCompletionStatus(port, 0, 0, None)
        sentinel = yield GetQueuedCompletionStatus(port, 0)
        timeout = yield GetQueuedCompletionStatus(port, 0)
        yield note("r", sentinel=sentinel, timeout=timeout)

    r = run(main).note("r")
    assert r.sentinel[3] is None and r.timeout[3] is None
    assert r.sentinel[0] is True and r.timeout[0] is False
