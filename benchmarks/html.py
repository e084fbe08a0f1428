"""Size and write time of the web stepper (``run|step X --html FILE``).

For each scenario: the model run (recording snapshots, as ``--html`` does), then the page built by
``kernelsim.ui.html.document`` (best of N), its size, its steps, and how compact the embedded steps
are: the size of the stored deltas against every full state written out (the naive encoding).
Scenarios that keep no snapshots (CONFIG snapshots=False, the 5,000-session ones) embed events only.

    python3 benchmarks/html.py [--repeat N] [NAME ...]
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kernelsim import scenario  # noqa: E402
from kernelsim.ui import html, view  # noqa: E402

DEFAULT = ("lifo-wakeup", "pqcs-job-queue", "send-after-recv0", "wsaenobufs-small", "wsaenobufs-5000")


def _compact(obj):
    return len(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))


def naive_steps_size(outcome):
    """Bytes of every step's full state (all panels), as a page without deltas would embed them."""
    total = 0
    for step in view.steps(outcome):
        snap = step.snapshot
        if snap is None:
            continue
        state = {key: html._rows(getattr(snap, name, ())) for key, name in html.PANELS}
        state["pl"] = list(snap.pool)
        total += _compact(state)
    return total


def measure(name, repeat):
    sc = scenario.load(name)
    start = time.perf_counter()
    outcome = scenario.run(sc)
    run_s = time.perf_counter() - start
    best = None
    for _ in range(repeat):
        start = time.perf_counter()
        page = html.document(sc, outcome)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    data = html.data(sc, outcome)
    return {"name": name, "run_s": run_s, "write_s": best, "bytes": len(page.encode("utf-8")),
            "steps": html.step_count(data["steps"]), "events": len(data["events"]), "recorded": data["recorded"],
            "steps_bytes": _compact(data["steps"]), "events_bytes": _compact(data["events"]) +
            _compact(data["strings"]) + _compact(data["templates"]), "naive_steps": naive_steps_size(outcome)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=list(DEFAULT))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"{'scenario':22} {'steps':>6} {'events':>6} {'page':>9} {'B/step':>7} {'write':>8} {'run':>8} "
          f"{'steps data':>10} {'naive':>10} {'ratio':>6}")
    for name in args.names:
        m = measure(name, args.repeat)
        ratio = f"{m['naive_steps'] / m['steps_bytes']:.1f}x" if m["recorded"] and m["steps_bytes"] else "-"
        naive = f"{m['naive_steps'] / 1024:.0f} KiB" if m["recorded"] else "(events)"
        print(f"{m['name']:22} {m['steps']:>6} {m['events']:>6} {m['bytes'] / 1024:>5.0f} KiB "
              f"{m['bytes'] / max(m['steps'], 1):>7.0f} {m['write_s'] * 1000:>6.0f} ms {m['run_s'] * 1000:>6.0f} ms "
              f"{m['steps_bytes'] / 1024:>6.0f} KiB {naive:>10} {ratio:>6}")
    print(f"(write: best of {args.repeat}; page = the whole HTML file; ratio = naive full states / stored deltas)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
