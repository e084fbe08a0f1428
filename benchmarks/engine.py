"""Engine benchmark (issue 2): completions per second through a port, against bare SimPy.

Prints
  1. completions per CPU-second through one port served by 4 workers, and a bare
     SimPy Store ping-pong doing the same number of put/get pairs, and their
     ratio (target: the model reaches at least half the bare SimPy rate, issue 13);
     CPU time (time.process_time), so other processes on the machine do not count;
  2. the cost of one completion with 10, 1,000 and 10,000 threads waiting on
     the port, and the 10,000 : 10 ratio (target: within 1.5x).
Run:  python benchmarks/engine.py [--n N] [--repeat R]   (each figure is the best of R runs)
"""

import argparse
import os
import sys
import time

import simpy

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from kernelsim.model import Kernel
from kernelsim.model.services import syscall
from kernelsim.win32 import (Call, CreateIoCompletionPort, CreateThread, GetQueuedCompletionStatus,
                             INFINITE, INVALID_HANDLE_VALUE, PostQueuedCompletionStatus, Sleep)


def run_model(main, cpus=4):
    k = Kernel({"cpus": cpus, "max_steps": 10**9}, trace=False, snapshots=False)
    k.start(main)
    start = time.process_time()
    k.run()
    return time.process_time() - start, k


def port_throughput(n, workers=4):
    """main posts n packets; `workers` threads dequeue them."""
    done = [0]

    def worker(port):
        while True:
            ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, INFINITE)
            done[0] += 1

    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, workers)
        for i in range(workers):
            yield CreateThread(worker, port)
        yield Sleep(1)
        for i in range(n):
            yield PostQueuedCompletionStatus(port, 0, i, None)
            if i % 64 == 63:
                yield Sleep(1)               # let the workers drain the queue
        yield Sleep(1)

    seconds, k = run_model(main)
    assert done[0] == n, (done[0], n)
    return n / seconds


def simpy_pingpong(n):
    """The same number of put/get pairs through a bare SimPy Store."""
    env = simpy.Environment()
    store = simpy.Store(env)

    def producer():
        for i in range(n):
            yield store.put(i)
            if i % 64 == 63:
                yield env.timeout(1)

    def consumer():
        for _ in range(n):
            yield store.get()

    env.process(producer())
    env.process(consumer())
    start = time.process_time()
    env.run()
    return n / (time.process_time() - start)


@syscall("bench_clock")
def _bench_clock(k, t):
    return time.perf_counter()


def cost_with_waiters(waiters, n):
    """Seconds per completion when `waiters` threads block on the port (timed inside the run, after setup)."""
    span = []

    def worker(port):
        while True:
            yield GetQueuedCompletionStatus(port, INFINITE)

    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        for i in range(waiters):
            yield CreateThread(worker, port)
        yield Sleep(1)
        span.append((yield Call("bench_clock")))
        for i in range(n):
            yield PostQueuedCompletionStatus(port, 0, i, None)
            yield Sleep(1)
        span.append((yield Call("bench_clock")))

    run_model(main)
    return (span[1] - span[0]) / n


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="completions for the throughput figure")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the best is printed")
    args = parser.parse_args()

    model = max(port_throughput(args.n) for _ in range(args.repeat))
    bare = max(simpy_pingpong(args.n) for _ in range(args.repeat))
    print(f"best of {args.repeat} by CPU time (time.process_time); load average {os.getloadavg()[0]:.2f}")
    print(f"port, 4 workers:        {model:12,.0f} completions per CPU-second ({args.n:,} packets)")
    print(f"bare SimPy Store:       {bare:12,.0f} put/get pairs per CPU-second")
    print(f"model / bare SimPy:     {model / bare:12.2f}   (target >= 0.5)")
    print()
    costs = {}
    for waiters in (10, 1_000, 10_000):
        costs[waiters] = min(cost_with_waiters(waiters, 20_000) for _ in range(args.repeat))
        print(f"{waiters:>6} waiters:         {costs[waiters] * 1e6:10.2f} us per completion")
    print(f"cost 10,000 / 10:       {costs[10_000] / costs[10]:12.2f}   (target <= 1.5)")


if __name__ == "__main__":
    main()
