"""Live benchmark (issues 5 and 9): live runs under Wine against the model, validate, fuzz, Wine 10 set-up.

For three catalogue scenarios it prints
  - cold: the first live run of a fresh session, with no wineserver running
    (the probe.exe build and the Wine prefix are cached already; their one-off
    costs are printed separately when they happen);
  - warm: the median of three more live runs in the same session;
  - model: the median of three model runs (profile wine).
Target: a warm live run <= 3 s.
Then (issue 9):
  - the wall time of ``kernelsim validate --repeat 3`` (the whole catalogue, strict);
  - fuzz programs per minute (``kernelsim fuzz --count 40 --seed 9``);
  - tools/wine10.sh: warm (the chroot exists) always, when run as root; cold (a fresh chroot in a
    scratch folder, removed afterwards: about 1.2 GB of downloads and disk) with --wine10-cold.
It prints the machine's load average next to each figure: measured under shared load, say so.
Run:  python benchmarks/live.py [NAME ...] [--skip-validate] [--wine10-cold]
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
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


def live_runs(names):
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




ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def _load():
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def _kernelsim(*args):
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "kernelsim", *args], cwd=ROOT, capture_output=True, text=True)
    return time.perf_counter() - start, done


def validate_repeat():
    load = _load()
    seconds, done = _kernelsim("validate", "--repeat", "3", "--json")
    reports = json.loads(done.stdout) if done.stdout.strip() else []
    counts = {}
    for r in reports:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    print(f"validate --repeat 3: {seconds:.1f} s for {len(reports)} scenarios ({counts}); load {load:.1f}")


def fuzz_rate(count=40):
    load = _load()
    seconds, done = _kernelsim("fuzz", "--count", str(count), "--seed", "9", "--json")
    summary = json.loads(done.stdout) if done.stdout.strip() else {}
    print(f"fuzz: {count} programs in {seconds:.1f} s wall ({60 * count / seconds:.0f} per minute with the set-up; "
          f"{summary.get('programs_per_minute')} per minute checking only), unexplained "
          f"{summary.get('unexplained')}; load {load:.1f}")


def wine10(cold):
    script = os.path.join(ROOT, "tools", "wine10.sh")
    if os.geteuid() != 0:
        print("tools/wine10.sh: not measured (needs root)")
        return
    runs = []
    if cold:
        scratch = tempfile.mkdtemp(prefix="wine10-bench-", dir="/var/cache")
        runs.append(("cold", scratch))
    runs.append(("warm", os.environ.get("KERNELSIM_WINE10_DIR", "/var/cache/kernelsim/wine10")))
    for label, folder in runs:
        load = _load()
        start = time.perf_counter()
        done = subprocess.run([script], env={**os.environ, "KERNELSIM_WINE10_DIR": folder}, capture_output=True,
                              text=True)
        seconds = time.perf_counter() - start
        size = subprocess.run(["du", "-sh", folder], capture_output=True, text=True).stdout.split("\t")[0]
        print(f"tools/wine10.sh {label}: {seconds:.1f} s (exit {done.returncode}, {size}); load {load:.1f}")
        if label == "cold":
            shutil.rmtree(folder, ignore_errors=True)


def main(argv):
    names = [a for a in argv if not a.startswith("--")]
    code = live_runs(names or DEFAULT)
    if "--skip-validate" not in argv:
        validate_repeat()
    fuzz_rate()
    wine10("--wine10-cold" in argv)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
