"""The wait-for graph: naming a deadlock when every thread waits (L11).

What Windows does.  Nothing: Windows does not look for deadlocks among
user-mode waits.  Threads that wait on each other wait for ever — an SRW lock
wait has no timeout, and EnterCriticalSection raises STATUS_POSSIBLE_DEADLOCK
only after HKLM\\...\\Session Manager\\CriticalSectionTimeout, about 30 days
(MS EnterCriticalSection: "Do not handle a possible deadlock exception;
instead, debug the application").  On Windows one finds them with a debugger
(``!locks``, ``!cs``) or Application Verifier's Locks checks.

What the model adds.  When the run can go no further (every thread waits and
no timer is left), the kernel asks ``find_cycle`` for a cycle in the wait-for
graph: a waiting thread → the object it waits on → the threads that must act
before that wait can end (a lock's owners; a thread object's thread) → …  A
cycle — including a thread that waits on itself, as an SRW lock acquired twice
does (L7) — is a deadlock, and the run ends "deadlock" naming it.  Without a
cycle the run is a "hang": something waits for an event nobody will set, or
for a lock whose owner has exited (L10).

Who calls what.  ``Kernel.run`` calls ``find_cycle(threads)``.  An object takes
part by putting itself in ``wait.data`` with a ``holders(thread)`` method and a
``display`` name (locks.py).  Waits on thread objects take part through
sync.py's wait block ``(thread, objects, wait_all)``: a wait for one thread, or
for all of several, waits on each of them (a wait for any one of several does
not: another may end it).

Rules: L11.
"""

from .thread import Thread


def _edges(t):
    """[(what t waits on, a thread that must act first)] for a waiting thread t."""
    wait = t.wait
    data = wait.data if wait is not None else None
    holders = getattr(data, "holders", None)
    if holders is not None:
        return [(data.display, h) for h in holders(t)]
    if isinstance(data, tuple) and len(data) == 3:          # sync.py's wait block
        _, objects, wait_all = data
        if wait_all or len(objects) == 1:
            return [(f"thread {o.name}", o) for o in objects
                    if isinstance(o, Thread) and o.state != "terminated"]
    return []


def find_cycle(threads):
    """The first wait-for cycle among ``threads`` (in creation order), as text; '' when there is none.

    The text names each thread, what it waits on, and who holds that:
    ``T1 → critical section 'list' → T2 → critical section 'session' → T1``.
    """
    edges = {t: _edges(t) for t in threads if t.wait is not None}
    state = {}                   # thread -> "open" while on the DFS path, "done" after
    path = []                    # (thread, what it waits on), along the DFS path

    def visit(t):
        state[t] = "open"
        for what, holder in edges.get(t, ()):
            path.append((t, what))
            if state.get(holder) == "open":
                start = next(i for i, (u, _) in enumerate(path) if u is holder)
                return " → ".join(f"{u.name} → {w}" for u, w in path[start:]) + f" → {holder.name}"
            if holder not in state:
                found = visit(holder)
                if found:
                    return found
            path.pop()
        state[t] = "done"
        return ""

    for t in threads:
        if t in edges and t not in state:
            found = visit(t)
            if found:
                return found
    return ""
