"""Dispatcher objects and waits: events, Sleep(Ex), WaitFor*, WSAWaitForMultipleEvents, CloseHandle.

The rules here are the wait half of C2/C5/C7 (alertable waits return
WAIT_IO_COMPLETION = 0xC0), the limits Windows puts on multi-object waits, and
the plain semantics of events that every other rule leans on.
"""

from helpers import run

from kernelsim.win32 import *


def apc(data):
    yield note("apc", data=data)


def waiter(handle, ms=INFINITE, tag="woke"):
    r = yield WaitForSingleObject(handle, ms)
    yield note(tag, result=r)


# --- events ----------------------------------------------------------------------------

def test_manual_reset_event_releases_every_waiter_and_stays_signalled():
    """Events: SetEvent on a manual-reset event releases every waiter at once and the event stays signalled
    until ResetEvent."""
    def main():
        event = yield CreateEvent(None, True, False, None)
        for name in ("A", "B", "C"):
            yield CreateThread(waiter, event, name=name)
        yield Sleep(5)
        yield SetEvent(event)
        yield Sleep(1)
        r1 = yield WaitForSingleObject(event, 0)
        yield ResetEvent(event)
        r2 = yield WaitForSingleObject(event, 0)
        yield note("after", r1=r1, r2=r2)

    o = run(main)
    assert sorted((n.thread, n.result, n.time) for n in o.notes("woke")) == \
        [("A", 0, 5), ("B", 0, 5), ("C", 0, 5)]
    assert (o.note("after").r1, o.note("after").r2) == (WAIT_OBJECT_0, WAIT_TIMEOUT)


def test_auto_reset_event_releases_one_waiter_and_resets():
    """Events: SetEvent on an auto-reset event releases exactly one waiter (the one waiting longest) and the
    event is unsignalled again; the next SetEvent releases the next waiter."""
    def main():
        event = yield CreateEvent(None, False, False, None)
        for name in ("A", "B"):
            yield CreateThread(waiter, event, name=name)
            yield Sleep(1)
        yield SetEvent(event)
        yield Sleep(1)
        yield note("one")
        yield SetEvent(event)
        yield Sleep(1)
        r = yield WaitForSingleObject(event, 0)
        yield note("after", result=r)

    o = run(main)
    assert [(n.thread, n.time) for n in o.notes("woke")] == [("A", 2), ("B", 3)]
    assert o.note("after").result == WAIT_TIMEOUT


def test_initially_signalled_event_satisfies_wait_at_once():
    """Events: a wait on an already-signalled event returns WAIT_OBJECT_0 without blocking; an auto-reset
    event is consumed by it."""
    def main():
        event = yield CreateEvent(None, False, True, None)
        r1 = yield WaitForSingleObject(event, INFINITE)
        r2 = yield WaitForSingleObject(event, 0)
        yield note("r", results=[r1, r2])

    o = run(main)
    assert (o.note("r").results, o.note("r").time) == ([WAIT_OBJECT_0, WAIT_TIMEOUT], 0)
    assert [e for e in o.trace if e.kind == "block"] == []


def test_wsa_create_event_is_manual_reset_and_unsignalled():
    """Events: WSACreateEvent makes a manual-reset event that starts unsignalled; WSASetEvent/WSAResetEvent
    set and reset it; WSACloseEvent closes it."""
    def main():
        ev = yield WSACreateEvent()
        r0 = yield WSAWaitForMultipleEvents([ev], False, 0, False)
        yield WSASetEvent(ev)
        r1 = yield WSAWaitForMultipleEvents([ev], False, 0, False)
        r2 = yield WSAWaitForMultipleEvents([ev], False, 0, False)      # manual: still signalled
        yield WSAResetEvent(ev)
        r3 = yield WSAWaitForMultipleEvents([ev], False, 0, False)
        closed = yield WSACloseEvent(ev)
        yield note("r", results=[r0, r1, r2, r3], closed=closed)

    r = run(main).note("r")
    assert r.results == [WSA_WAIT_TIMEOUT, WSA_WAIT_EVENT_0, WSA_WAIT_EVENT_0, WSA_WAIT_TIMEOUT]
    assert r.closed is True


# --- WaitForSingleObject / Sleep ---------------------------------------------------------

def test_wait_timeout_elapses_at_the_right_time():
    """Waits: WaitForSingleObject on an unsignalled event returns WAIT_TIMEOUT when the timeout elapses;
    Sleep(ms) returns after ms; SleepEx(ms, FALSE) returns 0."""
    def main():
        event = yield CreateEvent(None, True, False, None)
        r = yield WaitForSingleObject(event, 25)
        yield note("wait", result=r)
        yield Sleep(10)
        r = yield SleepEx(5, False)
        yield note("sleep", result=r)

    o = run(main)
    assert (o.note("wait").result, o.note("wait").time) == (WAIT_TIMEOUT, 25)
    assert (o.note("sleep").result, o.note("sleep").time) == (0, 40)


def test_zero_timeout_never_blocks():
    """Waits: a zero timeout never blocks: WaitForSingleObject(E, 0) on an unsignalled event returns
    WAIT_TIMEOUT at once, Sleep(0) returns at once."""
    def main():
        event = yield CreateEvent(None, True, False, None)
        r = yield WaitForSingleObject(event, 0)
        yield Sleep(0)
        yield note("r", result=r)

    o = run(main)
    assert (o.note("r").result, o.note("r").time) == (WAIT_TIMEOUT, 0)
    assert [e for e in o.trace if e.kind == "block"] == []


def test_waits_on_invalid_handles_fail():
    """Waits (misuse): waiting on a handle that is not a waitable object returns WAIT_FAILED with
    ERROR_INVALID_HANDLE; SetEvent/ResetEvent on a non-event fail with ERROR_INVALID_HANDLE."""
    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        r1 = yield WaitForSingleObject(0x4444, 10)
        e1 = yield GetLastError()
        r2 = yield SetEvent(port)
        e2 = yield GetLastError()
        yield SetLastError(0)
        r3 = yield ResetEvent(0x4444)
        e3 = yield GetLastError()
        yield note("r", results=[r1, r2, r3], errors=[e1, e2, e3])

    o = run(main)
    assert o.note("r").results == [WAIT_FAILED, False, False]
    assert o.note("r").errors == [ERROR_INVALID_HANDLE] * 3
    assert o.note("r").time == 0


# --- WaitForMultipleObjects ----------------------------------------------------------------

def test_wait_for_any_returns_the_index_of_the_signalled_object():
    """WaitForMultipleObjects(any): returns WAIT_OBJECT_0 + i for the object that was signalled; with several
    already signalled, the lowest index."""
    def main():
        events = []
        for _ in range(3):
            events.append((yield CreateEvent(None, True, False, None)))

        def setter():
            yield Sleep(5)
            yield SetEvent(events[2])
        yield CreateThread(setter, name="S")
        r1 = yield WaitForMultipleObjects(events, False, INFINITE)
        yield SetEvent(events[1])
        r2 = yield WaitForMultipleObjects(events, False, 0)
        yield note("r", r1=r1, r2=r2)

    o = run(main)
    assert (o.note("r").r1, o.note("r").r2, o.note("r").time) == (WAIT_OBJECT_0 + 2, WAIT_OBJECT_0 + 1, 5)


def test_wait_for_all_needs_every_object_and_consumes_them_together():
    """WaitForMultipleObjects(all): returns only when every object is signalled, then consumes the auto-reset
    ones together."""
    def main():
        a = yield CreateEvent(None, False, False, None)
        b = yield CreateEvent(None, False, False, None)

        def setter():
            yield SetEvent(a)
            yield Sleep(5)
            yield SetEvent(b)
        yield CreateThread(setter, name="S")
        r = yield WaitForMultipleObjects([a, b], True, INFINITE)
        ra = yield WaitForSingleObject(a, 0)
        rb = yield WaitForSingleObject(b, 0)
        yield note("r", result=r, after=[ra, rb])

    o = run(main)
    assert (o.note("r").result, o.note("r").time) == (WAIT_OBJECT_0, 5)
    assert o.note("r").after == [WAIT_TIMEOUT, WAIT_TIMEOUT]


def test_wait_for_more_than_64_objects_is_invalid_parameter():
    """WaitForMultipleObjects: more than MAXIMUM_WAIT_OBJECTS (64) handles, or none, fails with WAIT_FAILED and
    ERROR_INVALID_PARAMETER."""
    def main():
        events = []
        for _ in range(65):
            events.append((yield CreateEvent(None, True, True, None)))
        r64 = yield WaitForMultipleObjects(events[:64], False, 0)
        r65 = yield WaitForMultipleObjects(events, False, 0)
        e65 = yield GetLastError()
        r0 = yield WaitForMultipleObjects([], False, 0)
        e0 = yield GetLastError()
        yield note("r", r64=r64, r65=r65, e65=e65, r0=r0, e0=e0)

    r = run(main).note("r")
    assert r.r64 == WAIT_OBJECT_0
    assert (r.r65, r.e65) == (WAIT_FAILED, ERROR_INVALID_PARAMETER)
    assert (r.r0, r.e0) == (WAIT_FAILED, ERROR_INVALID_PARAMETER)


def test_wait_on_a_thread_handle():
    """WaitForSingleObject on a thread handle returns WAIT_OBJECT_0 when the thread ends (it stays signalled)."""
    def t1():
        yield Sleep(8)

    def main():
        h = yield CreateThread(t1, name="T1")
        r = yield WaitForSingleObject(h, INFINITE)
        r2 = yield WaitForSingleObject(h, 0)
        yield note("r", results=[r, r2])

    o = run(main)
    assert (o.note("r").results, o.note("r").time) == ([WAIT_OBJECT_0, WAIT_OBJECT_0], 8)


# --- WSAWaitForMultipleEvents --------------------------------------------------------------

def test_wsa_wait_more_than_64_events_is_wsa_invalid_parameter():
    """WSAWaitForMultipleEvents: more than WSA_MAXIMUM_WAIT_EVENTS (64) events fails with WSA_WAIT_FAILED and
    WSA_INVALID_PARAMETER — the limit the seed notes blame for EventSelect not scaling."""
    def main():
        events = []
        for _ in range(65):
            events.append((yield WSACreateEvent()))
        r64 = yield WSAWaitForMultipleEvents(events[:64], False, 0, False)
        e64 = yield WSAGetLastError()
        r65 = yield WSAWaitForMultipleEvents(events, False, 0, False)
        e65 = yield WSAGetLastError()
        yield note("r", r64=r64, e64=e64, r65=r65, e65=e65)

    r = run(main).note("r")
    assert r.r64 == WSA_WAIT_TIMEOUT
    assert (r.r65, r.e65) == (WSA_WAIT_FAILED, WSA_INVALID_PARAMETER)


def test_wsa_wait_alertable_returns_io_completion():
    """WSAWaitForMultipleEvents(fAlertable=TRUE) blocked on an unsignalled event returns
    WSA_WAIT_IO_COMPLETION (0xC0) when an APC is queued to the thread, after running it (C2, C5)."""
    def t1(ev):
        r = yield WSAWaitForMultipleEvents([ev], False, WSA_INFINITE, True)
        yield note("r", result=r)

    def main():
        ev = yield WSACreateEvent()
        h = yield CreateThread(t1, ev, name="T1")
        yield Sleep(4)
        yield QueueUserAPC(apc, h, 1)
        yield Sleep(1)

    o = run(main)
    assert (o.note("r").result, o.note("r").time) == (0xC0, 4)            # WSA_WAIT_IO_COMPLETION (MS-WSAWFME)
    assert [n.thread for n in o.notes("apc")] == ["T1"]


def test_wsa_wait_non_alertable_does_not_run_apcs():
    """WSAWaitForMultipleEvents(fAlertable=FALSE) ignores queued APCs: it returns the event or the timeout."""
    def main():
        me = yield GetCurrentThread()
        ev = yield WSACreateEvent()
        yield QueueUserAPC(apc, me, 1)
        r = yield WSAWaitForMultipleEvents([ev], False, 5, False)
        yield note("r", result=r)

    o = run(main)
    assert (o.note("r").result, o.note("r").time) == (WSA_WAIT_TIMEOUT, 5)
    assert o.notes("apc") == []


def test_wait_for_multiple_objects_ex_alertable():
    """WaitForMultipleObjectsEx(alertable) returns WAIT_IO_COMPLETION when an APC runs (C2)."""
    def t1(events):
        r = yield WaitForMultipleObjectsEx(events, False, INFINITE, True)
        yield note("r", result=r)

    def main():
        a = yield CreateEvent(None, True, False, None)
        b = yield CreateEvent(None, True, False, None)
        h = yield CreateThread(t1, [a, b], name="T1")
        yield Sleep(2)
        yield QueueUserAPC(apc, h, 1)
        yield Sleep(1)

    assert run(main).note("r").result == WAIT_IO_COMPLETION


# --- CloseHandle, port handle waits -----------------------------------------------------------

def test_close_handle_twice_fails_the_second_time():
    """CloseHandle: closing a handle returns TRUE; closing it again returns FALSE with ERROR_INVALID_HANDLE."""
    def main():
        event = yield CreateEvent(None, True, False, None)
        ok1 = yield CloseHandle(event)
        ok2 = yield CloseHandle(event)
        err = yield GetLastError()
        yield note("r", ok=[ok1, ok2], err=err)

    r = run(main).note("r")
    assert r.ok == [True, False] and r.err == ERROR_INVALID_HANDLE


def test_port_handle_is_signalled_while_packets_are_queued():
    """Oracle 1.15/1.16: a port handle waited on directly is signalled while packets are queued, a packet taken
    by a GQCS waiter does not signal it, and closing the port signals it (WAIT_OBJECT_0)."""
    def gqcs(port):
        yield GetQueuedCompletionStatus(port, INFINITE)
        yield note("gqcs")

    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        r0 = yield WaitForSingleObject(port, 0)
        yield CreateThread(gqcs, port, name="G")
        yield Sleep(1)
        yield PostQueuedCompletionStatus(port, 0, 1, None)   # taken by G at once
        r1 = yield WaitForSingleObject(port, 0)
        yield PostQueuedCompletionStatus(port, 0, 2, None)   # queued
        r2 = yield WaitForSingleObject(port, 0)
        yield note("r", results=[r0, r1, r2])
        yield Sleep(1)

    o = run(main)
    assert o.note("r").results == [WAIT_TIMEOUT, WAIT_TIMEOUT, WAIT_OBJECT_0]
    assert o.note("gqcs").thread == "G"


def test_closing_the_port_signals_direct_waiters():
    """Oracle 1.16: a thread waiting directly on the port handle with WaitForSingleObject returns WAIT_OBJECT_0
    when the port handle is closed."""
    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        yield CreateThread(waiter, port, name="W")
        yield Sleep(3)
        yield CloseHandle(port)
        yield Sleep(1)

    o = run(main)
    assert (o.note("woke").result, o.note("woke").time) == (WAIT_OBJECT_0, 3)


def test_duplicated_event_handle_outlives_closing_the_original():
    """An object lives while any handle to it is open: after CloseHandle on the original, the
    duplicate still sets and waits on the same event; closing the duplicate too frees it."""
    def main():
        event = yield CreateEvent(None, TRUE, FALSE, None)
        me = yield GetCurrentProcess()
        ok, dup = yield DuplicateHandle(me, event, me, 0, FALSE, DUPLICATE_SAME_ACCESS)
        yield CloseHandle(event)
        yield note("set", ok=(yield SetEvent(dup)), waited=(yield WaitForSingleObject(dup, 0)))
        yield note("closed", first=(yield CloseHandle(dup)), second=(yield CloseHandle(dup)),
                   error=(yield GetLastError()))
        ok, _ = yield DuplicateHandle(me, 12345, me, 0, FALSE, DUPLICATE_SAME_ACCESS)
        yield note("bad", ok=ok, error=(yield GetLastError()))
    o = run(main)
    assert (o.note("set").ok, o.note("set").waited) == (True, WAIT_OBJECT_0)
    closed = o.note("closed")
    assert (closed.first, closed.second, closed.error) == (True, False, ERROR_INVALID_HANDLE)
    assert (o.note("bad").ok, o.note("bad").error) == (False, ERROR_INVALID_HANDLE)
