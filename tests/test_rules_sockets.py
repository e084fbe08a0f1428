"""Sockets, IRPs and memory: rules a wrong model could break while the older tests still passed (issue 14).

Written from SEMANTICS B11/B12, D3, D10, E1–E4, F2, oracle 2.x and ReactOS AFD; each test observes what a
student sees — return values and byte counts, completion times, memory() gauges back at their baseline.
"""

import pytest
from helpers import new_port_pair, peek, run

from kernelsim.win32 import *


# --- B12 / F2 / D10: byte counts of failed requests ------------------------------------------------

def test_b12_f2_a_cancelled_receive_reports_zero_bytes_through_every_path():
    """B12 + F2 + B11: a cancelled request completes with STATUS_CANCELLED and no data.  GQCS returns FALSE,
    0 bytes, the key and the OVERLAPPED, error 995; WSAGetOverlappedResult returns FALSE with 0 bytes and
    995; a completion routine gets dwError 995 and cbTransferred 0."""
    def routine(err, nbytes, ov, flags):
        yield note("routine", err=err, nbytes=nbytes)

    def main():
        port, server, client = yield from new_port_pair(key=7)
        ov = OVERLAPPED()
        yield WSARecv(server, WSABUF(10), ov)
        yield CancelIoEx(server, ov)
        ok, nbytes, key, got = yield GetQueuedCompletionStatus(port, 100)
        yield note("gqcs", ok=ok, nbytes=nbytes, key=key, same_ov=got is ov, error=(yield GetLastError()))
        ok, nbytes, flags = yield WSAGetOverlappedResult(server, ov, False)
        yield note("gor", ok=ok, nbytes=nbytes, error=(yield WSAGetLastError()))
        s2, c2 = yield tcp_pair()
        yield WSARecv(s2, WSABUF(10), OVERLAPPED(), routine)
        yield CancelIo(s2)
        yield SleepEx(0, True)

    o = run(main)
    g = o.note("gqcs")
    assert (g.ok, g.nbytes, g.key, g.same_ov, g.error) == (False, 0, 7, True, ERROR_OPERATION_ABORTED)
    assert (o.note("gor").ok, o.note("gor").nbytes, o.note("gor").error) == (False, 0, WSA_OPERATION_ABORTED)
    assert (o.note("routine").err, o.note("routine").nbytes) == (WSA_OPERATION_ABORTED, 0)


def test_d10_a_waiting_wsagetoverlappedresult_on_a_request_that_fails_reports_zero_bytes():
    """D10 + B11: WSAGetOverlappedResult(fWait=TRUE) on a pending receive that the peer's RST then fails
    returns FALSE with 0 bytes ("On failure *lpcbTransfer is not updated": nothing was transferred) and
    WSAECONNRESET."""
    def peer(client):
        yield Sleep(3)
        yield setsockopt(client, SOL_SOCKET, SO_LINGER, LINGER(1, 0))
        yield closesocket(client)

    def main():
        server, client = yield tcp_pair()
        event = yield WSACreateEvent()
        ov = OVERLAPPED(hEvent=event)
        yield WSARecv(server, WSABUF(10), ov)
        yield CreateThread(peer, client, name="peer")
        ok, nbytes, flags = yield WSAGetOverlappedResult(server, ov, True)
        yield note("gor", ok=ok, nbytes=nbytes, error=(yield WSAGetLastError()))

    g = run(main).note("gor")
    assert (g.ok, g.nbytes, g.error) == (False, 0, WSAECONNRESET)
    assert g.time == pytest.approx(3.1)


def test_d10_waiting_on_a_pending_wsasend_blocks_until_it_completes():
    """D10 + D4: with SO_SNDBUF 0 a WSASend pends until the transport has the bytes.  WSAGetOverlappedResult
    with fWait=FALSE says WSA_IO_INCOMPLETE (996); with fWait=TRUE it waits for the completion and returns
    TRUE with every byte and flags 0 — it does not answer 996 at once — and, a Winsock success, leaves the
    last error 0 (oracle: "WSAGetLastError() should return zero after a successful call")."""
    def main():
        server, client = yield tcp_pair()
        yield setsockopt(server, SOL_SOCKET, SO_SNDBUF, 0)
        event = yield WSACreateEvent()
        ov = OVERLAPPED(hEvent=event)
        rc, n = yield WSASend(server, WSABUF(b"z" * 300), ov)
        yield note("send", rc=rc, error=(yield WSAGetLastError()))
        ok, nbytes, flags = yield WSAGetOverlappedResult(server, ov, False)
        yield note("nowait", ok=ok, error=(yield WSAGetLastError()))
        ok, nbytes, flags = yield WSAGetOverlappedResult(server, ov, True)
        yield note("wait", ok=ok, nbytes=nbytes, flags=flags, error=(yield WSAGetLastError()))

    o = run(main)
    assert (o.note("send").rc, o.note("send").error) == (SOCKET_ERROR, WSA_IO_PENDING)
    assert (o.note("nowait").ok, o.note("nowait").error) == (False, WSA_IO_INCOMPLETE)
    w = o.note("wait")
    assert (w.ok, w.nbytes, w.flags, w.error) == (True, 300, 0, 0) and w.time == pytest.approx(0.1)


# --- D3: the send buffer --------------------------------------------------------------------------

def sndbuf_pair(sndbuf, rcvbuf):
    """A connected pair, the server's SO_SNDBUF and the client's SO_RCVBUF set (the client does not read)."""
    server, client = yield tcp_pair()
    yield setsockopt(server, SOL_SOCKET, SO_SNDBUF, sndbuf)
    yield setsockopt(client, SOL_SOCKET, SO_RCVBUF, rcvbuf)
    return server, client


def test_d3_a_send_that_exactly_fills_the_send_buffer_completes_at_once_and_one_byte_more_pends():
    """D3: "If the data fits in AFD's send buffer it is copied and the call returns 0 immediately": with
    SO_SNDBUF 8, an 8-byte WSASend succeeds at once and reports its 8 bytes; on a fresh connection a 9-byte
    one pends and reports none (lpNumberOfBytesSent is written only "if the send operation completes
    immediately", MS WSASend; the count comes with the completion)."""
    def main():
        server, client = yield from sndbuf_pair(8, 8192)
        rc, n = yield WSASend(server, WSABUF(b"12345678"), OVERLAPPED())
        yield note("fits", rc=rc, n=n)
        s2, c2 = yield tcp_pair()
        yield setsockopt(s2, SOL_SOCKET, SO_SNDBUF, 8)
        rc, n = yield WSASend(s2, WSABUF(b"123456789"), OVERLAPPED())
        yield note("over", rc=rc, n=n, error=(yield WSAGetLastError()))

    o = run(main)
    assert (o.note("fits").rc, o.note("fits").n) == (0, 8)
    assert (o.note("over").rc, o.note("over").n, o.note("over").error) == (SOCKET_ERROR, 0, WSA_IO_PENDING)


def test_d3_a_pending_send_completes_when_it_fits_in_the_send_buffer_before_it_is_on_the_wire():
    """D3 ("Winsock doesn't indicate the send completion until the stack completes enough sends to put back the
    socket within SO_SNDBUF quota", KB214397): SO_SNDBUF 8 and the peer's window 8 bytes.  S1 (8 bytes) is
    copied at once and sent; S2 (8 bytes) pends.  When S1 is acknowledged (0.1 ms) the buffer is free and S2 is
    copied into it and completes then — although the peer's window is full and none of its bytes are on the
    wire yet.  Its bytes follow S1's once the peer reads: the stream arrives in call order."""
    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        server, client = yield from sndbuf_pair(8, 8)
        yield CreateIoCompletionPort(server, port, 1, 0)
        r1 = yield WSASend(server, WSABUF(b"AAAAAAAA"), OVERLAPPED(op="S1"))
        r2 = yield WSASend(server, WSABUF(b"BBBBBBBB"), OVERLAPPED(op="S2"))
        yield note("issued", r1=r1, r2=r2[0])
        for _ in range(2):
            ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, 100)
            yield note("done", op=ov.op, ok=ok, nbytes=nbytes)
        yield Sleep(5)
        got = b""
        while len(got) < 16:
            got += yield recv(client, 64)
        yield note("stream", data=got)

    o = run(main)
    assert o.note("issued").r1 == (0, 8) and o.note("issued").r2 == SOCKET_ERROR
    done = [(n.op, n.ok, n.nbytes) for n in o.notes("done")]
    assert done == [("S1", True, 8), ("S2", True, 8)]
    assert o.notes("done")[1].time == pytest.approx(0.1)
    assert o.note("stream").data == b"AAAAAAAA" + b"BBBBBBBB"



def test_d3_a_send_bigger_than_the_send_buffer_completes_only_once_its_bytes_are_sent():
    """D3 (KB214397: a send completes once AFD has it within the SO_SNDBUF quota, or once the stack has sent it;
    "the order of calls made to WSASend is also the order in which the buffers are transmitted"): SO_SNDBUF 8,
    the peer's window 8.  S1 (8 bytes) is copied at once; S2 (12 bytes, more than the whole buffer) and S3
    (2 bytes) pend.  S1's acknowledgement frees the buffer, but S2 cannot be copied into it and the peer's
    window is full: nothing completes until the peer reads.  Then S2, then S3, and the stream is in order."""
    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        server, client = yield from sndbuf_pair(8, 8)
        yield CreateIoCompletionPort(server, port, 1, 0)
        for op, data in (("S1", b"A" * 8), ("S2", b"B" * 12), ("S3", b"CC")):
            yield WSASend(server, WSABUF(data), OVERLAPPED(op=op))
        ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, 5)
        first = ov.op
        ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, 5)
        yield note("before-read", first=first, more=ok)
        got = b""
        ops = []
        while len(ops) < 2 or len(got) < 22:
            if len(got) < 22:
                got += yield recv(client, 64)
            ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, 5)
            if ok:
                ops.append(ov.op)
        yield note("r", ops=ops, stream=got)

    o = run(main)
    assert (o.note("before-read").first, o.note("before-read").more) == ("S1", False)
    assert o.note("r").ops == ["S2", "S3"]
    assert o.note("r").stream == b"A" * 8 + b"B" * 12 + b"CC"

# --- return shapes of the blocking calls ------------------------------------------------------------

def test_blocking_wsarecv_and_wsasend_return_their_own_shapes_whether_or_not_they_block():
    """Return shapes (README, and the Win32 out-parameters they fold): WSARecv → (rc, bytes, flags), WSASend →
    (rc, bytes), for a call without an OVERLAPPED that completes at once and for one that blocks first."""
    def peer(client):
        yield Sleep(2)
        yield send(client, b"late")

    def main():
        server, client = yield tcp_pair()
        yield send(client, b"early")
        yield Sleep(1)
        yield note("recv-now", r=(yield WSARecv(server, WSABUF(16), None)))
        yield CreateThread(peer, client, name="peer")
        yield note("recv-blocked", r=(yield WSARecv(server, WSABUF(16), None)))
        yield note("send-now", r=(yield WSASend(server, WSABUF(b"abc"), None)))
        yield setsockopt(server, SOL_SOCKET, SO_SNDBUF, 0)
        yield note("send-blocked", r=(yield WSASend(server, WSABUF(b"defg"), None)))

    o = run(main)
    assert o.note("recv-now").r == (0, 5, 0)
    assert o.note("recv-blocked").r == (0, 4, 0) and o.note("recv-blocked").time == pytest.approx(3.1)
    assert o.note("send-now").r == (0, 3)
    assert o.note("send-blocked").r == (0, 4) and o.note("send-blocked").time > o.note("send-now").time


# --- E1–E4: memory comes back --------------------------------------------------------------------------

@pytest.mark.parametrize("discard", [False, True])
def test_e1_e4_a_peer_reset_socket_gives_all_its_memory_back(discard):
    """E1–E4 with D6: the server has a pending WSARecv on a port, unread bytes buffered on a second socket and a
    send waiting in its send buffer; the peer resets both connections (linger {1,0}).  Once every packet is
    dequeued and the server's sockets are closed, non-paged pool and locked pages are back to zero — with
    rst_discards_buffered on or off."""
    def main():
        port, server, client = yield from new_port_pair()
        yield WSARecv(server, WSABUF(4096), OVERLAPPED(op="recv"))
        s2, c2 = yield tcp_pair()
        yield CreateIoCompletionPort(s2, port, 2, 0)
        yield send(c2, b"unread bytes")
        yield setsockopt(c2, SOL_SOCKET, SO_RCVBUF, 4)
        yield WSASend(s2, WSABUF(b"w" * 64), OVERLAPPED(op="send"))
        yield Sleep(1)
        during = yield memory()
        yield note("during", npp=during[0])
        for c in (client, c2):
            yield setsockopt(c, SOL_SOCKET, SO_LINGER, LINGER(1, 0))
            yield closesocket(c)
        yield Sleep(1)
        while True:
            ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, 0)
            if ov is None:
                break
            yield note("packet", op=ov.op, ok=ok, error=(yield GetLastError()))
        yield recv(s2, 100)
        yield closesocket(server)
        yield closesocket(s2)
        yield Sleep(1)
        after = yield memory()
        yield note("after", npp=after[0], locked=after[1])

    o = run(main, config={"rst_discards_buffered": discard})
    assert o.note("during").npp > 0
    assert sorted((n.op, n.ok) for n in o.notes("packet")) == [("recv", False), ("send", True)]
    assert (o.note("after").npp, o.note("after").locked) == (0, 0)


def test_e4_a_tcp_pair_that_fails_half_way_leaves_no_memory_behind():
    """E4/E5: when the pool has room for one connected endpoint but not two, tcp_pair fails with
    WSAENOBUFS and INVALID_SOCKET twice, and the endpoint it did make is freed: memory() is back to its
    baseline and the next socket() still fits."""
    def main():
        before = yield memory()
        pair = yield tcp_pair()
        error = yield WSAGetLastError()
        after = yield memory()
        s = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield note("r", pair=pair, error=error, before=before, after=after, socket_ok=s != INVALID_SOCKET)

    r = run(main, config={"npp_limit": 4000}).note("r")
    assert r.pair == (INVALID_SOCKET, INVALID_SOCKET) and r.error == WSAENOBUFS
    assert r.after == r.before == (0, 0)
    assert r.socket_ok


def test_e3_the_locked_pages_limit_setting_is_the_limit():
    """E3 with CONFIG locked_pages_limit (SEMANTICS H: "locked_pages_limit = phys_pages/8 (configurable)"):
    with a limit of 2 pages, two pending one-page receives lock 2 pages and the third fails at once with
    WSAENOBUFS — whatever phys_mb would allow."""
    def main():
        results = []
        for _ in range(3):
            s, c = yield tcp_pair()
            rc, n, f = yield WSARecv(s, WSABUF(100), OVERLAPPED())
            results.append((rc, (yield WSAGetLastError())))
        yield note("r", results=results, locked=(yield memory())[1])

    r = run(main, config={"locked_pages_limit": 2}).note("r")
    assert r.results == [(SOCKET_ERROR, WSA_IO_PENDING)] * 2 + [(SOCKET_ERROR, WSAENOBUFS)]
    assert r.locked == 2


# --- what the stepper and the handle show ---------------------------------------------------------

def test_b4_an_irp_waiting_for_its_completion_routine_is_shown_in_the_apc_state():
    """B4.3 / C8 in the view: a completed request whose completion routine is queued as a user APC stays an
    IRP in state "apc" until the routine runs (its kernel routine frees it); the snapshot shows that state, and
    after the alertable wait the IRP is gone."""
    def routine(err, nbytes, ov, flags):
        yield note("routine", nbytes=nbytes)

    def main():
        server, client = yield tcp_pair()
        yield WSARecv(server, WSABUF(16), OVERLAPPED(), routine)
        yield send(client, b"data")
        yield Sleep(1)
        yield note("queued")
        yield SleepEx(0, True)
        yield note("ran")

    o = run(main, snapshots=True)
    at = first_snapshots(o)
    assert [i.state for i in at[1].irps] == ["apc"]
    assert o.note("routine").nbytes == 4
    assert at[3].irps == ()


def test_b7_a_null_hevent_written_as_0_signals_the_socket_handle():
    """B7/B4.2: with hEvent NULL the I/O manager signals the file object itself; NULL written as 0 is the same
    NULL: after the receive completes, waiting on the socket handle returns WAIT_OBJECT_0 at once."""
    def main():
        server, client = yield tcp_pair()
        yield WSARecv(server, WSABUF(16), OVERLAPPED(hEvent=0))
        yield note("before", state=(yield WaitForSingleObject(server, 0)))
        yield send(client, b"x")
        yield Sleep(1)
        yield note("after", state=(yield WaitForSingleObject(server, 0)))

    o = run(main)
    assert (o.note("before").state, o.note("after").state) == (WAIT_TIMEOUT, WAIT_OBJECT_0)


def test_b6_notification_modes_on_a_handle_that_is_not_a_file_fail_with_invalid_handle():
    """B6 (MS-SFCNM: the handle must be a file handle): SetFileCompletionNotificationModes on an event handle
    returns FALSE with ERROR_INVALID_HANDLE, as on a closed handle; on a socket it succeeds."""
    def main():
        event = yield CreateEvent(None, True, False, None)
        ok = yield SetFileCompletionNotificationModes(event, FILE_SKIP_COMPLETION_PORT_ON_SUCCESS)
        yield note("event", ok=ok, error=(yield GetLastError()))
        server, client = yield tcp_pair()
        ok = yield SetFileCompletionNotificationModes(server, FILE_SKIP_COMPLETION_PORT_ON_SUCCESS)
        yield note("socket", ok=ok)

    o = run(main)
    assert (o.note("event").ok, o.note("event").error) == (False, ERROR_INVALID_HANDLE)
    assert o.note("socket").ok is True


def test_bind_on_a_socket_that_already_has_an_address_fails_with_wsaeinval():
    """bind (MS docs, WSAEINVAL: "The socket is already bound to an address"): a connected socket has its
    local address — tcp_pair's server end and a client after connect() — so bind fails with WSAEINVAL; a fresh
    socket binds."""
    def main():
        server, client = yield tcp_pair()
        r1 = yield bind(server, ("127.0.0.1", 7001))
        e1 = yield WSAGetLastError()
        ls = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        r2 = yield bind(ls, ("127.0.0.1", 7002))
        yield listen(ls, 5)
        c = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield connect(c, ("127.0.0.1", 7002))
        r3 = yield bind(c, ("127.0.0.1", 7003))
        e3 = yield WSAGetLastError()
        yield note("r", results=[r1, r2, r3], errors=[e1, e3])

    r = run(main).note("r")
    assert r.results == [SOCKET_ERROR, 0, SOCKET_ERROR] and r.errors == [WSAEINVAL, WSAEINVAL]



def test_bind_on_a_socket_accept_returned_fails_with_wsaeinval():
    """bind (MS docs, WSAEINVAL: "The socket is already bound to an address") on accept()'s socket: the new
    socket has the listener's local address (MS accept: "the newly created socket … has the same properties as
    socket s"), so binding it fails with WSAEINVAL — to the listener's port or to any other."""
    def main():
        ls = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield bind(ls, ("127.0.0.1", 7011))
        yield listen(ls, 5)
        c = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield connect(c, ("127.0.0.1", 7011))
        a = yield accept(ls)
        r1 = yield bind(a, ("127.0.0.1", 7012))
        e1 = yield WSAGetLastError()
        yield note("r", accepted=a != INVALID_SOCKET, result=r1, error=e1)

    r = run(main).note("r")
    assert (r.accepted, r.result, r.error) == (True, SOCKET_ERROR, WSAEINVAL)

def test_b12_cancelioex_cancels_a_send_still_waiting_for_the_window():
    """B12/D8 on a send: SO_SNDBUF 0 and a peer whose 8-byte window is full, so a 100-byte WSASend waits with
    its buffer locked.  CancelIoEx(s, &ov) finds it (TRUE) and it completes through the port with FALSE, 995."""
    def main():
        port, server, client = yield from new_port_pair()
        yield setsockopt(server, SOL_SOCKET, SO_SNDBUF, 0)
        yield setsockopt(client, SOL_SOCKET, SO_RCVBUF, 8)
        ov = OVERLAPPED(op="send")
        rc, n = yield WSASend(server, WSABUF(b"s" * 100), ov)
        yield Sleep(1)
        ok = yield CancelIoEx(server, ov)
        yield note("cancel", ok=ok, pending=rc == SOCKET_ERROR)
        ok, nbytes, key, got = yield GetQueuedCompletionStatus(port, 100)
        yield note("g", ok=ok, op=got.op if got else None, error=(yield GetLastError()))

    o = run(main)
    assert (o.note("cancel").ok, o.note("cancel").pending) == (True, True)
    assert (o.note("g").ok, o.note("g").op, o.note("g").error) == (False, "send", ERROR_OPERATION_ABORTED)


def test_b12_a_cancelled_send_sends_no_more_and_cannot_be_cancelled_twice():
    """B12/D8 (oracle 2.12: a second CancelIoEx on the same request → ERROR_NOT_FOUND): SO_SNDBUF 0, the peer's
    window is 8 bytes, a 100-byte WSASend waits.  After CancelIoEx, only the 8 bytes already on the wire reach
    the peer — the rest of the cancelled send never goes out, even once the peer reads — and a second
    CancelIoEx on it finds nothing.  A 10-byte send whose bytes are all on the wire, cancelled before the
    acknowledgement, likewise cannot be cancelled twice."""
    def main():
        port, server, client = yield from new_port_pair()
        yield setsockopt(server, SOL_SOCKET, SO_SNDBUF, 0)
        yield setsockopt(client, SOL_SOCKET, SO_RCVBUF, 8)
        ov = OVERLAPPED(op="send")
        yield WSASend(server, WSABUF(b"s" * 100), ov)
        yield Sleep(1)
        yield CancelIoEx(server, ov)
        again = yield CancelIoEx(server, ov)
        yield note("again", ok=again, error=(yield GetLastError()))
        got = b""
        for _ in range(3):
            yield Sleep(2)
            yield ioctlsocket(client, FIONBIO, 1)
            data = yield recv(client, 256)
            if data != SOCKET_ERROR:
                got += data
        yield note("peer", n=len(got))
        s2, c2 = yield tcp_pair()
        yield setsockopt(s2, SOL_SOCKET, SO_SNDBUF, 0)
        ov2 = OVERLAPPED(op="short")
        yield WSASend(s2, WSABUF(b"t" * 10), ov2)
        first = yield CancelIoEx(s2, ov2)
        second = yield CancelIoEx(s2, ov2)
        yield note("short", first=first, second=second, error=(yield GetLastError()))

    o = run(main)
    assert (o.note("again").ok, o.note("again").error) == (False, ERROR_NOT_FOUND)
    assert o.note("peer").n == 8
    short = o.note("short")
    assert (short.first, short.second, short.error) == (True, False, ERROR_NOT_FOUND)


def test_oracle_2_20_data_sent_to_a_closed_endpoint_is_answered_with_a_reset():
    """Oracle 2.20 (Wine's test_shutdown, run on Windows): the server closed its socket; the client's send
    still succeeds (5 bytes, the FIN only says the peer will send no more), but the closed endpoint answers
    the data with RST, so the client's next recv fails (-1) instead of reporting end of stream — and the trace
    says "RST arrives"."""
    def main():
        server, client = yield tcp_pair()
        yield closesocket(server)
        yield Sleep(1)
        sent = yield send(client, b"hello")
        yield Sleep(1)
        got = yield recv(client, 10)
        yield note("r", sent=sent, got=got)

    o = run(main)
    assert (o.note("r").sent, o.note("r").got) == (5, SOCKET_ERROR)
    assert any(e.text.startswith("RST arrives at socket") for e in o.trace)


def test_closing_a_listener_resets_the_connections_it_never_accepted():
    """Closing a listening socket (MS closesocket: pending connections on a listening socket are reset;
    ReactOS afd/listen.c ListenComplete completes the queued work with STATUS_FILE_CLOSED): a client whose
    connection is still in the backlog sees a reset — its recv fails with WSAECONNRESET — not a graceful
    end of stream."""
    def main():
        ls = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield bind(ls, ("127.0.0.1", 7101))
        yield listen(ls, 5)
        c = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield connect(c, ("127.0.0.1", 7101))
        yield closesocket(ls)
        yield Sleep(1)
        got = yield recv(c, 10)
        yield note("r", got=got, error=(yield WSAGetLastError()))

    r = run(main).note("r")
    assert (r.got, r.error) == (SOCKET_ERROR, WSAECONNRESET)


def test_e1_a10_packets_of_a_closed_port_are_freed_when_its_last_socket_closes():
    """A10 + E1: the port object lives while an associated socket holds it.  With a completion queued and
    never dequeued, closing the port handle frees nothing yet (the socket still references the port); closing
    the socket deletes the port and frees the queued IRP: memory() is back to zero."""
    def main():
        port, server, client = yield from new_port_pair()
        yield WSARecv(server, WSABUF(16), OVERLAPPED())
        yield send(client, b"queued")
        yield Sleep(1)                                 # the completion is queued on the port
        yield CloseHandle(port)
        yield note("port-closed", npp=(yield memory())[0])
        yield closesocket(client)
        yield closesocket(server)
        yield Sleep(1)
        yield note("all-closed", mem=(yield memory()))

    o = run(main)
    assert o.note("port-closed").npp > 0
    assert o.note("all-closed").mem == (0, 0)


def test_wsasend_on_a_socket_that_is_not_connected_fails_with_wsaenotconn():
    """WSASend (MS docs, WSAENOTCONN: "The socket is not connected"), like WSARecv (oracle 2.8): on a fresh
    socket it fails at once — SOCKET_ERROR, WSAENOTCONN — and no request exists afterwards."""
    def main():
        s = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        rc, n = yield WSASend(s, WSABUF(b"data"), OVERLAPPED())
        yield note("r", rc=rc, error=(yield WSAGetLastError()), cancel=(yield CancelIoEx(s, None)))

    r = run(main).note("r")
    assert (r.rc, r.error, r.cancel) == (SOCKET_ERROR, WSAENOTCONN, False)


def test_e5_wsasend_without_pool_for_its_irp_fails_at_once_with_wsaenobufs():
    """E5 (a): when non-paged pool cannot hold the send's IRP, WSASend fails synchronously with WSAENOBUFS —
    SOCKET_ERROR, no packet, nothing charged."""
    def main():
        port, server, client = yield from new_port_pair()
        before = yield memory()
        rc, n = yield WSASend(server, WSABUF(b"data"), OVERLAPPED())
        error = yield WSAGetLastError()
        ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, 0)
        yield note("r", rc=rc, error=error, packet=ov is not None, same=(yield memory()) == before)

    r = run(main, config={"npp_limit": 2 * (2048 + 1024) + 500}).note("r")
    assert (r.rc, r.error, r.packet, r.same) == (SOCKET_ERROR, WSAENOBUFS, False, True)


def test_e4_connect_without_pool_for_the_connection_fails_with_wsaenobufs():
    """E4/E5: connecting charges the transport's connection objects to non-paged pool; when the pool cannot
    hold them, connect fails at once — SOCKET_ERROR, WSAENOBUFS — and the listener's backlog stays empty."""
    def main():
        ls = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield bind(ls, ("127.0.0.1", 7201))
        yield listen(ls, 5)
        c = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        rc = yield connect(c, ("127.0.0.1", 7201))
        error = yield WSAGetLastError()
        yield ioctlsocket(ls, FIONBIO, 1)
        accepted = yield accept(ls)
        yield note("r", rc=rc, error=error, backlog_empty=accepted == INVALID_SOCKET)

    r = run(main, config={"npp_limit": 2 * 2048 + 500}).note("r")
    assert (r.rc, r.error, r.backlog_empty) == (SOCKET_ERROR, WSAENOBUFS, True)


def test_the_stepper_lists_every_open_socket():
    """The view (README: "the sockets" panel): after tcp_pair the snapshot lists both endpoints by handle;
    after both are closed it lists none."""
    def main():
        server, client = yield tcp_pair()
        yield note("open", handles=[server, client])
        yield closesocket(server)
        yield closesocket(client)
        yield note("closed")

    o = run(main, snapshots=True)
    at = first_snapshots(o)
    assert [v.handle for v in at[1].sockets] == o.note("open").handles       # in the order they were made
    assert at[2].sockets == ()


def first_snapshots(outcome):
    """{number of notes: the snapshot taken when that note was made}."""
    at = {}
    for snap in outcome.trace.snapshots:
        at.setdefault(snap.notes, snap)
    return at


def test_a_malformed_address_is_wsaefault_for_bind_and_connect():
    """bind/connect (MS docs, WSAEFAULT: the name is not a valid address): the model's sockaddr is (host, port)
    with a string host and a port in 0..65535; anything else fails with SOCKET_ERROR and WSAEFAULT."""
    bad = [("127.0.0.1", 70000), ("127.0.0.1", -1), (127, 5000), ("127.0.0.1", "80"), ("127.0.0.1",),
           ("127.0.0.1", 80, 0), "127.0.0.1:80"]

    def main():
        results = []
        for name in bad:
            s = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
            rb = yield bind(s, name)
            eb = yield WSAGetLastError()
            rc = yield connect(s, name)
            ec = yield WSAGetLastError()
            results.append((rb, eb, rc, ec))
        yield note("r", results=results)

    assert run(main).note("r").results == [(SOCKET_ERROR, WSAEFAULT, SOCKET_ERROR, WSAEFAULT)] * len(bad)


def test_port_numbers_0_and_65535_bind_and_the_host_is_part_of_the_address():
    """bind: port 0 asks for an ephemeral port, 65535 is the last port, 65536 is not a port (WSAEFAULT); a
    [host, port] list is accepted as the tuple is, a mapping is not; the same port on two hosts is two
    addresses (no WSAEADDRINUSE)."""
    def main():
        results = []
        for name in (("127.0.0.1", 0), ("127.0.0.1", 65535), ("127.0.0.1", 65536), ["127.0.0.2", 7301],
                     {0: "127.0.0.1", 1: 7302}, ("127.0.0.3", 7303), ("127.0.0.4", 7303)):
            s = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
            r = yield bind(s, name)
            results.append((r, (yield WSAGetLastError()) if r else 0))
        yield note("r", results=results)

    assert run(main).note("r").results == [(0, 0), (0, 0), (SOCKET_ERROR, WSAEFAULT), (0, 0),
                                           (SOCKET_ERROR, WSAEFAULT), (0, 0), (0, 0)]


def test_b7_a_thread_blocked_on_the_socket_handle_wakes_when_a_request_without_event_completes():
    """B7 / oracle 2.18 ("With hEvent==NULL, the socket handle is signalled on completion"): a thread blocked in
    WaitForSingleObject on the socket handle wakes, WAIT_OBJECT_0, at the instant the receive completes."""
    def waiter(s):
        r = yield WaitForSingleObject(s, INFINITE)
        yield note("woke", result=r)

    def main():
        server, client = yield tcp_pair()
        yield WSARecv(server, WSABUF(16), OVERLAPPED())
        yield CreateThread(waiter, server, name="W")
        yield Sleep(2)
        yield send(client, b"x")
        yield Sleep(2)

    o = run(main)
    assert (o.note("woke").result, o.note("woke").time) == (WAIT_OBJECT_0, pytest.approx(2.1))


def test_b7_skip_set_event_also_covers_an_immediate_success():
    """B7 (MS-SFCNM: the handle is not signalled when the request "returns success"): with
    FILE_SKIP_SET_EVENT_ON_HANDLE set, a WSARecv that succeeds at once from buffered data leaves the socket
    handle unsignalled; without the flag it is signalled."""
    def main():
        results = []
        for flag in (FILE_SKIP_SET_EVENT_ON_HANDLE, 0):
            server, client = yield tcp_pair()
            if flag:
                yield SetFileCompletionNotificationModes(server, flag)
            yield send(client, b"ready")
            yield Sleep(1)
            rc, n, f = yield WSARecv(server, WSABUF(16), OVERLAPPED())
            results.append((rc, n, (yield WaitForSingleObject(server, 0))))
        yield note("r", results=results)

    assert run(main).note("r").results == [(0, 5, WAIT_TIMEOUT), (0, 5, WAIT_OBJECT_0)]


def test_d7_closing_one_of_two_handles_succeeds_and_cancels_nothing():
    """D7 / oracle 2.11: closesocket on one of two handles to a socket returns 0 and cancels nothing; the
    pending receive still completes with the data through the other handle's socket."""
    def main():
        port, server, client = yield from new_port_pair()
        me = yield GetCurrentProcess()
        ok, dup = yield DuplicateHandle(me, server, me, 0, False, DUPLICATE_SAME_ACCESS)
        yield WSARecv(server, WSABUF(16), OVERLAPPED(op="R"))
        r = yield closesocket(server)
        yield send(client, b"still")
        ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, 100)
        yield note("r", close=r, ok=ok, nbytes=nbytes, op=ov.op)

    r = run(main).note("r")
    assert (r.close, r.ok, r.nbytes, r.op) == (0, True, 5, "R")


def test_setsockopt_on_a_closed_handle_or_with_a_bad_value_fails():
    """setsockopt (MS docs): a handle that is not a socket → SOCKET_ERROR, WSAENOTSOCK; SO_SNDBUF/SO_RCVBUF with
    a value that is not a non-negative int (True, -1, "8") → WSAEFAULT; an unknown level → WSAENOPROTOOPT."""
    def main():
        server, client = yield tcp_pair()
        yield closesocket(client)
        results = [((yield setsockopt(client, SOL_SOCKET, SO_SNDBUF, 0)), (yield WSAGetLastError()))]
        for value in (True, -1, "8"):
            results.append(((yield setsockopt(server, SOL_SOCKET, SO_RCVBUF, value)), (yield WSAGetLastError())))
        results.append(((yield setsockopt(server, 6, SO_SNDBUF, 0)), (yield WSAGetLastError())))
        results.append(((yield setsockopt(server, SOL_SOCKET, SO_RCVBUF, 0)), 0))
        yield note("r", results=results)

    assert run(main).note("r").results == [(SOCKET_ERROR, WSAENOTSOCK)] + [(SOCKET_ERROR, WSAEFAULT)] * 3 + [
        (SOCKET_ERROR, 10042), (0, 0)]                     # WSAENOPROTOOPT


def test_reading_buffered_data_reopens_the_window_for_the_rest():
    """D2/D3 flow control: the reader's window (SO_RCVBUF 8) holds back the rest of a 20-byte send; each
    overlapped WSARecv that takes buffered data at once opens the window again, so the remaining bytes follow
    and all 20 arrive, in order."""
    def main():
        server, client = yield tcp_pair()
        yield setsockopt(client, SOL_SOCKET, SO_RCVBUF, 8)
        yield send(server, bytes(range(20)))
        got = b""
        for _ in range(6):
            yield Sleep(1)
            buf = WSABUF(8)
            rc, n, f = yield WSARecv(client, buf, OVERLAPPED())
            if rc == 0:
                got += bytes(buf.buf[:n])
        yield note("r", got=got)

    assert run(main).note("r").got == bytes(range(20))


def test_a_blocking_recv_that_completes_at_once_is_narrated_with_its_byte_count_or_the_fin():
    """D1/D5 in the trace: a blocking recv that finds data says how many bytes it returned; one that finds the
    peer's FIN says 0 bytes, the peer closed."""
    def main():
        server, client = yield tcp_pair()
        yield send(client, b"hello")
        yield shutdown(client, SD_SEND)
        yield Sleep(1)
        yield recv(server, 16)
        yield recv(server, 16)

    rows = [e for e in run(main).trace if "recv on" in e.text]
    assert rows[0].text.endswith("returns at once: 5 bytes") and "already buffered (D1)" in rows[0].why
    assert rows[1].text.endswith("0 bytes: the peer closed (FIN)") and "graceful close (D5)" in rows[1].why


def test_socket_calls_that_the_model_refuses_like_windows():
    """socket() of a type the model does not carry (SOCK_DGRAM) → INVALID_SOCKET, WSAESOCKTNOSUPPORT (10044);
    connect() on a listening socket → WSAEINVAL; getsockopt() at a level other than SOL_SOCKET →
    WSAENOPROTOOPT (10042) (MS docs of each call)."""
    def main():
        s = yield socket(AF_INET, 2, 0)                              # SOCK_DGRAM
        e1 = yield WSAGetLastError()
        ls = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield bind(ls, ("127.0.0.1", 7401))
        yield listen(ls, 5)
        r2 = yield connect(ls, ("127.0.0.1", 7401))
        e2 = yield WSAGetLastError()
        r3 = yield getsockopt(ls, 6, SO_SNDBUF)
        e3 = yield WSAGetLastError()
        yield note("r", r=[s, r2, r3], e=[e1, e2, e3])

    r = run(main).note("r")
    assert r.r == [INVALID_SOCKET, SOCKET_ERROR, SOCKET_ERROR] and r.e == [10044, WSAEINVAL, 10042]


def test_c4_an_apc_function_that_makes_no_call_still_runs_and_the_wait_returns():
    """C4/C5: an APC function that is a plain Python function (it makes no Win32 call) runs in the alertable
    wait like any other, and the wait returns WAIT_IO_COMPLETION."""
    ran = []

    def plain(data):
        ran.append(data)

    def main():
        me = yield GetCurrentThread()
        yield QueueUserAPC(plain, me, "p")
        r = yield SleepEx(INFINITE, True)
        yield note("r", result=r)

    assert run(main).note("r").result == WAIT_IO_COMPLETION and ran == ["p"]


def test_b6_notification_modes_other_than_the_two_flags_are_invalid_parameter():
    """B6/B7 (MS-SFCNM: the flags are FILE_SKIP_COMPLETION_PORT_ON_SUCCESS and FILE_SKIP_SET_EVENT_ON_HANDLE):
    any other bit, alone or with a valid one, fails with ERROR_INVALID_PARAMETER."""
    def main():
        server, client = yield tcp_pair()
        results = []
        for flags in (0x80, 0x4 | FILE_SKIP_SET_EVENT_ON_HANDLE,
                      FILE_SKIP_COMPLETION_PORT_ON_SUCCESS | FILE_SKIP_SET_EVENT_ON_HANDLE):
            ok = yield SetFileCompletionNotificationModes(server, flags)
            results.append((ok, (yield GetLastError()) if not ok else 0))
        yield note("r", results=results)

    assert run(main).note("r").results == [(False, ERROR_INVALID_PARAMETER)] * 2 + [(True, 0)]


def test_e4_a_connection_made_with_connect_and_accept_holds_what_tcp_pair_holds():
    """E4: each end of a connection holds its endpoint plus the transport's connection objects, however it was
    made: connect + accept (beside the listener's own endpoint) costs the non-paged pool of a tcp_pair; and the
    view shows a socket after bind as "bound"."""
    def main():
        base = (yield memory())[0]
        s, c = yield tcp_pair()
        pair = (yield memory())[0] - base
        yield closesocket(s)
        yield closesocket(c)
        yield Sleep(1)
        ls = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield bind(ls, ("127.0.0.1", 7501))
        yield note("bound")
        listener = (yield memory())[0]
        yield listen(ls, 5)
        c2 = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield connect(c2, ("127.0.0.1", 7501))
        yield accept(ls)
        yield note("r", pair=pair, connected=(yield memory())[0] - listener)

    o = run(main, snapshots=True)
    assert o.note("r").connected == o.note("r").pair > 0
    bound = next(s for s in o.trace.snapshots if s.notes == 1)
    assert [v.state for v in bound.sockets] == ["bound"]


def test_b10_a_completion_still_in_the_port_is_incomplete_to_wsagetoverlappedresult():
    """B10 + D10: on a port-associated socket the OVERLAPPED is written when the packet is dequeued, so before
    any GQCS, WSAGetOverlappedResult(fWait=FALSE) on a request that has completed still answers FALSE,
    WSA_IO_INCOMPLETE (996); after the dequeue it answers TRUE with the bytes."""
    def main():
        port, server, client = yield from new_port_pair()
        ov = OVERLAPPED()
        yield WSARecv(server, WSABUF(16), ov)
        yield send(client, b"abc")
        yield Sleep(1)
        ok, n, f = yield WSAGetOverlappedResult(server, ov, False)
        yield note("queued", ok=ok, error=(yield WSAGetLastError()))
        yield GetQueuedCompletionStatus(port, 0)
        ok, n, f = yield WSAGetOverlappedResult(server, ov, False)
        yield note("dequeued", ok=ok, n=n)

    o = run(main)
    assert (o.note("queued").ok, o.note("queued").error) == (False, WSA_IO_INCOMPLETE)
    assert (o.note("dequeued").ok, o.note("dequeued").n) == (True, 3)


def test_setsockopt_of_an_option_the_model_does_not_know_is_wsaenoprotoopt():
    """setsockopt (MS docs, WSAENOPROTOOPT 10042: "The option is unknown or unsupported")."""
    def main():
        s, c = yield tcp_pair()
        r = yield setsockopt(s, SOL_SOCKET, 0x1234, 0)
        yield note("r", r=r, error=(yield WSAGetLastError()))

    assert (run(main).note("r").r, run(main).note("r").error) == (SOCKET_ERROR, 10042)



def test_getsockopt_of_an_option_the_model_does_not_know_is_wsaenoprotoopt():
    """getsockopt (MS docs, WSAENOPROTOOPT 10042: "The option is unknown or unsupported by the indicated
    protocol family"): an unknown option number at SOL_SOCKET fails with SOCKET_ERROR and 10042."""
    def main():
        s, c = yield tcp_pair()
        r = yield getsockopt(s, SOL_SOCKET, 0x1234)
        yield note("r", r=r, error=(yield WSAGetLastError()))

    r = run(main).note("r")
    assert (r.r, r.error) == (SOCKET_ERROR, 10042)


def test_connect_on_a_connected_socket_fails_with_wsaeisconn():
    """connect (MS docs, WSAEISCONN 10056: "The socket is already connected (connection-oriented sockets
    only)"): a second connect on a connected socket — to the same listener or another — fails at once, and the
    listener's backlog gets no second connection."""
    def main():
        ls = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield bind(ls, ("127.0.0.1", 7411))
        yield listen(ls, 5)
        c = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        r1 = yield connect(c, ("127.0.0.1", 7411))
        r2 = yield connect(c, ("127.0.0.1", 7411))
        e2 = yield WSAGetLastError()
        yield ioctlsocket(ls, FIONBIO, 1)
        first = yield accept(ls)
        second = yield accept(ls)
        yield note("r", r=[r1, r2], error=e2, backlog=[first != INVALID_SOCKET, second != INVALID_SOCKET])

    r = run(main).note("r")
    assert (r.r, r.error, r.backlog) == ([0, SOCKET_ERROR], WSAEISCONN, [True, False])

def test_c2_a_blocking_recv_never_returns_wait_io_completion():
    """C2 (oracle: blocking Winsock calls wait alertably but "do not return WAIT_IO_COMPLETION"): an APC queued
    to a thread blocked in recv does not end the recv with 192: the recv returns the data when it comes."""
    def apc(data):
        yield note("apc")

    def t1(s):
        r = yield recv(s, 16)
        yield note("recv", r=r)

    def main():
        server, client = yield tcp_pair()
        h = yield CreateThread(t1, server, name="T1")
        yield Sleep(2)
        yield QueueUserAPC(apc, h, None)
        yield Sleep(2)
        yield send(client, b"data")
        yield Sleep(2)

    assert run(main).note("recv").r == b"data"


def test_a_blocking_wsarecv_waits_and_returns_the_data_without_pending():
    """WSARecv without an OVERLAPPED on a blocking socket (MS-WSARECV: "the function blocks until data is
    available"; it returns 0 and the byte count, never WSA_IO_PENDING) with the last-error rule (a successful
    Winsock call sets it to 0): T1 waits, main sends 5 bytes, T1's WSARecv returns (0, 5, 0), the last error
    is 0, and the trace has no "pends" row for it (that is an overlapped request's row)."""
    def t1(s):
        r = yield WSARecv(s, WSABUF(16), None)
        yield note("r", r=r, error=(yield WSAGetLastError()))

    def main():
        server, client = yield tcp_pair()
        yield CreateThread(t1, server, name="T1")
        yield Sleep(2)
        yield send(client, b"hello")
        yield Sleep(5)

    o = run(main)
    assert (o.note("r").r[:2], o.note("r").error) == ((0, 5), 0)
    assert not [e.text for e in o.trace if e.thread == "T1" and "pends" in e.text]


def test_blocking_calls_on_a_value_that_is_not_a_socket_fail_with_wsaenotsock():
    """recv, send, accept, listen, shutdown and getsockopt (MS docs of each: WSAENOTSOCK 10038, "The descriptor is not a
    socket"): on a handle value that names nothing, or an event, each returns SOCKET_ERROR (accept:
    INVALID_SOCKET) and sets WSAENOTSOCK."""
    def main():
        event = yield CreateEvent(None, True, False, None)
        got = []
        for h in (0x1234, event):
            for call in (recv(h, 16), send(h, b"x"), accept(h), listen(h, 5), shutdown(h, SD_SEND),
                         getsockopt(h, SOL_SOCKET, SO_SNDBUF)):
                r = yield call
                got.append((r, (yield WSAGetLastError())))
        yield note("r", got=got)

    got = run(main).note("r").got
    assert got == [(SOCKET_ERROR, WSAENOTSOCK), (SOCKET_ERROR, WSAENOTSOCK), (INVALID_SOCKET, WSAENOTSOCK),
                   (SOCKET_ERROR, WSAENOTSOCK), (SOCKET_ERROR, WSAENOTSOCK), (SOCKET_ERROR, WSAENOTSOCK)] * 2


def test_e2_e5_a_refusal_for_want_of_pool_for_the_mdl_says_so_even_when_the_pages_just_fit():
    """E2/E5 in the narration: a WSARecv whose one page exactly reaches the locked-page limit (1 page) but whose
    MDL finds no non-paged pool fails with WSAENOBUFS, and its row says why — the MDL's pool, not the locked
    pages (which fit)."""
    def main():
        server, client = yield tcp_pair()
        rc, _, _ = yield WSARecv(server, WSABUF(100), OVERLAPPED())
        yield note("r", rc=rc, error=(yield WSAGetLastError()))

    o = run(main, config={"locked_pages_limit": 1, "npp_limit": 6144 + 784 + 20})
    assert (o.note("r").rc, o.note("r").error) == (SOCKET_ERROR, WSAENOBUFS)
    row = next(e for e in o.trace if e.text == "main's WSARecv fails at once: WSAENOBUFS")
    assert row.why.startswith("no non-paged pool for the MDL"), row.why


def test_b9_wsasend_with_a_completion_routine_on_a_socket_without_a_port():
    """B9 (MS-WSASEND: with lpCompletionRoutine the routine is queued as an APC when the send completes; only
    a port-associated socket refuses one): WSASend on a plain connected socket with a routine succeeds, and the
    routine runs at the next alertable wait with dwError 0 and the byte count."""
    def routine(err, nbytes, ov, flags):
        yield note("routine", err=err, nbytes=nbytes)

    def main():
        server, client = yield tcp_pair()
        r = yield WSASend(server, WSABUF(b"hello"), OVERLAPPED(), routine)
        yield note("sent", r=r)
        yield SleepEx(0, True)

    o = run(main)
    assert o.note("sent").r == (0, 5)                 # D3: it fits in the send buffer
    assert (o.note("routine").err, o.note("routine").nbytes) == (0, 5)


# --- E6 / oracle 4.5: a zero-length recv is a receive like any other ---------------------------------

def test_e6_a_zero_length_recv_waits_for_data_and_leaves_it_queued():
    """E6 + oracle 4.5 (a zero-length receive pends until data arrives, completes with 0 and leaves the data
    queued), for plain recv: non-blocking with nothing buffered → SOCKET_ERROR, WSAEWOULDBLOCK (measured on
    Wine 8 and Wine 10); blocking → it returns 0 bytes only when the peer's data arrives, and the next recv
    still gets all of it."""
    def sender(client):
        yield Sleep(30)
        yield send(client, b"hello")

    def main():
        server, client = yield tcp_pair()
        yield ioctlsocket(server, FIONBIO, 1)
        got = yield recv(server, 0)
        yield note("nonblocking", got=got, error=(yield WSAGetLastError()))
        yield ioctlsocket(server, FIONBIO, 0)
        yield CreateThread(sender, client)
        got = yield recv(server, 0)
        yield note("blocking", got=got)
        yield note("then", got=(yield recv(server, 100)))

    o = run(main)
    assert (o.note("nonblocking").got, o.note("nonblocking").error) == (SOCKET_ERROR, WSAEWOULDBLOCK)
    assert o.note("blocking").got == b"" and o.note("blocking").time >= 30
    assert o.note("then").got == b"hello"


def test_d7_a_graceful_close_still_delivers_buffered_data_after_the_peer_half_closes():
    """D7 ("with the default linger, queued send data is still sent gracefully in the background") and D5:
    the server sends 200,000 bytes that its buffer takes but the client's small receive window cannot, and
    closes its socket.  The client's own FIN then reaches the closed socket — that ends nothing: the client
    still reads every byte, then 0 for the close."""
    def main():
        server, client = yield from sndbuf_pair(1 << 20, 8192)
        sent = yield send(server, bytes(200_000))
        yield closesocket(server)
        yield shutdown(client, SD_SEND)
        yield Sleep(5)
        total = 0
        while True:
            got = yield recv(client, 65536)
            if not got or got == SOCKET_ERROR:
                break
            total += len(got)
        yield note("read", sent=sent, total=total, last=got)

    o = run(main)
    assert (o.note("read").sent, o.note("read").total, o.note("read").last) == (200_000, 200_000, b"")


def test_d6_e1_an_abortive_close_drops_the_unsent_bytes_and_gives_back_their_pool():
    """D6 ("linger {1,0} and closesocket sends RST, loses unsent data") and E1 (the bytes AFD buffers to send
    are charged to the non-paged pool): the server buffers 100,000 bytes its peer's small window cannot take,
    then closes abortively.  The client gets the RST, not the bytes, and once both ends are closed the pool is
    back where it was before the connection."""
    def main():
        npp0, _ = yield memory()
        server, client = yield from sndbuf_pair(1 << 20, 8192)
        yield send(server, bytes(100_000))
        yield Sleep(5)
        yield setsockopt(server, SOL_SOCKET, SO_LINGER, LINGER(1, 0))
        yield closesocket(server)
        yield Sleep(5)
        total, got = 0, None
        while True:
            got = yield recv(client, 65536)
            if not got or got == SOCKET_ERROR:
                break
            total += len(got)
        yield note("client", total=total, last=got, error=(yield WSAGetLastError()))
        yield closesocket(client)
        yield Sleep(5)
        npp, _ = yield memory()
        yield note("pool", back=npp - npp0)

    o = run(main)
    assert o.note("client").total <= 8192 and o.note("client").last == SOCKET_ERROR
    assert o.note("client").error == WSAECONNRESET
    assert o.note("pool").back == 0


def test_b4_a_failed_or_pending_wsarecv_or_wsasend_reports_no_bytes():
    """B4 with MS WSARecv/WSASend (the byte count is written only "if the operation completes immediately"):
    a call that fails at once (WSAENOTSOCK on a closed handle, WSAENOTCONN on an unconnected socket) or pends
    returns SOCKET_ERROR and reports 0 bytes (and WSARecv 0 flags), as the live probe's counters, which start
    at 0, show."""
    def main():
        server, client = yield tcp_pair()
        lone = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        dead = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield closesocket(dead)
        got = []
        for s in (dead, lone):
            got.append(((yield WSASend(s, WSABUF(b"x"), OVERLAPPED())), (yield WSAGetLastError())))
            got.append(((yield WSARecv(s, WSABUF(4), OVERLAPPED())), (yield WSAGetLastError())))
        got.append(((yield WSARecv(server, WSABUF(4), OVERLAPPED())), (yield WSAGetLastError())))
        yield note("got", calls=got)

    assert run(main).note("got").calls == [
        ((SOCKET_ERROR, 0), WSAENOTSOCK), ((SOCKET_ERROR, 0, 0), WSAENOTSOCK),
        ((SOCKET_ERROR, 0), WSAENOTCONN), ((SOCKET_ERROR, 0, 0), WSAENOTCONN),
        ((SOCKET_ERROR, 0, 0), WSA_IO_PENDING)]


def test_b4_e5_a_request_refused_for_locked_pages_reports_no_bytes():
    """B4 with E5: a WSASend that must pend (SO_SNDBUF 0) or a WSARecv whose buffer would lock more pages than
    the limit fails at once with WSAENOBUFS; like any failure it reports 0 bytes (and WSARecv 0 flags)."""
    def main():
        server, client = yield tcp_pair()
        yield setsockopt(server, SOL_SOCKET, SO_SNDBUF, 0)
        got = [((yield WSASend(server, WSABUF(bytes(3 * 4096)), OVERLAPPED())), (yield WSAGetLastError())),
               ((yield WSARecv(server, WSABUF(3 * 4096), OVERLAPPED())), (yield WSAGetLastError()))]
        yield note("got", calls=got)

    assert run(main, config={"locked_pages_limit": 2}).note("got").calls == [
        ((SOCKET_ERROR, 0), WSAENOBUFS), ((SOCKET_ERROR, 0, 0), WSAENOBUFS)]


def test_d5_after_shutdown_sd_send_the_socket_shows_send_shut_and_a_send_fails():
    """D5 (MS shutdown: "If the how parameter is SD_SEND, subsequent calls to the send function are
    disallowed"): after shutdown(SD_SEND) a send fails with WSAESHUTDOWN, and the sockets panel shows the
    end as "send shut" (its peer as "peer closed" once the FIN is there); the receive side still works."""
    def main():
        server, client = yield tcp_pair()
        yield shutdown(client, SD_SEND)
        yield Sleep(1)
        yield note("shut")
        yield send(server, b"still")
        rc = yield send(client, b"x")
        yield note("send", rc=rc, error=(yield WSAGetLastError()), got=(yield recv(client, 10)))

    o = run(main, snapshots=True)
    assert (o.note("send").rc, o.note("send").error, o.note("send").got) == (SOCKET_ERROR, WSAESHUTDOWN, b"still")
    shut = next(s for s in o.trace.snapshots if s.notes == 1)
    assert sorted(v.state for v in shut.sockets) == ["peer closed", "send shut"]


@pytest.mark.parametrize("profile", ["windows", "wine"])
def test_b12_cancelioex_null_says_how_many_requests_it_cancelled(profile):
    """B12: CancelIoEx(h, NULL) cancels every pending request on the handle and returns TRUE; the trace says
    how many.  (Wine 8's cancel_all_empty_ok only changes the case where nothing was pending.)"""
    def main():
        server, client = yield tcp_pair()
        yield WSARecv(server, WSABUF(8), OVERLAPPED())
        yield WSARecv(server, WSABUF(8), OVERLAPPED())
        yield note("cancel", ok=(yield CancelIoEx(server, None)))

    o = run(main, profile=profile)
    assert o.note("cancel").ok is True
    rows = [e.text for e in o.trace.events if "CancelIoEx" in e.text]
    assert len(rows) == 1 and "2 request(s) cancelled" in rows[0], rows


def test_d7_after_closing_one_of_two_handles_the_socket_is_shown_by_the_one_left():
    """D7 / oracle 2.11: closesocket on one of two handles leaves the socket open; from then on the sockets
    panel and the trace name it by the handle still open (the closed value means nothing any more)."""
    def main():
        server, client = yield tcp_pair()
        me = yield GetCurrentProcess()
        ok, dup = yield DuplicateHandle(me, server, me, 0, False, DUPLICATE_SAME_ACCESS)
        yield closesocket(server)
        yield note("closed", server=server, dup=dup, client=client)
        yield WSARecv(dup, WSABUF(4), OVERLAPPED())

    o = run(main, snapshots=True)
    n = o.note("closed")
    after = next(s for s in o.trace.snapshots if s.notes == 1)
    assert sorted(v.handle for v in after.sockets) == sorted([n.dup, n.client])
    assert any(f"on {n.dup} pends" in e.text for e in o.trace.events), [e.text for e in o.trace.events][-3:]


def test_wine_a_closed_sockets_send_still_on_the_wire_fails_when_the_peers_close_arrives():
    """WINE.md ("local closesocket with a pending send: nothing completes until the peer closes (then 6 and
    64)"), profile wine: with SO_SNDBUF 0 (D4) the send's bytes are on the wire, not yet acknowledged, when
    the socket is closed — and the peer's FIN, sent first, arrives first.  The send fails then: GQCS FALSE
    with ERROR_NETNAME_DELETED (64), 0 bytes; it does not succeed when its bytes land at the closed peer."""
    def main():
        port, server, client = yield from new_port_pair()
        yield setsockopt(server, SOL_SOCKET, SO_SNDBUF, 0)
        yield closesocket(client)
        yield WSASend(server, WSABUF(b"hello"), OVERLAPPED())
        yield closesocket(server)
        ok, n, key, ov = yield GetQueuedCompletionStatus(port, 50)
        yield note("send", ok=ok, n=n, error=(yield GetLastError()))

    o = run(main, profile="wine")
    assert (o.note("send").ok, o.note("send").n, o.note("send").error) == (False, 0, ERROR_NETNAME_DELETED)


@pytest.mark.parametrize("backlog, room", [(3, 3), (SOMAXCONN, 200)])
def test_listen_backlog_holds_that_many_unaccepted_connections_and_refuses_the_next(backlog, room):
    """MS listen: the backlog is the queue of pending connections, "limited (silently) to a reasonable value";
    SOMAXCONN gives 200 (SOMAXCONN_HINT's range starts at 200 and exists to go beyond SOMAXCONN).  With
    nobody accepting, that many connects succeed and the next is refused with WSAECONNREFUSED."""
    def main():
        ls = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield bind(ls, ("127.0.0.1", 7600))
        yield listen(ls, backlog)
        results = []
        for _ in range(room + 1):
            c = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
            rc = yield connect(c, ("127.0.0.1", 7600))
            results.append(rc if rc == 0 else (yield WSAGetLastError()))
        yield note("connects", results=results)

    results = run(main).note("connects").results
    assert results == [0] * room + [WSAECONNREFUSED]


def test_b4_a_blocking_wsarecv_or_wsasend_that_fails_while_waiting_reports_no_bytes():
    """D6 + MS WSARecv/WSASend without an OVERLAPPED (a blocking call): when the peer resets the connection
    while they wait, WSARecv returns SOCKET_ERROR with 0 bytes and 0 flags, WSASend SOCKET_ERROR with 0
    bytes, both with WSAECONNRESET."""
    def receiver(s):
        got = yield WSARecv(s, WSABUF(16), None)
        yield note("recv", got=got, error=(yield WSAGetLastError()))

    def sender(s):
        got = yield WSASend(s, WSABUF(bytes(100_000)), None)
        yield note("send", got=got, error=(yield WSAGetLastError()))

    def main():
        server, client = yield from sndbuf_pair(8, 8192)
        yield CreateThread(receiver, server, name="R")
        yield CreateThread(sender, server, name="S")
        yield Sleep(5)
        yield setsockopt(client, SOL_SOCKET, SO_LINGER, LINGER(1, 0))
        yield closesocket(client)
        yield Sleep(5)

    o = run(main)
    assert (o.note("recv").got, o.note("recv").error) == ((SOCKET_ERROR, 0, 0), WSAECONNRESET)
    assert (o.note("send").got, o.note("send").error) == ((SOCKET_ERROR, 0), WSAECONNRESET)


def test_an_implicit_bind_takes_the_first_free_port_of_the_dynamic_range():
    """connect on an unbound socket binds it implicitly to a port of the dynamic range, which starts at 49152
    since Vista (MS KB929851); the model hands the range out in order, skipping ports in use.  So after one
    connect, 49152 is taken (bind → WSAEADDRINUSE) and 49153 is free, and a second connect skips a port
    bound explicitly."""
    def main():
        ls = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield bind(ls, ("127.0.0.1", 7700))
        yield listen(ls, 5)
        c1 = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield connect(c1, ("127.0.0.1", 7700))
        results = []
        for port in (49152, 49153):
            s = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
            rc = yield bind(s, ("127.0.0.1", port))
            results.append(rc if rc == 0 else (yield WSAGetLastError()))
        c2 = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield connect(c2, ("127.0.0.1", 7700))
        s = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        rc = yield bind(s, ("127.0.0.1", 49154))
        results.append(rc if rc == 0 else (yield WSAGetLastError()))
        yield note("binds", results=results)

    assert run(main).note("binds").results == [WSAEADDRINUSE, 0, WSAEADDRINUSE]


def test_b6_skip_on_success_speaks_only_of_a_port_there_is():
    """B6: FILE_SKIP_COMPLETION_PORT_ON_SUCCESS skips the *port's* packet for an immediate success.  On a
    socket with no port there is no packet to skip: the trace says the request succeeded, and nothing about
    a skipped packet (on a port-associated socket it does)."""
    def main():
        for associate in (False, True):
            server, client = yield tcp_pair()
            if associate:
                port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
                yield CreateIoCompletionPort(server, port, 1, 0)
            yield SetFileCompletionNotificationModes(server, FILE_SKIP_COMPLETION_PORT_ON_SUCCESS)
            yield send(client, b"ready")
            yield Sleep(1)
            yield WSARecv(server, WSABUF(16), OVERLAPPED())
            yield note("done")

    o = run(main)
    cut = [e.seq for e in o.trace.events if e.kind == "note"]
    skipped = [e.seq for e in o.trace.events if "no packet for IRP" in e.text]
    assert len(skipped) == 1 and cut[0] < skipped[0] < cut[1]


def test_d10_wsagetoverlappedresult_through_another_socket_answers_and_does_not_wait():
    """D10, misuse: an OVERLAPPED still pending on socket A, asked about through socket B with fWait TRUE.
    B has no such request, so the model answers at once FALSE with WSA_IO_INCOMPLETE (996), as for fWait
    FALSE — it never raises and never blocks.  (Windows would wait on the event or on B's handle; no oracle
    test covers it, so the model does not pretend to know how long.)  Through A the same call waits and
    gets the data."""
    def feeder(c):
        yield Sleep(5)
        yield send(c, b"late")

    def main():
        a, ca = yield tcp_pair()
        b, cb = yield tcp_pair()
        ov = OVERLAPPED()
        yield WSARecv(a, WSABUF(16), ov)
        got = yield WSAGetOverlappedResult(b, ov, True)
        yield note("other", got=got, error=(yield WSAGetLastError()))
        yield CreateThread(feeder, ca)
        got = yield WSAGetOverlappedResult(a, ov, True)
        yield note("own", got=got)

    o = run(main)
    assert (o.note("other").got, o.note("other").error) == ((False, 0, 0), WSA_IO_INCOMPLETE)
    assert o.note("other").time == 0
    assert o.note("own").got == (True, 4, 0)


def test_raising_so_rcvbuf_opens_the_window_for_data_already_waiting():
    """TCP flow control (RFC 793's window; D2's receive buffer): with an 8-byte SO_RCVBUF only 8 of the
    server's 100 bytes reach the client; raising SO_RCVBUF opens the window (a window update), so the rest
    arrives without the client reading first, and one recv then gets all 100."""
    def main():
        server, client = yield from sndbuf_pair(1 << 16, 8)
        yield send(server, bytes(100))
        yield Sleep(5)
        yield setsockopt(client, SOL_SOCKET, SO_RCVBUF, 1 << 16)
        yield Sleep(5)
        got = yield recv(client, 1000)
        yield note("got", n=len(got))

    assert run(main).note("got").n == 100


def test_shutdown_of_a_socket_that_is_not_connected_fails_with_wsaenotconn():
    """MS shutdown: WSAENOTCONN "The socket is not connected (connection-oriented sockets only)": on a fresh
    socket and on a listening one, shutdown(SD_SEND) returns SOCKET_ERROR with WSAENOTCONN; a bad `how`
    is WSAEINVAL first."""
    def main():
        fresh = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        ls = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield bind(ls, ("127.0.0.1", 7800))
        yield listen(ls, 5)
        got = []
        for s, how in ((fresh, SD_SEND), (ls, SD_BOTH), (fresh, 7)):
            rc = yield shutdown(s, how)
            got.append((rc, (yield WSAGetLastError())))
        yield note("r", got=got)

    assert run(main).note("r").got == [(SOCKET_ERROR, WSAENOTCONN), (SOCKET_ERROR, WSAENOTCONN),
                                       (SOCKET_ERROR, WSAEINVAL)]


def test_b12_cancelioex_cancels_a_send_waiting_for_the_peers_window():
    """B12/D8: CancelIoEx(s, ov) cancels a WSASend that waits for room (SO_SNDBUF 0, the peer's 8-byte window
    full): TRUE, and the packet says ERROR_OPERATION_ABORTED (995) with 0 bytes (F2)."""
    def main():
        port, server, client = yield from new_port_pair(key=4)
        yield setsockopt(server, SOL_SOCKET, SO_SNDBUF, 0)
        yield setsockopt(client, SOL_SOCKET, SO_RCVBUF, 8)
        ov = OVERLAPPED()
        yield WSASend(server, WSABUF(bytes(100)), ov)
        yield Sleep(1)
        ok = yield CancelIoEx(server, ov)
        got = yield GetQueuedCompletionStatus(port, 10)
        yield note("r", cancelled=ok, ok=got[0], n=got[1], same=got[3] is ov, error=(yield GetLastError()))

    r = run(main).note("r")
    assert (r.cancelled, r.ok, r.n, r.same, r.error) == (True, False, 0, True, ERROR_OPERATION_ABORTED)


def test_b12_bytes_already_in_the_send_buffer_are_no_request_to_cancel():
    """B12 (oracle 2.12: CancelIoEx with nothing pending → FALSE, ERROR_NOT_FOUND) and D3: a send whose bytes
    AFD has buffered has completed; while those bytes wait for the peer's window there is no request left
    to cancel, so CancelIoEx(s, NULL) fails with ERROR_NOT_FOUND and the bytes still arrive."""
    def main():
        server, client = yield from sndbuf_pair(1 << 20, 8)
        sent = yield send(server, bytes(100))
        ok = yield CancelIoEx(server, None)
        yield note("cancel", sent=sent, ok=ok, error=(yield GetLastError()))
        yield setsockopt(client, SOL_SOCKET, SO_RCVBUF, 1 << 16)
        yield Sleep(5)
        yield note("got", n=len((yield recv(client, 1000))))

    o = run(main)
    assert (o.note("cancel").sent, o.note("cancel").ok, o.note("cancel").error) == (100, False, ERROR_NOT_FOUND)
    assert o.note("got").n == 100


def test_d6_closing_with_unread_data_fails_the_peers_send_that_waits_for_room():
    """D6 (RFC 1122 4.2.2.13: a close with received data unread sends RST): the server's 8-byte window is full
    of unread data and the client's 100-byte send (SO_SNDBUF 0) waits for room.  The server closes its socket:
    the RST reaches the client and its send fails — GQCS FALSE with ERROR_NETNAME_DELETED (64), 0 bytes."""
    def main():
        port, client, server = yield from new_port_pair(key=9)
        yield setsockopt(client, SOL_SOCKET, SO_SNDBUF, 0)
        yield setsockopt(server, SOL_SOCKET, SO_RCVBUF, 8)
        yield WSASend(client, WSABUF(bytes(100)), OVERLAPPED())
        yield Sleep(1)
        yield closesocket(server)
        ok, n, key, ov = yield GetQueuedCompletionStatus(port, 20)
        yield note("send", ok=ok, n=n, key=key, error=(yield GetLastError()))

    s = run(main).note("send")
    assert (s.ok, s.n, s.key, s.error) == (False, 0, 9, ERROR_NETNAME_DELETED)



def test_d7_closesocket_cancels_a_pending_send_with_no_bytes_and_a_fresh_socket_is_unsignalled():
    """D7: closesocket cancels the socket's pending WSASend (SO_SNDBUF 0, the peer's window full): its packet
    is FALSE with ERROR_CONNECTION_ABORTED (1236, modern) and 0 bytes (F2) — whatever part was on the wire.
    B7: a socket handle is signalled by a completion with hEvent NULL, not before: a fresh one is not."""
    def main():
        port, server, client = yield from new_port_pair(key=2)
        fresh = yield WaitForSingleObject(server, 0)
        yield setsockopt(server, SOL_SOCKET, SO_SNDBUF, 0)
        yield setsockopt(client, SOL_SOCKET, SO_RCVBUF, 8)
        yield WSASend(server, WSABUF(bytes(100)), OVERLAPPED())
        yield Sleep(1)
        yield closesocket(server)
        ok, n, key, ov = yield GetQueuedCompletionStatus(port, 10)
        yield note("r", fresh=fresh, ok=ok, n=n, key=key, error=(yield GetLastError()))

    r = run(main).note("r")
    assert (r.fresh, r.ok, r.n, r.key, r.error) == (WAIT_TIMEOUT, False, 0, 2, ERROR_CONNECTION_ABORTED)


def _close_with_unread(profile):
    def main():
        server, client = yield tcp_pair()
        yield note("h", server=server)
        yield send(client, b"request")
        yield Sleep(5)
        yield closesocket(server)                        # the request was never read
        yield Sleep(5)
        r = yield recv(client, 100)
        yield note("recv", r=r, err=(yield WSAGetLastError()))
        sent = yield send(client, b"more")
        yield note("send", r=sent, err=(yield WSAGetLastError()))
        yield Sleep(5)
        yield peek("pool", lambda k: {"tcb": k.pool.by_tag.get("tcb", 0)})
    return run(main, profile=profile, config={"time_wait_ms": 500})


def test_d6_closing_with_data_unread_resets_the_connection():
    """D6 with RFC 1122 4.2.2.13 (RFC 2525 2.17): a server that closes a socket whose received data it never
    read sends a RST, not a FIN — the data can never be read, so the connection is not ended gracefully.  The
    client's recv fails with WSAECONNRESET (10054), not 0, and so does its next send; the server keeps no
    TCB (no TIME_WAIT after a reset); the trace says why.  Measured live on Wine 8 and Wine 10 (the send fails
    with 10054); Wine 8's recv after a RST returns 0, its profile's rst_recv_fails=False.
    """
    o = _close_with_unread(None)
    assert (o.note("recv").r, o.note("recv").err) == (SOCKET_ERROR, WSAECONNRESET)
    assert (o.note("send").r, o.note("send").err) == (SOCKET_ERROR, WSAECONNRESET)
    assert o.note("pool").tcb == 0
    h = o.note("h").server
    rows = [e for e in o.trace if e.kind == "close" and e.text.startswith(f"socket {h} closes")]
    assert [e.text for e in rows] == [f"socket {h} closes with 7 bytes unread: RST"]
    assert "RFC 1122" in rows[0].why
    wine8 = _close_with_unread("wine")
    assert (wine8.note("send").err, wine8.note("recv").r) == (WSAECONNRESET, b"")
