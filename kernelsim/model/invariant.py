"""Invariants: claims checked after every step of the model (the race layer, DESIGN §7).

Not a Windows object.  ``invariant(name, check)`` installs ``check`` in
``kernel.invariants``; the kernel calls it after every executed call.  When it
returns a message, the invariant is broken: the model records a ``violation``
note (invariant name, detail), emits a trace event at the step that broke it
and ends the run there — as a use-after-free would end a real server — so the
explorer can report it and ``--schedule`` replays stop at the same step.
"""

from .kernel import syscall


@syscall("invariant")
def invariant(k, t, name, check):
    from ..outcome import Note
    owner = t.name

    def checked(kernel):
        if kernel.ended:
            return
        detail = check()
        if detail:
            thread = kernel.current
            kernel.notes.append(Note("violation", thread.name if thread else owner, kernel.now,
                                     {"invariant": name, "detail": detail}))
            kernel.emit("violation", thread, "INVARIANT BROKEN ({invariant}): {detail}",
                        why="an invariant of the race layer failed at this step (DESIGN §7)",
                        invariant=name, detail=detail)
            kernel.end("invariant violated", f"{name}: {detail}")

    k.invariants.append(checked)
    k.emit("call", t, "{thread} installs invariant {invariant}", invariant=name)
    return True
