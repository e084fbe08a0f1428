"""The schedule explorer: re-run a scenario on the model under chosen schedules (DESIGN §4, §7).

What it does.  Every nondeterministic decision of a model run goes through
the one choice point, ``Kernel.choose`` (a ``Chooser``): "step" (which
runnable thread executes its next call; option 0 is the thread that ran last
when it can still run, so choosing another one is a *preemption*) and "cpu"
(which ready thread gets a free processor).  A run is therefore fully named by
the list of indices taken — the schedule, written ``0.0.1.0.2``.  Only Win32
calls are scheduling points: Python code between two yields is atomic, so a
race exists in the model exactly where the code yields between touching
shared state (which is why netlib yields Interlocked* calls where the C++
library uses them).

The explorer re-runs the scenario (stateless model checking, as CHESS, loom
and shuttle do — a run cannot be forked, so each schedule is a fresh run):

* ``dfs``: every schedule with at most K preemptions (a switch away from a
  thread that could go on is a preemption; a switch when it blocked or ended
  is free), those with fewer preemptions and fewer changed decisions first —
  CHESS's iterative context bounding, so the first failure found is short.
* ``random``: each decision uniformly at random (seeded), at most K preemptions.
* ``pct``: probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010):
  random thread priorities, K priority change points; finds a depth-(K+1) bug
  with probability at least 1/(n·k^K).

A run fails when an ``invariant`` breaks (the run stops there and leaves a
``violation`` note), when every thread waits on a wait-for cycle (a deadlock,
L11: the report names the cycle), when the scenario's ``check`` claims fail,
or when the scenario crashes.  The explorer keeps the shortest failing schedule, minimises
it (never lengthening it), re-runs it twice with full traces to check that it
is deterministic, and prints the replay commands:
``kernelsim run NAME --schedule S`` and ``kernelsim step NAME --schedule S``.
Trailing zeros are dropped: after the replayed prefix the default policy
takes index 0, exactly as the explorer did.

What we simplify.  Only decisions at one simulated instant can be reordered:
a thread cannot be delayed past a later event, so a race needs its two sides
to meet at the same moment of simulated time (the race scenarios arrange
that).  The scenario module is loaded once and run many times: a scenario
must keep its state inside ``main`` (module globals persist between runs).
"""

import argparse
import heapq
import json
import random
import shlex
import time

from . import argtypes, dpor, parallel
from . import scenario as scenarios
from .model import ScenarioError, format_schedule
from .model.kernel import Schedule

STRATEGIES = ("auto", "dpor", "dfs", "random", "pct")
ROUND = 16                  # runs handed out together (fixed: the search must not depend on the worker count)
PCT_RUNS = 240              # the default strategy's first phase: this many PCT runs, then DPOR


class Run:
    """One executed schedule: the choices taken, their widths, which could be preemptions, what failed."""

    __slots__ = ("taken", "widths", "labels", "preemptible", "violation", "failures", "error",
                 "deadlock", "signature", "outcome", "holds")

    def __init__(self):
        self.taken, self.widths, self.labels, self.preemptible = [], [], [], []
        self.holds = {}              # delays: step number -> threads held back there
        self.violation = None        # (invariant, detail) of the first broken invariant
        self.failures = []           # check() claims that failed
        self.error = None            # the scenario crashed: its message
        self.deadlock = ""           # the wait-for cycle the run deadlocked on (L11)
        self.signature = None
        self.outcome = None

    @property
    def failed(self):
        return bool(self.violation or self.failures or self.error)

    @property
    def schedule(self):
        return format_schedule(strip(self.taken), self.holds)

    @property
    def preemptions(self):
        return sum(1 for c, p in zip(self.taken, self.preemptible) if p and c) + sum(map(len, self.holds.values()))

    def reason(self):
        if self.violation:
            return f"invariant broken: {self.violation[0]} — {self.violation[1]}"
        if self.error:
            return f"the scenario crashed: {self.error}"
        if self.deadlock:
            return f"deadlock: {self.deadlock}"
        return "claim failed: " + "; ".join(self.failures)

    def kind(self):
        """What kind of failure, for 'the same failure' during minimisation."""
        if self.violation:
            return ("violation", self.violation[0])
        if self.error:
            return ("error",)
        if self.deadlock:
            return ("deadlock",)
        return ("claim",)


def strip(choices):
    """Drop trailing zeros: the default policy takes index 0 after a replayed prefix anyway."""
    end = len(choices)
    while end and choices[end - 1] == 0:
        end -= 1
    return list(choices[:end])


class Runner:
    """Runs one loaded scenario fast (no trace, no snapshots), steering the choice point."""

    def __init__(self, sc, config=None, profile=None):
        self.scenario = sc
        self.config = dict(config or {})
        self.profile = profile
        self.runs = 0

    def run(self, decide, full=False, holds=None):
        """Run once; ``decide(run, options, pos, preemptible) -> index`` picks each choice; ``holds``: delays."""
        record = Run()
        record.holds = dict(holds or {})
        kernel_box = []

        def watch(k):                       # first invariant: lets the policy see k.last
            if not kernel_box:
                kernel_box.append(k)

        def policy(label, options, pos):
            last = kernel_box[0].last if kernel_box else None
            preemptible = label == "step" and options[0] is last
            record.preemptible.append(preemptible)
            record.labels.append(label)
            index = decide(record, options, pos, preemptible)
            record.taken.append(index)
            record.widths.append(len(options))
            return index

        self.runs += 1
        try:
            outcome = scenarios.run(self.scenario, profile=self.profile, policy=policy, trace=full,
                                    snapshots=full, invariants=(watch,), config=self.config,
                                    schedule=Schedule([], record.holds) if record.holds else None)
        except ScenarioError as exc:
            record.error = str(exc)
            outcome = None
        else:
            record.outcome = outcome if full else None
            violations = outcome.notes("violation")
            if violations:
                record.violation = (violations[0].invariant, violations[0].detail)
            else:
                record.failures = list(outcome.failures)
                if any(f.startswith("deadlock: ") for f in record.failures):
                    record.deadlock = outcome.kernel.deadlock
        record.signature = _signature(record, outcome)
        return record

    def replay(self, choices, full=False, holds=None):
        """Run with ``choices`` as a prefix (each clamped to what is possible there), then index 0."""
        if holds is None:
            holds = getattr(choices, "holds", None)
        choices = list(choices)

        def decide(run, options, pos, preemptible):
            return min(choices[pos], len(options) - 1) if pos < len(choices) else 0
        return self.run(decide, full, holds)


def _signature(run, outcome):
    if run.violation:
        return ("violation", run.violation[0])
    if run.error:
        return ("error", run.error)
    notes = tuple((n.tag, n.thread, tuple(sorted((k, repr(v)) for k, v in n.fields.items())))
                  for n in outcome.notes())
    return (outcome.end_reason, tuple(run.failures), notes)


# --- strategies ------------------------------------------------------------------

def dfs(runner, max_preemptions):
    """Every schedule with at most max_preemptions preemptions, fewest preemptions and deviations first.

    A schedule is the default run changed at a few decisions; its children
    change one more decision after the last one it changed (so each schedule
    is run once).  Schedules are taken in order of (preemptions, changed
    decisions): CHESS's iterative context bounding, so the first failure found
    is already short.  The frontier keeps, per run, one lazy generator for its
    preempting children and one for the others.
    """
    heap = []
    seq = 0

    def expand(run, start, preemptions, changes):
        nonlocal seq
        for preempting in (False, True):
            cost = preemptions + preempting
            if cost <= max_preemptions:
                seq += 1
                heapq.heappush(heap, (cost, changes + 1, seq, _children(run, start, preempting)))

    root = runner.replay([])
    yield root
    expand(root, 0, 0, 0)
    while heap:
        cost, changes, order, children = heap[0]
        prefix = next(children, None)
        if prefix is None:
            heapq.heappop(heap)
            continue
        run = runner.replay(prefix)
        yield run
        expand(run, len(prefix), cost, changes)


def _children(run, start, preempting):
    taken, widths, pre = run.taken, run.widths, run.preemptible
    for pos in range(start, len(taken)):
        if pre[pos] == preempting:
            for value in range(1, widths[pos]):
                yield taken[:pos] + [value]


def random_walk(runner, max_preemptions, seed):
    """Uniform random choices (seeded), never more than max_preemptions preemptions."""
    i = 0
    while True:
        yield runner.run(_random_decide(random.Random(seed * 1_000_003 + i), max_preemptions))
        i += 1


def pct(runner, changes_per_run, seed, steps_hint):
    """PCT: the highest-priority thread runs; at changes_per_run random decisions the chosen one drops low."""
    i = 0
    while True:
        yield runner.run(_pct_decide(random.Random(seed * 1_000_003 + i), changes_per_run, steps_hint))
        i += 1


def _random_decide(rng, max_preemptions):
    """One random walk's policy: a uniform choice, a preemption only while the bound allows."""
    used = [0]

    def decide(run, options, pos, preemptible):
        index = rng.randrange(len(options))
        if index and preemptible and max_preemptions is not None:
            if used[0] >= max_preemptions:
                return 0
            used[0] += 1
        return index
    return decide


def _pct_decide(rng, changes_per_run, steps_hint):
    """One PCT run's policy (Burckhardt et al. 2010): random priorities above changes_per_run; at each of
    changes_per_run random decision points the thread about to run drops below every other."""
    changes = sorted(rng.randrange(max(steps_hint, 1)) for _ in range(changes_per_run))
    priority = {}
    lowered = [0]

    def decide(run, options, pos, preemptible):
        for t in options:
            if t.name not in priority:
                priority[t.name] = changes_per_run + 1 + rng.random()
        best = max(range(len(options)), key=lambda j: priority[options[j].name])
        while lowered[0] < len(changes) and changes[lowered[0]] <= pos:
            lowered[0] += 1
            priority[options[best].name] = changes_per_run + 1 - lowered[0]
            best = max(range(len(options)), key=lambda j: priority[options[j].name])
        return best
    return decide


# --- minimisation ----------------------------------------------------------------------

def _cost(choices):
    """How big a counterexample is: fewer decisions, then fewer non-default choices, then smaller indices."""
    s = strip(choices)
    return (len(s), sum(1 for c in s if c), sum(s))


def minimise(runner, failing, budget=400):
    """Shrink a failing schedule: fewer decisions, fewer non-default choices, smaller indices.

    Candidates, tried in this order until one is kept: chunks of the schedule
    removed (halves, quarters, ... single decisions — delta debugging, which
    also pulls a late choice earlier), then each non-zero choice set to 0 or
    lowered by one.  A candidate is kept when its run fails the same way and
    its (length, non-zero choices, sum) is smaller; the schedule kept is the
    one the candidate run actually took, so it always replays exactly and is
    never longer than the one given.
    """
    best = failing
    kind = failing.kind()
    tried = set()
    left = [budget]

    def attempt(candidate):
        nonlocal best
        key = tuple(candidate)
        if key in tried or left[0] <= 0:
            return False
        tried.add(key)
        left[0] -= 1
        run = runner.replay(candidate, holds=best.holds)
        if run.failed and run.kind() == kind and _cost(run.taken) < _cost(best.taken):
            best = run
            return True
        return False

    def one_pass():
        current = strip(best.taken)
        size = len(current) // 2
        while size >= 1:
            for start in range(0, len(current), size):
                if attempt(current[:start] + current[start + size:]):
                    return True
            size //= 2
        for pos in range(len(current) - 1, -1, -1):
            if current[pos] and (attempt(current[:pos] + [0] + current[pos + 1:])
                                 or (current[pos] > 1 and attempt(current[:pos] + [current[pos] - 1]
                                                                  + current[pos + 1:]))):
                return True
        return False

    while left[0] > 0 and one_pass():
        pass
    return best


# --- determinism --------------------------------------------------------------------

def determinism(sc, schedule, config=None, profile=None):
    """Replay the schedule twice through --schedule with full traces; are trace and snapshots identical?"""
    try:
        outs = [scenarios.run(sc, schedule=schedule, profile=profile, config=config) for _ in range(2)]
    except ScenarioError as exc:          # a crashing schedule: compare the message instead
        again = []
        for _ in range(2):
            try:
                scenarios.run(sc, schedule=schedule, profile=profile, config=config)
                again.append(None)
            except ScenarioError as exc2:
                again.append(str(exc2))
        return again[0] == again[1] == str(exc), 0, None
    texts = [[(e.seq, e.time, e.kind, e.thread, e.text, e.why, e.line) for e in o.trace] for o in outs]
    snaps = [list(o.trace.snapshots) for o in outs]
    same = texts[0] == texts[1] and snaps[0] == snaps[1]
    return same, len(snaps[0]), outs[0]


# --- seeded walks as records (pct, random: one run each, on any process) -----------------------

def walk_record(sc, config, profile, kind, seed, index, bound, hint):
    """Run the ``index``-th seeded pct or random schedule → a dpor.Record (status, failure, schedule)."""
    runner = Runner(sc, config, profile)
    rng = random.Random(seed * 1_000_003 + index)
    if kind == "random":
        decide = _random_decide(rng, bound)
    else:
        decide = _pct_decide(rng, bound if bound is not None else 2, hint)
    run = runner.run(decide)
    record = dpor.Record()
    record.choices = list(run.taken)
    record.schedule = run.schedule
    record.signature = run.signature
    if run.failed:
        record.status = "failed"
        record.failure = (("violation",) + tuple(run.violation) if run.violation else
                          ("error", run.error) if run.error else ("claim", "; ".join(run.failures)))
    record.steps = [None] * len(run.taken)        # only the length matters (for comparing counterexamples)
    return record


# --- the search -----------------------------------------------------------------------

class Report:
    def __init__(self, name, strategy, bound, budget, seconds):
        self.name, self.strategy, self.bound, self.budget, self.seconds = name, strategy, bound, budget, seconds
        self.schedules = 0
        self.outcomes = set()
        self.exhausted = False
        self.elapsed = 0.0
        self.first = None            # (schedules, seconds) when the first failure was found
        self.failing = None          # the shortest failing Run found by the search
        self.minimised = None
        self.deterministic = None
        self.snapshots = 0
        self.replay_outcome = None
        self.variant = None
        self.budget_cut = False          # stopped by the first failure and as many schedules again
        self.first_only = False          # --first: stopped at the first failing schedule
        self.classes = None          # DPOR: equivalence classes covered (complete runs, and runs cut at a known state)
        self.reduced = 0             # runs of the reduced search (DPOR)
        self.blocked = 0             # DPOR runs cut because every runnable thread slept
        self.cached = 0              # DPOR runs cut at an explored state
        self.diverged = 0            # DPOR runs that could not follow their schedule (a nondeterministic scenario)
        self.max_delay = 0.0
        self.jobs = 1
        self.no_choices = False
        self.phases = []             # (strategy, runs) in the order they ran

    @property
    def failed(self):
        return self.failing is not None

    def to_json(self):
        out = {"scenario": self.name, "variant": self.variant, "strategy": self.strategy,
               "max_preemptions": self.bound, "max_delay": self.max_delay, "schedules": self.schedules,
               "equivalence_classes": self.classes, "sleep_blocked": self.blocked, "cache_hits": self.cached,
               "distinct_outcomes": len(self.outcomes), "exhausted": self.exhausted,
               "seconds": round(self.elapsed, 3), "failed": self.failed, "jobs": self.jobs,
               "choice_points": not self.no_choices, "diverged": self.diverged,
               "phases": [{"strategy": s, "schedules": n} for s, n in self.phases]}
        if self.failed:
            best = self.minimised or self.failing
            out.update({"reason": best.reason(), "found_schedule": self.failing.schedule,
                        "schedule": best.schedule, "first_after_schedules": self.first[0],
                        "first_after_seconds": round(self.first[1], 4),
                        "deterministic": self.deterministic})
            if best.violation:
                out["invariant"], out["detail"] = best.violation
            if best.deadlock:
                out["deadlock"] = best.deadlock
        return out


def explore(sc, strategy="auto", max_preemptions=2, budget=20000, seconds=20.0, seed=1, config=None,
            profile=None, stop_at_first=False, minimise_budget=400, check=True, keep_going=False, max_delay=0.0,
            jobs=1, cluster=None, cache=True, pct_runs=PCT_RUNS):
    """Search schedules of a loaded scenario; returns a Report.

    ``auto`` (the default) runs ``pct_runs`` PCT schedules, then the reduced
    search (DPOR within the bound) for the rest of the budget and time.  After
    the first failing schedule the search goes on for as many schedules again
    (at least 500) looking for a shorter one, unless ``keep_going`` (the whole
    budget) or ``stop_at_first``.  ``jobs`` > 1 runs on local processes,
    ``cluster`` on Dask; the runs and the counterexample do not depend on either.
    """
    if strategy is None:
        strategy = "auto"
    if strategy not in STRATEGIES:
        raise scenarios.UsageError(f"unknown strategy {strategy!r}: use one of {', '.join(STRATEGIES)}")
    report = Report(sc.name, strategy, max_preemptions, budget, seconds)
    report.variant = {**sc.config, **(config or {})}.get("variant")
    report.max_delay = max_delay or 0.0
    report.first_only = stop_at_first
    runner = Runner(sc, config, profile)
    start = time.perf_counter()
    deadline = start + seconds if seconds else None
    first = runner.replay([])
    if not first.taken and not max_delay:
        # No choice points: one schedule is all there is; the result is its check on it.
        report.no_choices = report.exhausted = True
        report.schedules = 1
        report.outcomes.add(first.signature)
        report.phases.append(("default", 1))
        if first.failed:
            report.failing = first
            report.first = (1, time.perf_counter() - start)
    elif strategy == "dfs":
        _plain(report, runner, dfs(runner, max_preemptions if max_preemptions is not None else 10**9),
               budget, deadline, start, stop_at_first, keep_going)
    else:
        pool = parallel.make_pool(sc, jobs, cluster, config, profile)
        report.jobs = pool.jobs
        try:
            search = _Searcher(report, pool, budget, deadline, start, stop_at_first, keep_going)
            if strategy in ("auto", "pct", "random"):
                hint = len(first.taken) + 1
                limit = pct_runs if strategy == "auto" else None
                search.walks("pct" if strategy != "random" else "random", seed, max_preemptions, hint, limit)
            if strategy in ("auto", "dpor") and not search.done():
                search.reduced(max_preemptions, max_delay, cache)
        finally:
            pool.close()
        if search.best is not None:
            report.failing = runner.replay(search.best.choices, holds=search.best.holds)
            report.failing.holds = dict(search.best.holds)
            if not report.failing.failed:          # should not happen: the model is deterministic
                report.failing = None
    report.elapsed = time.perf_counter() - start
    if report.failing is not None:
        report.minimised = minimise(runner, report.failing, minimise_budget) if minimise_budget else report.failing
        if check:
            schedule = report.minimised.schedule
            same, count, outcome = determinism(sc, schedule, config, profile)
            report.deterministic, report.snapshots, report.replay_outcome = same, count, outcome
    return report


def _plain(report, runner, gen, budget, deadline, start, stop_at_first, keep_going):
    """The unreduced depth-first search (--strategy dfs), as before the reduction."""
    report.phases.append(("dfs", 0))
    while True:
        if budget and report.schedules >= budget:
            report.budget_cut = budget != report.budget      # the cut after the first failure, not --budget
            break
        if deadline and time.perf_counter() > deadline:
            break
        try:
            run = next(gen)
        except StopIteration:
            report.exhausted = True
            break
        report.schedules += 1
        report.outcomes.add(run.signature)
        if run.failed:
            if report.first is None:
                report.first = (report.schedules, time.perf_counter() - start)
                if not keep_going:
                    cut = report.schedules + max(500, report.schedules)
                    budget = min(budget, cut) if budget else cut
            if report.failing is None or _cost(run.taken) < _cost(report.failing.taken):
                report.failing = run
            if stop_at_first:
                break
    report.phases[-1] = ("dfs", report.schedules)


class _Searcher:
    """Hands out rounds of runs to a pool and takes them back in order (parallel.py)."""

    def __init__(self, report, pool, budget, deadline, start, stop_at_first, keep_going):
        self.report, self.pool = report, pool
        self.budget, self.deadline, self.start = budget, deadline, start
        self.stop_at_first, self.keep_going = stop_at_first, keep_going
        self.best = None
        self.stop_after = None

    def done(self):
        r = self.report
        if self.budget and r.schedules >= self.budget:
            return True
        if self.stop_after is not None and r.schedules >= self.stop_after:
            r.budget_cut = True          # the first failure and as many schedules again
            return True
        if self.best is not None and self.stop_at_first:
            return True
        return bool(self.deadline and time.perf_counter() > self.deadline)

    def room(self):
        """How many runs the next round may take: at least 1 while not done()."""
        n = ROUND
        if self.budget:
            n = min(n, self.budget - self.report.schedules)
        if self.stop_after is not None:
            n = min(n, self.stop_after - self.report.schedules)
        return n

    def take(self, record):
        r = self.report
        if self.stop_at_first and self.best is not None:
            return                      # --first: the rest of the round is not taken (nor counted)
        r.schedules += 1
        if record.signature is not None:
            r.outcomes.add(record.signature)
        if record.status == "failed":
            if r.first is None:
                r.first = (r.schedules, time.perf_counter() - self.start)
                if not self.keep_going:
                    self.stop_after = r.schedules + max(500, r.schedules)
            if self.best is None or (not self.stop_at_first and _record_cost(record) < _record_cost(self.best)):
                self.best = record                  # --first: the first failure in order, as the search met it

    def walks(self, kind, seed, bound, hint, limit):
        index = 0
        runs = 0
        while not self.done() and (limit is None or runs < limit):
            n = self.room() if limit is None else min(self.room(), limit - runs)
            tasks = [(kind, seed, index + i, bound, hint) for i in range(n)]
            index += n
            for record in self.pool.imap(tasks):
                self.take(record)
                runs += 1
        self.report.phases.append((kind, runs))

    def reduced(self, bound, max_delay, cache):
        r = self.report
        search = dpor.Search(bound, max_delay or 0.0, cache)
        nodes = {search.root.id: search.root}
        runs = 0
        first = True
        while not self.done():
            tasks = search.round(self.room())
            if not tasks:
                r.exhausted = True
                break
            known = tasks[0].known
            for task, record in zip(tasks, self.pool.imap(tasks, known)):
                node = nodes[task.node_id]
                search.integrate(task, record, node)
                _index(search, node, nodes)
                self.take(record)
                runs += 1
                if first:
                    first = False
                    if not any(len(s.enabled) > 1 or s.cpu or s.hold_ok for s in record.steps):
                        r.no_choices = True
        r.classes, r.blocked, r.cached, r.reduced = search.classes, search.blocked, search.cached, runs
        r.diverged = search.diverged
        if r.diverged:
            r.exhausted = False                     # runs that left their schedule proved nothing
        self.report.phases.append(("dpor", runs))


def _index(search, node, nodes):
    """Keep the id -> node map in step with the tree (new nodes below ``node``)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n.id not in nodes:
            nodes[n.id] = n
        stack.extend(n.children.values())


def _record_cost(record):
    """_cost, then fewer delays, then the schedule's text: one best counterexample whatever order runs end in."""
    return _cost(record.choices) + (sum(map(len, record.holds.values())), record.schedule)


# --- the command --------------------------------------------------------------------------

def add_search_options(p):
    """The options of a schedule search: the one definition shared by ``explore`` and ``grade``
    (``kernelsim grade FILE [explore's options]``); ``search`` runs what they ask for."""
    p.add_argument("--strategy", choices=STRATEGIES, default=None,
                   help="auto (default): pct, then the reduced search (dpor) within the bound; dfs: every "
                        "schedule without reduction; random; pct")
    from . import cli
    p.add_argument("--max-preemptions", type=_not_negative, default=2, metavar="K",
                   help="at most K preemptions (and delays) per schedule; pct: K priority change points (default 2)")
    p.add_argument("--max-delay", type=_not_negative_ms, default=None, metavar="MS",
                   help="also hold a runnable thread back until the next timed event, if it is due within MS ms "
                        "(a delay counts as a preemption; default 0: no delays, or the scenario's EXPLORE)")
    p.add_argument("--budget", type=argtypes.positive_int, default=20000, metavar="N",
                   help="at most N schedules (default 20000)")
    p.add_argument("--time", type=_not_negative_seconds, default=20.0, metavar="S",
                   help="at most S seconds of search (default 20; 0: no time limit)")
    p.add_argument("--seed", type=int, default=None, help="seed of the random and pct strategies (default 1)")
    p.add_argument("--profile", choices=["windows", "wine", "xp"], default=None)
    p.add_argument("--jobs", type=argtypes.positive_int, default=1, metavar="N",
                   help="run the schedules on N local processes (default 1)")
    p.add_argument("--cluster", default=None, metavar="ADDRESS",
                   help="run them on a Dask scheduler (tcp://host:8786; pip install 'kernelsim[cluster]')")
    p.add_argument("--no-cache", action="store_true", help="do not prune states already explored")
    p.add_argument("--first", action="store_true", help="stop at the first failing schedule")
    p.add_argument("--all", action="store_true",
                   help="after a failure, search the whole budget for shorter ones (default: as many again)")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    cli.add_set_option(p)


def add_parser(sub):
    p = sub.add_parser("explore", help="search schedules for a broken invariant (the race layer)")
    p.add_argument("scenario", metavar="NAME|PATH")
    add_search_options(p)
    one_line_errors(p)


def one_line_errors(p):
    """A bad option value is one line (usage, then the problem), exit 2 — explore's usage is long."""
    def error(message):
        p.exit(2, f"usage: {p.prog} NAME|PATH [options]: error: {message}\n")
    p.error = error


def _not_negative(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, not {value}")
    return value


def _not_negative_number(text, what):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of {what}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must not be negative, not {text}")
    return value


def _not_negative_seconds(text):
    return _not_negative_number(text, "seconds")


def _not_negative_ms(text):
    return _not_negative_number(text, "milliseconds")


def _number(text, option, kind=int):
    try:
        value = kind(text)
    except (TypeError, ValueError):
        raise scenarios.UsageError(f"{option} needs a number, not {text!r}") from None
    if value != value or value < 0 or value in (float("inf"),):
        raise scenarios.UsageError(f"{option} must be a number >= 0, not {text!r}")
    return value


def search(sc, args, **overrides):
    """Run the search the parsed options ask for on a loaded scenario → a Report (explore's public API).

    ``overrides`` replace option values (``grade`` caps ``seconds``)."""
    options = options_from_args(sc, args)
    options.update(overrides)
    return explore(sc, **options)


def options_from_args(sc, args):
    """The keyword arguments of ``explore`` for parsed options (one line, exit 2, for a bad value)."""
    settings = dict(getattr(sc.module, "EXPLORE", None) or {})
    delay = args.max_delay if args.max_delay is not None else settings.get("max_delay", 0)
    jobs = _number(args.jobs, "--jobs")
    return {"strategy": args.strategy, "max_preemptions": _number(args.max_preemptions, "--max-preemptions"),
            "budget": _number(args.budget, "--budget"), "seconds": _number(args.time, "--time", float),
            "seed": args.seed if args.seed is not None else 1, "profile": args.profile,
            "max_delay": _number(delay, "--max-delay", float),
            "jobs": jobs, "cluster": args.cluster, "cache": not args.no_cache,
            "stop_at_first": args.first, "keep_going": args.all}


def cmd_explore(args):
    from .cli import load_from_args, set_args
    sc = load_from_args(args)
    report = search(sc, args)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        print(describe(report, args.scenario + set_args(args)))
    return 1 if report.failed or report.diverged else 0


def _explore_options(args):
    """--seed with dfs would be ignored: a usage error (cli.option_check)."""
    if args.command == "explore" and args.seed is not None and args.strategy == "dfs":
        return "--seed steers --strategy random or pct; dfs tries the schedules in order and would ignore it"
    return None


def describe(report, name):
    """The report a student reads."""
    delays = f" and delays of up to {report.max_delay:g} ms" if report.max_delay else ""
    bound = (f"at most {report.bound} preemption{'s' if report.bound != 1 else ''}"
             f"{' or delays' if report.max_delay else ''} per schedule"
             if report.strategy != "pct" else f"PCT depth {report.bound + 1} ({report.bound} priority change points)")
    variant = f" (variant: {report.variant})" if report.variant else ""
    how = {"auto": "pct, then the reduced search (DPOR)", "dpor": "the reduced search (DPOR)"}.get(
        report.strategy, report.strategy)
    jobs = f", {report.jobs} worker{'s' if report.jobs != 1 else ''}" if report.jobs != 1 else ""
    lines = [f"explore {report.name}{variant}: strategy {how}, {bound}{delays}{jobs}"]
    if report.no_choices:
        lines.append("no choice points: every run of this scenario takes the same schedule, so there is nothing "
                     "to search; the result is its check on that one schedule")
    rate = report.schedules / report.elapsed if report.elapsed else 0.0
    if report.exhausted:
        scope = f"every schedule within the bound ({bound}{delays})"
    elif report.diverged:
        scope = "not exhaustive: the scenario is not deterministic"
    else:
        scope = ("stopped at the first failing schedule (--first); not exhaustive"
                 if report.failed and report.first_only else
                 "stopped after the first failure and as many schedules again; not exhaustive (--all searches "
                 "the whole budget)" if report.failed and report.budget_cut else
                 f"stopped by the budget ({report.budget} schedules, {report.seconds:g} s); not exhaustive")
    lines.append(f"schedules run: {report.schedules} in {report.elapsed:.2f} s ({rate:,.0f}/s) — {scope}")
    if report.diverged:
        runs = "1 run" if report.diverged == 1 else f"{report.diverged} runs"
        lines.append(f"NOT DETERMINISTIC: {runs} of the reduced search took another path than the schedule replayed: "
                     "the scenario chose something by itself (random, the clock, a set's order...), so these counts "
                     "prove nothing; every choice must go through the kernel")
    if report.no_choices and not report.failed:
        lines.append("check: passed")
        return "\n".join(lines)
    if report.classes is not None:
        per = report.reduced / report.classes if report.classes else 0.0
        lines.append(f"equivalence classes covered: {report.classes} by {report.reduced} reduced-search schedules "
                     f"({per:.2f} per class; {report.blocked} cut by sleep sets, {report.cached} stopped at an "
                     "explored state)")
    lines.append(f"distinct outcomes: {len(report.outcomes)}")
    if not report.failed:
        lines.append(f"no invariant broke and every claim held in {report.schedules} schedules"
                     + (f": none of the schedules with {bound} fails" if report.exhausted else ""))
        return "\n".join(lines)
    best = report.minimised or report.failing
    lines.append(f"FAILED: {best.reason()}")
    lines.append(f"first failing schedule after {report.first[0]} schedules ({report.first[1]:.3f} s)")
    found, short = report.failing.schedule, best.schedule
    origin = "no shorter one fails the same way" if found == short else f"minimised from {found}"
    delays_used = sum(map(len, best.holds.values()))
    lines.append(f"shortest failing schedule: {short or '(the default schedule)'}"
                 f"  ({len(strip(best.taken))} decisions, {best.preemptions} preemption"
                 f"{'s' if best.preemptions != 1 else ''}"
                 + (f" of which {delays_used} delay{'s' if delays_used != 1 else ''}" if delays_used else "")
                 + f"; {origin})")
    sched = f" --schedule {shlex.quote(short)}" if short else ""
    lines.append(f"replay it:  kernelsim run {name}{sched}")
    lines.append(f"step it:    kernelsim step {name}{sched}")
    if report.deterministic is not None:
        lines.append("determinism: replayed twice, "
                     + (f"{report.snapshots} snapshots identical" if report.deterministic
                        else "the two replays DIFFER (a nondeterminism bug in the model)"))
    return "\n".join(lines)


def _register():
    from . import cli
    cli.register("explore", add_parser, cmd_explore)
    cli.option_check(_explore_options)


_register()
