"""Overlapped sockets on the simulated loopback TCP (SEMANTICS D1–D11, oracle §2 and §4, WSA events)."""

import pytest
from helpers import gqcs, new_port_pair, peek, run

from kernelsim.win32 import *


def gauges(k):
    return {"npp": k.pool.npp, "locked": k.pool.locked, "irps": len(k.irps)}


def test_d1_buffered_data_completes_wsarecv_at_once_with_a_packet():
    """D1: 10 bytes buffered, WSARecv(len 4096) returns 0 with 10 bytes, and one packet is queued."""
    def main():
        port, server, client = yield from new_port_pair()
        yield send(client, b"0123456789")
        yield Sleep(1)
        buf = WSABUF(4096)
        rc, n, flags = yield WSARecv(server, buf, OVERLAPPED())
        yield note("r", rc=rc, n=n, data=bytes(buf.buf[:n]))
        yield from gqcs("g1", port, 0)
        yield from gqcs("g2", port, 0)
    o = run(main)
    assert (o.note("r").rc, o.note("r").n, o.note("r").data) == (0, 10, b"0123456789")
    assert o.note("g1").nbytes == 10 and o.note("g2").ov is None


def test_d2_pending_receives_fill_in_call_order_and_unlock():
    """D2: R1 and R2 (100 bytes each) pend; the peer sends 150 bytes: R1 gets bytes 0–99, R2 100–149, and
    both MDLs' pages are unlocked."""
    def main():
        port, server, client = yield from new_port_pair()
        b1, b2 = WSABUF(100), WSABUF(100)
        yield WSARecv(server, b1, OVERLAPPED(op="R1"))
        yield WSARecv(server, b2, OVERLAPPED(op="R2"))
        yield peek("pending", gauges)
        data = bytes(range(150))
        yield send(client, data)
        yield from gqcs("g1", port)
        yield from gqcs("g2", port)
        yield note("bufs", b1=bytes(b1.buf), b2=bytes(b2.buf[:50]))
        yield peek("done", gauges)
    o = run(main)
    assert (o.note("g1").ov.op, o.note("g1").nbytes, o.note("g2").ov.op, o.note("g2").nbytes) == ("R1", 100, "R2", 50)
    assert o.note("bufs").b1 == bytes(range(100)) and o.note("bufs").b2 == bytes(range(100, 150))
    assert o.note("pending").locked == 2 and o.note("done").locked == 0


def test_d2_scatter_fills_several_wsabufs_in_order():
    """D2 (scatter): one WSARecv with three WSABUFs fills them in order."""
    def main():
        server, client = yield tcp_pair()
        bufs = [WSABUF(3), WSABUF(2), WSABUF(10)]
        yield send(client, b"abcdefgh")
        yield Sleep(1)
        rc, n, f = yield WSARecv(server, bufs, OVERLAPPED())
        yield note("r", n=n, parts=[bytes(b.buf) for b in bufs])
    o = run(main)
    assert o.note("r").n == 8 and o.note("r").parts == [b"abc", b"de", b"fgh" + bytes(7)]


def test_d3_sends_immediate_then_pending_keep_wire_order():
    """D3: SO_SNDBUF 8 KB, window closed: S1 (4 KB) immediate, S2 (8 KB) and S3 (1 KB) pend; the wire carries
    S1‖S2‖S3 and S2 completes before S3."""
    o = run_catalogue("wsasend-order")
    assert o.passed, o.failures


def run_catalogue(name, **kwargs):
    from kernelsim import scenario
    return scenario.run(name, snapshots=False, **kwargs)


def test_d4_sndbuf_zero_every_send_pends_until_acknowledged():
    """D4: with SO_SNDBUF = 0 every WSASend pends even with an open window; its pages stay locked until the
    simulated ACK, then the completion is posted."""
    def main():
        port, server, client = yield from new_port_pair()
        yield setsockopt(server, SOL_SOCKET, SO_SNDBUF, 0)
        for size in (1, 100, 5000):
            rc, n = yield WSASend(server, WSABUF(b"x" * size), OVERLAPPED())
            err = yield WSAGetLastError()
            yield peek("after-send", lambda k: {**gauges(k), "rc": rc, "err": err})
            yield from gqcs("g", port)
            yield peek("after-ack", gauges)
    o = run(main)
    assert [(n.rc, n.err) for n in o.notes("after-send")] == [(SOCKET_ERROR, WSA_IO_PENDING)] * 3
    assert [n.locked for n in o.notes("after-send")] == [1, 1, 2]
    assert [n.locked for n in o.notes("after-ack")] == [0, 0, 0]
    assert [n.time for n in o.notes("g")] == pytest.approx([0.1, 0.2, 0.3])


def test_d5_fin_completes_pending_receives_with_zero_bytes():
    """D5: 3 receives pending, 20 bytes then FIN: R1 gets 20, R2 and R3 TRUE/0; a new WSARecv returns 0/0 at
    once and still queues a packet."""
    o = run_catalogue("recv0-graceful-close")
    assert o.passed, o.failures


@pytest.mark.parametrize("discard", [False, True])
def test_d6_peer_rst_fails_pending_and_later_calls(discard):
    """D6: peer linger {1,0} + close with R1 pending: GQCS FALSE/64, WSAGetOverlappedResult 10054; R2 then fails
    at once with 10054 and no packet; buffered data stays readable first unless rst_discards_buffered."""
    def main():
        port, server, client = yield from new_port_pair()
        yield WSARecv(server, WSABUF(10), OVERLAPPED())
        yield setsockopt(client, SOL_SOCKET, SO_LINGER, LINGER(1, 0))
        s2, c2 = yield tcp_pair()
        yield send(c2, b"kept")
        yield setsockopt(c2, SOL_SOCKET, SO_LINGER, LINGER(1, 0))
        yield Sleep(1)
        yield closesocket(c2)
        yield closesocket(client)
        yield from gqcs("g", port)
        rc, n, f = yield WSARecv(server, WSABUF(10), OVERLAPPED())
        err = yield WSAGetLastError()
        yield note("late", rc=rc, err=err)
        yield from gqcs("depth", port, 0)
        r = yield recv(s2, 100)
        err = yield WSAGetLastError()
        yield note("buffered", r=r, err=err)
        rc, n = yield WSASend(server, WSABUF(b"x"), OVERLAPPED())
        err = yield WSAGetLastError()
        yield note("send", rc=rc, err=err)
    o = run(main, config={"rst_discards_buffered": discard})
    assert (o.note("g").ok, o.note("g").error) == (False, ERROR_NETNAME_DELETED)
    assert (o.note("late").rc, o.note("late").err) == (SOCKET_ERROR, WSAECONNRESET)
    assert o.note("depth").ov is None
    assert o.note("buffered").r == (SOCKET_ERROR if discard else b"kept")
    assert (o.note("send").rc, o.note("send").err) == (SOCKET_ERROR, WSAECONNRESET)


@pytest.mark.parametrize("mode,error,wsa", [("modern", 1236, 10053), ("xp", 64, 10053),
                                             ("documented", 995, 995), ("wine", 676, 676)])
def test_d7_close_error_mode(mode, error, wsa):
    """D7 (oracle 2.9): local closesocket with a pending WSARecv: GQCS FALSE with ERROR_CONNECTION_ABORTED
    (1236) by default; close_error_mode xp → 64, documented → 995, wine → 676."""
    def main():
        port, server, client = yield from new_port_pair()
        ov = OVERLAPPED()
        yield WSARecv(server, WSABUF(10), ov)
        yield closesocket(server)
        yield from gqcs("g", port)
        yield note("internal", v=ov.Internal)
    o = run(main, config={"close_error_mode": mode})
    assert (o.note("g").ok, o.note("g").error) == (False, error)
    from kernelsim.model.status import wsa_error
    assert wsa_error(o.note("internal").v) == wsa


def test_d7_closesocket_cancels_every_threads_io_and_returns_first():
    """D7: T1's WSARecv and T2's WSASend on s; T3 closes s: closesocket returns before the completions are
    handled, two packets FALSE/1236 arrive, and both MDLs' pages are unlocked."""
    o = run_catalogue("closesocket-pending-send")
    assert o.passed, o.failures


def test_d7_wine_leaves_a_pending_send_until_the_peer_goes():
    """D7 / WINE.md: with the wine profile a closed socket's pending send is not cancelled; it fails with 64
    when the peer closes."""
    def main():
        port, server, client = yield from new_port_pair()
        yield setsockopt(server, SOL_SOCKET, SO_SNDBUF, 0)
        yield WSASend(server, WSABUF(b"s" * 65536), OVERLAPPED(op="send"))
        yield closesocket(server)
        yield from gqcs("after-close", port, 10)
        yield closesocket(client)
        yield from gqcs("after-peer", port, 10)
    o = run(main, profile="wine")
    assert o.note("after-close").ov is None
    assert (o.note("after-peer").ok, o.note("after-peer").error) == (False, ERROR_NETNAME_DELETED)


def test_d7_closesocket_returns_the_handle_for_reuse():
    """D7 + handle table: a closed socket's value is handed out again to the next socket, so a stale
    completion can carry a value that now names a new connection."""
    def main():
        port, server, client = yield from new_port_pair()
        yield WSARecv(server, WSABUF(10), OVERLAPPED(sock=server))
        yield closesocket(server)
        again, c2 = yield tcp_pair()
        ok, n, key, ov = yield GetQueuedCompletionStatus(port, 10)
        yield note("stale", same_value=ov.sock == again, ok=ok)
    o = run(main)
    assert o.note("stale").same_value and o.note("stale").ok is False


def test_d8_cancelioex_gives_995_through_both_paths():
    """D8: CancelIoEx on a socket: 995 through GQCS and through WSAGetOverlappedResult."""
    o = run_catalogue("cancelioex")
    assert o.passed, o.failures


def test_d9_reset_while_a_send_is_pending_gives_64():
    """D9 (a): the peer resets while a WSASend is pending: GQCS FALSE with ERROR_NETNAME_DELETED (64)."""
    def main():
        port, server, client = yield from new_port_pair()
        yield setsockopt(server, SOL_SOCKET, SO_SNDBUF, 0)
        yield WSASend(server, WSABUF(b"s" * 65536), OVERLAPPED())
        yield setsockopt(client, SOL_SOCKET, SO_LINGER, LINGER(1, 0))
        yield closesocket(client)
        yield from gqcs("g", port)
    o = run(main)
    assert (o.note("g").ok, o.note("g").error) == (False, 64)


def test_d10_wsagetoverlappedresult_incomplete_and_waiting():
    """D10: on a pending receive WSAGetOverlappedResult(fWait=FALSE) → FALSE/996; fWait=TRUE waits (not
    alertably) and returns TRUE with the bytes once the data arrives."""
    def main():
        server, client = yield tcp_pair()
        event = yield WSACreateEvent()
        ov = OVERLAPPED(hEvent=event)
        yield WSARecv(server, WSABUF(10), ov)
        ok, n, f = yield WSAGetOverlappedResult(server, ov, False)
        err = yield WSAGetLastError()
        yield note("nowait", ok=ok, err=err)
        yield CreateThread(later, client, name="peer")
        ok, n, f = yield WSAGetOverlappedResult(server, ov, True)
        yield note("wait", ok=ok, n=n)

    def later(client):
        yield Sleep(7)
        yield send(client, b"hey")
    o = run(main)
    assert (o.note("nowait").ok, o.note("nowait").err) == (False, WSA_IO_INCOMPLETE)
    w = o.note("wait")
    assert (w.ok, w.n, w.time) == (True, 3, 7.1)


def test_d11_outstanding_receive_cap():
    """D11: with the legacy cap of 2 outstanding receives, the third fails at once with WSAEWOULDBLOCK and
    queues no packet."""
    def main():
        port, server, client = yield from new_port_pair()
        for i in range(3):
            rc, n, f = yield WSARecv(server, WSABUF(10), OVERLAPPED())
            err = yield WSAGetLastError()
            yield note("r", rc=rc, err=err)
    o = run(main, config={"max_outstanding_recv": 2})
    assert [n.err for n in o.notes("r")] == [WSA_IO_PENDING, WSA_IO_PENDING, WSAEWOULDBLOCK]


def test_shutdown_receive_does_not_cancel_pending_receive():
    """Oracle 2.17: shutdown(SD_RECEIVE) leaves a pending WSARecv to complete with later data; a new WSARecv
    fails with WSAESHUTDOWN."""
    def main():
        port, server, client = yield from new_port_pair()
        yield WSARecv(server, WSABUF(10), OVERLAPPED())
        yield shutdown(server, SD_RECEIVE)
        rc, n, f = yield WSARecv(server, WSABUF(10), OVERLAPPED())
        err = yield WSAGetLastError()
        yield note("new", rc=rc, err=err)
        yield send(client, b"ok")
        yield from gqcs("g", port)
    o = run(main)
    assert (o.note("new").rc, o.note("new").err) == (SOCKET_ERROR, WSAESHUTDOWN)
    assert (o.note("g").ok, o.note("g").nbytes) == (True, 2)


def test_zero_byte_receive_pends_and_leaves_data_queued():
    """E6 / oracle 4.5: a zero-length WSABUF pends, completes with 0 bytes when data arrives, and the data stays
    queued for the next receive; zero buffers (an empty list) → WSAEINVAL."""
    def main():
        port, server, client = yield from new_port_pair()
        rc, n, f = yield WSARecv(server, WSABUF(0), OVERLAPPED())
        yield peek("pending", lambda k: {**gauges(k), "rc": rc})
        yield send(client, b"12345")
        yield from gqcs("g", port)
        rc, n, f = yield WSARecv(server, WSABUF(10), OVERLAPPED())
        yield note("next", rc=rc, n=n)
        rc, n, f = yield WSARecv(server, [], OVERLAPPED())
        err = yield WSAGetLastError()
        yield note("empty", rc=rc, err=err)
    o = run(main)
    assert o.note("pending").rc == SOCKET_ERROR and o.note("pending").locked == 0
    assert (o.note("g").ok, o.note("g").nbytes) == (True, 0)
    assert (o.note("next").rc, o.note("next").n) == (0, 5)
    assert (o.note("empty").rc, o.note("empty").err) == (SOCKET_ERROR, WSAEINVAL)


def test_bad_input_returns_windows_errors():
    """Bad input: an invalid socket → WSAENOTSOCK; recv/WSARecv on an unconnected socket → WSAENOTCONN; a
    NULL lpBuffers or lpOverlapped where one is required → WSAEFAULT; CancelIoEx on a bad handle →
    ERROR_INVALID_HANDLE.  Never a Python exception.  (A bytes object passed as a WSABUF is not something
    Windows can see: test_bad_input.py shows it fails the scenario at its line.)"""
    def main():
        results = []
        rc = yield WSARecv(12345, WSABUF(1), OVERLAPPED())
        results.append(("wsarecv-badsock", rc[0], (yield WSAGetLastError())))
        event = yield WSACreateEvent()
        rc = yield WSASend(event, WSABUF(b"x"), OVERLAPPED())
        results.append(("wsasend-event", rc[0], (yield WSAGetLastError())))
        s = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        rc = yield recv(s, 10)
        results.append(("recv-unconnected", rc, (yield WSAGetLastError())))
        rc = yield WSARecv(s, WSABUF(1), OVERLAPPED())
        results.append(("wsarecv-unconnected", rc[0], (yield WSAGetLastError())))
        server, client = yield tcp_pair()
        rc = yield WSARecv(server, None, OVERLAPPED())
        results.append(("bad-wsabuf", rc[0], (yield WSAGetLastError())))
        rc = yield WSAGetOverlappedResult(server, None, False)
        results.append(("bad-ov", rc[0], (yield WSAGetLastError())))
        rc = yield closesocket(99999)
        results.append(("close-bad", rc, (yield WSAGetLastError())))
        rc = yield CancelIoEx(99999, None)
        results.append(("cancel-bad", rc, (yield GetLastError())))
        rc = yield setsockopt(server, SOL_SOCKET, SO_SNDBUF, "big")
        results.append(("sockopt-bad", rc, (yield WSAGetLastError())))
        rc = yield connect(s, ("127.0.0.1", 1))
        results.append(("connect-refused", rc, (yield WSAGetLastError())))
        yield note("results", results=results)
    o = run(main)
    assert o.passed, o.failures
    assert o.note("results").results == [
        ("wsarecv-badsock", SOCKET_ERROR, WSAENOTSOCK), ("wsasend-event", SOCKET_ERROR, WSAENOTSOCK),
        ("recv-unconnected", SOCKET_ERROR, WSAENOTCONN), ("wsarecv-unconnected", SOCKET_ERROR, WSAENOTCONN),
        ("bad-wsabuf", SOCKET_ERROR, WSAEFAULT), ("bad-ov", False, WSAEFAULT),
        ("close-bad", SOCKET_ERROR, WSAENOTSOCK), ("cancel-bad", False, ERROR_INVALID_HANDLE),
        ("sockopt-bad", SOCKET_ERROR, WSAEFAULT), ("connect-refused", SOCKET_ERROR, WSAECONNREFUSED)]


def test_bind_listen_connect_accept_and_blocking_peers():
    """Sockets: bind/listen/connect/accept give a connected pair; blocking recv waits for data (the thread
    blocks) and returns b"" after the peer's FIN; SO_SNDBUF/SO_RCVBUF read back, 0 accepted (oracle 4.2)."""
    def main():
        ls = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield bind(ls, ("127.0.0.1", 5000))
        yield listen(ls, 5)
        yield CreateThread(client_thread, name="client")
        s = yield accept(ls)
        yield note("accepted", ok=s != INVALID_SOCKET)
        data = yield recv(s, 100)
        eof = yield recv(s, 100)
        yield note("server", data=data, eof=eof)
        yield setsockopt(s, SOL_SOCKET, SO_RCVBUF, 0)
        v = yield getsockopt(s, SOL_SOCKET, SO_RCVBUF)
        yield note("rcvbuf", v=v)
        s2 = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        rc = yield bind(s2, ("127.0.0.1", 5000))
        err = yield WSAGetLastError()
        yield note("inuse", rc=rc, err=err)

    def client_thread():
        yield Sleep(3)
        c = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        rc = yield connect(c, ("127.0.0.1", 5000))
        assert rc == 0
        yield send(c, b"over loopback")
        yield closesocket(c)
    o = run(main)
    assert o.note("accepted").ok and o.note("accepted").time == 3
    assert (o.note("server").data, o.note("server").eof) == (b"over loopback", b"")
    assert o.note("rcvbuf").v == 0
    assert (o.note("inuse").rc, o.note("inuse").err) == (SOCKET_ERROR, WSAEADDRINUSE)


def test_wsawaitformultipleevents_limit_and_alertable():
    """WSA events (issue 3 item 3, C5): more than 64 events → WSA_INVALID_PARAMETER; alertable with a routine
    queued → WSA_WAIT_IO_COMPLETION, event untouched; WSAResetEvent unsignals."""
    o = run_catalogue("overlapped-events-64")
    assert o.passed, o.failures


def test_blocking_recv_releases_the_port_slot():
    """A5 through sockets: a port-associated worker that blocks in a blocking recv() gives its slot to a waiter
    (max=1: the queued packet goes to W2 the moment W1 blocks)."""
    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 1)
        s, c = yield tcp_pair()
        yield CreateThread(w1, port, s, name="W1")
        yield Sleep(1)
        yield PostQueuedCompletionStatus(port, 0, 1, None)
        yield CreateThread(w2, port, name="W2")
        yield Sleep(1)
        yield PostQueuedCompletionStatus(port, 0, 2, None)
        yield Sleep(10)
        yield send(c, b"x")
        yield Sleep(5)

    def w1(port, s):
        yield GetQueuedCompletionStatus(port, INFINITE)
        yield note("w1-got")
        yield compute(3)
        yield recv(s, 10)
        yield note("w1-recv")

    def w2(port):
        yield GetQueuedCompletionStatus(port, INFINITE)
        yield note("w2-got")
    o = run(main)
    assert o.note("w1-got").time == 1
    assert o.note("w2-got").time == 4
    assert o.note("w1-recv").time == pytest.approx(12.1)


def test_closehandle_on_a_socket_is_closesocket():
    """D7 (oracle 2.9): CloseHandle on a socket with a pending WSARecv behaves as closesocket: one packet,
    FALSE, 1236; afterwards the value is no longer a socket (WSAENOTSOCK)."""
    def main():
        port, server, client = yield from new_port_pair()
        yield WSARecv(server, WSABUF(10), OVERLAPPED())
        ok = yield CloseHandle(server)
        yield from gqcs("g", port)
        yield from gqcs("none", port, 0)
        rc, n, f = yield WSARecv(server, WSABUF(10), OVERLAPPED())
        err = yield WSAGetLastError()
        yield note("after", ok=ok, rc=rc, err=err)
    o = run(main)
    assert (o.note("g").ok, o.note("g").error, o.note("none").ov) == (False, 1236, None)
    assert (o.note("after").ok, o.note("after").rc, o.note("after").err) == (True, SOCKET_ERROR, WSAENOTSOCK)


def test_d7_only_the_last_handle_cancels_pending_io():
    """D7 (oracle 2.11): with two handles to a socket, closing one cancels nothing — the pending
    WSARecv stays pending and no packet comes; closing the last completes it (1236, modern mode)."""
    def main():
        port, server, client = yield from new_port_pair(key=5)
        me = yield GetCurrentProcess()
        ok, dup = yield DuplicateHandle(me, server, me, 0, FALSE, DUPLICATE_SAME_ACCESS)
        yield note("dup", ok=ok, same=dup == server)
        rc, nbytes, flags = yield WSARecv(server, WSABUF(100), OVERLAPPED(op="recv"))
        yield closesocket(server)
        yield from gqcs("after-first-close", port, 10)
        yield closesocket(dup)
        yield from gqcs("after-last-close", port, 10)
        rc = yield closesocket(dup)
        yield note("again", rc=rc, error=(yield WSAGetLastError()))
    o = run(main)
    assert (o.note("dup").ok, o.note("dup").same) == (True, False)
    first = o.note("after-first-close")
    assert (first.ok, first.ov, first.error) == (False, None, WAIT_TIMEOUT)
    last = o.note("after-last-close")
    assert (last.ok, last.key, last.error) == (False, 5, ERROR_CONNECTION_ABORTED) and last.ov.op == "recv"
    assert (o.note("again").rc, o.note("again").error) == (SOCKET_ERROR, WSAENOTSOCK)


# --- E9: TIME_WAIT keeps the TCB of an actively closed connection (CONFIG time_wait_ms) ----------------

def _tcb_after_close(config, how):
    def main():
        s, c = yield tcp_pair()
        if how == "abortive":
            yield setsockopt(s, SOL_SOCKET, SO_LINGER, LINGER(1, 0))
        if how == "passive":
            yield closesocket(c)                         # the peer closes first
            yield Sleep(1)
        yield closesocket(s)
        yield peek("closed", lambda k: {"tcb": k.pool.by_tag.get("tcb", 0)})
        if how != "passive":
            yield recv(c, 10)                            # FIN (or RST) reaches the client
            yield closesocket(c)                         # its FIN reaches s: TIME_WAIT begins
        yield Sleep(5)
        yield peek("time_wait", lambda k: {"tcb": k.pool.by_tag.get("tcb", 0)})
        yield Sleep(1000)
        yield peek("after", lambda k: {"tcb": k.pool.by_tag.get("tcb", 0), "npp": k.pool.npp})
    o = run(main, config=config)
    return [o.note(tag).tcb for tag in ("closed", "time_wait", "after")], o.note("after").npp


def test_e9_the_side_that_closes_first_keeps_its_tcb_through_time_wait():
    """E9: the side that closes first (gracefully) keeps its connection block — npp_connect_extra, 1 KB —
    through FIN_WAIT and then TIME_WAIT (2MSL, here time_wait_ms = 500); then the pool is back to zero."""
    assert _tcb_after_close({"time_wait_ms": 500}, "active") == ([1024, 1024, 0], 0)


def test_e9_an_abortive_close_or_a_passive_close_leaves_no_time_wait():
    """E9 / D6 (MS-CLOSESOCKET): linger {1,0} sends RST and "will not go to the TIME_WAIT state"; the side
    that closes second (after the peer's FIN) has no TIME_WAIT: when the client closes first, only its one
    TCB (1 KB, not two) is held.  Without time_wait_ms the model charges no TIME_WAIT at all."""
    assert _tcb_after_close({"time_wait_ms": 500}, "abortive") == ([0, 0, 0], 0)
    assert _tcb_after_close({"time_wait_ms": 500}, "passive") == ([1024, 1024, 0], 0)
    assert _tcb_after_close({}, "active") == ([0, 0, 0], 0)




def test_e9_data_after_an_active_close_resets_and_frees_the_tcb():
    """E9 with oracle 2.20: s closes first and keeps its TCB (FIN_WAIT); the client, not having read the FIN,
    sends anyway.  The closed endpoint answers with a RST, and the RST ends the connection on both sides: the
    client's next recv fails with WSAECONNABORTED, and s's TCB is freed then — no TIME_WAIT waits for a FIN
    that a reset connection never sends.  An abortive close of the reset client afterwards sends nothing
    more: the pool is back to zero at once and stays there."""
    def main():
        s, c = yield tcp_pair()
        yield closesocket(s)
        yield send(c, b"late")
        yield Sleep(5)
        r = yield recv(c, 10)
        err = yield WSAGetLastError()
        yield peek("reset", lambda k: {"tcb": k.pool.by_tag.get("tcb", 0)})
        yield setsockopt(c, SOL_SOCKET, SO_LINGER, LINGER(1, 0))
        yield closesocket(c)
        yield Sleep(5)
        yield note("recv", r=r, err=err)
        yield peek("after", lambda k: {"tcb": k.pool.by_tag.get("tcb", 0), "npp": k.pool.npp})
    o = run(main, config={"time_wait_ms": 500})
    assert (o.note("recv").r, o.note("recv").err) == (SOCKET_ERROR, WSAECONNABORTED)
    assert o.note("reset").tcb == 0
    assert (o.note("after").tcb, o.note("after").npp) == (0, 0)
    rows = [e.text for e in o.trace if e.kind == "net" and "TCB is freed" in e.text]
    assert len(rows) == 1


def test_e9_the_trace_says_when_a_closed_connection_keeps_its_tcb():
    """E9 in the narration: when the side that closes first keeps its TCB, the trace has a network row saying
    so — "socket N's connection stays in the transport (FIN_WAIT): 1024 bytes of non-paged pool" — citing E9."""
    def main():
        s, c = yield tcp_pair()
        yield note("s", h=s)
        yield closesocket(s)
        yield Sleep(1)

    o = run(main, config={"time_wait_ms": 500})
    h = o.note("s").h
    rows = [e for e in o.trace if e.kind == "net" and "FIN_WAIT" in e.text]
    assert [e.text for e in rows] == [f"socket {h}'s connection stays in the transport (FIN_WAIT): 1024 bytes of "
                                      "non-paged pool"]
    assert "(E9)" in rows[0].why

def test_e9_a_socket_that_never_connected_keeps_no_tcb_when_closed():
    """E9: only a *connection* closed first keeps its TCB (FIN_WAIT, then TIME_WAIT).  With time_wait_ms on,
    closing a socket that never connected, and a listener, holds nothing: no tcb bytes, and the non-paged pool
    is back at its baseline at once."""
    def main():
        base, _ = yield memory()
        s = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        ls = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield bind(ls, ("127.0.0.1", 7501))
        yield listen(ls, 5)
        yield closesocket(s)
        yield closesocket(ls)
        yield peek("closed", lambda k: {"tcb": k.pool.by_tag.get("tcb", 0), "npp": k.pool.npp})
        yield note("base", npp=base)

    o = run(main, config={"time_wait_ms": 500})
    assert (o.note("closed").tcb, o.note("closed").npp) == (0, o.note("base").npp)

def test_a_blocking_send_has_a_row_and_its_bytes_arrive_at_its_line():
    """A blocking send that fits in SO_SNDBUF returns at once with a row of its own (D3); when its bytes
    reach the peer a latency later, that row points at the send's line, not at what runs then."""
    import inspect
    from kernelsim.win32 import Sleep, recv, send, tcp_pair

    def main():
        server, client = yield tcp_pair()
        yield send(client, b"abc")
        yield Sleep(5)
        data = yield recv(server, 10)
        yield note("got", data=data)

    out = run(main)
    first = inspect.getsourcelines(main)[1]
    sent = next(e for e in out.trace if "send on" in e.text)
    assert sent.text.endswith("returns at once: 3 (bytes copied to the send buffer)") and "D3" in sent.why
    assert sent.line == first + 2
    arrive = next(e for e in out.trace if e.text.startswith("3 bytes arrive"))
    assert arrive.time > sent.time and arrive.line == first + 2            # main is inside Sleep (line +3)
    got = next(e for e in out.trace if "recv on" in e.text)
    assert got.text.endswith("returns at once: 3 bytes") and got.line == first + 4
    assert out.note("got").data == b"abc"


def test_a_send_that_blocks_is_traced_and_its_arrival_points_at_it():
    """SO_SNDBUF 0 on the sender: a blocking send waits for the transport (D4); the arrival and the
    send's return both point at the send's line."""
    import inspect
    from kernelsim.win32 import SOL_SOCKET, SO_SNDBUF, recv, send, setsockopt, tcp_pair, CreateThread

    def reader(server):
        yield Sleep(3)
        yield recv(server, 10)

    def main():
        server, client = yield tcp_pair()
        yield setsockopt(client, SOL_SOCKET, SO_SNDBUF, 0)
        yield CreateThread(reader, server, name="reader")
        yield send(client, b"hello")
        yield Sleep(10)

    out = run(main)
    line = inspect.getsourcelines(main)[1] + 4
    blocked = next(e for e in out.trace if e.kind == "block" and e.thread == "main" and "send" in e.text)
    arrive = next(e for e in out.trace if e.text.startswith("5 bytes arrive"))
    returns = next(e for e in out.trace if e.text == "main's send returns")
    assert blocked.line == arrive.line == returns.line == line
