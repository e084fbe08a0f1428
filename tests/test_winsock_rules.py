"""Winsock rules the strict live comparison found (issue 9), each test written from its rule.

- B11, the last error after success: a successful Winsock call sets the thread's last error to 0
  (Wine's ws2_32 tests, which run on Windows: "WSAGetLastError() should return zero after a
  successful call"); CreateEvent/WSACreateEvent do too (CreateEventExW ends with
  SetLastError(RtlNtStatusToDosError(status)), Wine dlls/kernelbase/sync.c).
- C2 (oracle 3.8): blocking Winsock calls wait alertably and resume after APCs.
- D3 (oracle 4.4): a non-blocking send is accepted whole.
- The Wine switches measured live (A10, B12, C2, D3, D6): each test names its switch.
The rule text is in kernelsim/rulebook/rules.en.md (and .ko.md).
"""

import pytest

from helpers import run
from kernelsim.win32 import *


def _last_errors(calls):
    """A scenario that sets the last error to 997 before each call and notes it after."""
    def main():
        server, client = yield tcp_pair()
        for name, make in calls(server, client):
            yield SetLastError(ERROR_IO_PENDING)
            result = yield make
            yield note("after", call=name, error=(yield GetLastError()), result=result)
    return {n.call: n.error for n in run(main).notes("after")}


def test_last_error_is_zero_after_every_successful_winsock_call():
    """B11, the last error after success (oracle: Wine ws2_32 tests run on Windows): send, recv,
    WSASend, WSARecv with data, setsockopt, getsockopt, shutdown, ioctlsocket and socket all leave 0
    when they succeed, whatever the last error was before; so do CreateEvent and WSACreateEvent."""
    def calls(server, client):
        return [
            ("send", send(client, b"abcd")),
            ("recv", recv(server, 2)),
            ("WSARecv", WSARecv(server, WSABUF(8), OVERLAPPED())),
            ("WSASend", WSASend(client, WSABUF(b"xy"), OVERLAPPED())),
            ("setsockopt", setsockopt(server, SOL_SOCKET, SO_RCVBUF, 8192)),
            ("getsockopt", getsockopt(server, SOL_SOCKET, SO_RCVBUF)),
            ("ioctlsocket", ioctlsocket(server, FIONBIO, 0)),
            ("shutdown", shutdown(client, SD_SEND)),
            ("socket", socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)),
            ("WSACreateEvent", WSACreateEvent()),
            ("CreateEvent", CreateEvent(None, False, False, None)),
        ]
    errors = _last_errors(calls)
    assert errors == {name: 0 for name in errors}, errors


def test_closesocket_leaves_the_last_error_on_success():
    """closesocket sets the last error only when it fails (ws2_32's closesocket; measured on Wine 8):
    a successful close leaves WSA_IO_PENDING from before."""
    def calls(server, client):
        return [("closesocket", closesocket(server))]
    assert _last_errors(calls) == {"closesocket": WSA_IO_PENDING}


def test_failures_and_pending_calls_still_set_their_codes():
    """The rule's other half: a call that fails sets its error (WSAENOTSOCK for a value that is not a
    socket) and a WSARecv that pends sets WSA_IO_PENDING — the clearing never hides them."""
    def calls(server, client):
        return [
            ("WSARecv", WSARecv(server, WSABUF(8), OVERLAPPED())),
            ("closesocket", closesocket(123456)),
        ]
    assert _last_errors(calls) == {"WSARecv": WSA_IO_PENDING, "closesocket": WSAENOTSOCK}


def test_a_blocking_recv_that_completes_later_leaves_zero():
    """A blocking recv that waits and then succeeds returns with last error 0 (the error is set when
    the call returns, not only when it starts)."""
    def main():
        server, client = yield tcp_pair()
        yield CreateThread(later, client, name="peer")
        yield SetLastError(ERROR_IO_PENDING)
        data = yield recv(server, 16)
        yield note("after", data=data, error=(yield GetLastError()))

    def later(client):
        yield Sleep(5)
        yield SetLastError(5)
        yield send(client, b"hi")

    n = run(main).note("after")
    assert (n.data, n.error) == (b"hi", 0)


@pytest.mark.parametrize("profile", ["windows", "wine", "wine10"])
def test_kernel32_calls_keep_the_last_error_on_success(profile):
    """Kernel32 calls keep their documented behaviour: SetEvent, PostQueuedCompletionStatus and a wait
    that succeeds leave the last error as it was (B11: the last error after success)."""
    def main():
        ev = yield CreateEvent(None, True, False, None)
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        yield SetLastError(1234)
        yield SetEvent(ev)
        yield PostQueuedCompletionStatus(port, 0, 1, None)
        yield WaitForSingleObject(ev, 0)
        yield note("after", error=(yield GetLastError()))
    assert run(main, profile=profile).note("after").error == 1234


# --- C2: blocking Winsock calls wait alertably and resume (oracle 3.8) ----------------------

def test_c2_a_blocking_recv_runs_apcs_and_goes_on_waiting():
    """C2 (oracle 3.8, Wine test_WSARecv: "Non-overlapped WSARecv() performs an alertable wait"): an APC
    queued to a thread blocked in recv runs on that thread at once; recv does not return
    WAIT_IO_COMPLETION but goes on waiting and returns the data when it comes."""
    def main():
        server, client = yield tcp_pair()
        r = yield CreateThread(receiver, server, name="R")
        yield Sleep(5)
        yield QueueUserAPC(apc, r, 1)
        yield Sleep(5)
        yield send(client, b"late")
        yield WaitForSingleObject(r, INFINITE)

    def receiver(s):
        data = yield recv(s, 16)
        yield note("recv", data=data, error=(yield GetLastError()))

    def apc(arg):
        yield note("apc", arg=arg)

    out = run(main)
    assert [(n.tag, n.thread, n.time) for n in out.notes()] == [("apc", "R", 5), ("recv", "R", 10.1)]
    assert (out.note("recv").data, out.note("recv").error) == (b"late", 0)


def _accept_after_apc(profile):
    """Wine's test_accept: queue an APC to yourself, then accept(); the peer connects only after the APC ran."""
    def main():
        listener = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield bind(listener, ("127.0.0.1", 5050))
        yield listen(listener, 5)
        ran = yield CreateEvent(None, True, False, None)
        yield CreateThread(connector, ran, name="peer")
        me = yield GetCurrentThread()
        yield QueueUserAPC(apc, me, ran)
        s = yield accept(listener)
        yield note("accepted", ok=s != INVALID_SOCKET)

    def apc(ran):
        yield note("apc")
        yield SetEvent(ran)

    def connector(ran):
        yield WaitForSingleObject(ran, INFINITE)
        c = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield connect(c, ("127.0.0.1", 5050))

    return run(main, profile=profile, config={"may_hang": True})


def test_c2_a_blocking_accept_runs_an_apc_queued_before_it():
    """C2 (oracle 3.8, Wine test_accept passes on Windows): accept() runs the APC the thread queued to itself,
    the APC lets the peer connect, and accept returns that connection."""
    out = _accept_after_apc("windows")
    assert [n.tag for n in out.notes()] == ["apc", "accepted"] and out.note("accepted").ok
    assert out.end_reason == "main returned"


def test_c2_wine8_accept_does_not_run_apcs():
    """wine profile (measured on Wine 8, switch blocking_accept_alertable=False): accept() waits without
    running the queued APC, so the peer never connects and the run never finishes."""
    out = _accept_after_apc("wine")
    assert [n.tag for n in out.notes()] == [] and out.end_reason in ("hang", "deadlock")


def test_c2_a_blocking_send_resumes_after_an_apc():
    """C2: a blocking send that pends (SO_SNDBUF 0, D4) runs an APC queued to it and goes on: it returns the
    full count once the peer has taken the data, never WAIT_IO_COMPLETION."""
    def main():
        server, client = yield tcp_pair()
        yield setsockopt(client, SOL_SOCKET, SO_SNDBUF, 0)
        w = yield CreateThread(sender, client, name="S")
        yield Sleep(1)
        yield QueueUserAPC(apc, w, 7)
        yield Sleep(1)
        got = 0
        while got < 32768:
            got += len((yield recv(server, 65536)))
        yield WaitForSingleObject(w, INFINITE)
        yield note("peer", got=got)

    def sender(s):
        n = yield send(s, b"z" * 32768)
        yield note("sent", n=n, error=(yield GetLastError()))

    def apc(arg):
        yield note("apc", arg=arg)

    out = run(main)
    assert [n.tag for n in out.notes()] == ["apc", "sent", "peer"]
    assert (out.note("sent").n, out.note("sent").error, out.note("peer").got) == (32768, 0, 32768)


def test_c2_a_recv_that_completes_while_its_apc_runs_returns_after_it():
    """C2: if the data arrives while the APC runs, recv returns it as soon as the APC is done (the I/O stayed
    in flight during the APC); it does not wait again."""
    def main():
        server, client = yield tcp_pair()
        r = yield CreateThread(receiver, server, name="R")
        yield Sleep(5)
        yield QueueUserAPC(apc, r, 1)
        yield Sleep(1)
        yield send(client, b"meanwhile")
        yield WaitForSingleObject(r, INFINITE)

    def receiver(s):
        data = yield recv(s, 16)
        yield note("recv", data=data)

    def apc(arg):
        yield compute(10)
        yield note("apc-done")

    out = run(main)
    assert [(n.tag, n.time) for n in out.notes()] == [("apc-done", 15), ("recv", 15)]
    assert out.note("recv").data == b"meanwhile"


def test_c2_what_ends_a_blocking_call_during_its_apc_does_not_end_the_apcs_own_wait():
    """C2: an APC that runs inside a blocking recv (or accept) and sleeps sleeps its full time, even
    though the recv's data (the accept's connection) arrives meanwhile; the call returns after the APC."""
    def main(what):
        listener = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield bind(listener, ("127.0.0.1", 5051))
        yield listen(listener, 5)
        server, client = yield tcp_pair()
        yield CreateThread(peer, client, name="peer")
        me = yield GetCurrentThread()
        yield QueueUserAPC(apc, me, 0)
        if what == "recv":
            got = yield recv(server, 16)
        else:
            got = (yield accept(listener)) != INVALID_SOCKET
        yield note("returned", got=got)

    def apc(arg):
        yield Sleep(5)
        yield note("apc-slept")

    def peer(client):
        yield Sleep(2)
        yield send(client, b"hi")
        c = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield connect(c, ("127.0.0.1", 5051))

    for what, got in (("recv", b"hi"), ("accept", True)):
        def entry():
            yield from main(what)
        out = run(entry)
        slept = out.note("apc-slept")
        assert slept.time >= 5, (what, slept.time)
        assert (out.note("returned").got, out.note("returned").time >= slept.time) == (got, True), what


# --- D3: a non-blocking send larger than the free send buffer is accepted whole -------------------

def _nonblocking(profile):
    def main():
        server, client = yield tcp_pair()
        yield ioctlsocket(client, FIONBIO, 1)
        for size in (65536, 100):
            n = yield send(client, b"q" * size)
            yield note("send", size=size, n=n, error=(yield GetLastError()))
    return [(n.n, n.error) for n in run(main, profile=profile).notes()]


def test_d3_a_nonblocking_send_is_accepted_whole():
    """D3 (oracle 4.4: Wine's test_send_buffering, run on Windows, has 50 MB non-blocking sends accepted):
    a non-blocking send larger than the free send buffer (SO_SNDBUF 8 KB) is accepted whole; the next one,
    with AFD's buffering now over its threshold, fails with WSAEWOULDBLOCK."""
    assert _nonblocking("windows") == [(65536, 0), (SOCKET_ERROR, WSAEWOULDBLOCK)]


def test_d3_wine8_takes_a_partial_count():
    """wine profile (measured on Wine 8, switch nonblocking_send_partial): only what fits is taken, a partial
    count; Wine 10 takes it whole as Windows does."""
    assert _nonblocking("wine") == [(8192, 0), (SOCKET_ERROR, WSAEWOULDBLOCK)]
    assert _nonblocking("wine10") == _nonblocking("windows")


# --- B12: CancelIoEx(h, NULL) -------------------------------------------------------------------

def _cancel_all(profile, receives):
    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        server, client = yield tcp_pair()
        yield CreateIoCompletionPort(server, port, 1, 0)
        for i in range(receives):
            yield WSARecv(server, WSABUF(16), OVERLAPPED(op=f"r{i}"))
        yield SetLastError(77)
        ok = yield CancelIoEx(server, None)
        yield note("cancel", ok=ok, error=(yield GetLastError()))
        for _ in range(receives):
            ok, n, key, ov = yield GetQueuedCompletionStatus(port, 0)
            yield note("done", op=ov.op, error=(yield GetLastError()))
    return run(main, profile=profile)


def test_b12_cancelioex_all_with_nothing_pending_fails_with_not_found():
    """B12 (MS-CANCELIOEX: "If the function fails … ERROR_NOT_FOUND if no operations were found"): with
    nothing pending CancelIoEx(h, NULL) is FALSE/1168 on Windows and Wine 10; Wine 8 returns TRUE and leaves
    the last error (switch cancel_all_empty_ok, measured live)."""
    for profile, expected in (("windows", (False, ERROR_NOT_FOUND)), ("wine10", (False, ERROR_NOT_FOUND)),
                              ("wine", (True, 77))):
        n = _cancel_all(profile, 0).note("cancel")
        assert (n.ok, n.error) == expected, profile


def test_b12_cancelled_receives_complete_in_issue_order_newest_first_on_wine():
    """B12: the receives one CancelIoEx(h, NULL) cancels complete with 995 in issue order (the model's
    Windows; no oracle test covers the order), newest first on Wine 8 and 10 (switch cancel_order, measured
    live)."""
    for profile, order in (("windows", ["r0", "r1", "r2"]), ("wine", ["r2", "r1", "r0"]),
                           ("wine10", ["r2", "r1", "r0"])):
        out = _cancel_all(profile, 3)
        assert [n.op for n in out.notes("done")] == order, profile
        assert {n.error for n in out.notes("done")} == {ERROR_OPERATION_ABORTED}


# --- A10 on Wine 8: an APC to a waiter of a closed port --------------------------------------------

def _apc_to_closed_port_waiter(profile):
    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        w = yield CreateThread(waiter, port, name="W")
        yield Sleep(5)
        yield CloseHandle(port)
        yield Sleep(5)
        yield QueueUserAPC(apc, w, 1)
        yield WaitForSingleObject(w, 100)

    def waiter(port):
        ok, entries = yield GetQueuedCompletionStatusEx(port, 4, INFINITE, TRUE)
        yield note("gqcsex", ok=ok, error=(yield GetLastError()))
        yield note("sleepex", result=(yield SleepEx(0, TRUE)))

    def apc(arg):
        yield note("apc")

    return [(n.tag, getattr(n, "error", None), getattr(n, "result", None)) for n in run(main, profile=profile).notes()]


def test_a10_wine8_an_apc_to_a_closed_ports_waiter_fails_the_wait_and_stays_queued():
    """wine profile (measured on Wine 8, switch closed_port_apc_fails): closing the port wakes nobody (W4);
    an APC then ends the alertable GQCSEx with FALSE/ERROR_INVALID_HANDLE without running, and runs at the
    thread's next alertable wait.  On Windows the close itself ends the wait with 735 (A10)."""
    assert _apc_to_closed_port_waiter("wine") == [
        ("gqcsex", ERROR_INVALID_HANDLE, None), ("apc", None, None), ("sleepex", None, WAIT_IO_COMPLETION)]
    assert _apc_to_closed_port_waiter("windows") == [
        ("gqcsex", ERROR_ABANDONED_WAIT_0, None), ("sleepex", None, 0)]


# --- D6: receives after a peer RST, per Win32 ------------------------------------------------------

def _after_rst(profile):
    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        server, client = yield tcp_pair()
        yield CreateIoCompletionPort(server, port, 5, 0)
        yield setsockopt(client, SOL_SOCKET, SO_LINGER, LINGER(1, 0))
        yield closesocket(client)
        yield Sleep(5)
        for _ in range(2):
            rc, n, flags = yield WSARecv(server, WSABUF(64), OVERLAPPED())
            error = yield WSAGetLastError()
            ok, nb, key, ov = yield GetQueuedCompletionStatus(port, 0)
            yield note("wsarecv", rc=rc, error=error, packet=ov is not None)
        data = yield recv(server, 64)
        yield note("recv", data=data, error=(yield WSAGetLastError()))
    return [(n.tag, getattr(n, "rc", None), n.error) for n in run(main, profile=profile).notes()]


def test_d6_receives_after_a_reset_fail_on_windows():
    """D6 (oracle: later calls fail at once with WSAECONNRESET and queue no packet): every WSARecv and recv
    after a peer RST, with nothing buffered, fails with 10054."""
    assert _after_rst("windows") == [("wsarecv", SOCKET_ERROR, WSAECONNRESET),
                                     ("wsarecv", SOCKET_ERROR, WSAECONNRESET), ("recv", None, WSAECONNRESET)]


def test_d6_wine8_reads_zero_bytes_and_wine10_once():
    """Measured live: Wine 8 completes every later receive with 0 bytes (rst_recv_fails=False); Wine 10
    completes the first WSARecv with 0 bytes and a packet and fails the rest (rst_wsarecv_zero_once)."""
    assert _after_rst("wine") == [("wsarecv", 0, 0), ("wsarecv", 0, 0), ("recv", None, 0)]
    assert _after_rst("wine10") == [("wsarecv", 0, 0), ("wsarecv", SOCKET_ERROR, WSAECONNRESET),
                                    ("recv", None, WSAECONNRESET)]


def test_d6_wine10_a_receive_pending_at_the_reset_uses_up_the_zero_byte_one():
    """Measured live on Wine 10 (peer-rst): when a WSARecv was pending at the RST, it fails with 64 and the
    next WSARecv already fails with 10054 — the one 0-byte completion goes to the first receive the RST
    meets, pending or not."""
    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        server, client = yield tcp_pair()
        yield CreateIoCompletionPort(server, port, 5, 0)
        yield WSARecv(server, WSABUF(64), OVERLAPPED())
        yield setsockopt(client, SOL_SOCKET, SO_LINGER, LINGER(1, 0))
        yield closesocket(client)
        ok, n, key, ov = yield GetQueuedCompletionStatus(port, 100)
        yield note("pending", ok=ok, error=(yield GetLastError()))
        rc, n, flags = yield WSARecv(server, WSABUF(64), OVERLAPPED())
        yield note("late", rc=rc, error=(yield WSAGetLastError()))
    notes = run(main, profile="wine10").notes()
    assert [(n.tag, n.error) for n in notes] == [("pending", ERROR_NETNAME_DELETED), ("late", WSAECONNRESET)]


def _send_after_peer_closed(profile):
    """Oracle 2.20's program: the peer closes; we send (it succeeds), the peer's stack answers with RST."""
    def main():
        s, c = yield tcp_pair()
        yield closesocket(c)
        yield Sleep(1)
        yield note("send", n=(yield send(s, b"test")), err=(yield WSAGetLastError()))
        yield Sleep(1)
        yield note("recv", r=(yield recv(s, 10)), err=(yield WSAGetLastError()))
        yield note("send2", n=(yield send(s, b"more")), err=(yield WSAGetLastError()))
        rc, n, flags = yield WSARecv(s, WSABUF(10), OVERLAPPED())
        yield note("WSARecv", rc=rc, err=(yield WSAGetLastError()))
    return {n.tag: n for n in run(main, profile=profile).notes()}


def test_a_rst_answering_data_sent_after_the_peer_closed_aborts_the_connection():
    """D6 with oracle 2.20 (Wine's test_shutdown, run on Windows): data sent to a peer that had
    already closed is accepted (4 bytes), the peer's RST then aborts the connection and the next recv
    fails with WSAECONNABORTED (10053), not WSAECONNRESET; later calls fail with the same code."""
    notes = _send_after_peer_closed("windows")
    assert (notes["send"].n, notes["send"].err) == (4, 0)
    assert (notes["recv"].r, notes["recv"].err) == (SOCKET_ERROR, WSAECONNABORTED)
    assert (notes["send2"].n, notes["send2"].err) == (SOCKET_ERROR, WSAECONNABORTED)
    assert (notes["WSARecv"].rc, notes["WSARecv"].err) == (SOCKET_ERROR, WSAECONNABORTED)


@pytest.mark.parametrize("profile, recv_result", [("wine10", (SOCKET_ERROR, WSAECONNRESET)), ("wine", (b"", 0))])
def test_wine_reports_the_aborted_connection_as_a_reset(profile, recv_result):
    """Switch rst_after_fin_error (measured live on Wine 8 and Wine 10): both report the RST that answers
    data sent after the peer's FIN as WSAECONNRESET (10054) — Wine 8's recv still reads it as a
    graceful 0 (switch rst_recv_fails), its send fails with 10054."""
    notes = _send_after_peer_closed(profile)
    assert (notes["recv"].r, notes["recv"].err) == recv_result
    assert (notes["send2"].n, notes["send2"].err) == (SOCKET_ERROR, WSAECONNRESET)


def test_a_rst_without_a_fin_before_it_is_still_a_reset():
    """D6: a peer that closes with linger {1,0} resets the connection: WSAECONNRESET (10054), as before."""
    def main():
        s, c = yield tcp_pair()
        yield setsockopt(c, SOL_SOCKET, SO_LINGER, LINGER(1, 0))
        yield closesocket(c)
        yield Sleep(1)
        yield note("recv", r=(yield recv(s, 10)), err=(yield WSAGetLastError()))
    assert (run(main).note("recv").r, run(main).note("recv").err) == (SOCKET_ERROR, WSAECONNRESET)


def test_c2_a_blocking_send_runs_an_apc_queued_before_it():
    """C2 (oracle 3.8): a send that has to wait (SO_SNDBUF 0, D4) waits alertably, so an APC the thread queued
    to itself before the call runs inside it — before the send returns its full count."""
    def reader(s):
        got = 0
        while got < 20000:
            got += len((yield recv(s, 65536)))
        yield note("read", got=got)

    def apc(arg):
        yield note("apc", arg=arg)

    def main():
        server, client = yield tcp_pair()
        yield setsockopt(client, SOL_SOCKET, SO_SNDBUF, 0)
        me = yield GetCurrentThread()
        yield QueueUserAPC(apc, me, 3)
        yield CreateThread(reader, server, name="R")
        n = yield send(client, bytes(20000))
        yield note("sent", n=n)
        yield Sleep(5)

    out = run(main)
    tags = [n.tag for n in out.notes()]
    assert tags.index("apc") < tags.index("sent") and out.note("apc").time == 0
    assert out.note("sent").n == 20000 and out.note("sent").time > 0


def test_send_with_a_buffer_that_is_not_bytes_fails_with_wsaefault_and_sends_nothing():
    """MS send: WSAEFAULT "The buf parameter is not completely contained in a valid part of the user address
    space": a length passed where the buffer belongs (send(s, 123)) is SOCKET_ERROR, WSAEFAULT, and no byte
    reaches the peer."""
    def main():
        server, client = yield tcp_pair()
        rc = yield send(client, 123)
        yield note("send", rc=rc, error=(yield WSAGetLastError()))
        yield Sleep(1)
        yield ioctlsocket(server, FIONBIO, 1)
        yield note("peer", got=(yield recv(server, 1000)), error=(yield WSAGetLastError()))

    out = run(main)
    assert (out.note("send").rc, out.note("send").error) == (SOCKET_ERROR, WSAEFAULT)
    assert (out.note("peer").got, out.note("peer").error) == (SOCKET_ERROR, WSAEWOULDBLOCK)
