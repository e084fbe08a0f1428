"""The kernel: simulated time and CPUs, the handle table, the dispatcher, the choice point.

What Windows does.  Threads run on a fixed number of processors; a thread that
blocks gives up its processor and a woken thread waits (ready) until one is
free.  Handles index a per-process table whose freed entries are reused, the
most recently freed first (ReactOS ntoskrnl/ex/handle.c ExpFreeHandleTableEntry
pushes the entry on the table's free list), which is why a socket value can
come back for a new connection (seed: "소켓값은 재사용되므로 SessionID로 사용금지").
When ``main`` returns the process ends and every other thread stops where it is.

What we simplify.  SimPy provides time.  A thread executes one Win32 call per
*step*; calls take no simulated time except ``compute(ms)`` (the thread holds a
CPU for ms) and waits.  Whenever several threads could step at the same
instant, or several ready threads compete for a CPU, the decision goes through
``choose`` — the one choice point, so that a seed or a schedule string replays a
run exactly and the explorer can steer it (DESIGN §4).  By default the thread
that ran last keeps running (no preemption) and CPUs go to the longest-ready.

Who calls what.  Scenario threads only yield calls; ``_step`` looks up the
handler registered with ``@syscall`` by the object modules (thread, sync, port,
irp, winsock; the table is services.py) and runs it with the calling thread.
A handler returns the call's result, or ``BLOCKED`` after parking the thread
with ``thread.block``.
"""

import gc
import inspect
import random
import time

import simpy

from .. import footprint
from ..trace import Event, PoolView, Recorder, Snapshot, Trace
from ..win32 import Call
from ..win32.signatures import BadCall
from ..win32.constants import error_name
from .pool import Pool
from .profile import get_profile
from .deadlock import find_cycle
from .services import BLOCKED, INSTANT, RETRY, SYSCALLS, ScenarioError
from .thread import create_thread, start_apcs

MS = 1.0                    # SimPy time unit: one millisecond
SNAPSHOT_MB = 1024          # default budget of recorded snapshots (estimated), CONFIG "snapshot_mb"
SPIN_LIMIT = 1_000_000      # calls at one simulated instant before a run is stopped, CONFIG "spin_limit"
MAX_EVENTS = 100_000        # trace events a traced run may record (the catalogue's largest: 15,000), "max_events"
GC_THRESHOLD = 10_000       # CPython's young-generation collection threshold while a run runs (see run)


class RunLimit(Exception):
    """The run exceeded its simulated-time or step budget."""


class Captured(BaseException):
    """Raised out of ``run`` once every step asked for by ``capture`` has its snapshot (a replay stops
    there).  A BaseException, so that no ``except Exception`` on the way swallows it."""


class StopRun(Exception):
    """The explorer stops a run it has no use for (a state it already explored, a schedule it must skip)."""


# --- the handle table ------------------------------------------------------------

class HandleTable:
    """Handle values are multiples of 4; a freed value is the next one handed out (LIFO reuse).

    An object may have several handles (DuplicateHandle); it is closed — a
    socket's I/O cancelled, a port's waiters abandoned — only with its last.
    """

    def __init__(self):
        self.objects = {}
        self.free = []
        self.next = 4
        self.counts = {}          # id(object) -> how many handles it has (the object is in `objects`)

    def add(self, obj):
        if self.free:
            value = self.free.pop()
        else:
            value, self.next = self.next, self.next + 4
        if footprint.rec is not None:               # which value a new handle gets depends on every add/close
            footprint.touch_key(("handles",))
            footprint.touch_key(("handle", value))
        self.objects[value] = obj
        self.counts[id(obj)] = self.counts.get(id(obj), 0) + 1
        return value

    def lookup(self, t, value, kind, error):
        """The object of type ``kind`` behind a handle, or None with ``error`` as t's last error
        (how Windows answers a handle of the wrong kind: ERROR_INVALID_HANDLE, WSAENOTSOCK)."""
        obj = self.objects.get(value) if isinstance(value, int) else None
        if obj is None or not isinstance(obj, kind):
            t.last_error = error
            return None
        return obj

    def get(self, value, kind=None):
        obj = self.objects.get(value) if isinstance(value, int) else None
        if obj is None or (kind is not None and not isinstance(obj, kind)):
            return None
        return obj

    def close(self, value):
        """Free a handle value → (its object or None, whether that was the object's last handle)."""
        obj = self.objects.pop(value, None)
        if obj is None:
            return None, False
        if footprint.rec is not None:
            footprint.touch_key(("handles",))
            footprint.touch_key(("handle", value))
        self.free.append(value)
        left = self.counts.pop(id(obj)) - 1
        if left:
            self.counts[id(obj)] = left
        return obj, not left


# --- the choice point ------------------------------------------------------------

class Schedule(list):
    """The choices of a schedule, plus its delays: ``holds`` maps a step number to the threads held back there."""

    def __init__(self, choices=(), holds=None):
        super().__init__(choices)
        self.holds = dict(holds or {})


def parse_schedule(text):
    """'0.2.1' -> [0, 2, 1]; a run may be written value*count: '0*3.2' -> [0, 0, 0, 2].

    Delays follow a '!': '0.1!W1@57' also holds thread W1 back at step 57
    (until the next timed event), 'W1@57,T2@80' holds two.
    """
    text = (text or "").strip()
    text, _, delays = text.partition("!")
    choices = Schedule()
    for part in delays.split(",") if delays.strip() else ():
        name, _, step = part.strip().rpartition("@")
        if not name or not step.isdigit() or int(step) < 1:
            raise ValueError(f"a delay is THREAD@STEP, like W1@57, not {part!r}")
        choices.holds[int(step)] = choices.holds.get(int(step), ()) + (name,)
    if not text:
        return choices
    for part in text.split("."):
        value, _, count = part.partition("*")
        if not value.isdigit() or (count and not count.isdigit()):
            raise ValueError(f"a schedule is numbers separated by dots, like 0.2.1 or 0*5.1, not {text!r}")
        choices.extend([int(value)] * (int(count) if count else 1))
    return choices


def format_schedule(choices, holds=None):
    """The replay string of a list of choices; runs of three or more equal choices are written v*n.

    Delays (``holds``, or the ``holds`` of a Schedule) follow a '!'.
    """
    if holds is None:
        holds = getattr(choices, "holds", None)
    text = _format_choices(choices)
    if holds:
        text += "!" + ",".join(f"{name}@{step}" for step in sorted(holds) for name in holds[step])
    return text


def _format_choices(choices):
    parts = []
    i = 0
    while i < len(choices):
        j = i
        while j < len(choices) and choices[j] == choices[i]:
            j += 1
        run = j - i
        parts.append(f"{choices[i]}*{run}" if run >= 3 else ".".join([str(choices[i])] * run))
        i = j
    return ".".join(parts)


class Chooser:
    """Every nondeterministic decision of a run, in order.

    Index 0 is always the default policy's preference.  A replayed schedule
    supplies the first decisions; after it, a nonzero seed picks at random
    (seeded), seed 0 always takes index 0, and an explorer may install
    ``policy(label, options, position) -> index``.
    """

    def __init__(self, seed=0, schedule=None, policy=None):
        self.replay = list(schedule or [])
        self.replaying = len(self.replay)
        self.holds = dict(getattr(schedule, "holds", None) or {})
        self.rng = random.Random(seed) if seed else None
        self.policy = policy
        self.taken = []          # the index chosen at each decision with >1 option
        self.widths = []         # how many options each decision had
        self.labels = []

    def choose(self, label, options):
        n = len(options)
        if n == 1:
            return options[0]
        taken = self.taken
        pos = len(taken)
        if pos < self.replaying:
            index = self.replay[pos]
            if index >= n:
                raise ValueError(f"schedule position {pos} asks for option {index}, "
                                 f"but only {n} were possible there ({label})")
        elif self.policy is not None:
            index = self.policy(label, options, pos)
        elif self.rng is not None:
            index = self.rng.randrange(n)
        else:
            index = 0
        taken.append(index)
        self.widths.append(n)
        self.labels.append(label)
        return options[index]

    @property
    def schedule(self):
        return format_schedule(self.taken, self.holds)


# --- the kernel ------------------------------------------------------------------

class Kernel:
    """One simulated machine running one scenario."""

    def __init__(self, config=None, profile="windows", seed=0, schedule=None,
                 trace=True, snapshots=True, policy=None, source_file=None,
                 max_time=None, max_steps=None, deadline=None):
        self.config = dict(config or {})
        # A wall-clock deadline (time.monotonic()), for the live oracle's model runs only: a run cut short
        # by it is not deterministic, so nothing else sets one.
        self.deadline = deadline
        self.profile = get_profile(profile, self.config)
        self.env = simpy.Environment()
        self.cpus = int(self.config.get("cpus", 4))
        self.seed = seed
        self.chooser = Chooser(seed, schedule, policy)
        self.choose = self.chooser.choose    # the one choice point: choose(label, options) -> option
        self.handles = HandleTable()
        self.pool = Pool(self.config)
        self.pool.enforce = self.profile.memory_limits
        self.threads = []          # every thread, in creation order
        self.thread_names = set()  # their names (unique: CreateThread refuses a second thread of a name)
        self.ports = []
        self.sockets = {}          # live sockets (a dict: O(1) removal at close), in creation order
        self.irps = {}             # live IRPs, in issue order (a dict: O(1) removal when freed)
        self.running = []          # threads holding a CPU
        self.ready = {}            # threads woken, waiting for a CPU, longest-ready first (a dict: O(1) removal)
        self.last = None           # the thread that stepped last
        self.current = None        # the thread whose call is being executed
        self.cause = None          # the Call being executed (for trace lines)
        # CONFIG {"snapshots": False}: a scenario with thousands of sockets does not record snapshots.
        self.trace = Trace(events=trace, snapshots=snapshots and bool(self.config.get("snapshots", True)))
        # Model code builds narration (texts, labels, field dicts) only ``if k.tracing``: a run nobody reads
        # (the explorer, benchmarks, live comparisons) pays nothing for it.
        self.tracing = self.trace.recording
        self.recorder = None
        self.touch = id              # touch(obj): what a student sees of obj changed; a no-op unless recording
        if self.trace.snapshots_on:
            self.recorder = Recorder(int(float(self.config.get("snapshot_mb", SNAPSHOT_MB)) * (1 << 20)))
            self.touch = self.recorder.touch
        self.notes = []
        self.ended = False
        self.end_reason = ""
        self.end_detail = ""
        self.main = None
        self.source_file = source_file
        self.labels = {}
        self._label_counts = {}
        self.steps = 0
        self.simpy_events = 0
        self.max_time = float(self.config.get("max_time", max_time or 600_000))
        self.max_steps = int(self.config.get("max_steps", max_steps or 5_000_000))
        # Runaway guards (issue 13).  A loop that never lets simulated time pass (while True: note(...))
        # stops after spin_limit calls at one instant; a traced run stops after max_events trace events
        # (a Sleep(1) loop would otherwise narrate for the whole time limit).
        self.spin_limit = int(self.config.get("spin_limit", SPIN_LIMIT))
        self.max_events = int(self.config.get("max_events", MAX_EVENTS))
        self._instant_from = 0     # self.steps when simulated time last advanced
        self._step_cap = 0         # _step checks this one number for every step limit (_limits)
        self._limits()
        self.invariants = []       # callables(kernel) checked after every step (race layer)
        self.watchers = []         # (row type, rows()) a library shows in every snapshot (observe.watch)
        self._idle = None
        self.error = None
        self._irp_ids = 0
        self.socket_net = None     # the simulated loopback network (wire.py), made on first use
        self.locks = {}            # id(CRITICAL_SECTION or SRWLOCK) -> its lock (locks.py), in creation order
        self.deadlock = ""         # the wait-for cycle the run ended on (deadlock.py)
        self.capture = None        # {seq: None}: steps whose snapshot a replay rebuilds (scenario.rebuild)
        self.tracer = None         # the explorer watching every step (explore.py), or None
        self.holds = dict(self.chooser.holds)   # step number -> threads a schedule holds back there (delays)
        self.held = []             # threads held back until the clock advances
        self.held_at = 0.0

    # --- time ---------------------------------------------------------------

    @property
    def now(self):
        return self.env.now

    def after(self, ms, callback):
        """Call callback() when ms of simulated time have passed."""
        if footprint.rec is not None:            # timers due at one instant fire in the order they were set
            footprint.touch_key(("timer", self.env.now + ms))
        timeout = self.env.timeout(ms)
        timeout.callbacks.append(lambda _event: callback())
        return timeout

    # --- object labels (for narration) ----------------------------------------

    def label(self, obj, prefix="ov"):
        """A stable short name for an object a scenario created (an OVERLAPPED: 'ov1', or its .op)."""
        if obj is None:
            return "NULL"
        if isinstance(obj, int):
            return hex(obj) if obj > 0xFFFF else str(obj)
        key = id(obj)
        entry = self.labels.get(key)
        if entry is None:
            tag = getattr(obj, "op", None)
            number = self._label_counts[prefix] = self._label_counts.get(prefix, 0) + 1
            name = f"{prefix}{number}"
            entry = self.labels[key] = (obj, f"{name}({tag})" if tag else name)   # keeps obj alive: ids stay unique
        return entry[1]

    # --- tracing --------------------------------------------------------------

    def emit(self, kind, thread, template, why="", **fields):
        """Record that something happened.  ``template`` is formatted with fields, lazily."""
        trace = self.trace
        if not trace.recording:
            return
        if len(trace.events) >= self.max_events and kind != "end":
            if not self.ended:
                self._too_many_events()
            return                            # the run is over: nothing more is recorded but its end
        cause = self.cause
        name = thread.name if thread is not None else "-"
        event = Event(len(trace.events), self.env.now, kind, name, template, why,
                      cause.file if cause else None, cause.line if cause else None, fields)
        trace.events.append(event)
        if trace.snapshots_on:
            self._record(trace, event.seq)
        if self.capture is not None and event.seq in self.capture:
            self._capture(event.seq)

    def _record(self, trace, seq):
        pool = self.pool
        recorder = self.recorder
        snaps = trace.snapshots
        snaps.append(recorder.snapshot(self, seq, self.env.now,
                                       PoolView(pool.npp, pool.npp_limit, pool.locked, pool.locked_limit),
                                       len(self.notes)))
        if len(snaps) % 256 == 0 and recorder.cost(len(snaps)) > recorder.budget:
            self.stop_recording()

    def _capture(self, seq):
        capture = self.capture
        capture[seq] = self.snapshot(seq)
        if seq == max(capture):
            raise Captured()

    def stop_recording(self):
        """The memory guard: keep the snapshots recorded so far, record no more (the UI says so)."""
        trace = self.trace
        trace.snapshots_on = False
        trace.stopped = len(trace.snapshots)
        self.touch = id

    def snapshot(self, seq):
        """Everything visible now, built from scratch (what the recorded, shared snapshots must equal)."""
        return Snapshot(
            seq=seq, time=self.env.now,
            threads=tuple(t.view(self) for t in self.threads),
            ports=tuple(p.view(self, fresh=True) for p in self.ports),
            irps=tuple(i.view(self) for i in self.irps),
            sockets=tuple(s.view(self) for s in self.sockets if not s.closed),
            pool=PoolView(self.pool.npp, self.pool.npp_limit, self.pool.locked, self.pool.locked_limit),
            notes=len(self.notes),
            locks=tuple(lock.view(self) for lock in self.locks.values()),
            sessions=tuple(row_type(**row) for row_type, rows in self.watchers for row in rows()),
        )

    # --- threads and CPUs -------------------------------------------------------

    def make_ready(self, thread):
        """A thread woke (or was created): it runs when a CPU is free."""
        self.ready[thread] = None
        self.poke()

    def poke(self):
        """Wake the dispatcher if it is idle."""
        idle = self._idle
        if idle is not None and not idle.triggered:
            idle.succeed()

    def _assign_cpus(self):
        ready = self.ready
        while ready and len(self.running) < self.cpus:
            if len(self.running) + len(ready) > self.cpus:
                thread = self.choose("cpu", list(ready))
            else:
                thread = next(iter(ready))
            del ready[thread]
            thread.state = "running"
            self.touch(thread)
            self.running.append(thread)

    def _runnable(self):
        """Threads that hold a CPU and are not inside compute() nor held back; the one that ran last comes first."""
        runnable = [t for t in self.running if not t.busy and not t.held]
        last = self.last
        if len(runnable) > 1 and last in runnable and runnable[0] is not last:
            runnable.remove(last)
            runnable.insert(0, last)
        return runnable

    def release_cpu(self, thread):
        if thread in self.running:
            self.running.remove(thread)

    # --- running ------------------------------------------------------------------

    def start(self, main_func, args=()):
        self.main = create_thread(self, main_func, args, "main")
        self.env.process(self._dispatch())

    def run(self):
        """Run until main returns, every thread is stuck, or a limit is hit."""
        # A run allocates long-lived objects by the million (events, sockets, IRPs).  CPython's full
        # collections cost O(live objects) each; at the default young-generation threshold (700) they
        # came often enough that a 50,000-session run cost 1.5x per session what a 5,000-session one
        # did.  A larger threshold for the run's duration keeps the cost per session flat (1.1x).
        saved = gc.get_threshold()
        gc.set_threshold(max(saved[0], GC_THRESHOLD), *saved[1:])
        try:
            self._run()
        finally:
            gc.set_threshold(*saved)
        if self.error is not None:
            raise self.error

    def _run(self):
        env = self.env
        step = env.step
        limit = self.max_time
        now = env.now
        while not self.ended:
            if not env._queue:
                if self.held:                     # nothing else will happen: the held threads go on now
                    self.release_held()
                    continue
                self.deadlock = find_cycle(self.threads)
                if self.deadlock:
                    self.end("deadlock", f"deadlock: every thread waits, and these wait on each other: "
                                         f"{self.deadlock}")
                else:
                    self.end("hang", "every thread waits and nothing is left to happen")
                break
            if env.peek() > limit:
                self.end("time limit", f"simulated time passed {limit:g} ms")
                break
            if self.deadline is not None and not self.simpy_events & 1023 and time.monotonic() > self.deadline:
                self.end("time limit", "the run took longer than the time allowed for the whole check (--timeout)")
                break
            step()
            self.simpy_events += 1
            if env._now != now:                     # time passed: the spin guard counts from here
                now = env._now
                self._instant_from = self.steps
                self._limits()
                if self.held and now > self.held_at:     # held threads may run again (delays)
                    self.release_held()

    # --- delays (the explorer's holds) ----------------------------------------------------

    def _apply_holds(self, runnable):
        """Hold back the threads the schedule names at this step: they run again once the clock advances."""
        names = self.holds.pop(self.steps + 1, None)      # once: a thread held at step n is not held again there
        if not names:
            return runnable
        for t in runnable:
            if t.name in names and not t.held:
                t.held = True
                self.held.append(t)
                self.held_at = self.env.now
                self.emit("hold", t, "{thread} is held back until the next timed event",
                          why="a delay in the schedule: the thread is preempted although it could run")
        return [t for t in runnable if not t.held]

    def release_held(self):
        for t in self.held:
            t.held = False
            self.emit("release", t, "{thread} held back until {until} ms: it may run again",
                      until=f"{self.env.now:.3f}")
        self.held = []
        self.poke()

    def end(self, reason, detail=""):
        if not self.ended:
            self.ended = True
            self.end_reason = reason
            self.end_detail = detail
            self.cause = None
            self.emit("end", None, "run ends: {detail}", why=reason, detail=detail or reason)

    def _dispatch(self):
        env = self.env
        running, ready = self.running, self.ready
        while not self.ended:
            if ready and len(running) < self.cpus:
                self._assign_cpus()
            runnable = [t for t in running if not t.busy and not t.held]   # holding a CPU, not inside compute()
            if runnable and self.holds:
                runnable = self._apply_holds(runnable)
            if runnable:
                if self.tracer is not None:
                    self.tracer.before_step(self, runnable)      # may raise StopRun
                if len(runnable) == 1:
                    thread = runnable[0]
                else:
                    last = self.last
                    if runnable[0] is not last and last in runnable:
                        runnable.remove(last)
                        runnable.insert(0, last)
                    thread = self.choose("step", runnable)
                try:
                    self._step(thread)
                except (ScenarioError, ValueError) as exc:   # raised again by run(), outside SimPy
                    self.error = exc
                    self.end("error", str(exc))
                continue
            if self.tracer is not None:
                self.tracer.idle(self)                           # an instant ends (may raise StopRun)
            self._idle = env.event()
            yield self._idle
            self._idle = None

    def _step(self, thread):
        """Execute the next call of one thread (DESIGN §4: threads are stacks of generators)."""
        self.steps += 1
        if self.steps > self._step_cap and self._limit_reached(thread):
            return
        self.last = self.current = thread
        if not thread.started:
            thread.started = True
            if footprint.rec is not None:
                footprint.touch(thread, "apc", footprint.R)
            if thread.apcs:          # an APC queued before the thread started runs first (C8)
                start_apcs(self, thread, None)
        value, thread.result = thread.result, None
        if value is RETRY:                  # woken to compete for a lock again: the same call (locks.py, L9)
            self.execute(thread, thread.call)
        else:
            call = next_call(thread.stack[-1], value, thread.name)
            while call is not None and call.name in INSTANT:      # narrate/watch: part of this step
                self.execute(thread, call)
                value, thread.result = thread.result, None
                call = next_call(thread.stack[-1], value, thread.name)
            if call is None:
                thread.returned(self)       # an exit is a step too: it can release a port waiter (A8)
            else:
                self.execute(thread, call)
        tracer = self.tracer
        if tracer is None:
            for check in self.invariants:
                check(self)
            return
        tracer.after_step(self, thread)
        if tracer.checking:                # (not while it replays steps it has seen checked)
            for i, check in enumerate(self.invariants):
                tracer.observe(i)          # what each invariant reads: a step that writes it is visible
                check(self)
        tracer.observe(None)

    def _limits(self):
        """The next step count at which _step must look at its limits: max_steps, the spin guard, and
        (for a run with a wall-clock deadline) every 16,384 steps, the clock."""
        cap = min(self.max_steps, self._instant_from + self.spin_limit)
        if self.deadline is not None:
            cap = min(cap, self.steps + 16384)
        self._step_cap = cap

    def _limit_reached(self, thread):
        """A step limit: end the run (True), raise the spin guard's error, or set the next check (False)."""
        if self.steps > self.max_steps:
            self.end("step limit", f"more than {self.max_steps} calls were executed")
            return True
        if self.steps > self._instant_from + self.spin_limit:
            self._spinning(thread)
        if self.deadline is not None and time.monotonic() > self.deadline:
            self.end("time limit", "the run took longer than the time allowed for the whole check (--timeout)")
            return True
        self._limits()
        return False

    def _spinning(self, thread, calls=None, setting="spin-limit"):
        """The spin guard: calls ran without simulated time passing (a loop that never waits)."""
        call = thread.call
        if call is not None:
            file, line = call.file, call.line
        else:                                   # its first step: point at the function the thread runs
            code = thread.stack[-1].gi_code
            file, line = code.co_filename, code.co_firstlineno
        key = setting.replace("-", "_")
        raise ScenarioError(file, line, f"thread {thread.name} executed {calls or self.spin_limit:,} calls without "
                                        "simulated time advancing (a loop that never waits or sleeps?); if it "
                                        f"should, raise the limit: --{setting} N or CONFIG['{key}']")

    def _too_many_events(self):
        """The event guard: a traced run stops at max_events.  If most of them came at this very instant,
        it is a loop that never waits, and is reported as the spin guard would (thread, line, setting)."""
        spins = self.steps - self._instant_from
        if self.current is not None and spins > self.max_events // 2:
            self._spinning(self.current, spins, "max-events")
        self.end("event limit", f"the run recorded {self.max_events:,} events without finishing (a loop that never "
                                "ends?); if it should go on, raise the limit: --max-events N or "
                                "CONFIG['max_events']")

    def execute(self, thread, call):
        handler = SYSCALLS.get(call.name)
        if handler is None:
            raise ScenarioError(call.file, call.line, f"{call.name} is not modelled")
        thread.call = self.cause = call
        if footprint.rec is not None and footprint.rec.current is not None and call.name not in UNSCANNED:
            _touch_handles_of(self, call.args)
        self.touch(thread)
        tracing = self.tracing
        if tracing:
            rows, errors = len(self.trace.events), thread.errors_set
        try:
            kwargs = call.kwargs
            result = handler(self, thread, *call.args, **kwargs) if kwargs else handler(self, thread, *call.args)
        except TypeError as exc:
            if _binds(handler, call):
                raise
            raise ScenarioError(call.file, call.line, f"{call.name}: {exc}") from exc
        if result is not BLOCKED:
            thread.result = result
        if tracing and thread.errors_set != errors and len(self.trace.events) == rows:
            self._failed(thread, call, result)

    def _failed(self, thread, call, result):
        """A call that failed without a row of its own (a bad handle, a bad parameter) still gets one:
        Windows returns the failure value and sets the last error, and nothing else happens."""
        code = thread.last_error
        if code in (0, 997) or call.name in ("SetLastError", "WSASetLastError"):   # 997: ERROR_IO_PENDING
            return
        self.emit("fail", thread, "{thread}'s {call} fails: {error} ({code}), returns {result}",
                  why="Windows returns the failure value and sets the last error; nothing else happens",
                  call=_call_text(self, call), error=error_name(code), code=code, result=_result_text(result))


UNSCANNED = frozenset(("CreateThread", "note", "invariant", "compute", "InterlockedExchange", "InterlockedIncrement",
                       "InterlockedDecrement", "InterlockedCompareExchange"))


def _touch_handles_of(k, args):
    """Footprint of a call (explorer only): the objects its handle arguments name, and their table slots."""
    objects = k.handles.objects
    for arg in args:
        if type(arg) is int:
            footprint.touch_key(("handle", arg), "*", footprint.R)
            obj = objects.get(arg)
            if obj is not None:
                footprint.touch(obj)
        elif isinstance(arg, (list, tuple)):
            _touch_handles_of(k, [a for a in arg if type(a) is int])
        elif isinstance(arg, footprint.Shared):
            footprint.touch(arg)



def next_call(gen, value, who):
    """Resume a scenario generator with value → the Call it yields next, or None when it returned.

    Both backends drive threads through here: a Python exception in the
    scenario, or a yield of something that is not a call, becomes a
    ScenarioError naming the scenario's file and line.
    """
    try:
        call = gen.send(value)
    except StopIteration:
        return None
    except ScenarioError:
        raise
    except BadCall as exc:                  # a Win32 call made with nonsense arguments (signatures.py)
        raise ScenarioError(exc.file, exc.line, exc.message) from None
    except Exception as exc:
        raise scenario_error_from(exc, gen) from exc
    if type(call) is not Call:
        frame = gen.gi_frame
        raise ScenarioError(frame.f_code.co_filename if frame else "?", frame.f_lineno if frame else 0,
                            f"thread {who} yielded {call!r}, which is not a Win32 call")
    return call


def _call_text(k, call):
    """'closesocket(12)': the call with short arguments (handles as numbers, objects by their label)."""
    def short(a):
        if a is None or isinstance(a, (bool, int, float)):
            return repr(a) if not isinstance(a, int) or isinstance(a, bool) or a <= 0xFFFF else hex(a)
        if isinstance(a, str):
            return repr(a) if len(a) <= 20 else repr(a[:17] + "...")
        if isinstance(a, (bytes, bytearray, memoryview)):
            return f"<{len(a)} bytes>"
        if isinstance(a, (list, tuple)):
            return f"[{len(a)} items]"
        return type(a).__name__
    return f"{call.name}({', '.join(short(a) for a in call.args)})"


def _result_text(result):
    if isinstance(result, tuple):
        return "(" + ", ".join(_result_text(r) for r in result) + ")"
    if isinstance(result, bool) or result is None:
        return {True: "TRUE", False: "FALSE", None: "NULL"}[result]
    if isinstance(result, int) and result > 0xFFFF:
        return hex(result)
    return repr(result) if not isinstance(result, (bytes, bytearray)) else f"<{len(result)} bytes>"


def _binds(handler, call):
    try:
        inspect.signature(handler).bind(None, None, *call.args, **call.kwargs)
        return True
    except TypeError:
        return False


def scenario_error_from(exc, gen):
    """The scenario file and line where exc was raised, for a message without a traceback."""
    import traceback
    frames = traceback.extract_tb(exc.__traceback__)
    inside = [f for f in frames if "/kernelsim/" not in f.filename.replace("\\", "/")
              or "/scenarios/" in f.filename.replace("\\", "/")]
    frame = (inside or frames or [None])[-1]
    if frame is None:
        code = gen.gi_code
        return ScenarioError(code.co_filename, code.co_firstlineno, f"{type(exc).__name__}: {exc}")
    return ScenarioError(frame.filename, frame.lineno, f"{type(exc).__name__}: {exc}")
