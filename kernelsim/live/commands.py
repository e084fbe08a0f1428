"""``kernelsim live NAME|PATH`` and ``kernelsim validate``: run scenarios on real Win32 and compare.

``live`` runs one scenario live (the probe under Wine on Linux, ctypes on
Windows) and on the model (profile ``wine`` under Wine, ``windows`` on
Windows), prints both side by side, the call results that differ, and the
verdict of the scenario's claims.  ``validate`` does it for every catalogue
scenario that can run live and prints one row each plus a summary; a run
whose claims fail is run once more (real threads on a busy machine can miss a
scenario's millisecond margins) and its row then says what the first run gave.

Exit codes: 0 everything that can be checked here held; 1 a claim failed, the
model disagreed, a call hung or the probe crashed; 2 usage error, or Wine /
mingw-w64 missing (the message gives the apt command).
"""

import json
import sys
import time
from contextlib import contextmanager

from .. import cli
from .. import scenario as scenarios


def _add_common(parser):
    parser.add_argument("--backend", choices=["auto", "wine", "ctypes"], default="auto",
                        help="auto: ctypes on Windows, the probe under Wine elsewhere")
    parser.add_argument("--watchdog", type=float, default=10.0, metavar="SECONDS",
                        help="stop the run when one call does not return in this time (default 10)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def add_live_parser(sub):
    p = sub.add_parser("live", help="run a scenario on real Win32 and compare it with the model")
    p.add_argument("scenario", metavar="NAME|PATH")
    _add_common(p)


def add_validate_parser(sub):
    p = sub.add_parser("validate", help="run every catalogue scenario that can run live, one row each")
    _add_common(p)


def pick_backend(choice):
    if choice == "auto":
        return "ctypes" if sys.platform == "win32" else "wine"
    if choice == "ctypes" and sys.platform != "win32":
        raise scenarios.UsageError("--backend ctypes needs Windows; on Linux use --backend wine")
    return choice


class Unavailable(Exception):
    pass


@contextmanager
def transports(backend, watchdog):
    """Yield a factory of fresh transports; under Wine, one wineserver for all of them."""
    if backend == "ctypes":
        from .ctypes_transport import CtypesTransport
        yield lambda: CtypesTransport(watchdog=watchdog)
        return
    from . import wine
    from .client import ProbeTransport
    if wine.missing():
        raise Unavailable(wine.missing())
    if wine._SHARED is not None:           # this process already runs a session (the test suite)
        session = wine._SHARED
        yield lambda: ProbeTransport(session.command(), env=session.env, watchdog=watchdog).start()
        return
    try:
        session = wine.WineSession()
    except wine.Unavailable as exc:
        raise Unavailable(str(exc)) from None
    with session:
        yield lambda: ProbeTransport(session.command(), env=session.env, watchdog=watchdog).start()


def _problem(exc):
    """Print a setup problem; the exit code."""
    from . import wine
    if isinstance(exc, (Unavailable, wine.Unavailable)):
        print(f"kernelsim: {exc}", file=sys.stderr)
        return 2
    print(f"kernelsim: {exc}", file=sys.stderr)
    return 1


def cmd_live(args):
    from . import compare, wine
    from .client import ProbeCrashed
    backend = pick_backend(args.backend)
    sc = scenarios.load(args.scenario)
    try:
        with transports(backend, args.watchdog) as make:
            report = compare.compare(sc, make, backend, args.watchdog)
    except (Unavailable, wine.Unavailable, wine.BuildError) as exc:
        return _problem(exc)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        print(render(report))
    if isinstance(report.error, ProbeCrashed) and not args.json:
        print("probe stderr (tail):\n" + (report.error.stderr_tail or "(empty)"), file=sys.stderr)
    if report.skipped:
        return 0
    return 0 if report.ok else 1


def cmd_validate(args):
    from . import compare, wine
    backend = pick_backend(args.backend)
    names = scenarios.catalogue_names()
    reports = []
    start = time.perf_counter()
    try:
        with transports(backend, args.watchdog) as make:
            for name in names:
                sc = scenarios.load(name)
                report = compare.compare(sc, make, backend, args.watchdog)
                if not report.ok and not report.skipped and report.error is None:
                    # Real threads on a busy machine can miss a scenario's millisecond margins:
                    # one more run, and the row says that the first one failed.
                    again = compare.compare(sc, make, backend, args.watchdog)
                    again.first_try = f"{report.verdict}: {_detail(report)}"
                    report = again
                reports.append(report)
                if not args.json:
                    print(row(reports[-1]), flush=True)
    except (Unavailable, wine.Unavailable, wine.BuildError) as exc:
        return _problem(exc)
    total = time.perf_counter() - start
    counts = {}
    for r in reports:
        counts[r.verdict] = counts.get(r.verdict, 0) + 1
    failed = [r for r in reports if not r.skipped and not r.ok]
    if args.json:
        print(json.dumps({"backend": backend, "profile": "wine" if backend == "wine" else "windows",
                          "seconds": round(total, 2), "counts": counts, "passed": not failed,
                          "scenarios": [r.to_json() for r in reports]}, ensure_ascii=False))
    else:
        summary = ", ".join(f"{n} {v}" for v, n in counts.items())
        print(f"\n{len(reports)} scenarios on {backend} in {total:.1f} s: {summary}")
        if failed:
            print("failed: " + ", ".join(r.name for r in failed))
    return 1 if failed else 0


# --- text output --------------------------------------------------------------------

def row(r):
    detail = _detail(r)
    secs = f"{r.seconds:6.2f} s" if not r.skipped else " " * 8
    if getattr(r, "first_try", ""):
        detail = f"(2nd run; the 1st {r.first_try[:70]}) {detail}"
    return f"{r.name:26} {r.verdict:14} {secs}  {detail}"


def _detail(r):
    detail = ""
    if r.skipped:
        detail = r.skipped
    elif r.error is not None:
        detail = str(r.error).splitlines()[0]
    elif r.claim == "needs Windows":
        detail = "; ".join(d for d in r.claim_detail if ":" in d and not d.startswith("line "))[:100]
    elif r.claim == "failed":
        detail = r.claim_detail[0][:100] if r.claim_detail else ""
    elif not r.agrees:
        d = r.note_diffs[0]
        detail = f"model disagrees on {d['thread']}'s note #{d['index'] + 1}"
    return detail


def _fields(n):
    return " ".join(f"{k}={v!r}" for k, v in n.fields.items())


def render(r):
    lines = [f"scenario {r.name}: {r.scenario.title}", f"backend  {r.backend} (model profile {r.profile})"]
    if r.skipped:
        lines.append(f"not run live: {r.skipped}")
        return "\n".join(lines)
    if r.error is not None:
        lines.append(f"live run stopped: {r.error}")
        return "\n".join(lines)
    lines.append(f"time     live {r.seconds * 1000:.0f} ms wall, model {r.model_seconds * 1000:.1f} ms wall")
    lines.append("")
    lines.append(f"{'model (' + r.profile + ')':<48} | live")
    threads = list(dict.fromkeys([n.thread for n in r.model.notes()] + [n.thread for n in r.live.notes()]))
    for thread in threads:
        m = [n for n in r.model.notes() if n.thread == thread]
        lv = [n for n in r.live.notes() if n.thread == thread]
        for i in range(max(len(m), len(lv))):
            left = f"{m[i].time:8.1f} {thread:<6} {m[i].tag} {_fields(m[i])}" if i < len(m) else ""
            right = f"{float(lv[i].time):8.1f} {thread:<6} {lv[i].tag} {_fields(lv[i])}" if i < len(lv) else ""
            mark = "≠" if any(d["thread"] == thread and d["index"] == i
                              for d in r.note_diffs + r.note_diffs_shown) else " "
            lines.append(f"{left[:47]:<47} {mark}| {right}")
    if r.call_diffs:
        lines.append("")
        lines.append("call results that differ (first per thread):")
        for d in r.call_diffs:
            m, lv = d["model"], d["live"]
            left = f"line {m[1]} {m[0]} → {m[2]!r}" if m else "(no call)"
            right = f"line {lv[1]} {lv[0]} → {lv[2]!r}" if lv else "(no call)"
            if m and lv and m[:2] == lv[:2]:
                right = f"→ {lv[2]!r}"
            lines.append(f"  {d['thread']:<8} model {left}   live {right}")
    lines.append("")
    lines.append(f"claims   {r.claim}")
    for d in r.claim_detail:
        lines.append(f"         {d}")
    if r.agrees:
        lines.append(f"model    {r.agreement}" + (" (every thread made the same notes)"
                                                   if r.agreement == "agrees" else ""))
    else:
        lines.append("model    DISAGREES with the live run (see ≠ above)")
    lines.append(f"verdict  {r.verdict}")
    return "\n".join(lines)


cli.register("live", add_live_parser, cmd_live)
cli.register("validate", add_validate_parser, cmd_validate)
