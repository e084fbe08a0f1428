"""The probe's line protocol and its transport: encoding, crashes, the watchdog, and real round trips.

The first tests need no Wine (a shell script stands in for the probe).  The
round-trip tests run probe.exe under Wine 8 and skip only when Wine or
mingw-w64 is truly absent (they say which, and the apt command).
"""

import sys
import textwrap

import pytest

from kernelsim import scenario as scenarios
from kernelsim.live import protocol, wine
from kernelsim.live.backend import LiveRun
from kernelsim.live.client import Hung, ProbeCrashed, ProbeTransport


# --- the protocol itself (no Wine) ------------------------------------------------------

def test_tokens_round_trip():
    """Protocol: ints (signed and unsigned 64-bit), bools and bytes survive encode/decode."""
    line = protocol.encode(3, "WSASend", [-1, 18446744073709551615, True, None, b"\x00hi"])
    assert line == "3 WSASend -1 18446744073709551615 1 0 x006869\n"
    msg = protocol.decode("3 R -1 10054 x006869 0\r\n")
    assert (msg.tid, msg.kind, msg.values) == (3, "R", (-1, 10054, b"\x00hi", 0))


def test_callback_and_error_messages_decode():
    """Protocol: A (APC), C (completion routine), X (rejected request) and READY lines decode."""
    assert protocol.decode("2 A 7").values == (7,)
    c = protocol.decode("2 C 1 0 5 0 0 x68656c6c6f")
    assert c.kind == "C" and c.values == (1, 0, 5, 0, 0, b"hello")
    x = protocol.decode("4 X unknown op Foo")
    assert x.kind == "X" and x.text == "unknown op Foo"
    assert protocol.decode("0 READY").kind == "READY"
    with pytest.raises(ValueError):
        protocol.decode("wine: something else")


def _fake_probe(script):
    return [sys.executable, "-c", textwrap.dedent(script)]


def test_probe_crash_reports_stderr_tail():
    """Robustness: a probe that dies mid-call raises ProbeCrashed carrying its stderr tail."""
    t = ProbeTransport(_fake_probe("""
        import sys
        print("0 READY", flush=True)
        sys.stdin.readline()
        print("probe: access violation at 0x1234", file=sys.stderr, flush=True)
        sys.exit(5)
    """), watchdog=5).start()
    try:
        with pytest.raises(ProbeCrashed) as err:
            t.request(1, "Sleep", [1], None)
        assert "exit code 5" in str(err.value)
        assert "access violation" in err.value.stderr_tail
    finally:
        t.close()
    assert t.proc.poll() is not None


def test_watchdog_stops_a_call_that_never_returns():
    """Robustness: a call without an answer raises Hung after the watchdog, naming the call; no hang."""
    t = ProbeTransport(_fake_probe("""
        import sys, time
        print("0 READY", flush=True)
        sys.stdin.readline()
        time.sleep(60)
    """), watchdog=0.3).start()
    try:
        with pytest.raises(Hung) as err:
            t.request(1, "GetQueuedCompletionStatus", [4, 0xFFFFFFFF], None)
        assert err.value.op == "GetQueuedCompletionStatus" and err.value.seconds == 0.3
    finally:
        t.close()
    assert t.proc.poll() is not None, "the probe is killed when the run ends"


# --- real round trips through probe.exe under Wine ----------------------------------------

@pytest.fixture(scope="module")
def session():
    lacking = wine.missing()
    if lacking:
        pytest.skip(f"Wine or mingw-w64 is absent, so the live tests cannot run: {lacking}")
    return wine.shared_session()


def _run_live(session, tmp_path, source, watchdog=5.0):
    path = tmp_path / "probe_case.py"
    path.write_text(textwrap.dedent(source))
    sc = scenarios.load(str(path))
    transport = ProbeTransport(session.command(), env=session.env, watchdog=watchdog).start()
    outcome = LiveRun(sc, transport, watchdog=watchdog).run()
    scenarios._check(sc, outcome)
    return outcome


ROUND_TRIPS = """
from kernelsim.win32 import *

def main():
    # threads, events, waits
    ev = yield CreateEvent(None, True, False, None)
    yield note("event", ok=ev > 0)
    yield note("wait-timeout", r=(yield WaitForSingleObject(ev, 0)))
    yield note("set", ok=(yield SetEvent(ev)))
    yield note("wait", r=(yield WaitForSingleObjectEx(ev, 10, TRUE)))
    yield note("reset", ok=(yield ResetEvent(ev)))
    yield note("multi", r=(yield WaitForMultipleObjects([ev, ev], FALSE, 0)))
    wev = yield WSACreateEvent()
    yield WSASetEvent(wev)
    yield note("wsawait", r=(yield WSAWaitForMultipleEvents([wev], FALSE, 0, FALSE)))
    yield WSACloseEvent(wev)
    yield note("sleepex", r=(yield SleepEx(1, TRUE)))
    yield Sleep(1)
    yield compute(2)
    yield SetLastError(1234)
    yield note("lasterror", e=(yield GetLastError()))
    # errors reported the Windows way
    yield note("badclose", ok=(yield CloseHandle(0x7FF0)), e=(yield GetLastError()))
    # ports
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    ov = OVERLAPPED(op="posted")
    key = object()
    yield PostQueuedCompletionStatus(port, 5, 9, ov)
    yield PostQueuedCompletionStatus(port, 6, key, None)
    ok, n, k, got = yield GetQueuedCompletionStatus(port, 0)
    yield note("gqcs", ok=ok, n=n, k=k, same=got is ov)
    ok, entries = yield GetQueuedCompletionStatusEx(port, 4, 0, FALSE)
    yield note("gqcsex", ok=ok, n=len(entries), same_key=entries[0].key is key)
    ok, n, k, got = yield GetQueuedCompletionStatus(port, 0)
    yield note("empty", ok=ok, got=got, e=(yield GetLastError()))
    # APCs run nested, on the thread they were queued to
    ready = yield CreateEvent(None, True, False, None)
    t1 = yield CreateThread(alertable, ready, name="T1")
    yield WaitForSingleObject(ready, 2000)
    yield Sleep(20)
    yield QueueUserAPC(apc, t1, "hi")
    yield WaitForSingleObject(t1, 2000)
    # sockets
    server, client = yield tcp_pair()
    yield CreateIoCompletionPort(server, port, 77, 0)
    rov = OVERLAPPED(op="recv")
    buf = WSABUF(16)
    rc, n, flags = yield WSARecv(server, [buf], rov)
    yield note("recv-pending", rc=rc, e=(yield WSAGetLastError()))
    sent = yield send(client, b"hello")
    ok, n, k, got = yield GetQueuedCompletionStatus(port, 1000)
    yield note("recv-done", ok=ok, n=n, k=k, same=got is rov, data=bytes(buf.buf[:n]))
    ok, n, flags = yield WSAGetOverlappedResult(server, rov, FALSE)
    yield note("gor", ok=ok, n=n)
    rc, n, flags = yield WSARecv(server, [WSABUF(16)], rov2 := OVERLAPPED(op="cancel"))
    yield note("cancel", ok=(yield CancelIoEx(server, rov2)))
    ok, n, k, got = yield GetQueuedCompletionStatus(port, 1000)
    yield note("cancelled", ok=ok, e=(yield GetLastError()), same=got is rov2)
    sov = OVERLAPPED(op="send")
    rc, n = yield WSASend(server, [WSABUF(b"pong")], sov)
    ok, n, k, got = yield GetQueuedCompletionStatus(port, 1000)
    yield note("send", rc=rc, ok=ok, same=got is sov, peer=(yield recv(client, 16)))
    yield note("sockopt", set=(yield setsockopt(client, SOL_SOCKET, SO_RCVBUF, 65536)),
               linger=(yield setsockopt(client, SOL_SOCKET, SO_LINGER, LINGER(1, 0))),
               got=(yield getsockopt(client, SOL_SOCKET, SO_LINGER)).l_onoff)
    yield note("fionbio", rc=(yield ioctlsocket(client, FIONBIO, 1)))
    yield note("wouldblock", r=(yield recv(client, 4)), e=(yield WSAGetLastError()))
    yield note("shutdown", rc=(yield shutdown(server, SD_SEND)))
    yield closesocket(server)
    yield closesocket(client)
    # a completion routine runs nested on the issuing thread
    t2 = yield CreateThread(routines, name="T2")
    yield WaitForSingleObject(t2, 2000)
    yield note("closeport", ok=(yield CloseHandle(port)))


def alertable(ready):
    yield SetEvent(ready)
    yield note("alertable", r=(yield SleepEx(2000, TRUE)))


def apc(arg):
    yield note("apc", arg=arg, r=(yield GetLastError()) >= 0)


def routines():
    a, b = yield tcp_pair()
    buf = WSABUF(8)
    ov = OVERLAPPED(op="cr")
    yield WSARecv(a, [buf], ov, done)
    yield send(b, b"abc")
    yield note("wait-cr", r=(yield SleepEx(2000, TRUE)))
    yield closesocket(a)
    yield closesocket(b)


def done(err, nbytes, ov, flags):
    yield note("routine", err=err, n=nbytes, op=ov.op, data=bytes(ov.Internal is not None and b"ok"))


def check(o):
    n = {x.tag: x for x in o.notes()}
    assert n["event"].ok and n["wait-timeout"].r == WAIT_TIMEOUT and n["set"].ok and n["wait"].r == 0
    assert n["multi"].r == WAIT_TIMEOUT and n["wsawait"].r == 0 and n["sleepex"].r == 0
    assert n["lasterror"].e == 1234
    assert (n["badclose"].ok, n["badclose"].e) == (False, ERROR_INVALID_HANDLE)
    assert (n["gqcs"].ok, n["gqcs"].n, n["gqcs"].k, n["gqcs"].same) == (True, 5, 9, True)
    assert (n["gqcsex"].ok, n["gqcsex"].n, n["gqcsex"].same_key) == (True, 1, True)
    assert (n["empty"].ok, n["empty"].got, n["empty"].e) == (False, None, WAIT_TIMEOUT)
    assert n["apc"].thread == "T1" and n["apc"].arg == "hi"
    assert n["alertable"].r == WAIT_IO_COMPLETION
    assert (n["recv-pending"].rc, n["recv-pending"].e) == (SOCKET_ERROR, WSA_IO_PENDING)
    r = n["recv-done"]
    assert (r.ok, r.n, r.k, r.same, r.data) == (True, 5, 77, True, b"hello")
    assert (n["gor"].ok, n["gor"].n) == (True, 5)
    assert n["cancel"].ok and (n["cancelled"].ok, n["cancelled"].e, n["cancelled"].same) == (
        False, ERROR_OPERATION_ABORTED, True)
    assert (n["send"].rc, n["send"].ok, n["send"].same, n["send"].peer) == (0, True, True, b"pong")
    assert (n["sockopt"].set, n["sockopt"].linger, n["sockopt"].got) == (0, 0, 1)
    assert n["fionbio"].rc == 0 and (n["wouldblock"].r, n["wouldblock"].e) == (SOCKET_ERROR, WSAEWOULDBLOCK)
    assert n["shutdown"].rc == 0
    assert n["routine"].thread == "T2" and (n["routine"].err, n["routine"].n, n["routine"].op) == (0, 3, "cr")
    assert n["wait-cr"].r == WAIT_IO_COMPLETION
    assert n["closeport"].ok
"""


def test_every_call_type_round_trips(session, tmp_path):
    """Probe protocol: each Win32 call type runs for real and answers the DESIGN §3 shapes; errors
    come back as Windows' failure value and GetLastError (B11, F1–F3, C2, C4, D1, D2, B12, D5)."""
    outcome = _run_live(session, tmp_path, ROUND_TRIPS)
    assert outcome.passed, outcome.failures


def test_apc_queued_right_after_createthread_runs_on_that_thread(session, tmp_path):
    """C8 (live): an APC queued to a just-created thread runs on it — before its function if the thread
    had not started (the probe must route it, a crash before), else at its first alertable wait."""
    outcome = _run_live(session, tmp_path, """
        from kernelsim.win32 import *

        def main():
            t = yield CreateThread(worker, name="W")
            yield QueueUserAPC(apc, t, 1)
            yield WaitForSingleObject(t, 2000)

        def worker():
            yield note("worker")
            yield SleepEx(300, TRUE)        # long enough for main's QueueUserAPC even on a busy machine

        def apc(arg):
            yield note("apc", arg=arg)

        def check(o):
            assert {n.thread for n in o.notes()} == {"W"}
            assert len(o.notes("apc")) == 1
    """)
    assert outcome.passed, outcome.failures


def test_a_scenario_close_never_reaches_the_probes_own_handles(session):
    """Issue 9: closesocket-twice's double close once hit the probe's listening socket.  The probe makes
    its own handles before READY and refuses to close them (WSAENOTSOCK / ERROR_INVALID_HANDLE, what the
    model answers for values it never issued); tcp_pair still works afterwards."""
    transport = ProbeTransport(session.command(), env=session.env, watchdog=5.0).start()
    try:
        transport.spawn(1)
        transport.begin(1, None)
        ret, err, listener, event = transport.request(1, "own", [], None)
        assert listener and event
        assert transport.request(1, "closesocket", [listener], None)[:2] == (-1, 10038)
        assert transport.request(1, "CloseHandle", [event], None)[:2] == (0, 6)
        assert transport.request(1, "WSACloseEvent", [event], None)[:2] == (0, 6)
        ret, err, server, client = transport.request(1, "tcp_pair", [], None)
        assert ret == 0 and server != client
    finally:
        transport.close()
