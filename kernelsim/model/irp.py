"""IRP: the I/O request packet, its two-stage completion, cancellation and thread exit.

What Windows does.  An overlapped WSARecv/WSASend becomes an IRP allocated
from non-paged pool (E1); a request that cannot finish at once locks its
buffer's pages with an MDL (E2) and pends (B1, B2: SOCKET_ERROR +
WSA_IO_PENDING).  Completion runs in two stages (B3): stage 1 unlocks the
pages; stage 2 — a special kernel APC to the issuing thread — writes the
OVERLAPPED (Internal = NTSTATUS, InternalHigh = bytes), signals the event, and
then queues the completion routine as a user APC, *or* queues the IRP itself
to the socket's port as the packet, *or* frees it (the decision table B4).  A
request that succeeds at once still notifies (B5) unless the handle has
FILE_SKIP_COMPLETION_PORT_ON_SUCCESS (B6, sticky); an hEvent with its low bit
set suppresses the packet but is still signalled (B8); a completion routine on a
port-associated socket is refused with WSAEINVAL (B9); for a port handle the
OVERLAPPED is written when the packet is dequeued (B10); the same NTSTATUS
surfaces as a Win32 code through GQCS and as a Winsock code through
WSAGetOverlappedResult and completion routines (B11).  CancelIo / CancelIoEx
complete matching pending requests with STATUS_CANCELLED (995) through the
normal path, and CancelIoEx answers ERROR_NOT_FOUND when nothing matched (B12).
When a thread exits, the I/O on its IRP list is cancelled and any completion
routine it would have run is discarded (B13, C8); on Vista and later, I/O that
will complete into a port through a completion value and with no event is
thread-agnostic and survives (oracle 2.16).  Nothing orders completions across
operations except completion time (B14).

What we simplify.  Stage 1 and stage 2 run at the same instant (the model runs
kernel APCs at once, C3).  A synchronous success writes the OVERLAPPED
immediately even on a port socket (the caller has the result in hand).  The
only drivers are AFD's send and receive paths (winsock.py, wire.py); every AFD request is
cancellable.

Who calls what.  winsock.py creates IRPs (``new_irp``), pends them (``pend``),
completes them (``complete``) or fails them synchronously (``fail_sync``);
port.py calls ``dequeued`` when it hands the packet out (or discards it at
rundown); ``cancel_thread_io`` runs at every thread's exit (a thread.py exit hook).

Rules: B1–B14 (with the oracle's B9/B13 corrections), E1, E2, C8.
"""

from ..win32.constants import (ERROR_INVALID_HANDLE, ERROR_INVALID_PARAMETER, ERROR_NOT_FOUND,
                               FILE_SKIP_COMPLETION_PORT_ON_SUCCESS, FILE_SKIP_SET_EVENT_ON_HANDLE,
                               STATUS_CANCELLED, STATUS_PENDING, NT_ERROR, error_name)
from ..trace import IrpView
from .port import Packet
from .services import syscall
from .status import nt_success, wsa_error
from .sync import Event
from .thread import Apc, at_exit, block, queue_user_apc, unwait


class Irp:
    """One I/O request.  ``state``: pending, completed (sync), queued (as a packet), apc, freed."""

    panel = "irps"               # the Snapshot field it is shown in

    __slots__ = ("id", "op", "thread", "sock", "ov", "routine", "bufs", "length", "pages", "mdl",
                 "state", "status", "nbytes", "pending", "sync", "cvalue", "waiters",
                 "accept_sock", "wait")

    def __init__(self, k, t, sock, op, bufs, length, ov, routine, sync):
        k._irp_ids += 1
        self.id = k._irp_ids
        self.op = op
        self.thread = t
        self.sock = sock
        self.ov = ov
        self.routine = routine
        self.bufs = bufs
        self.length = length
        self.pages = 0
        self.mdl = 0
        self.state = "issued"
        self.status = STATUS_PENDING
        self.nbytes = 0
        self.pending = False
        self.sync = sync            # "recv"/"send"/"wsarecv"...: a synchronous call whose thread blocks
        # B8: the completion value (ApcContext) is the OVERLAPPED unless hEvent's low bit is set.
        event = ov.hEvent if ov is not None else None
        self.cvalue = ov if ov is not None and not (isinstance(event, int) and event & 1) else None
        self.waiters = None         # threads in WSAGetOverlappedResult(fWait=TRUE)
        self.wait = None            # the wait of the blocking call (sync) that issued it, once it blocks
        self.accept_sock = None     # AcceptEx: the socket prepared for the connection (acceptex.py)

    @property
    def event_handle(self):
        ov = self.ov
        event = ov.hEvent if ov is not None else None
        return event & ~1 if isinstance(event, int) and event else None

    def dequeued(self, k, discarded=False):
        """The port handed this IRP's packet out (or dropped it at rundown): write the IOSB (B10), free (E1)."""
        if not discarded and k.profile.iosb_written_at == "dequeue":
            write_iosb(self)
        free(k, self)

    def view(self, k):
        if self.state == "freed":
            return None
        return IrpView(self.id, self.op, self.thread.name, self.sock.handle or 0, self.state, self.pages,
                       self.nbytes)

    def __repr__(self):
        return f"<IRP {self.id} {self.op} {self.state}>"

    def fp_key(self):
        return ("irp", self.id)


def new_irp(k, t, sock, op, bufs, length, ov, routine=None, sync=None):
    """B1/E1: allocate an IRP from non-paged pool; None if the pool refuses (WSAENOBUFS)."""
    pool = k.pool
    if not pool.alloc_npp(pool.irp_bytes, "irp"):
        return None
    irp = Irp(k, t, sock, op, bufs, length, ov, routine, sync)
    k.irps[irp] = None
    k.touch(irp)
    return irp


def pend(k, irp):
    """B2/E2: lock the buffer's pages (an MDL per buffer) and mark the IRP pending; False → WSAENOBUFS."""
    pool = k.pool
    pages = mdl = 0
    for b in irp.bufs:
        p = b.pages()
        if p:
            pages += p
            mdl += pool.mdl_bytes(p)
    if pages:
        if not pool.lock(pages):
            return False
        if not pool.alloc_npp(mdl, "mdl"):
            pool.unlock(pages)
            return False
    irp.pages, irp.mdl = pages, mdl
    irp.state = "pending"
    k.touch(irp)
    irp.pending = True
    if irp.ov is not None:
        irp.ov.Internal = STATUS_PENDING              # oracle 2.18: InternalHigh untouched
    # B1, B13: port I/O with a completion value and no event is thread-agnostic (Vista+).
    sock = irp.sock
    agnostic = (k.profile.thread_agnostic_io and sock.port is not None and irp.cvalue is not None
                and irp.event_handle is None and irp.routine is None)
    if not agnostic:
        irp.thread.irps[irp] = None
    return True


def fail_sync(k, irp):
    """A request that fails before it pends: no IOSB, no event, no APC, no packet (B4 'otherwise')."""
    free(k, irp)


def free(k, irp):
    """Give the IRP's pool back.  (Off its thread's list already: complete() took it off, or it never
    pended.)"""
    if irp.state == "freed":
        return
    _unlock(k, irp)
    irp.state = "freed"
    k.touch(irp)
    k.pool.free_npp(k.pool.irp_bytes, "irp")
    del k.irps[irp]
    irp.sock.forget(irp)


def _unlock(k, irp):
    if irp.pages:
        k.pool.unlock(irp.pages)
        irp.pages = 0
    if irp.mdl:
        k.pool.free_npp(irp.mdl, "mdl")
        irp.mdl = 0


def write_iosb(irp):
    ov = irp.ov
    if ov is not None:
        ov.Internal = irp.status
        ov.InternalHigh = irp.nbytes


def complete(k, irp, status, nbytes, why=""):
    """IoCompleteRequest: stage 1 (unlock, B3) then stage 2 (B4) — for a pending or an immediate success."""
    if irp.state not in ("pending", "issued"):
        return
    irp.status, irp.nbytes = status, nbytes
    k.touch(irp)
    _unlock(k, irp)                                                   # stage 1 (B3)
    irp.thread.irps.pop(irp, None)
    sock = irp.sock
    t = irp.thread
    ok = nt_success(status)
    if irp.sync is not None:                                          # a blocking call: wake its thread
        _finish_sync(k, irp, ok)
        return
    if NT_ERROR(status) and not irp.pending:                          # B4: a synchronous error notifies nothing
        free(k, irp)
        return
    port = sock.port
    skip = (not irp.pending and ok and port is not None
            and sock.notify_modes & FILE_SKIP_COMPLETION_PORT_ON_SUCCESS)        # B6
    queue_packet = irp.routine is None and port is not None and irp.cvalue is not None and not skip
    if not (queue_packet and irp.pending and k.profile.iosb_written_at == "dequeue"):  # B10
        write_iosb(irp)
    what = "completes" if irp.pending else "succeeds at once"
    rec = k.trace.recording
    if rec:
        k.emit("irp", t if irp.routine else None,
               "IRP {irp} ({op} on socket {sock}, {ov}) " + what + ": {status}, {n} bytes",
               why=why, irp=irp.id, op=irp.op, sock=sock.handle, ov=k.label(irp.ov),
               status="STATUS_SUCCESS" if status == 0 else error_name(status), n=nbytes)
    if irp.waiters:                                                   # WSAGetOverlappedResult(fWait=TRUE)
        for waiter in irp.waiters:
            if waiter.wait is not None:
                _answer_gor(k, waiter, status, nbytes)
        irp.waiters = None
    if irp.routine is not None:                                       # B4.3 (hEvent not signalled: oracle 3.9)
        irp.state = "apc"
        k.touch(irp)
        routine = irp.routine
        err = wsa_error(status)
        ov = irp.ov

        def deliver(irp=irp):
            free(k, irp)                                              # the APC's kernel routine frees the IRP
            return routine(err, nbytes, ov, 0)

        label = ("{}(err={}, {}B)", getattr(routine, "__name__", "routine"), err, nbytes)
        if not queue_user_apc(k, t, Apc(deliver, (), label, on_discard=lambda _k, irp=irp: free(k, irp))):
            if rec:
                k.emit("irp", t, "completion routine of IRP {irp} dropped: {thread} has ended (C8)", irp=irp.id)
            free(k, irp)
        return
    handle = irp.event_handle                                         # B4.2
    if handle is not None:
        event = k.handles.get(handle, Event)
        if event is not None:
            event.set(k)
    elif not (sock.notify_modes & FILE_SKIP_SET_EVENT_ON_HANDLE and (ok or irp.pending)):
        sock.signal(k)                                                # the file object's own event (B7)
    if queue_packet:                                                  # B4.4: the IRP itself is the packet
        irp.state = "queued"
        k.touch(irp)
        port.insert(k, Packet(sock.key, irp.ov, status, nbytes, irp=irp, source="io"))
        return
    if skip and rec:
        k.emit("irp", t, "no packet for IRP {irp}: FILE_SKIP_COMPLETION_PORT_ON_SUCCESS and it succeeded at once (B6)",
               irp=irp.id)
    free(k, irp)                                                      # B4.5


def _finish_sync(k, irp, ok):
    t = irp.thread
    result, error = irp.sock.sync_result(irp, ok)
    free(k, irp)
    if irp.wait is not None:
        # Its own wait, not one an APC of the thread entered while the call waited (C2).
        unwait(k, t, result, f"its {irp.sync} completed", error=error, wait=irp.wait,
               text="{thread}'s " + irp.sync + " returns")
    else:                                                             # completed inside the call itself
        t.result = result
        if error is not None:
            t.last_error = error
        if k.trace.recording:
            _narrate_sync(k, t, irp, result, error)


def _narrate_sync(k, t, irp, result, error):
    """A blocking send/recv that completed inside the call: what it returned, and why at once."""
    if error:                                                         # 0: success sets the last error to 0
        what, why = f"SOCKET_ERROR, {error_name(error)} ({error})", "the connection cannot carry it (D5, D6)"
    elif irp.op == "send":
        what = f"{irp.nbytes} (bytes copied to the send buffer)"
        why = "the data fits in SO_SNDBUF: a blocking send returns once AFD has buffered it (D3)"
    elif isinstance(result, (bytes, bytearray)):
        what = f"{len(result)} bytes" if result else "0 bytes: the peer closed (FIN)"
        why = "the data was already buffered (D1)" if result else "graceful close (D5)"
    else:
        what, why = repr(result), ""
    k.emit("call", t, "{thread}'s " + irp.sync + " on {h} returns at once: {what}", h=irp.sock.handle,
           what=what, why=why)


def _answer_gor(k, t, status, nbytes):
    if nt_success(status):
        unwait(k, t, (True, nbytes, 0), "the request completed", error=0)
    else:
        unwait(k, t, (False, 0, 0), "the request failed", error=wsa_error(status))


def wait_result(k, t, irp):
    """WSAGetOverlappedResult(fWait=TRUE) on a pending IRP: park t until stage 2."""
    result = block(k, t, f"IRP {irp.id}", None, False, why="WSAGetOverlappedResult waits non-alertably (oracle 2.6)")
    if irp.waiters is None:
        irp.waiters = []
    irp.waiters.append(t)
    t.wait.unlinks.append(lambda: irp.waiters and t in irp.waiters and irp.waiters.remove(t))
    return result


# --- cancellation ----------------------------------------------------------------

def cancel(k, irp, status=STATUS_CANCELLED, why="cancelled (B12)"):
    """IoCancelIrp on a pending AFD request: it completes through B4 with STATUS_CANCELLED."""
    if irp.state != "pending":
        return False
    irp.sock.unlink(irp)
    k.touch(irp.sock)
    complete(k, irp, status, 0, why)
    return True


@at_exit("io")
def cancel_thread_io(k, t):
    """B13: the exiting thread's pending I/O is cancelled; stage 2 runs in it, its APCs are then discarded.

    Newest first: the I/O manager inserts each IRP at the head of the thread's list and
    IoCancelThreadIo walks it from the head (ReactOS IopQueueIrpToThread, IoCancelThreadIo).
    """
    for irp in reversed(list(t.irps)):
        if irp.state == "pending":
            cancel(k, irp, why=f"{t.name} exited with this I/O pending (B13)")


def _file(k, t, handle):
    obj = k.handles.get(handle)
    if obj is None or not hasattr(obj, "cancel_io"):
        t.last_error = ERROR_INVALID_HANDLE
        return None
    return obj


@syscall("CancelIo")
def CancelIo(k, t, handle):
    """Cancel the calling thread's pending I/O on the handle; TRUE even when there was none (oracle 2.12)."""
    obj = _file(k, t, handle)
    if obj is None:
        return False
    n = obj.cancel_io(k, t, None, by_thread=True)
    k.emit("call", t, "{thread} CancelIo({h}): {n} request(s) cancelled", h=handle, n=n, why="B12")
    return True


@syscall("CancelIoEx")
def CancelIoEx(k, t, handle, ov):
    """Cancel any thread's I/O on the handle (one OVERLAPPED, or all); FALSE/ERROR_NOT_FOUND if none (B12)."""
    obj = _file(k, t, handle)
    if obj is None:
        return False
    n = obj.cancel_io(k, t, ov, by_thread=False)
    if n == 0 and ov is None and k.profile.cancel_all_empty_ok:
        k.emit("call", t, "{thread} CancelIoEx({h}, NULL): nothing was pending, TRUE all the same", h=handle,
               why="Wine 8 (measured live; cancel_all_empty_ok): Windows fails with ERROR_NOT_FOUND (B12)")
        return True
    if n == 0:
        t.last_error = ERROR_NOT_FOUND
        k.emit("call", t, "{thread} CancelIoEx({h}, {ov}) fails: ERROR_NOT_FOUND", h=handle, ov=k.label(ov),
               why="no pending request matched (B12)")
        return False
    k.emit("call", t, "{thread} CancelIoEx({h}, {ov}): {n} request(s) cancelled", h=handle, ov=k.label(ov), n=n,
           why="they complete with STATUS_CANCELLED (995) through the normal path (B12)")
    return True


@syscall("SetFileCompletionNotificationModes")
def SetFileCompletionNotificationModes(k, t, handle, flags):
    """B6/B7: the modes are sticky — setting 0 later does not clear them."""
    obj = k.handles.get(handle)
    if obj is None or not hasattr(obj, "notify_modes"):
        t.last_error = ERROR_INVALID_HANDLE
        return False
    if not isinstance(flags, int) or flags & ~(FILE_SKIP_COMPLETION_PORT_ON_SUCCESS | FILE_SKIP_SET_EVENT_ON_HANDLE):
        t.last_error = ERROR_INVALID_PARAMETER
        return False
    obj.notify_modes |= flags
    k.emit("call", t, "{thread} sets completion notification modes {flags} on {h}", flags=flags, h=handle,
           why="modes cannot be cleared once set (B6)")
    return True
