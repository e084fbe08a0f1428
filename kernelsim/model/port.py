"""KQUEUE: the I/O completion port.

What Windows does (ReactOS ntoskrnl/ke/queue.c, MS-IOCP).  A port is a FIFO of
packets, a list of waiting threads, and two counts: CurrentCount (associated
threads that are running) and MaximumCount (NumberOfConcurrentThreads, or the
number of CPUs for 0).  A thread becomes associated with the port it last
called GQCS on (A7).  Inserting a packet hands it straight to the thread that
waited *last* if CurrentCount < MaximumCount (A2, A4: "stack방식으로 스레드를
깨움"); otherwise it is queued.  GQCS by an associated thread first stops
counting it, then takes the head packet if there is room — even with older
waiters blocked (A3).  An associated thread that blocks anywhere else gives its
slot to a waiter (A5); any wake-up counts it again, so CurrentCount can exceed
MaximumCount for a while (A6).  Exit releases the slot (A8).  A zero timeout
can fail with packets queued (A9).  Closing the port handle wakes waiters with
ERROR_ABANDONED_WAIT_0 (A10).  PQCS allocates a mini-packet (A11, E7).
GQCSEx removes several packets in one call and counts once (A13); alertable, it
runs APCs instead when nothing is available — or, for a thread not yet
associated with this port, even when entries are (C6 with the oracle's
correction).

What we simplify.  The brief un-wait for kernel APCs (C3) does not touch
CurrentCount.  Packets of a deleted port are freed at once.

Profile ``wine`` (WINE.md): waiters are released FIFO, NumberOfConcurrentThreads
is ignored (no CurrentCount limit at all), closing the port wakes nobody, and
GQCSEx returns queued entries even to an unassociated thread with an APC queued.

Rules: A1–A13, C6, F1–F5, E7.
"""

from .. import footprint
from ..win32.constants import (ERROR_ABANDONED_WAIT_0, ERROR_INVALID_HANDLE, ERROR_INVALID_PARAMETER,
                               ERROR_NO_SYSTEM_RESOURCES, INVALID_HANDLE_VALUE,
                               WAIT_IO_COMPLETION, WAIT_TIMEOUT)
from ..win32.structs import OVERLAPPED_ENTRY
from ..trace import PortView, RowsBuilder, Window
from .services import syscall
from .status import dos_error, nt_success
from .sync import signal_object
from .thread import block, start_apcs, unwait

MINI_PACKET_BYTES = 56           # E7: a PQCS packet on x64


class Packet:
    """A completion packet: for I/O it is the IRP itself (E1); for PQCS a mini-packet (E7)."""

    __slots__ = ("key", "overlapped", "status", "nbytes", "irp", "source")

    def __init__(self, key, overlapped, status, nbytes, irp=None, source="post"):
        self.key, self.overlapped, self.status, self.nbytes = key, overlapped, status, nbytes
        self.irp, self.source = irp, source

    def describe(self, k):
        return f"key={self.key} {k.label(self.overlapped)} {self.nbytes}B" + (
            "" if nt_success(self.status) else f" status={self.status:#x}")


class Port:
    panel = "ports"              # the Snapshot field it is shown in

    def __init__(self, k, maximum):
        self.maximum = maximum
        self.current = 0
        self.entries = []            # FIFO; index 0 is the head
        self.head = 0                # entries[head:] are queued (amortised O(1) pops)
        self.waiters = {}            # thread -> request; insertion order = blocking order
        self.threads = {}            # associated threads (a dict: O(1) removal, creation order)
        self.files = 0               # associated file handles (they keep the port alive, A10)
        self.closed = False
        self.wait_list = {}          # WaitForSingleObject on the port handle (oracle 1.15): Wait -> wait block
        self.handle = k.handles.add(self)
        self.limit = k.profile.concurrency_limit
        self.lifo = k.profile.waiter_order == "lifo"
        # What the recorded snapshots show (issue 13), kept only while recording: every packet's
        # description in queue order (the queue is a window on it) and the waiters as shared rows.
        self.shown = self.shown_waiters = None
        self.shown_head = 0
        if k.recorder is not None:
            self.shown = []
            self.shown_waiters = RowsBuilder()
        k.ports.append(self)
        k.touch(self)

    # --- the queue -----------------------------------------------------------

    def depth(self):
        """NtQueryIoCompletion's Depth: queued packets, not waiters (A12)."""
        return len(self.entries) - self.head

    def _pop(self):
        packet = self.entries[self.head]
        self.entries[self.head] = None
        self.head += 1
        self.shown_head += 1
        if self.head > 64 and self.head * 2 > len(self.entries):
            del self.entries[:self.head]
            self.head = 0
        return packet

    def has_room(self):
        return not self.limit or self.current < self.maximum

    def _newest_waiter(self):
        waiters = self.waiters
        return next(reversed(waiters)) if self.lifo else next(iter(waiters))

    # A port handle is signalled while packets are queued (oracle 1.15).
    def is_signalled(self):
        return self.depth() > 0 or self.closed

    def consume(self):
        pass

    # --- insertion (A2) ---------------------------------------------------------

    def insert(self, k, packet):
        """KiInsertQueue: hand the packet to the newest waiter if there is room, else queue it."""
        if footprint.rec is not None:
            footprint.touch(self)
        if self.waiters and (not self.limit or self.current < self.maximum):                  # has_room()
            thread = self._newest_waiter()
            self._deliver(k, thread, [packet], "newest waiter (LIFO) (A2, A4)" if self.lifo else
                          "oldest waiter (Wine 8 releases FIFO) (A2, A4)")
            return
        self.entries.append(packet)
        if self.shown is not None:
            self.shown.append(packet.describe(k))
            k.touch(self)
        if k.tracing:
            why = ("no thread waits" if not self.waiters else
                   f"CurrentCount {self.current} >= MaximumCount {self.maximum}: no room (A2)")
            k.emit("queue", None, "packet {packet} queued on port {port} (depth {depth})", why=why,
                   packet=packet.describe(k), port=self.handle, depth=self.depth())
        if self.wait_list:
            signal_object(k, self)

    def activate_waiter(self, k, why, t):
        """KiActivateWaiterQueue, after CurrentCount was decremented: release a waiter if there is room.
        ``why``: the reason, with {} for t's name."""
        if footprint.rec is not None:
            footprint.touch(self)
        if self.waiters and self.depth() and self.has_room():
            thread = self._newest_waiter()
            self._deliver(k, thread, [self._pop()], why.format(t.name) if k.tracing else "")

    def thread_blocked(self, k, t):
        """A5: an associated thread blocks elsewhere."""
        self.current -= 1
        k.touch(self)
        self.activate_waiter(k, "{} blocked elsewhere, so its slot goes to a waiter (A5)", t)

    def thread_exited(self, k, t):
        """A8."""
        del self.threads[t]
        t.queue = None
        self.current -= 1
        k.touch(self)
        k.touch(t)
        self.activate_waiter(k, "{} exited, so its slot goes to a waiter (A8)", t)

    def detach(self, k, t):
        """A7: t calls GQCS on another port."""
        del self.threads[t]
        t.queue = None
        self.current -= 1
        k.touch(self)
        k.touch(t)
        self.activate_waiter(k, "{} moved to another port, so its slot goes to a waiter (A7)", t)

    # --- removal (A3, A7, A9, A13, C6) -----------------------------------------

    def remove(self, k, t, count, ms, alertable, ex):
        if footprint.rec is not None:
            footprint.touch(self)
            if alertable:
                footprint.touch(t, "apc", footprint.R)
        request = (count, ex)
        if alertable and t.apcs and not self._entries_win_over_apc(k, t):
            result = (False, [])
            return start_apcs(k, t, result, WAIT_IO_COMPLETION)
        self._associate(k, t)
        if len(self.entries) > self.head and (not self.limit or self.current < self.maximum):   # depth, room
            self.current += 1
            k.touch(self)
            packets = [self._pop()] if count == 1 else [self._pop() for _ in range(min(count, self.depth()))]
            if k.tracing:
                k.emit("dequeue", t, "{thread} dequeues {what} at once", what=self._describe(k, packets),
                       why=f"a packet was queued and CurrentCount {self.current - 1} < MaximumCount "
                           f"{self.maximum} (A3)" if self.limit else "a packet was queued (A3)")
            return self._result(k, t, packets, ex)
        if ms == 0:
            self.current += 1
            k.touch(self)
            t.last_error = WAIT_TIMEOUT
            if k.tracing:
                k.emit("timeout", t, "{thread}'s GQCS times out at once", why=self._why_no_packet())
            return (False, []) if ex else (False, 0, 0, None)
        result = block(k, t, f"port {self.handle}", ms, alertable, on_timeout=lambda: self._timeout(t, ex),
                       apc_result=(False, []), apc_error=WAIT_IO_COMPLETION, counts=False,
                       why=self._why_no_packet() if k.tracing else "")
        self.waiters[t] = request
        shown = self.shown_waiters
        if shown is not None:
            shown.put(t, t.name)
            k.touch(self)
        t.wait.unlinks.append(lambda: self._unlink(k, t))
        return result

    def _unlink(self, k, t):
        """t stops waiting on this port (released, timed out, alerted or abandoned)."""
        self.waiters.pop(t, None)
        shown = self.shown_waiters
        if shown is not None:
            shown.put(t, None)
            k.touch(self)

    def _entries_win_over_apc(self, k, t):
        """C6 + oracle 1.9/1.10: queued entries beat a pending APC only for an associated thread."""
        if not self.depth():
            return False
        if k.profile.gqcsex_entries_first:
            return True
        room = not self.limit or self.current - (1 if t.queue is self else 0) < self.maximum
        return t.queue is self and room

    def _associate(self, k, t):
        previous = t.queue
        k.touch(self)
        if previous is self:
            self.current -= 1                                   # A3 step 1
            return
        if previous is not None:
            previous.detach(k, t)                               # A7
        t.queue = self
        self.threads[t] = None
        k.touch(t)

    def _why_no_packet(self):
        if not self.depth():
            return "no packet is queued"
        return f"packets are queued but CurrentCount {self.current} >= MaximumCount {self.maximum} (A3, A9)"

    def _timeout(self, t, ex):
        t.last_error = WAIT_TIMEOUT
        return (False, []) if ex else (False, 0, 0, None)

    def _deliver(self, k, t, packets, why):
        """Wake waiter t with packets (GQCSEx takes more from the queue, up to its count: A13)."""
        count, ex = self.waiters[t]
        while ex and len(packets) < count and self.depth():
            packets.append(self._pop())
        result = self._result(k, t, packets, ex)
        if k.tracing:
            unwait(k, t, result, why, text="{thread} released with {what}", what=self._describe(k, packets))
        else:
            unwait(k, t, result, why)

    def _describe(self, k, packets):
        return ", ".join(p.describe(k) for p in packets)

    def _result(self, k, t, packets, ex):
        """Build GQCS's (ok, nbytes, key, ov) or GQCSEx's (ok, entries); free the packets (E1, E7, B10)."""
        for p in packets:
            if p.irp is not None:
                p.irp.dequeued(k)
            else:
                k.pool.free_npp(MINI_PACKET_BYTES)
        if ex:
            return (True, [OVERLAPPED_ENTRY(p.key, p.overlapped, p.status, p.nbytes) for p in packets])
        p = packets[0]
        if p.status < 0x80000000:                              # nt_success (inlined: every dequeue)
            return (True, p.nbytes, p.key, p.overlapped)
        t.last_error = dos_error(p.status)
        return (False, p.nbytes, p.key, p.overlapped)

    # --- closing (A10) -----------------------------------------------------------

    def close(self, k):
        self.closed = True
        k.touch(self)
        if k.profile.port_close_abandons:
            for t, (count, ex) in list(self.waiters.items()):
                unwait(k, t, (False, []) if ex else (False, 0, 0, None),
                       "the port handle was closed: ERROR_ABANDONED_WAIT_0 (A10)", error=ERROR_ABANDONED_WAIT_0)
        elif k.profile.closed_port_apc_fails:
            for t in self.waiters:                  # Wine 8 (measured live): an APC then fails the wait with 6
                if t.wait is not None and t.wait.alertable:
                    t.wait.apc_fails = ERROR_INVALID_HANDLE
        signal_object(k, self)
        if self.files == 0:
            self._rundown(k)

    def _rundown(self, k):
        """The port object is deleted: queued packets are freed without notification (A10)."""
        while self.depth():
            p = self._pop()
            if p.irp is not None:
                p.irp.dequeued(k, discarded=True)
            else:
                k.pool.free_npp(MINI_PACKET_BYTES)
        for t in self.threads:
            t.queue = None
            k.touch(t)
        self.threads.clear()
        k.touch(self)

    def view(self, k, fresh=False):
        """The port as a student sees it: packets next-out first, waiters released-next first.
        ``fresh``: built from the live queues (the reference the shared, recorded views must equal)."""
        if fresh or self.shown is None:
            waiters = [t.name for t in self.waiters]
            if self.lifo:
                waiters.reverse()
            packets = tuple(self.entries[i].describe(k) for i in range(self.head, len(self.entries)))
            waiters = tuple(waiters)
        else:
            packets = Window(self.shown, self.shown_head, len(self.shown))
            waiters = self.shown_waiters.build()
            if self.lifo:
                waiters = waiters.reverse()
        return PortView(self.handle, packets, waiters, self.current, self.maximum, self.closed, self.lifo)

    def __repr__(self):
        return f"port {self.handle}"

    def fp_key(self):
        return ("port", self.handle)


# --- calls -------------------------------------------------------------------------

def _port(k, t, handle):
    return k.handles.lookup(t, handle, Port, ERROR_INVALID_HANDLE)


@syscall("CreateIoCompletionPort")
def CreateIoCompletionPort(k, t, file_handle, existing, key, concurrency):
    if file_handle == INVALID_HANDLE_VALUE:
        if existing:
            t.last_error = ERROR_INVALID_PARAMETER
            return 0
        port = Port(k, concurrency or k.cpus)                  # A1
        k.emit("call", t, "{thread} creates port {port} with MaximumCount {maximum}", port=port.handle,
               maximum=port.maximum,
               why="NumberOfConcurrentThreads 0 means one per CPU (A1)" if not concurrency else "")
        return port.handle
    obj = k.handles.get(file_handle)
    if obj is None or not hasattr(obj, "associate"):
        t.last_error = ERROR_INVALID_HANDLE
        return 0
    port = k.handles.get(existing, Port) if existing else None
    if existing and port is None:
        t.last_error = ERROR_INVALID_HANDLE
        return 0
    if port is None:
        port = Port(k, concurrency or k.cpus)
    if not obj.associate(k, port, key):
        t.last_error = ERROR_INVALID_PARAMETER
        return 0
    port.files += 1
    k.emit("call", t, "{thread} associates handle {h} with port {port}, key {key}", h=file_handle,
           port=port.handle, key=key, why="NumberOfConcurrentThreads is ignored for an existing port (A1)"
           if existing and concurrency else "")
    return port.handle


@syscall("GetQueuedCompletionStatus")
def GetQueuedCompletionStatus(k, t, handle, ms):
    port = _port(k, t, handle)
    if port is None:
        return (False, 0, 0, None)
    return port.remove(k, t, 1, ms, False, False)


@syscall("GetQueuedCompletionStatusEx")
def GetQueuedCompletionStatusEx(k, t, handle, count, ms, alertable):
    port = _port(k, t, handle)
    if port is None:
        return (False, [])
    if not isinstance(count, int) or count < 1:
        t.last_error = ERROR_INVALID_PARAMETER
        return (False, [])
    return port.remove(k, t, count, ms, bool(alertable), True)


@syscall("PostQueuedCompletionStatus")
def PostQueuedCompletionStatus(k, t, handle, nbytes, key, ov):
    port = _port(k, t, handle)
    if port is None:
        return False
    if not k.pool.alloc_npp(MINI_PACKET_BYTES):
        t.last_error = ERROR_NO_SYSTEM_RESOURCES                # A11, E7
        k.emit("call", t, "{thread}'s PostQueuedCompletionStatus fails: ERROR_NO_SYSTEM_RESOURCES",
               why="no non-paged memory for the mini-packet (A11)")
        return False
    if k.tracing:                        # a label keeps its OVERLAPPED alive: only for a trace someone reads
        k.emit("call", t, "{thread} posts key={key} {ov} {n}B to port {port}", key=key, ov=k.label(ov), n=nbytes,
               port=port.handle)
    port.insert(k, Packet(key, ov, 0, nbytes))
    return True
