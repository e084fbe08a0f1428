"""Live benchmark (issue 5): wall time of a live run under Wine, cold and warm, against the model run.

For three catalogue scenarios it prints
  - cold: the first live run of a fresh session, with no wineserver running
    (the probe.exe build and the Wine prefix are cached already; their one-off
    costs are printed separately when they happen);
  - warm: the median of three more live runs in the same session;
  - model: the median of three model runs (profile wine).
Target: a warm live run <= 3 s.
Run:  python benchmarks/live.py [NAME ...]
"""

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from kernelsim import scenario as scenarios  # noqa: E402
from kernelsim.live import wine  # noqa: E402
from kernelsim.live.backend import LiveRun  # noqa: E402
from kernelsim.live.client import ProbeTransport  # noqa: E402

DEFAULT = ("apc-alertable", "gqcsex-batch", "recv0-graceful-close")


def live_once(session, sc):
    start = time.perf_counter()
    transport = ProbeTransport(session.command(), env=session.env).start()
    LiveRun(sc, transport).run()
    return time.perf_counter() - start


def model_once(sc):
    start = time.perf_counter()
    scenarios.run(sc, profile="wine", trace=False, snapshots=False)
    return time.perf_counter() - start


def main(names):
    lacking = wine.missing()
    if lacking:
        print(lacking)
        return 2
    start = time.perf_counter()
    exe = wine.build_probe()
    print(f"probe.exe: {exe} ({time.perf_counter() - start:.2f} s to find or build)")
    rows = []
    for name in names:
        sc = scenarios.load(name)
        session = wine.WineSession()
        session.stop()                      # no wineserver of ours is running: the next run is cold
        session.start()
        if session.prefix_seconds:
            print(f"Wine prefix created once in {session.prefix_seconds:.1f} s")
        try:
            cold = live_once(session, sc)
            warm = statistics.median(live_once(session, sc) for _ in range(3))
        finally:
            session.stop()
        model = statistics.median(model_once(sc) for _ in range(3))
        rows.append((name, cold, warm, model))
    print(f"\n{'scenario':26} {'live cold':>10} {'live warm':>10} {'model':>9} {'warm/model':>11}")
    for name, cold, warm, model in rows:
        print(f"{name:26} {cold * 1000:8.0f} ms {warm * 1000:8.0f} ms {model * 1000:6.1f} ms {warm / model:10.0f}x")
    worst = max(warm for _, _, warm, _ in rows)
    print(f"\nslowest warm live run: {worst * 1000:.0f} ms (target <= 3000 ms): {'ok' if worst <= 3 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or DEFAULT))
