"""Running the explorer's runs: in this process, on local processes (--jobs N), or on Dask (--cluster).

Not a Windows object.  The search (dpor.py, and the seeded pct/random walks)
hands out *rounds* of independent runs and takes the results back in the
order it handed them out, whichever process finished first.  That order, not
the timing, decides everything the search does next, so the runs made, the
failures found and the counterexample printed are the same for any number of
workers (unless --time cuts the search).

* ``Inline``: one process, runs in order.
* ``Processes``: N local worker processes.  A round's runs go to whichever
  worker is free; each worker keeps its own copy of the explored-state cache,
  topped up at the start of every round with what the search learnt since.
* ``Cluster``: Dask distributed (``pip install 'kernelsim[cluster]'``).  Each
  run is one Dask task; the workers load the scenario from its path (so they
  must see the same files) and do not stop at explored states — the search
  cuts those runs where the cache says, exactly as if they had stopped.
"""

import multiprocessing
import os
import traceback

from . import dpor
from . import scenario as scenarios

_LOADED = {}                 # worker side: (path, config, profile) -> loaded scenario


def _scenario(path, config, profile):
    key = (path, repr(sorted((config or {}).items())), profile)
    sc = _LOADED.get(key)
    if sc is None:
        sc = _LOADED[key] = scenarios.load(path)
    return sc


def run_task(path, config, profile, task, pct_args=None):
    """One run, on whatever process: a dpor Task, or a seeded walk (pct_args) → its Record."""
    sc = _scenario(path, config, profile)
    if pct_args is not None:
        from .explore import walk_record
        return walk_record(sc, config, profile, *pct_args)
    return dpor.execute(sc, task, config, profile)


class Inline:
    """Runs in this process, one after the other."""

    jobs = 1

    def __init__(self, sc, config=None, profile=None):
        self.sc, self.config, self.profile = sc, config, profile

    def map(self, tasks, known=None):
        out = []
        for task in tasks:
            if isinstance(task, tuple):
                from .explore import walk_record
                out.append(walk_record(self.sc, self.config, self.profile, *task))
            else:
                out.append(dpor.execute(self.sc, task, self.config, self.profile))
        return out

    def close(self):
        pass


def _worker(conn, path, config, profile):
    known = {}
    try:
        sc = scenarios.load(path)
    except Exception as exc:                                   # the master loaded it: should not happen
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", os.getpid()))
    while True:
        message = conn.recv()
        if message is None:
            return
        kind, index, payload = message
        try:
            if kind == "known":
                known.update(payload)
                continue
            if kind == "walk":
                from .explore import walk_record
                record = walk_record(sc, config, profile, *payload)
            else:
                if payload.known is not None:
                    payload.known = known
                record = dpor.execute(sc, payload, config, profile)
            conn.send(("done", index, record))
        except Exception:
            conn.send(("fail", index, traceback.format_exc()))


class Processes:
    """N local worker processes; a round's runs go to whichever is free."""

    def __init__(self, sc, jobs, config=None, profile=None):
        self.jobs = jobs
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.workers = []
        for _ in range(jobs):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_worker, args=(child, sc.path, config, profile), daemon=True)
            proc.start()
            child.close()
            self.workers.append((proc, parent))
        for proc, conn in self.workers:
            status = conn.recv()
            if status[0] != "ready":
                self.close()
                raise scenarios.UsageError(f"a worker process could not load the scenario: {status[1]}")
        self.mirror = {}                     # the explored-state cache as every worker has it

    def map(self, tasks, known=None):
        from multiprocessing.connection import wait
        if known:
            mirror = self.mirror
            delta = {h: v for h, v in known.items() if mirror.get(h, -2) != v}
            if delta:
                for _, conn in self.workers:
                    conn.send(("known", 0, delta))
                mirror.update(delta)
        results = [None] * len(tasks)
        queue = []
        for index, task in enumerate(tasks):
            if not isinstance(task, tuple) and task.known is not None:
                task.known = {}              # a placeholder: the worker uses its own copy of the cache
            queue.append((index, task))
        queue.reverse()
        busy = {}
        idle = [conn for _, conn in self.workers]
        while queue or busy:
            while queue and idle:
                conn = idle.pop()
                index, task = queue.pop()
                kind = "walk" if isinstance(task, tuple) else "dpor"
                conn.send((kind, index, task))
                busy[conn] = index
            for conn in wait(list(busy)):
                status, index, payload = conn.recv()
                if status == "fail":
                    raise RuntimeError("a worker process failed:\n" + payload)
                results[index] = payload
                del busy[conn]
                idle.append(conn)
        return results

    def close(self):
        for proc, conn in self.workers:
            try:
                conn.send(None)
            except (OSError, BrokenPipeError):
                pass
        for proc, conn in self.workers:
            proc.join(timeout=2)
            if proc.is_alive():
                proc.terminate()
        self.workers = []


class Cluster:
    """Dask distributed: each run is a task; results come back in the order they were handed out."""

    def __init__(self, sc, address, config=None, profile=None, timeout=5):
        try:
            from distributed import Client
        except ImportError:
            raise scenarios.UsageError("--cluster needs Dask distributed: pip install 'kernelsim[cluster]'") from None
        self.sc, self.config, self.profile = sc, config, profile
        try:
            self.client = Client(address, timeout=timeout, set_as_default=False)
        except Exception as exc:
            raise scenarios.UsageError(f"cannot reach the Dask scheduler at {address}: "
                                       f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                                       .rstrip(": ")) from None
        info = self.client.scheduler_info()
        self.jobs = max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))

    def map(self, tasks, known=None):
        futures = []
        for task in tasks:
            if isinstance(task, tuple):
                futures.append(self.client.submit(run_task, self.sc.path, self.config, self.profile, None, task,
                                                  pure=False))
            else:
                if task.known is not None:
                    task.known = {}          # no early stop on the cluster: the search cuts these runs itself
                futures.append(self.client.submit(run_task, self.sc.path, self.config, self.profile, task,
                                                  pure=False))
        return self.client.gather(futures)

    def close(self):
        self.client.close()


def make_pool(sc, jobs=1, cluster=None, config=None, profile=None):
    if cluster:
        return Cluster(sc, cluster, config, profile)
    if jobs and jobs > 1:
        return Processes(sc, jobs, config, profile)
    return Inline(sc, config, profile)
