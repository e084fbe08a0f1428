"""Kernel rules that a wrong model could break while the older tests still passed (issue 14).

Each test states a promise of kernel.py — the handle table's reuse as the explorer must see it, the
run's guards (steps, events, the wall clock), delays in a schedule, what a thread's ``yield`` gives
back, the "fails" row of a call that failed silently — and observes it from outside: a trace row, a
note, how a run ends.  The cases are the ones a mutation sample showed to be unpinned.
"""

import gc
import textwrap
import time
import types

import pytest

from kernelsim import explore, scenario
from kernelsim.model import ScenarioError
from kernelsim.model.kernel import GC_THRESHOLD, HandleTable
from kernelsim.model.services import SYSCALLS, syscall
from kernelsim.win32 import (INFINITE, Call, CreateEvent, CreateThread, SetEvent, SetLastError, Sleep,
                             WaitForSingleObject, narrate, note)

from helpers import peek, run


def _scenario(main, config=None):
    module = types.ModuleType("kernel_rule_" + main.__name__)
    module.main = main
    module.CONFIG = dict(config or {})
    return scenario.Scenario(main.__code__.co_filename, module)


def _calls(n):
    """main makes n calls and returns: n + 1 steps (its return is its ExitThread, a step of its own)."""
    def main():
        for _ in range(n):
            yield SetLastError(0)
    return main


# --- the handle table as the explorer sees it ----------------------------------------------------

def test_closing_a_value_twice_frees_it_once():
    """HandleTable.close of a value that names nothing (closed already, never made) frees nothing and says
    so — (None, False) — so that the value is not on the free list twice: two later creates must never get
    the same value (LIFO reuse, ReactOS ExpFreeHandleTableEntry frees an entry once)."""
    table = HandleTable()
    first = table.add("event")
    assert table.close(first) == ("event", True)
    assert table.close(first) == (None, False)
    assert table.close(first + 400) == (None, False)
    assert [table.add("a"), table.add("b")] == [first, first + 4]


def test_an_object_with_two_handles_is_closed_with_the_second():
    """DuplicateHandle (oracle 2.11): an object is closed only with its last handle — HandleTable.close
    says whether the value it freed was the object's last."""
    table = HandleTable()
    sock = object()
    one, two = table.add(sock), table.add(sock)
    assert table.close(one) == (sock, False)
    assert table.close(two) == (sock, True)


CLOSE_THEN_CREATE = '''
from kernelsim.win32 import *
TITLE = "a handle value freed by one thread, taken by the other"
CONFIG = {"cpus": 2}

def closer(h):
    yield CloseHandle(h)

def creator():
    h = yield CreateEvent(None, False, False, None)
    yield note("got", h=h)

def main():
    mine = yield CreateEvent(None, False, False, None)
    b = yield CreateThread(creator, name="B")
    a = yield CreateThread(closer, mine, name="A")
    yield WaitForMultipleObjects([a, b], True, INFINITE)
'''


def test_a_closed_handle_value_and_the_next_create_race_and_the_reduced_search_sees_both_orders(tmp_path):
    """The handle table reuses the value freed last (kernel.HandleTable, ReactOS ExpFreeHandleTableEntry;
    seed: socket values are reused).  A closes its event while B creates one: B gets A's old value only if
    the close came first.  B starts first, so the first schedule creates before the close, and there
    the two calls touch no common handle value: only the table's footprint (a close writes the free list
    that the next create reads) orders them.  Plain dfs sees both values, and the reduced search (DPOR)
    must see the same two."""
    path = tmp_path / "close_then_create.py"
    path.write_text(textwrap.dedent(CLOSE_THEN_CREATE), encoding="utf-8")
    plain = explore.explore(scenario.load(str(path)), "dfs", max_preemptions=1, budget=0, seconds=0,
                            keep_going=True)
    reduced = explore.explore(scenario.load(str(path)), "dpor", max_preemptions=1, budget=0, seconds=0,
                              keep_going=True)
    assert plain.exhausted and reduced.exhausted and not plain.failed
    assert len(plain.outcomes) >= 2, plain.outcomes
    assert reduced.outcomes == plain.outcomes


# --- the run's guards ------------------------------------------------------------------------------

@pytest.mark.parametrize("deadline", [False, True], ids=["no-deadline", "deadline"])
def test_max_steps_n_lets_a_run_of_n_steps_finish_and_stops_the_next(deadline):
    """CONFIG max_steps N: a run may execute N steps (each call, and each thread's return); the step after
    them ends it with 'step limit: more than N calls were executed'.  With a wall-clock deadline (the live
    oracle's model runs) the guard also looks at the clock every 16,384 steps; N = 16,385 puts such a look
    on the last allowed step, which must still run."""
    n = 16_385
    limit = time.monotonic() + 600 if deadline else None
    ok = scenario.run(_scenario(_calls(n - 1), {"max_steps": n}), trace=False, snapshots=False, deadline=limit)
    assert (ok.passed, ok.end_reason, ok.kernel.steps) == (True, "main returned", n)
    over = scenario.run(_scenario(_calls(n), {"max_steps": n}), trace=False, snapshots=False, deadline=limit)
    assert (over.end_reason, over.kernel.end_detail) == ("step limit", f"more than {n:d} calls were executed")
    assert not over.passed


def test_the_default_simulated_time_limit_is_600_s_inclusive():
    """README (runaway guards): a run stops at the 600 s simulated-time limit.  A Sleep that ends exactly at
    600,000 ms still wakes its thread; one that would end 1 ms later ends the run with 'time limit'."""
    def sleeper(ms):
        def main():
            yield Sleep(ms)
            yield note("woke")
        return main

    ok = run(sleeper(600_000), trace=False)
    assert ok.passed and [n.time for n in ok.notes("woke")] == [600_000]
    late = run(sleeper(600_001), trace=False)
    assert (late.end_reason, late.kernel.end_detail) == ("time limit", "simulated time passed 600000 ms")
    assert late.notes("woke") == []


def _sleeps_then_spins(turns):
    """turns Sleep(1) calls (two rows each, at different instants), then failing calls at one instant (one
    "fails" row each) for ever."""
    def main():
        for _ in range(turns):
            yield Sleep(1)
        while True:
            yield SetEvent(0)
    return main


def test_the_event_limit_calls_it_a_spin_only_when_most_of_the_steps_came_at_the_last_instant():
    """The event guard (issue 13, kernel._too_many_events): a traced run stops at max_events rows; it is
    reported as the spin guard would only if *most* of the run's steps came at this very instant.  20 Sleep
    turns (40 rows), then zero-time calls: with max_events 78, 39 steps at the last instant are exactly
    half — the run just ends with 'event limit'; with 80, 41 of them are more than half — a spin."""
    out = run(_sleeps_then_spins(20), config={"max_events": 78})
    assert out.end_reason == "event limit" and len(out.trace.events) == 79           # + the "run ends" row
    with pytest.raises(ScenarioError) as info:
        run(_sleeps_then_spins(20), config={"max_events": 80})
    assert info.value.message.startswith("thread main executed 41 calls without simulated time advancing")
    assert info.value.message.endswith("--max-events N or CONFIG['max_events']")


def test_a_run_raises_the_young_collection_threshold_while_it_runs_and_restores_it():
    """Kernel.run: while a run runs, CPython's young-generation threshold is at least GC_THRESHOLD (10,000;
    at the default 700 a 50,000-session run cost 1.5x per session what a 5,000-session one did: run's
    comment), and afterwards it is what the caller had, whatever that was."""
    before = gc.get_threshold()
    try:
        for young in (700, 50_000):
            gc.set_threshold(young, *before[1:])

            def main():
                yield peek("gc", lambda k: {"young": gc.get_threshold()[0]})
            out = run(main)
            assert out.note("gc").young == max(young, GC_THRESHOLD)
            assert gc.get_threshold() == (young, *before[1:])
    finally:
        gc.set_threshold(*before)


# --- delays: a held thread runs again at the next timed event ---------------------------------------

def test_a_thread_held_by_the_schedule_runs_again_when_the_clock_next_advances():
    """A delay in a schedule ('!W@2', DESIGN §4, the explorer's holds) holds W back "until the next timed
    event": when main's Sleep(5) ends at 5 ms, W is released and runs — not only once nothing else is left
    to happen (main's wait for W at 10 ms)."""
    def w():
        yield SetLastError(0)
        yield note("w")

    def main():
        t = yield CreateThread(w, name="W")
        yield Sleep(5)
        yield note("m5")
        yield Sleep(5)
        yield note("m10")
        yield WaitForSingleObject(t, INFINITE)

    out = run(main, config={"cpus": 2}, schedule="!W@2")
    assert out.passed, out.failures
    assert [(e.kind, e.thread, e.time) for e in out.trace if e.kind in ("hold", "release")] == [
        ("hold", "W", 0), ("release", "W", 5)]
    assert [(n.tag, n.time) for n in out.notes()] == [("m5", 5), ("w", 5), ("m10", 10)]


# --- what a yield gives back -----------------------------------------------------------------------

def test_an_instant_helper_gives_the_thread_its_own_result_not_the_previous_calls():
    """DESIGN §4: a thread is a generator and ``x = yield call`` receives that call's result.  narrate runs
    inside the step of the call before it (an instant helper, observe.py), yet its yield still gives back
    narrate's own result (None), not the handle CreateEvent returned just before."""
    def main():
        h = yield CreateEvent(None, False, False, None)
        said = yield narrate("say", "{thread} says hello")
        yield note("results", h=h, said=said)

    out = run(main)
    assert out.passed, out.failures
    results = out.note("results")
    assert isinstance(results.h, int) and results.h > 0
    assert results.said is None


# --- the "fails" row of a call that failed without a row of its own ---------------------------------

@pytest.fixture
def silent_calls():
    """A test-only call that writes no row of its own (as a bad-handle failure does): it leaves ``code``
    as the last error and returns ``result`` (its other arguments are only shown); the registration is
    undone afterwards.  It stands for any call, present or future, that fails or pends silently."""
    def leaves(k, t, code, result, *shown):
        t.last_error = code
        return result
    saved = SYSCALLS.get("test_leaves_error")
    syscall("test_leaves_error")(leaves)
    yield lambda code, result, *shown: Call("test_leaves_error", code, result, *shown)
    if saved is None:
        SYSCALLS.pop("test_leaves_error", None)
    else:
        SYSCALLS["test_leaves_error"] = saved


def test_a_pending_call_gets_no_fails_row_but_any_other_error_does(silent_calls):
    """kernel._failed: a call that set a last error and wrote no row gets a "fails" row — except
    ERROR_IO_PENDING (997), which is not a failure (an overlapped request was started: B1, D2) — and every
    other code, 998 (ERROR_NOACCESS) included, gets one.  The failure value is spelled as Win32 spells it:
    TRUE/FALSE/NULL, tuples element by element, handles above 0xFFFF in hex."""
    def main():
        yield silent_calls(997, (False, 0))
        yield silent_calls(998, (True, 0x10000, None))
        yield silent_calls(6, False)

    out = run(main)
    assert [e.text for e in out.trace if e.kind == "fail"] == [
        "main's test_leaves_error(998, [3 items]) fails: 998 (998), returns (TRUE, 0x10000, NULL)",
        "main's test_leaves_error(6, False) fails: ERROR_INVALID_HANDLE (6), returns FALSE",
    ]


def test_a_silently_failing_call_shows_its_arguments_short_in_its_fails_row(silent_calls):
    """kernel._failed's row names the call with short arguments: a string of up to 20 characters as it
    is, a longer one cut to 17 characters and '...', data as its length, a list as its item count, a
    number as it is (a handle-sized one above 0xFFFF in hex), None as None; the failure value as Win32
    spells it (a number as it is, 0xFFFFFFFF in hex, data as its length)."""
    def main():
        yield silent_calls(87, False, "twenty characters!!!", "twenty-one characters", b"x" * 300, [1, 2])
        yield silent_calls(87, -1, None, 2.5, 0xFFFF, 0x10000, True)
        yield silent_calls(87, 0xFFFFFFFF)
        yield silent_calls(87, b"abc")

    out = run(main)
    assert [e.text for e in out.trace if e.kind == "fail"] == [
        "main's test_leaves_error(87, False, 'twenty characters!!!', 'twenty-one charac...', <300 bytes>, "
        "[2 items]) fails: ERROR_INVALID_PARAMETER (87), returns FALSE",
        "main's test_leaves_error(87, -1, None, 2.5, 65535, 0x10000, True) fails: ERROR_INVALID_PARAMETER (87), "
        "returns -1",
        "main's test_leaves_error(87, 0xffffffff) fails: ERROR_INVALID_PARAMETER (87), returns 0xffffffff",
        "main's test_leaves_error(87, <3 bytes>) fails: ERROR_INVALID_PARAMETER (87), returns <3 bytes>",
    ]


# --- a scenario's own mistake names the scenario's line ---------------------------------------------

BAD_BUFFER = '''from kernelsim.win32 import *

def buffer(size):
    return WSABUF(size)

def main():
    buf = buffer("a hundred")
    yield note("never", n=len(buf.buf))
'''


@pytest.mark.parametrize("where", ["user", "kernelsim/scenarios"])
def test_an_exception_raised_inside_kernelsim_code_names_the_scenario_line_that_called_it(tmp_path, where):
    """Bad input (PREAMBLE, DESIGN): a broken scenario names its file and line, with no traceback.  WSABUF's
    constructor (kernelsim/win32) fails on a string length; the error names the scenario's line where it
    was raised — line 4 in the scenario's helper, not main's call of it at line 7 nor the kernelsim code
    the exception came from — for a user's file and for a catalogue file alike (the catalogue lives in
    kernelsim/scenarios/)."""
    folder = tmp_path / where
    folder.mkdir(parents=True)
    path = folder / "bad_buffer.py"
    path.write_text(BAD_BUFFER, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        scenario.run(scenario.load(str(path)), snapshots=False)
    assert (info.value.file, info.value.line) == (str(path), 4)
    assert info.value.message.startswith("ValueError: ")
