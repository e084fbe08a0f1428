"""Completion-port rules that a wrong model could break while the older tests still passed (issue 14).

Each test is written from its rule in SEMANTICS.md / WINDOWS_ORACLE.md and
observes what a student would see: who wakes, when, with which packets, and
what GQCS(Ex) returns.  The cases are the ones a mutation sample showed to be
unpinned: a concurrency limit of 1 (the older tests mostly use the CPU count),
batches handed to a *blocked* GQCSEx, direct waits on the port handle.
"""

from helpers import port_state, run

from kernelsim.win32 import *


def new_port(n):
    return CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, n)


def took(tag):
    """A worker: one GQCS, noted with the time, then it keeps its slot busy."""
    def worker(port):
        ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, INFINITE)
        yield note(tag, key=key)
        yield compute(1000)
    return worker


# --- A5 / A6: a blocking thread gives its slot away only when there is room -------------------

def test_a5_a6_a_blocking_thread_releases_no_waiter_while_current_stays_at_the_maximum():
    """A5 + A6: max 1.  T1 and T2 both run associated (T1 woke from an event: A6 counts it again, so
    CurrentCount is 2).  P2 is queued for the blocked T3.  When T2 then blocks elsewhere, CurrentCount
    drops to 1, which is not below the maximum: T3 stays blocked and P2 stays queued.  Only when T1 blocks
    too (CurrentCount 0) does T3 get P2."""
    def t1(port, event):
        yield GetQueuedCompletionStatus(port, INFINITE)           # P0: associated, running
        yield WaitForSingleObject(event, INFINITE)                # blocks (A5), wakes at t=10 (A6)
        yield compute(20)                                         # running until t=30
        yield Sleep(100)                                          # blocks at t=30: now there is room

    def t2(port):
        yield GetQueuedCompletionStatus(port, INFINITE)           # P1 (T1 was blocked: room)
        yield compute(15)                                         # running until t=20 (since t=5)
        yield Sleep(100)                                          # blocks at t=20: 2 -> 1, no room

    def main():
        port = yield new_port(1)
        event = yield CreateEvent(None, False, False, None)
        yield PostQueuedCompletionStatus(port, 0, "P0", None)
        yield CreateThread(t1, port, event, name="T1")
        yield Sleep(5)
        yield PostQueuedCompletionStatus(port, 0, "P1", None)
        yield CreateThread(t2, port, name="T2")
        yield Sleep(5)                                            # t=10
        yield SetEvent(event)                                     # T1 wakes: CurrentCount 2
        yield port_state("both-running", port)
        yield CreateThread(took("t3"), port, name="T3")
        yield Sleep(1)
        yield PostQueuedCompletionStatus(port, 0, "P2", None)    # no room: queued
        yield Sleep(14)                                           # t=25: T2 blocked at 20
        yield port_state("t2-blocked", port)
        yield Sleep(20)

    o = run(main, config={"cpus": 4})
    assert o.passed, o.failures
    assert o.note("both-running").current == 2
    after = o.note("t2-blocked")
    assert (after.current, after.queued) == (1, ["P2"])
    assert [(n.key, n.time) for n in o.notes("t3")] == [("P2", 30)]


# --- C6 with A3: an associated thread's own slot counts as free for GQCSEx ---------------------

def test_c6_a3_associated_running_thread_gets_the_entry_before_its_apc_with_max_1():
    """C6 (oracle 1.9) with A3: max 1; the thread dequeued from this port before and is its one running
    thread (CurrentCount 1).  With an APC pending and an entry queued, GQCSEx(alertable) first stops counting
    the caller (A3 step 1), so there is room: it returns TRUE with the entry, the APC still queued."""
    def apc(data):
        yield note("apc", data=data)

    def main():
        me = yield GetCurrentThread()
        port = yield new_port(1)
        yield PostQueuedCompletionStatus(port, 0, "warm", None)
        yield GetQueuedCompletionStatus(port, 0)                  # associated; CurrentCount 1
        yield PostQueuedCompletionStatus(port, 0, "E1", None)
        yield QueueUserAPC(apc, me, "f")
        ok, entries = yield GetQueuedCompletionStatusEx(port, 4, 0, True)
        err = yield GetLastError()
        yield note("first", ok=ok, keys=[e.key for e in entries], err=err if not ok else 0)
        yield SleepEx(0, True)                                    # f runs here, not before

    o = run(main)
    assert (o.note("first").ok, o.note("first").keys) == (True, ["E1"])
    assert [n.tag for n in o.notes()] == ["first", "apc"]


# --- A13: a batch handed to a blocked GQCSEx ---------------------------------------------------

def test_a13_batch_given_to_a_released_waiter_is_in_fifo_order():
    """A13 with A5: max 1, T1 runs, T2 is blocked in GQCSEx(count 3); A, B, C are queued (no room).  When
    T1 blocks elsewhere, T2 is released with one batch: A, B, C in FIFO order, and the port is empty."""
    def t1(port):
        yield GetQueuedCompletionStatus(port, INFINITE)
        yield compute(10)
        yield Sleep(100)

    def t2(port):
        ok, entries = yield GetQueuedCompletionStatusEx(port, 3, INFINITE, False)
        yield note("batch", ok=ok, keys=[e.key for e in entries])

    def main():
        port = yield new_port(1)
        yield PostQueuedCompletionStatus(port, 0, "P0", None)
        yield CreateThread(t1, port, name="T1")
        yield Sleep(1)
        yield CreateThread(t2, port, name="T2")
        yield Sleep(1)
        for key in ("A", "B", "C"):
            yield PostQueuedCompletionStatus(port, 0, key, None)
        yield Sleep(20)
        yield port_state("end", port)

    o = run(main)
    batch = o.note("batch")
    assert (batch.ok, batch.keys, batch.time) == (True, ["A", "B", "C"], 10)
    assert o.note("end").depth == 0


def test_a13_released_waiter_takes_no_more_than_its_count():
    """A13: a blocked GQCSEx(count 2) released with a queue of three takes two, in FIFO order; the third
    stays queued for the next caller."""
    def t1(port):
        yield GetQueuedCompletionStatus(port, INFINITE)
        yield compute(10)
        yield Sleep(100)

    def t2(port):
        ok, entries = yield GetQueuedCompletionStatusEx(port, 2, INFINITE, False)
        yield note("batch", keys=[e.key for e in entries])
        yield compute(1000)

    def main():
        port = yield new_port(1)
        yield PostQueuedCompletionStatus(port, 0, "P0", None)
        yield CreateThread(t1, port, name="T1")
        yield Sleep(1)
        yield CreateThread(t2, port, name="T2")
        yield Sleep(1)
        for key in ("A", "B", "C"):
            yield PostQueuedCompletionStatus(port, 0, key, None)
        yield Sleep(20)
        yield port_state("end", port)

    o = run(main)
    assert o.note("batch").keys == ["A", "B"]
    assert o.note("end").queued == ["C"]


# --- oracle 1.15: a thread waiting on the port handle itself ------------------------------------

def test_oracle_1_15_a_packet_wakes_a_thread_blocked_on_the_port_handle():
    """Oracle 1.15: the port handle is signalled while its queue is non-empty.  A thread blocked in
    WaitForSingleObject(port, INFINITE) wakes with WAIT_OBJECT_0 at the instant a packet is queued, and
    the wait takes nothing: the packet is still there for GQCS."""
    def waiter(port):
        r = yield WaitForSingleObject(port, INFINITE)
        yield note("woke", result=r)

    def main():
        port = yield new_port(1)
        yield CreateThread(waiter, port, name="W")
        yield Sleep(5)
        yield PostQueuedCompletionStatus(port, 0, "P", None)
        yield Sleep(1)
        ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, 0)
        yield note("gqcs", ok=ok, key=key)

    o = run(main)
    assert (o.note("woke").result, o.note("woke").time) == (WAIT_OBJECT_0, 5)
    assert (o.note("gqcs").ok, o.note("gqcs").key) == (True, "P")


def test_oracle_1_15_one_packet_wakes_both_direct_waiters():
    """Oracle 1.15: both threads blocked on the port handle are woken by one packet (waiting does not
    consume the port's signal)."""
    def waiter(port):
        r = yield WaitForSingleObject(port, INFINITE)
        yield note("woke", result=r)

    def main():
        port = yield new_port(1)
        for name in ("W1", "W2"):
            yield CreateThread(waiter, port, name=name)
        yield Sleep(5)
        yield PostQueuedCompletionStatus(port, 0, "P", None)
        yield Sleep(1)

    o = run(main)
    assert sorted((n.thread, n.result, n.time) for n in o.notes("woke")) == [
        ("W1", WAIT_OBJECT_0, 5), ("W2", WAIT_OBJECT_0, 5)]


def test_oracle_1_15_a_gqcs_waiter_takes_the_packet_and_the_direct_waiter_times_out():
    """Oracle 1.15: with a thread blocked in GQCS, the packet goes straight to it (A2) and is never queued,
    so a thread waiting on the port handle is not woken: its wait times out."""
    def waiter(port):
        r = yield WaitForSingleObject(port, 20)
        yield note("direct", result=r)

    def main():
        port = yield new_port(1)
        yield CreateThread(took("gqcs"), port, name="G")
        yield CreateThread(waiter, port, name="W")
        yield Sleep(5)
        yield PostQueuedCompletionStatus(port, 0, "P", None)
        yield Sleep(30)

    o = run(main)
    assert [(n.thread, n.key, n.time) for n in o.notes("gqcs")] == [("G", "P", 5)]
    assert (o.note("direct").result, o.note("direct").time) == (WAIT_TIMEOUT, 20)


def test_c6_a3_with_currentcount_above_the_maximum_the_apc_wins_and_the_entry_stays():
    """C6 (oracle 1.9) with A3 and A6: max 1; the caller is associated and running, and another associated
    thread woke from an event (A6), so CurrentCount is 2.  Its GQCSEx(alertable) stops counting itself (2→1)
    but 1 is not below the maximum: no entry is available to it, so it would block — and with an APC pending
    the alertable wait runs the APC and returns FALSE / WAIT_IO_COMPLETION; the entry stays queued."""
    def apc(data):
        yield note("apc", data=data)

    def other(port, event):
        yield GetQueuedCompletionStatus(port, INFINITE)           # associated
        yield WaitForSingleObject(event, INFINITE)                # blocks, then wakes: CurrentCount + 1
        yield compute(100)

    def main():
        me = yield GetCurrentThread()
        port = yield new_port(1)
        event = yield CreateEvent(None, False, False, None)
        yield PostQueuedCompletionStatus(port, 0, "O", None)
        yield CreateThread(other, port, event, name="T2")
        yield Sleep(1)                                            # T2 took O and blocks on the event
        yield PostQueuedCompletionStatus(port, 0, "warm", None)
        yield GetQueuedCompletionStatus(port, 0)                  # main: associated, CurrentCount 1
        yield SetEvent(event)                                     # T2 wakes: CurrentCount 2
        yield PostQueuedCompletionStatus(port, 0, "E1", None)
        yield QueueUserAPC(apc, me, "f")
        ok, entries = yield GetQueuedCompletionStatusEx(port, 4, 0, True)
        yield note("r", ok=ok, n=len(entries), err=(yield GetLastError()))
        yield port_state("after", port)

    o = run(main)
    assert (o.note("r").ok, o.note("r").n, o.note("r").err) == (False, 0, WAIT_IO_COMPLETION)
    assert [n.data for n in o.notes("apc")] == ["f"]
    assert o.note("after").queued == ["E1"]



def test_c6_w1_w5_on_wine_10_the_associated_thread_gets_the_entry_whatever_currentcount_says():
    """C6 on Wine 10 (WINE.md/SEMANTICS W1 + W5): Wine has no concurrency limit, and ``remove_completion``
    lets an APC win only unless an entry is available *and* the caller is associated with this port.  The same
    set-up as the test above (max 1, CurrentCount 2 after T2's event wake) therefore returns TRUE with E1 under
    the wine10 profile, and the APC stays queued until the next alertable wait."""
    def apc(data):
        yield note("apc", data=data)

    def other(port, event):
        yield GetQueuedCompletionStatus(port, INFINITE)
        yield WaitForSingleObject(event, INFINITE)
        yield compute(100)

    def main():
        me = yield GetCurrentThread()
        port = yield new_port(1)
        event = yield CreateEvent(None, False, False, None)
        yield PostQueuedCompletionStatus(port, 0, "O", None)
        yield CreateThread(other, port, event, name="T2")
        yield Sleep(1)
        yield PostQueuedCompletionStatus(port, 0, "warm", None)
        yield GetQueuedCompletionStatus(port, 0)
        yield SetEvent(event)
        yield PostQueuedCompletionStatus(port, 0, "E1", None)
        yield QueueUserAPC(apc, me, "f")
        ok, entries = yield GetQueuedCompletionStatusEx(port, 4, 0, True)
        yield note("r", ok=ok, keys=[e.key for e in entries])
        yield SleepEx(0, True)

    o = run(main, profile="wine10")
    assert (o.note("r").ok, o.note("r").keys) == (True, ["E1"])
    assert [n.tag for n in o.notes()] == ["r", "apc"]

def test_the_stepper_shows_the_waiter_released_next_on_top():
    """A4 in the view (README: "waiters newest on top"): with T1 then T2 blocked in GQCS, the port's snapshot
    lists T2 first on Windows (LIFO) and T1 first under the wine profile (FIFO, W2) — the thread that the next
    packet will go to, as the release that follows shows."""
    def main():
        port = yield new_port(4)
        for name in ("T1", "T2"):
            yield CreateThread(took("got"), port, name=name)
            yield Sleep(1)
        yield note("both-blocked")
        yield PostQueuedCompletionStatus(port, 0, "P", None)
        yield Sleep(1)

    for profile, first in (("windows", "T2"), ("wine", "T1")):
        o = run(main, profile=profile, snapshots=True)
        shown = next(s for s in o.trace.snapshots if s.notes == 1).ports[0].waiters
        assert shown == (first, "T1" if first == "T2" else "T2"), profile
        assert o.note("got").thread == first


def test_closehandle_on_one_of_two_handles_leaves_the_port_working():
    """MS CloseHandle ("closes an open object handle"; the object goes when its last handle does) and A10's
    rundown happens only then: with a duplicated port handle, CloseHandle on the first returns TRUE and the
    port still queues and delivers through the second; a CloseHandle on a duplicated socket handle cancels
    nothing either (oracle 2.11).  After the last CloseHandle the port handle is invalid (6)."""
    def main():
        me = yield GetCurrentProcess()
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        ok, dup = yield DuplicateHandle(me, port, me, 0, False, DUPLICATE_SAME_ACCESS)
        closed = yield CloseHandle(port)
        yield PostQueuedCompletionStatus(dup, 3, "k", None)
        ok, n, key, ov = yield GetQueuedCompletionStatus(dup, 0)
        yield note("dup", closed=closed, ok=ok, key=key)
        server, client = yield tcp_pair()
        yield CreateIoCompletionPort(server, dup, "s", 0)
        ok, sdup = yield DuplicateHandle(me, server, me, 0, False, DUPLICATE_SAME_ACCESS)
        yield WSARecv(server, WSABUF(16), OVERLAPPED())
        yield CloseHandle(server)
        yield send(client, b"hi")
        ok, n, key, ov = yield GetQueuedCompletionStatus(dup, 100)
        yield note("sock", ok=ok, n=n, key=key)
        yield CloseHandle(dup)
        ok, n, key, ov = yield GetQueuedCompletionStatus(dup, 0)
        yield note("gone", ok=ok, error=(yield GetLastError()))

    o = run(main)
    assert (o.note("dup").closed, o.note("dup").ok, o.note("dup").key) == (True, True, "k")
    assert (o.note("sock").ok, o.note("sock").n, o.note("sock").key) == (True, 2, "s")
    assert (o.note("gone").ok, o.note("gone").error) == (False, ERROR_INVALID_HANDLE)


def test_wine8_an_apc_does_not_end_a_non_alertable_wait_on_a_closed_port():
    """A10 on Wine 8 (closed_port_apc_fails, measured live): a port closed under a waiter wakes nobody, and an
    APC then ends an *alertable* wait on it with FALSE/ERROR_INVALID_HANDLE.  A non-alertable GQCS is not
    ended by an APC at all (C2: user APCs wait for an alertable wait): it waits until its own timeout."""
    def apc(data):
        if False:
            yield

    def waiter(port):
        ok, n, key, ov = yield GetQueuedCompletionStatus(port, 20)
        yield note("gqcs", ok=ok, error=(yield GetLastError()))

    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        w = yield CreateThread(waiter, port, name="W")
        yield Sleep(1)
        yield CloseHandle(port)
        yield QueueUserAPC(apc, w, 0)
        yield WaitForSingleObject(w, INFINITE)

    o = run(main, profile="wine")
    assert o.note("gqcs").time == 20 and o.note("gqcs").ok is False


def test_a6_a_thread_woken_for_its_apcs_runs_for_its_port_meanwhile():
    """A6 with C2: a port's thread blocked in recv (its slot free) is woken to run an APC; while the APC runs
    the thread counts as running for the port again, so with a maximum of 1 another thread's zero-timeout GQCS
    finds no room for the queued packet (the APC computes; a wait inside it would give the slot back, A5).
    Once the recv waits again, the slot is free."""
    def apc(port):
        yield compute(5)                       # runs (does not block) for 5 ms

    def t1(port, s):
        yield GetQueuedCompletionStatus(port, INFINITE)
        yield recv(s, 16)

    def t2(port):
        yield Sleep(2)
        ok, n, key, ov = yield GetQueuedCompletionStatus(port, 0)
        yield note("during", ok=ok)
        yield Sleep(10)
        ok, n, key, ov = yield GetQueuedCompletionStatus(port, 0)
        yield note("after", ok=ok, key=key)

    def main():
        server, client = yield tcp_pair()
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 1)
        yield PostQueuedCompletionStatus(port, 0, "warm", None)
        a = yield CreateThread(t1, port, server, name="T1")
        yield Sleep(1)
        yield PostQueuedCompletionStatus(port, 0, "P", None)
        yield QueueUserAPC(apc, a, port)
        b = yield CreateThread(t2, port, name="T2")
        yield WaitForSingleObject(b, INFINITE)
        yield send(client, b"x")
        yield WaitForSingleObject(a, INFINITE)

    o = run(main)
    assert o.note("during").ok is False
    assert (o.note("after").ok, o.note("after").key) == (True, "P")
