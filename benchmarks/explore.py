"""Explorer benchmark (issues 6 and 12): figures and ratios, not timed tests.

Prints
  1. for every catalogue -fixed race scenario and counter-race: the time to exhaust 2 (and 3) preemptions
     with the reduced search (DPOR + sleep sets + state caching), its schedules, the equivalence classes they
     covered and schedules per class — beside plain dfs at 2 preemptions (capped) for the ratio
     (targets: <= 10 s at 2, <= 60 s at 3; schedules per class close to 1);
  2. the time the default strategy (pct, then DPOR) takes to the first counterexample of every catalogue race
     (target < 1 s) and of the delay race iocount-after-pending-send with its EXPLORE delay (target < 10 s);
  3. schedules per second with --jobs 1 and --jobs 2 on the same search (closesocket-twice-fixed at K=3, which
     does not run out within the time; best of 3, alternating; target >= 1.7x on two idle cores).
Wall-clock and CPU (this process) time are both shown, with the load average: on a shared machine the CPU
figure is the fair one for 1 and 2, and 3 means something only when the load is low.
Run:  python benchmarks/explore.py [--cap S] [--skip-plain] [--no-jobs] [--k3] [--only NAME] [--no-first] [--jobs-only]
"""

import argparse
import os
import resource
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from kernelsim import explore, scenario

# every broken/fixed race pair of the catalogue (a scenario with BREAKS and a -fixed twin), and counter-race
RACES = sorted(n[:-len("-fixed")] for n in scenario.catalogue_names()
               if n.endswith("-fixed") and scenario.load(n[:-len("-fixed")]).breaks) + ["counter-race"]
FIXED = [f"{n}-fixed" for n in RACES if n != "counter-race"] + ["counter-race"]
JOBS_SCENARIO = "closesocket-twice-fixed"


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def load():
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def exhaust(name, strategy, k, cap):
    sc = scenario.load(name)
    return timed(lambda: explore.explore(sc, strategy, k, budget=0, seconds=cap, keep_going=True,
                                         minimise_budget=0, check=False))


def exhausting(args):
    print("1. exhausting the bound: reduced search (dpor) vs plain dfs")
    bounds = (2, 3) if args.k3 else (2,)
    for name in args.only or FIXED:
        for k in bounds:
            r, wall, cpu = exhaust(name, "dpor", k, args.cap)
            per = r.reduced / r.classes if r.classes else 0.0
            target = 10 if k == 2 else 60
            verdict = "met" if r.exhausted and wall <= target else ("met on cpu" if r.exhausted and cpu <= target
                                                                     else "MISSED")
            print(f"   {name:36} K={k}: {r.schedules:6} schedules, {r.classes:6} classes ({per:.2f}/class), "
                  f"{r.cached:5} cached, {r.blocked:4} sleep-blocked, exhausted={r.exhausted}, "
                  f"{wall:6.2f} s wall {cpu:6.2f} s cpu   target <= {target} s: {verdict}", flush=True)
        if not args.skip_plain:
            p, wall, cpu = exhaust(name, "dfs", 2, args.cap)
            print(f"   {'':36} plain dfs K=2: {p.schedules:6} schedules, exhausted={p.exhausted}, "
                  f"{wall:6.2f} s wall {cpu:6.2f} s cpu, {len(p.outcomes)} outcomes", flush=True)


def first_counterexamples(args):
    print("2. time to the first counterexample, default strategy (pct, then dpor)")
    for name in RACES:
        sc = scenario.load(name)
        delay = (getattr(sc.module, "EXPLORE", None) or {}).get("max_delay", 0)
        r, wall, cpu = timed(lambda: explore.explore(sc, max_delay=delay, seconds=args.cap, stop_at_first=True,
                                                     minimise_budget=0, check=False))
        target = 10 if delay else 1
        if r.first is None:
            print(f"   {name:36} NOT FOUND in {r.schedules} schedules ({wall:.1f} s)")
            continue
        phase = "pct" if r.first[0] <= r.phases[0][1] else "dpor"
        print(f"   {name:36} after {r.first[0]:5} schedules ({phase}), {r.first[1]:.3f} s wall "
              f"({cpu:.3f} s cpu in all){' with delays up to %g ms' % delay if delay else ''}   "
              f"target < {target} s: {'met' if r.first[1] < target else 'MISSED'}", flush=True)


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)      # worker processes, once they have been joined
    return usage.ru_utime + usage.ru_stime


def jobs_ratio(args):
    print(f"3. --jobs 2 against --jobs 1 ({JOBS_SCENARIO}, dpor, K=3, the first {args.jobs_seconds:g} s; "
          f"best of {args.jobs_repeat}, alternating)")
    best = {1: 0.0, 2: 0.0}
    per_run = {1: [], 2: []}
    for _ in range(args.jobs_repeat):
        for jobs in (1, 2):
            before = load()
            sc = scenario.load(JOBS_SCENARIO)
            children = children_cpu()
            r, wall, cpu = timed(lambda: explore.explore(sc, "dpor", 3, budget=0, seconds=args.jobs_seconds,
                                                         keep_going=True, minimise_budget=0, check=False, jobs=jobs))
            workers = children_cpu() - children
            rate = r.schedules / wall
            best[jobs] = max(best[jobs], rate)
            per_run[jobs].append((cpu + workers) / r.schedules * 1000)
            print(f"   --jobs {jobs}: {r.schedules} schedules in {wall:.2f} s = {rate:,.0f}/s; cpu {cpu:.2f} s here "
                  f"+ {workers:.2f} s in workers = {per_run[jobs][-1]:.2f} ms per schedule ({before})", flush=True)
    ratio = best[2] / best[1]
    cost = min(per_run[2]) / min(per_run[1])
    print(f"   best rates: {best[1]:,.0f}/s and {best[2]:,.0f}/s, ratio {ratio:.2f}x   target >= 1.7x on two idle "
          f"cores: {'met' if ratio >= 1.7 else 'MISSED'}   after: {load()}")
    print(f"   cpu per schedule with 2 jobs / with 1: {cost:.2f} (the most two idle cores can give: "
          f"{2 / cost:.2f}x)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap", type=float, default=60.0, help="seconds per search at most (default 60)")
    parser.add_argument("--skip-plain", action="store_true", help="do not run plain dfs for the ratio")
    parser.add_argument("--no-jobs", action="store_true", help="skip the --jobs comparison")
    parser.add_argument("--k3", action="store_true", help="also exhaust 3 preemptions (the stretch goal)")
    parser.add_argument("--only", action="append", default=None, metavar="NAME",
                        help="part 1 on these scenarios only (repeatable)")
    parser.add_argument("--no-first", action="store_true", help="skip part 2 (the first counterexamples)")
    parser.add_argument("--jobs-only", action="store_true", help="only part 3 (--jobs 2 against --jobs 1)")
    parser.add_argument("--jobs-seconds", type=float, default=15.0, help="seconds per --jobs search (default 15)")
    parser.add_argument("--jobs-repeat", type=int, default=3, help="searches per worker count (default 3)")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, {load()}")

    if not args.jobs_only:
        exhausting(args)
    if not args.jobs_only and not args.no_first:
        first_counterexamples(args)
    if not args.no_jobs:
        jobs_ratio(args)


if __name__ == "__main__":
    main()
