"""The ctypes transport: on Windows, the same ops as the probe, executed in-process on the calling thread.

Each scenario thread already is a real thread (a Python thread), so an op runs
right here through kernel32/ws2_32, and a user APC or a completion routine that
Windows runs during an alertable wait calls back into Python on this very
thread (a ctypes callback) — exactly where the probe would send an A or C
message.  The answers are the probe's tuples ``(ret, err, outs…)``, so the live
backend's dispatcher is shared (backend.py).

The watchdog: an in-process call cannot be interrupted, so every wait is given
a finite timeout — INFINITE (or anything longer) becomes the watchdog — and a
wait that ran out only because of that raises ``Hung``.  Blocking socket calls
(accept, connect, recv, send) and lock waits (EnterCriticalSection,
AcquireSRWLock*) are not covered; the catalogue uses the socket calls on
loopback only, where they return at once, and runs no lock scenario that
deadlocks live.  A scenario's CRITICAL_SECTIONs and SRWLOCKs are real
structures in this process, one per lock id, as in the probe.

Kernel32 and ws2_32 can be injected (tests use a fake kernel32: this transport
cannot run on Linux).
"""

import ctypes
import threading
import time
from ctypes import Structure, byref, c_int, c_size_t, c_ulong, c_ushort, c_void_p, sizeof

from .client import Hung, RunEnded

DWORD = c_ulong
INFINITE = 0xFFFFFFFF
WAIT_TIMEOUT = 258
THREAD_ALL_ACCESS = 0x1FFFFF
SOL_SOCKET = 0xFFFF
SO_LINGER = 0x0080
SO_UPDATE_ACCEPT_CONTEXT = 0x700B
AF_INET = 2
SOCK_STREAM = 1
IPPROTO_TCP = 6
WSA_FLAG_OVERLAPPED = 1
ERROR_IO_PENDING = 997
ERROR_INVALID_HANDLE = 6
WSAENOTSOCK = 10038
INVALID_SOCKET = (1 << 64) - 1


class OVERLAPPED(Structure):
    _fields_ = [("Internal", c_size_t), ("InternalHigh", c_size_t), ("Offset", DWORD),
                ("OffsetHigh", DWORD), ("hEvent", c_void_p)]


class OVERLAPPED_ENTRY(Structure):
    _fields_ = [("lpCompletionKey", c_size_t), ("lpOverlapped", c_void_p), ("Internal", c_size_t),
                ("dwNumberOfBytesTransferred", DWORD)]


class WSABUF(Structure):
    _fields_ = [("len", c_ulong), ("buf", c_void_p)]


class SOCKADDR_IN(Structure):
    _fields_ = [("sin_family", c_ushort), ("sin_port", c_ushort), ("sin_addr", c_ulong),
                ("sin_zero", ctypes.c_char * 8)]


class LINGER(Structure):
    _fields_ = [("l_onoff", c_ushort), ("l_linger", c_ushort)]


class RTL_CRITICAL_SECTION(Structure):
    _fields_ = [("DebugInfo", c_void_p), ("LockCount", ctypes.c_long), ("RecursionCount", ctypes.c_long),
                ("OwningThread", c_void_p), ("LockSemaphore", c_void_p), ("SpinCount", c_size_t)]


class SRWLOCK(Structure):
    _fields_ = [("Ptr", c_void_p)]


class WSANETWORKEVENTS(Structure):
    _fields_ = [("lNetworkEvents", ctypes.c_long), ("iErrorCode", c_int * 10)]


class TIMEVAL(Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_usec", ctypes.c_long)]


def any_fd_set(sockets):
    """An fd_set of any size (FD_SETSIZE is a compile-time choice, D14): u_int count, SOCKET array[n]."""
    class FD_SET(Structure):
        _fields_ = [("fd_count", ctypes.c_uint), ("fd_array", c_size_t * max(len(sockets), 1))]
    fds = FD_SET()
    fds.fd_count = len(sockets)
    for i, s in enumerate(sockets):
        fds.fd_array[i] = s
    return fds


def loopback(port):
    """A sockaddr_in for 127.0.0.1:port (network byte order)."""
    sa = SOCKADDR_IN()
    sa.sin_family = AF_INET
    sa.sin_port = ((port & 0xFF) << 8) | ((port >> 8) & 0xFF)
    sa.sin_addr = 0x0100007F            # 127.0.0.1 as stored little-endian
    return sa


class Slot:
    """One scenario OVERLAPPED: the C structure and the buffers of its current request."""

    def __init__(self, ovid):
        self.ovid = ovid
        self.ov = OVERLAPPED()
        self.bufs = []          # ctypes string buffers
        self.wsabufs = None
        self.is_recv = False

    @property
    def address(self):
        return ctypes.addressof(self.ov)

    def data(self, nbytes):
        if not self.is_recv:
            return b""
        out = bytearray()
        for raw, length, offset in self.bufs:
            take = min(length, nbytes - len(out))
            if take <= 0:
                break
            out += raw.raw[offset:offset + take]
        return bytes(out)


class CtypesTransport:
    name = "ctypes"

    def __init__(self, watchdog=10.0, kernel32=None, ws2_32=None, mswsock=None, functype=None,
                 get_last_error=None, set_last_error=None):
        if kernel32 is None:
            kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)      # pragma: no cover (Windows)
            ws2_32 = ctypes.WinDLL("ws2_32", use_last_error=True)          # pragma: no cover
            mswsock = ctypes.WinDLL("mswsock", use_last_error=True)        # pragma: no cover
        self.k32, self.ws2, self.mswsock = kernel32, ws2_32, mswsock
        self.functype = functype or getattr(ctypes, "WINFUNCTYPE", ctypes.CFUNCTYPE)
        self._get_error = get_last_error or ctypes.get_last_error
        self._set_error = set_last_error or ctypes.set_last_error
        self.watchdog = watchdog
        self.local = threading.local()
        self.slots = {}
        self.by_address = {}
        self.thread_handles = {}
        self.ready = {}
        self.ended = False
        self.listener = None
        self.listen_port = 0
        self.locks = {}             # lock id -> the scenario's CRITICAL_SECTION / SRWLOCK, in this process
        self.accept_bufs = {}       # ovid -> AcceptEx's output buffer (alive until the next AcceptEx on it)
        # The callbacks must live as long as the transport (Windows keeps their addresses).
        self.apc_proc = self.functype(None, c_size_t)(self._apc)
        self.completion_proc = self.functype(None, DWORD, DWORD, c_void_p, DWORD)(self._completion)
        self._declare()
        if ws2_32 is not None and hasattr(ws2_32, "WSAStartup"):
            ws2_32.WSAStartup(0x0202, ctypes.create_string_buffer(512))

    def _declare(self):
        """Handles and sockets are pointer-sized: without a restype ctypes would cut them to 32 bits."""
        for lib, names, restype in ((self.k32, ("CreateEventW", "OpenThread", "CreateIoCompletionPort",
                                                "GetCurrentThread"), c_void_p),
                                    (self.ws2, ("WSACreateEvent",), c_void_p),
                                    (self.ws2, ("WSASocketW", "socket", "accept"), c_size_t)):
            for name in names:
                function = getattr(lib, name, None) if lib is not None else None
                try:
                    function.restype = restype
                except AttributeError:          # a test double's plain method
                    pass
        for name in ("TryAcquireSRWLockExclusive", "TryAcquireSRWLockShared"):     # they return a BOOLEAN (a byte)
            try:
                getattr(self.k32, name).restype = ctypes.c_ubyte
            except AttributeError:
                pass

    # --- the transport interface ---------------------------------------------------------

    def spawn(self, tid):
        return 0            # main's handle is made when its thread begins

    def begin(self, tid, on_callback):
        """Runs on the new thread: remember its callback and publish a real handle to it."""
        self.local.tid, self.local.callback, self.local.saved = tid, on_callback, 0
        current = self.k32.GetCurrentThreadId()
        self.thread_handles[tid] = self.k32.OpenThread(THREAD_ALL_ACCESS, False, current)
        self.ready.setdefault(tid, threading.Event()).set()

    def create_thread(self, creator, tid, start_python):
        event = self.ready.setdefault(tid, threading.Event())
        start_python()
        if not event.wait(self.watchdog):
            raise Hung(tid, "CreateThread", self.watchdog)
        return (self.thread_handles[tid], 0)

    def end_thread(self, tid, code=None):
        pass                # the Python thread returns, and with it the real thread

    def close(self):
        self.ended = True

    def request(self, tid, op, args, on_callback, watchdog=None):
        if self.ended:
            raise RunEnded()
        handler = getattr(self, "op_" + op, None)
        if handler is None:
            raise ValueError(f"the ctypes transport has no op {op!r}")
        if on_callback is not None:
            self.local.callback = on_callback
        limit = self.watchdog if watchdog is None else watchdog
        self._set_error(getattr(self.local, "saved", 0))
        values = handler(limit, *args)
        ret, outs = values[0], values[1:]
        err = self._get_error()
        self.local.saved = err
        return (ret, err) + tuple(outs)

    # --- callbacks from Windows ----------------------------------------------------------

    def _apc(self, apcid):
        saved = self._get_error()
        self.local.callback("A", (apcid,))
        self._set_error(saved)

    def _completion(self, err, nbytes, address, flags):
        saved = self._get_error()
        slot = self.by_address.get(address)
        ovid = slot.ovid if slot else 0
        internal = slot.ov.Internal if slot else 0
        data = slot.data(nbytes) if slot else b""
        self.local.callback("C", (ovid, err, nbytes, flags, internal, data))
        self._set_error(saved)

    # --- helpers ---------------------------------------------------------------------------

    def slot(self, ovid):
        if not ovid:
            return None
        slot = self.slots.get(ovid)
        if slot is None:
            slot = self.slots[ovid] = Slot(ovid)
            self.by_address[slot.address] = slot
        return slot

    def _ov_ptr(self, ovid):
        slot = self.slot(ovid)
        return byref(slot.ov) if slot is not None else None

    def _ovid_at(self, address):
        slot = self.by_address.get(address or 0)
        return slot.ovid if slot else 0

    def _bounded(self, limit, ms):
        """A finite timeout for the watchdog; True when it replaced a longer one."""
        cap = int(limit * 1000)
        if ms == INFINITE or ms > cap:
            return cap, True
        return ms, False

    def _hang_check(self, clamped, timed_out, op, limit):
        if clamped and timed_out:
            raise Hung(getattr(self.local, "tid", 0), op, limit)

    # --- threads, waits, events ---------------------------------------------------------------

    def op_start(self, limit):
        return (0,)

    def op_GetCurrentThread(self, limit):
        return (_signed(self.k32.GetCurrentThread() or -2),)

    def op_QueueUserAPC(self, limit, handle, apcid):
        return (self.k32.QueueUserAPC(self.apc_proc, c_void_p(handle), c_size_t(apcid)),)

    def op_Sleep(self, limit, ms):
        ms, clamped = self._bounded(limit, ms)
        self.k32.Sleep(DWORD(ms))
        return (0,)

    def op_SleepEx(self, limit, ms, alertable):
        bounded, clamped = self._bounded(limit, ms)
        ret = self.k32.SleepEx(DWORD(bounded), bool(alertable))
        self._hang_check(clamped and ms == INFINITE, ret == 0, "SleepEx", limit)
        return (ret,)

    def op_WaitForSingleObject(self, limit, handle, ms, alertable):
        bounded, clamped = self._bounded(limit, ms)
        ret = self.k32.WaitForSingleObjectEx(c_void_p(handle), DWORD(bounded), bool(alertable))
        self._hang_check(clamped, ret == WAIT_TIMEOUT, "WaitForSingleObject", limit)
        return (ret,)

    def _wait_many(self, function, limit, wait_all, ms, alertable, n, *handles):
        array = (c_void_p * max(n, 1))(*handles)
        bounded, clamped = self._bounded(limit, ms)
        ret = function(DWORD(n), array, bool(wait_all), DWORD(bounded), bool(alertable))
        self._hang_check(clamped, ret == WAIT_TIMEOUT, "a wait for several objects", limit)
        return (ret,)

    def op_WaitForMultipleObjects(self, limit, *args):
        return self._wait_many(self.k32.WaitForMultipleObjectsEx, limit, *args)

    def op_WSAWaitForMultipleEvents(self, limit, *args):
        return self._wait_many(self.ws2.WSAWaitForMultipleEvents, limit, *args)

    def op_CreateEvent(self, limit, manual, initial):
        return (self.k32.CreateEventW(None, bool(manual), bool(initial), None) or 0,)

    def op_WSACreateEvent(self, limit):
        return (self.ws2.WSACreateEvent() or 0,)

    def _handle_op(library, name):
        def op(self, limit, handle):
            return (getattr(getattr(self, library), name)(c_void_p(handle)),)
        op.__name__ = "op_" + name
        return op

    op_SetEvent = _handle_op("k32", "SetEvent")
    op_ResetEvent = _handle_op("k32", "ResetEvent")

    def _own(self, handle):
        """The transport's own listening socket (tcp_pair's): a scenario's close never reaches it."""
        return self.listener is not None and handle == self.listener

    def op_CloseHandle(self, limit, handle):
        if self._own(handle):
            self._set_error(ERROR_INVALID_HANDLE)
            return (0,)
        return (self.k32.CloseHandle(c_void_p(handle)),)

    op_CancelIo = _handle_op("k32", "CancelIo")
    op_WSASetEvent = _handle_op("ws2", "WSASetEvent")
    op_WSAResetEvent = _handle_op("ws2", "WSAResetEvent")
    op_WSACloseEvent = _handle_op("ws2", "WSACloseEvent")

    def op_GetLastError(self, limit):
        return (getattr(self.local, "saved", 0),)

    op_WSAGetLastError = op_GetLastError

    def op_SetLastError(self, limit, code):
        self._set_error(code)
        return (0,)

    def op_compute(self, limit, ms):
        end = time.perf_counter() + ms / 1000.0
        while time.perf_counter() < end:
            pass
        return (0,)

    # --- completion ports ----------------------------------------------------------------------

    def op_CreateIoCompletionPort(self, limit, handle, existing, key, concurrency):
        ret = self.k32.CreateIoCompletionPort(c_void_p(handle), c_void_p(existing or None),
                                              c_size_t(key), DWORD(concurrency))
        return (ret or 0,)

    def op_GetQueuedCompletionStatus(self, limit, port, ms):
        nbytes, key, address = DWORD(0), c_size_t(0), c_void_p(0)
        bounded, clamped = self._bounded(limit, ms)
        ok = self.k32.GetQueuedCompletionStatus(c_void_p(port), byref(nbytes), byref(key), byref(address),
                                                DWORD(bounded))
        self._hang_check(clamped, not ok and not address.value and self._get_error() == WAIT_TIMEOUT,
                         "GetQueuedCompletionStatus", limit)
        slot = self.by_address.get(address.value or 0)
        internal = slot.ov.Internal if slot else 0
        high = slot.ov.InternalHigh if slot else 0
        data = slot.data(nbytes.value) if slot else b""
        return (ok, nbytes.value, key.value, slot.ovid if slot else 0, internal, high, data)

    def op_GetQueuedCompletionStatusEx(self, limit, port, count, ms, alertable):
        entries = (OVERLAPPED_ENTRY * max(count, 1))()
        removed = c_ulong(0)
        bounded, clamped = self._bounded(limit, ms)
        ok = self.k32.GetQueuedCompletionStatusEx(c_void_p(port), entries, c_ulong(count), byref(removed),
                                                  DWORD(bounded), bool(alertable))
        self._hang_check(clamped, not ok and self._get_error() == WAIT_TIMEOUT,
                         "GetQueuedCompletionStatusEx", limit)
        outs = [removed.value]
        for e in entries[:removed.value] if ok else []:
            slot = self.by_address.get(e.lpOverlapped or 0)
            n = e.dwNumberOfBytesTransferred
            outs += [e.lpCompletionKey, slot.ovid if slot else 0, e.Internal, n, slot.data(n) if slot else b""]
        return (ok, *outs)

    def op_PostQueuedCompletionStatus(self, limit, port, nbytes, key, ovid):
        return (self.k32.PostQueuedCompletionStatus(c_void_p(port), DWORD(nbytes), c_size_t(key),
                                                    self._ov_ptr(ovid)),)

    def op_CancelIoEx(self, limit, handle, ovid):
        return (self.k32.CancelIoEx(c_void_p(handle), self._ov_ptr(ovid)),)

    def op_SetFileCompletionNotificationModes(self, limit, handle, flags):
        return (self.k32.SetFileCompletionNotificationModes(c_void_p(handle), ctypes.c_ubyte(flags)),)

    def op_ovstate(self, limit, ovid):
        slot = self.slot(ovid)
        return (0, slot.ov.Internal, slot.ov.InternalHigh) if slot else (0, 0, 0)

    # --- Winsock ----------------------------------------------------------------------------------

    def op_WSASocket(self, limit, af, type, protocol, flags):
        return (self.ws2.WSASocketW(af, type, protocol, None, 0, DWORD(flags)),)

    def op_socket(self, limit, af, type, protocol):
        return (self.ws2.socket(af, type, protocol),)

    def op_bind(self, limit, s, port):
        sa = loopback(port)
        return (self.ws2.bind(c_size_t(s), byref(sa), sizeof(sa)),)

    def op_connect(self, limit, s, port):
        sa = loopback(port)
        return (self.ws2.connect(c_size_t(s), byref(sa), sizeof(sa)),)

    def op_listen(self, limit, s, backlog):
        return (self.ws2.listen(c_size_t(s), backlog),)

    def op_accept(self, limit, s):
        return (self.ws2.accept(c_size_t(s), None, None),)

    def op_send(self, limit, s, flags, data):
        return (self.ws2.send(c_size_t(s), data, len(data), flags),)

    def op_recv(self, limit, s, length, flags):
        buf = ctypes.create_string_buffer(max(length, 1))
        ret = self.ws2.recv(c_size_t(s), buf, length, flags)
        return (ret, buf.raw[:ret] if ret > 0 else b"")

    def op_ioctlsocket(self, limit, s, cmd, arg):
        value = c_ulong(arg)
        ret = self.ws2.ioctlsocket(c_size_t(s), ctypes.c_long(cmd - (1 << 32) if cmd >= 1 << 31 else cmd),
                                   byref(value))
        return (ret, value.value)

    def op_shutdown(self, limit, s, how):
        return (self.ws2.shutdown(c_size_t(s), how),)

    def op_closesocket(self, limit, s):
        if self._own(s):
            self._set_error(WSAENOTSOCK)            # as the model answers for a value it never issued
            return (-1,)
        return (self.ws2.closesocket(c_size_t(s)),)

    def op_setsockopt(self, limit, s, level, name, value):
        v = c_int(value)
        return (self.ws2.setsockopt(c_size_t(s), level, name, byref(v), sizeof(v)),)

    def op_setsockopt_linger(self, limit, s, onoff, secs):
        v = LINGER(onoff, secs)
        return (self.ws2.setsockopt(c_size_t(s), SOL_SOCKET, SO_LINGER, byref(v), sizeof(v)),)

    def op_getsockopt(self, limit, s, level, name):
        v, size = c_int(0), c_int(sizeof(c_int))
        ret = self.ws2.getsockopt(c_size_t(s), level, name, byref(v), byref(size))
        return (ret, v.value)

    def op_getsockopt_linger(self, limit, s):
        v, size = LINGER(), c_int(sizeof(LINGER))
        ret = self.ws2.getsockopt(c_size_t(s), SOL_SOCKET, SO_LINGER, byref(v), byref(size))
        return (ret, v.l_onoff, v.l_linger)

    def op_tcp_pair(self, limit):
        """Server socket first, then client, as the probe does (AcceptEx on one kept listener)."""
        ws2 = self.ws2
        if self.listener is None:
            listener = ws2.WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, None, 0, DWORD(WSA_FLAG_OVERLAPPED))
            sa = loopback(0)
            size = c_int(sizeof(sa))
            if ws2.bind(c_size_t(listener), byref(sa), sizeof(sa)) or ws2.listen(c_size_t(listener), 16) or \
                    ws2.getsockname(c_size_t(listener), byref(sa), byref(size)):
                return (-1, INVALID_SOCKET, INVALID_SOCKET)
            self.listener, self.listen_port = listener, ((sa.sin_port & 0xFF) << 8) | (sa.sin_port >> 8)
        server = ws2.WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, None, 0, DWORD(WSA_FLAG_OVERLAPPED))
        client = ws2.WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, None, 0, DWORD(WSA_FLAG_OVERLAPPED))
        addrs = ctypes.create_string_buffer(2 * (sizeof(SOCKADDR_IN) + 16))
        got = DWORD(0)
        ov = OVERLAPPED()
        ov.hEvent = self.k32.CreateEventW(None, True, False, None)
        started = self.mswsock.AcceptEx(c_size_t(self.listener), c_size_t(server), addrs, 0,
                                        sizeof(SOCKADDR_IN) + 16, sizeof(SOCKADDR_IN) + 16, byref(got), byref(ov))
        ok = bool(started) or self._get_error() == ERROR_IO_PENDING
        sa = loopback(self.listen_port)
        ok = ok and ws2.connect(c_size_t(client), byref(sa), sizeof(sa)) == 0
        ok = ok and self.k32.WaitForSingleObject(c_void_p(ov.hEvent), DWORD(5000)) == 0
        self.k32.CloseHandle(c_void_p(ov.hEvent))
        if not ok:
            return (-1, INVALID_SOCKET, INVALID_SOCKET)
        listener = c_size_t(self.listener)
        ws2.setsockopt(c_size_t(server), SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, byref(listener), sizeof(listener))
        self._set_error(0)
        return (0, server, client)

    def _prepare(self, ovid, handle_event, specs, recv):
        slot = self.slot(ovid) or Slot(0)
        wsabufs = (WSABUF * max(len(specs), 1))()
        slot.bufs = []
        for i, (length, offset, data) in enumerate(specs):
            raw = ctypes.create_string_buffer(offset + max(length, 1))
            if data:
                ctypes.memmove(ctypes.addressof(raw) + offset, data, min(len(data), length))
            slot.bufs.append((raw, length, offset))
            wsabufs[i].len = length
            wsabufs[i].buf = ctypes.addressof(raw) + offset
        slot.wsabufs, slot.is_recv = wsabufs, recv
        if ovid:
            ctypes.memset(byref(slot.ov), 0, sizeof(OVERLAPPED))
            slot.ov.hEvent = handle_event or None
        return slot

    @staticmethod
    def _specs(args, with_data):
        n, rest, specs = args[0], list(args[1:]), []
        step = 3 if with_data else 2
        for i in range(n):
            part = rest[i * step:(i + 1) * step]
            specs.append((part[0], part[1], part[2] if with_data else b""))
        return specs

    def op_WSARecv(self, limit, s, ovid, event, routine, *bufspec):
        slot = self._prepare(ovid, event, self._specs(bufspec, False), True)
        n, flags = DWORD(0), DWORD(0)
        ov = byref(slot.ov) if ovid else None
        ret = self.ws2.WSARecv(c_size_t(s), slot.wsabufs, DWORD(len(slot.bufs)), byref(n), byref(flags), ov,
                               self.completion_proc if routine else None)
        return (ret, n.value, flags.value, slot.data(n.value) if ret == 0 else b"")

    def op_WSASend(self, limit, s, ovid, event, routine, *bufspec):
        slot = self._prepare(ovid, event, self._specs(bufspec, True), False)
        n = DWORD(0)
        ov = byref(slot.ov) if ovid else None
        ret = self.ws2.WSASend(c_size_t(s), slot.wsabufs, DWORD(len(slot.bufs)), byref(n), DWORD(0), ov,
                               self.completion_proc if routine else None)
        return (ret, n.value, 0, b"")

    def op_WSAGetOverlappedResult(self, limit, s, ovid, wait):
        slot = self.slot(ovid)
        n, flags = DWORD(0), DWORD(0)
        ok = self.ws2.WSAGetOverlappedResult(c_size_t(s), byref(slot.ov) if slot else None, byref(n),
                                             bool(wait), byref(flags))
        return (ok, n.value, flags.value, slot.ov.Internal if slot else 0,
                slot.data(n.value) if slot and ok else b"")

    # --- AcceptEx, select, WSAEventSelect (D12–D15) ---------------------------------------------------

    def op_AcceptEx(self, limit, listener, accept, ovid, event, size, receive_len, local_len, remote_len):
        slot = self.slot(ovid)
        buf = ctypes.create_string_buffer(size) if size else None
        if slot is not None:
            ctypes.memset(byref(slot.ov), 0, sizeof(OVERLAPPED))
            slot.ov.hEvent = event or None
            slot.bufs, slot.is_recv = [], False
            self.accept_bufs[ovid] = buf
        got = DWORD(0)
        ok = self.mswsock.AcceptEx(c_size_t(listener), c_size_t(accept), buf, DWORD(receive_len), DWORD(local_len),
                                   DWORD(remote_len), byref(got), byref(slot.ov) if slot else None)
        return (ok, got.value)

    def op_setsockopt_socket(self, limit, s, level, name, value):
        v = c_size_t(value)
        return (self.ws2.setsockopt(c_size_t(s), level, name, byref(v), sizeof(v)),)

    def op_select(self, limit, sec, usec, *spec):
        rest, sets = list(spec), []
        for _ in range(3):
            n = rest.pop(0)
            sets.append(None if n < 0 else any_fd_set(rest[:n]))
            rest = rest[max(n, 0):]
        tv = None if sec < 0 else TIMEVAL(sec, usec)
        ms = INFINITE if tv is None else sec * 1000 + usec // 1000
        bounded, clamped = self._bounded(limit, ms)
        if clamped:
            tv = TIMEVAL(bounded // 1000, (bounded % 1000) * 1000)
        ret = self.ws2.select(0, *(byref(fds) if fds is not None else None for fds in sets),
                              byref(tv) if tv is not None else None)
        self._hang_check(clamped, ret == 0, "select", limit)
        outs = []
        for fds in sets:
            outs += [-1] if fds is None else [fds.fd_count] + list(fds.fd_array[:fds.fd_count])
        return (ret, *outs)

    def op_WSAEventSelect(self, limit, s, event, mask):
        return (self.ws2.WSAEventSelect(c_size_t(s), c_void_p(event or None), ctypes.c_long(mask)),)

    def op_WSAEnumNetworkEvents(self, limit, s, event):
        ev = WSANETWORKEVENTS()
        ret = self.ws2.WSAEnumNetworkEvents(c_size_t(s), c_void_p(event or None), byref(ev))
        return (ret, ev.lNetworkEvents, *list(ev.iErrorCode))

    # --- the scenario's locks (L1–L10): real structures in this process, one per lock id ----------------

    def _lock(self, lockid, kind):
        lock = self.locks.get(lockid)
        if lock is None:
            lock = self.locks[lockid] = kind()
        return lock

    def _cs_op(name, returns=False):
        def op(self, limit, lockid, *args):
            cs = self._lock(lockid, RTL_CRITICAL_SECTION)
            ret = getattr(self.k32, name)(byref(cs), *(DWORD(a) for a in args))
            owned = cs.OwningThread == self.k32.GetCurrentThreadId()
            return (ret if returns else 0, int(owned), cs.RecursionCount if owned else 0)
        op.__name__ = "op_" + name
        return op

    op_InitializeCriticalSection = _cs_op("InitializeCriticalSection")
    op_InitializeCriticalSectionAndSpinCount = _cs_op("InitializeCriticalSectionAndSpinCount", returns=True)
    op_EnterCriticalSection = _cs_op("EnterCriticalSection")
    op_TryEnterCriticalSection = _cs_op("TryEnterCriticalSection", returns=True)
    op_LeaveCriticalSection = _cs_op("LeaveCriticalSection")
    op_DeleteCriticalSection = _cs_op("DeleteCriticalSection")

    def _srw_op(name, returns=False):
        def op(self, limit, lockid):
            ret = getattr(self.k32, name)(byref(self._lock(lockid, SRWLOCK)))
            return (ret if returns else 0,)
        op.__name__ = "op_" + name
        return op

    op_InitializeSRWLock = _srw_op("InitializeSRWLock")
    op_AcquireSRWLockExclusive = _srw_op("AcquireSRWLockExclusive")
    op_AcquireSRWLockShared = _srw_op("AcquireSRWLockShared")
    op_ReleaseSRWLockExclusive = _srw_op("ReleaseSRWLockExclusive")
    op_ReleaseSRWLockShared = _srw_op("ReleaseSRWLockShared")
    op_TryAcquireSRWLockExclusive = _srw_op("TryAcquireSRWLockExclusive", returns=True)
    op_TryAcquireSRWLockShared = _srw_op("TryAcquireSRWLockShared", returns=True)


def _signed(value):
    """A pointer-sized handle as the probe prints it (pseudo-handles are negative)."""
    value = int(value or 0)
    return value - (1 << 64) if value >= 1 << 63 else value
