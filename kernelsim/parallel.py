"""Running the explorer's runs: in this process, on local processes (--jobs N), or on Dask (--cluster).

Not a Windows object.  The search (dpor.py, and the seeded pct/random walks)
hands out *rounds* of independent runs and takes the results back in the
order it handed them out, whichever process finished first.  That order, not
the timing, decides everything the search does next, so the runs made, the
failures found and the counterexample printed are the same for any number of
workers (unless --time cuts the search).

* ``Inline``: one process, runs in order.
* ``Processes``: this process and N - 1 worker processes.  Every one of them
  has the whole round and takes its next run from a shared counter whenever
  it is free, so no process waits while runs are left; this process takes the
  records in, in order, between its own runs.  Each worker keeps its own copy
  of the explored-state cache, topped up at the start of every round with
  what the search learnt since.
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
        return list(self.imap(tasks, known))

    def imap(self, tasks, known=None):
        for task in tasks:
            if isinstance(task, tuple):
                from .explore import walk_record
                yield walk_record(self.sc, self.config, self.profile, *task)
            else:
                yield dpor.execute(self.sc, task, self.config, self.profile)

    def close(self):
        pass


def _run_one(sc, config, profile, task):
    if isinstance(task, tuple):
        from .explore import walk_record
        return walk_record(sc, config, profile, *task)
    return dpor.execute(sc, task, config, profile)


class _Claims:
    """Which run of the current round is next: the master and the workers each take the next one when they are
    free (so no one waits while runs are left), and no one takes a run of a round that is over."""

    def __init__(self, ctx):
        self.lock = ctx.Lock()
        self.round = ctx.RawValue("l", -1)
        self.next = ctx.RawValue("l", 0)
        self.size = ctx.RawValue("l", 0)

    def start(self, number, size):
        with self.lock:
            self.round.value, self.next.value, self.size.value = number, 0, size

    def take(self, number):
        with self.lock:
            if self.round.value != number or self.next.value >= self.size.value:
                return None
            index = self.next.value
            self.next.value = index + 1
            return index


def _worker(conn, claims, path, config, profile):
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
        kind, number, payload = message
        if kind == "known":
            known.update(payload)
            continue
        try:
            for task in payload:
                if not isinstance(task, tuple) and task.known is not None:
                    task.known = known
            while True:
                index = claims.take(number)
                if index is None:
                    break
                conn.send(("done", number, index, _run_one(sc, config, profile, payload[index])))
        except Exception:
            conn.send(("fail", number, None, traceback.format_exc()))


class Processes:
    """This process and N - 1 worker processes: each takes the round's next run whenever it is free."""

    def __init__(self, sc, jobs, config=None, profile=None):
        self.sc, self.config, self.profile = sc, config, profile
        self.jobs = jobs
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.claims = _Claims(ctx)
        self.rounds = 0
        self.workers = []
        for _ in range(jobs - 1):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_worker, args=(child, self.claims, sc.path, config, profile), daemon=True)
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
        return list(self.imap(tasks, known))

    def imap(self, tasks, known=None):
        """The round's records in the order of ``tasks``, each as soon as it and those before it are back: the
        search takes one in between the runs this process makes (consume them all before the next round)."""
        from multiprocessing.connection import wait
        conns = [conn for _, conn in self.workers]
        if known:
            mirror = self.mirror
            delta = {h: v for h, v in known.items() if mirror.get(h, -2) != v}
            if delta:
                for conn in conns:
                    conn.send(("known", 0, delta))
                mirror.update(delta)
        self.rounds += 1
        number = self.rounds
        self.claims.start(number, len(tasks))
        if conns:
            own = [None if isinstance(t, tuple) else t.known for t in tasks]
            for task in tasks:
                if not isinstance(task, tuple) and task.known is not None:
                    task.known = {}          # a placeholder: a worker uses its own copy of the cache
            for conn in conns:
                conn.send(("round", number, tasks))
            for task, mine in zip(tasks, own):
                if mine is not None:
                    task.known = mine
        results = {}
        ahead = 0                            # the next record to hand back
        while ahead < len(tasks):
            if ahead in results:
                yield results.pop(ahead)
                ahead += 1
                continue
            ready = wait(conns, timeout=0) if conns else []
            if not ready:
                index = self.claims.take(number)
                if index is not None:
                    results[index] = _run_one(self.sc, self.config, self.profile, tasks[index])
                    continue
                ready = wait(conns)
            for conn in ready:
                status, got, index, payload = conn.recv()
                if status == "fail":
                    raise RuntimeError("a worker process failed:\n" + payload)
                if got == number:
                    results[index] = payload

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

    def imap(self, tasks, known=None):
        return iter(self.map(tasks, known))

    def close(self):
        self.client.close()


def make_pool(sc, jobs=1, cluster=None, config=None, profile=None):
    if cluster:
        return Cluster(sc, cluster, config, profile)
    if jobs and jobs > 1:
        return Processes(sc, jobs, config, profile)
    return Inline(sc, config, profile)
