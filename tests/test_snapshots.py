"""Recorded snapshots share structure and equal snapshots built from scratch (DESIGN §5, issue 13).

The model touches an object when what a student sees of it changes; a snapshot
asks only touched objects for a new view.  A missed touch would show a stale
row, so these tests compare the recorded snapshots against ``Kernel.snapshot``
(built from the live objects) at every step of every catalogue scenario, and
against snapshots rebuilt on demand by replaying the run.
"""

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from kernelsim import cli, scenario
from kernelsim.model import kernel as kernel_module
from kernelsim.trace import CHUNK, Rows, RowsBuilder, Window
from kernelsim.ui import view

from helpers import run

NAMES = scenario.catalogue_names()


def _recorded(name, profile):
    return scenario.run(name, profile=profile, snapshots=True)


# --- the recorded snapshot is the from-scratch snapshot -------------------------------

@pytest.mark.parametrize("profile", ["windows", "wine", "xp"])
def test_every_recorded_snapshot_equals_one_built_from_scratch(monkeypatch, profile):
    """At every step of every catalogue scenario (each profile), the shared, incrementally recorded
    snapshot equals the snapshot built from every live object at that instant."""
    record = kernel_module.Kernel._record
    mismatches = []

    def checked(k, trace, seq):
        record(k, trace, seq)
        got, want = trace.snapshots[-1], k.snapshot(seq)
        if got != want and len(mismatches) < 5:
            panel = next((f for f in got._fields if getattr(got, f) != getattr(want, f)), "?")
            mismatches.append(f"{k.source_file} step {seq + 1}: {panel}")
    monkeypatch.setattr(kernel_module.Kernel, "_record", checked)
    steps = 0
    for name in NAMES:
        outcome = _recorded(name, profile)
        steps += len(outcome.trace.snapshots)
    assert not mismatches, mismatches
    assert steps > 2000                   # the catalogue really was recorded


_outcomes = {}


def _outcome(name):
    if name not in _outcomes:
        _outcomes[name] = _recorded(name, None)
    return _outcomes[name]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_snapshot_rebuilt_on_demand_equals_the_recorded_one(data):
    """Property: replaying a catalogue scenario to random steps rebuilds exactly the recorded snapshots
    (the run is deterministic, and recording shares structure without changing what is seen)."""
    name = data.draw(st.sampled_from(NAMES), label="scenario")
    outcome = _outcome(name)
    snaps = outcome.trace.snapshots
    if not snaps:                                       # CONFIG snapshots=False: rebuilt all the same
        events = outcome.trace.events
        seqs = data.draw(st.lists(st.integers(0, len(events) - 1), min_size=1, max_size=3), label="steps")
        rebuilt = scenario.rebuild(outcome, seqs)
        assert all(rebuilt[s].seq == s and rebuilt[s].time == events[s].time for s in seqs)
        return
    seqs = data.draw(st.lists(st.integers(0, len(snaps) - 1), min_size=1, max_size=4), label="steps")
    rebuilt = scenario.rebuild(outcome, seqs)
    for seq in seqs:
        assert rebuilt[seq] == snaps[seq], f"{name} step {seq + 1}"


# --- sharing -----------------------------------------------------------------------------

def _waiters(n, config=None):
    from kernelsim.win32 import (CreateIoCompletionPort, CreateThread, GetQueuedCompletionStatus, INFINITE,
                                 INVALID_HANDLE_VALUE, PostQueuedCompletionStatus, Sleep)

    def worker(port):
        yield GetQueuedCompletionStatus(port, INFINITE)

    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        for i in range(n):
            yield CreateThread(worker, port, name=f"W{i + 1}")
        yield Sleep(1)
        for _ in range(n):
            yield PostQueuedCompletionStatus(port, 0, 0, None)
        yield Sleep(1)
    return run(main, snapshots=True, config=config)


def test_recording_cost_grows_linearly_with_the_work():
    """Twice the waiting threads (and so twice the steps) costs about twice the recorded memory, not
    four times: a snapshot copies only what changed (one chunk and the chunk index per panel)."""
    small, large = _waiters(200), _waiters(400)
    cost = [o.kernel.recorder.cost(len(o.trace.snapshots)) for o in (small, large)]
    assert len(large.trace.snapshots) > 1.9 * len(small.trace.snapshots)
    assert cost[1] / cost[0] < 2.4, cost


def test_an_untouched_panel_is_the_same_object_in_the_next_step():
    """Consumers (perfetto, HTML) may compare panels with ``is``: a step that changed no IRP shares the
    IRP panel with the step before, and an unchanged chunk of a changed panel is shared too."""
    o = _waiters(150)
    snaps = o.trace.snapshots
    assert all(a.irps is b.irps for a, b in zip(snaps, snaps[1:]))
    last, before = snaps[-1].threads, snaps[-2].threads
    assert sum(a is b for a, b in zip(last.chunks, before.chunks)) >= len(last.chunks) - 1
    assert len(list(last.changed_since(before))) <= CHUNK


def test_port_waiters_and_packets_are_shown_in_release_order():
    """The waiter panel lists the next thread to be released first (LIFO: the newest, A4); the packet
    queue is a window on the port's packet log, oldest first."""
    o = _waiters(3)
    full = [s for s in o.trace.snapshots if len(s.ports[0].waiters) == 3][0]
    assert list(full.ports[0].waiters) == ["W3", "W2", "W1"]
    assert full.ports[0].waiters == ("W3", "W2", "W1") and full.ports[0].lifo


# --- Rows and Window ---------------------------------------------------------------------

def test_rows_builder_adds_replaces_removes_and_squeezes_holes():
    b = RowsBuilder()
    for i in range(3 * CHUNK):
        b.put(i, f"r{i}")
    first = b.build()
    assert len(first) == 3 * CHUNK and first[0] == "r0" and first[-1] == f"r{3 * CHUNK - 1}"
    b.put(5, "five")
    second = b.build()
    assert second[5] == "five" and first[5] == "r5"                 # the old version is unchanged
    assert second.chunks[1] is first.chunks[1] and second.chunks[0] is not first.chunks[0]
    for i in range(0, 2 * CHUNK + 10):
        b.put(i, None)
    third = b.build()
    assert len(third) == CHUNK - 10 and list(third) == [f"r{i}" for i in range(2 * CHUNK + 10, 3 * CHUNK)]
    assert third[0] == f"r{2 * CHUNK + 10}" and third[-1] == f"r{3 * CHUNK - 1}"
    assert tuple(third.reverse()) == tuple(reversed(list(third)))
    assert b.build() is third                                        # nothing changed: the same object
    b.put("new", "n")
    assert b.build()[-1] == "n" and len(b.build()) == CHUNK - 9


def test_rows_and_windows_read_like_tuples():
    b = RowsBuilder()
    for i in range(10):
        b.put(i, i)
    rows = b.build()
    assert rows == tuple(range(10)) and tuple(range(10)) == rows and rows != tuple(range(9))
    assert rows[2:5] == (2, 3, 4) and rows[-3:] == (7, 8, 9) and rows[::3] == (0, 3, 6, 9)
    assert rows.reverse()[0] == 9 and list(reversed(rows)) == list(range(9, -1, -1))
    assert bool(Rows()) is False and len(Rows()) == 0
    log = ["a", "b", "c", "d"]
    w = Window(log, 1, 3)
    assert w == ("b", "c") and len(w) == 2 and w[0] == "b" and w[-1] == "c" and w[:1] == ("b",)
    with pytest.raises(IndexError):
        w[2]


# --- the memory guard ---------------------------------------------------------------------

def test_the_memory_guard_stops_recording_and_later_steps_are_rebuilt():
    """With a tiny budget (CONFIG snapshot_mb) recording stops early; the steps past that point are
    rebuilt by replay (Trace.snapshot, the stepper's frames) and show what a full recording shows."""
    full = _waiters(300)
    guarded = _waiters(300, {"snapshot_mb": 0.05})
    trace = guarded.trace
    assert trace.stopped is not None and 0 < trace.stopped < len(trace.events)
    assert len(trace.snapshots) == trace.stopped
    for i in (trace.stopped, trace.stopped + 7, len(trace.events) - 1):
        assert trace.snapshot(i) == full.trace.snapshots[i]
    frames = view.Frames(trace, tuple(trace.events), (), __file__, "t", ())
    assert frames[-1].snapshot == full.trace.snapshots[-1]


def test_snapshot_mb_counts_mebibytes():
    """CONFIG snapshot_mb is a budget in MiB (2**20 bytes) of the recording's estimated cost: a budget a
    quarter above a run's whole cost records it all, and one half its cost stops it part way."""
    full = _waiters(300)
    cost = full.kernel.recorder.cost(len(full.trace.snapshots))
    whole = _waiters(300, {"snapshot_mb": 1.25 * cost / (1 << 20)})
    assert whole.trace.stopped is None and len(whole.trace.snapshots) == len(full.trace.snapshots)
    half = _waiters(300, {"snapshot_mb": 0.5 * cost / (1 << 20)})
    assert half.trace.stopped is not None and half.trace.stopped < len(full.trace.snapshots)


def test_the_cli_warns_when_the_memory_guard_stopped_recording(tmp_path, capsys):
    """run --svg on a scenario whose snapshots pass the budget: one warning line on stderr naming the
    step and the setting; the handout of the last step is still made (rebuilt by replay)."""
    path = tmp_path / "many.py"
    path.write_text(
        "from kernelsim.win32 import *\n"
        "CONFIG = {'snapshot_mb': 0.05}\n"
        "def worker(port):\n"
        "    yield GetQueuedCompletionStatus(port, INFINITE)\n"
        "def main():\n"
        "    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)\n"
        "    for i in range(300):\n"
        "        yield CreateThread(worker, port, name=f'W{i}')\n"
        "    yield Sleep(1)\n"
        "    for i in range(300):\n"
        "        yield PostQueuedCompletionStatus(port, 0, 0, None)\n"
        "    yield Sleep(1)\n", encoding="utf-8")
    svg = tmp_path / "last.svg"
    assert cli.main(["run", str(path), "--svg", str(svg), "--step", "-1"]) == 0
    err = capsys.readouterr().err
    assert "stopped recording snapshots at step" in err and "snapshot_mb" in err
    assert svg.read_text(encoding="utf-8").startswith("<svg")
