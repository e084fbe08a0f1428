"""The catalogue as a whole: every scenario runs and passes, and runs are deterministic (DESIGN §4)."""

import json

import pytest

from kernelsim import scenario

NAMES = scenario.catalogue_names()

# SimPy events processed per run with seed 0: a change here means the model's
# timing changed, which must be deliberate (issue 2: "SimPy's event count per
# scenario is pinned").
PINNED_SIMPY_EVENTS = {
    "accept-thread-close": 5,
    "acceptex": 5,
    "apc-alertable": 5,
    "apc-queue": 6,
    "cancelioex": 1,
    "closesocket-pending-recv": 6,
    "closesocket-pending-send": 6,
    "closesocket-twice": 7,
    "closesocket-twice-fixed": 7,
    "completion-routines-one-thread": 17,
    "concurrency-one": 13,
    "counter-race": 1,
    "critsec-recursion": 13,
    "db-workers": 24,
    "delay-release": 6,
    "delay-release-fixed": 14,
    "event-vs-iocp": 13,
    "gqcs-returns": 5,
    "gqcsex-batch": 1,
    "gqcsex-concurrency": 27,
    "immediate-success-packet": 7,
    "iocount-after-pending-send": 9,
    "iocount-after-pending-send-fixed": 9,
    "iocp-keys": 9,
    "irp-thread-exit": 5,
    "jobs-three-ways": 28,
    "lifo-wakeup": 7,
    "listen-inherit": 4,
    "lock-order-inversion": 1,
    "lock-order-inversion-fixed": 1,
    "movefront-before-completion": 14,
    "movefront-before-completion-fixed": 14,
    "npp-exhaustion": 1407,
    "overlapped-event": 7,
    "overlapped-events-64": 3,
    "partial-recv": 7,
    "peer-rst": 5,
    "pending-vs-immediate": 12,
    "pqcs-job-queue": 18,
    "pqcs-shutdown": 7,
    "rcvbuf-zero": 12,
    "recv-out-of-order": 3,
    "recv-out-of-order-fixed": 5,
    "recv0-graceful-close": 5,
    "routine-on-port": 9,
    "select-fd-setsize": 6,
    "send-after-recv0": 8,
    "send-after-recv0-fixed": 8,
    "send-flag-race": 5,
    "send-flag-race-fixed": 5,
    "sendpacket-vs-release": 5,
    "sendpacket-vs-release-fixed": 5,
    "session-lock-vs-iocount": 23,
    "shutdown-linger": 9,
    "silent-client": 7,
    "silent-client-fixed": 7,
    "skip-on-success": 9,
    "sndbuf-zero": 6,
    "srwlock-reentry": 7,
    "stale-completion-reused-socket": 7,
    "stale-completion-reused-socket-fixed": 7,
    "sync-vs-async": 12,
    "time-wait-npp": 112,
    "wsaenobufs-5000": 1,
    "wsaenobufs-small": 1,
    "wsaeventselect": 5,
    "wsasend-order": 8,
    "zero-byte-recv": 5,
}


def run_json(name, seed=0, profile=None):
    outcome = scenario.run(name, seed=seed, profile=profile)
    return json.dumps(outcome.to_json(), ensure_ascii=False, sort_keys=True), outcome


@pytest.mark.parametrize("name", NAMES)
def test_scenario_passes_its_check(name):
    """Every catalogue scenario runs on the default (windows) profile and its claims hold (a broken variant
    may fail only with the invariant its BREAKS names: silent-client breaks it on every schedule)."""
    _, outcome = run_json(name)
    breaks = scenario.load(name).breaks
    assert all(any(f.startswith(f"invariant broken: {b} —") for b in breaks) for f in outcome.failures), \
        outcome.failures


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_gives_byte_identical_json(name):
    """Determinism: the same scenario and seed give a byte-identical --json, twice (DESIGN §4)."""
    for seed in (0, 7):
        first, _ = run_json(name, seed)
        second, _ = run_json(name, seed)
        assert first == second


def test_every_catalogue_scenario_has_a_pinned_event_count():
    assert sorted(PINNED_SIMPY_EVENTS) == NAMES


@pytest.mark.parametrize("name", sorted(PINNED_SIMPY_EVENTS))
def test_simpy_event_count_is_pinned(name):
    """The number of SimPy events a scenario needs is stable across changes."""
    _, outcome = run_json(name)
    assert outcome.kernel.simpy_events == PINNED_SIMPY_EVENTS[name]


def test_json_has_exactly_the_contract_keys():
    """DESIGN §8: --json prints scenario, seed, profile, passed, failures, notes, trace."""
    text, _ = run_json("lifo-wakeup")
    data = json.loads(text)
    assert set(data) == {"scenario", "seed", "profile", "passed", "failures", "notes", "trace"}
    assert data["scenario"] == "lifo-wakeup" and data["seed"] == 0 and data["profile"] == "windows"
    woke = [n for n in data["notes"] if n["tag"] == "woke"]
    assert woke == [{"tag": "woke", "thread": "T3", "time": 30.0, "key": 7}]
    assert all({"seq", "time", "kind", "thread", "text", "why", "line"} <= set(e) for e in data["trace"])


def test_every_trace_event_names_the_scenario_line_that_caused_it():
    """Each trace event carries the scenario file line of the call that caused it (DESIGN §5)."""
    outcome = scenario.run("lifo-wakeup")
    source = open(scenario.find("lifo-wakeup"), encoding="utf-8").read().splitlines()
    release = next(e for e in outcome.trace if e.kind == "wake" and e.thread == "T3")
    assert "PostQueuedCompletionStatus" in source[release.line - 1]
    blocked = [e for e in outcome.trace if e.kind == "block" and e.thread.startswith("T")]
    assert all("GetQueuedCompletionStatus" in source[e.line - 1] for e in blocked)


def test_schedule_replays_a_seeded_run():
    """A seeded run's schedule string, replayed, gives the same trace (DESIGN §4); the seed also picks the
    scenario's variant, so the replay names the seed too."""
    seeded = scenario.run("db-workers", seed=3)
    assert seeded.variant, "db-workers draws a variant for a nonzero seed"
    replay = scenario.run("db-workers", seed=3, schedule=seeded.schedule)
    assert [e.text for e in replay.trace] == [e.text for e in seeded.trace]
    assert replay.schedule == seeded.schedule


def test_wine_profile_releases_the_oldest_waiter():
    """The wine profile switches on Wine 8's FIFO release (WINE.md, SEMANTICS W2), so lifo-wakeup's claim fails."""
    outcome = scenario.run("lifo-wakeup", profile="wine")
    assert [n.thread for n in outcome.notes("woke")] == ["T1"]
    assert not outcome.passed


@pytest.mark.parametrize("name", ["db-workers", "closesocket-pending-send", "stale-completion-reused-socket"])
def test_json_is_identical_across_processes_and_hash_seeds(name):
    """Determinism does not depend on Python's string hashing: two processes with different
    PYTHONHASHSEED print the same --json (no set iteration or id() ordering in the model)."""
    import os
    import subprocess
    import sys
    outputs = []
    for hash_seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        result = subprocess.run([sys.executable, "-m", "kernelsim", "run", name, "--json", "--seed", "5"],
                                capture_output=True, text=True, env=env, timeout=120)
        assert result.returncode in (0, 1), result.stderr
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]
