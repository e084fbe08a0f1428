"""Model versus live: run a scenario on both, compare them strictly, give one verdict.

The model runs with the *checked profile* (``--profile``; by default the one
that describes the Win32 being used: ``wine`` for Wine 8, ``wine10`` for Wine
10, ``windows`` on Windows), the live run on real Win32, and compare.py lists
every difference.  The verdict:

* ``held`` — the two runs are strictly equal;
* ``deviation`` — they differ, and the live run equals, strictly, what the
  model predicts with one named profile switch changed (e.g.
  ``waiter_order=fifo``: Wine 8 wakes waiters FIFO); the report names it;
* ``failed`` — they differ and no profile switch explains it (or the live run
  could not be made: the probe crashed, the scenario raised);
* ``flaky`` — ``validate --repeat N``: the runs did not all give the same result;
* ``not live`` — the scenario says it cannot run live (``LIVE = False``).

A live run that hangs is stopped by the watchdog (one call) or by ``--timeout``
(the whole run); the report names the thread and the call.  A hang is held only
where the checked profile predicts that very hang and another profile does not
(Wine 8 never wakes a GQCS waiter on a closed port); a scenario that never
finishes on any profile is a deadlock and fails.  There are no hidden retries.

A scenario declares what its live run needs with module-level names:
``LIVE = False`` and ``LIVE_REASON``; ``NOT_LIVE_ON = {"wine": "why"}`` when only one backend
cannot run it (Linux decides the socket buffering under Wine); ``LIVE_TOLERANCE = (ms, relative)`` for
its time claims (default 5 ms + 10 %, reset for every scenario);
``UNORDERED_TAGS = ("job",)`` for notes whose order and thread are free
(compared as a multiset); ``POOLS = [("W1", "W2")]`` for worker threads that race
for the same packets (compared up to their names).
"""

import itertools
import time
from dataclasses import fields, replace

from .. import scenario as scenarios
from ..model import ScenarioError
from ..model.profile import PROFILES, Profile, get_profile
from . import deviations
from .backend import DEFAULT_TOLERANCE, LiveRun
from .client import LiveError
from .compare import Side, differences, note_json
from .record import Recorder

VERDICTS = ("held", "deviation", "failed", "flaky", "not live")
HANG_WATCHDOG = 2.0          # seconds, for a live run the model predicts to hang
DEFAULT_TIMEOUT = 60.0       # seconds, the whole live run of one scenario
SEARCH_SECONDS = 30.0        # at most this long looking for the switch that explains a deviation


def live_status(sc, backend="wine"):
    """(runs live?, reason) from the scenario's LIVE / LIVE_REASON, or NOT_LIVE_ON = {backend: reason}."""
    module = sc.module
    if getattr(module, "LIVE", True) is False:
        return False, getattr(module, "LIVE_REASON", "the scenario says it cannot run live (LIVE = False)")
    elsewhere = getattr(module, "NOT_LIVE_ON", None) or {}
    if backend in elsewhere:
        return False, elsewhere[backend]
    return True, ""


def unordered_tags(sc):
    return tuple(getattr(sc.module, "UNORDERED_TAGS", ()) or ())


def pools(sc):
    return tuple(tuple(pool) for pool in getattr(sc.module, "POOLS", ()) or ())


def tolerance(sc):
    return tuple(getattr(sc.module, "LIVE_TOLERANCE", None) or DEFAULT_TOLERANCE)


# --- the two runs ------------------------------------------------------------------------

def run_model(sc, profile, deadline=None):
    """The scenario on the model with this profile (a name or a Profile) → Side.  ``deadline``
    (time.monotonic()): the whole check's --timeout also stops a model run that never ends."""
    kernel = []
    rec = Recorder(lambda: kernel[0].current.last_error if kernel and kernel[0].current else None)
    outcome = scenarios.run(rec.wrap_scenario(sc), profile=profile, trace=False, snapshots=False,
                            on_kernel=kernel.append, deadline=deadline)
    hang = None
    if outcome.end_reason in ("hang", "deadlock") and outcome.kernel is not None:
        hang = [{"thread": t.name, "call": t.call.name if t.call else "?", "line": t.call.line if t.call else 0}
                for t in outcome.kernel.threads if t.wait is not None]
    return Side(outcome, rec.by_thread(), hang)


class LiveResult:
    def __init__(self):
        self.side = None
        self.error = None
        self.seconds = 0.0


def run_live(sc, make_transport, watchdog, timeout):
    """The scenario on real Win32 → LiveResult (its Side, or the error that stopped it)."""
    result = LiveResult()
    holder = []
    rec = Recorder(lambda: holder[0].current_last_error() if holder else None)
    start = time.perf_counter()
    run = None
    try:
        transport = make_transport()
        run = LiveRun(rec.wrap_scenario(sc), transport, watchdog=watchdog, max_seconds=timeout,
                      tolerance=tolerance(sc))
        holder.append(run)
        outcome = run.run()
        hang = None
    except (LiveError, ScenarioError) as exc:
        if run is None or run.stuck is None or isinstance(exc, ScenarioError):
            result.error = exc
            result.seconds = time.perf_counter() - start
            return result
        outcome = run.partial
        hang = [run.stuck]
        outcome.failures.append(f"the run did not finish: {exc}")
    result.seconds = time.perf_counter() - start
    calls = rec.by_thread()
    unmeasured = any(r.name == "memory" for records in calls.values() for r in records)
    if sc.check is not None:
        try:
            scenarios._check(sc, outcome)
        except ScenarioError as exc:        # e.g. arithmetic on memory()'s None
            outcome.failures.append(f"check raised on the live outcome: {exc.message} (line {exc.line})")
    result.side = Side(outcome, calls, hang, unmeasured)
    return result


# --- the report ---------------------------------------------------------------------------

class Report:
    """One scenario checked live: both runs, the differences, the verdict (and, repeated, every run's)."""

    def __init__(self, sc, backend, profile, launcher=None):
        self.scenario = sc
        self.name = sc.name
        self.backend = backend
        self.profile = profile
        self.launcher = launcher
        self.model = None               # Side
        self.live = None                # Side
        self.diffs = []
        self.switch = None              # [(name, value)…] that explains a deviation
        self.verdict = "failed"
        self.error = None
        self.reason = ""                # why not live
        self.seconds = 0.0
        self.model_seconds = 0.0
        self.runs = []                  # validate --repeat: every run's (verdict, switch, differences, error)

    @property
    def ok(self):
        return self.verdict in ("held", "deviation", "not live")

    @property
    def switch_text(self):
        if not self.switch:
            return None
        return ", ".join(f"{name}={_value_text(value)}" for name, value in self.switch)

    def signature(self):
        """What must be the same in every repeat for the result to be stable."""
        kinds = [(d["kind"], d.get("thread"), d.get("index"), d.get("tag")) for d in self.diffs]
        return (self.verdict, self.switch_text, tuple(kinds), str(self.error) if self.error else None)

    def to_json(self):
        unmeasured = bool(self.live and self.live.unmeasured)
        out = {
            "scenario": self.name,
            "verdict": self.verdict,
            "profile": self.profile,
            "backend": self.backend,
            "wine": self.launcher,
            "switch": self.switch_text,
            "switch_profiles": deviations.profiles_with(self.switch) if self.switch else [],
            "switch_reason": deviations.reason(self.switch) if self.switch else None,
            "differences": self.diffs,
            "unordered_tags": list(unordered_tags(self.scenario)),
            "pools": [list(pool) for pool in pools(self.scenario)],
            "model_notes": [note_json(n) for n in self.model.outcome.notes()] if self.model else [],
            "live_notes": [note_json(n, unmeasured) for n in self.live.outcome.notes()] if self.live else [],
            "claims": {"model": list(self.model.outcome.failures) if self.model else [],
                       "live": list(self.live.outcome.failures) if self.live else []},
            "hang": self.live.hang[0] if self.live and self.live.hang else None,
            "error": str(self.error) if self.error is not None else None,
            "reason": self.reason or None,
            "seconds": round(self.seconds, 3),
            "model_seconds": round(self.model_seconds, 4),
        }
        if self.runs:
            out["repeat"] = len(self.runs)
            out["runs"] = [{"verdict": v, "switch": s, "differences": d, "error": e} for v, s, d, e in self.runs]
        return out


def _value_text(value):
    return str(value) if not isinstance(value, str) else value


# --- the verdict --------------------------------------------------------------------------

def check(sc, make_transport, backend="wine", profile="wine", watchdog=10.0, timeout=DEFAULT_TIMEOUT,
          launcher=None, model=None):
    """Run sc on the model (profile) and live, compare strictly → Report with its verdict.

    ``model``: a Side already computed for this profile (validate --repeat reuses it)."""
    if isinstance(sc, str):
        sc = scenarios.load(sc)
    report = Report(sc, backend, profile if isinstance(profile, str) else profile.name, launcher)
    runs_live, reason = live_status(sc, backend)
    if not runs_live:
        report.verdict, report.reason = "not live", reason
        return report
    start = time.perf_counter()
    deadline = time.monotonic() + timeout           # --timeout bounds the whole check: model runs too
    try:
        report.model = model or run_model(sc, profile, deadline)
    except ScenarioError as exc:
        report.error = ScenarioError(exc.file, exc.line, f"on the model ({report.profile} profile): {exc.message}")
        return report
    report.model_seconds = time.perf_counter() - start
    if report.model.hang:
        watchdog = min(watchdog, HANG_WATCHDOG)
    live = run_live(sc, make_transport, watchdog, max(1.0, deadline - time.monotonic()))
    report.seconds = live.seconds
    if live.error is not None:
        report.error = live.error
        return report
    report.live = live.side
    tags = unordered_tags(sc)
    report.diffs = differences(report.model, report.live, tags, pools=pools(sc))
    if not report.diffs:
        deadlock = _deadlock(sc, report, deadline)
        if deadlock:
            report.diffs = [deadlock]            # a deadlock fails: no profile switch explains it
            return report
        report.verdict = "held"
        return report
    switch = explain(sc, profile, report.model, report.live, tags, pools(sc), deadline=deadline)
    if switch:
        report.verdict, report.switch = "deviation", switch
    return report


def _deadlock(sc, report, deadline=None):
    """Both runs hung at the same place: a deadlock unless another profile finishes the scenario."""
    if not report.live.hang:
        return None
    for name in ("windows", "wine", "wine10"):
        if name == report.profile:
            continue
        try:
            other = run_model(sc, name, deadline)
        except ScenarioError:
            continue
        if not other.hang:
            return None            # the hang is this profile's prediction (e.g. port_close_abandons=False)
    h = report.live.hang[0]
    return {"kind": "hang", "model": report.model.hang, "live": report.live.hang,
            "what": f"the scenario deadlocks: thread {h['thread']} never returns from {h['call']} "
                    f"(line {h['line']}) live, and the model never finishes on any profile"}


def candidate_switches(profile):
    """(switch, value) pairs that some named profile sets differently from ``profile``."""
    base = get_profile(profile)
    seen = []
    for other in PROFILES.values():
        for f in fields(Profile):
            if f.name == "name":
                continue
            value = getattr(other, f.name)
            if value != getattr(base, f.name) and (f.name, value) not in seen:
                seen.append((f.name, value))
    return seen


def explain(sc, profile, model, live, tags, pool_list=(), budget=SEARCH_SECONDS, deadline=None):
    """The smallest set of profile switches under which the model equals the live run, or None.

    Single switches first; then combinations of the switches that change this scenario's model
    run at all (usually one to three), smallest first.  ``deadline`` (time.monotonic()): the whole
    check's; the search also stops there, and so does each model run."""
    base = get_profile(profile, sc.config)
    stop = deadline
    deadline = time.perf_counter() + budget
    if stop is not None:
        deadline = min(deadline, time.perf_counter() + max(0.0, stop - time.monotonic()))
    relevant = []
    for name, value in candidate_switches(profile):
        if getattr(base, name) == value:        # the scenario's CONFIG pins this switch already
            continue
        try:
            side = run_model(sc, replace(base, **{name: value}), stop)
        except ScenarioError:
            continue
        if not differences(side, live, tags, pools=pool_list):
            return [(name, value)]
        if differences(model, _as_live(side), tags, pools=pool_list):
            relevant.append((name, value))
        if time.perf_counter() > deadline:
            return None
    for size in range(2, min(len(relevant), 4) + 1):
        for combo in itertools.combinations(relevant, size):
            if len({name for name, _ in combo}) < size:
                continue
            try:
                side = run_model(sc, replace(base, **dict(combo)), stop)
            except ScenarioError:
                continue
            if not differences(side, live, tags, pools=pool_list):
                return list(combo)
            if time.perf_counter() > deadline:
                return None
    return None


def _as_live(side):
    return Side(side.outcome, side.calls, side.hang, False)


def stable(reports):
    """validate --repeat: one Report for N runs of a scenario — the first run's, verdict flaky when
    the runs did not all come out the same."""
    first = reports[0]
    first.runs = [(r.verdict, r.switch_text, r.diffs, str(r.error) if r.error is not None else None)
                  for r in reports]
    if len({r.signature() for r in reports}) > 1:
        first.verdict = "flaky"
    return first
