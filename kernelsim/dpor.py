"""The reduced search: source-set DPOR with sleep sets, a preemption bound, delays and state caching.

Not a Windows object: the explorer's engine (explore.py drives it).

One *run* re-executes the scenario from the start (stateless model checking,
as CHESS, loom and shuttle do): it replays a prefix of decisions, takes one
new decision, then lets the default policy go on (the thread that ran last
keeps running).  While it runs, every step records its footprint
(footprint.py).  Afterwards the run is analysed:

* **Races.**  Two steps of different threads race when they conflict, the
  first happens before the second only through that conflict, and the first
  did not make the second's thread runnable (woke it, created it).  Steps at
  different simulated instants never race: everything before a timer fires
  happens before everything after it.  For each race the explorer adds to the
  *backtrack set* of the state before the first step one *initial* of the
  steps that do not depend on it, followed by the second — a source set
  (Abdulla, Aronis, Jonsson, Sagonas, "Optimal dynamic partial order
  reduction", POPL 2014) — unless the set already holds one.
* **Sleep sets.**  A thread explored at a state sleeps in the later branches
  there until a step that conflicts with its step runs; a run in which every
  runnable thread sleeps is cut ("sleep-set blocked"): each complete run is a
  new equivalence class.  Only without a bound: the equivalent order a sleep
  set counts on (the sleeping thread's step moved earlier) can cost more
  preemptions than the run it cuts, so within a bound it may not have been
  explored (the soundness test found such a program: three threads, bound 1).
* **The preemption bound.**  A new decision that would pass ``K`` preemptions
  (delays count as preemptions) is not taken.  Cutting DPOR's branches by a
  bound alone misses states the bound allows, so each backtrack point is
  also added, *conservatively*, at the last context switch before it, where
  taking the thread costs no extra preemption (Coons, Musuvathi, McKinley,
  "Bounded partial-order reduction", OOPSLA 2013); conservative branches
  ignore the sleep sets and put nothing to sleep (as dejafu does).
* **Delays.**  With ``max_delay`` > 0, any step may instead hold its thread
  back until the next timed event, if one is due within ``max_delay`` ms
  (delay-bounding: Emmi, Qadeer, Rakamaric, POPL 2011); the schedule string
  names it (``!W1@57``) so it replays exactly.
* **State caching.**  When an instant ends (every thread waits), the state —
  kernel objects, library and scenario objects, each thread's generator
  frames with their locals and evaluation stack, the pending timers — is
  serialised (pickle, with every object numbered in visiting order) and
  hashed (BLAKE2b, 128 bits).  A run that reaches a state already explored
  with at least as many preemptions left stops there.  This is probabilistic:
  two different states share a hash with probability about n²/2¹²⁹ for n
  states (below 10⁻²⁰ for 10⁸ states); it never confuses states that differ.

The work is organised in *rounds* of independent runs (at most one per
state), so that several processes can run a round at once and the result —
which runs, which failures, the first counterexample — does not depend on
how many processes ran it.
"""

import gc
import hashlib
import io
import os
import pickle
import sys
import types

from . import footprint
from . import scenario as scenarios
from .model import ScenarioError
from .model.kernel import Schedule, StopRun, format_schedule

# --- one run --------------------------------------------------------------------------------

class Task:
    """What one run must do: the decisions to replay, the new decision, the sleep set and the bound."""

    __slots__ = ("path", "todo", "sleep", "bound", "max_delay", "known", "conservative", "node_id", "quiet")

    def __init__(self, path, todo, sleep, bound, max_delay, known=None, conservative=False, node_id=0, quiet=0):
        self.path = path              # per node: (cpu names, holds, thread name)
        self.todo = todo              # ("step", cpu, name) | ("hold", cpu, name) | ("cpu", cpu) | None (first run)
        self.sleep = sleep            # {thread name: footprint} at the new decision
        self.bound = bound            # preemptions (and delays) allowed, or None
        self.max_delay = max_delay
        self.known = known            # {state hash: preemptions left} explored before this round
        self.conservative = conservative
        self.node_id = node_id
        self.quiet = quiet            # the first steps, before the new decision's instant: replayed unwatched

    def __reduce__(self):             # (a plain tuple: cheaper to send to a worker)
        return Task, tuple(getattr(self, name) for name in Task.__slots__)


class Step:
    __slots__ = ("thread", "fp", "enabled", "window", "enabler", "last", "cpu", "holds", "hold_ok", "sleep")

    def __init__(self, thread, enabled, window, enabler, last, cpu, holds, hold_ok, sleep):
        self.thread = thread
        self.fp = None
        self.enabled = enabled        # runnable thread names at the state before this step
        self.window = window          # which instant (between two timer firings)
        self.enabler = enabler        # index of the step that made this thread runnable, or -1
        self.last = last              # the thread that stepped before (a switch away from it, if runnable, preempts)
        self.cpu = cpu                # names chosen at "cpu" decisions just before this step, with their options
        self.holds = holds            # threads held back at this state
        self.hold_ok = hold_ok        # a timed event is due within max_delay: a hold is possible here
        self.sleep = sleep            # names asleep at this state (for the node's later branches)

    def __reduce__(self):             # (a plain tuple: a run's steps go back to the master with --jobs)
        return _step, (self.thread, self.fp, self.enabled, self.window, self.enabler, self.last, self.cpu,
                       self.holds, self.hold_ok, self.sleep)


def _step(thread, fp, *rest):
    step = Step(thread, *rest)
    step.fp = fp
    return step


class Record:
    """What a run did: its steps with footprints, how it ended, its schedule string."""

    __slots__ = ("steps", "status", "failure", "signature", "schedule", "states", "races", "holds", "choices",
                 "opaque", "starts", "rewatched")

    def __init__(self):
        self.steps = []
        self.status = "done"          # done | failed | sleep | bound | cached | diverged
        self.failure = None           # ("violation", invariant, detail) | ("error", message) | ("claim", text)
        self.signature = None
        self.schedule = ""
        self.states = []              # (step index where the instant ended, hash, preemptions used)
        self.races = []               # (i, initials, thread of the second step)
        self.holds = {}
        self.choices = []
        self.opaque = ()
        self.starts = []              # for each new step: the first step of its instant
        self.rewatched = False        # run again watched from the start (its instant began earlier than thought)

    def __reduce__(self):
        return _record, tuple(getattr(self, name) for name in Record.__slots__)


def _record(*values):
    record = Record()
    for name, value in zip(Record.__slots__, values):
        setattr(record, name, value)
    return record


class Tracer:
    """Kernel.tracer and Chooser policy of one run: replays the task, records steps, keeps the sleep set."""

    def __init__(self, task):
        self.task = task
        self.k = None
        self.rec = footprint.Recorder()
        self.record = Record()
        self.window = 0
        self.enabled_after = None     # runnable names right after the last step (to find who a step enabled)
        self.sleep = {}
        self.preemptions = 0
        self.pending_cpu = []
        self.holds = {}               # step number -> names (for the schedule string and the kernel)
        self.cache_states = task.known is not None   # (None: the search keeps no state cache)
        self.d = len(task.path)
        self.new_step = None
        self.enabled_by = {}          # thread name -> index of the step that made it runnable
        self.opaque_all = False
        self.last_reads = {}          # invariant -> {key: fields} its check read the last time it was recorded
        self.quiet = task.quiet       # steps before the instant of the new decision: no footprints, no checks
        self.checking = not self.quiet
        self.too_quiet = False
        self.held_idle = ()           # threads held when the instant ended (released before the next step)
        self.window_start = None      # the first step of the current instant (None: between instants)
        for n, (_, held, _) in enumerate(task.path):
            if held:
                self.holds[n + 1] = tuple(held)
        if task.todo is not None and task.todo[0] == "hold":
            self.holds[self.d + 1] = self.holds.get(self.d + 1, ()) + (task.todo[2],)

    # --- Chooser policy ---------------------------------------------------------------

    def policy(self, label, options, pos):
        n = self.k.steps if self.k is not None else 0
        names = [t.name for t in options]
        if label != "step":                      # "cpu", "lock"...: environment choices, every one explored
            j = len(self.pending_cpu)
            want = None
            if n < self.d:
                want = self.task.path[n][0][j] if j < len(self.task.path[n][0]) else None
            elif n == self.d and self.task.todo is not None and j < len(self.task.todo[1]):
                want = self.task.todo[1][j]              # the new decision's CPU assignments (then the default)
            if want is not None and want not in names:
                self.record.status = "diverged"
                raise StopRun(f"replay diverged: {want} cannot run here (options {names})")
            index = names.index(want) if want is not None else 0
            self.pending_cpu.append((names[index], tuple(names)))
            return index
        if n < self.d:
            return self._index(names, self.task.path[n][2])
        if n == self.d and self.task.todo is not None and self.task.todo[0] == "step":
            return self._index(names, self.task.todo[2])
        return self._default(options, names)

    def _index(self, names, want):
        if want not in names:                    # the scenario chose on its own (random, time, a set's order)
            self.record.status = "diverged"
            raise StopRun(f"replay diverged: {want} cannot run here (options {names})")
        return names.index(want)

    def _default(self, options, names):
        """Keep the last thread running; if it sleeps, the first awake thread, within the bound."""
        last = self.k.last
        bound = self.task.bound
        for i, name in enumerate(names):
            if name in self.sleep:
                continue
            preempts = i > 0 and options[0] is last
            if preempts and bound is not None and self.preemptions + 1 > bound:
                continue
            return i
        if all(name in self.sleep for name in names):
            self.record.status = "sleep"
        else:
            self.record.status = "bound"
        raise StopRun(self.record.status)

    # --- Kernel.tracer ------------------------------------------------------------------

    def before_step(self, k, runnable):
        self.k = k
        n = k.steps
        if self.window_start is None:        # (idle() ended the last instant and forgot enabled_after)
            self.window_start = n
        names = tuple(t.name for t in runnable)
        if self.enabled_after is not None:
            for name in names:
                if name not in self.enabled_after and name not in self.enabled_by:
                    self.enabled_by[name] = n - 1
        if n >= self.d:
            awake = [x for x in names if x not in self.sleep]
            if not awake:                 # (never at the new decision: Task.sleep does not hold its thread)
                self.record.status = "sleep"
                raise StopRun("sleep")
        hold_ok = False
        if self.task.max_delay and n >= self.d:
            hold_ok = _timer_due(k, self.task.max_delay)
        held = tuple(x for x in self.holds.get(n + 1, ())
                     if x in self.held_idle or any(t.name == x for t in k.held))
        self.held_idle = ()
        self.preemptions += len(held)                 # a delay costs what a preemption costs
        self.new_step = (names, tuple(self.pending_cpu), held, hold_ok)
        self.pending_cpu = []
        if n >= self.quiet:
            if n == self.quiet and self.quiet:
                if self.window_start < n:     # a step of this instant ran unwatched: run again, all watched
                    self.too_quiet = True
                    raise StopRun("too quiet")
                self.checking = True
                footprint.rec = self.rec
                footprint.install()
            self.rec.current = {}

    def after_step(self, k, thread):
        fp = self.rec.current
        name = thread.name
        if fp is None:                            # a step replayed unwatched (before the new decision's instant)
            names = self.new_step[0]
            steps = self.record.steps
            last = steps[-1].thread if steps else None
            if name != last and last in names:
                self.preemptions += 1
            # Only its thread and instant are read: it lies before the races looked at, and the master drops
            # the replayed prefix (execute).
            steps.append(Step(name, None, self.window, None, None, None, None, None, None))
            return
        self.rec.current = None
        if thread.opaque or self.opaque_all:
            fp.setdefault(footprint.PY, {})["*"] = footprint.W
        names, cpu, held, hold_ok = self.new_step
        n = len(self.record.steps)
        last = self.record.steps[-1].thread if self.record.steps else None
        if name != last and last in names:
            self.preemptions += 1
        step = Step(name, names, self.window, self.enabled_by.pop(name, -1), last, cpu, held, hold_ok,
                    tuple(self.sleep) if n >= self.d else ())
        step.fp = fp
        self.record.steps.append(step)
        self.enabled_after = set(t.name for t in k._runnable())
        self.enabled_after.add(name)

    def cut_off(self):
        """Did the run end (main returned) while another thread could still run?"""
        last = self.record.steps[-1].thread if self.record.steps else None
        return bool(self.enabled_after and any(name != last for name in self.enabled_after))

    # --- invariants: the checks that belong to a step ------------------------------------

    def observe(self, group):
        """Before invariant ``group``'s check (an index), or after the last one (None).

        The check after a step belongs to the step: what a conjunct reads is
        part of the footprint of every step *visible* to it, one that writes
        something the conjunct (or the gate of its invariant) read right after
        the step (footprint.conjunct).  A check is a deterministic function of
        what it reads, so after an invisible step every conjunct says what it
        said before the step: only visible steps can break an invariant, and a
        step independent of a visible one (by these footprints) cannot change
        what its check saw.  That makes the extended footprints a sound
        dependence for the reduction (no step's extended footprint changes
        when an independent step runs before it).

        When a step wrote nothing the check read the last time its reads were
        recorded, it reads the same again and no conjunct is visible: the
        reads are recorded only then (or the first time)."""
        rec = self.rec
        if rec.observed is not None:
            self._take_reads(rec.observed)
            rec.observed = None
        if group is None:
            if self.checking:
                self._step_done()
            elif len(self.record.steps) == self.d:      # entering the new decision: its sleep set
                self.sleep = dict(self.task.sleep)
            return
        last = self.last_reads.get(group)
        if last is None or _writes_into(self.record.steps[-1].fp, last):
            rec.observed = {}
            rec.group = (group, None)
            self.recording = group

    def _take_reads(self, observed):
        """Add the reads of the conjuncts visible to the step to its footprint; keep what the whole check
        read for the next skip decision."""
        fp = self.record.steps[-1].fp
        gate = observed.get((self.recording, None), {})
        everyone = _writes_into(fp, gate)
        visible = [reads for (_, label), reads in observed.items()
                   if everyone or label is not None and _writes_into(fp, reads)]
        if visible:
            for reads in [gate] + visible:
                _add_reads(fp, reads)
        seen = {}
        for reads in observed.values():
            for key, fields in reads.items():
                seen.setdefault(key, set()).update(fields)
        self.last_reads[self.recording] = seen

    def _step_done(self):
        """Update the sleep set with the step's whole footprint (its own and its checks')."""
        steps = self.record.steps
        step = steps[-1]
        n = len(steps) - 1
        if self.sleep:                            # (empty before the new decision: set when entering it)
            self.sleep = {q: f for q, f in self.sleep.items()
                          if q != step.thread and not footprint.conflict(f, step.fp)}
        if n + 1 == self.d:                       # entering the new decision: its sleep set
            self.sleep = dict(self.task.sleep)

    def idle(self, k):
        self.sleep = {}                           # timers fire next: they conflict with everything
        self.held_idle = tuple(t.name for t in k.held)   # held at the next step too (released as time passes)
        self.window_start = None
        self.window += 1
        self.enabled_after = None
        n = k.steps
        if self.cache_states and n > self.d and not k.ended:
            digest = state_hash(k)
            left = None if self.task.bound is None else self.task.bound - self.preemptions
            self.record.states.append((n, digest, self.preemptions))
            known = self.task.known.get(digest, -1)         # None: explored without a bound
            if known is None or (left is not None and known >= left):
                self.record.status = "cached"
                raise StopRun("cached")



def _writes_into(fp, reads):
    """Does a footprint write (or add to) a field in ``reads`` ({key: fields})?"""
    for key, fields in fp.items():
        mine = reads.get(key)
        if mine:
            for field, mode in fields.items():
                if mode != footprint.R and (field == "*" or field in mine or "*" in mine):
                    return True
    return False


def _add_reads(fp, reads):
    """Add a check's reads ({key: {field: mode}}) to a step's footprint, as reads (a check writes nothing;
    a mutable value read is recorded W only to catch in-place changes by steps)."""
    for key, fields in reads.items():
        mine = fp.get(key)
        if mine is None:
            fp[key] = dict.fromkeys(fields, footprint.R)
            continue
        for field in fields:
            footprint.merge(mine, field, footprint.R)


def _timer_due(k, max_delay):
    now = k.env.now
    limit = now + max_delay
    for item in k.env._queue:
        if now < item[0] <= limit:
            return True
    return False


def execute(sc, task, config=None, profile=None):
    """Run one task on the model → its Record (steps, footprints, races, failure)."""
    prepare(sc)
    tracer, outcome = _run(sc, task, config, profile)
    if tracer.too_quiet:          # (the instant began earlier than in the run the master learnt it from)
        task = Task(task.path, task.todo, task.sleep, task.bound, task.max_delay, task.known, task.conservative,
                    task.node_id)
        tracer, outcome = _run(sc, task, config, profile)
        tracer.record.rewatched = True
    record = tracer.record
    if tracer.k is not None:
        record.choices = list(tracer.k.chooser.taken)
        record.holds = dict(tracer.holds)
        record.schedule = format_schedule(_strip(record.choices), record.holds)
    if outcome is not None and record.status == "done":
        violations = outcome.notes("violation")
        if violations:
            record.status = "failed"
            record.failure = ("violation", violations[0].invariant, violations[0].detail)
        elif outcome.failures:
            record.status = "failed"
            record.failure = ("claim", "; ".join(outcome.failures))
        record.signature = _signature(record, outcome)
    elif record.status == "failed":
        record.signature = ("error", record.failure[1])
    record.races = races(record.steps, len(task.path))
    if record.steps and record.status in ("done", "failed") and (record.status == "failed" or tracer.cut_off()):
        record.races += cut_short(record.steps)
    record.starts = _window_starts(record.steps)[len(task.path):]
    del record.steps[:len(task.path)]          # the master knows the replayed prefix already
    return record


def cut_short(steps):
    """A run that stopped while threads could still run (a broken invariant, a crash, main returning) never
    met their next steps, so no race names them: each of them is tried at every state of the last instant
    (as if the stop were a step dependent with every other)."""
    last = steps[-1].window
    found = []
    for i in range(len(steps) - 1, -1, -1):
        step = steps[i]
        if step.window != last:
            break
        for q in step.enabled:
            if q != step.thread:
                found.append((i, (q,), q))
    found.reverse()
    return found


def _window_starts(steps):
    starts, start, window = [], 0, None
    for j, step in enumerate(steps):
        if step.window != window:
            window, start = step.window, j
        starts.append(start)
    return starts


def _run(sc, task, config, profile):
    tracer = Tracer(task)
    tracer.opaque_all = bool(sc.fp_opaque)
    schedule = Schedule([], tracer.holds)
    prior = footprint.rec, footprint.numbers
    footprint.numbers = tracer.rec
    if task.quiet:                        # replay the first steps unwatched (before_step starts watching)
        footprint.rec = None
        footprint.uninstall()
    else:
        footprint.rec = tracer.rec
        footprint.install()
    outcome = None
    try:
        outcome = scenarios.run(sc, profile=profile, policy=tracer.policy, trace=False, snapshots=False,
                                config=config, schedule=schedule, tracer=tracer)
    except StopRun:
        pass
    except ScenarioError as exc:
        tracer.record.status = "failed"
        tracer.record.failure = ("error", str(exc))
    finally:
        footprint.rec, footprint.numbers = prior
    return tracer, outcome


def prepare(sc):
    """Once per loaded scenario: hook the classes it defines; is any of its code opaque (footprint.py)?"""
    if getattr(sc, "fp_ready", False):
        return
    namespaces = [sc.module.__dict__]
    functions = []
    for value in list(sc.module.__dict__.values()):
        if isinstance(value, types.FunctionType) and \
                str(value.__globals__.get("__name__", "")).startswith("kernelsim_scenario_"):
            functions.append(value)
            if value.__globals__ is not sc.module.__dict__ and all(value.__globals__ is not n for n in namespaces):
                namespaces.append(value.__globals__)
    for namespace in namespaces:
        for value in list(namespace.values()):
            if isinstance(value, type) and str(getattr(value, "__module__", "")).startswith("kernelsim_scenario_"):
                footprint.track(value)
    names = []
    for namespace in namespaces:
        names += footprint.mutable_globals(namespace, [f for f in functions if f.__globals__ is namespace])
    sc.fp_opaque = ", ".join(sorted(set(names))) or None
    sc.fp_ready = True


def _strip(choices):
    end = len(choices)
    while end and choices[end - 1] == 0:
        end -= 1
    return list(choices[:end])


def _signature(record, outcome):
    if record.failure and record.failure[0] == "violation":
        return ("violation", record.failure[1])
    notes = tuple((n.tag, n.thread, tuple(sorted((k, repr(v)) for k, v in n.fields.items())))
                  for n in outcome.notes())
    return (outcome.end_reason, tuple(outcome.failures), notes)


# --- races ----------------------------------------------------------------------------------------

def races(steps, d):
    """The races of a run whose second step is new (index >= d): (i, initials, thread of the second step)."""
    found = []
    if not steps:
        return found
    start = 0
    first_new_window = steps[min(d, len(steps) - 1)].window
    while start < len(steps) and steps[start].window < first_new_window:
        start += 1
    reach = {}                       # index -> bitset (over absolute indices) of steps happening before it
    accesses = {}                    # key -> [(index, field, mode)] in the current window
    last_of = {}                     # thread -> its latest step in the window
    current = None
    for j in range(start, len(steps)):
        s = steps[j]
        if s.window != current:
            current = s.window
            window_start = j
            accesses = {}
            last_of = {}
        preds = []
        prev = last_of.get(s.thread)
        if prev is not None:
            preds.append(prev)
        if s.enabler >= window_start:
            preds.append(s.enabler)
        conflicts = []
        for key, fields in s.fp.items():
            for (i, f2, m2) in accesses.get(key, ()):
                if steps[i].thread == s.thread:
                    continue
                for f1, m1 in fields.items():
                    if (f1 == f2 or f1 == "*" or f2 == "*") and footprint._clash(m1, m2):
                        conflicts.append(i)
                        break
        r = 0
        for p in preds:
            r |= reach[p] | (1 << p)
        base = r
        conflicts = sorted(set(conflicts))
        for i in conflicts:
            r |= reach[i] | (1 << i)
        reach[j] = r
        if j >= d:
            for i in conflicts:
                if base >> i & 1:
                    continue                                      # ordered anyway (program order, wake-up)
                if any(reach[c] >> i & 1 for c in conflicts if c != i):
                    continue                                      # not immediate: i -> c -> j
                found.append((i, _initials(steps, reach, i, j), s.thread))
        for key, fields in s.fp.items():
            lst = accesses.setdefault(key, [])
            for f, m in fields.items():
                lst.append((j, f, m))
        last_of[s.thread] = j
    return found


def _initials(steps, reach, i, j):
    """Threads that can start v = (steps after i that do not depend on i), then step j."""
    vmask = 0
    seen = set()
    initials = []
    for k in range(i + 1, j):
        if reach[k] >> i & 1:
            continue
        t = steps[k].thread
        if t not in seen:
            seen.add(t)
            if not reach[k] & vmask:
                initials.append(t)
        vmask |= 1 << k
    t = steps[j].thread
    if t not in seen and not (reach[j] & vmask):
        initials.append(t)
    return tuple(initials)


# --- the tree of explored states ----------------------------------------------------------------------

class Node:
    __slots__ = ("id", "parent", "decision", "enabled", "last", "pre", "sleep", "taken", "done", "todo",
                 "children", "flight", "depth", "quiet")

    def __init__(self, nid, parent, decision, depth):
        self.id = nid
        self.parent = parent
        self.decision = decision      # (cpu names, holds, thread) taken from the parent to reach this node
        self.depth = depth
        self.enabled = {}             # cpu assignments made here -> runnable thread names after them
        self.last = None
        self.pre = 0                  # preemptions and delays used before this state
        self.sleep = {}
        self.taken = {}               # thread -> footprint of its step here (non-conservative branches)
        self.done = set()             # decisions explored (or in flight) here
        self.todo = {}                # decision -> conservative?
        self.children = {}
        self.flight = 0
        self.quiet = 0                # the first step of the instant of the step taken here (Task.quiet)


class Search:
    """The exploration tree, its backtrack sets, the state cache and the counts."""

    def __init__(self, bound, max_delay=0.0, cache=True):
        self.bound = bound
        self.max_delay = max_delay
        self.cache = {} if cache else None
        self.ids = 0
        self.root = self._node(None, None, 0)
        self.root.todo[None] = False
        self.runs = 0
        self.classes = 0
        self.blocked = 0
        self.cached = 0
        self.diverged = 0             # runs whose replay took another path: the scenario is not deterministic
        self.rewatched = 0            # runs made again, watched from the start (Record.rewatched)
        self.failures = []

    def _node(self, parent, decision, depth):
        self.ids += 1
        return Node(self.ids, parent, decision, depth)

    # --- choosing the next round -----------------------------------------------------------

    def round(self, size):
        """Up to ``size`` tasks, at most one per state, the deepest states first (depth-first order)."""
        found = []
        stack = [self.root]
        order = []
        while stack:
            n = stack.pop()
            order.append(n)
            stack.extend(sorted(n.children.values(), key=lambda c: c.id))
        order.sort(key=lambda n: (-n.depth, n.id))
        known = dict(self.cache) if self.cache is not None else None      # one snapshot for the round
        for n in order:
            if not n.todo:
                continue
            decision = min(n.todo, key=_decision_key)
            conservative = n.todo.pop(decision)
            n.done.add(decision)
            n.flight += 1
            found.append(self._task(n, decision, conservative, known))
            if len(found) >= size:
                break
        return found

    def _task(self, node, decision, conservative, known):
        path = []
        n = node
        while n.parent is not None:
            path.append(n.decision)
            n = n.parent
        path.reverse()
        if decision is None:
            todo = None
            sleep = {}
        else:
            todo = decision
            sleep = {} if conservative or decision[0] != "step" or self.bound is not None else \
                {**node.sleep, **node.taken}
            if decision[0] == "step":
                sleep.pop(decision[2], None)
        return Task(path, todo, sleep, self.bound, self.max_delay, known, conservative, node.id, node.quiet)

    # --- taking a run in ----------------------------------------------------------------------

    def integrate(self, task, record, node):
        """Add a finished run to the tree: new states, their backtrack sets, the cache; count it."""
        self.runs += 1
        node.flight -= 1
        self.rewatched += record.rewatched
        d = len(task.path)
        steps = [None] * d + record.steps           # absolute step indices; the prefix is task.path
        threads = [p[2] for p in task.path] + [x.thread for x in record.steps]
        status = record.status
        if status == "diverged":                    # it did not follow its schedule: nothing it did is learnt
            self.diverged += 1
            self._trim(node)
            return status
        cut = len(steps)
        if self.cache is not None:
            for (n, digest, used) in record.states:
                left = None if self.bound is None else self.bound - used
                known = self.cache.get(digest, -1)
                if known is None or (left is not None and known >= left):
                    cut = min(cut, n)
                    status = "cached"               # (a failure after this point is another run's to find)
                    break
                self.cache[digest] = left
        record.status = status                      # as the search sees it: the same on every kind of worker
        if status == "cached":
            self.cached += 1
            self.classes += 1
        elif status in ("sleep", "bound"):
            self.blocked += 1
        else:
            self.classes += 1
        if status == "failed":
            self.failures.append(record)
        # the path of new states
        nodes = [None] * d + [node]
        n = node
        for k in range(d - 1, -1, -1):
            n = n.parent
            nodes[k] = n
        cpus = [p[0] for p in task.path] + [tuple(name for name, _ in x.cpu) for x in record.steps]
        pre = node.pre
        cur = node
        for idx in range(d, min(len(steps), cut)):
            st = steps[idx]
            decision = (cpus[idx], st.holds, st.thread)
            if idx == d:
                self._fill(cur, st, pre, task)
                if task.todo is not None and task.todo[0] == "step" and not task.conservative:
                    cur.taken[st.thread] = st.fp
                cur.done.add(("step", cpus[idx], st.thread))
                if task.todo is not None and task.todo[0] == "hold":
                    cur.done.add(("hold", cpus[idx], task.todo[2]))
            if st.thread != st.last and st.last in st.enabled:
                pre += 1
            pre += len(st.holds)
            child = cur.children.get(decision)
            if child is None:
                child = self._node(cur, decision, idx + 1)
                cur.children[decision] = child
            nxt = steps[idx + 1] if idx + 1 < min(len(steps), cut) else None
            if nxt is not None:
                child.quiet = record.starts[idx + 1 - d]
                c = cpus[idx + 1]
                self._fill(child, nxt, pre, task)
                child.taken[nxt.thread] = nxt.fp
                child.done.add(("step", c, nxt.thread))
                child.done.add(("cpu", c))
                for j, (name, options) in enumerate(nxt.cpu):          # every other CPU assignment: a branch
                    for other in options:
                        if other != name:
                            self._add(child, ("cpu", c[:j] + (other,)), True)
                if nxt.hold_ok and self.max_delay:
                    self._add(child, ("hold", c, nxt.thread), True, cost=1)
            nodes.append(child)
            cur = child
        # backtrack points from the races of the new steps
        for (i, initials, thread) in record.races:
            if i >= cut:                            # (nodes holds the states up to cut)
                continue
            target = nodes[i]
            c = cpus[i]
            have = {dec[2] for dec in target.done | set(target.todo)
                    if dec is not None and dec[0] == "step" and dec[1] == c}
            if any(q in have for q in initials):
                continue
            enabled = target.enabled.get(c, ())
            choice = None
            for q in sorted(initials, key=lambda q: (q != thread, q)):
                if q in enabled and self._cost(target, q, c) is not None:
                    choice = q
                    break
            if choice is None:
                choice = next((q for q in initials if q in enabled), None)
            if choice is not None:
                self._add(target, ("step", c, choice), False)
                b = self._switch_before(threads, i)
                if b < i:
                    self._add(nodes[b], ("step", cpus[b], choice), True)
        self._trim(cur)
        return status

    def _fill(self, node, step, pre, task):
        c = tuple(name for name, _ in step.cpu)
        new = not node.enabled
        node.enabled.setdefault(c, step.enabled)
        if not new:
            return
        node.last = step.last
        node.pre = pre
        node.sleep = {q: task.sleep[q] for q in step.sleep if q in task.sleep}

    def _cost(self, node, thread, cpu=()):
        """Preemptions used after taking ``thread`` at node, or None if past the bound."""
        enabled = node.enabled.get(cpu, ())
        extra = 1 if thread != node.last and node.last in enabled else 0
        used = node.pre + extra
        if self.bound is not None and used > self.bound:
            return None
        return used

    def _add(self, node, decision, conservative, cost=0):
        if decision in node.done or decision in node.todo:
            if conservative and decision in node.todo:
                node.todo[decision] = True
            return
        if decision[0] == "step":
            _, cpu, thread = decision
            enabled = node.enabled.get(cpu)
            if enabled is None:
                return
            if thread not in enabled:
                if conservative:
                    for other in enabled:
                        self._add(node, ("step", cpu, other), True)
                return
            if self._cost(node, thread, cpu) is None:
                return
            if not conservative and thread in node.sleep:
                return
        elif decision[0] == "hold":
            if self.bound is not None and node.pre + cost > self.bound:
                return
        node.todo[decision] = conservative

    def _switch_before(self, threads, i):
        """The last state before step i where the running thread changed (a context switch)."""
        c = i
        while c > 0 and threads[c - 1] == threads[c]:
            c -= 1
        return c

    def _trim(self, node):
        while node.parent is not None and not node.todo and not node.children and not node.flight:
            parent = node.parent
            parent.children.pop(node.decision, None)
            node = parent


def _decision_key(decision):
    if decision is None:
        return (0, "")
    order = {"step": 1, "cpu": 2, "hold": 3}[decision[0]]
    return (order, repr(decision[1:]))


# --- state hashing ---------------------------------------------------------------------------------------

class _Pickler(pickle.Pickler):
    """Serialises the state of a run: objects numbered in the order they are reached (pickle's memo)."""

    def __init__(self, file, kernel):
        super().__init__(file, protocol=4)
        self.kernel = kernel

    def reducer_override(self, obj):
        # (callable, args, state): pickle numbers obj before it writes the state, so cycles are fine.
        t = type(obj)
        if obj is _fn:
            return NotImplemented                  # the reducer itself: pickled by name
        if t is types.GeneratorType:
            return _fn, ("gen",), _generator_state(obj)
        if t is types.FunctionType:
            return _fn, ("fn", obj.__qualname__), (tuple(_cell(c) for c in obj.__closure__ or ()), obj.__defaults__)
        if t is types.MethodType:
            return _fn, ("m", obj.__func__.__qualname__), obj.__self__
        if t is types.CodeType:
            return _fn, ("code", obj.co_name, obj.co_filename, obj.co_firstlineno)
        if t is types.FrameType or t is types.ModuleType or t is types.BuiltinFunctionType:
            return _fn, (repr(t),)
        if isinstance(obj, type):
            return _fn, ("cls", obj.__qualname__, getattr(obj, "__module__", ""))
        if obj is self.kernel:
            return _fn, ("kernel",)
        name = t.__name__
        if name in _SKIP:
            return _fn, (name,)
        if name == "Irp":
            return _fn, ("irp",), (obj.op, obj.thread, obj.sock, obj.ov, obj.routine, obj.bufs, obj.length,
                                   obj.state, obj.status, obj.nbytes, obj.pending, obj.sync, obj.waiters)
        if name == "Socket":
            return _fn, ("socket",), tuple(getattr(obj, f) for f in _SOCKET_FIELDS)
        if name == "Packet":
            return _fn, ("packet",), (obj.key, obj.overlapped, obj.status, obj.nbytes, obj.irp, obj.source)
        if t.__module__.startswith("simpy"):
            return _fn, (name,), (getattr(obj, "callbacks", None), getattr(obj, "_value", None),
                                  getattr(obj, "_generator", None))
        return NotImplemented


_SOCKET_FIELDS = ("handle", "state", "addr", "peer", "rx", "fin_received", "reset", "rst_sent", "fin_sent",
                  "fin_pending", "shut_send", "shut_recv", "recv_q", "outq", "unacked", "sndbuffered", "in_flight",
                  "sndbuf", "rcvbuf", "linger", "port", "key", "notify_modes", "closed", "nonblocking", "npp",
                  "signalled", "wait_list", "listener")


_SKIP = {"Trace", "Chooser", "Profile", "Environment", "Recorder", "Tracer", "Pool"}


def _fn(*args):
    return args


def _gen(state):
    return state


def _cell(cell):
    try:
        return cell.cell_contents
    except ValueError:
        return None


def _generator_state(gen):
    frame = gen.gi_frame
    if frame is None:
        return ("finished",)
    refs = [r for r in gc.get_referents(gen)
            if not isinstance(r, (types.CodeType, types.FrameType)) and r is not getattr(frame, "f_globals", None)]
    return (gen.gi_code.co_name, frame.f_lasti, tuple(r for r in refs if not isinstance(r, str) or r not in (
        gen.__name__, gen.__qualname__)))


def state_hash(k):
    """A 128-bit digest of everything that decides how the run goes on from here."""
    env = k.env
    queue = sorted(env._queue, key=lambda item: (item[0], item[1], item[2]))
    pool = k.pool
    root = (env.now, k.last, k.threads, k.handles.objects, tuple(k.handles.free), k.handles.next, k.ports,
            k.sockets, list(k.irps), (pool.npp, pool.locked), k.socket_net and (k.socket_net.wire,
            k.socket_net.bound, k.socket_net.next_port), [(t, p, e) for (t, p, _, e) in queue],
            [(n.tag, n.thread, n.time, n.fields) for n in k.notes], k.ready, k.running, k.held,
            k.invariants, list(getattr(k, "locks", {}).values()))
    buf = io.BytesIO()
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20000))       # the object graph is deep (threads -> frames -> sessions ...)
    try:
        _Pickler(buf, k).dump(root)
    except Exception:                     # something we cannot serialise: never call it explored
        return os.urandom(16)
    finally:
        sys.setrecursionlimit(limit)
    return hashlib.blake2b(buf.getvalue(), digest_size=16).digest()
