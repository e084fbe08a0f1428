"""User-mode locks: CRITICAL_SECTION and SRWLOCK (SEMANTICS L1–L10).

What Windows does.
* Both live in the process's own memory and must be initialised before use
  (InitializeCriticalSection; InitializeSRWLock or SRWLOCK_INIT).  A critical
  section must not be initialised twice, nor used after DeleteCriticalSection
  (L1; MS InitializeCriticalSection, DeleteCriticalSection).
* A critical section has one owner.  The owner may enter again without
  waiting — RecursionCount counts the entries — and must leave once per
  entry; TryEnterCriticalSection never waits (L2; MS EnterCriticalSection).
* A thread that must wait for either lock waits in the kernel, non-alertably:
  queued user APCs neither run nor end the wait, and there is no timeout worth
  the name (L3; Wine critsection.c waits with alertable FALSE).  Like every
  blocking wait it gives back a port-associated thread's slot (A5).
* LeaveCriticalSection by a thread that does not own the section is an error
  Windows does not report: it corrupts the section, and another thread's
  EnterCriticalSection may wait for ever (L4; MS LeaveCriticalSection).
  Deleting an owned section leaves its waiters undefined (L5).
* An SRW lock is held exclusively by one thread or shared by many; a shared
  request queues behind a waiting writer; TryAcquire* never wait (L6; MS SRW
  locks, Raymond Chen 2017-07-05).  It is not recursive: acquiring it
  exclusively again — or exclusively while holding it shared — makes the
  thread wait for itself; TryAcquireSRWLockExclusive returns FALSE (L7).
* ReleaseSRWLock* of a lock not held in that mode raises
  STATUS_RESOURCE_NOT_OWNED (0xC0000264, ReactOS srw.c), and a lock must be
  released by the thread that acquired it (L8; MS ReleaseSRWLockExclusive).
* Neither lock is fair or FIFO.  A release frees the lock and wakes a waiter,
  which must then compete for it: a thread that gets there first takes it
  (L9; MS SRW locks: "neither fair nor FIFO"; MS EnterCriticalSection: "no
  guarantee about the order"; the debugger docs' LockCount "woken" bit).
* A thread that ends while it holds a lock leaves it held (L10).

What we simplify.  The lock's state is kept in the kernel's table, keyed by
the scenario's structure (Windows keeps it in the structure and parks waiters
on a keyed event).  Spin counts cost no simulated time.  Which waiter a
release wakes is a choice, ``kernel.choose("lock", waiters)`` (the one that
waited longest is option 0, the default); a woken waiter runs its call again
when it next steps (services.RETRY), so the ordinary "step" choices decide
whether it or a newcomer gets the lock — every order Windows allows is a
schedule the explorer can take.  Misuse that Windows does not survive (L1, L4,
L5, L8) stops the scenario with a ScenarioError naming its file, line and what
Windows does.  Profile switch ``critsec_handoff`` (xp, wine): a released
critical section goes straight to its oldest waiter, as on XP and in Wine 8's
critsection.c, where LockCount stays taken for the thread it wakes.

Who calls what.  Scenario threads yield the calls; a thread that must wait is
parked with thread.block (non-alertable) and woken with thread.unwait.  The
lock puts itself in ``wait.data`` so that deadlock.py can follow ``holders``
from a waiter to the threads it waits for (L11).  ``footprint`` names the lock
a pending call touches, for the explorer's partial-order reduction.

Rules: L1–L10 (L11 in deadlock.py); A5 through thread.block.
"""

from ..trace import LockView
from ..win32.constants import INFINITE
from ..win32.structs import CRITICAL_SECTION, SRWLOCK
from .services import RETRY, ScenarioError, syscall
from .thread import at_exit, block, unwait

CS = "critical section"
SRW = "SRW lock"
EXCLUSIVE, SHARED = "exclusive", "shared"


class Lock:
    """The model's state of one CRITICAL_SECTION or SRWLOCK."""

    panel = "locks"              # the Snapshot field it is shown in

    @property
    def row_key(self):
        """Its row is the structure's: initialising a structure again replaces the row in place."""
        return id(self.struct)

    def __init__(self, k, struct, kind):
        self.struct = struct
        self.kind = kind
        name = getattr(struct, "name", None)
        self.display = f"{kind} '{name}'" if name else f"{kind} {k.label(struct, 'cs' if kind == CS else 'srw')}"
        self.owner = None         # the owner (critical section) or the exclusive holder (SRW lock)
        self.recursion = 0        # critical section: how many times the owner has entered (L2)
        self.shared = []          # SRW lock: the readers, in the order they acquired it
        self.waiters = []         # [thread, mode], the longest waiting first
        self.woken = []           # threads woken to compete that have not run yet (L9)
        self.deleted = False

    def held_by(self):
        if self.owner is not None:
            owner = self.owner.name + (", which has exited (L10)" if self.owner.state == "terminated" else "")
            return f"owned by {owner}" if self.kind == CS else f"held exclusively by {owner}"
        if self.shared:
            return "held shared by " + ", ".join(t.name for t in self.shared)
        return "free"

    def holders(self, t):
        """The threads that must act before t's wait can end (deadlock.py, L11)."""
        out = [self.owner] if self.owner is not None else []
        mode = next((m for w, m in self.waiters if w is t), EXCLUSIVE)
        if mode == EXCLUSIVE:
            out += [h for h in self.shared if h not in out]
        elif not out:                             # a reader queued behind waiting writers (L6)
            for w, m in self.waiters:
                if w is t:
                    break
                if m == EXCLUSIVE and w not in out:
                    out.append(w)
        return out

    def sync(self):
        """Write what Windows writes into a CRITICAL_SECTION (L2)."""
        if self.kind == CS:
            self.struct.OwningThread = self.owner.name if self.owner is not None else None
            self.struct.RecursionCount = self.recursion

    def view(self, k):
        if k.locks.get(id(self.struct)) is not self:
            return None                           # replaced by InitializeCriticalSection again
        state = "deleted" if self.deleted else ("held" if self.owner is not None or self.shared else "free")
        waiters = tuple(w.name if self.kind == CS else f"{w.name} ({m})" for w, m in self.waiters)
        return LockView(self.display, self.kind, state, self.owner.name if self.owner is not None else "",
                        self.recursion, tuple(t.name for t in self.shared), waiters,
                        tuple(t.name for t in self.woken))

    def unlink(self, k, t):
        self.waiters = [(w, m) for w, m in self.waiters if w is not t]
        k.touch(self)


# --- finding the lock behind a structure -------------------------------------------------

def _misuse(t, message):
    call = t.call
    raise ScenarioError(call.file, call.line, message)


def _struct_type(kind):
    return CRITICAL_SECTION if kind == CS else SRWLOCK


def _check_type(t, struct, kind, func):
    want = _struct_type(kind)
    if not isinstance(struct, want):
        _misuse(t, f"{func} needs a {want.__name__}, not {struct!r}")


def _lock(k, t, struct, kind, func):
    """The lock behind ``struct``; misuse of an uninitialised or deleted lock stops the scenario (L1)."""
    _check_type(t, struct, kind, func)
    lock = k.locks.get(id(struct))
    if lock is None:
        init = "InitializeCriticalSection" if kind == CS else "InitializeSRWLock"
        _misuse(t, f"{func} on {struct!r}, which was never initialised: call {init} first — on Windows an "
                   "uninitialised lock is whatever its memory held, and using it is undefined (L1)")
    if lock.deleted:
        _misuse(t, f"{func} on {lock.display} after DeleteCriticalSection: Windows says never to use a deleted "
                   "critical section (only InitializeCriticalSection again) — memory corruption and other "
                   "unexpected errors can occur (L1)")
    k.touch(lock)                                 # every lock call may change what its row shows
    return lock


def _initialise(k, t, struct, kind, func):
    _check_type(t, struct, kind, func)
    old = k.locks.get(id(struct))
    if old is not None and not old.deleted:
        if kind == CS:
            _misuse(t, f"{func} of {old.display}, which is already initialised: a critical section must be "
                       "deleted before it is initialised again — Windows says the result is undefined (L1)")
        if old.owner is not None or old.shared or old.waiters or old.woken:
            _misuse(t, f"{func} of {old.display} while it is {old.held_by()}"
                       f"{' and waited for' if old.waiters else ''}: its state would be overwritten under its "
                       "holders — undefined on Windows (L1)")
    lock = k.locks[id(struct)] = Lock(k, struct, kind)
    k.touch(lock)
    lock.sync()
    k.emit("lock", t, "{thread} initialises {lock}", why="a lock must be initialised before use (L1)",
           lock=lock.display)
    return lock


# --- acquiring ---------------------------------------------------------------------------

def _retrying(lock, t):
    """Was t woken to compete for this lock (L9)?  It is no longer 'woken' once it tries."""
    if t in lock.woken:
        lock.woken.remove(t)
        return True
    return False


def _grant(k, t, lock, mode, retried, text, why):
    if mode == SHARED:
        lock.shared.append(t)
    else:
        lock.owner = t
        lock.recursion = 1
    lock.sync()
    if retried:
        why = "woken by the release, it got to the lock first (L9)"
    k.emit("lock", t, text, why=why, lock=lock.display, readers=", ".join(r.name for r in lock.shared))


def _wait(k, t, lock, mode, retried, why):
    """Park t until a release wakes it to compete again (L3, L9)."""
    lock.waiters.append((t, mode))
    if retried:
        why = f"woken by the release, but the lock is {lock.held_by()} again: it waits again (L9)"
    what = lock.display if lock.kind == CS else f"{lock.display} ({mode})"
    result = block(k, t, what, INFINITE, alertable=False, why=why)
    t.wait.data = lock
    t.wait.unlinks.append(lambda: lock.unlink(k, t))
    return result


def _released(k, lock):
    """The lock is free again: wake a waiter to compete for it (L9), or hand it over (critsec_handoff)."""
    if not lock.waiters:
        return
    k.touch(lock)
    if lock.kind == CS and k.profile.critsec_handoff:
        t, _ = lock.waiters.pop(0)
        lock.owner, lock.recursion = t, 1
        lock.sync()
        unwait(k, t, None, "critsec_handoff: the oldest waiter owns it at once (XP; Wine 8 critsection.c)",
               text="{lock} is handed to {thread}", lock=lock.display)
        return
    chosen = k.choose("lock", [w for w, _ in lock.waiters])
    mode = next(m for w, m in lock.waiters if w is chosen)
    group = [chosen] if mode == EXCLUSIVE else [w for w, m in lock.waiters if m == SHARED]
    for t in group:
        lock.unlink(k, t)
        lock.woken.append(t)
        unwait(k, t, RETRY, "a release wakes a waiter — which one is not guaranteed — and it must still "
                            "win the lock: locks are neither fair nor FIFO (L9)",
               text="{thread} is woken to compete for {lock}", lock=lock.display)


# --- critical sections -------------------------------------------------------------------

@syscall("InitializeCriticalSection")
def InitializeCriticalSection(k, t, cs):
    _initialise(k, t, cs, CS, "InitializeCriticalSection")


@syscall("InitializeCriticalSectionAndSpinCount")
def InitializeCriticalSectionAndSpinCount(k, t, cs, spin):
    _initialise(k, t, cs, CS, "InitializeCriticalSectionAndSpinCount")
    cs.SpinCount = spin
    return True


@syscall("EnterCriticalSection")
def EnterCriticalSection(k, t, cs):
    lock = _lock(k, t, cs, CS, "EnterCriticalSection")
    retried = _retrying(lock, t)
    if lock.owner is t:
        lock.recursion += 1
        lock.sync()
        k.emit("lock", t, "{thread} enters {lock} again: RecursionCount {n}", lock=lock.display, n=lock.recursion,
               why=f"the owner enters again without waiting, and must leave {lock.recursion} times (L2)")
        return None
    if lock.owner is None:
        _grant(k, t, lock, EXCLUSIVE, retried, "{thread} enters {lock}", "it was free: RecursionCount 1 (L2)")
        return None
    return _wait(k, t, lock, EXCLUSIVE, retried,
                 f"{lock.held_by()}; a blocked EnterCriticalSection is a non-alertable wait (L3)")


@syscall("TryEnterCriticalSection")
def TryEnterCriticalSection(k, t, cs):
    lock = _lock(k, t, cs, CS, "TryEnterCriticalSection")
    if lock.owner is None or lock.owner is t:
        if lock.owner is t:
            lock.recursion += 1
        else:
            lock.owner, lock.recursion = t, 1
        lock.sync()
        k.emit("lock", t, "{thread} enters {lock} (TryEnterCriticalSection): RecursionCount {n}",
               lock=lock.display, n=lock.recursion, why="free, or already the caller's (L2)")
        return True
    k.emit("lock", t, "{thread}'s TryEnterCriticalSection({lock}) returns FALSE: {held}", lock=lock.display,
           held=lock.held_by(), why="TryEnterCriticalSection never waits (L2)")
    return False


@syscall("LeaveCriticalSection")
def LeaveCriticalSection(k, t, cs):
    lock = _lock(k, t, cs, CS, "LeaveCriticalSection")
    if lock.owner is not t:
        _misuse(t, f"LeaveCriticalSection by {t.name} of {lock.display}, which it does not own "
                   f"({lock.held_by()}): on Windows this is undefined — it corrupts the section, and another "
                   "thread's EnterCriticalSection may then wait for ever (L4)")
    lock.recursion -= 1
    if lock.recursion:
        lock.sync()
        k.emit("lock", t, "{thread} leaves {lock}: RecursionCount {n}, still its owner", lock=lock.display,
               n=lock.recursion, why="one leave per enter (L2)")
        return None
    lock.owner = None
    lock.sync()
    k.emit("lock", t, "{thread} leaves {lock}: it is free", lock=lock.display,
           why=f"{len(lock.waiters)} waiting" if lock.waiters else "")
    _released(k, lock)
    return None


@syscall("DeleteCriticalSection")
def DeleteCriticalSection(k, t, cs):
    lock = _lock(k, t, cs, CS, "DeleteCriticalSection")
    waiting = [w.name for w, _ in lock.waiters] + [w.name for w in lock.woken]
    if lock.owner is not None or waiting:
        state = lock.held_by() if lock.owner is not None else "not owned"
        waits = f", waited for by {', '.join(waiting)}" if waiting else ""
        _misuse(t, f"DeleteCriticalSection of {lock.display} while it is {state}{waits}: Windows leaves the "
                   "threads waiting for a deleted critical section undefined — delete it only when nobody owns "
                   "it or waits for it (L5)")
    lock.deleted = True
    k.emit("lock", t, "{thread} deletes {lock}", lock=lock.display,
           why="unusable until initialised again (L1)")


# --- SRW locks ---------------------------------------------------------------------------

@syscall("InitializeSRWLock")
def InitializeSRWLock(k, t, srw):
    _initialise(k, t, srw, SRW, "InitializeSRWLock")


@syscall("AcquireSRWLockExclusive")
def AcquireSRWLockExclusive(k, t, srw):
    lock = _lock(k, t, srw, SRW, "AcquireSRWLockExclusive")
    retried = _retrying(lock, t)
    if lock.owner is None and not lock.shared:
        _grant(k, t, lock, EXCLUSIVE, retried, "{thread} acquires {lock} exclusively", "nobody held it (L6)")
        return None
    if lock.owner is t:
        why = (f"SRW locks are not recursive: {t.name} already holds it exclusively, and now waits for itself "
               "(L7)")
    elif t in lock.shared:
        why = f"{t.name} holds it shared and cannot upgrade: it waits for its own read lock (L7)"
    else:
        why = f"{lock.held_by()}; a writer waits for every holder, non-alertably (L6, L3)"
    return _wait(k, t, lock, EXCLUSIVE, retried, why)


@syscall("AcquireSRWLockShared")
def AcquireSRWLockShared(k, t, srw):
    lock = _lock(k, t, srw, SRW, "AcquireSRWLockShared")
    retried = _retrying(lock, t)
    if lock.owner is None and (retried or not lock.waiters):
        _grant(k, t, lock, SHARED, retried, "{thread} acquires {lock} shared (readers: {readers})",
               "no writer holds it or waits: readers share it (L6)")
        return None
    if lock.owner is t:
        why = f"{t.name} holds it exclusively and asks again (shared): SRW locks are not recursive (L7)"
    elif lock.owner is not None:
        why = f"{lock.held_by()}; a reader waits for the writer, non-alertably (L6, L3)"
    else:
        why = "a writer is waiting: readers queue behind it (L6)"
    return _wait(k, t, lock, SHARED, retried, why)


@syscall("TryAcquireSRWLockExclusive")
def TryAcquireSRWLockExclusive(k, t, srw):
    lock = _lock(k, t, srw, SRW, "TryAcquireSRWLockExclusive")
    if lock.owner is None and not lock.shared:
        _grant(k, t, lock, EXCLUSIVE, False, "{thread} acquires {lock} exclusively (TryAcquire)",
               "nobody held it (L6)")
        return True
    why = ("not recursive: FALSE even for its own holder (L7)" if lock.owner is t or t in lock.shared
           else "TryAcquire never waits (L6)")
    k.emit("lock", t, "{thread}'s TryAcquireSRWLockExclusive({lock}) returns FALSE: {held}", lock=lock.display,
           held=lock.held_by(), why=why)
    return False


@syscall("TryAcquireSRWLockShared")
def TryAcquireSRWLockShared(k, t, srw):
    lock = _lock(k, t, srw, SRW, "TryAcquireSRWLockShared")
    if lock.owner is None and not lock.waiters:
        _grant(k, t, lock, SHARED, False, "{thread} acquires {lock} shared (TryAcquire; readers: {readers})",
               "no writer holds it or waits (L6)")
        return True
    k.emit("lock", t, "{thread}'s TryAcquireSRWLockShared({lock}) returns FALSE: {held}", lock=lock.display,
           held=lock.held_by() + (", a writer waits" if lock.owner is None else ""),
           why="TryAcquire never waits; it fails while a writer holds the lock or waits for it (L6)")
    return False


@syscall("ReleaseSRWLockExclusive")
def ReleaseSRWLockExclusive(k, t, srw):
    lock = _lock(k, t, srw, SRW, "ReleaseSRWLockExclusive")
    if lock.owner is None:
        _misuse(t, f"ReleaseSRWLockExclusive of {lock.display}, which is {lock.held_by()}, not held exclusively: "
                   "Windows raises STATUS_RESOURCE_NOT_OWNED (0xC0000264), which ends the process unless it is "
                   "handled (L8)")
    if lock.owner is not t:
        _misuse(t, f"ReleaseSRWLockExclusive by {t.name} of {lock.display}, which {lock.owner.name} acquired: an "
                   "SRW lock must be released by the thread that acquired it — Windows does not check, and "
                   "the lock no longer protects anything (L8)")
    lock.owner = None
    k.emit("lock", t, "{thread} releases {lock} (exclusive): it is free", lock=lock.display,
           why=f"{len(lock.waiters)} waiting" if lock.waiters else "")
    _released(k, lock)


@syscall("ReleaseSRWLockShared")
def ReleaseSRWLockShared(k, t, srw):
    lock = _lock(k, t, srw, SRW, "ReleaseSRWLockShared")
    if not lock.shared:
        _misuse(t, f"ReleaseSRWLockShared of {lock.display}, which is {lock.held_by()}, not held shared: "
                   "Windows raises STATUS_RESOURCE_NOT_OWNED (0xC0000264), which ends the process unless it is "
                   "handled (L8)")
    if t not in lock.shared:
        _misuse(t, f"ReleaseSRWLockShared by {t.name} of {lock.display}, which is {lock.held_by()}: an SRW lock "
                   "must be released by the thread that acquired it — Windows does not check (L8)")
    lock.shared.remove(t)
    if lock.shared:
        k.emit("lock", t, "{thread} releases {lock} (shared): readers left: {readers}", lock=lock.display,
               readers=", ".join(r.name for r in lock.shared), why="the lock is free when its last reader leaves")
        return
    k.emit("lock", t, "{thread} releases {lock} (shared): it is free", lock=lock.display,
           why=f"the last reader left; {len(lock.waiters)} waiting" if lock.waiters else "the last reader left")
    _released(k, lock)


# --- thread exit, footprints ---------------------------------------------------------------

@at_exit("signal")
def _holder_exits(k, t):
    """A thread that ends holding a lock leaves it held: its waiters wait for ever (L10)."""
    for lock in k.locks.values():
        if lock.owner is t or t in lock.shared:
            k.emit("lock", t, "{thread} exits holding {lock}: it stays held", lock=lock.display,
                   why="nothing releases a lock when its owner ends; on Windows the lock's state is undefined "
                       "and its waiters wait for ever (L10)")


LOCK_CALLS = frozenset({
    "InitializeCriticalSection", "InitializeCriticalSectionAndSpinCount", "EnterCriticalSection",
    "TryEnterCriticalSection", "LeaveCriticalSection", "DeleteCriticalSection", "InitializeSRWLock",
    "AcquireSRWLockExclusive", "AcquireSRWLockShared", "ReleaseSRWLockExclusive", "ReleaseSRWLockShared",
    "TryAcquireSRWLockExclusive", "TryAcquireSRWLockShared",
})


def footprint(k, call):
    """The lock a pending call reads and writes, for partial-order reduction (issue 12), or None.

    Every lock call reads and writes its lock; two lock calls conflict exactly
    when they name the same structure.  The key is the lock's display name once
    it is initialised (stable across runs of one schedule), else the structure.
    """
    if call.name not in LOCK_CALLS or not call.args:
        return None
    lock = k.locks.get(id(call.args[0]))
    return ("lock", lock.display if lock is not None else id(call.args[0]))
