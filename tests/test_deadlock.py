"""Deadlock detection (kernelsim/model/deadlock.py, rule L11) in the model, run, step and explore."""

import json

from kernelsim import cli, scenario
from kernelsim.explore import explore
from kernelsim.win32 import *

from helpers import run

INVERSION = '''from kernelsim.win32 import *
TITLE = "two locks taken in opposite orders"

def worker(first, second):
    yield EnterCriticalSection(first)
    yield EnterCriticalSection(second)
    yield LeaveCriticalSection(second)
    yield LeaveCriticalSection(first)

def main():
    a, b = CRITICAL_SECTION("list"), CRITICAL_SECTION("session")
    yield InitializeCriticalSection(a)
    yield InitializeCriticalSection(b)
    t1 = yield CreateThread(worker, a, b, name="T1")
    t2 = yield CreateThread(worker, b, a, name="T2")
    yield WaitForMultipleObjects([t1, t2], True, INFINITE)
'''

CYCLE = "T1 → critical section 'session' → T2 → critical section 'list' → T1"


def _inversion(tmp_path):
    path = tmp_path / "inversion.py"
    path.write_text(INVERSION, encoding="utf-8")
    return path


def _deadlocking_schedule(path):
    report = explore(scenario.load(str(path)), "dfs", 2, 1000, 20.0, check=False)
    assert report.failed
    return (report.minimised or report.failing).schedule


def test_L11_a_lock_order_inversion_is_a_deadlock_naming_the_cycle(tmp_path):
    """L11: when every thread waits and the wait-for graph has a cycle (T1 holds 'list' and waits for
    'session', T2 holds 'session' and waits for 'list'), the run ends "deadlock" and names the cycle
    thread → lock → owner …; the outcome fails."""
    path = _inversion(tmp_path)
    o = scenario.run(str(path), schedule=_deadlocking_schedule(path))
    assert o.end_reason == "deadlock" and o.kernel.deadlock == CYCLE
    assert o.failures == [f"deadlock: {CYCLE}"]
    assert o.trace[-1].kind == "end" and CYCLE in o.trace[-1].text


def test_L11_the_default_schedule_of_the_inversion_does_not_deadlock(tmp_path):
    """L11: the same program finishes when T1 runs its two enters before T2 starts (the default)."""
    o = scenario.run(str(_inversion(tmp_path)))
    assert o.passed and o.end_reason == "main returned"


def test_L11_run_exits_1_and_says_deadlock(tmp_path, capsys):
    """L11: `kernelsim run --schedule S` of a deadlocking schedule exits 1 and prints the cycle; --json
    carries it in failures."""
    path = _inversion(tmp_path)
    schedule = _deadlocking_schedule(path)
    assert cli.main(["run", str(path), "--schedule", schedule]) == 1
    out = capsys.readouterr().out
    assert f"check: FAILED: deadlock: {CYCLE}" in out
    assert cli.main(["run", str(path), "--schedule", schedule, "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["failures"] == [f"deadlock: {CYCLE}"]


def test_L11_step_shows_the_deadlock_and_exits_1(tmp_path, capsys):
    """L11: `kernelsim step` (no TTY: every step printed) ends with the deadlock's cycle, the locks panel
    shows who owns and who waits, and the command exits 1 like run."""
    path = _inversion(tmp_path)
    assert cli.main(["step", str(path), "--schedule", _deadlocking_schedule(path)]) == 1
    out = capsys.readouterr().out
    assert out.rstrip().endswith(f"deadlock: {CYCLE}")
    assert "locks" in out and "critical section 'session'" in out


def test_L11_explore_reports_the_deadlock_with_a_replay_string(tmp_path, capsys):
    """L11: `kernelsim explore` treats a deadlock as a failure: exit 1, "deadlock" with the cycle, and
    the replay command with its schedule; --json carries the cycle."""
    path = _inversion(tmp_path)
    assert cli.main(["explore", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"FAILED: deadlock: {CYCLE}" in out
    replay = next(line for line in out.splitlines() if line.startswith("replay it:"))
    schedule = replay.split("--schedule ")[1].strip()
    assert scenario.run(str(path), schedule=schedule).kernel.deadlock == CYCLE
    assert cli.main(["explore", str(path), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["failed"] and report["deadlock"] == CYCLE and report["reason"] == f"deadlock: {CYCLE}"


def test_L11_threads_waiting_for_each_other_to_exit_are_a_deadlock():
    """L11: a wait on a thread object waits for that thread; two threads each waiting for the other to
    end form a cycle through thread objects."""
    def waits_for(box, other):
        yield Sleep(1)
        yield WaitForSingleObject(box[other], INFINITE)

    def main():
        box = {}
        box["T1"] = yield CreateThread(waits_for, box, "T2", name="T1")
        box["T2"] = yield CreateThread(waits_for, box, "T1", name="T2")
        yield WaitForMultipleObjects([box["T1"], box["T2"]], True, INFINITE)

    o = run(main)
    assert o.end_reason == "deadlock"
    assert o.kernel.deadlock == "T1 → thread T2 → T2 → thread T1 → T1"


def test_L11_every_thread_waiting_without_a_cycle_stays_a_hang():
    """L11: all threads waiting on an event nobody sets is a hang, not a deadlock."""
    def main():
        cs = CRITICAL_SECTION()
        yield InitializeCriticalSection(cs)
        yield EnterCriticalSection(cs)
        event = yield CreateEvent(None, True, False, None)
        yield WaitForSingleObject(event, INFINITE)

    o = run(main)
    assert o.end_reason == "hang" and o.kernel.deadlock == ""


def test_L11_a_scenario_that_expects_a_deadlock_passes_only_when_it_happens():
    """L11: CONFIG expect_deadlock makes the deadlock the scenario's claim: the run passes when it
    deadlocks, and fails when it does not."""
    def reentry():
        s = SRWLOCK("s")
        yield InitializeSRWLock(s)
        yield AcquireSRWLockExclusive(s)
        yield AcquireSRWLockExclusive(s)

    def fine():
        yield Sleep(1)

    assert run(reentry, config={"expect_deadlock": True}).passed
    o = run(fine, config={"expect_deadlock": True})
    assert not o.passed and "expects a deadlock" in o.failures[0]
