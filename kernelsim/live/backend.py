"""The live backend: a scenario's threads as real threads, each call executed by real Win32.

Every scenario thread runs as a Python thread that drives its generators exactly
as the model does (DESIGN §4: a thread is a stack of generators) and forwards
each yielded Call to a *transport*: the probe under Wine (client.ProbeTransport)
or kernel32/ws2_32 through ctypes on Windows (ctypes_transport.CtypesTransport).
Both speak the same op vocabulary (protocol.py) and answer with the same tuples,
so this dispatcher is shared.  When Windows runs a user APC or a completion
routine on a thread, the transport calls back on that thread and the routine's
generator is driven here, nested, its calls executed on the same real thread.

Notes carry real elapsed milliseconds since main started (``LiveMs``: ``==``
between a live time and a number holds within the live tolerance, 5 ms + 10 %
by default, so a claim like ``time == 40`` reads "about 40 ms"; an ordering against a plain
number has the same slack, one between two live times is exact, so sorting stays meaningful).  ``compute(ms)``
spins on the real thread; ``Sleep`` sleeps.  ``tcp_pair()`` makes a real loopback
connection.  Only loopback addresses are accepted.  When main returns the run
ends, as a process does; other threads stop where they are.
"""

import inspect
import threading
import time

from ..model.kernel import next_call
from ..model.services import ScenarioError
from ..outcome import Note, Outcome
from ..win32 import (CRITICAL_SECTION, LINGER, OVERLAPPED, OVERLAPPED_ENTRY, SRWLOCK, TIMEVAL, WSABUF,
                     WSANETWORKEVENTS, fd_set)
from ..win32.constants import (INFINITE, INVALID_HANDLE_VALUE, INVALID_SOCKET, SO_LINGER,
                               SO_UPDATE_ACCEPT_CONTEXT, SOCKET_ERROR)
from .client import Hung, LiveError, ProbeCrashed, RunEnded

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
KEY_TAG = 0x4B53 << 48          # completion keys that are Python objects travel as tagged ids
U64 = (1 << 64) - 1


DEFAULT_TOLERANCE = (5.0, 0.10)


class LiveMs(float):
    """Real elapsed milliseconds; ``==`` against a number holds within the run's tolerance.

    Each time carries the tolerance of the scenario that made it (``LIVE_TOLERANCE = (ms, relative)``,
    default 5 ms + 10 %), so one scenario's tolerance never leaks into the next.
    """

    def __new__(cls, value, tolerance=DEFAULT_TOLERANCE):
        self = super().__new__(cls, value)
        self.tolerance = tolerance
        return self

    def _margin(self, other):
        absolute, relative = self.tolerance
        return absolute + relative * max(abs(float(self)), abs(float(other)))

    def __eq__(self, other):
        if isinstance(other, (int, float)) and not isinstance(other, bool):
            return abs(float(self) - float(other)) <= self._margin(other)
        return NotImplemented

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = float.__hash__

    # Against a plain number (the model's expectation) an ordering has the same slack as ==;
    # between two live times it is exact, so that sorting live times stays meaningful.
    def _slack(self, other):
        if isinstance(other, LiveMs) or isinstance(other, bool) or not isinstance(other, (int, float)):
            return 0.0
        return self._margin(other)

    def __lt__(self, other):
        if not isinstance(other, (int, float)):
            return NotImplemented
        return float(self) < float(other) + self._slack(other)

    def __le__(self, other):
        if not isinstance(other, (int, float)):
            return NotImplemented
        return float(self) <= float(other) + self._slack(other)

    def __gt__(self, other):
        if not isinstance(other, (int, float)):
            return NotImplemented
        return float(self) > float(other) - self._slack(other)

    def __ge__(self, other):
        if not isinstance(other, (int, float)):
            return NotImplemented
        return float(self) >= float(other) - self._slack(other)

    def _new(self, value):
        return LiveMs(value, self.tolerance)

    def __abs__(self):
        return self._new(abs(float(self)))

    def __neg__(self):
        return self._new(-float(self))

    def __add__(self, other):
        return self._new(float(self) + other) if isinstance(other, (int, float)) else NotImplemented

    __radd__ = __add__

    def __sub__(self, other):
        return self._new(float(self) - other) if isinstance(other, (int, float)) else NotImplemented

    def __rsub__(self, other):
        return self._new(other - float(self)) if isinstance(other, (int, float)) else NotImplemented

    def __repr__(self):
        return f"{float(self):.3f}"


class _Exit(Exception):
    """ExitThread: unwind the thread's generator stack."""


class LiveThread:
    def __init__(self, tid, name, gen):
        self.tid, self.name, self.gen = tid, name, gen
        self.last_error = 0
        self.call = None          # the Call being executed (for watchdog messages)


class LiveRun:
    """Run one scenario on real Win32 through ``transport``; ``run()`` → Outcome."""

    def __init__(self, scenario, transport, watchdog=10.0, max_seconds=120.0, tolerance=None):
        self.scenario = scenario
        self.transport = transport
        self.watchdog = watchdog
        self.max_seconds = max_seconds
        self.tolerance = tuple(tolerance) if tolerance is not None else DEFAULT_TOLERANCE
        self.local = threading.local()           # .thread: the LiveThread this Python thread runs
        self.stuck = None                        # {"thread", "call", "line"}: where a hung run stopped
        self.threads = []
        self.notes = []
        self.t0 = None
        self.done = threading.Event()
        self.error = None
        self.hung = None                         # the Hung that stopped the run, if any
        self.partial = None                      # the notes made before an error stopped the run
        self.end_reason = ""
        self.lock = threading.Lock()             # Interlocked* and the registries
        self.apcs = {}                           # apc id -> (func, data)
        self.ovs = {}                            # ov id -> OVERLAPPED
        self.ov_ids = {}                         # id(OVERLAPPED) -> ov id
        self.ov_bufs = {}                        # ov id -> the WSABUFs of its pending receive
        self.routines = {}                       # ov id -> completion routine
        self.key_objects = {}                    # encoded key -> Python object
        self.key_codes = {}                      # id(object) -> encoded key
        self._keep = []                          # objects whose id() is in use
        self.lock_ids = {}                       # id(CRITICAL_SECTION or SRWLOCK) -> the probe's structure id
        self.deleted = set()                     # lock ids after DeleteCriticalSection (L1)
        self.invariants = []                     # (name, check, owner) from invariant()

    # --- running -----------------------------------------------------------------

    def run(self):
        main = LiveThread(1, "main", None)
        self.threads.append(main)
        self.transport.spawn(main.tid)
        main.gen = self.scenario.main()
        self.t0 = time.perf_counter()
        try:
            self._start(main)
            finished = self.done.wait(self.max_seconds)
            if not finished:
                self._timed_out()
        finally:
            self.transport.close()          # also on Ctrl-C: no probe is left behind
        self.partial = Outcome(self.scenario.name, 0, f"live ({self.transport.name})", self.notes, None, "",
                               self.end_reason or "stopped", None, backend="live")
        if self.error is not None:
            raise self.error
        return Outcome(self.scenario.name, 0, f"live ({self.transport.name})", self.notes, None, "",
                       self.end_reason, None, backend="live")

    def _timed_out(self):
        """--timeout: the whole run took too long; name the threads still inside a call."""
        inside = [(th, th.call) for th in list(self.threads) if th.call is not None]
        where = "; ".join(f"thread {th.name} in {call.name} (line {call.line})" for th, call in inside)
        with self.lock:
            if self.done.is_set():
                return
            if inside:
                th, call = inside[0]
                self.stuck = {"thread": th.name, "call": call.name, "line": call.line}
            self.error = LiveError(f"the live run was stopped after {self.max_seconds:g} s (what --timeout left it); "
                                   f"{where or 'no thread was inside a call'}; the run was stopped")
            self.done.set()

    def current_last_error(self):
        """The last error of the scenario thread this Python thread runs (for the Recorder)."""
        th = getattr(self.local, "thread", None)
        return th.last_error if th is not None else None

    def _start(self, th):
        threading.Thread(target=self._body, args=(th,), name=f"live-{th.name}", daemon=True).start()

    def _body(self, th):
        self.local.thread = th
        try:
            self.transport.begin(th.tid, lambda kind, vals: self._callback(th, kind, vals))
            self._drive(th, th.gen)
            if th.tid == 1:
                self._finish("main returned")
            else:
                self.transport.end_thread(th.tid)
        except _Exit:
            if th.tid == 1:
                self._finish("main exited")
        except RunEnded:
            pass
        except Hung as exc:
            self.hung = exc
            call = getattr(exc, "call", None)
            where = f" at {call.file}:{call.line}" if call is not None else ""
            with self.lock:
                if self.stuck is None and not self.done.is_set():
                    self.stuck = {"thread": th.name, "call": call.name if call else exc.op,
                                  "line": call.line if call else 0}
            self._fail(LiveError(f"thread {th.name} hung: {exc.op}{where} did not return within "
                                 f"{exc.seconds:g} s (watchdog); the run was stopped"))
        except (LiveError, ScenarioError) as exc:
            self._fail(exc)
        except Exception as exc:           # a bug in the live machinery itself
            self._fail(LiveError(f"internal error in thread {th.name}: {type(exc).__name__}: {exc}"))

    def _finish(self, reason):
        with self.lock:
            if self.done.is_set():
                return
            self.end_reason = reason
            self.done.set()
        self.transport.close()

    def _fail(self, exc):
        with self.lock:
            if self.done.is_set():
                return
            self.error = exc
            self.done.set()
        self.transport.close()

    def _drive(self, th, gen):
        """Drive one generator (a thread function or a nested routine) to its end on th."""
        value = None
        while True:
            call = next_call(gen, value, th.name)
            if call is None:
                return
            value = self.execute(th, call)

    def execute(self, th, call):
        handler = getattr(self, "_" + call.name, None)
        if handler is None:
            raise ScenarioError(call.file, call.line, f"{call.name} cannot run live yet")
        outer, th.call = th.call, call
        try:
            result = handler(th, call, *call.args, **call.kwargs)
            if self.invariants:
                self._check_invariants(th)
            return result
        except Hung as exc:
            if getattr(exc, "call", None) is None:
                exc.call = call                 # the innermost call: the one that hung
            raise
        except TypeError as exc:
            if "positional argument" in str(exc) or "keyword argument" in str(exc):
                raise ScenarioError(call.file, call.line, f"{call.name}: {exc}") from None
            raise
        finally:
            th.call = outer

    def _req(self, th, op, args=(), wait_ms=None):
        """One request on th's real thread; the watchdog is extended by a finite timeout."""
        limit = self.watchdog
        if wait_ms is not None and wait_ms != INFINITE:
            limit += wait_ms / 1000.0
        values = self.transport.request(th.tid, op, list(args), lambda kind, vals: self._callback(th, kind, vals),
                                        watchdog=limit)
        th.last_error = values[1]
        return values

    def _callback(self, th, kind, values):
        """Windows runs a user APC (A) or a completion routine (C) on th now: drive it here, nested."""
        if kind == "A":
            func, data = self.apcs[values[0]]
            gen = func(data)
        else:
            ovid, err, nbytes, flags, internal, data = values
            ov = self.ovs.get(ovid)
            self._update_ov(ovid, internal, nbytes, data)
            routine = self.routines.get(ovid)
            if routine is None:
                return
            gen = routine(err, nbytes, ov, flags)
        if inspect.isgenerator(gen):
            self._drive(th, gen)

    # --- registries ----------------------------------------------------------------

    def _ovid(self, call, ov):
        if ov is None:
            return 0
        if not isinstance(ov, OVERLAPPED):
            raise ScenarioError(call.file, call.line, f"{call.name}: expected an OVERLAPPED or None, not {ov!r}")
        with self.lock:
            ovid = self.ov_ids.get(id(ov))
            if ovid is None:
                ovid = len(self.ovs) + 1
                self.ovs[ovid] = ov
                self.ov_ids[id(ov)] = ovid
            return ovid

    def _update_ov(self, ovid, internal, nbytes, data):
        ov = self.ovs.get(ovid)
        if ov is None:
            return None
        ov.Internal, ov.InternalHigh = internal, nbytes
        bufs = self.ov_bufs.get(ovid)
        if bufs and data:
            _fill(bufs, data)
        return ov

    def _key_in(self, key):
        if key is None:
            return 0
        if isinstance(key, bool):
            return int(key)
        if isinstance(key, int) and 0 <= key < KEY_TAG and type(key) is int:
            return key
        with self.lock:
            code = self.key_codes.get(id(key))
            if code is None:
                code = KEY_TAG + len(self.key_objects) + 1
                self.key_codes[id(key)] = code
                self.key_objects[code] = key
                self._keep.append(key)
            return code

    def _key_out(self, value):
        return self.key_objects.get(value, value)

    @staticmethod
    def _handle(value):
        if value is None:
            return 0
        if value is INVALID_HANDLE_VALUE or value == INVALID_HANDLE_VALUE:
            return -1
        if not isinstance(value, int):
            raise TypeError(f"a handle is an int, not {type(value).__name__}")
        return value

    # --- kernelsim helpers ----------------------------------------------------------------

    def _note(self, th, call, tag, **fields):
        elapsed = LiveMs((time.perf_counter() - self.t0) * 1000.0, self.tolerance)
        with self.lock:
            self.notes.append(Note(tag, th.name, elapsed, fields))

    def _compute(self, th, call, ms):
        if not isinstance(ms, (int, float)) or ms < 0:
            raise ScenarioError(call.file, call.line, f"compute(ms) needs a number of milliseconds >= 0, not {ms!r}")
        self._req(th, "compute", [int(round(ms))], wait_ms=ms)

    def _interlocked(self, target, field, update):
        with self.lock:
            old = getattr(target, field)
            setattr(target, field, update(old))
            return old

    def _InterlockedExchange(self, th, call, target, field, value):
        return self._interlocked(target, field, lambda old: value)

    def _InterlockedIncrement(self, th, call, target, field):
        return self._interlocked(target, field, lambda old: old + 1) + 1

    def _InterlockedDecrement(self, th, call, target, field):
        return self._interlocked(target, field, lambda old: old - 1) - 1

    def _InterlockedCompareExchange(self, th, call, target, field, exchange, comparand):
        return self._interlocked(target, field, lambda old: exchange if old == comparand else old)

    def _memory(self, th, call):
        """The model's memory gauges do not exist on a live backend (calls.memory)."""
        return (None, None)

    def _narrate(self, th, call, kind, template, why="", **fields):
        """A library's own trace row: the live run keeps no trace (calls.narrate)."""
        return None

    def _watch(self, th, call, panel, rows):
        """A library's panel for the model's snapshots: nothing to show live (calls.watch)."""
        return True

    def _invariant(self, th, call, name, check):
        """Race-layer invariants: checked after every call of every thread; a violation ends the run."""
        with self.lock:
            self.invariants.append((name, check, th.name))
        return True

    def _check_invariants(self, th):
        for name, check, owner in list(self.invariants):
            with self.lock:
                detail = check()
            if detail:
                rule = name
                if isinstance(detail, tuple):
                    rule, detail = detail
                self._note(th, None, "violation", invariant=rule, detail=detail)
                self._finish("invariant violated")
                raise RunEnded()

    # --- threads, APCs, waits, events -----------------------------------------------------

    def _CreateThread(self, th, call, func, *args, name=None):
        if not inspect.isgeneratorfunction(func):
            raise ScenarioError(call.file, call.line, f"thread function {getattr(func, '__name__', func)!r} "
                                "must be a generator function (it should yield Win32 calls)")
        with self.lock:
            name = name or f"T{len(self.threads)}"
            new = LiveThread(len(self.threads) + 1, name, func(*args))
            self.threads.append(new)
        values = self.transport.create_thread(th.tid, new.tid, lambda: self._start(new))
        th.last_error = values[1]
        return values[0]

    def _ExitThread(self, th, call, code=0):
        self.transport.end_thread(th.tid, code)
        raise _Exit()

    def _GetCurrentThread(self, th, call):
        return self._req(th, "GetCurrentThread")[0]

    def _QueueUserAPC(self, th, call, func, handle, data):
        with self.lock:
            apcid = len(self.apcs) + 1
            self.apcs[apcid] = (func, data)
        return bool(self._req(th, "QueueUserAPC", [self._handle(handle), apcid])[0])

    def _Sleep(self, th, call, ms):
        self._req(th, "Sleep", [ms], wait_ms=ms)

    def _SleepEx(self, th, call, ms, alertable):
        return self._req(th, "SleepEx", [ms, bool(alertable)], wait_ms=ms)[0]

    def _WaitForSingleObject(self, th, call, handle, ms):
        return self._req(th, "WaitForSingleObject", [self._handle(handle), ms, 0], wait_ms=ms)[0]

    def _WaitForSingleObjectEx(self, th, call, handle, ms, alertable):
        return self._req(th, "WaitForSingleObject", [self._handle(handle), ms, bool(alertable)], wait_ms=ms)[0]

    def _wait_many(self, th, op, handles, wait_all, ms, alertable):
        handles = list(handles) if isinstance(handles, (list, tuple)) else [handles]
        args = [bool(wait_all), ms, bool(alertable), len(handles)] + [self._handle(h) for h in handles]
        return self._req(th, op, args, wait_ms=ms)[0]

    def _WaitForMultipleObjects(self, th, call, handles, wait_all, ms):
        return self._wait_many(th, "WaitForMultipleObjects", handles, wait_all, ms, False)

    def _WaitForMultipleObjectsEx(self, th, call, handles, wait_all, ms, alertable):
        return self._wait_many(th, "WaitForMultipleObjects", handles, wait_all, ms, alertable)

    def _WSAWaitForMultipleEvents(self, th, call, events, wait_all, ms, alertable):
        return self._wait_many(th, "WSAWaitForMultipleEvents", events, wait_all, ms, alertable)

    def _CreateEvent(self, th, call, attrs, manual, initial, name):
        return self._req(th, "CreateEvent", [bool(manual), bool(initial)])[0]

    def _WSACreateEvent(self, th, call):
        return self._req(th, "WSACreateEvent")[0]

    def _bool_call(op):
        def handler(self, th, call, handle):
            return bool(self._req(th, op, [self._handle(handle)])[0])
        handler.__name__ = "_" + op
        return handler

    _SetEvent = _bool_call("SetEvent")
    _ResetEvent = _bool_call("ResetEvent")
    _WSASetEvent = _bool_call("WSASetEvent")
    _WSAResetEvent = _bool_call("WSAResetEvent")
    _CloseHandle = _bool_call("CloseHandle")
    _WSACloseEvent = _bool_call("WSACloseEvent")
    _CancelIo = _bool_call("CancelIo")

    def _GetLastError(self, th, call):
        return self._req(th, "GetLastError")[0]

    _WSAGetLastError = _GetLastError

    def _SetLastError(self, th, call, code):
        self._req(th, "SetLastError", [code])

    # --- completion ports -------------------------------------------------------------------

    def _CreateIoCompletionPort(self, th, call, file_handle, existing, key, concurrency):
        args = [self._handle(file_handle), self._handle(existing), self._key_in(key), concurrency or 0]
        return self._req(th, "CreateIoCompletionPort", args)[0]

    def _GetQueuedCompletionStatus(self, th, call, port, ms):
        ret, err, nbytes, key, ovid, internal, high, data = self._req(
            th, "GetQueuedCompletionStatus", [self._handle(port), ms], wait_ms=ms)
        ov = self._update_ov(ovid, internal, high, data)
        return (bool(ret), nbytes, self._key_out(key), ov)

    def _GetQueuedCompletionStatusEx(self, th, call, port, count, ms, alertable):
        values = self._req(th, "GetQueuedCompletionStatusEx", [self._handle(port), count, ms, bool(alertable)],
                           wait_ms=ms)
        ret, removed, rest = values[0], values[2], values[3:]
        entries = []
        if ret:
            for i in range(removed):
                key, ovid, status, nbytes, data = rest[5 * i:5 * i + 5]
                ov = self._update_ov(ovid, status, nbytes, data)
                entries.append(OVERLAPPED_ENTRY(self._key_out(key), ov, status, nbytes))
        return (bool(ret), entries)

    def _PostQueuedCompletionStatus(self, th, call, port, nbytes, key, ov):
        args = [self._handle(port), nbytes, self._key_in(key), self._ovid(call, ov)]
        return bool(self._req(th, "PostQueuedCompletionStatus", args)[0])

    def _CancelIoEx(self, th, call, handle, ov=None):
        return bool(self._req(th, "CancelIoEx", [self._handle(handle), self._ovid(call, ov)])[0])

    def _SetFileCompletionNotificationModes(self, th, call, handle, flags):
        return bool(self._req(th, "SetFileCompletionNotificationModes", [self._handle(handle), flags])[0])

    # --- Winsock ----------------------------------------------------------------------------

    def _WSASocket(self, th, call, af, type, protocol, info=None, g=0, flags=0):
        return _socket_value(self._req(th, "WSASocket", [af, type, protocol, flags])[0])

    def _socket(self, th, call, af, type, protocol):
        return _socket_value(self._req(th, "socket", [af, type, protocol])[0])

    def _port_of(self, call, name):
        host, port = (name if isinstance(name, (tuple, list)) else ("127.0.0.1", name))
        if str(host) not in LOOPBACK_NAMES:
            raise ScenarioError(call.file, call.line, f"{call.name}: live runs use loopback addresses only, "
                                                      f"not {host!r}")
        return int(port)

    def _bind(self, th, call, s, name):
        return self._req(th, "bind", [s, self._port_of(call, name)])[0]

    def _connect(self, th, call, s, name):
        return self._req(th, "connect", [s, self._port_of(call, name)], wait_ms=0)[0]

    def _listen(self, th, call, s, backlog):
        return self._req(th, "listen", [s, min(int(backlog), 0x7FFFFFFF)])[0]

    def _accept(self, th, call, s):
        return _socket_value(self._req(th, "accept", [s])[0])

    def _send(self, th, call, s, buf, flags=0):
        data = bytes(buf.buf[:buf.len]) if isinstance(buf, WSABUF) else bytes(buf)
        return self._req(th, "send", [s, flags, data])[0]

    def _recv(self, th, call, s, length, flags=0):
        ret, err, data = self._req(th, "recv", [s, length, flags])
        return data if ret >= 0 else SOCKET_ERROR

    def _ioctlsocket(self, th, call, s, cmd, argp):
        return self._req(th, "ioctlsocket", [s, cmd, int(argp or 0)])[0]

    def _shutdown(self, th, call, s, how):
        return self._req(th, "shutdown", [s, how])[0]

    def _closesocket(self, th, call, s):
        return self._req(th, "closesocket", [s])[0]

    def _setsockopt(self, th, call, s, level, optname, optval):
        if optname == SO_UPDATE_ACCEPT_CONTEXT:         # the value is the listening SOCKET itself (D12)
            return self._req(th, "setsockopt_socket", [s, level, optname, int(optval or 0)])[0]
        if isinstance(optval, LINGER):
            return self._req(th, "setsockopt_linger", [s, optval.l_onoff, optval.l_linger])[0]
        return self._req(th, "setsockopt", [s, level, optname, int(optval)])[0]

    def _getsockopt(self, th, call, s, level, optname):
        if optname == SO_LINGER:
            ret, err, onoff, secs = self._req(th, "getsockopt_linger", [s])
            return LINGER(onoff, secs) if ret == 0 else SOCKET_ERROR
        ret, err, value = self._req(th, "getsockopt", [s, level, optname])
        return value if ret == 0 else SOCKET_ERROR

    def _tcp_pair(self, th, call):
        ret, err, server, client = self._req(th, "tcp_pair", wait_ms=0)
        if ret != 0:
            return (INVALID_SOCKET, INVALID_SOCKET)
        return (server, client)

    def _buffers(self, call, bufs):
        if bufs is None:
            return []
        bufs = list(bufs) if isinstance(bufs, (list, tuple)) else [bufs]
        if not all(isinstance(b, WSABUF) for b in bufs):
            raise ScenarioError(call.file, call.line, f"{call.name}: buffers must be WSABUFs")
        if len(bufs) > 16:
            raise ScenarioError(call.file, call.line, f"{call.name}: the probe takes at most 16 buffers")
        return bufs

    def _WSARecv(self, th, call, s, bufs, ov, routine=None):
        bufs = self._buffers(call, bufs)
        ovid = self._ovid(call, ov)
        args = [s, ovid, self._handle(ov.hEvent) if ov is not None else 0, routine is not None, len(bufs)]
        for b in bufs:
            args += [b.len, b.offset]
        if ovid:
            self.ov_bufs[ovid] = bufs
            if routine is not None:
                self.routines[ovid] = routine
            else:
                self.routines.pop(ovid, None)
        ret, err, nbytes, flags, data = self._req(th, "WSARecv", args, wait_ms=None if ovid else INFINITE)
        if ret == 0 and data:
            _fill(bufs, data)
        return (ret, nbytes, flags)

    def _WSASend(self, th, call, s, bufs, ov, routine=None):
        bufs = self._buffers(call, bufs)
        ovid = self._ovid(call, ov)
        args = [s, ovid, self._handle(ov.hEvent) if ov is not None else 0, routine is not None, len(bufs)]
        for b in bufs:
            args += [b.len, b.offset, bytes(b.buf[:b.len])]
        if ovid:
            self.ov_bufs.pop(ovid, None)
            if routine is not None:
                self.routines[ovid] = routine
            else:
                self.routines.pop(ovid, None)
        ret, err, nbytes, flags, data = self._req(th, "WSASend", args, wait_ms=None if ovid else INFINITE)
        return (ret, nbytes)

    def _WSAGetOverlappedResult(self, th, call, s, ov, wait):
        ovid = self._ovid(call, ov)
        ret, err, nbytes, flags, internal, data = self._req(th, "WSAGetOverlappedResult", [s, ovid, bool(wait)],
                                                            wait_ms=None if not wait else INFINITE)
        self._update_ov(ovid, internal, nbytes, data)
        return (bool(ret), nbytes, flags)

    # --- AcceptEx, select, WSAEventSelect (D12–D15) ---------------------------------------------

    def _AcceptEx(self, th, call, s_listen, s_accept, buffer, receive_len, local_len, remote_len, ov):
        """The output buffer is the probe's (its size the three lengths'); None passes NULL, as C would."""
        if receive_len:
            raise ScenarioError(call.file, call.line, "AcceptEx with dwReceiveDataLength > 0 (the first data "
                                                      "read with the accept) is not modelled: pass 0")
        ovid = self._ovid(call, ov)
        size = 0 if buffer is None else receive_len + local_len + remote_len
        if ovid:
            self.ov_bufs.pop(ovid, None)
            self.routines.pop(ovid, None)
        event = self._handle(ov.hEvent) if ov is not None else 0
        ret, err, received = self._req(th, "AcceptEx", [s_listen, s_accept, ovid, event, size, receive_len,
                                                        local_len, remote_len])
        return (bool(ret), received)

    def _select(self, th, call, nfds, readfds, writefds, exceptfds, timeout):
        """The sets travel as their sockets; select's answer rewrites them in place (D14)."""
        sets = (readfds, writefds, exceptfds)
        if any(s is not None and not isinstance(s, fd_set) for s in sets) or (
                timeout is not None and not isinstance(timeout, TIMEVAL)):
            raise ScenarioError(call.file, call.line, "select takes three fd_sets (or None) and a TIMEVAL (or None)")
        args = [-1, 0] if timeout is None else [int(timeout.tv_sec), int(timeout.tv_usec)]
        for fds in sets:
            args += [-1] if fds is None else [len(fds.fd_array)] + [int(h) for h in fds.fd_array]
        values = self._req(th, "select", args, wait_ms=INFINITE if timeout is None else timeout.ms)
        ret, rest = values[0], list(values[2:])
        for fds in sets:
            n = rest.pop(0)
            ready, rest = rest[:max(n, 0)], rest[max(n, 0):]
            if fds is not None and ret != SOCKET_ERROR:
                mine = {int(h): h for h in fds.fd_array}        # keep the scenario's own (typed) values
                fds.fd_array[:] = [mine.get(v, v) for v in ready]
        return ret

    def _WSAEventSelect(self, th, call, s, handle, mask):
        return self._req(th, "WSAEventSelect", [s, self._handle(handle), int(mask)])[0]

    def _WSAEnumNetworkEvents(self, th, call, s, handle):
        ret, err, bits, *codes = self._req(th, "WSAEnumNetworkEvents", [s, self._handle(handle)])
        if ret != 0:
            return (SOCKET_ERROR, None)
        return (0, WSANETWORKEVENTS(bits, codes))

    # --- the scenario's locks (L1–L10) -----------------------------------------------------------
    #
    # A CRITICAL_SECTION or SRWLOCK of the scenario is a real structure in the probe's memory, one per
    # Python object (by identity), made by its Initialize call.  After a critical-section call the probe
    # says whether the caller owns the section and its RecursionCount; they are written into the
    # scenario's structure as the model writes them (OwningThread = the owner's name, L2).

    def _lock_id(self, call, struct, kind, initialise=False):
        want = CRITICAL_SECTION if kind == "cs" else SRWLOCK
        if not isinstance(struct, want):
            raise ScenarioError(call.file, call.line, f"{call.name} needs a {want.__name__}, not {struct!r}")
        with self.lock:
            lockid = self.lock_ids.get(id(struct))
            if lockid is None and not initialise:
                init = "InitializeCriticalSection" if kind == "cs" else "InitializeSRWLock"
                raise ScenarioError(call.file, call.line, f"{call.name} on {struct!r}, which was never initialised: "
                                                          f"call {init} first — on Windows an uninitialised lock is "
                                                          "whatever its memory held, and using it is undefined (L1)")
            if lockid is None:
                lockid = self.lock_ids[id(struct)] = len(self.lock_ids) + 1
                self._keep.append(struct)
            if initialise:
                self.deleted.discard(lockid)
            elif lockid in self.deleted:
                raise ScenarioError(call.file, call.line, f"{call.name} on {struct!r} after DeleteCriticalSection: "
                                                          "Windows says never to use a deleted critical section "
                                                          "(only InitializeCriticalSection again) (L1)")
        return lockid

    def _cs(self, th, call, cs, op, *args, initialise=False, wait_ms=None):
        lockid = self._lock_id(call, cs, "cs", initialise)
        ret, err, owned, recursion = self._req(th, op, [lockid, *args], wait_ms=wait_ms)
        with self.lock:
            if owned:
                cs.OwningThread, cs.RecursionCount = th.name, recursion
            elif cs.OwningThread == th.name:           # it left: unless another owner wrote itself already
                cs.OwningThread, cs.RecursionCount = None, 0
        return ret

    def _InitializeCriticalSection(self, th, call, cs):
        self._cs(th, call, cs, "InitializeCriticalSection", initialise=True)

    def _InitializeCriticalSectionAndSpinCount(self, th, call, cs, spin):
        ret = self._cs(th, call, cs, "InitializeCriticalSectionAndSpinCount", int(spin), initialise=True)
        cs.SpinCount = spin
        return bool(ret)

    def _EnterCriticalSection(self, th, call, cs):
        self._cs(th, call, cs, "EnterCriticalSection", wait_ms=INFINITE)

    def _TryEnterCriticalSection(self, th, call, cs):
        return bool(self._cs(th, call, cs, "TryEnterCriticalSection"))

    def _LeaveCriticalSection(self, th, call, cs):
        self._cs(th, call, cs, "LeaveCriticalSection")

    def _DeleteCriticalSection(self, th, call, cs):
        self._cs(th, call, cs, "DeleteCriticalSection")
        with self.lock:
            self.deleted.add(self.lock_ids[id(cs)])

    def _srw(op, returns_bool=False, initialise=False):
        def handler(self, th, call, srw):
            lockid = self._lock_id(call, srw, "srw", initialise)
            ret = self._req(th, op, [lockid], wait_ms=INFINITE if op.startswith("Acquire") else None)[0]
            return bool(ret) if returns_bool else None
        handler.__name__ = "_" + op
        return handler

    _InitializeSRWLock = _srw("InitializeSRWLock", initialise=True)
    _AcquireSRWLockExclusive = _srw("AcquireSRWLockExclusive")
    _AcquireSRWLockShared = _srw("AcquireSRWLockShared")
    _ReleaseSRWLockExclusive = _srw("ReleaseSRWLockExclusive")
    _ReleaseSRWLockShared = _srw("ReleaseSRWLockShared")
    _TryAcquireSRWLockExclusive = _srw("TryAcquireSRWLockExclusive", returns_bool=True)
    _TryAcquireSRWLockShared = _srw("TryAcquireSRWLockShared", returns_bool=True)



def _socket_value(value):
    """A SOCKET is unsigned: INVALID_SOCKET is ~0, not -1 (the probe prints returns signed)."""
    return value & U64 if value < 0 else value


def _fill(bufs, data):
    """Copy received bytes into the scenario's WSABUFs, in order."""
    pos = 0
    for b in bufs:
        if pos >= len(data):
            break
        take = min(b.len, len(data) - pos)
        b.buf[:take] = data[pos:pos + take]
        pos += take


__all__ = ["LiveRun", "LiveMs", "Hung", "LiveError", "ProbeCrashed", "RunEnded"]
