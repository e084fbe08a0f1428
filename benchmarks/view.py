"""Time to render one frame of the view (issue 4: ≤ 20 ms per frame at 64 threads).

Builds synthetic, immutable Snapshot objects (kernelsim.trace) with 4, 16 and
64 threads, a completion port with queued packets and waiters, 1,000 IRPs,
sockets and a 200-event log, and renders each to a 120-column off-screen
console, as the stepper does for every step.  Prints the median and the worst
time per frame.

    python3 benchmarks/view.py [--frames N] [--width W]
"""

import argparse
import statistics
import sys
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
        start = time.perf_counter()
        con.print(view.render(frame, width))
        times.append((time.perf_counter() - start) * 1000.0)
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--width", type=int, default=120)
    args = parser.parse_args(argv)
    print(f"view render time per frame, {args.width} columns, 1,000 IRPs, 200 events, {args.frames} frames each")
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
    return 0 if result[64] <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
