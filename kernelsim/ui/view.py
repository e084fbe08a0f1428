"""The view: one recorded step → a rich renderable (DESIGN §5: snapshots are all the UI reads).

A *frame* is a ``Snapshot`` (kernelsim.trace) plus the events recorded up to
it and, optionally, the scenario's source.  ``render`` turns a frame into a
rich renderable, and nothing else: it never touches the model, so the stepper,
the Textual TUI, the SVG export and the benchmark all draw the same picture.

Panels (issue 4): the step banner with the event and its *why*; threads (state,
what each waits on, alertable or not, its user-APC queue — C1/C2); every
completion port (packet queue in FIFO order, waiter stack with the newest on
top, CurrentCount/MaximumCount — A2/A4); IRPs (operation, issuing thread,
state, pages locked — B1, E2); memory gauges (non-paged pool and locked pages
against their limits, red near the limit — E1–E5); sockets (state, buffered
bytes); the event log (time, thread, event, why); and the scenario source with
the line that caused the current event highlighted.

Width: at 150 columns or more the state panels and the source/log sit side by
side; below that they stack.  Colour is only ever a second signal: a gauge near
its limit also says "near limit", the current event row is marked "▶", so a
NO_COLOR console (rich honours the variable) loses nothing.
"""

from typing import NamedTuple

from rich import box
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

WIDE = 150               # at this width or more, two columns
LOG_ROWS = 10            # event-log rows shown around the current event
SOURCE_CONTEXT = 4       # source lines shown above and below the current line
MAX_IRP_ROWS = 12        # IRP rows shown; the rest are summarised by state
NEAR_LIMIT = 0.9         # a gauge at or above this fraction of its limit is "near limit"
WARN_LIMIT = 0.75

STATE_STYLE = {"running": "bold green", "ready": "yellow", "waiting": "cyan", "terminated": "dim"}


class Frame(NamedTuple):
    """Everything one picture needs; built by ``frames()`` or by hand (tests, benchmark)."""

    snapshot: object                 # kernelsim.trace.Snapshot
    events: tuple = ()               # every recorded event (only those up to snapshot.seq are shown)
    source: tuple = ()               # the scenario's source lines
    source_file: str = ""            # the path events must carry to point into ``source``
    title: str = ""                  # "name — TITLE"
    step: int = 0                    # 1-based position of this frame
    steps: int = 0                   # number of frames
    notes: tuple = ()                # the run's notes (only the first snapshot.notes are shown)


def frames(scenario, outcome):
    """The frames of a recorded model run, in order (one per trace event)."""
    trace = outcome.trace
    snaps = trace.snapshots if trace is not None else []
    try:
        source = tuple(scenario.source.splitlines())
    except OSError:
        source = ()
    title = f"{scenario.name} — {scenario.title}"
    events = tuple(trace.events) if trace is not None else ()
    notes = tuple(outcome.notes())
    n = len(snaps)
    return [Frame(s, events, source, scenario.path, title, i + 1, n, notes) for i, s in enumerate(snaps)]


def current_event(frame):
    seq = frame.snapshot.seq
    if 0 <= seq < len(frame.events) and frame.events[seq].seq == seq:
        return frame.events[seq]
    return next((e for e in frame.events if e.seq == seq), None)


def render(frame, width=None):
    """The whole picture for one frame.  ``width``: the console width it will be drawn at."""
    width = width or 100
    state = [_threads(frame.snapshot)]
    state += [_port(p) for p in frame.snapshot.ports]
    if frame.snapshot.irps:
        state.append(_irps(frame.snapshot.irps))
    if frame.snapshot.sockets:
        state.append(_sockets(frame.snapshot.sockets))
    state.append(_memory(frame.snapshot.pool, width))
    story = [_source(frame), _log(frame)]
    if frame.notes and frame.snapshot.notes:
        story.append(_notes(frame))
    head = _banner(frame)
    if width >= WIDE:
        grid = Table.grid(expand=True, padding=(0, 1))
        grid.add_column(ratio=1)
        grid.add_column(ratio=1)
        grid.add_row(Group(*state), Group(*story))
        return Group(head, grid)
    return Group(head, *state, *story)


# --- panels ------------------------------------------------------------------------

def _banner(frame):
    snap = frame.snapshot
    event = current_event(frame)
    text = Text()
    if frame.title:
        text.append(frame.title, style="bold")
        text.append("\n")
    where = f"step {frame.step}/{frame.steps}" if frame.steps else f"event {snap.seq}"
    text.append(f"{where}  ·  t = {snap.time:.3f} ms", style="bold")
    if event is not None:
        text.append("\n▶ ")
        if event.thread != "-" and not event.text.startswith(event.thread):
            text.append(f"{event.thread}: ", style="bold")
        text.append(event.text, style="bold reverse")
        if event.why:
            text.append(f"\n  why: {event.why}", style="italic")
    return Panel(text, box=box.HEAVY, padding=(0, 1))


def _threads(snap):
    table = Table(title="threads", title_justify="left", box=box.SIMPLE_HEAD, expand=True,
                  pad_edge=False, show_edge=False)
    table.add_column("thread", no_wrap=True)
    table.add_column("state", no_wrap=True)
    table.add_column("waits on", ratio=2)
    table.add_column("alertable", no_wrap=True)
    table.add_column("APC queue (oldest first)", ratio=2)
    table.add_column("port", no_wrap=True)
    table.add_column("line", justify="right", no_wrap=True)
    for t in snap.threads:
        waiting = t.state == "waiting"
        table.add_row(
            t.name, Text(t.state, style=STATE_STYLE.get(t.state, "")), t.waits_on if waiting else "",
            ("yes" if t.alertable else "no") if waiting else "",
            " → ".join(t.apcs) if t.apcs else "", t.port, str(t.line) if t.line else "",
            style="dim" if t.state == "terminated" else None)
    if not snap.threads:
        table.add_row("(none)", "", "", "", "", "", "")
    return table


def _port(port):
    count = f"running {port.current}/{port.maximum}"
    style = "bold red" if port.current > port.maximum else ("yellow" if port.current == port.maximum else "green")
    title = Text(f"port {port.handle}  ")
    title.append(count, style=style)
    title.append("  (CurrentCount/MaximumCount)", style="dim")
    if port.current > port.maximum:
        title.append("  over maximum (A6)", style="bold red")
    if port.closed:
        title.append("  closed", style="bold red")
    grid = Table(box=box.SIMPLE_HEAD, expand=True, pad_edge=False, show_edge=False)
    grid.add_column("packets (FIFO: next out first)", ratio=1)
    grid.add_column("waiters (stack: newest on top)", ratio=1)
    rows = max(len(port.packets), len(port.waiters), 1)
    for i in range(rows):
        packet = Text("")
        if i < len(port.packets):
            packet = Text(f"{i + 1}. {port.packets[i]}")
            if i == 0:
                packet.append("  ← next", style="bold")
        waiter = Text("")
        if i < len(port.waiters):
            waiter = Text(port.waiters[i], style="cyan")
            if i == 0:
                waiter.append("  ← released next", style="bold")
        if rows == 1 and not port.packets:
            packet = Text("(empty)", style="dim")
        if rows == 1 and not port.waiters:
            waiter = Text("(none)", style="dim")
        grid.add_row(packet, waiter)
    return Panel(grid, title=title, title_align="left", box=box.ROUNDED, padding=(0, 1))


def _irps(irps):
    table = Table(title=f"IRPs ({len(irps)} live)", title_justify="left", box=box.SIMPLE_HEAD,
                  expand=True, pad_edge=False, show_edge=False)
    for name, justify in (("irp", "right"), ("op", "left"), ("thread", "left"), ("socket", "right"),
                          ("state", "left"), ("pages locked", "right"), ("bytes", "right")):
        table.add_column(name, justify=justify, no_wrap=True)
    for irp in irps[:MAX_IRP_ROWS]:
        table.add_row(str(irp.id), irp.op, irp.thread, str(irp.socket), irp.state, str(irp.pages),
                      str(irp.nbytes))
    if len(irps) > MAX_IRP_ROWS:
        rest = irps[MAX_IRP_ROWS:]
        counts = {}
        for irp in rest:
            counts[irp.state] = counts.get(irp.state, 0) + 1
        summary = ", ".join(f"{n} {state}" for state, n in counts.items())
        table.caption = f"… {len(rest)} more: {summary}; {sum(i.pages for i in rest)} pages locked"
        table.caption_justify = "left"
    return table


def _sockets(sockets):
    table = Table(title="sockets", title_justify="left", box=box.SIMPLE_HEAD, expand=True,
                  pad_edge=False, show_edge=False)
    for name, justify in (("socket", "right"), ("state", "left"), ("received, unread", "right"),
                          ("send queued", "right"), ("port", "right")):
        table.add_column(name, justify=justify, no_wrap=True)
    for s in sockets:
        table.add_row(str(s.handle), s.state, f"{s.buffered} B", f"{s.send_queued} B",
                      str(s.port) if s.port else "")
    return table


def gauge_level(used, limit):
    """'ok', 'warn' or 'near' (the last is drawn red and labelled)."""
    if not limit:
        return "ok"
    fraction = used / limit
    if fraction >= NEAR_LIMIT:
        return "near"
    return "warn" if fraction >= WARN_LIMIT else "ok"


def _gauge(label, used, limit, unit, bar_width):
    level = gauge_level(used, limit)
    style = {"ok": "green", "warn": "yellow", "near": "bold red"}[level]
    fraction = min(used / limit, 1.0) if limit else 0.0
    filled = round(fraction * bar_width)
    text = Text(f"{label:<18}")
    text.append("█" * filled, style=style)
    text.append("░" * (bar_width - filled), style="dim")
    text.append(f" {_amount(used, unit)}/{_amount(limit, unit)} {fraction:.0%}")
    if level == "near":
        text.append("  NEAR LIMIT: WSAENOBUFS next (E3–E5)", style="bold red")
    return text


def _amount(n, unit):
    if unit == "B":
        for size, name in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
            if n >= size:
                return f"{n / size:.1f} {name}"
        return f"{n} B"
    return f"{n}"


def _memory(pool, width):
    bar = max(10, min(30, width // 5))
    body = Group(_gauge("non-paged pool", pool.npp_bytes, pool.npp_limit, "B", bar),
                 _gauge("locked pages", pool.locked_pages, pool.locked_pages_limit, "pages", bar))
    return Panel(body, title="memory", title_align="left", box=box.ROUNDED, padding=(0, 1))


def _source(frame):
    event = current_event(frame)
    lines = frame.source
    if not lines:
        return Panel(Text("(no source)", style="dim"), title="source", title_align="left", box=box.ROUNDED)
    line = event.line if event is not None and event.line and event.file == frame.source_file else 0
    centre = line or 1
    lo = max(1, centre - SOURCE_CONTEXT)
    hi = min(len(lines), lo + 2 * SOURCE_CONTEXT)
    lo = max(1, hi - 2 * SOURCE_CONTEXT)
    body = Text(no_wrap=True, overflow="ellipsis")
    digits = len(str(hi))
    for n in range(lo, hi + 1):
        here = n == line
        body.append(f"{'▶' if here else ' '}{n:>{digits}} ", style="bold" if here else "dim")
        body.append(lines[n - 1], style="bold reverse" if here else "")
        if n < hi:
            body.append("\n")
    name = frame.source_file.rsplit("/", 1)[-1] if frame.source_file else "source"
    title = f"{name}, line {line}" if line else f"{name} (this event has no line of its own)"
    return Panel(body, title=title, title_align="left", box=box.ROUNDED, padding=(0, 1))


def _log(frame):
    seq = frame.snapshot.seq
    upto = [e for e in frame.events[max(0, seq - LOG_ROWS + 1): seq + 1]] if frame.events else []
    table = Table(box=box.SIMPLE_HEAD, expand=True, pad_edge=False, show_edge=False)
    table.add_column("", no_wrap=True, width=1)
    table.add_column("time ms", justify="right", no_wrap=True)
    table.add_column("thread", no_wrap=True)
    table.add_column("event", ratio=3)
    table.add_column("why", ratio=2, style="italic")
    for e in upto:
        here = e.seq == seq
        table.add_row("▶" if here else "", f"{e.time:.3f}", e.thread, e.text, e.why,
                      style="bold reverse" if here else None)
    hidden = max(0, seq + 1 - len(upto))
    title = "event log" + (f" ({hidden} earlier)" if hidden else "")
    return Panel(table, title=title, title_align="left", box=box.ROUNDED, padding=(0, 1))


def _notes(frame):
    table = Table(box=box.SIMPLE_HEAD, expand=True, pad_edge=False, show_edge=False)
    table.add_column("time ms", justify="right", no_wrap=True)
    table.add_column("thread", no_wrap=True)
    table.add_column("note")
    for n in frame.notes[:frame.snapshot.notes]:
        fields = " ".join(f"{k}={v!r}" for k, v in n.fields.items())
        table.add_row(f"{n.time:.3f}", n.thread, f"{n.tag} {fields}".strip())
    return Panel(table, title="notes", title_align="left", box=box.ROUNDED, padding=(0, 1))


# --- drawing to text -------------------------------------------------------------------

def console(width=100, color=False, record=False, file=None):
    """A console for off-screen drawing at a fixed width (tests, exports, non-TTY output)."""
    import io
    from rich.console import Console
    return Console(width=width, file=file or io.StringIO(), record=record, force_terminal=color,
                   no_color=not color, color_system="truecolor" if color else None, highlight=False,
                   legacy_windows=False, soft_wrap=False)


def render_text(frame, width=100):
    """The frame as plain text, ``width`` columns wide."""
    con = console(width)
    con.print(render(frame, width))
    return con.file.getvalue()
