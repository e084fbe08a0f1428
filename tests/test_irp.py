"""IRP lifecycle rules (SEMANTICS B1–B14, C8 for completion routines), on overlapped sockets."""

from helpers import gqcs, new_port_pair, peek, run

from kernelsim.win32 import *


def pool(k):
    return {"npp": k.pool.npp, "locked": k.pool.locked, "irps": len(k.irps),
            "irp_states": [i.state for i in k.irps]}


def test_b1_issue_allocates_irp_mdl_and_joins_the_thread_list():
    """B1: a pending WSARecv allocates one IRP (NPP += 784) and an MDL (48 + 8/page), locks the pages it
    spans, and sits on the issuing thread's IRP list — or, port-associated, on the socket (thread-agnostic)."""
    def main():
        server, client = yield tcp_pair()
        yield peek("before", pool)
        yield WSARecv(server, WSABUF(8192), OVERLAPPED())
        yield peek("after", lambda k: {**pool(k), "on_thread": len(k.threads[0].irps)})
        port, s2, c2 = yield from new_port_pair()
        yield WSARecv(s2, WSABUF(100), OVERLAPPED())
        yield peek("port", lambda k: {"on_thread": len(k.threads[0].irps), "irps": len(k.irps)})
    o = run(main)
    before, after = o.note("before"), o.note("after")
    assert after.npp - before.npp == 784 + 48 + 8 * 2
    assert (after.locked - before.locked, after.irps, after.on_thread) == (2, 1, 1)
    assert (o.note("port").irps, o.note("port").on_thread) == (2, 1)


def test_b2_pending_returns_io_pending_and_sync_success_returns_zero():
    """B2: a request that pends returns SOCKET_ERROR with WSA_IO_PENDING (bytes not written); one that
    completes inside the call returns 0 with the byte count."""
    def main():
        server, client = yield tcp_pair()
        rc, n, flags = yield WSARecv(server, WSABUF(100), OVERLAPPED())
        err = yield WSAGetLastError()
        yield note("pending", rc=rc, n=n, err=err)
        yield send(client, b"abc")
        yield Sleep(1)
        rc, n, flags = yield WSARecv(server, WSABUF(100), OVERLAPPED())
        yield note("sync", rc=rc, n=n)
    o = run(main)
    assert (o.note("pending").rc, o.note("pending").n, o.note("pending").err) == (SOCKET_ERROR, 0, WSA_IO_PENDING)
    # the first receive was pending, so it took "abc"; the second pends too
    assert o.note("sync").rc == SOCKET_ERROR


def test_b3_stage_two_runs_during_a_non_alertable_sleep():
    """B3/C3: a pending IRP completes while its issuer sleeps non-alertably: pages are unlocked and the
    OVERLAPPED written and hEvent signalled at completion time, and the Sleep is not shortened."""
    def main():
        server, client = yield tcp_pair()
        event = yield WSACreateEvent()
        ov = OVERLAPPED(hEvent=event)
        yield WSARecv(server, WSABUF(100), ov)
        yield CreateThread(peer, client, event, ov, name="peer")
        result = yield SleepEx(1000, False)
        yield note("slept", result=result)

    def peer(client, event, ov):
        yield Sleep(5)
        yield send(client, b"12345")
        yield Sleep(1)
        signalled = yield WaitForSingleObject(event, 0)
        yield peek("completed", lambda k: {"locked": k.pool.locked, "internal": ov.Internal,
                                           "high": ov.InternalHigh, "signalled": signalled == WAIT_OBJECT_0})
    o = run(main)
    c = o.note("completed")
    assert (c.locked, c.internal, c.high, c.signalled) == (0, STATUS_SUCCESS, 5, True)
    assert o.note("slept").time == 1000 and o.note("slept").result == 0


def test_b4a_synchronous_failure_notifies_nothing():
    """B4 (a): WSARecv failing synchronously (WSAENOTCONN) on a port-associated socket queues no packet,
    leaves the event untouched and keeps no IRP."""
    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        s = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield CreateIoCompletionPort(s, port, 1, 0)
        event = yield WSACreateEvent()
        rc, n, f = yield WSARecv(s, WSABUF(100), OVERLAPPED(hEvent=event))
        err = yield WSAGetLastError()
        signalled = yield WaitForSingleObject(event, 0)
        yield note("r", rc=rc, err=err, signalled=signalled == WAIT_OBJECT_0)
        yield from gqcs("g", port, 0)
        yield peek("mem", pool)
    o = run(main)
    assert (o.note("r").rc, o.note("r").err, o.note("r").signalled) == (SOCKET_ERROR, WSAENOTCONN, False)
    assert o.note("g").ov is None and o.note("mem").irps == 0


def test_b4b_pending_request_that_fails_still_queues_a_packet():
    """B4 (b): a request that went pending and then fails (STATUS_CONNECTION_RESET) queues a packet:
    GQCS returns FALSE with ov set."""
    def main():
        port, server, client = yield from new_port_pair()
        ov = OVERLAPPED()
        yield WSARecv(server, WSABUF(100), ov)
        yield setsockopt(client, SOL_SOCKET, SO_LINGER, LINGER(1, 0))
        yield closesocket(client)
        got = yield from gqcs("g", port)
        yield note("same", same=got is ov)
    o = run(main)
    assert (o.note("g").ok, o.note("g").error, o.note("same").same) == (False, ERROR_NETNAME_DELETED, True)


def test_b5_immediate_success_queues_a_packet_and_schedules_the_routine():
    """B5: an immediate success still notifies: exactly one packet for that OVERLAPPED; with a completion
    routine instead, it does not run until SleepEx(…, TRUE)."""
    ran = []

    def routine(err, n, ov, flags):
        ran.append(n)
        yield note("routine", n=n)

    def main():
        port, server, client = yield from new_port_pair()
        yield send(client, b"x" * 10)
        yield Sleep(1)
        ov = OVERLAPPED()
        rc, n, f = yield WSARecv(server, WSABUF(4096), ov)
        yield note("r", rc=rc, n=n)
        got = yield from gqcs("g1", port, 0)
        yield note("same", same=got is ov)
        yield from gqcs("g2", port, 0)
        s2, c2 = yield tcp_pair()
        yield send(c2, b"y")
        yield Sleep(1)
        yield WSARecv(s2, WSABUF(10), OVERLAPPED(), routine)
        yield note("before", ran=len(ran))
        yield Sleep(0)
        yield note("after-sleep", ran=len(ran))
        result = yield SleepEx(0, True)
        yield note("after-sleepex", ran=len(ran), result=result)
    o = run(main)
    assert (o.note("r").rc, o.note("r").n) == (0, 10)
    assert (o.note("g1").ok, o.note("g1").nbytes, o.note("same").same) == (True, 10, True)
    assert o.note("g2").ov is None
    assert (o.note("before").ran, o.note("after-sleep").ran) == (0, 0)
    assert (o.note("after-sleepex").ran, o.note("after-sleepex").result) == (1, WAIT_IO_COMPLETION)


def test_b6_skip_on_success_suppresses_only_immediate_success_and_is_sticky():
    """B6: with FILE_SKIP_COMPLETION_PORT_ON_SUCCESS an immediate success queues no packet; a request that
    pends still does; setting mode 0 later does not clear the flag."""
    def main():
        port, server, client = yield from new_port_pair()
        yield SetFileCompletionNotificationModes(server, FILE_SKIP_COMPLETION_PORT_ON_SUCCESS)
        yield send(client, b"a")
        yield Sleep(1)
        rc, n, f = yield WSARecv(server, WSABUF(10), OVERLAPPED())
        yield note("imm", rc=rc)
        yield from gqcs("g-imm", port, 0)
        yield WSARecv(server, WSABUF(10), OVERLAPPED())
        yield send(client, b"b")
        yield from gqcs("g-pend", port)
        ok = yield SetFileCompletionNotificationModes(server, 0)
        yield send(client, b"c")
        yield Sleep(1)
        rc, n, f = yield WSARecv(server, WSABUF(10), OVERLAPPED())
        yield from gqcs("g-clear", port, 0)
        yield note("clear", ok=ok, rc=rc)
    o = run(main)
    assert o.note("imm").rc == 0 and o.note("g-imm").ov is None
    assert o.note("g-pend").ok is True and o.note("g-pend").nbytes == 1
    assert o.note("clear").rc == 0 and o.note("g-clear").ov is None


def test_b7_skip_set_event_on_handle_leaves_the_socket_unsignalled():
    """B7: with hEvent NULL, a completion signals the socket handle itself — unless
    FILE_SKIP_SET_EVENT_ON_HANDLE is set."""
    def main():
        for flag in (0, FILE_SKIP_SET_EVENT_ON_HANDLE):
            server, client = yield tcp_pair()
            if flag:
                yield SetFileCompletionNotificationModes(server, flag)
            yield WSARecv(server, WSABUF(10), OVERLAPPED())
            yield send(client, b"z")
            yield Sleep(1)
            result = yield WaitForSingleObject(server, 0)
            yield note("handle", flag=flag, signalled=result == WAIT_OBJECT_0)
    o = run(main)
    assert [n.signalled for n in o.notes("handle")] == [True, False]


def test_b8_low_bit_of_hevent_suppresses_the_packet_but_signals_the_event():
    """B8: OVERLAPPED.hEvent = E|1 on a port-associated socket: E is signalled, the port stays empty."""
    def main():
        port, server, client = yield from new_port_pair()
        event = yield WSACreateEvent()
        ov = OVERLAPPED(hEvent=event | 1)
        yield WSARecv(server, WSABUF(10), ov)
        yield send(client, b"q")
        result = yield WaitForSingleObject(event, 100)
        yield note("event", result=result)
        yield from gqcs("g", port, 0)
        ok, n, f = yield WSAGetOverlappedResult(server, ov, False)
        yield note("gor", ok=ok, n=n)
        yield peek("mem", pool)
    o = run(main)
    assert o.note("event").result == WAIT_OBJECT_0 and o.note("g").ov is None
    assert (o.note("gor").ok, o.note("gor").n, o.note("mem").irps) == (True, 1, 0)


def test_b9_completion_routine_on_a_port_socket_is_refused():
    """B9 (oracle 1.18): WSARecv/WSASend with a completion routine on a port-associated socket fail at once
    with WSAEINVAL; no IRP is created and the routine never runs."""
    def routine(err, n, ov, flags):
        yield note("ran")

    def main():
        port, server, client = yield from new_port_pair()
        rc, n, f = yield WSARecv(server, WSABUF(10), OVERLAPPED(), routine)
        err = yield WSAGetLastError()
        rc2, n2 = yield WSASend(server, WSABUF(b"x"), OVERLAPPED(), routine)
        err2 = yield WSAGetLastError()
        yield peek("mem", pool)
        yield SleepEx(10, True)
        yield note("r", rc=rc, err=err, rc2=rc2, err2=err2)
    o = run(main)
    r = o.note("r")
    assert (r.rc, r.err, r.rc2, r.err2) == (SOCKET_ERROR, WSAEINVAL, SOCKET_ERROR, WSAEINVAL)
    assert o.note("mem").irps == 0 and not o.notes("ran")


def _four_bytes_queued():
    """A WSARecv(10) pending on a port-associated socket, completed by 4 bytes: its packet waits in the port."""
    port, server, client = yield from new_port_pair()
    ov = OVERLAPPED()
    yield WSARecv(server, WSABUF(10), ov)
    yield send(client, b"four")
    yield Sleep(1)
    return port, server, ov


def test_b10_overlapped_is_written_at_dequeue_for_port_handles():
    """B10: a pending WSARecv completing into a port leaves ov.Internal == STATUS_PENDING until GQCS
    dequeues it; then Internal == 0 and InternalHigh == n.  Profile xp writes it at completion."""
    def main():
        port, server, ov = yield from _four_bytes_queued()
        yield note("queued", internal=ov.Internal, high=ov.InternalHigh)
        yield from gqcs("g", port, 0)
        yield note("dequeued", internal=ov.Internal, high=ov.InternalHigh)
    o = run(main)
    assert (o.note("queued").internal, o.note("queued").high) == (STATUS_PENDING, 0)
    assert (o.note("dequeued").internal, o.note("dequeued").high) == (0, 4)
    xp = run(main, profile="xp")
    assert (xp.note("queued").internal, xp.note("queued").high) == (0, 4)


def test_b10_a_packet_dropped_with_its_port_never_writes_the_overlapped():
    """B10 with A10: the OVERLAPPED is written when the packet is removed by a GQCS; a packet freed with its
    port (the last handle closed, nothing dequeued) is never removed, so ov.Internal stays STATUS_PENDING."""
    def main():
        port, server, ov = yield from _four_bytes_queued()
        yield closesocket(server)
        yield CloseHandle(port)
        yield Sleep(1)
        yield note("dropped", internal=ov.Internal, high=ov.InternalHigh,
                   done=HasOverlappedIoCompleted(ov))
    d = run(main).note("dropped")
    assert (d.internal, d.high, d.done) == (STATUS_PENDING, 0, False)


def test_b10_xp_a_reused_overlapped_is_not_overwritten_by_the_old_packet():
    """B10, profile xp (the OVERLAPPED is written at completion): an OVERLAPPED reused for a new WSARecv
    while the first request's packet still waits in the port belongs to the new request; dequeuing the
    old packet reports the old bytes but leaves the new request's OVERLAPPED pending."""
    def main():
        port, server, ov = yield from _four_bytes_queued()
        yield note("first", internal=ov.Internal, high=ov.InternalHigh)
        yield WSARecv(server, WSABUF(10), ov)
        ok, n, key, got = yield GetQueuedCompletionStatus(port, 0)
        yield note("after", n=n, got=got is ov, internal=ov.Internal, done=HasOverlappedIoCompleted(ov))
    o = run(main, profile="xp")
    assert (o.note("first").internal, o.note("first").high) == (0, 4)
    a = o.note("after")
    assert (a.n, a.got, a.internal, a.done) == (4, True, STATUS_PENDING, False)


def test_b10_an_immediate_success_is_written_at_once():
    """B10 (its exception): a request that completes inside the call writes the OVERLAPPED at once, so
    WSAGetOverlappedResult reports it before the packet is dequeued."""
    def main():
        port, server, client = yield from new_port_pair()
        yield send(client, b"seven!!")
        yield Sleep(1)
        ov = OVERLAPPED()
        yield WSARecv(server, WSABUF(100), ov)
        ok, n, f = yield WSAGetOverlappedResult(server, ov, False)
        yield note("gor", ok=ok, n=n, internal=ov.Internal, high=ov.InternalHigh)
    o = run(main)
    g = o.note("gor")
    assert (g.ok, g.n, g.internal, g.high) == (True, 7, 0, 7)


def test_b11_the_same_status_gives_win32_and_winsock_codes():
    """B11: STATUS_CONNECTION_RESET is 64 through GQCS and 10054 through WSAGetOverlappedResult and a
    completion routine; STATUS_CONNECTION_ABORTED (local close) is 1236 and 10053."""
    def routine(err, n, ov, flags):
        yield note("routine", err=err)

    def main():
        port, server, client = yield from new_port_pair()
        ov = OVERLAPPED()
        yield WSARecv(server, WSABUF(10), ov)
        yield setsockopt(client, SOL_SOCKET, SO_LINGER, LINGER(1, 0))
        yield closesocket(client)
        yield from gqcs("rst", port)
        yield WSAGetOverlappedResult(server, ov, False)
        err = yield WSAGetLastError()
        yield note("rst-wsa", err=err)
        port2, s2, c2 = yield from new_port_pair()
        ov2 = OVERLAPPED()
        yield WSARecv(s2, WSABUF(10), ov2)
        yield closesocket(s2)
        yield from gqcs("abort", port2)
        s3, c3 = yield tcp_pair()
        yield WSARecv(s3, WSABUF(10), OVERLAPPED(), routine)
        yield setsockopt(c3, SOL_SOCKET, SO_LINGER, LINGER(1, 0))
        yield closesocket(c3)
        yield SleepEx(10, True)
    o = run(main)
    assert (o.note("rst").error, o.note("rst-wsa").err) == (64, 10054)
    assert o.note("abort").error == 1236 and o.note("routine").err == WSAECONNRESET


def test_b12_cancelioex_gives_995_and_not_found_when_nothing_matches():
    """B12: CancelIoEx(s, &ov) on a pending WSARecv returns TRUE and GQCS later returns FALSE, ov, 995;
    with nothing pending CancelIoEx returns FALSE/ERROR_NOT_FOUND, while CancelIo returns TRUE."""
    def main():
        port, server, client = yield from new_port_pair()
        ov = OVERLAPPED()
        yield WSARecv(server, WSABUF(10), ov)
        ok = yield CancelIoEx(server, ov)
        yield note("cancel", ok=ok)
        yield from gqcs("g", port)
        ok = yield CancelIoEx(server, ov)
        err = yield GetLastError()
        ok2 = yield CancelIo(server)
        yield note("again", ok=ok, err=err, cancelio=ok2)
        yield peek("mem", pool)
    o = run(main)
    assert o.note("cancel").ok is True
    assert (o.note("g").ok, o.note("g").error) == (False, ERROR_OPERATION_ABORTED)
    a = o.note("again")
    assert (a.ok, a.err, a.cancelio) == (False, ERROR_NOT_FOUND, True)
    assert (o.note("mem").locked, o.note("mem").irps) == (0, 0)


def test_b12_race_data_before_cancel_completes_normally():
    """B12 race: data arrives in the same tick before the cancel is processed: GQCS returns TRUE with the
    bytes, and the late CancelIoEx finds nothing (ERROR_NOT_FOUND)."""
    def main():
        port, server, client = yield from new_port_pair()
        ov = OVERLAPPED()
        yield WSARecv(server, WSABUF(10), ov)
        yield send(client, b"race")
        yield Sleep(0.1)
        ok = yield CancelIoEx(server, ov)
        err = yield GetLastError()
        yield note("cancel", ok=ok, err=err)
        yield from gqcs("g", port)
    o = run(main)
    assert (o.note("cancel").ok, o.note("cancel").err) == (False, ERROR_NOT_FOUND)
    assert (o.note("g").ok, o.note("g").nbytes) == (True, 4)


def test_b12_cancelio_cancels_only_the_calling_threads_io():
    """B12: CancelIo cancels the calling thread's I/O on the handle; CancelIoEx(s, NULL) any thread's."""
    def main():
        port, server, client = yield from new_port_pair()
        yield WSARecv(server, WSABUF(10), OVERLAPPED(op="main"))
        other = yield CreateThread(issue, server, name="T2")
        yield WaitForSingleObject(other, INFINITE)
        yield CancelIo(server)
        yield from gqcs("first", port)
        yield from gqcs("none", port, 0)
        ok = yield CancelIoEx(server, None)
        yield note("ex", ok=ok)
        yield from gqcs("second", port)

    def issue(s):
        yield WSARecv(s, WSABUF(10), OVERLAPPED(op="T2"))
    o = run(main)
    assert o.note("first").ov.op == "main" and o.note("none").ov is None
    assert o.note("ex").ok and o.note("second").ov.op == "T2" and o.note("second").error == 995


def test_b13a_thread_exit_cancels_event_io_without_a_port():
    """B13 (a): non-port socket, event-based WSARecv pending, its thread exits: the event is signalled,
    ov.Internal = STATUS_CANCELLED and WSAGetOverlappedResult gives 995."""
    def main():
        server, client = yield tcp_pair()
        event = yield WSACreateEvent()
        ov = OVERLAPPED(hEvent=event)
        t = yield CreateThread(issue, server, ov, name="T1")
        yield WaitForSingleObject(t, INFINITE)
        result = yield WaitForSingleObject(event, 0)
        ok, n, f = yield WSAGetOverlappedResult(server, ov, False)
        err = yield WSAGetLastError()
        yield note("r", signalled=result == WAIT_OBJECT_0, internal=ov.Internal, ok=ok, err=err)
        yield peek("mem", pool)

    def issue(s, ov):
        yield WSARecv(s, WSABUF(10), ov)
    o = run(main)
    r = o.note("r")
    assert (r.signalled, r.internal, r.ok, r.err) == (True, STATUS_CANCELLED, False, 995)
    assert (o.note("mem").locked, o.note("mem").irps) == (0, 0)


def test_b13b_and_c8_routine_never_runs_after_its_thread_exits():
    """B13 (b), C8: a thread exits with its completion routine's I/O pending (or its APC queued): the
    routine never runs — not in another thread either — and the IRP memory is released."""
    def routine(err, n, ov, flags):
        yield note("ran")

    def main():
        server, client = yield tcp_pair()
        s2, c2 = yield tcp_pair()
        yield CreateThread(sleeper, name="T2")
        t = yield CreateThread(issue, server, s2, c2, name="T1")
        yield WaitForSingleObject(t, INFINITE)
        yield send(client, b"late")
        yield Sleep(30)
        yield peek("mem", pool)

    def sleeper():
        yield SleepEx(20, True)

    def issue(s, s2, c2):
        yield WSARecv(s, WSABUF(10), OVERLAPPED(), routine)        # pending at exit
        yield send(c2, b"now")
        yield Sleep(1)
        yield WSARecv(s2, WSABUF(10), OVERLAPPED(), routine)       # completed at once: APC queued at exit
    o = run(main)
    assert not o.notes("ran")
    assert (o.note("mem").locked, o.note("mem").irps) == (0, 0)


def test_b13c_port_io_survives_its_thread_on_vista_but_not_xp():
    """B13 (c) + oracle 2.16: port-associated socket, no event: the WSARecv survives its thread's exit and
    later completes TRUE; with an hEvent it is cancelled (995); in the xp profile it is cancelled too."""
    def main():
        port, server, client = yield from new_port_pair()
        event = yield WSACreateEvent()
        s2, c2 = yield tcp_pair()
        yield CreateIoCompletionPort(s2, port, 2, 0)
        t = yield CreateThread(issue, server, s2, event, name="T1")
        yield WaitForSingleObject(t, INFINITE)
        yield send(client, b"data")
        yield from gqcs("p1", port)
        yield from gqcs("p2", port)

    def issue(s, s2, event):
        yield WSARecv(s, WSABUF(10), OVERLAPPED(op="plain"))
        yield WSARecv(s2, WSABUF(10), OVERLAPPED(hEvent=event, op="event"))
    o = run(main)
    got = sorted((n.ov.op, n.ok, n.error) for n in (o.note("p1"), o.note("p2")))
    assert got == [("event", False, 995), ("plain", True, 0)]
    xp = run(main, profile="xp")
    got = sorted((n.ov.op, n.ok, n.error) for n in (xp.note("p1"), xp.note("p2")))
    assert got == [("event", False, 995), ("plain", False, 995)]


def test_b13_an_exiting_threads_io_is_cancelled_newest_first():
    """B13: IopQueueIrpToThread inserts each IRP at the head of the thread's list and IoCancelThreadIo
    walks it from the head, so the cancelled requests reach the port newest first."""
    def main():
        port, server, client = yield from new_port_pair()
        event = yield WSACreateEvent()
        t = yield CreateThread(issue, server, event, name="T1")
        yield WaitForSingleObject(t, INFINITE)
        for i in range(3):
            yield from gqcs(f"p{i}", port)

    def issue(s, event):
        for op in ("first", "second", "third"):              # an hEvent: not thread-agnostic (B13)
            yield WSARecv(s, WSABUF(10), OVERLAPPED(hEvent=event, op=op))
    o = run(main)
    got = [(o.note(f"p{i}").ov.op, o.note(f"p{i}").error) for i in range(3)]
    assert got == [("third", 995), ("second", 995), ("first", 995)]


def test_b12_cancelio_cancels_the_threads_requests_newest_first():
    """B12: CancelIo walks the calling thread's IRP list from its head (ReactOS NtCancelIoFile): newest
    first, in every profile."""
    def main():
        port, server, client = yield from new_port_pair()
        for op in ("first", "second"):
            yield WSARecv(server, WSABUF(10), OVERLAPPED(op=op))
        yield CancelIo(server)
        yield from gqcs("p0", port)
        yield from gqcs("p1", port)
    for profile in ("windows", "wine"):
        o = run(main, profile=profile)
        assert [o.note("p0").ov.op, o.note("p1").ov.op] == ["second", "first"], profile


def test_c8_a_routine_irp_completes_in_its_issuer_and_a_port_irp_in_no_thread():
    """C8, B1 (MS "thread-agnostic I/O"): a request with a completion routine belongs to the thread that
    issued it (the routine runs there), so its completion row names that thread; a port request without
    an event is queued to the file object, and its completion row names no thread."""
    def routine(err, n, ov, flags):
        yield note("routine", n=n)

    def main():
        port, server, client = yield from new_port_pair()
        s2, c2 = yield tcp_pair()
        yield WSARecv(s2, WSABUF(10), OVERLAPPED(), routine)
        yield WSARecv(server, WSABUF(10), OVERLAPPED())
        yield send(c2, b"abcd")
        yield send(client, b"efgh")
        yield SleepEx(5, True)
    o = run(main)
    rows = [e.thread for e in o.trace if e.kind == "irp" and "completes" in e.template]
    assert rows == ["main", "-"] and o.note("routine").n == 4


def test_b14_each_completion_is_delivered_exactly_once_fifo_with_one_worker():
    """B14: with two workers each completion is delivered exactly once (no order asserted); with one worker
    and max=1, packets come out FIFO by completion time."""
    def main(workers):
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 1 if workers == 1 else 0)
        pairs = []
        for i in range(4):
            s, c = yield tcp_pair()
            yield CreateIoCompletionPort(s, port, i, 0)
            yield WSARecv(s, WSABUF(10), OVERLAPPED(op=i))
            pairs.append(c)
        for w in range(workers):
            yield CreateThread(worker, port, name=f"W{w}")
        for i in (2, 0, 3, 1):
            yield send(pairs[i], b"x")
            yield Sleep(1)
        yield Sleep(10)

    def worker(port):
        while True:
            ok, n, key, ov = yield GetQueuedCompletionStatus(port, 5)
            if ov is None:
                return
            yield note("got", op=ov.op)
    two = run(main, args=(2,))
    assert sorted(n.op for n in two.notes("got")) == [0, 1, 2, 3]
    one = run(main, args=(1,))
    assert [n.op for n in one.notes("got")] == [2, 0, 3, 1]


def test_c8_completion_routine_runs_only_in_the_issuing_thread():
    """C8: T1 issues WSARecv with routine R, T2 sleeps alertably: R never runs on T2; it runs when T1
    enters an alertable wait."""
    def routine(err, n, ov, flags):
        yield note("routine", n=n)

    def main():
        server, client = yield tcp_pair()
        yield CreateThread(t1, server, name="T1")
        yield CreateThread(t2, name="T2")
        yield Sleep(1)
        yield send(client, b"abc")
        yield Sleep(50)

    def t1(s):
        yield WSARecv(s, WSABUF(10), OVERLAPPED(), routine)
        yield Sleep(20)
        yield SleepEx(0, True)

    def t2():
        yield SleepEx(10, True)
    o = run(main)
    r = o.note("routine")
    assert (r.thread, r.n, r.time) == ("T1", 3, 20)
