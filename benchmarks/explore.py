"""Explorer benchmark (issue 6): schedules per second and time to the first counterexample.

Prints
  1. schedules/s exploring send-after-recv0 (2 workers, 1 session; broken library), with the search
     kept going after the first failure (target: >= 1,000 schedules/s);
  2. the time to the first counterexample on it (target: < 1 s), for dfs, random and pct;
  3. the time to exhaust the fixed variant with --max-preemptions 2, and how many schedules that is;
  4. the same rate for counter-race, the smallest scenario, as the explorer's own overhead floor.
Wall-clock and CPU (process) time are both shown: on a shared machine the CPU figure is the fair one.
Run:  python benchmarks/explore.py [--budget N]
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from kernelsim import explore, scenario


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def rate(name, budget, strategy="dfs", k=2):
    sc = scenario.load(name)
    runner = explore.Runner(sc)
    gen = {"dfs": lambda: explore.dfs(runner, k),
           "random": lambda: explore.random_walk(runner, k, 1),
           "pct": lambda: explore.pct(runner, k, 1, 40)}[strategy]()

    def go():
        n = 0
        for _ in gen:
            n += 1
            if n >= budget:
                break
        return n
    n, wall, cpu = timed(go)
    return n, wall, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=2000)
    args = parser.parse_args()

    print("1. schedules per second (dfs, max 2 preemptions)")
    for name in ("send-after-recv0", "send-after-recv0-fixed", "counter-race"):
        n, wall, cpu = rate(name, args.budget)
        print(f"   {name:28} {n:6} schedules  {n / wall:8,.0f}/s wall  {n / cpu:8,.0f}/s cpu"
              f"   target >= 1,000/s: {'met' if n / cpu >= 1000 else 'MISSED'}")

    print("2. time to the first counterexample on send-after-recv0")
    sc = scenario.load("send-after-recv0")
    for strategy in ("dfs", "random", "pct"):
        report, wall, cpu = timed(lambda: explore.explore(sc, strategy, 2, budget=20000, seconds=60, seed=1,
                                                          stop_at_first=True, minimise_budget=0, check=False))
        found = report.first
        if found is None:
            print(f"   {strategy:6} no counterexample in {report.schedules} schedules")
            continue
        print(f"   {strategy:6} after {found[0]:5} schedules, {found[1]:.3f} s wall   ({cpu:.3f} s cpu in all)"
              f"   schedule {report.failing.schedule or '(default)'}   target < 1 s: "
              f"{'met' if found[1] < 1 else 'MISSED'}")
    report, wall, cpu = timed(lambda: explore.explore(sc, "dfs", 2, budget=20000, seconds=60, stop_at_first=True))
    print(f"   dfs with minimisation and the determinism check: {wall:.3f} s wall, "
          f"shortest schedule {report.minimised.schedule}")

    print("3. exhausting the fixed variant, max 2 preemptions")
    fixed = scenario.load("send-after-recv0-fixed")
    report, wall, cpu = timed(lambda: explore.explore(fixed, "dfs", 2, budget=0, seconds=0))
    print(f"   send-after-recv0-fixed: {report.schedules} schedules, exhausted={report.exhausted}, "
          f"violations={'yes' if report.failed else 'none'}, {wall:.2f} s wall, {cpu:.2f} s cpu")


if __name__ == "__main__":
    main()
