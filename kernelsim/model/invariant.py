"""Invariants: claims checked after every step of the model (the race layer, DESIGN §7).

Not a Windows object.  ``invariant(name, check)`` installs ``check`` in
``kernel.invariants``; the kernel calls it after every executed call.  When it
returns a message (or a pair: the name of the rule that broke, a message),
the invariant is broken: the model records a ``violation`` note (invariant
name, detail), emits a trace event at the step that broke it and ends the run
there — as a use-after-free would end a real server — so the
explorer can report it and ``--schedule`` replays stop at the same step.
The step in which ``main`` returns is checked too: invariants about progress
(netlib's "every session eventually released") can only be judged then.
"""

from ..outcome import Note
from .services import syscall


@syscall("invariant")
def invariant(k, t, name, check):
    owner = t.name

    def checked(kernel):
        if kernel.ended and kernel.end_reason != "main returned":
            return
        detail = check()
        if detail:
            rule = name
            if isinstance(detail, tuple):          # (the invariant's own name, detail)
                rule, detail = detail
            thread = kernel.current
            kernel.notes.append(Note("violation", thread.name if thread else owner, kernel.now,
                                     {"invariant": rule, "detail": detail}))
            kernel.emit("violation", thread, "INVARIANT BROKEN ({invariant}): {detail}",
                        why="an invariant of the race layer failed at this step (DESIGN §7)",
                        invariant=rule, detail=detail)
            if kernel.ended:                       # broken at the end of the run, when main returned
                kernel.end_reason = "invariant violated"
            kernel.end("invariant violated", f"{rule}: {detail}")

    k.invariants.append(checked)
    k.emit("call", t, "{thread} installs invariant {invariant}", invariant=name)
    return True
