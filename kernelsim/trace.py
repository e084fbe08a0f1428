"""Trace events and immutable snapshots: the only things the UI reads (DESIGN §5).

The model appends one ``Event`` per thing that happened (a call executed, a
thread woken, a packet queued...) and, when asked to, an immutable ``Snapshot``
of everything a student can see at that moment.  Time travel in the stepper is
an index into the snapshot list.  The text of an event is formatted lazily, so
a run that nobody reads (a benchmark, the explorer) pays little for it.
"""

from typing import NamedTuple


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
            "ports": [p._asdict() for p in self.ports],
            "irps": [i._asdict() for i in self.irps],
            "sockets": [s._asdict() for s in self.sockets],
            "pool": self.pool._asdict(), "notes": self.notes,
            "locks": [lock._asdict() for lock in self.locks],
            "sessions": [s._asdict() for s in self.sessions],
        }


class Trace:
    """The list of events, and of snapshots when they are recorded."""

    def __init__(self, events=True, snapshots=True):
        self.recording = events
        self.snapshots_on = snapshots and events
        self.events = []
        self.snapshots = []

    def __len__(self):
        return len(self.events)

    def __iter__(self):
        return iter(self.events)

    def __getitem__(self, index):
        return self.events[index]

    def to_json(self):
        return [e.to_json() for e in self.events]
