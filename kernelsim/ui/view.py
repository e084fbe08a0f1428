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
bytes); locks (critical sections and SRW locks: owner, RecursionCount, readers, waiters and the
threads woken to compete — L2, L6, L9); the event log (time, thread, event, why); and the scenario source with
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
from rich.cells import cell_len
from rich.text import Text

from ..trace import PoolView, Snapshot
from . import narration

WIDE = 150               # at this width or more, two columns
LOG_ROWS = 10            # event-log rows shown around the current event
SOURCE_CONTEXT = 4       # source lines shown above and below the current line
MAX_IRP_ROWS = 12        # IRP rows shown; the rest are summarised by state
MAX_THREAD_ROWS = 24     # thread rows shown (the event's thread, then running and ready ones first)
MAX_QUEUE_ROWS = 12      # packets and waiters shown per port; the rest are counted
MAX_SOCKET_ROWS = 12     # socket rows shown; the rest are summarised by state
MAX_NOTE_ROWS = 10       # the latest notes shown
NEAR_LIMIT = 0.9         # a gauge at or above this fraction of its limit is "near limit"
WARN_LIMIT = 0.75

_EMPTY_POOL = PoolView(0, 0, 0, 0)

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
    recorded: bool = True            # False: the run kept no snapshots, only events (CONFIG snapshots False)


class Step(NamedTuple):
    """One recorded step of a run, as ``steps()`` yields it."""

    seq: int                         # the trace event this step shows
    time: float
    snapshot: object                 # kernelsim.trace.Snapshot, or None when the run kept no snapshots
    notes: int                       # how many of the run's notes had been made by then


def steps(outcome):
    """The steps of a run, in order: the one accessor through which the exporters read a run.

    Snapshots come from ``Trace.snapshot(i)`` (recorded, sharing structure, or
    rebuilt by replay where the memory guard stopped recording).  A run recorded
    without snapshots (CONFIG snapshots=False) still has one step per event, with
    ``snapshot`` None and the notes counted by time.
    """
    trace = outcome.trace
    if trace is None:
        return
    if trace.has_snapshots():
        for i in range(len(trace.events)):
            s = trace.snapshot(i)
            yield Step(s.seq, s.time, s, s.notes)
        return
    notes = outcome.notes()
    seen = 0
    for e in trace.events:
        while seen < len(notes) and notes[seen].time <= e.time:
            seen += 1
        yield Step(e.seq, e.time, None, seen)


def step_count(outcome):
    """The number of steps of a run: one per trace event."""
    trace = outcome.trace
    return 0 if trace is None else len(trace.events)


class Frames:
    """The frames of a recorded run, one per trace event, made when asked for (a Frame is a handful of
    references, its snapshot shared with its neighbours').  Indexing and slicing work as on a list;
    ``events`` are the run's events (frame i shows event i), for searching without building frames."""

    def __init__(self, trace, events, source, path, title, notes):
        self.trace = trace
        self.events = events
        self.source = source
        self.path = path
        self.title = title
        self.notes = notes
        self.recorded = trace is not None and trace.has_snapshots()
        self._seen = None

    def __len__(self):
        return len(self.events)

    def __iter__(self):
        return (self[i] for i in range(len(self.events)))

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self.events)))]
        n = len(self.events)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("no such step")
        if self.recorded:
            snap = self.trace.snapshot(index)
            return Frame(snap, self.events, self.source, self.path, self.title, index + 1, n, self.notes)
        e = self.events[index]
        return Frame(Snapshot(e.seq, e.time, (), (), (), (), _EMPTY_POOL, self._notes_by(index)), self.events,
                     self.source, self.path, self.title, index + 1, n, self.notes, recorded=False)

    def _notes_by(self, index):
        """Notes made by event ``index`` (a run without snapshots counts them by time)."""
        if self._seen is None:
            seen, counts, notes = 0, [], self.notes
            for e in self.events:
                while seen < len(notes) and notes[seen].time <= e.time:
                    seen += 1
                counts.append(seen)
            self._seen = counts
        return self._seen[index]


def scenario_source(scenario):
    """(path, lines) of the file the scenario's threads run in: its own file, or for a twin (a fixed
    variant made from its broken sibling) the sibling's, where its calls' lines point."""
    main = getattr(scenario, "main", None)
    path = getattr(getattr(main, "__code__", None), "co_filename", None)
    if path and path != scenario.path:
        lines = _library_lines(path)
        if lines:
            return path, lines
    try:
        return scenario.path, tuple(scenario.source.splitlines())
    except OSError:
        return scenario.path, ()


def frames(scenario, outcome):
    """The frames of a recorded model run, in order (one per trace event), as a lazy ``Frames``."""
    trace = outcome.trace
    path, source = scenario_source(scenario)
    title = f"{scenario.name} — {scenario.title}"
    events = tuple(trace.events) if trace is not None else ()
    return Frames(trace, events, source, path, title, tuple(outcome.notes()))


def current_event(frame):
    seq = frame.snapshot.seq
    if 0 <= seq < len(frame.events) and frame.events[seq].seq == seq:
        return frame.events[seq]
    return next((e for e in frame.events if e.seq == seq), None)


def render(frame, width=None):
    """The whole picture for one frame.  ``width``: the console width it will be drawn at."""
    width = width or 100
    wide = width >= WIDE
    col = (width - 1) // 2 if wide else width
    snap = frame.snapshot
    if not frame.recorded:
        state = [Panel(Text("This run kept no snapshots (CONFIG snapshots=False: too many objects to copy "
                            "at every step), so only the event log and the source step.", style="italic"),
                       title="state not recorded", title_align="left", box=box.ROUNDED)]
        story = [_source(frame), _log(frame, col - 4)]
        if wide:
            grid = Table.grid(expand=True, padding=(0, 1))
            grid.add_column(ratio=1)
            grid.add_column(ratio=1)
            grid.add_row(Group(*state), Group(*story))
            return Group(_banner(frame), grid)
        return Group(_banner(frame), *state, *story)
    event = current_event(frame)
    state = [_threads(snap, col, event.thread if event is not None else None)]
    state += [_port(p, col - 4) for p in snap.ports]
    if snap.irps:
        state.append(_irps(snap.irps, col))
    if snap.sockets:
        state.append(_sockets(snap.sockets, col))
    if snap.locks:
        state.append(_locks(snap.locks, col))
    if snap.sessions:
        state.append(_sessions(snap.sessions, col))
    state.append(_memory(snap.pool, col))
    story = [_source(frame), _log(frame, col - 4)]
    if frame.notes and snap.notes:
        story.append(_notes(frame, col - 4))
    head = _banner(frame)
    if wide:
        grid = Table.grid(expand=True, padding=(0, 1))
        grid.add_column(ratio=1)
        grid.add_column(ratio=1)
        grid.add_row(Group(*state), Group(*story))
        return Group(head, grid)
    return Group(head, *state, *story)


# --- a fast table -------------------------------------------------------------------
# rich's Table measures and renders every cell as a renderable; for 64 threads and a
# dozen IRPs that alone costs ~60 ms.  The panels are simple grids of short strings,
# so they are laid out here as one Text: fixed columns, the flexible ones shrunk to fit,
# an over-long cell in the last column wrapped onto continuation lines.

def _grid(columns, rows, width, title=None, caption=None):
    """columns: [(header, justify, flex)]; rows: [(cells, row_style)] where a cell is str or (str, style)."""
    gap = 2
    n = len(columns)
    texts = [[c if isinstance(c, tuple) else (c, "") for c in cells] for cells, _ in rows]
    natural = [cell_len(h) for h, _, _ in columns]
    for cells in texts:
        for i, (value, _) in enumerate(cells):
            length = cell_len(value)
            if length > natural[i]:
                natural[i] = length
    widths = list(natural)
    room = width - gap * (n - 1)
    excess = sum(widths) - room
    # the last flexible column gives way first (the "why" before the event, the APC queue
    # before "waits on"), down to 16 columns; then the others, down to 8.
    for floor in (16, 8):
        for i in reversed([i for i, (_, _, f) in enumerate(columns) if f]):
            if excess <= 0:
                break
            cut = min(excess, max(0, widths[i] - floor))
            widths[i] -= cut
            excess -= cut
    out = Text(no_wrap=True, overflow="crop")
    if title:
        out.append(title, style="bold")
        out.append("\n")
    _grid_line(out, [(h, "bold") for h, _, _ in columns], columns, widths, gap, None)
    out.append("\n")
    out.append("─" * min(width, sum(widths) + gap * (n - 1)), style="dim")
    for cells, (_, style) in zip(texts, rows):
        out.append("\n")
        _grid_line(out, cells, columns, widths, gap, style)
    if caption:
        out.append("\n")
        out.append(caption, style="dim")
    return out


def _grid_line(out, cells, columns, widths, gap, row_style):
    overflow = []
    for i, (value, style) in enumerate(cells):
        w = widths[i]
        length = cell_len(value)
        last = i == len(cells) - 1
        if length > w:
            if last and columns[i][2]:
                overflow = _wrap(value, w)
                value = overflow.pop(0)
            else:
                value = _crop(value, w)
            length = cell_len(value)
        pad = " " * (w - length)
        cell = (pad + value) if columns[i][1] == "right" else (value + ("" if last else pad))
        out.append(cell, style=_join(style, row_style))
        if not last:
            out.append(" " * gap, style=row_style or "")
    indent = sum(widths[:-1]) + gap * (len(widths) - 1)
    for more in overflow:
        out.append("\n" + " " * indent)
        out.append(more, style=_join(cells[-1][1], row_style))


def _join(a, b):
    return f"{a} {b}".strip() if a and b else (a or b or "")


def _crop(value, w):
    if w <= 1:
        return value[:w]
    while cell_len(value) > w - 1:
        value = value[:-1]
    return value + "…"


def _wrap(value, w):
    import textwrap
    lines = textwrap.wrap(value, max(w, 4)) or [""]
    return [_crop(line, w) if cell_len(line) > w else line for line in lines]


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
        words, why = narration.text(event), narration.why(event)
        if event.thread != "-" and not words.startswith(event.thread):
            text.append(f"{event.thread}: ", style="bold")
        text.append(words, style="bold reverse")
        if why:
            text.append(f"\n  why: {why}", style="italic")
    return Panel(text, box=box.HEAVY, padding=(0, 1))


THREAD_COLUMNS = [("thread", "left", False), ("state", "left", False), ("waits on", "left", True),
                  ("alertable", "left", False), ("port", "left", False), ("line", "right", False),
                  ("APC queue (oldest first)", "left", True)]


def _shown_threads(threads, focus):
    """At most MAX_THREAD_ROWS threads, in creation order: the event's thread, then running and ready
    ones, then the others — and a caption counting the rest by state.  One pass over the threads."""
    if len(threads) <= MAX_THREAD_ROWS:
        return threads, None
    threads = list(threads)
    first, second, rest = [], [], []            # indexes by priority
    counts = {}
    for i, t in enumerate(threads):
        state = t.state
        counts[state] = counts.get(state, 0) + 1
        if t.name == focus:
            first.append(i)
        elif state in ("running", "ready"):
            if len(second) < MAX_THREAD_ROWS:
                second.append(i)
        elif len(rest) < MAX_THREAD_ROWS:
            rest.append(i)
    keep = sorted((first + second + rest)[:MAX_THREAD_ROWS])
    shown = [threads[i] for i in keep]
    for t in shown:
        counts[t.state] -= 1
    hidden = len(threads) - len(shown)
    summary = ", ".join(f"{n:,} {state}" for state, n in counts.items() if n)
    return shown, f"… {hidden:,} more threads: {summary}"


def _threads(snap, width, focus=None):
    rows = []
    threads, caption = _shown_threads(snap.threads, focus)
    for t in threads:
        waiting = t.state == "waiting"
        rows.append(([t.name, (t.state, STATE_STYLE.get(t.state, "")), t.waits_on if waiting else "",
                      ("yes" if t.alertable else "no") if waiting else "", t.port,
                      str(t.line) if t.line else "", " → ".join(t.apcs)],
                     "dim" if t.state == "terminated" else None))
    if not rows:
        rows.append((["(none)", "", "", "", "", "", ""], "dim"))
    title = f"threads ({len(snap.threads):,})" if caption else "threads"
    return _grid(THREAD_COLUMNS, rows, width, title=title, caption=caption)


def _port(port, width):
    count = f"running {port.current}/{port.maximum}"
    style = "bold red" if port.current > port.maximum else ("yellow" if port.current == port.maximum else "green")
    title = Text(f"port {port.handle}  ")
    title.append(count, style=style)
    title.append("  (CurrentCount/MaximumCount)", style="dim")
    if port.current > port.maximum:
        title.append("  over maximum (A6)", style="bold red")
    if port.closed:
        title.append("  closed", style="bold red")
    half = max(10, (width - 2) // 2)
    rows = []
    packets = port.packets[:MAX_QUEUE_ROWS]                   # a slice of shared rows: O(rows shown)
    waiters = port.waiters[:MAX_QUEUE_ROWS]
    for i in range(max(len(packets), len(waiters), 1)):
        if i < len(packets):
            packet = (f"{i + 1}. {packets[i]}" + ("  ← next" if i == 0 else ""), "bold" if i == 0 else "")
        else:
            packet = ("(empty)", "dim") if i == 0 else ""
        if i < len(waiters):
            waiter = (waiters[i] + ("  ← released next" if i == 0 else ""), "bold cyan" if i == 0 else "cyan")
        else:
            waiter = ("(none)", "dim") if i == 0 else ""
        rows.append(([packet, waiter], None))
    more_packets = len(port.packets) - len(packets)
    more_waiters = len(port.waiters) - len(waiters)
    if more_packets or more_waiters:
        rows.append(([(f"… {more_packets:,} more packets" if more_packets else "", "dim"),
                      (f"… {more_waiters:,} more waiters" if more_waiters else "", "dim")], None))
    order = "stack: newest on top" if getattr(port, "lifo", True) else "FIFO: oldest first (Wine 8)"
    columns = [("packets (FIFO: next out first)".ljust(half), "left", True),
               (f"waiters ({order})", "left", True)]
    body = _grid(columns, rows, width)
    return Panel(body, title=title, title_align="left", box=box.ROUNDED, padding=(0, 1))


IRP_COLUMNS = [("irp", "right", False), ("op", "left", False), ("thread", "left", False),
               ("socket", "right", False), ("state", "left", True), ("pages locked", "right", False),
               ("bytes", "right", False)]


def _irps(irps, width):
    rows = [([str(i.id), i.op, i.thread, str(i.socket), i.state, str(i.pages), str(i.nbytes)], None)
            for i in irps[:MAX_IRP_ROWS]]
    caption = None
    if len(irps) > MAX_IRP_ROWS:
        rest = irps[MAX_IRP_ROWS:]
        counts = {}
        for irp in rest:
            counts[irp.state] = counts.get(irp.state, 0) + 1
        summary = ", ".join(f"{n} {state}" for state, n in counts.items())
        caption = f"… {len(rest)} more: {summary}; {sum(i.pages for i in rest)} pages locked"
    return _grid(IRP_COLUMNS, rows, width, title=f"IRPs ({len(irps)} live)", caption=caption)


SOCKET_COLUMNS = [("socket", "right", False), ("state", "left", True), ("received, unread", "right", False),
                  ("send queued", "right", False), ("port", "right", False)]


def _sockets(sockets, width):
    shown = sockets[:MAX_SOCKET_ROWS]
    rows = [([str(s.handle), s.state, f"{s.buffered} B", f"{s.send_queued} B", str(s.port) if s.port else ""],
             None) for s in shown]
    caption = None
    if len(sockets) > len(shown):
        counts = {}
        for s in sockets[MAX_SOCKET_ROWS:]:
            counts[s.state] = counts.get(s.state, 0) + 1
        caption = f"… {len(sockets) - len(shown):,} more: " + ", ".join(f"{n:,} {state}" for state, n in counts.items())
    return _grid(SOCKET_COLUMNS, rows, width, title=f"sockets ({len(sockets):,})" if caption else "sockets",
                 caption=caption)


LOCK_COLUMNS = [("lock", "left", True), ("state", "left", False), ("owner", "left", False),
                ("recursion", "right", False), ("readers", "left", True), ("waiters (longest first)", "left", True),
                ("woken", "left", True)]


def _locks(locks, width):
    """Critical sections and SRW locks: who holds each, who waits, who was woken to compete (L2, L6, L9)."""
    rows = []
    for lock in locks:
        held = lock.state == "held"
        rows.append(([lock.name, (lock.state, "bold yellow" if held else ("dim" if lock.state == "deleted" else "")),
                      lock.owner, str(lock.recursion) if lock.owner and lock.kind == "critical section" else "",
                      ", ".join(lock.readers), (" → ".join(lock.waiters), "cyan"), ", ".join(lock.woken)],
                     "dim" if lock.state == "deleted" else None))
    return _grid(LOCK_COLUMNS, rows, width, title="locks")


SESSION_COLUMNS = [("id", "left", False), ("slot", "right", False), ("gen", "right", False),
                   ("sock", "right", False), ("IOCount", "right", False), ("released", "left", False),
                   ("send", "right", False), ("RecvQ", "right", False), ("SendQ", "right", False),
                   ("pending", "left", True)]


def _sessions(sessions, width):
    """netlib's sessions: what IOCount, the release flag and the send flag say at this step."""
    rows = []
    for s in sessions:
        rows.append(([s.id, str(s.index), str(s.generation), str(s.sock) if 0 <= s.sock < 1 << 24 else "-",
                      (str(s.io_count), "bold" if s.io_count else ""),
                      ("YES", "bold red") if s.released else "no",
                      (str(s.send_flag), "bold yellow" if s.send_flag else ""),
                      s.recv_used, s.send_used, ", ".join(s.pending)],
                     "dim" if s.released and s.id == "-" else None))
    return _grid(SESSION_COLUMNS, rows, width,
                 title="sessions (netlib): IOCount, release flag, send flag, RecvQ/SendQ use, pending I/O")


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
    body = Text("\n").join([_gauge("non-paged pool", pool.npp_bytes, pool.npp_limit, "B", bar),
                             _gauge("locked pages", pool.locked_pages, pool.locked_pages_limit, "pages", bar)])
    return Panel(body, title="memory", title_align="left", box=box.ROUNDED, padding=(0, 1))


def _source(frame):
    event = current_event(frame)
    lines, path = frame.source, frame.source_file
    if event is not None and event.line and event.file and event.file != frame.source_file:
        other = _library_lines(event.file)          # a row the library (netlib) or a twin scenario made
        if other:
            lines, path = other, event.file
    if not lines:
        return Panel(Text("(no source)", style="dim"), title="source", title_align="left", box=box.ROUNDED)
    line = event.line if event is not None and event.line and event.file == path else 0
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
    name = path.replace("\\", "/").rsplit("/", 1)[-1] if path else "source"
    title = f"{name}, line {line}" if line else f"{name} (this event has no line of its own)"
    return Panel(body, title=title, title_align="left", box=box.ROUNDED, padding=(0, 1))


def _library_lines(path):
    import linecache
    return tuple(line.rstrip("\n") for line in linecache.getlines(path))


def where(event, source_file):
    """The line column of an event: '43' in the scenario, 'fixed.py:207' in another file (the library)."""
    if not event.line:
        return ""
    if not event.file or event.file == source_file:
        return str(event.line)
    return f"{event.file.replace(chr(92), '/').rsplit('/', 1)[-1]}:{event.line}"


LOG_COLUMNS = [("", "left", False), ("time ms", "right", False), ("thread", "left", False),
               ("line", "right", False), ("event", "left", True), ("why", "left", True)]


def _log(frame, width):
    seq = frame.snapshot.seq
    upto = frame.events[max(0, seq - LOG_ROWS + 1): seq + 1] if frame.events else ()
    rows = []
    for e in upto:
        here = e.seq == seq
        rows.append((["▶" if here else " ", f"{e.time:.3f}", e.thread, where(e, frame.source_file),
                      narration.text(e), (narration.why(e), "italic")], "bold reverse" if here else None))
    hidden = max(0, seq + 1 - len(upto))
    title = "event log" + (f" ({hidden} earlier)" if hidden else "")
    return Panel(_grid(LOG_COLUMNS, rows, width), title=title, title_align="left", box=box.ROUNDED,
                 padding=(0, 1))


NOTE_COLUMNS = [("time ms", "right", False), ("thread", "left", False), ("note", "left", True)]


def _notes(frame, width):
    rows = []
    made = frame.snapshot.notes
    for n in frame.notes[max(0, made - MAX_NOTE_ROWS):made]:
        fields = " ".join(f"{k}={v!r}" for k, v in n.fields.items())
        rows.append(([f"{n.time:.3f}", n.thread, f"{n.tag} {fields}".strip()], None))
    earlier = max(0, made - MAX_NOTE_ROWS)
    title = f"notes ({earlier:,} earlier)" if earlier else "notes"
    return Panel(_grid(NOTE_COLUMNS, rows, width), title=title, title_align="left", box=box.ROUNDED,
                 padding=(0, 1))


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
