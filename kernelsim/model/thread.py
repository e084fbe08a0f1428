"""KTHREAD: threads, their waits, and their user-mode APC queues.

What Windows does.  A thread runs until it waits.  A wait that really blocks
takes the thread off its processor; the thread is un-waited by the object, by
a timeout, or — if the wait is *alertable* — by a user APC, in which case every
queued user APC runs, oldest first, and only then does the wait return
WAIT_IO_COMPLETION (C1, C2, C4, C5).  User APCs never run outside an alertable
wait (C2).  The wait of a blocking Winsock call (recv, send, accept) is
alertable too, but it *resumes*: queued APCs run and the call goes on waiting;
it never returns WAIT_IO_COMPLETION (C2, oracle 3.8).  When a thread ends, its queued APCs are discarded unrun and
QueueUserAPC to it fails with ERROR_GEN_FAILURE (C8).  A port-associated
thread that blocks releases its port slot and gets it back when woken (A5, A6,
A8: see port.py).

What we simplify.  Kernel-mode APCs (I/O stage 2) run at once, without the
brief un-wait of C3: it never changes a wait's result nor CurrentCount.  A
thread is a stack of generators (DESIGN §4): an APC routine runs by being
pushed on top of the thread's stack and popped when it returns.

Who calls what.  Other object modules park a thread with ``block`` and wake it
with ``unwait`` (``block(..., resumes=True)`` for a wait that APCs interrupt
and that then goes on); ``queue_user_apc`` is the one way into the APC queue.

Rules: C1, C2, C4, C5, C7 (alertable-wait entry), C8 (APC part), A5/A6/A8 hooks.
"""

import inspect
from collections import deque

from .. import footprint
from ..outcome import Note
from ..trace import ThreadView
from ..win32.constants import (ERROR_GEN_FAILURE, ERROR_INVALID_HANDLE, INFINITE,
                               WAIT_IO_COMPLETION, error_name)
from .services import BLOCKED, ScenarioError, syscall

CURRENT_THREAD = -2          # GetCurrentThread's pseudo-handle


class Apc:
    """A queued user APC: a function and its arguments, plus what to call it in the trace.

    ``name`` is the label, or (format, *values) formatted only when the label is read: a run
    nobody traces never builds it."""

    __slots__ = ("func", "args", "name", "on_discard")

    def __init__(self, func, args, name, on_discard=None):
        self.func, self.args, self.name, self.on_discard = func, args, name, on_discard

    @property
    def label(self):
        name = self.name
        return name if isinstance(name, str) else name[0].format(*name[1:])


class Wait:
    """A blocked wait: what it is on, how it ends, and the callbacks that unlink it.

    ``resumes``: APCs interrupt it and it then goes on (a blocking Winsock call, C2);
    ``apc_fails``: an APC ends it with this error and stays queued (Wine 8, closed_port_apc_fails)."""

    __slots__ = ("what", "alertable", "apc_result", "apc_error", "on_timeout", "unlinks", "line", "data",
                 "resumes", "apc_fails", "done")

    def __init__(self, what, alertable, apc_result, apc_error, on_timeout, line, resumes=False):
        self.what = what
        self.alertable = alertable
        self.apc_result = apc_result
        self.apc_error = apc_error
        self.on_timeout = on_timeout
        self.unlinks = []
        self.line = line
        self.data = None
        self.resumes = resumes
        self.apc_fails = None
        self.done = None          # (result, error) of a resuming wait that ended while its APCs ran


class Thread:
    """One simulated thread."""

    panel = "threads"            # the Snapshot field it is shown in

    def __init__(self, kernel, name, gen):
        self.name = name
        self.stack = [gen]
        self.result = None
        self.state = "ready"
        self.wait = None
        self.apcs = deque()
        self.apc_frames = []      # (stack depth, wait result, last error, wait call) per alertable wait delivering APCs
        self.queue = None         # the completion port this thread is associated with (A7)
        self._last_error = 0
        self.errors_set = 0       # how many times the last error was set (a failed call leaves a trace row)
        self.busy = False         # inside compute(ms)
        self.held = False         # held back by a delay in the schedule (the explorer), until the clock advances
        self.opaque = None        # explorer: why this thread's code may touch state no footprint hook sees
        self.call = None
        self.started = False
        self.exit_code = None
        self.wait_list = {}       # waits on this thread object (signalled at exit): Wait -> wait block
        self.irps = {}            # I/O issued by this thread that is not thread-agnostic (B1, B13), in order
        self.handle = kernel.handles.add(self)
        kernel.touch(self)

    @property
    def last_error(self):
        """GetLastError(): per thread, set by a failing call (and by some that succeed, as Windows does)."""
        return self._last_error

    @last_error.setter
    def last_error(self, code):
        self._last_error = code
        self.errors_set += 1

    # A thread object is signalled once it has terminated.
    def is_signalled(self):
        return self.state == "terminated"

    def consume(self):
        pass

    def view(self, k):
        wait = self.wait
        return ThreadView(self.name, self.handle, "held" if self.held else self.state, wait.what if wait else "",
                          bool(wait and wait.alertable), tuple(a.label for a in self.apcs),
                          f"port {self.queue.handle}" if self.queue else "",
                          self.call.line if self.call else 0)

    def returned(self, k):
        """The generator on top of the stack returned: an APC routine ended, or the thread did."""
        self.stack.pop()
        frames = self.apc_frames
        if frames and frames[-1][0] == len(self.stack):
            continue_apcs(k, self)
        elif not self.stack:
            exit_thread(k, self, 0)

    def __repr__(self):
        return f"thread {self.name}"

    def fp_key(self):
        return ("thread", self.name)


def create_thread(k, func, args, name):
    if not inspect.isgeneratorfunction(func):
        call = k.cause
        where = (call.file, call.line) if call else ("?", 0)
        raise ScenarioError(*where, f"thread function {getattr(func, '__name__', func)!r} must be a "
                                    "generator function (it should yield Win32 calls)")
    thread = Thread(k, name, func(*args))
    k.threads.append(thread)
    k.thread_names.add(name)
    k.make_ready(thread)
    return thread


def resolve_thread(k, t, handle):
    if handle == CURRENT_THREAD:
        return t
    return k.handles.get(handle, Thread)


# --- waiting ---------------------------------------------------------------------

def block(k, t, what, ms, alertable=False, on_timeout=None, apc_result=WAIT_IO_COMPLETION,
          apc_error=None, counts=True, why="", resumes=False):
    """Park t in a wait.  ``counts``: the wait releases t's port slot (A5).  ``resumes``: an
    alertable wait that runs queued APCs and then goes on waiting (a blocking Winsock call, C2);
    its caller registers the wait's object, then calls ``run_queued_apcs`` for APCs already queued."""
    wait = Wait(what, alertable, apc_result, apc_error, on_timeout, t.call.line if t.call else 0, resumes)
    if footprint.rec is not None:
        footprint.touch(t, "wait")
    t.wait = wait
    t.state = "waiting"
    k.touch(t)
    k.release_cpu(t)
    if counts and t.queue is not None:
        t.queue.thread_blocked(k, t)
    if ms != INFINITE and ms is not None:
        k.after(ms, lambda: _timed_out(k, t, wait))
    if k.tracing:
        k.emit("block", t, "{thread} waits on {what} (alertable)" if alertable else "{thread} waits on {what}",
               why=why, what=what)
    return BLOCKED


def run_queued_apcs(k, t):
    """A resuming wait just began: APCs already queued run now, inside it (C2; Wine's test_accept)."""
    wait = t.wait
    if wait is not None and wait.resumes and wait.alertable and t.apcs:
        _interrupt(k, t, wait)


def _timed_out(k, t, wait):
    if k.ended:
        return
    if t.wait is wait:
        k.cause = t.call                       # the wait's own call is what ends here
        result = wait.on_timeout() if wait.on_timeout else None
        unwait(k, t, result, f"{wait.what}: the timeout elapsed" if k.tracing else "")
    elif interrupted(t) is wait and wait.done is None:
        # A resuming wait timed out while its APCs run (a blocking select): it returns after them (C2).
        result = wait.on_timeout() if wait.on_timeout else None
        _done_meanwhile(k, t, wait, result, None, "{thread}'s wait on {what} times out", what=wait.what)


def unwait(k, t, result, why, error=None, text="{thread} wakes", wait=None, **fields):
    """Wake a waiting thread with ``result``.  It counts as running on its port again (A6).  A
    resuming wait that is running its APCs just keeps the result for when they are done.  ``wait``:
    end only that wait (not a wait an APC of the thread has entered meanwhile)."""
    if wait is not None and t.wait is not wait:
        if interrupted(t) is wait and wait.done is None:
            _done_meanwhile(k, t, wait, result, error, text, **fields)
        return
    wait = t.wait
    if wait is None:
        wait = interrupted(t)
        if wait is not None and wait.done is None:
            _done_meanwhile(k, t, wait, result, error, text, **fields)
        return
    t.wait = None
    if footprint.rec is not None:
        footprint.touch(t, "wait")
        if t.queue is not None:
            footprint.touch(t.queue)
    for unlink in wait.unlinks:
        unlink()
    if t.queue is not None:
        t.queue.current += 1
        k.touch(t.queue)
    if error is not None:
        t.last_error = error
    t.result = result
    t.state = "ready"
    k.touch(t)
    k.make_ready(t)
    if k.tracing:
        k.emit("wake", t, text, why=why, **fields)


def _done_meanwhile(k, t, wait, result, error, text, **fields):
    """A resuming wait ended while its thread runs APCs: keep the result for when they are done (C2)."""
    if footprint.rec is not None:
        footprint.touch(t, "wait")
    wait.done = (result, error)
    for unlink in wait.unlinks:
        unlink()
    k.emit("wake", t, text, why="it ended while its APCs run: the call returns after them (C2)", **fields)


# --- user APCs -----------------------------------------------------------------------

def queue_user_apc(k, t, apc):
    """Append an APC to t's user queue (FIFO, C1); an alertable waiter is un-waited to run it (C2)."""
    if footprint.rec is not None:
        footprint.touch(t, "apc")
    if t.state == "terminated":
        return False
    t.apcs.append(apc)
    k.touch(t)
    if k.tracing:
        k.emit("apc-queued", t, "APC {apc} queued to {thread}", why="user APCs wait for an alertable wait (C2)",
               apc=apc.label)
    wait = t.wait
    if wait is not None and wait.apc_fails is not None:          # (set only on alertable waits: port.close)
        unwait(k, t, wait.apc_result, "a user APC arrived, but the wait's port was closed: the wait fails and "
               "the APC stays queued (Wine 8, closed_port_apc_fails)", error=wait.apc_fails)
    elif wait is not None and wait.alertable and wait.resumes:
        _interrupt(k, t, wait)
    elif wait is not None and wait.alertable:
        result, error = wait.apc_result, wait.apc_error
        unwait(k, t, None, "a user APC arrived during an alertable wait (C2)")
        t.result = None
        start_apcs(k, t, result, error)
    return True


class Resume:
    """An apc_frames result: after the APCs, the interrupted wait goes on (or returns what ended it)."""

    __slots__ = ("wait",)

    def __init__(self, wait):
        self.wait = wait


def _interrupt(k, t, wait):
    """A blocking Winsock call's wait lets the thread run its APCs; its I/O stays in flight (C2)."""
    if footprint.rec is not None:
        footprint.touch(t, "wait")
        footprint.touch(t, "apc")
        if t.queue is not None:
            footprint.touch(t.queue)
    t.wait = None
    if t.queue is not None:
        t.queue.current += 1
        k.touch(t.queue)
    t.state = "ready"
    k.touch(t)
    k.make_ready(t)
    k.emit("wake", t, "{thread} runs its APCs inside {what}; the call then goes on waiting", what=wait.what,
           why="a blocking Winsock call waits alertably but does not return WAIT_IO_COMPLETION (C2, oracle 3.8)")
    t.result = None
    start_apcs(k, t, Resume(wait))


def interrupted(t):
    """The resuming wait whose APCs t is running, if any."""
    for frame in reversed(t.apc_frames):
        if isinstance(frame[1], Resume):
            return frame[1].wait
    return None


def _resume(k, t, wait):
    """The APCs ran: the call returns what ended its wait meanwhile, or waits on (C2)."""
    if footprint.rec is not None:
        footprint.touch(t, "wait")            # (the port, when t waits on: thread_blocked → activate_waiter)
    k.touch(t)
    if wait.done is not None:
        result, error = wait.done
        t.result = result
        if error is not None:
            t.last_error = error
        k.emit("apc-done", t, "{thread}'s APCs ran and its call returns: it completed meanwhile", why="C2")
        return
    t.wait = wait
    t.state = "waiting"
    k.release_cpu(t)
    k.ready.pop(t, None)
    if t.queue is not None:
        t.queue.thread_blocked(k, t)
        k.touch(t.queue)
    t.result = None
    k.emit("block", t, "{thread}'s APCs ran; it goes on waiting on {what}", what=wait.what,
           why="a blocking Winsock call resumes its wait after APCs (C2, oracle 3.8)")


def start_apcs(k, t, result, error=None):
    """Run every queued APC on t, then make the wait return ``result`` (C4, C5).

    (Footprint: every caller has already recorded its look at t's APC queue.)"""
    depth = len(t.stack)
    t.apc_frames.append((depth, result, error, t.call if t.started else None))
    continue_apcs(k, t)
    # BLOCKED here means "the thread's next value is arranged": an APC routine is on top of its stack.
    return BLOCKED if len(t.stack) > depth else t.result


def continue_apcs(k, t):
    """Push the next queued APC, or finish the alertable wait when the queue is empty (C4)."""
    while t.apcs:
        apc = t.apcs.popleft()
        k.touch(t)
        if k.tracing:
            k.emit("apc-run", t, "{thread} runs APC {apc}",
                   why="alertable wait: queued APCs run now, oldest first (C4)", apc=apc.label)
        gen = apc.func(*apc.args)
        if inspect.isgenerator(gen):
            t.stack.append(gen)
            t.result = None
            return
    depth, result, error, call = t.apc_frames.pop()
    if isinstance(result, Resume):
        if call is not None:
            t.call = k.cause = call       # the interrupted call goes on (or returns): its line again
        _resume(k, t, result.wait)
        return
    t.result = result
    if error is not None:
        t.last_error = error
    if call is None:                  # APCs queued before the thread started ran first (C8): no wait returns
        return
    t.call = k.cause = call           # what returns now is the wait: its line, not the APC routine's last one
    k.touch(t)
    if k.tracing:
        k.emit("apc-done", t, "{thread}'s {call} returns {result}: APCs ran, the object was not waited for (C5)",
               call=call.name, result=_result_name(result, call))


def _result_name(result, call):
    """A wait's result as its documentation names it: SleepEx/WaitFor*Ex return WAIT_IO_COMPLETION,
    WSAWaitForMultipleEvents WSA_WAIT_IO_COMPLETION (the same 192); GQCSEx its (ok, entries)."""
    if result == WAIT_IO_COMPLETION and not isinstance(result, bool):
        return "WSA_WAIT_IO_COMPLETION" if call.name.startswith("WSA") else "WAIT_IO_COMPLETION"
    return error_name(result) if isinstance(result, int) else repr(result)


# --- exit ------------------------------------------------------------------------

# What other objects do when a thread ends, registered by the modules that own them (so that this
# module imports neither): "io" runs before the APC queue is discarded, "signal" after it.
EXIT_HOOKS = {"io": [], "signal": []}


def at_exit(stage):
    """Register the decorated function(k, thread) to run at every thread's exit, at ``stage``."""
    def register(hook):
        EXIT_HOOKS[stage].append(hook)
        return hook
    return register

def exit_thread(k, t, code):
    """Thread termination: APCs discarded (C8), I/O cancelled (B13), port slot released (A8)."""
    if t.state == "terminated":
        return
    # (Footprint: the "signal" exit hook signals the thread object, a write of all of t.)
    wait = t.wait or interrupted(t)
    if wait is not None and wait.done is None:
        for unlink in wait.unlinks:
            unlink()
        t.wait = None
    k.release_cpu(t)
    k.ready.pop(t, None)
    t.state = "terminated"
    t.exit_code = code
    k.touch(t)
    t.stack.clear()
    if k.tracing:
        k.emit("exit", t, "{thread} exits", why="")
    for hook in EXIT_HOOKS["io"]:             # irp.py: the thread's I/O is cancelled (B13)
        hook(k, t)
    while t.apcs:
        apc = t.apcs.popleft()
        k.touch(t)
        if k.tracing:
            k.emit("apc-discard", t, "APC {apc} discarded: {thread} ended before an alertable wait (C8)",
                   apc=apc.label)
        if apc.on_discard:
            apc.on_discard(k)
    if t.queue is not None:
        t.queue.thread_exited(k, t)
    for hook in EXIT_HOOKS["signal"]:         # sync.py: the thread object is signalled
        hook(k, t)
    if t is k.main:
        k.end("main returned", "main returned, so the process ends")


# --- calls ---------------------------------------------------------------------------

@syscall("CreateThread")
def CreateThread(k, t, func, *args, name=None):
    """A thread's name is kernelsim's, not Windows' (which has none at creation): it names the thread in
    the trace, the notes and the checks, so two threads may not share one."""
    # The default name counts the threads; no footprint of its own: every CreateThread also takes a handle
    # (HandleTable.add touches the table), so two of them are always ordered.
    names = k.thread_names
    if name is None:
        n = len(k.threads)
        while f"T{n}" in names:
            n += 1
        name = f"T{n}"
    elif name in names:
        raise ScenarioError(t.call.file, t.call.line, f"CreateThread: a thread named {name!r} already exists; "
                                                      "each thread needs its own name (the trace, the notes and "
                                                      "the checks tell threads apart by it)")
    thread = create_thread(k, func, args, name)
    if footprint.numbers is not None:               # (also while the explorer replays a prefix unwatched)
        thread.opaque = footprint.opaque_reason(func, args)
    if k.tracing:
        k.emit("create", t, "{thread} creates thread {new}", new=name)
    return thread.handle


@syscall("ExitThread")
def ExitThread(k, t, code=0):
    exit_thread(k, t, code)
    return BLOCKED


@syscall("GetCurrentThread")
def GetCurrentThread(k, t):
    return CURRENT_THREAD


@syscall("QueueUserAPC")
def QueueUserAPC(k, t, func, handle, data):
    target = resolve_thread(k, t, handle)
    if target is None:
        t.last_error = ERROR_INVALID_HANDLE
        return False
    if not queue_user_apc(k, target, Apc(func, (data,), ("{}({!r})", getattr(func, "__name__", "apc"), data))):
        t.last_error = ERROR_GEN_FAILURE
        k.emit("call", t, "QueueUserAPC to {target} fails: ERROR_GEN_FAILURE", why="the thread has ended (C8)",
               target=target.name)
        return False
    return True


@syscall("GetLastError")
def GetLastError(k, t):
    return t.last_error


@syscall("WSAGetLastError")
def WSAGetLastError(k, t):
    return t.last_error


@syscall("SetLastError")
def SetLastError(k, t, code):
    t.last_error = code


@syscall("note")
def note(k, t, tag, **fields):
    if footprint.rec is not None:
        footprint.touch_key(("notes",))
    k.notes.append(Note(tag, t.name, round(k.now, 9), fields))   # no float dust (20.200000000000003)
    if k.tracing:
        shown = " ".join(f"{key}={_short(value, k)}" for key, value in fields.items())
        k.emit("note", t, "{thread} notes {tag} {shown}", tag=tag, shown=shown)


def _short(value, k):
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return repr(value) if isinstance(value, (str, bytes)) else str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_short(v, k) for v in value) + "]"
    return k.label(value)


@syscall("compute")
def compute(k, t, ms):
    if not isinstance(ms, (int, float)) or ms < 0:
        raise ScenarioError(t.call.file, t.call.line, f"compute(ms) needs a number of milliseconds >= 0, not {ms!r}")
    t.busy = True
    if k.tracing:
        k.emit("compute", t, "{thread} computes for {ms} ms on a CPU", ms=ms)

    def done():
        t.busy = False
        k.poke()
    k.after(ms, done)


def _interlocked(k, t, target, field, update):
    old = getattr(target, field)
    new = update(old)
    changed = new != old
    if changed:
        setattr(target, field, new)
    if footprint.rec is not None:                 # one indivisible access to target.field (a failed CAS only reads)
        footprint.touch(target, field, footprint.W if changed else footprint.R)
    return old


@syscall("InterlockedExchange")
def InterlockedExchange(k, t, target, field, value):
    return _interlocked(k, t, target, field, lambda old: value)


@syscall("InterlockedIncrement")
def InterlockedIncrement(k, t, target, field):
    return _interlocked(k, t, target, field, lambda old: old + 1) + 1


@syscall("InterlockedDecrement")
def InterlockedDecrement(k, t, target, field):
    return _interlocked(k, t, target, field, lambda old: old - 1) - 1


@syscall("InterlockedCompareExchange")
def InterlockedCompareExchange(k, t, target, field, exchange, comparand):
    return _interlocked(k, t, target, field, lambda old: exchange if old == comparand else old)
