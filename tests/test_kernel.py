"""The engine: handle table, the one choice point and schedule replay, CPUs and compute, the end of a run,
scenario errors, and misuse that Windows reports with a failure value rather than an exception.
"""

import json

import pytest

from helpers import peek, run

from kernelsim.model import ScenarioError
from kernelsim.model.kernel import Chooser, parse_schedule
from kernelsim.scenario import UsageError
from kernelsim.win32 import *
from kernelsim.win32 import Call


def line_of(marker):
    """The line number in this file of the line that contains marker (in a comment)."""
    with open(__file__, encoding="utf-8") as f:
        for number, text in enumerate(f, 1):
            if marker in text and "line_of(" not in text:
                return number
    raise LookupError(marker)


# --- handles ------------------------------------------------------------------------------

def test_handle_values_are_reused_most_recently_freed_first():
    """Handle table: values are multiples of 4 and a freed value is handed out again, the most recently freed
    first (LIFO), which is why a socket value can come back for a new connection."""
    def main():
        a = yield CreateEvent(None, True, False, None)
        b = yield CreateEvent(None, True, False, None)
        c = yield CreateEvent(None, True, False, None)
        yield CloseHandle(a)
        yield CloseHandle(c)
        d = yield CreateEvent(None, True, False, None)
        e = yield CreateEvent(None, True, False, None)
        f = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        yield note("h", a=a, b=b, c=c, d=d, e=e, f=f)

    h = run(main).note("h")
    assert all(v % 4 == 0 and v > 0 for v in (h.a, h.b, h.c))
    assert len({h.a, h.b, h.c}) == 3
    assert (h.d, h.e) == (h.c, h.a)
    assert h.f not in (h.a, h.b, h.c)


# --- the choice point ---------------------------------------------------------------------

def race_main():
    """Two threads ready at the same instant on one CPU: which runs first is a choice."""
    def worker(tag):
        yield note("ran", who=tag)
        yield compute(1)
        yield note("done", who=tag)

    for tag in ("A", "B", "C"):
        yield CreateThread(worker, tag, name=tag)
    yield Sleep(10)


def order(outcome):
    return [n.who for n in outcome.notes("ran")]


def test_choice_point_default_policy_and_schedule_replay():
    """Choice point: every nondeterministic decision goes through k.choose; seed 0 takes option 0 (the
    longest-ready thread); a schedule string replays the choices exactly."""
    base = run(race_main, config={"cpus": 1})
    assert order(base) == ["A", "B", "C"]
    assert base.schedule and set(base.schedule.replace(".", "")) == {"0"}
    other = run(race_main, config={"cpus": 1}, schedule="2")
    assert order(other)[0] == "C"
    replay = run(race_main, config={"cpus": 1}, schedule=other.schedule)
    assert json.dumps(replay.to_json(), sort_keys=True) == json.dumps(other.to_json(), sort_keys=True)


def test_seeded_runs_are_reproducible_and_replayable():
    """Choice point: a nonzero seed picks at random but reproducibly (same seed → byte-identical JSON); the
    schedule it prints replays the same run with seed 0."""
    seen = set()
    for seed in range(1, 13):
        a = run(race_main, config={"cpus": 1}, seed=seed)
        b = run(race_main, config={"cpus": 1}, seed=seed)
        assert json.dumps(a.to_json(), sort_keys=True) == json.dumps(b.to_json(), sort_keys=True)
        replay = run(race_main, config={"cpus": 1}, schedule=a.schedule)
        assert order(replay) == order(a) and replay.schedule == a.schedule
        seen.add(tuple(order(a)))
    assert len(seen) > 1                       # the seeds really explore different orders


def test_impossible_schedule_is_a_usage_error():
    """Choice point: a schedule asking for an option that does not exist is a usage error (CLI exit 2)."""
    with pytest.raises(UsageError):
        run(race_main, config={"cpus": 1}, schedule="7")
    with pytest.raises(ValueError):
        parse_schedule("0.x")
    assert parse_schedule("0.2.1") == [0, 2, 1] and parse_schedule("") == []


def test_a_delay_names_a_thread_and_a_step_from_one():
    """Delays ('!THREAD@STEP'): steps are counted from 1, as the stepper shows them, so step 0 or a missing
    thread or step is refused with the form to write; good ones are kept per step, in the order given."""
    for bad in ("0!W1@0", "0!@5", "0!W1@", "0!W1@x"):
        with pytest.raises(ValueError, match="THREAD@STEP"):
            parse_schedule(bad)
    choices = parse_schedule("0.1!W1@57,T2@57,W3@4")
    assert list(choices) == [0, 1] and choices.holds == {57: ("W1", "T2"), 4: ("W3",)}


def test_chooser_records_only_real_decisions():
    """Choice point: a decision with one option is not a choice and is not recorded in the schedule."""
    c = Chooser(seed=0)
    assert c.choose("x", ["only"]) == "only"
    assert c.choose("y", ["a", "b"]) == "a"
    assert c.schedule == "0" and c.labels == ["y"]


# --- CPUs and compute ------------------------------------------------------------------------

def compute_main():
    def worker():
        yield compute(10)
        yield note("done")

    yield CreateThread(worker, name="A")
    yield CreateThread(worker, name="B")
    yield Sleep(50)


def test_compute_occupies_a_cpu():
    """CPUs: compute(ms) holds one simulated CPU for ms; with 2 CPUs two 10 ms computes (plus main asleep)
    finish together at 10 ms, with 1 CPU one after the other at 10 and 20 ms."""
    two = run(compute_main, config={"cpus": 2})
    assert sorted(n.time for n in two.notes("done")) == [10, 10]
    one = run(compute_main, config={"cpus": 1})
    assert sorted(n.time for n in one.notes("done")) == [10, 20]


def test_default_cpu_count_is_four():
    """CPUs: CONFIG["cpus"] defaults to 4 (so a port with n=0 has MaximumCount 4, A1)."""
    def main():
        yield peek("k", lambda k: {"cpus": k.cpus})

    assert run(main).note("k").cpus == 4


def test_a_ready_thread_waits_for_a_free_cpu():
    """CPUs: a thread woken (at 2 ms) while the only CPU is busy computing stays ready until the CPU frees
    (at 11 ms)."""
    def sleeper():
        yield Sleep(2)
        yield note("ran")

    def main():
        yield CreateThread(sleeper, name="S")
        yield Sleep(1)
        yield compute(10)
        yield Sleep(5)

    o = run(main, config={"cpus": 1})
    assert o.note("ran").time == 11


# --- the end of a run ------------------------------------------------------------------------

def test_main_returning_ends_the_run():
    """Engine: when main returns the run ends, like a process: other threads stop where they are."""
    def slow():
        yield Sleep(1000)
        yield note("never")

    def main():
        yield CreateThread(slow, name="T1")
        yield Sleep(10)

    o = run(main)
    assert o.passed and o.end_reason == "main returned"
    assert o.notes("never") == [] and o.kernel.now == 10
    assert o.trace[-1].kind == "end"


def test_a_run_where_every_thread_waits_forever_is_reported():
    """Engine: when every thread waits and nothing is left to happen the run ends as a hang, and the outcome
    fails naming what each thread waits on."""
    def main():
        event = yield CreateEvent(None, True, False, None)
        yield WaitForSingleObject(event, INFINITE)

    o = run(main)
    assert o.end_reason == "hang" and not o.passed
    assert "main waits on" in o.failures[0]


def test_check_failures_are_reported_not_raised():
    """Engine: a scenario's check(outcome) that fails an assertion makes the outcome fail (CLI exit 1)."""
    def main():
        yield note("x", v=1)

    def check(outcome):
        assert outcome.note("x").v == 2, "v should be 2"

    o = run(main, check=check)
    assert not o.passed and "v should be 2" in o.failures[0]


# --- scenario errors ----------------------------------------------------------------------------

def test_exception_in_a_thread_stops_with_file_and_line():
    """Scenario errors: a Python exception in a scenario thread stops the run with the scenario's file and
    the line that raised, not a traceback."""
    def worker():
        yield Sleep(1)
        {}["missing"]  # RAISE-HERE

    def main():
        yield CreateThread(worker, name="T1")
        yield Sleep(5)

    with pytest.raises(ScenarioError) as info:
        run(main)
    assert info.value.file == __file__ and info.value.line == line_of("RAISE-HERE")
    assert "KeyError" in info.value.message


def test_yielding_something_that_is_not_a_call_stops_with_file_and_line():
    """Scenario errors: a thread that yields something that is not a Win32 call stops the run with the file
    and line of that yield."""
    def main():
        yield Sleep(1)
        yield 42  # BAD-YIELD

    with pytest.raises(ScenarioError) as info:
        run(main)
    assert (info.value.file, info.value.line) == (__file__, line_of("BAD-YIELD"))
    assert "not a Win32 call" in info.value.message


def test_unmodelled_call_and_bad_arguments_stop_with_the_call_line():
    """Scenario errors: a call the model does not implement, or a call with the wrong arguments, stops the run
    at the scenario line that made it."""
    def NtFrobnicate(x):                       # a request built the way kernelsim.win32.calls builds them
        return Call("NtFrobnicate", x)

    def SetEvent3(a, b, c):
        return Call("SetEvent", a, b, c)

    def unknown():
        yield NtFrobnicate(1)  # UNKNOWN-CALL

    def badargs():
        yield SetEvent3(1, 2, 3)  # BAD-ARGS

    with pytest.raises(ScenarioError) as info:
        run(unknown)
    assert info.value.line == line_of("UNKNOWN-CALL") and "not modelled" in info.value.message
    with pytest.raises(ScenarioError) as info:
        run(badargs)
    assert info.value.line == line_of("BAD-ARGS") and "SetEvent" in info.value.message


def test_thread_function_must_be_a_generator():
    """Scenario errors: CreateThread with a plain function stops at the CreateThread line."""
    def plain():
        return 1

    def main():
        yield CreateThread(plain, name="T1")  # PLAIN-THREAD

    with pytest.raises(ScenarioError) as info:
        run(main)
    assert info.value.line == line_of("PLAIN-THREAD") and "generator" in info.value.message


def test_trace_events_carry_the_scenario_line():
    """Trace: each event carries the scenario file line that caused it (DESIGN §5)."""
    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        yield PostQueuedCompletionStatus(port, 0, 1, None)  # POST-LINE

    o = run(main)
    queued = [e for e in o.trace if e.kind == "queue"]
    assert queued and queued[0].line == line_of("POST-LINE") and queued[0].file == __file__


# --- misuse returns Windows' failure values ----------------------------------------------------

def test_misuse_returns_windows_failure_values_not_exceptions():
    """Misuse that Windows reports returns Windows' failure value and sets the last error: an invalid handle
    to GQCS, GQCSEx, PQCS, CloseHandle, SetEvent, QueueUserAPC → FALSE / ERROR_INVALID_HANDLE; a wait on an
    invalid handle → WAIT_FAILED; QueueUserAPC to an ended thread → ERROR_GEN_FAILURE."""
    def quick():
        yield note("quick")

    def apc(x):
        yield note("apc")

    def main():
        bad = 0x7FF0
        results = []
        for call in (GetQueuedCompletionStatus(bad, 0), GetQueuedCompletionStatusEx(bad, 1, 0, False),
                     PostQueuedCompletionStatus(bad, 0, 0, None), CloseHandle(bad), SetEvent(bad),
                     QueueUserAPC(apc, bad, 0), WaitForSingleObject(bad, 0)):
            yield SetLastError(0)
            r = yield call
            err = yield GetLastError()
            results.append((call.name, r, err))
        h = yield CreateThread(quick, name="Q")
        yield WaitForSingleObject(h, INFINITE)
        r = yield QueueUserAPC(apc, h, 0)
        err = yield GetLastError()
        results.append(("QueueUserAPC-ended", r, err))
        yield note("r", results=results)

    o = run(main)
    assert o.passed, o.failures
    got = {name: (r, err) for name, r, err in o.note("r").results}
    assert got == {
        "GetQueuedCompletionStatus": ((False, 0, 0, None), ERROR_INVALID_HANDLE),
        "GetQueuedCompletionStatusEx": ((False, []), ERROR_INVALID_HANDLE),
        "PostQueuedCompletionStatus": (False, ERROR_INVALID_HANDLE),
        "CloseHandle": (False, ERROR_INVALID_HANDLE),
        "SetEvent": (False, ERROR_INVALID_HANDLE),
        "QueueUserAPC": (False, ERROR_INVALID_HANDLE),
        "WaitForSingleObject": (WAIT_FAILED, ERROR_INVALID_HANDLE),
        "QueueUserAPC-ended": (False, ERROR_GEN_FAILURE),
    }


def test_last_error_is_per_thread():
    """Engine: the last error belongs to the calling thread; one thread's failure does not change another's."""
    def other():
        yield CloseHandle(0x7FF0)                 # fails: sets T1's last error only
        err = yield GetLastError()
        yield note("other", err=err)

    def main():
        yield SetLastError(5)
        yield CreateThread(other, name="T1")
        yield Sleep(1)
        err = yield GetLastError()
        yield note("main", err=err)

    o = run(main)
    assert (o.note("other").err, o.note("main").err) == (ERROR_INVALID_HANDLE, 5)


# --- profiles ---------------------------------------------------------------------------------

def test_config_overrides_a_profile_switch():
    """Profiles: a scenario's CONFIG may override any single switch, and the outcome names the change."""
    def main():
        yield peek("p", lambda k: {"order": k.profile.waiter_order, "limit": k.profile.concurrency_limit})

    o = run(main, config={"waiter_order": "fifo"})
    assert (o.note("p").order, o.note("p").limit) == ("fifo", True)
    assert "waiter_order=fifo" in o.profile
    w = run(main, profile="wine")
    assert (w.note("p").order, w.note("p").limit) == ("fifo", False)
    with pytest.raises(ValueError):
        run(main, profile="beos")


def test_a_failed_call_gets_a_trace_row_with_its_error_and_line():
    """Misuse Windows reports (a bad handle) returns the failure value, sets the last error and leaves a
    row naming the call, the error and the scenario line; SetLastError is not a failure."""
    import inspect
    from kernelsim.win32 import CloseHandle, SetLastError, closesocket, SetEvent

    def main():
        yield CloseHandle(4444)
        yield closesocket(4448)
        yield SetEvent(0x12345)
        yield SetLastError(5)

    out = run(main)
    fails = [e for e in out.trace if e.kind == "fail"]
    assert [e.text for e in fails] == [
        "main's CloseHandle(4444) fails: ERROR_INVALID_HANDLE (6), returns FALSE",
        "main's closesocket(4448) fails: WSAENOTSOCK (10038), returns -1",
        "main's SetEvent(0x12345) fails: ERROR_INVALID_HANDLE (6), returns FALSE",
    ]
    first = inspect.getsourcelines(main)[1]
    assert [e.line for e in fails] == [first + 1, first + 2, first + 3]
    assert all("sets the last error" in e.why for e in fails)


def test_a_failure_that_narrates_itself_gets_no_second_row():
    """A call whose handler already explains its failure (WSASend on an unconnected socket) is not
    narrated twice."""
    from kernelsim.win32 import AF_INET, SOCK_STREAM, WSABUF, OVERLAPPED, WSASend, socket

    def main():
        s = yield socket(AF_INET, SOCK_STREAM, 0)
        yield WSASend(s, [WSABUF(b"x")], OVERLAPPED())

    out = run(main)
    rows = [e for e in out.trace if "WSASend" in e.text]
    assert len(rows) == 1 and "fails at once" in rows[0].text and rows[0].kind != "fail"


def test_a_schedule_string_writes_runs_of_three_or_more_equal_choices_as_value_times_count():
    """The replay string (README "Runs of equal choices are written v*n"; kernel.format_schedule: three or
    more): [0, 0, 0, 2] is '0*3.2', a pair stays '0.0.2', and parsing gives the choices back."""
    from kernelsim.model.kernel import format_schedule, parse_schedule
    assert format_schedule([0, 0, 0, 2]) == "0*3.2"
    assert format_schedule([0, 0, 2, 1, 1, 1, 1]) == "0.0.2.1*4"
    for choices in ([0, 0, 0, 2], [0, 0, 2, 1, 1, 1, 1], [3]):
        assert list(parse_schedule(format_schedule(choices))) == choices


def test_a_kernel_made_without_a_seed_always_takes_the_default_choice():
    """Determinism (DESIGN: every nondeterministic decision goes through one choice point; kernel.Chooser:
    seed 0 always takes index 0): a Kernel built with no seed makes no random choice."""
    from kernelsim.model.kernel import Kernel
    k = Kernel()
    assert [k.chooser.choose("test", ["a", "b", "c"]) for _ in range(40)] == ["a"] * 40


def test_a_run_that_records_no_trace_keeps_no_events_but_its_notes_and_result():
    """The explorer's and the benchmarks' runs record no trace (README: "nothing is narrated when nothing
    records it"): with trace=False the outcome has no trace events, while the notes and the verdict are the
    same as in a traced run."""
    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        yield PostQueuedCompletionStatus(port, 1, 2, None)
        yield note("r", r=(yield GetQueuedCompletionStatus(port, 0)))

    quiet, traced = run(main, trace=False), run(main)
    assert len(quiet.trace) == 0 and len(traced.trace) > 0
    assert quiet.note("r").r == traced.note("r").r == (True, 1, 2, None) and quiet.passed
