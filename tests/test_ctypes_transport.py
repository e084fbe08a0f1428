"""The ctypes transport (Windows) tested on Linux against a fake kernel32/ws2_32.

It cannot call the real Windows API here, so the fakes check what Windows would
receive (handles, timeouts, OVERLAPPED addresses, WSABUFs) and play Windows'
part: writing out-parameters, running a queued APC or a completion routine on
the calling thread during an alertable wait.
"""

import ctypes
import textwrap
import threading

import pytest

from kernelsim import scenario as scenarios
from kernelsim.live import ctypes_transport as ct
from kernelsim.live.backend import LiveRun
from kernelsim.live.client import Hung

WAIT_IO_COMPLETION = 192


def _out(ref):
    """The ctypes object behind a byref() argument."""
    return ref._obj


class Errors:
    """GetLastError / SetLastError of the fake Windows, per thread."""

    def __init__(self):
        self.local = threading.local()

    def get(self):
        return getattr(self.local, "value", 0)

    def set(self, value):
        self.local.value = value


class FakeKernel32:
    """Just enough of kernel32: one completion port, APCs, thread handles."""

    def __init__(self, errors):
        self.errors = errors
        self.packets = []
        self.apcs = []
        self.calls = []

    def GetCurrentThreadId(self):
        return threading.get_ident() & 0xFFFF

    def OpenThread(self, access, inherit, tid):
        return 0x1000 + tid

    def GetCurrentThread(self):
        return (1 << 64) - 2           # (HANDLE)-2 as ctypes gives it back

    def CreateIoCompletionPort(self, handle, existing, key, n):
        self.calls.append(("CreateIoCompletionPort", handle.value, existing.value, key.value, n.value))
        return 0x44

    def PostQueuedCompletionStatus(self, port, nbytes, key, ov):
        address = ctypes.addressof(_out(ov)) if ov is not None else 0
        self.packets.append((nbytes.value, key.value, address))
        return 1

    def GetQueuedCompletionStatus(self, port, nbytes, key, ov, ms):
        self.calls.append(("GQCS", port.value, ms.value))
        if not self.packets:
            self.errors.set(258)
            _out(ov).value = None
            return 0
        n, k, address = self.packets.pop(0)
        _out(nbytes).value, _out(key).value, _out(ov).value = n, k, address or None
        return 1

    def QueueUserAPC(self, proc, thread, data):
        self.apcs.append((proc, data.value))
        return 1

    def SleepEx(self, ms, alertable):
        self.calls.append(("SleepEx", ms.value, alertable))
        if alertable and self.apcs:
            while self.apcs:
                proc, data = self.apcs.pop(0)
                proc(data)
            return WAIT_IO_COMPLETION
        return 0

    def WaitForSingleObjectEx(self, handle, ms, alertable):
        self.calls.append(("Wait", handle.value, ms.value, alertable))
        return 258


class FakeWs2:
    """WSARecv that completes at once through a completion routine, as Windows does at the next alertable wait."""

    def __init__(self, k32):
        self.k32 = k32
        self.pending = []

    def WSAStartup(self, version, data):
        return 0

    def WSARecv(self, s, bufs, count, nbytes, flags, ov, routine):
        first = bufs[0]
        ctypes.memmove(first.buf, b"hello", 5)
        overlapped = _out(ov)
        overlapped.Internal, overlapped.InternalHigh = 0, 5
        self.pending.append((routine, ctypes.addressof(overlapped)))
        self.k32.errors.set(997)
        return -1


@pytest.fixture
def fakes():
    errors = Errors()
    k32 = FakeKernel32(errors)
    ws2 = FakeWs2(k32)
    transport = ct.CtypesTransport(watchdog=0.25, kernel32=k32, ws2_32=ws2, functype=ctypes.CFUNCTYPE,
                                   get_last_error=errors.get, set_last_error=errors.set)
    return transport, k32, ws2, errors


def test_gqcs_marshals_out_parameters_and_maps_the_overlapped(fakes):
    """ctypes marshalling: PQCS passes the slot's OVERLAPPED address, GQCS maps it back to the same
    ovid with bytes and key, as the probe's "R ok err n key ovid internal high data" (F1)."""
    t, k32, ws2, errors = fakes
    t.begin(1, None)
    assert t.request(1, "CreateIoCompletionPort", [-1, 0, 0, 0], None)[0] == 0x44
    assert k32.calls[-1] == ("CreateIoCompletionPort", (1 << 64) - 1, None, 0, 0)
    assert t.request(1, "PostQueuedCompletionStatus", [0x44, 7, 9, 3], None)[:2] == (1, 0)
    assert k32.packets[0][2] == ctypes.addressof(t.slots[3].ov)
    ok, err, n, key, ovid, internal, high, data = t.request(1, "GetQueuedCompletionStatus", [0x44, 0], None)
    assert (ok, n, key, ovid) == (1, 7, 9, 3)


def test_infinite_waits_are_bounded_by_the_watchdog(fakes):
    """Watchdog on Windows: INFINITE becomes the watchdog's milliseconds; running out raises Hung."""
    t, k32, ws2, errors = fakes
    t.begin(1, None)
    with pytest.raises(Hung) as err:
        t.request(1, "GetQueuedCompletionStatus", [0x44, 0xFFFFFFFF], None)
    assert k32.calls[-1] == ("GQCS", 0x44, 250) and err.value.op == "GetQueuedCompletionStatus"
    ok, error = t.request(1, "GetQueuedCompletionStatus", [0x44, 10], None)[:2]
    assert (ok, error) == (0, 258), "a finite timeout is the scenario's own: FALSE / WAIT_TIMEOUT (F3)"


def test_last_error_is_the_scenario_threads_own(fakes):
    """GetLastError: each request restores the thread's last error and reports the new one (B11)."""
    t, k32, ws2, errors = fakes
    t.begin(1, None)
    t.request(1, "SetLastError", [1234], None)
    errors.set(0)                                    # something else ran on the thread meanwhile
    assert t.request(1, "GetLastError", [], None)[0] == 1234
    assert t.request(1, "GetCurrentThread", [], None)[0] == -2


def test_apc_runs_nested_on_the_waiting_thread(fakes):
    """C2/C4: the APC Windows runs during SleepEx(alertable) calls back on the same thread, where the
    scenario's APC generator is driven; then SleepEx returns WAIT_IO_COMPLETION."""
    t, k32, ws2, errors = fakes
    seen = []
    t.begin(1, lambda kind, values: seen.append((kind, values, threading.get_ident())))
    t.request(1, "QueueUserAPC", [-2, 5], None)
    ret = t.request(1, "SleepEx", [100, 1], lambda kind, values: seen.append((kind, values,
                                                                               threading.get_ident())))
    assert ret[0] == WAIT_IO_COMPLETION
    assert seen == [("A", (5,), threading.get_ident())]


def test_wsarecv_buffers_and_completion_routine(fakes):
    """B9/C8 marshalling: WSARecv gets WSABUFs at the requested length; the completion routine Windows
    calls reports (ovid, error, bytes, flags, Internal, data) back to the scenario's routine."""
    t, k32, ws2, errors = fakes
    t.begin(1, None)
    rc, err, n, flags, data = t.request(1, "WSARecv", [0x88, 2, 0, 1, 1, 16, 0], None)
    assert (rc, err) == (-1, 997)
    assert t.slots[2].wsabufs[0].len == 16
    routine, address = ws2.pending.pop()
    seen = []
    t.local.callback = lambda kind, values: seen.append((kind, values))
    routine(0, 5, address, 0)
    assert seen == [("C", (2, 0, 5, 0, 0, b"hello"))]


def test_the_live_dispatcher_runs_a_scenario_through_ctypes(fakes, tmp_path):
    """DESIGN §6: the same dispatcher drives a scenario through the ctypes transport (here: fakes)."""
    t, k32, ws2, errors = fakes
    path = tmp_path / "ctypes_case.py"
    path.write_text(textwrap.dedent("""
        from kernelsim.win32 import *

        def main():
            port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
            ov = OVERLAPPED(op="job")
            yield PostQueuedCompletionStatus(port, 3, "a key object", ov)
            ok, n, key, got = yield GetQueuedCompletionStatus(port, 0)
            yield note("got", ok=ok, n=n, key=key, same=got is ov)
            me = yield GetCurrentThread()
            yield QueueUserAPC(apc, me, 42)
            yield note("sleep", r=(yield SleepEx(10, TRUE)))

        def apc(arg):
            yield note("apc", arg=arg)
    """))
    outcome = LiveRun(scenarios.load(str(path)), t, watchdog=2).run()
    notes = {n.tag: n for n in outcome.notes()}
    assert (notes["got"].ok, notes["got"].n, notes["got"].key, notes["got"].same) == (True, 3, "a key object", True)
    assert notes["apc"].arg == 42 and notes["apc"].thread == "main"
    assert notes["sleep"].r == WAIT_IO_COMPLETION


def test_a_scenario_close_never_reaches_the_transports_own_listener(fakes):
    """Issue 9: closesocket or CloseHandle of the value of tcp_pair's listening socket is refused as for a
    value the scenario never had (WSAENOTSOCK / ERROR_INVALID_HANDLE) and the listener stays open."""
    t, k32, ws2, errors = fakes
    t.begin(1, None)
    t.listener = 0x1F0
    assert t.request(1, "closesocket", [0x1F0], None)[:2] == (-1, 10038)
    assert t.request(1, "CloseHandle", [0x1F0], None)[:2] == (0, 6)
    assert not any(call[0] in ("closesocket", "CloseHandle") for call in k32.calls)


# --- locks, AcceptEx, select, WSAEventSelect (issue 9 follow-up) ------------------------------------

class FakeLocks:
    """kernel32's critical sections and SRW locks, written into the structures the transport passes,
    as Windows does (OwningThread holds the owner's thread id, RecursionCount its entries)."""

    def __init__(self, k32):
        self.k32 = k32
        self.seen = []               # (function, address of the structure)

    def _cs(self, name, ref):
        cs = _out(ref)
        self.seen.append((name, ctypes.addressof(cs)))
        return cs

    def InitializeCriticalSection(self, ref):
        cs = self._cs("InitializeCriticalSection", ref)
        cs.OwningThread, cs.RecursionCount, cs.LockCount = None, 0, -1

    def InitializeCriticalSectionAndSpinCount(self, ref, spin):
        self.InitializeCriticalSection(ref)
        _out(ref).SpinCount = spin.value
        return 1

    def EnterCriticalSection(self, ref):
        assert self.TryEnterCriticalSection(ref), "the fake cannot wait"

    def TryEnterCriticalSection(self, ref):
        cs = self._cs("TryEnterCriticalSection", ref)
        me = self.k32.GetCurrentThreadId()
        if cs.OwningThread not in (None, me):
            return 0
        cs.OwningThread, cs.RecursionCount = me, cs.RecursionCount + 1
        return 1

    def LeaveCriticalSection(self, ref):
        cs = self._cs("LeaveCriticalSection", ref)
        cs.RecursionCount -= 1
        if not cs.RecursionCount:
            cs.OwningThread = None

    def DeleteCriticalSection(self, ref):
        self._cs("DeleteCriticalSection", ref)

    def InitializeSRWLock(self, ref):
        _out(ref).Ptr = None
        self.seen.append(("InitializeSRWLock", ctypes.addressof(_out(ref))))

    def TryAcquireSRWLockExclusive(self, ref):
        lock = _out(ref)
        if lock.Ptr:
            return 0
        lock.Ptr = 1
        return 1

    def ReleaseSRWLockExclusive(self, ref):
        _out(ref).Ptr = None


def test_locks_are_real_structures_one_per_scenario_lock(fakes, tmp_path):
    """L1/L2 through ctypes: each CRITICAL_SECTION or SRWLOCK of the scenario is one real structure in this
    process (the same address for every call on it, another for another lock); what Windows writes into a
    critical section comes back as the model writes it: OwningThread the owner's name, RecursionCount."""
    t, k32, ws2, errors = fakes
    locks = FakeLocks(k32)
    for name in dir(FakeLocks):
        if not name.startswith("_"):
            setattr(k32, name, getattr(locks, name))
    path = tmp_path / "locks_case.py"
    path.write_text(textwrap.dedent("""
        from kernelsim.win32 import *

        def main():
            a, b = CRITICAL_SECTION("a"), CRITICAL_SECTION("b")
            yield InitializeCriticalSection(a)
            yield note("spin", ok=(yield InitializeCriticalSectionAndSpinCount(b, 4000)))
            yield EnterCriticalSection(a)
            yield note("again", ok=(yield TryEnterCriticalSection(a)), owner=a.OwningThread, n=a.RecursionCount)
            yield LeaveCriticalSection(a)
            yield LeaveCriticalSection(a)
            yield note("left", owner=a.OwningThread, n=a.RecursionCount)
            yield DeleteCriticalSection(a)
            srw = SRWLOCK("s")
            yield InitializeSRWLock(srw)
            yield note("srw", first=(yield TryAcquireSRWLockExclusive(srw)),
                       second=(yield TryAcquireSRWLockExclusive(srw)))
            yield ReleaseSRWLockExclusive(srw)
    """))
    outcome = LiveRun(scenarios.load(str(path)), t, watchdog=2).run()
    notes = {n.tag: n.fields for n in outcome.notes()}
    assert notes["spin"] == {"ok": True}
    assert notes["again"] == {"ok": True, "owner": "main", "n": 2}
    assert notes["left"] == {"owner": None, "n": 0}
    assert notes["srw"] == {"first": True, "second": False}
    by_lock = {}
    for name, address in locks.seen:
        by_lock.setdefault(address, []).append(name)
    assert len(by_lock) == 3, "a, b and srw: three structures, each always at the same address"
    assert sorted(map(len, by_lock.values())) == [1, 1, 6]      # a: init, enter, try, leave ×2, delete


def test_a_lock_used_before_initialisation_is_refused_like_the_model(fakes, tmp_path):
    """L1: EnterCriticalSection on a structure never initialised names the file and line (the model does the
    same); nothing reaches kernel32."""
    from kernelsim.model.services import ScenarioError
    t, k32, ws2, errors = fakes
    path = tmp_path / "uninit.py"
    path.write_text("from kernelsim.win32 import *\n\n"
                    "def main():\n    yield EnterCriticalSection(CRITICAL_SECTION())\n")
    with pytest.raises(ScenarioError) as err:
        LiveRun(scenarios.load(str(path)), t, watchdog=2).run()
    assert err.value.line == 4 and "never initialised" in err.value.message and "(L1)" in err.value.message


class FakeNet:
    """AcceptEx (mswsock), setsockopt, select, WSAEventSelect and WSAEnumNetworkEvents of ws2_32."""

    def __init__(self, errors):
        self.errors = errors
        self.calls = []

    def AcceptEx(self, listener, accept, buf, receive_len, local_len, remote_len, got, ov):
        self.calls.append(("AcceptEx", listener.value, accept.value, ctypes.sizeof(buf) if buf is not None else 0,
                           receive_len.value, local_len.value, remote_len.value, ctypes.addressof(_out(ov))))
        self.errors.set(997)
        return 0

    def setsockopt(self, s, level, name, value, size):
        self.calls.append(("setsockopt", s.value, level, name, _out(value).value, size))
        self.errors.set(0)
        return 0

    def select(self, nfds, readfds, writefds, exceptfds, timeout):
        read = _out(readfds)
        self.calls.append(("select", list(read.fd_array[:read.fd_count]), writefds, exceptfds,
                           (_out(timeout).tv_sec, _out(timeout).tv_usec)))
        last = read.fd_array[read.fd_count - 1]
        read.fd_count, read.fd_array[0] = 1, last        # only the last socket is readable
        self.errors.set(0)
        return 1

    def WSAEventSelect(self, s, event, mask):
        self.calls.append(("WSAEventSelect", s.value, event.value, mask.value))
        self.errors.set(0)
        return 0

    def WSAEnumNetworkEvents(self, s, event, ref):
        ev = _out(ref)
        ev.lNetworkEvents = 0x21                          # FD_READ | FD_CLOSE
        ev.iErrorCode[5] = 10053
        self.errors.set(0)
        return 0


def test_acceptex_select_and_event_select_marshal_as_windows_expects(fakes, tmp_path):
    """D12–D15 through ctypes: AcceptEx gets a real output buffer of the three lengths and the slot's
    OVERLAPPED; SO_UPDATE_ACCEPT_CONTEXT passes the listening SOCKET by value (pointer-sized); select gets an
    fd_set of the scenario's size (65 sockets fit: FD_SETSIZE is the program's) and its answer rewrites the
    scenario's set in place; WSAEnumNetworkEvents comes back as a WSANETWORKEVENTS."""
    t, k32, ws2, errors = fakes
    net = FakeNet(errors)
    t.mswsock = net
    for name in ("setsockopt", "select", "WSAEventSelect", "WSAEnumNetworkEvents"):
        setattr(ws2, name, getattr(net, name))
    path = tmp_path / "net_case.py"
    path.write_text(textwrap.dedent("""
        from kernelsim.win32 import *

        def main():
            ov = OVERLAPPED(op="accept")
            ok, n = yield AcceptEx(0x40, 0x44, bytearray(64), 0, 32, 32, ov)
            yield note("acceptex", ok=ok, n=n, error=(yield WSAGetLastError()))
            yield note("update", rc=(yield setsockopt(0x44, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, 0x40)))
            big = fd_set(128)
            for s in range(0x100, 0x100 + 65 * 4, 4):
                FD_SET(s, big)
            yield note("select", n=(yield select(0, big, None, None, TIMEVAL(1, 500))), ready=list(big.fd_array))
            yield note("es", rc=(yield WSAEventSelect(0x44, 0x50, FD_READ | FD_CLOSE)))
            rc, ev = yield WSAEnumNetworkEvents(0x44, 0x50)
            yield note("enum", rc=rc, bits=ev.lNetworkEvents, close=ev.iErrorCode[FD_CLOSE_BIT])
    """))
    outcome = LiveRun(scenarios.load(str(path)), t, watchdog=2).run()
    notes = {n.tag: n.fields for n in outcome.notes()}
    assert notes["acceptex"] == {"ok": False, "n": 0, "error": 997}
    accept = net.calls[0]
    assert accept[:7] == ("AcceptEx", 0x40, 0x44, 64, 0, 32, 32)
    assert accept[7] == ctypes.addressof(t.slots[1].ov)
    assert net.calls[1] == ("setsockopt", 0x44, 0xFFFF, 0x700B, 0x40, 8)
    assert notes["update"] == {"rc": 0}
    _, sockets, write, exc, timeout = net.calls[2]
    assert len(sockets) == 65 and sockets[-1] == 0x100 + 64 * 4 and (write, exc, timeout) == (None, None, (1, 500))
    assert notes["select"] == {"n": 1, "ready": [0x100 + 64 * 4]}
    assert net.calls[3] == ("WSAEventSelect", 0x44, 0x50, 0x21)
    assert notes["enum"] == {"rc": 0, "bits": 0x21, "close": 10053}
