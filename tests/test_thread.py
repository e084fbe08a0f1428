"""Threads and their user-APC queues: rules C1, C2, C4, C5, C6, C7 and the APC parts of C8.

APC functions are generator functions (DESIGN §3) that note which thread ran
them, so each test sees *where* and *when* an APC ran, and what the wait that
ran it returned.  Oracle §3 facts (3.1–3.6, 3.15, 1.7–1.10) are checked
alongside the rule they pin down.
"""

from helpers import peek, port_state, run, thread_of

from kernelsim.win32 import *


def apc(data):
    yield note("apc", data=data)


def ran(outcome):
    """(thread, data) for every APC that ran, in order."""
    return [(n.thread, n.data) for n in outcome.notes("apc")]


# --- threads -------------------------------------------------------------------------

def test_thread_runs_and_its_handle_is_signalled_at_exit():
    """Threads: CreateThread starts a thread running its function; when it ends, its handle is signalled
    (WaitForSingleObject(thread) → WAIT_OBJECT_0) and its state is terminated."""
    def worker(x):
        yield Sleep(5)
        yield note("worker", x=x)

    def main():
        h = yield CreateThread(worker, 42, name="W")
        r = yield WaitForSingleObject(h, INFINITE)
        yield note("joined", result=r)

    o = run(main)
    assert o.note("worker").x == 42 and o.note("worker").thread == "W"
    assert (o.note("joined").result, o.note("joined").time) == (WAIT_OBJECT_0, 5)
    assert thread_of(o, "W").state == "terminated"


def test_thread_states_seen_by_a_student():
    """Threads: the state a student sees — running, waiting on X (alertable or not), terminated."""
    def worker():
        yield SleepEx(100, True)

    def main():
        yield CreateThread(worker, name="W")
        yield Sleep(1)
        yield peek("s", lambda k: {"state": k.threads[1].state, "view": k.threads[1].view(k)._asdict()})

    s = run(main).note("s")
    assert s.state == "waiting"
    assert s.view["alertable"] is True and "Sleep" in s.view["waits_on"]


# --- C1 ------------------------------------------------------------------------------

def test_c1_user_apcs_run_in_fifo_order():
    """C1 (oracle 3.6): user APCs are appended at the tail: A, B, C queued run A, B, C in one alertable wait."""
    def main():
        me = yield GetCurrentThread()
        for data in ("A", "B", "C"):
            yield QueueUserAPC(apc, me, data)
        r = yield SleepEx(INFINITE, True)
        yield note("r", result=r)

    o = run(main)
    assert ran(o) == [("main", "A"), ("main", "B"), ("main", "C")]
    assert o.note("r").result == WAIT_IO_COMPLETION


# --- C2 ------------------------------------------------------------------------------

def test_c2_apc_waits_for_an_alertable_wait():
    """C2: T1 waits non-alertably on E; QueueUserAPC(f, T1) does not run f.  E is set: T1 gets WAIT_OBJECT_0
    with f still pending.  T1 calls SleepEx(0, TRUE): f runs and the call returns WAIT_IO_COMPLETION."""
    def t1(event):
        r = yield WaitForSingleObject(event, INFINITE)
        yield note("wait", result=r)
        yield peek("pending", lambda k: {"apcs": [a.label for a in k.threads[1].apcs]})
        r = yield SleepEx(0, True)
        yield note("sleepex", result=r)

    def main():
        event = yield CreateEvent(None, False, False, None)
        h = yield CreateThread(t1, event, name="T1")
        yield Sleep(5)
        ok = yield QueueUserAPC(apc, h, "f")
        yield Sleep(5)
        yield peek("still-waiting", lambda k: {"state": k.threads[1].state})
        yield SetEvent(event)
        yield Sleep(5)
        yield note("queued", ok=ok)

    o = run(main)
    assert o.note("queued").ok is True
    assert o.note("still-waiting").state == "waiting"
    assert o.note("wait").result == WAIT_OBJECT_0 and o.note("wait").time == 10
    assert o.note("pending").apcs == ["apc('f')"]
    assert ran(o) == [("T1", "f")]
    assert o.notes("apc")[0].time == 10
    assert o.note("sleepex").result == WAIT_IO_COMPLETION


def test_c2_apc_unwaits_a_thread_already_in_an_alertable_wait():
    """C2 (oracle 3.1): a thread already in SleepEx(INFINITE, TRUE) is un-waited the moment an APC is queued
    to it: the APC runs and SleepEx returns WAIT_IO_COMPLETION at that instant."""
    def t1():
        r = yield SleepEx(INFINITE, True)
        yield note("r", result=r)

    def main():
        h = yield CreateThread(t1, name="T1")
        yield Sleep(7)
        yield QueueUserAPC(apc, h, 1)
        yield Sleep(1)

    o = run(main)
    assert ran(o) == [("T1", 1)] and o.notes("apc")[0].time == 7
    assert (o.note("r").result, o.note("r").time) == (WAIT_IO_COMPLETION, 7)


def test_c2_apc_queued_earlier_makes_alertable_wait_return_at_once():
    """C2 (oracle 3.1): an APC queued before the wait makes SleepEx(100, TRUE) return WAIT_IO_COMPLETION at
    once without blocking; with no APC, SleepEx(100, TRUE) sleeps 100 ms and returns 0."""
    def main():
        me = yield GetCurrentThread()
        yield QueueUserAPC(apc, me, "x")
        r1 = yield SleepEx(100, True)
        yield note("with-apc", result=r1)
        r2 = yield SleepEx(100, True)
        yield note("without", result=r2)

    o = run(main)
    assert (o.note("with-apc").result, o.note("with-apc").time) == (WAIT_IO_COMPLETION, 0)
    assert (o.note("without").result, o.note("without").time) == (0, 100)
    assert [e.text for e in o.trace if e.kind == "block"] == ["main waits on Sleep(100 ms) (alertable)"]


def test_c2_non_alertable_waits_never_run_apcs():
    """C2 (oracle 3.7): Sleep, SleepEx(FALSE), WaitForSingleObject and GQCS (non-Ex) never run user APCs; the
    APC still runs at the next alertable wait."""
    def main():
        me = yield GetCurrentThread()
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        event = yield CreateEvent(None, True, False, None)
        yield QueueUserAPC(apc, me, "late")
        r = [(yield Sleep(5)), (yield SleepEx(5, False)), (yield WaitForSingleObject(event, 5)),
             (yield GetQueuedCompletionStatus(port, 5))]
        yield note("before", results=r)
        r = yield SleepEx(0, True)
        yield note("after", result=r)

    o = run(main)
    assert o.note("before").results[1:] == [0, WAIT_TIMEOUT, (False, 0, 0, None)]
    assert o.notes("apc")[0].time == 20 and o.note("before").time == 20
    assert o.note("after").result == WAIT_IO_COMPLETION


def test_c2_wait_satisfied_before_apc_keeps_it_queued():
    """C2: if the alertable wait is satisfied (object signalled) before the APC is queued, the APC stays
    queued for the next alertable wait."""
    def t1(event):
        r = yield WaitForSingleObjectEx(event, INFINITE, True)
        yield note("first", result=r)
        yield Sleep(10)                              # the APC arrives meanwhile; Sleep does not run it
        r = yield WaitForSingleObjectEx(event, INFINITE, True)
        yield note("second", result=r)

    def main():
        event = yield CreateEvent(None, False, False, None)
        h = yield CreateThread(t1, event, name="T1")
        yield Sleep(1)
        yield SetEvent(event)
        yield Sleep(1)
        yield QueueUserAPC(apc, h, "x")
        yield Sleep(20)

    o = run(main)
    assert o.note("first").result == WAIT_OBJECT_0
    assert (o.note("second").result, o.note("second").time) == (WAIT_IO_COMPLETION, 11)
    assert ran(o) == [("T1", "x")] and o.notes("apc")[0].time == 11


# --- C4 ------------------------------------------------------------------------------

def test_c4_apcs_queued_by_an_apc_run_in_the_same_wait():
    """C4 (oracle 3.5, 3.6): A is queued; A queues B while it runs; one SleepEx(INFINITE, TRUE) runs A then B
    and only then returns WAIT_IO_COMPLETION, once."""
    def apc_b(data):
        yield note("apc", data="B")

    def apc_a(thread):
        yield note("apc", data="A")
        yield QueueUserAPC(apc_b, thread, None)

    def main():
        me = yield GetCurrentThread()
        yield QueueUserAPC(apc_a, me, me)
        r = yield SleepEx(INFINITE, True)
        yield note("r", result=r)

    o = run(main)
    assert ran(o) == [("main", "A"), ("main", "B")]
    assert o.note("r").result == WAIT_IO_COMPLETION
    assert [n.tag for n in o.notes()] == ["apc", "apc", "r"]


def test_c4_two_apcs_queued_before_one_wait_both_run():
    """C4 (oracle 3.5): two APCs queued to a thread blocked in an alertable wait both run in that single wait,
    which returns WAIT_IO_COMPLETION once."""
    def t1():
        r = yield SleepEx(INFINITE, True)
        yield note("r", result=r)
        r = yield SleepEx(10, True)
        yield note("r2", result=r)

    def main():
        h = yield CreateThread(t1, name="T1")
        yield Sleep(1)
        yield QueueUserAPC(apc, h, 1)
        yield QueueUserAPC(apc, h, 2)
        yield Sleep(20)

    o = run(main)
    assert ran(o) == [("T1", 1), ("T1", 2)]
    assert len(o.notes("r")) == 1 and o.note("r").result == WAIT_IO_COMPLETION
    assert o.note("r2").result == 0            # nothing left over for the next wait


# --- C5 ------------------------------------------------------------------------------

def test_c5_alertable_wsawait_returns_io_completion_and_leaves_event():
    """C5: WSAWaitForMultipleEvents(fAlertable=TRUE) with an APC queued returns WSA_WAIT_IO_COMPLETION, not
    the event; a signalled event is left untouched (the caller must wait again)."""
    def main():
        me = yield GetCurrentThread()
        ev = yield WSACreateEvent()
        yield QueueUserAPC(apc, me, "r")
        yield WSASetEvent(ev)
        r = yield WSAWaitForMultipleEvents([ev], False, WSA_INFINITE, True)
        again = yield WSAWaitForMultipleEvents([ev], False, 0, True)
        yield note("r", first=r, again=again)

    o = run(main)
    assert o.note("r").first == WSA_WAIT_IO_COMPLETION
    assert o.note("r").again == WSA_WAIT_EVENT_0
    assert ran(o) == [("main", "r")]


def test_c5_apc_that_signals_the_object_still_returns_io_completion():
    """C5 (oracle 3.4): an alertable wait on X whose APC signals X returns WAIT_IO_COMPLETION; X stays
    signalled and the next wait returns WAIT_OBJECT_0."""
    def setter(event):
        yield SetEvent(event)
        yield note("apc", data="set")

    def t1(event):
        r = yield WaitForSingleObjectEx(event, INFINITE, True)
        r2 = yield WaitForSingleObject(event, 0)
        yield note("r", first=r, second=r2)

    def main():
        event = yield CreateEvent(None, False, False, None)
        h = yield CreateThread(t1, event, name="T1")
        yield Sleep(1)
        yield QueueUserAPC(setter, h, event)
        yield Sleep(1)

    o = run(main)
    assert (o.note("r").first, o.note("r").second) == (WAIT_IO_COMPLETION, WAIT_OBJECT_0)


# --- C6 ------------------------------------------------------------------------------

def test_c6_gqcsex_alertable_runs_apc_when_port_is_empty():
    """C6 (oracle 1.8): APC f queued, port empty: GQCSEx(alertable) runs f and returns FALSE with
    GetLastError() = WAIT_IO_COMPLETION (192) and 0 entries."""
    def main():
        me = yield GetCurrentThread()
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        yield QueueUserAPC(apc, me, "f")
        r = yield GetQueuedCompletionStatusEx(port, 4, INFINITE, True)
        err = yield GetLastError()
        yield note("r", result=r, err=err)

    o = run(main)
    assert (o.note("r").result, o.note("r").err, o.note("r").time) == ((False, []), WAIT_IO_COMPLETION, 0)
    assert ran(o) == [("main", "f")]


def test_c6_gqcsex_alertable_waiter_woken_by_apc():
    """C6: a thread blocked in GQCSEx(alertable) on an empty port is woken by a queued APC: the APC runs and
    the call returns FALSE / WAIT_IO_COMPLETION with 0 entries."""
    def t1(port):
        r = yield GetQueuedCompletionStatusEx(port, 4, INFINITE, True)
        err = yield GetLastError()
        yield note("r", result=r, err=err)

    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        h = yield CreateThread(t1, port, name="T1")
        yield Sleep(3)
        yield QueueUserAPC(apc, h, "f")
        yield Sleep(1)
        yield port_state("s", port)

    o = run(main)
    assert (o.note("r").result, o.note("r").err, o.note("r").time) == ((False, []), WAIT_IO_COMPLETION, 3)
    assert ran(o) == [("T1", "f")]
    assert o.note("s").waiters == []


def test_c6_gqcsex_non_alertable_ignores_apc():
    """C6 (oracle 1.7): GQCSEx non-alertable with an APC queued and the port empty times out (WAIT_TIMEOUT);
    the APC does not run."""
    def main():
        me = yield GetCurrentThread()
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        yield QueueUserAPC(apc, me, "f")
        r = yield GetQueuedCompletionStatusEx(port, 4, 5, False)
        err = yield GetLastError()
        yield note("r", result=r, err=err)

    o = run(main)
    assert (o.note("r").result, o.note("r").err) == ((False, []), WAIT_TIMEOUT)
    assert ran(o) == []


def c6_entries_main(associate_first):
    me = yield GetCurrentThread()
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    if associate_first:
        yield PostQueuedCompletionStatus(port, 0, "warm", None)
        yield GetQueuedCompletionStatus(port, 0)             # dequeue once: now associated
    yield PostQueuedCompletionStatus(port, 0, "E1", None)
    yield QueueUserAPC(apc, me, "f")
    ok, entries = yield GetQueuedCompletionStatusEx(port, 4, 0, True)
    err = yield GetLastError()
    yield note("first", ok=ok, keys=[e.key for e in entries], err=err)
    yield port_state("s", port)
    yield peek("assoc", lambda k: {"associated": k.main.queue is not None})
    ok, entries = yield GetQueuedCompletionStatusEx(port, 4, 0, True)
    yield note("second", ok=ok, keys=[e.key for e in entries])


def test_c6_associated_thread_gets_entries_before_apc():
    """C6 with the oracle's correction (1.9): APC f pending and one entry queued, the thread already
    associated with this port: GQCSEx(alertable) returns TRUE with the entry and f stays queued (it runs at
    the next alertable wait)."""
    o = run(c6_entries_main, args=(True,))
    assert (o.note("first").ok, o.note("first").keys) == (True, ["E1"])
    assert ran(o) == [("main", "f")]
    tags = [n.tag for n in o.notes()]
    assert tags.index("apc") > tags.index("first")             # f ran only in the second call
    assert (o.note("second").ok, o.note("second").keys) == (False, [])


def test_c6_unassociated_thread_gets_apc_before_entries():
    """C6 with the oracle's correction (1.10): the thread is not yet associated with this port: the APC wins —
    FALSE, WAIT_IO_COMPLETION, 0 entries, the entry stays queued and the thread is not associated.  The next
    call (no APC) returns the entry."""
    o = run(c6_entries_main, args=(False,))
    first = o.note("first")
    assert (first.ok, first.keys, first.err) == (False, [], WAIT_IO_COMPLETION)
    assert ran(o) == [("main", "f")]
    assert o.note("s").queued == ["E1"] and o.note("s").threads == []
    assert o.note("assoc").associated is False
    assert (o.note("second").ok, o.note("second").keys) == (True, ["E1"])


def test_c6_wine_returns_entries_even_when_unassociated():
    """C6 under the wine profile (WINE.md, W5 on Wine 8): an unassociated thread with an APC pending gets the
    queued entry; the APC does not run in that call."""
    o = run(c6_entries_main, args=(False,), profile="wine")
    assert (o.note("first").ok, o.note("first").keys) == (True, ["E1"])
    tags = [n.tag for n in o.notes()]
    assert tags.index("apc") > tags.index("first")


# --- C7 ------------------------------------------------------------------------------

def c7_main():
    me = yield GetCurrentThread()
    event = yield CreateEvent(None, False, True, None)       # auto-reset, signalled
    yield QueueUserAPC(apc, me, "f")
    r = yield WaitForSingleObjectEx(event, 0, True)
    yield note("r", result=r)
    yield peek("after", lambda k: {"signalled": k.handles.get(event).signalled,
                                   "pending": len(k.main.apcs)})


def test_c7_modern_windows_apc_beats_signalled_object():
    """C7 (default apc_precedence=apc_first): E signalled and f queued; WaitForSingleObjectEx(E, 0, TRUE)
    returns WAIT_IO_COMPLETION, f ran, and the auto-reset E is still signalled (not consumed)."""
    o = run(c7_main)
    assert o.note("r").result == WAIT_IO_COMPLETION
    assert ran(o) == [("main", "f")]
    assert (o.note("after").signalled, o.note("after").pending) == (True, 0)


def test_c7_classic_object_beats_apc():
    """C7 (apc_precedence=object_first: NT classic / ReactOS, and the wine profile, W6): the wait returns
    WAIT_OBJECT_0, consumes E, and f stays pending."""
    for kwargs in ({"config": {"apc_precedence": "object_first"}}, {"profile": "wine"}):
        o = run(c7_main, **kwargs)
        assert o.note("r").result == WAIT_OBJECT_0, kwargs
        assert ran(o) == []
        assert (o.note("after").signalled, o.note("after").pending) == (False, 1)


# --- C8 (APC parts) --------------------------------------------------------------------

def test_c8_queue_user_apc_to_an_ended_thread_fails_with_gen_failure():
    """C8 (oracle 3.2): QueueUserAPC to a terminated thread returns FALSE with ERROR_GEN_FAILURE (31)."""
    def quick():
        yield note("ran")

    def main():
        h = yield CreateThread(quick, name="T1")
        yield WaitForSingleObject(h, INFINITE)
        ok = yield QueueUserAPC(apc, h, 1)
        err = yield GetLastError()
        yield note("r", ok=ok, err=err)

    o = run(main)
    assert (o.note("r").ok, o.note("r").err) == (False, ERROR_GEN_FAILURE)
    assert ran(o) == []


def test_c8_apcs_of_an_exiting_thread_are_discarded():
    """C8: a thread that exits with user APCs queued (never waiting alertably) loses them: the APC functions
    are never called, not even on another thread."""
    def t1():
        yield Sleep(10)
        yield note("exiting")

    def main():
        h = yield CreateThread(t1, name="T1")
        yield Sleep(1)
        yield QueueUserAPC(apc, h, "lost")
        yield WaitForSingleObject(h, INFINITE)
        yield SleepEx(10, True)

    o = run(main)
    assert o.note("exiting").time == 10
    assert ran(o) == []
    assert any(e.kind == "apc-discard" for e in o.trace)


def test_c8_apc_runs_only_in_the_thread_it_was_queued_to():
    """C8: an APC queued to T1 never runs on T2, even when T2 waits alertably; it runs on T1 when T1 does."""
    def t1():
        yield Sleep(10)
        yield SleepEx(0, True)

    def t2():
        r = yield SleepEx(5, True)
        yield note("t2", result=r)

    def main():
        h1 = yield CreateThread(t1, name="T1")
        yield CreateThread(t2, name="T2")
        yield QueueUserAPC(apc, h1, "mine")
        yield Sleep(20)

    o = run(main)
    assert o.note("t2").result == 0
    assert ran(o) == [("T1", "mine")]


def test_c8_apc_queued_before_the_thread_starts_runs_first():
    """C8: an APC queued before the thread begins running is called before the thread function's first
    statement."""
    def worker():
        yield note("body")

    def main():
        h = yield CreateThread(worker, name="T1")
        yield QueueUserAPC(apc, h, "early")           # main keeps running: T1 has not started
        yield Sleep(5)

    o = run(main)
    assert [(n.tag, n.thread) for n in o.notes()] == [("apc", "T1"), ("body", "T1")]


def test_c8_queue_user_apc_with_a_bad_handle():
    """C8 (misuse): QueueUserAPC to a handle that is not a thread fails with ERROR_INVALID_HANDLE."""
    def main():
        event = yield CreateEvent(None, True, False, None)
        ok1 = yield QueueUserAPC(apc, 0x1234, 0)
        e1 = yield GetLastError()
        ok2 = yield QueueUserAPC(apc, event, 0)
        e2 = yield GetLastError()
        yield note("r", ok=[ok1, ok2], err=[e1, e2])

    r = run(main).note("r")
    assert r.ok == [False, False] and r.err == [ERROR_INVALID_HANDLE, ERROR_INVALID_HANDLE]


def test_sleep_never_changes_last_error():
    """Oracle 3.15: Sleep and SleepEx never modify LastError, whether they time out or run APCs."""
    def main():
        me = yield GetCurrentThread()
        yield SetLastError(1234)
        yield Sleep(1)
        yield SleepEx(1, False)
        yield QueueUserAPC(apc, me, 0)
        yield SleepEx(1, True)
        err = yield GetLastError()
        yield note("r", err=err)

    assert run(main).note("r").err == 1234


def test_an_alertable_sleepex_that_ran_apcs_returns_wait_io_completion_at_its_own_line():
    """C4, C5 (issue 13 regression): the row saying the wait returned names the call (SleepEx), the result
    as SleepEx documents it (WAIT_IO_COMPLETION, not Winsock's WSA_WAIT_IO_COMPLETION of the same value)
    and the SleepEx line, not the last line the APC routine ran."""
    from kernelsim import scenario as scenarios
    out = scenarios.run("apc-alertable")
    done = next(e for e in out.trace if e.kind == "apc-done")
    source = open(out.kernel.source_file, encoding="utf-8").read().splitlines()
    assert done.text == "T1's SleepEx returns WAIT_IO_COMPLETION: APCs ran, the object was not waited for (C5)"
    assert "SleepEx(0, ALERTABLE)" in source[done.line - 1]          # ALERTABLE is TRUE as the file is written


def test_an_alertable_wsawaitformultipleevents_returns_wsa_wait_io_completion():
    """The same 192 through WSAWaitForMultipleEvents is named as Winsock names it."""
    from kernelsim.win32 import WSACreateEvent, WSAWaitForMultipleEvents

    def apc(data):
        yield note("apc")

    def main():
        event = yield WSACreateEvent()
        me = yield GetCurrentThread()
        yield QueueUserAPC(apc, me, 0)
        r = yield WSAWaitForMultipleEvents([event], False, 10, True)
        yield note("r", r=r)
    out = run(main)
    assert out.note("r").r == WAIT_IO_COMPLETION
    done = next(e for e in out.trace if e.kind == "apc-done")
    assert done.text.startswith("main's WSAWaitForMultipleEvents returns WSA_WAIT_IO_COMPLETION")


def test_a_notes_time_drops_float_dust_but_keeps_a_nanosecond():
    """Notes carry the simulated time in ms, rounded to 1e-9 ms: 0.1 + 0.2 ms reads 0.3 (not
    0.30000000000000004), and a 3e-9 ms sleep after it still shows (0.300000003) — a claim or a quiz answer
    compares these times exactly."""
    def main():
        yield Sleep(0.1)
        yield Sleep(0.2)
        yield note("a")
        yield Sleep(0.000000003)
        yield note("b")

    o = run(main)
    assert (o.note("a").time, o.note("b").time) == (0.3, 0.300000003)


def test_a_wait_satisfied_early_never_times_out_later():
    """A wait that an object satisfied ends then; its timeout, had it been reached, belongs to a wait that no
    longer exists: 8 ms later, while the thread sleeps in another wait, nothing times out, and the sleep
    ends at its own time."""
    def setter(e):
        yield Sleep(2)
        yield SetEvent(e)

    def main():
        e = yield CreateEvent(None, True, False, None)
        yield CreateThread(setter, e, name="S")
        r = yield WaitForSingleObject(e, 10)
        yield note("waited", r=r)
        yield Sleep(20)
        yield note("slept")

    o = run(main)
    assert (o.note("waited").r, o.note("waited").time, o.note("slept").time) == (WAIT_OBJECT_0, 2, 22)
    assert not [e.text for e in o.trace.events if "times out" in e.text or "timeout elapsed" in e.text
                and e.time == 10]

