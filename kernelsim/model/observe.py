"""What a library above the Win32 surface shows of itself: its own trace rows and its own panel.

Not a Windows object.  The course's network library (netlib, layer 3) is
written against the Win32 surface only, so it cannot reach the kernel's trace;
these two kernelsim helpers let it show the state each race lesson is about:

* ``narrate(kind, template, why, **fields)`` emits a trace row in the calling
  thread — "W1 releases session 0x10000 ..." — whose file and line are the
  library's own (the Call records where it was made);
* ``watch("sessions", rows)`` adds ``rows()`` to every snapshot from then on,
  as ``Snapshot.sessions`` (``trace.SessionView``): id, IOCount, release and
  send flags, ring buffer use, pending I/O.

Both are ``instant``: they run inside the step of the call before them, so
instrumenting the library adds no scheduling point (the explorer's schedules
are unchanged).  A live backend ignores them.
"""

from ..trace import SessionView
from .services import ScenarioError, syscall

PANELS = {"sessions": SessionView}


@syscall("narrate", instant=True)
def narrate(k, t, kind, template, why="", **fields):
    call = t.call
    try:
        template.format(thread=t.name, **fields)
    except (KeyError, IndexError, ValueError, TypeError) as exc:
        raise ScenarioError(call.file, call.line, f"narrate: the template {template!r} cannot be filled in: "
                                                  f"{type(exc).__name__}: {exc}") from None
    if k.trace.recording:
        k.emit(str(kind), t, template, why=why, **fields)
    return None


@syscall("watch", instant=True)
def watch(k, t, panel, rows):
    row_type = PANELS.get(panel)
    call = t.call
    if row_type is None:
        raise ScenarioError(call.file, call.line, f"watch: no panel {panel!r} (known: {', '.join(PANELS)})")
    if not callable(rows):
        raise ScenarioError(call.file, call.line, "watch: rows must be a function returning a list of dicts")
    k.watchers.append((row_type, rows))
    return True
