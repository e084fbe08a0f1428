"""The strict live comparison (issue 9), without Wine: handles pair one-to-one, each thread's notes and
calls are compared in order with their results and last error, order-free tags as a multiset, times only
by claims with the scenario's own tolerance, and a deviation is named by the profile switch that explains it.

The "live" side in these tests is a model run under another profile (or a hand-made Side), so every rule of
the comparison is checked here on any machine; test_live.py checks the same against real Wine.
"""

import textwrap

import pytest

from kernelsim import scenario as scenarios
from kernelsim.live import oracle
from kernelsim.live.backend import LiveMs
from kernelsim.live.compare import Pairing, Side, differences, same
from kernelsim.live.record import CallRecord, HandleValue
from kernelsim.outcome import Note, Outcome


def _side(notes=(), calls=None, failures=(), hang=None, unmeasured=False):
    outcome = Outcome("t", 0, "x", [Note(*n) for n in notes], backend="live")
    outcome.failures.extend(failures)
    return Side(outcome, calls or {}, hang, unmeasured)


def test_a_handle_pairs_with_one_live_handle_only():
    """DESIGN (second round): handle values pair one-to-one — a model handle equals the first live handle
    it meets and no other, and a live handle cannot be paired with a second model handle."""
    p = Pairing()
    assert same(HandleValue(4), HandleValue(0x5C), p)
    assert same(HandleValue(4), HandleValue(0x5C), p)
    assert not same(HandleValue(4), HandleValue(0x60), p)          # a second, different pairing
    assert not same(HandleValue(8), HandleValue(0x5C), p)          # the live handle is taken
    assert same(HandleValue(8), HandleValue(0x60), p)


def test_a_number_is_never_a_handle_by_accident():
    """Issue 9: an nbytes of 8 against 12 is a difference, even when 8 and 12 are also handle values
    somewhere in the runs: only values the Recorder typed as handles pair."""
    p = Pairing()
    assert same(HandleValue(8), HandleValue(12), p)
    assert not same(8, 12, p)
    assert not same(HandleValue(8), 8, p)          # a handle against a plain number is a difference


def test_a_reissued_handle_value_is_a_new_object():
    """A value closed and issued again names a new object (record.HandleValue.issue): the model's second
    socket 12 may pair with a live socket other than the one its first socket 12 paired with."""
    p = Pairing()
    assert same(HandleValue(12, 0), HandleValue(0x5C, 0), p)
    assert same(HandleValue(12, 1), HandleValue(0x60, 0), p)
    assert not same(HandleValue(12, 1), HandleValue(0x5C, 0), p)


def test_times_are_not_compared_by_notes_and_booleans_are_not_numbers():
    """Times are compared only by claims: a live time equals any model number in a note field.  True is
    not 1, and bytes compare by content."""
    p = Pairing()
    assert same(10, LiveMs(37.5), p)
    assert not same(1, True, p) and not same(True, 1, p)
    assert same(b"ab", bytearray(b"ab"), p) and not same(b"ab", b"ac", p)


def test_notes_are_compared_per_thread_in_order():
    """Issue 9: the verdict used to be 'held' when notes matched as a set up to the thread.  Now the same
    notes made by another thread, or in another order, are differences."""
    model = _side([("woke", "T3", 30, {"key": 7})])
    live = _side([("woke", "T1", 47, {"key": 7})])
    diffs = differences(model, live)
    assert {(d["kind"], d["thread"]) for d in diffs} == {("note", "T3"), ("note", "T1")}
    model = _side([("a", "main", 0, {}), ("b", "main", 1, {})])
    live = _side([("b", "main", 0, {}), ("a", "main", 1, {})])
    assert [d["index"] for d in differences(model, live)] == [0]


def test_order_free_tags_are_a_multiset():
    """A scenario's UNORDERED_TAGS are compared as a multiset, free of thread and order; the rest of the
    notes stay per thread and in order."""
    model = _side([("job", "W1", 0, {"n": 1}), ("job", "W2", 0, {"n": 2})])
    live = _side([("job", "W2", 5, {"n": 1}), ("job", "W1", 6, {"n": 2})])
    assert differences(model, live, ("job",)) == []
    live = _side([("job", "W2", 5, {"n": 1}), ("job", "W1", 6, {"n": 1})])
    diffs = differences(model, live, ("job",))
    assert [d["kind"] for d in diffs] == ["unordered"] and diffs[0]["live"][0]["n"] == 1


def test_calls_compare_results_and_the_last_error_after_each():
    """Issue 9: call results and GetLastError() change the verdict: the same result with another last
    error after it is a difference, and so is another result."""
    def calls(ret, err):
        return {"main": [CallRecord("send", 12, ret, err)]}
    assert differences(_side(calls=calls(4, 0)), _side(calls=calls(4, 0))) == []
    diff = differences(_side(calls=calls(4, 997)), _side(calls=calls(4, 0)))
    assert diff[0]["kind"] == "call" and "last error 997 in the model, 0 live" in diff[0]["what"]
    assert differences(_side(calls=calls(4, 0)), _side(calls=calls(3, 0)))[0]["model"]["result"] == 4


def test_unmeasured_memory_fields_are_null_and_skipped():
    """DESIGN: a field the live run cannot measure (memory figures) is null in live_notes and is not
    compared; the memory() call itself is not compared either."""
    model = _side([("mem", "main", 0, {"npp": 4096})],
                  calls={"main": [CallRecord("memory", 3, (4096, 0), 0)]})
    live = _side([("mem", "main", 0, {"npp": None})],
                 calls={"main": [CallRecord("memory", 3, (None, None), 0)]}, unmeasured=True)
    assert differences(model, live) == []


def test_claims_and_hangs_are_differences():
    """A claim that fails live but not in the model is a difference; so is a live hang the model does not
    predict — a hang is never 'agrees'."""
    assert differences(_side(), _side(failures=["line 40: assert x — boom"]))[0]["kind"] == "claims"
    hang = [{"thread": "W", "call": "GetQueuedCompletionStatus", "line": 68}]
    assert differences(_side(), _side(hang=hang))[0]["kind"] == "hang"
    assert differences(_side(hang=hang), _side(hang=hang)) == []


LIFO = "lifo-wakeup"


def test_a_deviation_is_named_by_the_switch_that_explains_it():
    """A live run that differs from the checked profile and equals, strictly, the model with one profile
    switch changed is a deviation naming that switch (here Wine 8's FIFO wake-up, A4)."""
    sc = scenarios.load(LIFO)
    windows = oracle.run_model(sc, "windows")
    wine_like = oracle.run_model(sc, "wine")             # what Wine 8 does
    live = Side(wine_like.outcome, wine_like.calls, None)
    assert differences(windows, live)
    assert oracle.explain(sc, "windows", windows, live, ()) == [("waiter_order", "fifo")]


def test_a_difference_no_switch_explains_is_not_a_deviation():
    """When no profile switch reproduces the live run, explain() finds nothing (the verdict is failed)."""
    sc = scenarios.load(LIFO)
    windows = oracle.run_model(sc, "windows")
    bogus = _side([("woke", "T2", 30, {"key": 7})], calls=windows.calls)
    assert oracle.explain(sc, "windows", windows, bogus, ()) is None


def test_the_model_records_the_last_error_after_every_call(tmp_path):
    """The Recorder logs each call's last error as the model thread has it right after the call."""
    path = tmp_path / "le.py"
    path.write_text(textwrap.dedent("""
        from kernelsim.win32 import *

        def main():
            port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
            yield GetQueuedCompletionStatus(port, 0)
            yield SetLastError(5)
    """))
    side = oracle.run_model(scenarios.load(str(path)), "windows")
    records = side.calls["main"]
    assert [(r.name, r.last_error) for r in records] == [
        ("CreateIoCompletionPort", 0), ("GetQueuedCompletionStatus", 258), ("SetLastError", 5)]
    assert isinstance(records[0].result, HandleValue)


def test_live_times_carry_their_own_scenarios_tolerance():
    """Issue 9: LIVE_TOLERANCE was set on the class and never reset.  Each live time now carries the
    tolerance of the run that made it: one scenario's wide tolerance never reaches the next."""
    wide = LiveMs(40.0, (50.0, 0.0))
    default = LiveMs(40.0)
    assert wide == 85 and not (default == 85)
    assert default == 44 and (default + 10) == 54 and not ((default + 10) == 70)


@pytest.mark.parametrize("name", ["lifo-wakeup", "gqcs-returns", "peer-rst"])
def test_every_profile_runs_the_windows10_claims(name):
    """The wine10 profile exists and is a real profile: the model runs these scenarios under it."""
    side = oracle.run_model(scenarios.load(name), "wine10")
    assert side.outcome.end_reason in ("main returned", "hang")
