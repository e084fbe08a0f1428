"""Trace events and immutable snapshots: the only things the UI reads (DESIGN §5).

The model appends one ``Event`` per thing that happened (a call executed, a
thread woken, a packet queued...) and, when asked to, an immutable ``Snapshot``
of everything a student can see at that moment.  Time travel in the stepper is
an index into the snapshot list.  The text of an event is formatted lazily, so
a run that nobody reads (a benchmark, the explorer) pays little for it.

Snapshots share structure (issue 13).  Copying every thread, packet and IRP at
every event made a run with 1,000 waiting threads quadratic (30 s, 1.3 GB for
its last step).  Instead the model *touches* an object when something a
student sees of it changes, and ``Recorder.snapshot`` asks only the touched
objects for a new view.  Each panel is a ``Rows``: an immutable sequence stored
as a tuple of chunks of ``CHUNK`` rows, so a new version copies one chunk and
the chunk index, and a panel nothing touched is the very same object as in the
step before (consumers may compare panels with ``is``).  A port's packet queue
is a ``Window`` on an append-only log of packet descriptions.  Recording costs
memory in proportion to what changed, and ``Recorder`` stops recording, with a
warning, once its estimate passes a budget (``CONFIG["snapshot_mb"]``).
"""

from itertools import chain, islice
from typing import NamedTuple

CHUNK = 64                   # rows per chunk of a Rows panel


class Event:
    """One thing that happened: when, in which thread, what, and why."""

    __slots__ = ("seq", "time", "kind", "thread", "template", "why", "file", "line", "fields")

    def __init__(self, seq, time, kind, thread, template, why, file, line, fields):
        self.seq = seq
        self.time = time
        self.kind = kind
        self.thread = thread
        self.template = template
        self.why = why
        self.file = file
        self.line = line
        self.fields = fields

    @property
    def text(self):
        return self.template.format(thread=self.thread, **self.fields)

    def to_json(self):
        out = {"seq": self.seq, "time": round(self.time, 6), "kind": self.kind, "thread": self.thread,
               "text": self.text, "why": self.why, "line": self.line}
        for key, value in self.fields.items():
            out.setdefault(key, jsonable(value))
        return out

    def __repr__(self):
        return f"<{self.seq} {self.time:g}ms {self.thread} {self.text}>"


def jsonable(value):
    """A JSON-safe rendering of a field value (handles, bytes, OVERLAPPEDs...)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (bytes, bytearray)):
        return value.decode("latin-1")
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return repr(value)


class ThreadView(NamedTuple):
    name: str
    handle: int
    state: str           # running, ready, waiting, terminated
    waits_on: str        # what it is blocked on ("" unless waiting)
    alertable: bool
    apcs: tuple          # queued user APCs, oldest first
    port: str            # the port it is associated with ("" if none)
    line: int            # the scenario line of its current call


class PortView(NamedTuple):
    handle: int
    packets: tuple       # queued packets, oldest (next to be dequeued) first
    waiters: tuple       # threads blocked in GQCS, the next to be released first
    current: int         # CurrentCount: associated threads running
    maximum: int         # MaximumCount: NumberOfConcurrentThreads
    closed: bool
    lifo: bool = True    # waiters are released newest first (Windows); False: oldest first (Wine 8)


class IrpView(NamedTuple):
    id: int
    op: str
    thread: str
    socket: int
    state: str
    pages: int
    nbytes: int


class SocketView(NamedTuple):
    handle: int
    state: str
    buffered: int        # bytes received and not yet read
    send_queued: int     # bytes accepted for sending, not yet on the wire
    port: int


class LockView(NamedTuple):
    name: str            # "critical section 'session'", "SRW lock srw1"
    kind: str            # "critical section" or "SRW lock"
    state: str           # free, held, deleted
    owner: str           # the owner / exclusive holder ("" if none)
    recursion: int       # critical section: RecursionCount
    readers: tuple       # SRW lock: the shared holders
    waiters: tuple       # blocked, the longest waiting first ("T2 (shared)" for an SRW lock)
    woken: tuple         # woken by a release to compete for it, not yet run (L9)


class SessionView(NamedTuple):
    """One session of the course's network library (netlib), as the library shows it (``watch``)."""

    id: str              # the SessionID content knows it by (index + generation << 16 when fixed)
    index: int           # the slot in the session array
    generation: int      # how many times the slot has been used
    sock: int            # its socket handle (INVALID_SOCKET when the slot is free)
    io_count: int        # IOCount without the release flag
    released: bool       # the release flag (set: released, or a free slot)
    send_flag: int       # 1 while a WSASend is outstanding ("Send 1회로 제한")
    recv_used: str       # RecvQ bytes in use / size
    send_used: str       # SendQ bytes in use / size
    pending: tuple       # the session's overlapped I/O still in the kernel ("recv", "send")


class PoolView(NamedTuple):
    npp_bytes: int
    npp_limit: int
    locked_pages: int
    locked_pages_limit: int


# --- panels that share structure ---------------------------------------------------

class Rows:
    """An immutable sequence of view rows, stored as a tuple of chunks (tuples of rows, None for a hole).

    It behaves as a tuple for reading (len, iteration, indexing, slicing, ==,
    ``reversed``); versions made by one ``RowsBuilder`` share their unchanged chunks.
    """

    __slots__ = ("chunks", "count", "holes", "backwards")

    def __init__(self, chunks=(), count=0, holes=False, backwards=False):
        self.chunks = chunks
        self.count = count
        self.holes = holes
        self.backwards = backwards

    def __len__(self):
        return self.count

    def __iter__(self):
        if self.backwards:
            return self._backward()
        rows = chain.from_iterable(self.chunks)
        return (r for r in rows if r is not None) if self.holes else rows

    def _backward(self):
        for chunk in reversed(self.chunks):
            for row in reversed(chunk):
                if row is not None:
                    yield row

    def __reversed__(self):
        return iter(Rows(self.chunks, self.count, self.holes, not self.backwards))

    def reverse(self):
        """The same rows in the opposite order (sharing every chunk)."""
        return Rows(self.chunks, self.count, self.holes, not self.backwards)

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(self.count)
            if step == 1:
                return tuple(islice(self, start, max(start, stop)))
            return tuple(self)[index]
        n = self.count
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("Rows index out of range")
        if not self.holes:
            if self.backwards:
                index = n - 1 - index
            return self.chunks[index // CHUNK][index % CHUNK]
        return next(islice(self, index, None))

    def __bool__(self):
        return self.count > 0

    def changed_since(self, old):
        """The rows in chunks that are not the very chunk ``old`` had at that place: every row that
        changed or appeared since ``old`` (and some neighbours), in O(chunks) for the unchanged part.
        Rows removed since ``old`` are not reported; with anything but an older Rows, all rows."""
        if not isinstance(old, Rows) or old.backwards or self.backwards:
            return iter(self)
        before = old.chunks
        fresh = (c for i, c in enumerate(self.chunks) if i >= len(before) or c is not before[i])
        return (r for r in chain.from_iterable(fresh) if r is not None)

    def __eq__(self, other):
        if self is other:
            return True
        if isinstance(other, Rows):
            if self.chunks is other.chunks and self.backwards == other.backwards:
                return True
        elif not isinstance(other, (tuple, list, Window)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    def __hash__(self):
        return hash(tuple(self))

    def __repr__(self):
        return f"Rows({list(self)!r})"


EMPTY_ROWS = Rows()


class Window:
    """Rows ``start:stop`` of an append-only list: a FIFO's contents at one instant, in O(1)."""

    __slots__ = ("log", "start", "stop")

    def __init__(self, log, start, stop):
        self.log, self.start, self.stop = log, start, stop

    def __len__(self):
        return self.stop - self.start

    def __iter__(self):
        return islice(self.log, self.start, self.stop)

    def __reversed__(self):
        return reversed(self.log[self.start:self.stop])

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self.log[self.start:self.stop][index])
        n = self.stop - self.start
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("Window index out of range")
        return self.log[self.start + index]

    def __bool__(self):
        return self.stop > self.start

    def __eq__(self, other):
        if isinstance(other, Window) and other.log is self.log:
            return other.start == self.start and other.stop == self.stop or len(self) == len(other) == 0
        if not isinstance(other, (tuple, list, Window, Rows)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    def __hash__(self):
        return hash(tuple(self))

    def __repr__(self):
        return f"Window({list(self)!r})"


class RowsBuilder:
    """The mutable side of one panel: rows by key, in the order keys first appeared.

    ``put(key, row)`` adds or replaces a row, ``put(key, None)`` removes it;
    ``build()`` returns a ``Rows`` that copies only the chunks changed since the
    last build (and the chunk index).  Removed rows leave holes that are squeezed
    out once they outnumber the rows.
    """

    __slots__ = ("slots", "keys", "live", "frozen", "dirty", "count", "current", "cost")

    def __init__(self):
        self.slots = {}          # key -> slot number
        self.keys = []           # slot -> key (None for a hole)
        self.live = []           # mutable chunks: lists of rows
        self.frozen = []         # the last built tuple of each chunk
        self.dirty = set()       # chunks changed since the last build
        self.count = 0
        self.current = EMPTY_ROWS
        self.cost = 0            # estimated bytes the built versions hold

    def put(self, key, row):
        slot = self.slots.get(key)
        if slot is None:
            if row is None:
                return
            slot = self.slots[key] = len(self.keys)
            self.keys.append(key)
            if slot % CHUNK == 0:
                self.live.append([])
                self.frozen.append(())
            self.live[-1].append(row)
            self.count += 1
        elif row is None:
            del self.slots[key]
            self.keys[slot] = None
            self.live[slot // CHUNK][slot % CHUNK] = None
            self.count -= 1
        else:
            self.live[slot // CHUNK][slot % CHUNK] = row
        self.dirty.add(slot // CHUNK)

    def _squeeze(self):
        rows = [r for chunk in self.live for r in chunk if r is not None]
        keys = [key for key in self.keys if key is not None]
        self.slots = {key: i for i, key in enumerate(keys)}
        self.keys = keys
        self.live = [rows[i:i + CHUNK] for i in range(0, len(rows), CHUNK)]
        self.frozen = [()] * len(self.live)
        self.dirty = set(range(len(self.live)))

    def build(self):
        if not self.dirty:
            return self.current
        holes = len(self.keys) - self.count
        if holes > CHUNK and holes > self.count:
            self._squeeze()
            holes = 0
        frozen, live = self.frozen, self.live
        for i in self.dirty:
            frozen[i] = tuple(live[i])
            self.cost += 56 + 8 * len(frozen[i])
        self.dirty.clear()
        chunks = tuple(frozen)
        self.cost += 120 + 8 * len(chunks)
        self.current = Rows(chunks, self.count, holes > 0)
        return self.current


class Recorder:
    """Incremental snapshots: objects the model touched since the last snapshot give a new view.

    A touched object has ``panel`` (the Snapshot field it is shown in) and
    ``view(kernel)``, which returns its row, or None once it is gone (a freed IRP,
    a closed socket); its row is keyed by the object, or by its ``row_key``.
    ``budget``: the estimated bytes past which the kernel stops recording.
    """

    PANELS = ("threads", "ports", "irps", "sockets", "locks")

    def __init__(self, budget=None):
        self.panels = {name: RowsBuilder() for name in self.PANELS}
        self.dirty = {}                      # touched objects, in the order they were first touched
        self.touch = self.dirty.setdefault   # touch(obj): one dict store, nothing else
        self.budget = budget
        self.stopped = None
        self.rows_made = 0
        self.sessions = ()

    def snapshot(self, k, seq, time, pool, notes):
        dirty = self.dirty
        if dirty:
            panels = self.panels
            for obj in dirty:
                panels[obj.panel].put(getattr(obj, "row_key", obj), obj.view(k))
            self.rows_made += len(dirty)
            dirty.clear()
        p = self.panels
        sessions = ()
        if k.watchers:           # a library's own panel (observe.watch): its rows are asked for at every step
            sessions = tuple(row_type(**row) for row_type, rows in k.watchers for row in rows())
            if sessions == self.sessions:
                sessions = self.sessions
            self.sessions = sessions
        return Snapshot(seq, time, p["threads"].build(), p["ports"].build(), p["irps"].build(),
                        p["sockets"].build(), pool, notes, p["locks"].build(), sessions)

    def cost(self, snapshots):
        """Estimated bytes held by the recorded snapshots (rows ~200 B, chunks and indexes by size)."""
        return (sum(b.cost for b in self.panels.values()) + 200 * self.rows_made + 200 * snapshots)


class Snapshot(NamedTuple):
    """Everything visible after event number ``seq``."""

    seq: int
    time: float
    threads: tuple
    ports: tuple
    irps: tuple
    sockets: tuple
    pool: PoolView
    notes: int
    locks: tuple = ()    # LockView per initialised CRITICAL_SECTION / SRWLOCK, in creation order
    sessions: tuple = ()   # SessionViews, when a library shows its sessions (netlib)

    def thread(self, name):
        return next(t for t in self.threads if t.name == name)

    def to_json(self):
        return {
            "seq": self.seq, "time": round(self.time, 6),
            "threads": [t._asdict() for t in self.threads],
            "ports": [_port_json(p) for p in self.ports],
            "irps": [i._asdict() for i in self.irps],
            "sockets": [s._asdict() for s in self.sockets],
            "pool": self.pool._asdict(), "notes": self.notes,
            "locks": [lock._asdict() for lock in self.locks],
            "sessions": [s._asdict() for s in self.sessions],
        }


def _port_json(port):
    out = port._asdict()
    out["packets"], out["waiters"] = list(port.packets), list(port.waiters)
    return out


class Trace:
    """The list of events, and of snapshots when they are recorded.

    ``stopped``: None, or the number of snapshots kept when the memory guard
    stopped recording (``Recorder``); the steps after it can be rebuilt by
    replaying the run (``kernelsim.scenario.rebuild``).
    """

    REBUILD_WINDOW = 256         # steps rebuilt by one replay

    def __init__(self, events=True, snapshots=True):
        self.recording = events
        self.snapshots_on = snapshots and events
        self.events = []
        self.snapshots = []
        self.stopped = None
        self.rebuild = None          # rebuild(seqs) -> {seq: Snapshot}, set by kernelsim.scenario.run
        self._rebuilt = {}

    def has_snapshots(self):
        """Whether the run recorded snapshots (all of them, or until the memory guard stopped it)."""
        return bool(self.snapshots) or self.stopped is not None

    def snapshot(self, index):
        """The snapshot of step ``index`` (0-based): recorded, or rebuilt by replaying the run past
        the step where the memory guard stopped recording.  The one accessor the UI reads steps by."""
        snaps = self.snapshots
        if index < 0:
            index += len(self.events)
        if 0 <= index < len(snaps):
            return snaps[index]
        if self.stopped is None or self.rebuild is None or not 0 <= index < len(self.events):
            raise IndexError(f"no snapshot of step {index + 1}")
        cache = self._rebuilt
        if index not in cache:
            if len(cache) >= 4 * self.REBUILD_WINDOW:
                cache.clear()
            lo = max(index - index % self.REBUILD_WINDOW, self.stopped)
            cache.update(self.rebuild(range(lo, min(lo + self.REBUILD_WINDOW, len(self.events)))))
        return cache[index]

    def __len__(self):
        return len(self.events)

    def __iter__(self):
        return iter(self.events)

    def __getitem__(self, index):
        return self.events[index]

    def to_json(self):
        return [e.to_json() for e in self.events]
