"""Runaway guards (issue 13): no loop in a scenario can run the machine out of time or memory.

* The spin guard: ``spin_limit`` calls (default 1,000,000) without simulated time advancing end the
  run with exit 1, naming the thread, the line it loops on and the setting to change.
* The event guard: a traced run records at most ``max_events`` events (default 100,000; the
  catalogue's largest run has 15,000), so a ``Sleep(1)`` loop stops after 50,000 turns instead
  of narrating 1.2 million lines until the simulated-time limit; a zero-time loop that reaches
  it first is reported as a spin.
* The memory guard on recorded snapshots is tested in test_snapshots.py.
* ``live --timeout`` bounds the whole check of a scenario: the model runs as well as the live run.
"""

import re
import textwrap
import time

import pytest

from kernelsim import cli, scenario
from kernelsim.model import Kernel, ScenarioError
from kernelsim.win32 import (INFINITE, CreateEvent, CreateThread, Sleep, WaitForMultipleObjects,
                             WaitForSingleObject, note)

from helpers import run


def loop_forever():
    n = 0
    while True:
        n += 1
        yield note("tick", n=n)


def test_the_spin_guard_names_the_thread_the_line_and_the_setting():
    """An untraced run (the explorer's, live's model side) of a loop that never waits stops at spin_limit."""
    with pytest.raises(ScenarioError) as info:
        run(loop_forever, trace=False, config={"spin_limit": 5000})
    exc = info.value
    assert exc.line == loop_forever.__code__.co_firstlineno + 4
    assert exc.message == ("thread main executed 5,000 calls without simulated time advancing (a loop that never "
                           "waits or sleeps?); if it should, raise the limit: --spin-limit N or CONFIG['spin_limit']")


def test_a_thread_that_trips_the_spin_guard_on_its_first_step_is_named_at_its_function():
    """The spin guard may trip on a thread's very first step (here: main makes three threads at one
    instant, with a limit of 5 calls, and the second new thread's first step is the sixth call).  It has
    run no call yet, so the message points at the function it runs: its file and its def line."""
    def worker():
        yield Sleep(1)

    def main():
        hs = []
        for _ in range(3):
            hs.append((yield CreateThread(worker)))
        yield WaitForMultipleObjects(hs, True, INFINITE)
    with pytest.raises(ScenarioError) as info:
        run(main, trace=False, config={"spin_limit": 5})
    exc = info.value
    assert (exc.file, exc.line) == (__file__, worker.__code__.co_firstlineno)
    assert exc.message.startswith("thread T2 executed 5 calls without simulated time advancing")


def test_the_spin_guard_counts_calls_at_one_instant_only():
    """A thread that sleeps between its calls is not spinning: 3,000 calls over 1,000 instants pass a
    limit of 1,000 calls per instant."""
    def main():
        for i in range(1000):
            yield note("a")
            yield note("b")
            yield Sleep(1)
    out = run(main, trace=False, config={"spin_limit": 1000})
    assert out.passed and len(out.notes()) == 2000


def test_the_spin_limit_is_a_run_option(tmp_path, capsys):
    path = tmp_path / "spin.py"
    path.write_text("from kernelsim.win32 import *\n\ndef main():\n    while True:\n        yield note('x')\n",
                    encoding="utf-8")
    assert cli.main(["run", str(path), "--spin-limit", "300"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == (f"kernelsim: the scenario failed: {path}, line 5: thread main executed 300 calls "
                           "without simulated time advancing (a loop that never waits or sleeps?); if it should, "
                           "raise the limit: --spin-limit N or CONFIG['spin_limit']")


def test_the_default_spin_limit_is_a_million_calls():
    k = Kernel()
    assert (k.spin_limit, k.max_events) == (1_000_000, 100_000)


def test_a_sleep_loop_stops_at_the_event_limit_and_says_which_setting_to_raise():
    """A Sleep(1) loop: two events a turn; the run ends at max_events, a failed run that names
    --max-events, rather than narrating until the 600 s time limit."""
    def main():
        while True:
            yield Sleep(1)
    out = run(main, config={"max_events": 400})
    assert out.end_reason == "event limit" and len(out.trace.events) == 401       # the "run ends" row
    assert out.failures == ["the run did not finish: the run recorded 400 events without finishing (a loop that "
                            "never ends?); if it should go on, raise the limit: --max-events N or "
                            "CONFIG['max_events'] — main waits on Sleep(1 ms)"]


def test_a_zero_time_loop_in_a_traced_run_is_reported_as_a_spin():
    """Traced, the event limit comes first; since every event came at one instant, the message is the
    spin guard's, naming the setting that stopped it."""
    with pytest.raises(ScenarioError) as info:
        run(loop_forever, config={"max_events": 300})
    assert info.value.line == loop_forever.__code__.co_firstlineno + 4
    assert "thread main executed" in info.value.message and "--max-events N" in info.value.message


def test_the_event_limit_is_a_run_option(tmp_path, capsys):
    path = tmp_path / "sleepy.py"
    path.write_text("from kernelsim.win32 import *\n\ndef main():\n    while True:\n        yield Sleep(1)\n",
                    encoding="utf-8")
    assert cli.main(["run", str(path), "--max-events", "50"]) == 1
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if re.match(r"\s+\d+\.\d{3}  main ", line)]
    assert len(rows) == 50 and rows[-1].endswith("main wakes  — Sleep(1 ms): the timeout elapsed")
    assert "check: FAILED: the run did not finish: the run recorded 50 events" in out


def test_every_catalogue_scenario_stays_far_below_the_event_limit():
    """The default limit is a guard, not a constraint: the largest catalogue run records 15,000 events."""
    largest = max(len(scenario.run(name, snapshots=False).trace.events) for name in scenario.catalogue_names())
    assert largest * 5 < Kernel().max_events


def test_a_wall_clock_deadline_stops_a_model_run_that_never_ends():
    """live --timeout bounds the model runs of a check too (oracle.run_model passes the deadline): a
    Sleep(1) loop, untraced, ends with 'time limit' soon after the deadline, not at 600 s simulated."""
    def main():
        while True:
            yield Sleep(1)
    start = time.monotonic()
    out = scenario.run(_module(main), trace=False, snapshots=False, deadline=start + 0.5)
    assert out.end_reason == "time limit" and out.kernel.now < 600_000
    assert time.monotonic() - start < 30


def test_a_wall_clock_deadline_stops_a_zero_time_loop_too():
    start = time.monotonic()
    out = scenario.run(_module(loop_forever), trace=False, snapshots=False, deadline=start + 0.5)
    assert out.end_reason == "time limit" and out.kernel.steps < 1_000_000


def _module(main):
    import types
    module = types.ModuleType("guard_" + main.__name__)
    module.main = main
    return scenario.Scenario(main.__code__.co_filename, module)


# --- live --timeout (needs Wine) ----------------------------------------------------------------

@pytest.fixture(scope="module")
def wine_session():
    from kernelsim.live import wine
    lacking = wine.missing()
    if lacking:
        pytest.skip(f"Wine or mingw-w64 is absent, so live --timeout cannot be checked: {lacking}")
    return wine.shared_session()


def test_live_timeout_bounds_the_whole_check_of_a_never_ending_scenario(wine_session, tmp_path, capsys):
    """A scenario that never ends: the model side stops at the deadline, the live run at what is left of
    it, the profile-switch search does not start again: the check ends (the timeout plus Wine's start-up),
    where it used to take over 120 s."""
    path = tmp_path / "forever.py"
    path.write_text(textwrap.dedent('''
        """Never ends."""
        from kernelsim.win32 import *
        TITLE = "never ends"
        def main():
            while True:
                yield Sleep(1)
        ''').lstrip(), encoding="utf-8")
    start = time.monotonic()
    cli.main(["live", str(path), "--timeout", "3"])
    out = capsys.readouterr().out
    elapsed = time.monotonic() - start
    assert "verdict  failed" in out and "--timeout" in out
    assert elapsed < 60, elapsed


def test_waits_are_not_spins():
    """Blocking waits let time pass: a thread woken 10,000 times by timeouts is not stopped."""
    def main():
        event = yield CreateEvent(None, True, False, None)
        for _ in range(10_000):
            yield WaitForSingleObject(event, 1)       # never signalled: times out after 1 ms
    assert run(main, trace=False, config={"spin_limit": 100}).passed
