"""Waits, handles, APCs and interlocked calls: rules a wrong model could break unseen (issue 14).

Each test is written from its rule (SEMANTICS C4/C5, MS docs of WaitForMultipleObjects, DuplicateHandle
and the Interlocked functions) and observes return values and what later calls see.
"""

from helpers import run

from kernelsim.win32 import *


class Box:
    """A LONG that Interlocked* calls update (the model's target + field)."""

    def __init__(self, value):
        self.value = value


# --- WaitForMultipleObjects, objects already signalled -------------------------------------------

def test_wait_all_already_satisfied_returns_wait_object_0_and_consumes_every_auto_reset_event():
    """WaitForMultipleObjects(bWaitAll=TRUE) (MS docs: "the return value indicates that the state of all
    specified objects is signaled", WAIT_OBJECT_0; the wait "modifies the state of some types of
    synchronization objects" — an auto-reset event is reset): with all three already signalled it returns
    WAIT_OBJECT_0 at once, both auto-reset events are reset and the manual-reset one stays signalled."""
    def main():
        a = yield CreateEvent(None, False, True, None)
        b = yield CreateEvent(None, False, True, None)
        m = yield CreateEvent(None, True, True, None)
        r = yield WaitForMultipleObjects([a, b, m], True, 0)
        after = []
        for h in (a, b, m):
            after.append((yield WaitForSingleObject(h, 0)))
        yield note("r", result=r, after=after)

    o = run(main)
    assert o.note("r").result == WAIT_OBJECT_0
    assert o.note("r").after == [WAIT_TIMEOUT, WAIT_TIMEOUT, WAIT_OBJECT_0]


def test_wait_all_not_satisfied_consumes_nothing():
    """WaitForMultipleObjects(bWaitAll=TRUE) with one object unsignalled and a zero timeout returns
    WAIT_TIMEOUT and changes no object: the signalled auto-reset event is still signalled."""
    def main():
        a = yield CreateEvent(None, False, True, None)
        b = yield CreateEvent(None, False, False, None)
        r = yield WaitForMultipleObjects([a, b], True, 0)
        yield note("r", result=r, a=(yield WaitForSingleObject(a, 0)))

    o = run(main)
    assert (o.note("r").result, o.note("r").a) == (WAIT_TIMEOUT, WAIT_OBJECT_0)


def test_wait_all_that_blocks_returns_wait_object_0_when_the_last_object_is_signalled():
    """WaitForMultipleObjects(bWaitAll=TRUE) that blocks: when the last of three events (index 2) is set, the
    wait returns WAIT_OBJECT_0 (not the index of the object that completed it) and consumes the auto-reset
    events together."""
    def setter(handles):
        for h in handles:
            yield Sleep(2)
            yield SetEvent(h)

    def main():
        events = []
        for _ in range(3):
            events.append((yield CreateEvent(None, False, False, None)))
        yield CreateThread(setter, events, name="S")
        r = yield WaitForMultipleObjects(events, True, INFINITE)
        after = []
        for h in events:
            after.append((yield WaitForSingleObject(h, 0)))
        yield note("r", result=r, after=after)

    o = run(main)
    assert (o.note("r").result, o.note("r").time) == (WAIT_OBJECT_0, 6)
    assert o.note("r").after == [WAIT_TIMEOUT] * 3


def test_wait_any_already_satisfied_consumes_only_the_object_it_reports():
    """WaitForMultipleObjects(bWaitAll=FALSE): with several auto-reset events signalled it returns the lowest
    index and resets only that one; the others stay signalled for the next wait."""
    def main():
        events = []
        for initial in (False, True, True):
            events.append((yield CreateEvent(None, False, initial, None)))
        first = yield WaitForMultipleObjects(events, False, 0)
        second = yield WaitForMultipleObjects(events, False, 0)
        third = yield WaitForMultipleObjects(events, False, 0)
        yield note("r", results=[first, second, third])

    o = run(main)
    assert o.note("r").results == [WAIT_OBJECT_0 + 1, WAIT_OBJECT_0 + 2, WAIT_TIMEOUT]


def test_an_auto_reset_event_set_twice_releases_two_blocked_waiters_one_at_a_time():
    """Auto-reset event (MS docs SetEvent: "the event object remains signaled until a single waiting thread is
    released, at which time the system automatically sets the state to nonsignaled"): two threads block on it;
    each SetEvent releases exactly one of them, oldest waiter first (the model releases waiters of an object in
    the order they began waiting)."""
    def waiter(event):
        r = yield WaitForSingleObject(event, INFINITE)
        yield note("woke", result=r)

    def main():
        event = yield CreateEvent(None, False, False, None)
        for name in ("W1", "W2"):
            yield CreateThread(waiter, event, name=name)
            yield Sleep(1)
        yield SetEvent(event)
        yield Sleep(5)
        yield SetEvent(event)
        yield Sleep(5)
        yield note("left", state=(yield WaitForSingleObject(event, 0)))

    o = run(main)
    assert [(n.thread, n.time) for n in o.notes("woke")] == [("W1", 2), ("W2", 7)]
    assert o.note("left").state == WAIT_TIMEOUT


# --- DuplicateHandle ----------------------------------------------------------------------------

def test_duplicate_close_source_closes_the_source_handle():
    """DuplicateHandle with DUPLICATE_CLOSE_SOURCE (MS docs: "Closes the source handle. This occurs regardless
    of any error status returned"): the new handle works, the source handle is gone — CloseHandle on it fails
    with ERROR_INVALID_HANDLE — and the object lives on through the new handle."""
    def main():
        event = yield CreateEvent(None, True, False, None)
        me = yield GetCurrentProcess()
        ok, dup = yield DuplicateHandle(me, event, me, 0, False, DUPLICATE_CLOSE_SOURCE | DUPLICATE_SAME_ACCESS)
        yield note("dup", ok=ok, different=dup != event)
        yield note("set", ok=(yield SetEvent(dup)), waited=(yield WaitForSingleObject(dup, 0)))
        closed = yield CloseHandle(event)
        yield note("source", closed=closed, error=(yield GetLastError()))

    o = run(main)
    assert (o.note("dup").ok, o.note("dup").different) == (True, True)
    assert (o.note("set").ok, o.note("set").waited) == (True, WAIT_OBJECT_0)
    assert (o.note("source").closed, o.note("source").error) == (False, ERROR_INVALID_HANDLE)


def test_duplicate_without_close_source_keeps_both_handles():
    """DuplicateHandle without DUPLICATE_CLOSE_SOURCE: both handles name the object; closing each succeeds
    once."""
    def main():
        event = yield CreateEvent(None, True, False, None)
        me = yield GetCurrentProcess()
        ok, dup = yield DuplicateHandle(me, event, me, 0, False, DUPLICATE_SAME_ACCESS)
        yield note("closed", first=(yield CloseHandle(event)), second=(yield CloseHandle(dup)))

    o = run(main)
    assert (o.note("closed").first, o.note("closed").second) == (True, True)


# --- C4 / C5: an alertable wait inside an APC -------------------------------------------------------

def test_c4_c5_an_alertable_wait_inside_an_apc_returns_wait_io_completion():
    """C4/C5: APC A runs in main's alertable wait; A queues B to its own thread and waits alertably itself.
    B runs inside A's wait, which then returns WAIT_IO_COMPLETION (the rule for every alertable wait that ran
    APCs); when A returns, main's wait returns WAIT_IO_COMPLETION too."""
    def apc_b(data):
        yield note("ran", apc="B")

    def apc_a(thread):
        yield note("ran", apc="A")
        yield QueueUserAPC(apc_b, thread, None)
        inner = yield SleepEx(INFINITE, True)
        yield note("inner", result=inner)

    def main():
        me = yield GetCurrentThread()
        yield QueueUserAPC(apc_a, me, me)
        outer = yield SleepEx(INFINITE, True)
        yield note("outer", result=outer)

    o = run(main)
    assert [n.apc for n in o.notes("ran")] == ["A", "B"]
    assert o.note("inner").result == WAIT_IO_COMPLETION
    assert o.note("outer").result == WAIT_IO_COMPLETION
    assert [n.tag for n in o.notes()] == ["ran", "ran", "inner", "outer"]


def test_c5_a_timed_alertable_wait_inside_an_apc_that_runs_nothing_times_out():
    """C2/C5: inside an APC, an alertable SleepEx(5) with no APC queued is an ordinary wait: it returns 0
    after 5 ms; the outer wait then returns WAIT_IO_COMPLETION."""
    def apc_a(data):
        inner = yield SleepEx(5, True)
        yield note("inner", result=inner)

    def main():
        me = yield GetCurrentThread()
        yield QueueUserAPC(apc_a, me, None)
        outer = yield SleepEx(INFINITE, True)
        yield note("outer", result=outer)

    o = run(main)
    assert (o.note("inner").result, o.note("inner").time) == (0, 5)
    assert (o.note("outer").result, o.note("outer").time) == (WAIT_IO_COMPLETION, 5)


def test_c2_an_apc_waiting_for_an_event_leaves_the_outer_wait_pending_until_it_returns():
    """C2/C4: an APC that blocks (non-alertably) on an event keeps its thread inside the outer alertable wait;
    the outer wait returns WAIT_IO_COMPLETION only after the APC returns, when the event is set."""
    def apc_a(event):
        r = yield WaitForSingleObject(event, INFINITE)
        yield note("inner", result=r)

    def setter(event):
        yield Sleep(7)
        yield SetEvent(event)

    def main():
        me = yield GetCurrentThread()
        event = yield CreateEvent(None, False, False, None)
        yield CreateThread(setter, event, name="S")
        yield QueueUserAPC(apc_a, me, event)
        outer = yield SleepEx(INFINITE, True)
        yield note("outer", result=outer)

    o = run(main)
    assert (o.note("inner").result, o.note("inner").time) == (WAIT_OBJECT_0, 7)
    assert (o.note("outer").result, o.note("outer").time) == (WAIT_IO_COMPLETION, 7)


# --- Interlocked* --------------------------------------------------------------------------------

def test_interlocked_calls_return_what_the_ms_docs_say():
    """InterlockedIncrement/Decrement return the *resulting* value; InterlockedExchange and
    InterlockedCompareExchange return the *initial* value, and CompareExchange writes only when the value
    equals the comparand (MS docs of each function)."""
    def main():
        box = Box(5)
        inc = yield InterlockedIncrement(box, "value")
        after_inc = box.value
        dec = yield InterlockedDecrement(box, "value")
        dec2 = yield InterlockedDecrement(box, "value")
        xchg = yield InterlockedExchange(box, "value", 40)
        miss = yield InterlockedCompareExchange(box, "value", 99, 41)
        after_miss = box.value
        hit = yield InterlockedCompareExchange(box, "value", 7, 40)
        yield note("r", inc=inc, after_inc=after_inc, dec=dec, dec2=dec2, xchg=xchg, miss=miss,
                   after_miss=after_miss, hit=hit, final=box.value)

    r = run(main).note("r")
    assert (r.inc, r.after_inc, r.dec, r.dec2) == (6, 6, 5, 4)
    assert (r.xchg, r.miss, r.after_miss, r.hit, r.final) == (4, 40, 40, 40, 7)


# --- what the trace says -------------------------------------------------------------------------

def test_a_wait_that_times_out_is_narrated_at_the_line_of_its_own_call():
    """Trace (DESIGN §5: each event carries the scenario line that caused it): when T1's WaitForSingleObject
    times out while main is at another line, the wake event names T1's wait line, not main's."""
    def t1(event):
        yield WaitForSingleObject(event, 5)           # T1-WAIT
        yield note("woke")

    def main():
        event = yield CreateEvent(None, True, False, None)
        yield CreateThread(t1, event, name="T1")
        yield Sleep(50)                               # MAIN-SLEEP

    o = run(main)
    wake = next(e for e in o.trace if e.kind == "wake" and e.thread == "T1")
    assert wake.time == 5 and wake.line == line_of("# T1-WAIT")



def test_c2_a_blocking_recv_that_ran_an_apc_returns_at_the_line_of_the_recv():
    """C2 (a blocking Winsock call waits alertably, runs queued APCs and goes on waiting) with the trace's line
    rule (DESIGN §5): T1 blocks in recv, an APC runs inside it (its note is at the APC's line); when the APC
    returns, T1 goes on waiting *in the recv*, narrated at the recv's line, not at the APC's last call; the
    recv's return is narrated at the line that caused it (main's send)."""
    def apc(data):
        yield note("apc")                              # APC-NOTE

    def t1(s):
        r = yield recv(s, 16)                          # T1-RECV
        yield note("got", r=r)

    def main():
        server, client = yield tcp_pair()
        t = yield CreateThread(t1, server, name="T1")
        yield Sleep(2)
        yield QueueUserAPC(apc, t, 1)
        yield Sleep(2)
        yield send(client, b"hi")                      # MAIN-SEND
        yield Sleep(5)

    o = run(main)
    assert o.note("got").r == b"hi" and [n.tag for n in o.notes()] == ["apc", "got"]
    rows = [(e.kind, e.line) for e in o.trace if e.thread == "T1"]
    assert ("note", line_of("# APC-NOTE")) in rows
    goes_on = [e.line for e in o.trace if e.thread == "T1" and e.kind == "block" and "goes on waiting" in e.text]
    assert goes_on == [line_of("# T1-RECV")], rows
    assert [e.line for e in o.trace if e.thread == "T1" and e.text == "T1's recv returns"] == [line_of("# MAIN-SEND")]

def test_c5_the_narration_names_wait_io_completion():
    """C5 in the trace: after the APCs of an alertable wait ran, the event says the wait returns
    WAIT_IO_COMPLETION (0xC0, WSA_WAIT_IO_COMPLETION to Winsock) — a name a student looks up, not None."""
    def apc(data):
        yield note("apc")

    def main():
        me = yield GetCurrentThread()
        yield QueueUserAPC(apc, me, None)
        yield SleepEx(INFINITE, True)

    done = [e for e in run(main).trace if e.kind == "apc-done"]
    assert len(done) == 1 and "WAIT_IO_COMPLETION" in done[0].text and "None" not in done[0].text


def test_compute_with_a_negative_time_is_a_scenario_error_naming_its_line():
    """compute(ms) is busy CPU time: a negative or non-numeric time is a bug in the scenario, reported with
    its file and line (README: "A Python exception in a scenario stops the run and names the file and line")
    rather than run as if it were zero."""
    import pytest

    from kernelsim.model import ScenarioError

    def main():
        yield compute(-5)                             # BAD-COMPUTE

    with pytest.raises(ScenarioError) as err:
        run(main)
    assert err.value.line == line_of("# BAD-COMPUTE") and "compute" in err.value.message


def line_of(marker):
    """The line number in this file of the line that ends with marker."""
    with open(__file__, encoding="utf-8") as f:
        for number, text in enumerate(f, 1):
            if text.rstrip().endswith(marker) and "line_of(" not in text:
                return number
    raise LookupError(marker)


def test_a_narrate_row_inside_an_apc_is_part_of_the_apc_not_of_the_thread_below_it():
    """``narrate`` is instant (no step of its own): made inside an APC routine, the call after it is the APC
    routine's next call — the thread's own code below the APC stays suspended in its alertable wait, which
    then returns WAIT_IO_COMPLETION (C4, C5)."""
    def apc(data):
        yield narrate("library", "{thread} narrates inside its APC")
        yield note("in-apc")

    def main():
        me = yield GetCurrentThread()
        yield QueueUserAPC(apc, me, None)
        r = yield SleepEx(INFINITE, True)
        yield note("after-wait", result=r)

    o = run(main)
    assert [n.tag for n in o.notes()] == ["in-apc", "after-wait"]
    assert o.note("after-wait").result == WAIT_IO_COMPLETION
    assert any(e.text == "main narrates inside its APC" for e in o.trace)


def test_set_and_reset_event_return_true():
    """SetEvent/ResetEvent (MS docs: "If the function succeeds, the return value is nonzero"): both return
    TRUE on a valid event, and FALSE with ERROR_INVALID_HANDLE on a closed one."""
    def main():
        event = yield CreateEvent(None, True, False, None)
        ok = [(yield SetEvent(event)), (yield ResetEvent(event))]
        yield CloseHandle(event)
        bad = [(yield ResetEvent(event)), (yield GetLastError())]
        yield note("r", ok=ok, bad=bad)

    r = run(main).note("r")
    assert r.ok == [True, True] and r.bad == [False, ERROR_INVALID_HANDLE]


def test_a_schedule_that_is_not_numbers_is_a_usage_error_that_says_what_a_schedule_is(capsys):
    """CLI (DESIGN §8, exit 2 for a usage error): --schedule 0*x or 1.a → exit 2 with the message that a
    schedule is numbers separated by dots."""
    from kernelsim import cli
    for bad in ("0*x", "1.a"):
        assert cli.main(["run", "lifo-wakeup", "--schedule", bad]) == 2
        captured = capsys.readouterr()
        assert "numbers separated by dots" in captured.err + captured.out


def test_closehandle_on_a_thread_handle_returns_true_and_the_thread_runs_on():
    """CloseHandle (MS docs: "Closing a thread handle does not terminate the associated thread"): main closes
    its only handle to T1 while T1 is still sleeping; CloseHandle returns TRUE and T1 wakes and finishes."""
    def t1():
        yield Sleep(5)
        yield note("t1-done")

    def main():
        t = yield CreateThread(t1, name="T1")
        ok = yield CloseHandle(t)
        yield note("closed", ok=ok)
        yield Sleep(20)

    o = run(main)
    assert o.note("closed").ok is True
    assert [n.tag for n in o.notes()] == ["closed", "t1-done"]


def test_a_failed_call_s_row_shows_a_null_pointer_as_null():
    """The trace's row for a failed call (DESIGN §5; Windows returns the failure value and sets the last
    error): GetQueuedCompletionStatus on a handle that is not a port fails with ERROR_INVALID_HANDLE and
    returns FALSE, 0, 0 and a NULL OVERLAPPED pointer — written as C would, NULL."""
    def main():
        r = yield GetQueuedCompletionStatus(0x1234, 0)
        yield note("r", r=r)

    o = run(main)
    assert o.note("r").r == (False, 0, 0, None)
    rows = [e.text for e in o.trace if e.kind == "fail"]
    assert rows == ["main's GetQueuedCompletionStatus(4660, 0) fails: ERROR_INVALID_HANDLE (6), "
                    "returns (FALSE, 0, 0, NULL)"]
