"""``kernelsim live NAME|PATH`` and ``kernelsim validate``: run scenarios on real Win32 and compare strictly.

``live`` runs one scenario live (the probe under Wine on Linux, ctypes on
Windows) and on the model, prints both side by side with every difference, and
gives the verdict (oracle.py): held, deviation (naming the profile switch that
explains it), failed, flaky or not live.  ``validate`` does it for the catalogue
(or the scenarios named), ``--repeat N`` times each, and says how stable each
result was.  Nothing is retried behind the user's back.

The Win32: ``--wine PATH`` (else ``$KERNELSIM_WINE``, else the host's Wine) on
Linux; ``--backend ctypes`` on Windows.  The checked profile: ``--profile``, by
default the one that describes that Win32 (``wine`` for Wine 8, ``wine10`` for
Wine 10, ``windows`` on Windows).

Exit codes: 0 every result held or is an explained deviation (or cannot run
live); 1 a result failed or was flaky; 2 a usage error, or Wine / mingw-w64 /
the launcher missing or broken (one line with the command that fixes it).
"""

import json
import sys
import time
from contextlib import contextmanager

from .. import argtypes, cli
from .. import scenario as scenarios
from ..model.profile import PROFILES


def _add_common(parser):
    parser.add_argument("--backend", choices=["auto", "wine", "ctypes"], default="auto",
                        help="auto: ctypes on Windows, the probe under Wine elsewhere")
    parser.add_argument("--wine", metavar="PATH", default=None,
                        help="the Wine launcher (default: $KERNELSIM_WINE, else the host's Wine)")
    parser.add_argument("--profile", choices=sorted(PROFILES), default=None,
                        help="the profile the model is checked with (default: the one of this Win32)")
    parser.add_argument("--watchdog", type=argtypes.positive_float, default=10.0, metavar="S",
                        help="stop the run when one call does not return in S seconds (default 10)")
    parser.add_argument("--timeout", type=argtypes.positive_float, default=60.0, metavar="S",
                        help="stop a scenario's live run after S seconds in all (default 60)")
    parser.add_argument("--json", action="store_true", help="print JSON (live: one object, validate: a list)")




def add_live_parser(sub):
    p = sub.add_parser("live", help="run a scenario on real Win32 and compare it strictly with the model")
    p.add_argument("scenario", metavar="NAME|PATH")
    _add_common(p)


def add_validate_parser(sub):
    p = sub.add_parser("validate", help="every catalogue scenario live, strictly compared, one row each")
    p.add_argument("scenarios", metavar="NAME|PATH", nargs="*", help="only these (default: the catalogue)")
    p.add_argument("--repeat", type=argtypes.positive_int, default=1, metavar="N",
                   help="run each scenario N times and report how stable its result is")
    _add_common(p)


def pick_backend(choice):
    if choice == "auto":
        return "ctypes" if sys.platform == "win32" else "wine"
    if choice == "ctypes" and sys.platform != "win32":
        raise scenarios.UsageError("--backend ctypes needs Windows; on Linux use --backend wine")
    return choice


class Unavailable(Exception):
    pass


class Target:
    """The Win32 a command runs on: backend, launcher, its version, the profile that describes it."""

    def __init__(self, backend, launcher=None, version=None, profile="windows"):
        self.backend, self.launcher, self.version, self.profile = backend, launcher, version, profile

    def describe(self):
        if self.backend == "ctypes":
            return "Windows (ctypes)"
        return f"{self.version} ({self.launcher})"


@contextmanager
def transports(backend, watchdog, wine_path=None):
    """Yield (factory of fresh transports, Target); under Wine, one wineserver for all of them."""
    if backend == "ctypes":
        from .ctypes_transport import CtypesTransport
        yield (lambda: CtypesTransport(watchdog=watchdog)), Target("ctypes")
        return
    from . import wine
    from .client import ProbeTransport
    problem = wine.missing(wine_path)
    if problem:
        raise Unavailable(problem)

    def factory(session):
        return lambda: ProbeTransport(session.command(), env=session.env, watchdog=watchdog).start()

    session = wine.running_session(wine_path)
    if session is not None:                 # this process already runs one (the test suite)
        yield factory(session), Target("wine", session.wine, session.version, session.profile)
        return
    try:
        session = wine.WineSession(wine=wine_path)
    except wine.Unavailable as exc:
        raise Unavailable(str(exc)) from None
    with session:
        yield factory(session), Target("wine", session.wine, session.version, session.profile)


def _problem(exc):
    """Print a set-up problem (one line); the exit code."""
    from . import wine
    message = str(exc).strip()
    if isinstance(exc, (Unavailable, wine.Unavailable)):
        print(f"kernelsim: {message.splitlines()[0] if message else exc!r}", file=sys.stderr)
        return 2
    print(f"kernelsim: {message}", file=sys.stderr)
    return 1


def _run(args, body):
    from . import wine
    backend = pick_backend(args.backend)
    if args.wine and backend == "ctypes":
        raise scenarios.UsageError("--wine names a Wine launcher; it cannot be used with --backend ctypes")
    try:
        with transports(backend, args.watchdog, args.wine) as (make, target):
            return body(make, target, args.profile or target.profile)
    except (Unavailable, wine.Unavailable, wine.BuildError) as exc:
        return _problem(exc)


def cmd_live(args):
    from . import oracle
    from .client import ProbeCrashed
    sc = scenarios.load(args.scenario)

    def body(make, target, profile):
        report = oracle.check(sc, make, target.backend, profile, args.watchdog, args.timeout, target.launcher)
        if args.json:
            print(json.dumps(report.to_json(), ensure_ascii=False))
        else:
            print(render(report, target))
        if isinstance(report.error, ProbeCrashed) and not args.json:
            print("probe stderr (tail):\n" + (report.error.stderr_tail or "(empty)"), file=sys.stderr)
        return 0 if report.ok else 1
    return _run(args, body)


def cmd_validate(args):
    from . import oracle
    names = args.scenarios or scenarios.catalogue_names()
    loaded = [scenarios.load(name) for name in names]
    name_width = max(len(sc.name) for sc in loaded) if loaded else 0

    def body(make, target, profile):
        start = time.perf_counter()
        reports = []
        with _progress(len(loaded) * args.repeat, quiet=args.json) as advance:
            for sc in loaded:
                runs = []
                model = None
                for _ in range(args.repeat):
                    report = oracle.check(sc, make, target.backend, profile, args.watchdog, args.timeout,
                                          target.launcher, model=model)
                    model = report.model
                    runs.append(report)
                    advance(f"{sc.name} {report.verdict}")
                    if report.verdict == "not live":
                        break
                report = oracle.stable(runs) if args.repeat > 1 else runs[0]
                reports.append(report)
                if not args.json:
                    advance.print(row(report, args.repeat, name_width))
        total = time.perf_counter() - start
        if args.json:
            print(json.dumps([r.to_json() for r in reports], ensure_ascii=False))
        else:
            print(summary(reports, target, profile, args.repeat, total))
        return 0 if all(r.ok for r in reports) else 1
    return _run(args, body)


@contextmanager
def _progress(total, quiet, label="validate"):
    """A rich progress bar on a terminal; nothing with --json or when stdout is not a TTY."""
    def plain(text=""):
        pass
    plain.print = lambda line: print(line, flush=True)
    if quiet or not sys.stdout.isatty():
        yield plain
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), transient=True) as bar:
        task = bar.add_task("", total=total)

        def advance(text=""):
            bar.update(task, advance=1, description=text)
        advance.print = lambda line: bar.console.print(line, markup=False, highlight=False)
        yield advance


# --- text output --------------------------------------------------------------------

def row(r, repeat=1, name_width=36):
    """One scenario's line: name, verdict, time, then the detail wrapped under itself (columns.py)."""
    from ..columns import rows
    secs = f"{r.seconds:6.2f} s" if r.verdict != "not live" else ""
    stability = ""
    if repeat > 1 and r.runs:
        counts = {}
        for verdict, *_ in r.runs:
            counts[verdict] = counts.get(verdict, 0) + 1
        stability = " ".join(f"{v} {n}/{len(r.runs)}" for v, n in counts.items()) + "  "
    return "\n".join(rows([r.name, r.verdict, secs], stability + detail(r), [max(name_width, len(r.name)), 10, 8],
                          gap=1))


def detail(r):
    if r.verdict == "not live":
        return r.reason
    if r.verdict == "flaky":
        first = r.runs[0]
        odd = next((run for run in r.runs if run != first), None)
        if odd is not None:
            verdict, _, diffs, error = odd if first[0] == "held" else first
            what = error or (diffs[0]["what"] if diffs else "no difference")
            return f"one run {verdict}: {what[:90]}"
    if r.error is not None:
        return str(r.error).splitlines()[0]
    if r.verdict == "deviation":
        return f"switch {r.switch_text}"
    if r.diffs:
        return r.diffs[0]["what"][:110]
    if r.live and r.live.hang:
        h = r.live.hang[0]
        return f"hangs in {h['call']} (line {h['line']}) as the {r.profile} profile predicts"
    return ""


def summary(reports, target, profile, repeat, seconds):
    counts = {}
    for r in reports:
        counts[r.verdict] = counts.get(r.verdict, 0) + 1
    times = f" × {repeat}" if repeat > 1 else ""
    parts = ", ".join(f"{counts.get(v, 0)} {v}" for v in ("held", "deviation", "failed", "flaky", "not live"))
    lines = [f"\n{len(reports)} scenarios{times} on {target.describe()}, profile {profile}, "
             f"in {seconds:.1f} s: {parts}"]
    bad = [r.name for r in reports if not r.ok]
    if bad:
        lines.append("not held: " + ", ".join(bad))
    return "\n".join(lines)


def _fields(n):
    from .compare import shown
    return " ".join(f"{k}={shown(v)!r}" for k, v in n.fields.items())


def render(r, target=None):
    from .compare import threads_of
    lines = [f"scenario {r.name}: {r.scenario.title}",
             f"live     {target.describe() if target else r.backend}; model profile {r.profile}"]
    if r.verdict == "not live":
        lines += [f"not run live: {r.reason}", "verdict  not live"]
        return "\n".join(lines)
    if r.error is not None:
        lines += [f"live run stopped: {r.error}", "verdict  failed"]
        return "\n".join(lines)
    lines.append(f"time     live {r.seconds * 1000:.0f} ms wall, model {r.model_seconds * 1000:.1f} ms wall")
    lines.append("")
    lines.append(f"{'model (' + r.profile + ')':<52} | live")
    marked = {(d.get("thread"), d.get("index")) for d in r.diffs if d["kind"] == "note"}
    for thread in threads_of(r.model, r.live):
        m = [n for n in r.model.outcome.notes() if n.thread == thread]
        lv = [n for n in r.live.outcome.notes() if n.thread == thread]
        for i in range(max(len(m), len(lv))):
            left = f"{m[i].time:8.1f} {thread:<6} {m[i].tag} {_fields(m[i])}" if i < len(m) else ""
            right = f"{float(lv[i].time):8.1f} {thread:<6} {lv[i].tag} {_fields(lv[i])}" if i < len(lv) else ""
            mark = "≠" if (thread, i) in marked else " "
            lines.append(f"{left[:51]:<51} {mark}| {right}")
    if r.diffs:
        lines.append("")
        lines.append("differences:")
        for d in r.diffs:
            lines.append(f"  {d['what']}")
    if r.live.hang:
        h = r.live.hang[0]
        lines.append(f"hang     thread {h['thread']} never returned from {h['call']} (line {h['line']})")
    failures = r.live.outcome.failures
    lines.append("")
    lines.append("claims   " + ("all held live" if not failures else "failed live: " + "; ".join(failures)[:300]))
    if r.verdict == "deviation":
        from . import deviations
        lines.append(f"switch   {r.switch_text} — {deviations.reason(r.switch)}")
        profiles = deviations.profiles_with(r.switch)
        if profiles:
            lines.append(f"         (set in the profile{'s' if len(profiles) > 1 else ''} {', '.join(profiles)})")
    lines.append(f"verdict  {r.verdict}")
    return "\n".join(lines)


cli.register("live", add_live_parser, cmd_live)
cli.register("validate", add_validate_parser, cmd_validate)

from . import fuzz  # noqa: E402,F401  (registers ``kernelsim fuzz``)
