"""View benchmarks: the time to render one frame, and the scale of recorded runs (issues 4 and 13).

1. Render time.  Synthetic, immutable Snapshot objects (kernelsim.trace) with
   4, 16 and 64 threads, a port with queued packets and waiters, 1,000 IRPs,
   sockets and a 200-event log, each rendered to a 120-column off-screen console
   as the stepper does for every step: the median and the worst time per frame
   (target: ≤ 20 ms at 64 threads).

2. Scale (issue 13).  Real ``kernelsim`` commands, each in a fresh process
   (``python -m kernelsim ...``), with that process's own CPU time and peak
   resident memory (``os.wait4``); the best of ``--repeat`` runs (least CPU).
   The scenarios are generated from the templates below with N substituted:
   ``waiters`` (N threads block in GQCS on one port, then N packets release
   them), ``jobs`` (N jobs posted at once to a port that lets two workers run),
   and ``pqcs-job-queue`` from the catalogue with JOBS = N.  Figures: the
   last-step handout (``run FILE --svg x.svg --step -1``) of 1,000 waiters
   (target ≤ 3 s, ≤ 300 MB) and of 10,000 jobs (≤ 5 s, ≤ 500 MB);
   pqcs-job-queue at 1k and 3k jobs recorded for stepping; ``step FILE`` without
   a terminal (every step printed) over 250…2,000 waiters, as time per step
   (target: flat — linear in steps); and every step read through
   ``view.steps`` (what the HTML exporter does) for 1,000 and 2,000 waiters.
   ``--limit-mb`` (default 4096) caps each child's address space, so that a
   quadratic build cannot threaten the machine: such a run is reported as
   "out of memory".

    python3 benchmarks/view.py [--frames N] [--width W] [--repeat R] [--quick] [--render-only | --scale-only]
"""

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kernelsim.trace import Event, IrpView, PoolView, PortView, Snapshot, SocketView, ThreadView  # noqa: E402
from kernelsim.ui import view  # noqa: E402

TARGET_MS = 20.0

def synthetic_frame(n_threads, n_irps=1000, n_events=200):
    threads = tuple(
        ThreadView(f"W{i}", 4 * (i + 1), ("running", "waiting", "ready")[i % 3],
                   "port 8" if i % 3 == 1 else "", i % 2 == 0, tuple(f"routine({j})" for j in range(i % 3)),
                   "port 8", 40 + i % 20)
        for i in range(n_threads))
    port = PortView(8, tuple(f"key={k} ov{k}(recv) 512B" for k in range(20)),
                    tuple(t.name for t in threads if t.state == "waiting"), 4, 4, False)
    irps = tuple(IrpView(i, ("recv", "send")[i % 2], f"W{i % n_threads}", 100 + 4 * (i % 500),
                         ("pending", "completed")[i % 2], 1 + i % 3, 512 * (i % 2)) for i in range(n_irps))
    sockets = tuple(SocketView(100 + 4 * i, "connected", 128 * i, 0, 8) for i in range(16))
    pool = PoolView(900_000, 1_000_000, 1_900, 2_048)
    events = tuple(Event(i, i * 0.5, "call", f"W{i % n_threads}", "{thread} does step " + str(i),
                         "because of a rule (A2)", "bench.py", 40 + i % 20, {}) for i in range(n_events))
    snap = Snapshot(n_events - 1, events[-1].time, threads, (port,), irps, sockets, pool, 0)
    source = tuple(f"    yield SomeCall({i})  # line {i}" for i in range(1, 80))
    return view.Frame(snap, events, source, "bench.py", "benchmark — synthetic frame", n_events, n_events)


def time_frames(frame, count, width):
    con = view.console(width)
    times = []
    for _ in range(count):
        con.file.seek(0)
        con.file.truncate()
        start = time.process_time()                 # CPU time: other processes on the machine do not count
        con.print(view.render(frame, width))
        times.append((time.process_time() - start) * 1000.0)
    return times



ROOT = Path(__file__).resolve().parent.parent

WAITERS = '''"""N threads wait on one port (benchmark)."""
from kernelsim.win32 import *
TITLE = "N threads wait in GQCS on one port"
N = {n}

def main():
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    workers = []
    for i in range(N):
        workers.append((yield CreateThread(worker, port, name=f"W{{i + 1}}")))
    yield Sleep(1)
    for _ in workers:
        yield PostQueuedCompletionStatus(port, 0, 0, None)
    yield Sleep(1)

def worker(port):
    yield GetQueuedCompletionStatus(port, INFINITE)
'''

JOBS = '''"""N queued jobs (benchmark)."""
from kernelsim.win32 import *
TITLE = "N jobs queue on a port with two running workers"
N = {n}

def main():
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 2)
    workers = []
    for name in ("W1", "W2"):
        workers.append((yield CreateThread(worker, port, name=name)))
    yield Sleep(1)
    for job in range(N):
        yield PostQueuedCompletionStatus(port, 0, job, OVERLAPPED(op=f"job{{job}}"))
    for _ in workers:
        yield PostQueuedCompletionStatus(port, 0, 0, None)
    yield WaitForMultipleObjects(workers, TRUE, INFINITE)

def worker(port):
    while True:
        ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, INFINITE)
        if ov is None:
            return
        yield compute(1)
'''


def write(folder, name, text):
    path = Path(folder) / f"{name}.py"
    path.write_text(text, encoding="utf-8")
    return str(path)


def pqcs(folder, n):
    source = (ROOT / "scenarios" / "pqcs_job_queue.py").read_text(encoding="utf-8")
    return write(folder, f"pqcs_{n}", re.sub(r"^JOBS = \d+", f"JOBS = {n}", source, flags=re.M))


def measure_child(args, limit_mb, timeout=900):
    """As measure, but with the child's own rusage (os.wait4): CPU time and peak RSS."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))

    def limit():
        if limit_mb:
            resource.setrlimit(resource.RLIMIT_AS, (limit_mb << 20, limit_mb << 20))
    errfile = tempfile.TemporaryFile()
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "kernelsim", *args], stdout=subprocess.DEVNULL,
                            stderr=errfile, preexec_fn=limit, env=env, cwd=str(ROOT))
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            os.wait4(proc.pid, 0)
            return {"cpu": None, "wall": timeout, "mb": None, "rc": "timeout", "err": f"killed after {timeout} s"}
        time.sleep(0.02)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    errfile.seek(0)
    err = errfile.read().decode(errors="replace")
    lines = err.strip().splitlines() or [""]
    oom = "MemoryError" in err
    return {"cpu": usage.ru_utime + usage.ru_stime, "wall": wall, "mb": usage.ru_maxrss / 1024,
            "rc": "out of memory" if oom else proc.returncode, "err": lines[-1]}


def count_steps(path):
    """The number of trace events (= steps) of a scenario, from a quick run without snapshots."""
    sys.path.insert(0, str(ROOT))
    from kernelsim import scenario
    return len(scenario.run(path, snapshots=False).trace.events)


def best(args, repeat, limit_mb, timeout):
    runs = []
    for _ in range(repeat):
        r = measure_child(args, limit_mb, timeout)
        runs.append(r)
        if r["cpu"] is None or r["rc"] not in (0, 1):
            break                              # a failed run is not repeated
    ok = [r for r in runs if r["cpu"] is not None and r["rc"] in (0, 1)]
    if not ok:
        return runs[-1]
    return min(ok, key=lambda r: r["cpu"])


def show(label, r, target=None):
    """Print one figure; → whether it met its target (True when it has none)."""
    if r["cpu"] is None or r["rc"] not in (0, 1):
        print(f"  {label:<44} FAILED ({r['rc']}): {r['err'][:90]}")
        return False
    line = f"  {label:<44} {r['cpu']:7.2f} s CPU  {r['wall']:7.2f} s wall  {r['mb']:8.0f} MB peak"
    if target:
        seconds, mb = target
        ok = r["cpu"] <= seconds and r["mb"] <= mb
        line += f"   target ≤ {seconds} s, ≤ {mb} MB: {'met' if ok else 'MISSED'}"
        print(line)
        return ok
    print(line)
    return True


def render_section(args):
    print(f"view render CPU time per frame, {args.width} columns, 1,000 IRPs, 200 events, {args.frames} frames each")
    print(f"{'threads':>8} {'median ms':>10} {'worst ms':>9}")
    result = {}
    for n in (4, 16, 64):
        frame = synthetic_frame(n)
        time_frames(frame, 3, args.width)                       # warm up
        times = time_frames(frame, args.frames, args.width)
        result[n] = statistics.median(times)
        print(f"{n:>8} {result[n]:>10.2f} {max(times):>9.2f}")
    verdict = "meets" if result[64] <= TARGET_MS else "MISSES"
    print(f"64 threads: {result[64]:.2f} ms per frame, {verdict} the {TARGET_MS:.0f} ms target "
          f"({result[64] / TARGET_MS:.2f}× the budget)")
    return result[64] <= TARGET_MS


def read_every_step(path):
    """Run a scenario recording snapshots and read every step through view.steps (as the HTML exporter
    does), touching each panel's rows that changed → (seconds of CPU, steps)."""
    from kernelsim import scenario
    start = time.process_time()
    outcome = scenario.run(path, snapshots=True)
    before, rows = (), 0
    for step in view.steps(outcome):
        threads = step.snapshot.threads
        if threads is not before:
            rows += sum(1 for _ in threads.changed_since(before))
            before = threads
    return time.process_time() - start, len(outcome.trace.events)


def scale_section(args):
    repeat = 1 if args.quick else args.repeat
    print(f"scale: best of {repeat}; load average {os.getloadavg()[0]:.2f} at start; {os.cpu_count()} CPUs")
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        svg = str(Path(folder) / "x.svg")
        print("last-step handout: kernelsim run FILE --svg x.svg --step -1")
        w1k = write(folder, "waiters_1000", WAITERS.format(n=1000))
        ok &= show("1,000 waiting threads", best(["run", w1k, "--svg", svg, "--step", "-1"], repeat, args.limit_mb,
                                                  args.timeout), (3, 300))
        j10k = write(folder, "jobs_10000", JOBS.format(n=10000))
        ok &= show("10,000 queued jobs", best(["run", j10k, "--svg", svg, "--step", "-1"], repeat, args.limit_mb,
                                               args.timeout), (5, 500))
        print("pqcs-job-queue scaled, every step recorded: kernelsim run FILE --svg x.svg --step 1")
        for n in (1000, 3000):
            show(f"JOBS = {n:,}", best(["run", pqcs(folder, n), "--svg", svg, "--step", "1"], repeat,
                                       args.limit_mb, args.timeout))
        print("step FILE, no terminal (prints every step): time per step")
        sizes = (250, 500, 1000) if args.quick else (250, 500, 1000, 2000)
        per = {}
        for n in sizes:
            path = write(folder, f"waiters_{n}", WAITERS.format(n=n))
            r = best(["step", path], repeat, args.limit_mb, args.timeout)
            steps = count_steps(path)
            show(f"{n:,} threads ({steps:,} steps)", r)
            if r["cpu"] is not None and r["rc"] in (0, 1):
                per[n] = r["cpu"] / steps
                print(f"  {'':44} {per[n] * 1e3:7.3f} ms per step")
        if len(per) > 1:
            lo, hi = min(per), max(per)
            print(f"  time per step, {hi:,} threads ÷ {lo:,} threads: {per[hi] / per[lo]:.2f}  "
                  f"(linear in steps: stays near 1)")
        print("every step read through view.steps (the HTML exporter's accessor), in this process")
        for n in (1000, 2000):
            path = write(folder, f"waiters_{n}", WAITERS.format(n=n))
            seconds = min(read_every_step(path)[0] for _ in range(repeat))
            steps = count_steps(path)
            print(f"  {n:,} threads ({steps:,} steps) {seconds:13.2f} s CPU  {seconds / steps * 1e6:7.1f} µs per step")
    return ok


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--width", type=int, default=120)
    parser.add_argument("--repeat", type=int, default=3, help="runs per scale figure; the best (least CPU) is printed")
    parser.add_argument("--quick", action="store_true", help="scale: a smaller step sweep, one run each")
    parser.add_argument("--limit-mb", type=int, default=4096, help="scale: address-space cap per child (MB)")
    parser.add_argument("--timeout", type=int, default=300, help="scale: seconds before a child is killed")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--render-only", action="store_true")
    only.add_argument("--scale-only", action="store_true")
    args = parser.parse_args(argv)
    ok = True
    if not args.scale_only:
        ok &= render_section(args)
        print()
    if not args.render_only:
        ok &= scale_section(args)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
