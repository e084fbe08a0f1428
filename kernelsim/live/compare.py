"""Model versus live: run a scenario on both, put them side by side, give each claim its verdict.

Under Wine the model runs with profile ``wine`` (the Wine 8 deviations of
WINE.md switched on), on Windows with ``windows``: the model must then predict
the live run.  The comparison is made per thread, because real threads
interleave differently from simulated ones while each thread's own sequence is
fixed: each thread's notes (tag and fields; times are shown, not compared) and
each thread's call results (handles renamed h1, h2… in order of appearance,
OVERLAPPEDs by their ``op`` or order).  A note that differs means the model is
wrong or a Wine deviation is missing from the profile; a call result that
differs is shown as evidence.

A scenario declares what it needs from a live run with two module-level names:

* ``LIVE = False`` — it cannot run live at all (say why in ``LIVE_REASON``,
  e.g. "5,000 sessions"); ``validate`` lists it as skipped.
* ``NEEDS_WINDOWS = {"A4": "Wine 8 releases waiters FIFO"}`` — its ``check``
  claims a behaviour that Wine 8 does not have, by rule id.  Usually not
  needed: the rules a scenario lists in ``RULES`` are looked up in
  ``deviations.WINE8_DEVIATIONS`` (WINE.md's table).  Under Wine a failing check
  is reported as *needs Windows* with these reasons — provided the ``wine``
  model predicted that very failure; on Windows the claims are checked as usual.

Verdicts: ``held``, ``failed``, ``needs Windows``, ``no claims``; the model
``agrees`` or ``disagrees``.  A live run passes when no claim failed and the
model agrees.
"""

import copy
import functools
import inspect
import time

from .. import scenario as scenarios
from . import deviations
from ..win32 import Call, OVERLAPPED, OVERLAPPED_ENTRY, WSABUF, LINGER

HANG_WATCHDOG = 2.0          # seconds, for a live run the model predicts to hang
VOID_CALLS = {"Sleep", "SetLastError", "note", "compute", "ExitThread"}
HANDLE_CALLS = {"CreateThread", "CreateEvent", "WSACreateEvent", "CreateIoCompletionPort", "socket",
                "WSASocket", "accept", "tcp_pair"}


def live_status(sc):
    """(runs live?, reason) from the scenario's LIVE / LIVE_REASON."""
    module = sc.module
    if getattr(module, "LIVE", True) is False:
        return False, getattr(module, "LIVE_REASON", "the scenario says it cannot run live (LIVE = False)")
    return True, ""


def needs_windows(sc):
    needs = getattr(sc.module, "NEEDS_WINDOWS", None) or {}
    return dict(needs)


# --- recording each thread's calls ---------------------------------------------------

class Recorder:
    """Wraps a scenario's generator functions to log (thread, call, line, result) on either backend.

    It follows thread names itself — CreateThread's name (or the default T<n>),
    APCs on the thread they are queued to, completion routines on the issuing
    thread — so the same log comes out of the model and of a live run.
    """

    def __init__(self):
        self.calls = []
        self.names = {}              # thread handle -> thread name
        self.created = 1             # main
        self.handles = {}            # handle value -> h1, h2…
        self.ovs = {}                # id(OVERLAPPED) -> label
        self._new_names = {}         # id(rewritten CreateThread call) -> (call, new thread's name)
        self._keep = []

    def wrap_scenario(self, sc):
        clone = copy.copy(sc)
        clone.main = self._wrap(sc.main, lambda: "main")
        return clone

    def _wrap(self, func, name_of):
        if not inspect.isgeneratorfunction(func):
            return func
        recorder = self

        @functools.wraps(func)
        def wrapper(*args):
            return (yield from recorder._run(func(*args), name_of()))
        return wrapper

    def _run(self, gen, name):
        value = None
        while True:
            try:
                call = gen.send(value)
            except StopIteration as stop:
                return stop.value
            if type(call) is Call:
                call = self._rewrite(call, name)
            value = yield call
            if type(call) is Call:
                self._record(name, call, value)

    def _rewrite(self, call, name):
        args, kwargs = list(call.args), dict(call.kwargs)
        if call.name == "CreateThread" and args:
            new = kwargs.get("name") or f"T{self.created}"
            self.created += 1
            args[0] = self._wrap(args[0], lambda new=new: new)
            call = _copy_call(call, args, kwargs)
            self._new_names[id(call)] = (call, new)
        elif call.name == "QueueUserAPC" and len(args) >= 2:
            target = name if args[1] == -2 else self.names.get(args[1], "?")
            args[0] = self._wrap(args[0], lambda target=target: target)
            call = _copy_call(call, args, kwargs)
        elif call.name in ("WSARecv", "WSASend"):
            if len(args) >= 4 and args[3] is not None:
                args[3] = self._wrap(args[3], lambda: name)
                call = _copy_call(call, args, kwargs)
            elif kwargs.get("lpCompletionRoutine") is not None:
                kwargs["lpCompletionRoutine"] = self._wrap(kwargs["lpCompletionRoutine"], lambda: name)
                call = _copy_call(call, args, kwargs)
        return call

    def _record(self, name, call, value):
        if call.name in VOID_CALLS:
            value = None
        if call.name == "CreateThread" and isinstance(value, int) and value:
            self.names[value] = self._new_names.pop(id(call), (None, "?"))[1]
        if call.name in HANDLE_CALLS:
            value = self._handle_names(value)
        self.calls.append((name, call.name, call.line, self.normal(value)))

    def _handle_names(self, value):
        if isinstance(value, tuple):
            return tuple(self._handle_names(v) for v in value)
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value < (1 << 63):
            label = self.handles.get(value)
            if label is None:
                label = self.handles[value] = f"h{len(self.handles) + 1}"
            return label
        return value

    def normal(self, value):
        """A comparable, JSON-friendly form of a call result or note field."""
        if value is None or isinstance(value, (bool, int, str)):
            return value
        if isinstance(value, float):
            return round(value, 3)
        if isinstance(value, (bytes, bytearray)):
            return bytes(value).hex() if len(value) <= 64 else f"<{len(value)} bytes>"
        if isinstance(value, OVERLAPPED):
            label = self.ovs.get(id(value))
            if label is None:
                self._keep.append(value)
                op = getattr(value, "op", None)
                label = self.ovs[id(value)] = f"ov{len(self.ovs) + 1}" + (f"({op})" if op else "")
            return label
        if isinstance(value, OVERLAPPED_ENTRY):
            return ["entry", self.normal(value.key), self.normal(value.overlapped), value.status, value.nbytes]
        if isinstance(value, (list, tuple)):
            return [self.normal(v) for v in value]
        if isinstance(value, dict):
            return {str(k): self.normal(v) for k, v in value.items()}
        if isinstance(value, (WSABUF, LINGER)):
            return repr(value)
        return type(value).__name__

    def by_thread(self):
        out = {}
        for name, call, line, result in self.calls:
            out.setdefault(name, []).append((call, line, result))
        return out


def _copy_call(call, args, kwargs):
    new = Call.__new__(Call)
    new.name, new.args, new.kwargs, new.file, new.line = call.name, tuple(args), kwargs, call.file, call.line
    return new


# --- the report --------------------------------------------------------------------------

class Report:
    """Everything ``kernelsim live`` prints: both outcomes, the differences and the verdicts."""

    def __init__(self, sc, backend, profile):
        self.scenario = sc
        self.name = sc.name
        self.backend = backend
        self.profile = profile
        self.model = None
        self.live = None
        self.model_calls = {}
        self.live_calls = {}
        self.note_diffs = []
        self.call_diffs = []
        self.claim = "no claims"
        self.claim_detail = []
        self.error = None
        self.seconds = 0.0
        self.model_seconds = 0.0
        self.skipped = ""
        self.hung_as_predicted = ""
        self.agreement = "agrees"
        self.first_try = ""                 # validate: the verdict of a failed first run
        self.note_diffs_shown = []

    @property
    def agrees(self):
        return not self.note_diffs

    @property
    def ok(self):
        return (not self.skipped and self.error is None and self.claim in ("held", "needs Windows", "no claims")
                and self.agrees)

    @property
    def verdict(self):
        if self.skipped:
            return "not live"
        if self.error is not None:
            return "error"
        if self.claim == "failed" or not self.agrees:
            return "failed"
        return self.claim

    def to_json(self):
        rec = _NoteNormal()
        return {
            "scenario": self.name, "backend": self.backend, "profile": self.profile, "verdict": self.verdict,
            "claim": self.claim, "claim_detail": self.claim_detail, "model_agrees": self.agrees,
            "agreement": self.agreement if self.agrees else "disagrees",
            "note_differences": self.note_diffs, "call_differences": self.call_diffs,
            "error": str(self.error) if self.error is not None else None, "skipped": self.skipped or None,
            "first_try": self.first_try or None, "seconds": round(self.seconds, 3),
            "model_seconds": round(self.model_seconds, 4),
            "model_notes": [_note_json(n, rec) for n in self.model.notes()] if self.model else [],
            "live_notes": [_note_json(n, rec) for n in self.live.notes()] if self.live else [],
        }


def _note_json(n, rec):
    out = {"tag": n.tag, "thread": n.thread, "time": round(float(n.time), 3)}
    out.update({k: rec.normal(v) for k, v in n.fields.items()})
    return out


def _same_note(m, lv, unmeasured, handles=({}, {})):
    """Same tag and fields.  OVERLAPPEDs compare by their op; a handle value the model made equals
    any handle value the live run made (``handles``: each run's handle values); with
    ``unmeasured`` (the scenario read memory(), which is None live) a field that is None live and
    a number in the model is skipped."""
    if m.tag != lv.tag:
        return False
    rm, rl = _NoteNormal(), _NoteNormal()
    model_handles, live_handles = handles
    for key in dict.fromkeys(list(m.fields) + list(lv.fields)):
        a, b = m.fields.get(key, _MISSING), lv.fields.get(key, _MISSING)
        if unmeasured and b is None and isinstance(a, (int, float)):
            continue
        if (type(a) is int and type(b) is int and a != b and a in model_handles and b in live_handles):
            continue            # handle values differ between the model and Windows; both are handles
        if rm.normal(a) != rl.normal(b):
            return False
    return True


_MISSING = object()


class _NoteNormal(Recorder):
    def normal(self, value):
        if isinstance(value, OVERLAPPED):
            op = getattr(value, "op", None)
            return f"OVERLAPPED({op})" if op else "OVERLAPPED"
        if value is _MISSING:
            return "<missing>"
        return super().normal(value)


def diff_notes(model, live, unmeasured=False, handles=({}, {})):
    """Per thread, the first note whose tag or fields differ (times are not compared)."""
    rec = _NoteNormal()
    diffs = []
    threads = list(dict.fromkeys([n.thread for n in model.notes()] + [n.thread for n in live.notes()]))
    for thread in threads:
        m = [n for n in model.notes() if n.thread == thread]
        lv = [n for n in live.notes() if n.thread == thread]
        for i in range(max(len(m), len(lv))):
            if i < len(m) and i < len(lv) and _same_note(m[i], lv[i], unmeasured, handles):
                continue
            diffs.append({"thread": thread, "index": i,
                          "model": _note_json(m[i], rec) if i < len(m) else None,
                          "live": _note_json(lv[i], rec) if i < len(lv) else None})
            break        # the rest of this thread's notes follow from the first difference
    return diffs


def same_notes_any_thread(model, live, unmeasured=False, handles=({}, {})):
    """True when the live notes are the model's notes with threads and order ignored: real threads
    that race for the same packets may trade jobs without the model being wrong."""
    left = list(model.notes())
    for ln in live.notes():
        match = next((i for i, mn in enumerate(left) if _same_note(mn, ln, unmeasured, handles)), None)
        if match is None:
            return False
        left.pop(match)
    return not left


def diff_calls(model_calls, live_calls, limit=20):
    diffs = []
    for thread in list(dict.fromkeys(list(model_calls) + list(live_calls))):
        m, lv = model_calls.get(thread, []), live_calls.get(thread, [])
        for i in range(max(len(m), len(lv))):
            a = m[i] if i < len(m) else None
            b = lv[i] if i < len(lv) else None
            if a != b:
                diffs.append({"thread": thread, "index": i, "model": list(a) if a else None,
                              "live": list(b) if b else None})
                break
        if len(diffs) >= limit:
            break
    return diffs


def compare(sc, make_transport, backend="wine", watchdog=10.0):
    """Run sc on the model and live (a fresh transport from make_transport()); → Report."""
    from .backend import LiveRun
    from .client import LiveError
    from ..model import ScenarioError

    if isinstance(sc, str):
        sc = scenarios.load(sc)
    profile = "wine" if backend == "wine" else "windows"
    report = Report(sc, backend, profile)
    runs_live, reason = live_status(sc)
    if not runs_live:
        report.skipped = reason
        return report

    model_rec = Recorder()
    start = time.perf_counter()
    try:
        report.model = scenarios.run(model_rec.wrap_scenario(sc), profile=profile, trace=False, snapshots=False)
    except ScenarioError as exc:
        report.error = ScenarioError(exc.file, exc.line, f"on the model ({profile} profile): {exc.message}")
        return report
    report.model_seconds = time.perf_counter() - start
    report.model_calls = model_rec.by_thread()

    live_rec = Recorder()
    tolerance = getattr(sc.module, "LIVE_TOLERANCE", None)
    # A run the model predicts to hang or deadlock (e.g. Wine 8 never wakes a GQCS waiter when the port is
    # closed, A10) is stopped by a short watchdog; the hang is then the predicted behaviour.
    expect_hang = report.model.end_reason in ("hang", "deadlock")     # deadlock: L11
    if expect_hang:
        watchdog = min(watchdog, HANG_WATCHDOG)
    start = time.perf_counter()
    run = None
    try:
        transport = make_transport()
        run = LiveRun(live_rec.wrap_scenario(sc), transport, watchdog=watchdog, tolerance=tolerance)
        report.live = run.run()
    except (LiveError, ScenarioError) as exc:
        if not (expect_hang and run is not None and run.hung is not None):
            report.error = exc
            report.seconds = time.perf_counter() - start
            return report
        report.live = run.partial
        report.live.failures.append(f"the run did not finish: {exc} — as the {profile} model predicts")
        report.hung_as_predicted = str(exc)
    report.seconds = time.perf_counter() - start
    report.live_calls = live_rec.by_thread()

    if sc.check is not None:
        try:
            scenarios._check(sc, report.live) if not report.hung_as_predicted else None
        except ScenarioError as exc:       # e.g. a check that does arithmetic on memory()'s None
            report.live.failures.append(f"check raised on the live outcome: {exc.message} (line {exc.line})")
        if report.live.passed and not report.hung_as_predicted:
            report.claim = "held"
        else:
            needs = deviations.reasons(sc.rules, needs_windows(sc))
            report.claim_detail = list(report.live.failures)
            host = [rule for rule in sc.rules if rule in deviations.HOST_DEPENDENT]
            if needs and backend == "wine" and (not report.model.passed or host):
                report.claim = "needs Windows"
                report.claim_detail = [f"{rule}: {why}" for rule, why in needs.items()] + report.claim_detail
            else:
                report.claim = "failed"
                if needs and backend == "wine" and report.model.passed:
                    report.claim_detail.append("the wine model predicted that the claims hold here")
    unmeasured = any(call == "memory" for calls in report.live_calls.values() for call, _, _ in calls)
    handles = (model_rec.handles, live_rec.handles)
    report.note_diffs = diff_notes(report.model, report.live, unmeasured, handles)
    race = any(call == "invariant" for calls in report.model_calls.values() for call, _, _ in calls)
    host = [rule for rule in sc.rules if rule in deviations.HOST_DEPENDENT] if backend == "wine" else []
    if not report.note_diffs:
        pass
    elif same_notes_any_thread(report.model, report.live, unmeasured, handles):
        report.agreement = "agrees up to which thread made which note (real threads raced differently)"
    elif race:
        report.agreement = ("not compared: a race scenario — the model ran one chosen interleaving, "
                            "the live run the one the real scheduler took")
    elif host:
        report.agreement = (f"not compared: {', '.join(host)} depend on the host under Wine "
                            f"({deviations.WINE8_DEVIATIONS[host[0]]})")
    if report.agreement != "agrees":
        report.note_diffs_shown, report.note_diffs = report.note_diffs, []
    report.call_diffs = diff_calls(report.model_calls, report.live_calls)
    return report
