"""select, WSAEventSelect and WSAEnumNetworkEvents (rules D13, D14; kernelsim/model/netevents.py)."""

from helpers import NONBLOCKING_CONNECT, run

from kernelsim.win32 import *


def test_d14_select_rewrites_the_sets_with_the_ready_sockets():
    """D14: select returns the number of ready sockets and leaves only them in the sets; a socket with
    data is readable, a connected socket with room is writable; TIMEVAL(0, 0) polls."""
    def main():
        a, pa = yield tcp_pair()
        b, pb = yield tcp_pair()
        rs, ws = fd_set(), fd_set()
        for s in (a, b):
            FD_SET(s, rs)
        n = yield select(0, rs, None, None, TIMEVAL(0, 0))
        yield note("idle", n=n, ready=list(rs.fd_array))
        yield send(pb, b"x")
        yield Sleep(1)
        FD_ZERO(rs)
        for s in (a, b):
            FD_SET(s, rs)
        FD_SET(a, ws)
        n = yield select(0, rs, ws, None, TIMEVAL(1, 0))
        yield note("data", n=n, readable=list(rs.fd_array), writable=list(ws.fd_array), b=b, a=a)
    o = run(main)
    assert (o.note("idle").n, o.note("idle").ready) == (0, [])
    d = o.note("data")
    assert (d.n, d.readable, d.writable) == (2, [d.b], [d.a])


def test_d14_a_blocking_select_wakes_when_data_arrives_or_times_out():
    """D14: select blocks until a socket is ready (data 5 ms later wakes it at 5.1 ms), or returns 0 at
    its timeout with the sets emptied."""
    def peer(c):
        yield Sleep(5)
        yield send(c, b"hi")

    def main():
        s, c = yield tcp_pair()
        yield CreateThread(peer, c, name="peer")
        rs = fd_set()
        FD_SET(s, rs)
        n = yield select(0, rs, None, None, None)
        yield note("woke", n=n, ready=list(rs.fd_array), s=s)
        yield recv(s, 10)
        FD_SET(s, rs)
        n = yield select(0, rs, None, None, TIMEVAL(0, 20_000))
        yield note("timeout", n=n, ready=list(rs.fd_array))
    o = run(main)
    woke = o.note("woke")
    assert (woke.n, woke.ready, woke.time) == (1, [woke.s], 5.1)
    t = o.note("timeout")
    assert (t.n, t.ready, t.time) == (0, [], 25.1)


def test_d14_a_select_waiting_to_write_wakes_when_the_socket_connects():
    """D14 (MS select: writefds, "If processing a connect call (nonblocking), connection has succeeded"): a
    socket that is not connected is not writable; a thread blocked in select on it wakes when another thread's
    connect makes the connection, at that instant, not at its timeout."""
    def connector(s):
        yield Sleep(5)
        yield note("connect", rc=(yield connect(s, ("127.0.0.1", 7621))))

    def main():
        ls = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield bind(ls, ("127.0.0.1", 7621))
        yield listen(ls, 5)
        s = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield CreateThread(connector, s, name="C")
        ws = fd_set()
        FD_SET(s, ws)
        n = yield select(0, None, ws, None, TIMEVAL(1, 0))
        yield note("woke", n=n, ready=list(ws.fd_array), s=s)
    o = run(main)
    woke = o.note("woke")
    assert o.note("connect").rc == 0
    assert (woke.n, woke.ready, woke.time) == (1, [woke.s], 5.0)


def test_c2_a_blocking_select_runs_queued_apcs_and_still_times_out():
    """C2, oracle 3.8 (Wine sock.c test_select 4408-4427, passes on Windows): a select that blocks runs
    the thread's queued APC and goes on waiting, returning 0 at its timeout; a select satisfied at once
    does not run it."""
    def apc(arg):
        yield note("apc", arg=arg)

    def main():
        s, c = yield tcp_pair()
        me = yield GetCurrentThread()
        yield QueueUserAPC(apc, me, 1)
        rs = fd_set()
        FD_SET(s, rs)
        n = yield select(0, rs, None, None, TIMEVAL(0, 10_000))
        yield note("blocked", n=n, ready=list(rs.fd_array))
        yield send(c, b"x")
        yield Sleep(1)
        yield QueueUserAPC(apc, me, 2)
        FD_SET(s, rs)
        n = yield select(0, rs, None, None, TIMEVAL(0, 10_000))
        yield note("at-once", n=n)
        yield SleepEx(0, True)
    o = run(main)
    first = o.notes("apc")[0]
    blocked = o.note("blocked")
    assert (first.arg, first.time) == (1, 0.0)
    assert (blocked.n, blocked.ready, blocked.time) == (0, [], 10.0)
    assert o.note("at-once").n == 1
    order = [(n.tag, n.fields.get("arg")) for n in o.notes()]
    assert order == [("apc", 1), ("blocked", None), ("at-once", None), ("apc", 2)]   # SleepEx ran the second


def test_c2_a_select_whose_socket_becomes_ready_while_its_apc_runs_returns_after_the_apc():
    """C2: data that arrives while a blocked select's APC runs ends the select; it returns 1 once the
    APC is done, not at its timeout."""
    def apc(c):
        yield send(c, b"x")
        yield Sleep(3)
        yield note("apc-done")

    def main():
        s, c = yield tcp_pair()
        me = yield GetCurrentThread()
        yield QueueUserAPC(apc, me, c)
        rs = fd_set()
        FD_SET(s, rs)
        n = yield select(0, rs, None, None, TIMEVAL(1, 0))
        yield note("woke", n=n, ready=list(rs.fd_array), s=s)
    o = run(main)
    woke = o.note("woke")
    assert (woke.n, woke.ready) == (1, [woke.s])
    assert o.note("apc-done").time <= woke.time < 10


def test_d14_fd_setsize_is_the_sets_capacity_not_a_limit_of_select():
    """D14 (winsock2.h FD_SET; MS select: FD_SETSIZE defaults to 64 and may be defined larger): FD_SET
    ignores a 65th socket in a default set; a set made with FD_SETSIZE 128 holds it and select reports it."""
    def main():
        pairs = []
        for _ in range(65):
            pairs.append((yield tcp_pair()))
        yield send(pairs[64][1], b"x")
        yield Sleep(1)
        for size in (FD_SETSIZE, 128):
            rs = fd_set(size)
            for s, _ in pairs:
                FD_SET(s, rs)
            count = rs.fd_count
            n = yield select(0, rs, None, None, TIMEVAL(0, 0))
            yield note("set", size=size, count=count, n=n)
    o = run(main)
    assert [(n.size, n.count, n.n) for n in o.notes("set")] == [(64, 64, 0), (128, 65, 1)]


def test_d14_select_misuse_returns_winsock_errors():
    """D14 bad input: no socket in any set → WSAEINVAL; a handle that is not a socket → WSAENOTSOCK."""
    def main():
        rc = yield select(0, fd_set(), None, None, TIMEVAL(0, 0))
        yield note("empty", rc=rc, err=(yield WSAGetLastError()))
        e = yield CreateEvent(None, False, False, None)
        rs = fd_set()
        FD_SET(e, rs)
        rc = yield select(0, rs, None, None, TIMEVAL(0, 0))
        yield note("event", rc=rc, err=(yield WSAGetLastError()))
    o = run(main)
    assert (o.note("empty").rc, o.note("empty").err) == (SOCKET_ERROR, WSAEINVAL)
    assert (o.note("event").rc, o.note("event").err) == (SOCKET_ERROR, WSAENOTSOCK)


def test_d13_wsaeventselect_records_fd_read_once_until_recv_reenables_it():
    """D13 (MS WSAEventSelect): the socket becomes non-blocking; data sets the event and records FD_READ;
    more data before a recv records nothing new; WSAEnumNetworkEvents clears the record and resets the
    event; a recv that leaves data behind records FD_READ again at once."""
    def main():
        s, c = yield tcp_pair()
        e = yield WSACreateEvent()
        rc = yield WSAEventSelect(s, e, FD_READ | FD_CLOSE)
        got = yield recv(s, 10)
        yield note("nonblocking", rc=rc, recv=got, err=(yield WSAGetLastError()))
        yield send(c, b"one")
        yield Sleep(1)
        yield send(c, b"two")
        yield Sleep(1)
        rc, ev = yield WSAEnumNetworkEvents(s, e)
        waited = yield WSAWaitForMultipleEvents([e], False, 0, False)
        yield note("first", events=ev.lNetworkEvents, reset=waited == WSA_WAIT_TIMEOUT)
        data = yield recv(s, 3)                                # "one": "two" is still there
        rc, ev = yield WSAEnumNetworkEvents(s, e)
        yield note("again", data=data, events=ev.lNetworkEvents)
        yield closesocket(c)
        yield Sleep(1)
        rc, ev = yield WSAEnumNetworkEvents(s, None)
        yield note("close", events=ev.lNetworkEvents, error=ev.iErrorCode[FD_CLOSE_BIT])
    o = run(main)
    nb = o.note("nonblocking")
    assert (nb.rc, nb.recv, nb.err) == (0, SOCKET_ERROR, WSAEWOULDBLOCK)
    assert (o.note("first").events, o.note("first").reset) == (FD_READ, True)
    assert (o.note("again").data, o.note("again").events) == (b"one", FD_READ)
    # FD_READ was recorded again and then read out; with no recv since, only FD_CLOSE is new (graceful: 0)
    assert (o.note("close").events, o.note("close").error) == (FD_CLOSE, 0)


def test_d13_an_abortive_close_is_fd_close_with_wsaeconnreset():
    """D13 + D6: FD_CLOSE after the peer's RST carries WSAECONNRESET in iErrorCode[FD_CLOSE_BIT]."""
    def main():
        s, c = yield tcp_pair()
        e = yield WSACreateEvent()
        yield WSAEventSelect(s, e, FD_CLOSE)
        yield setsockopt(c, SOL_SOCKET, SO_LINGER, LINGER(1, 0))
        yield closesocket(c)
        result = yield WSAWaitForMultipleEvents([e], False, 100, False)
        rc, ev = yield WSAEnumNetworkEvents(s, e)
        yield note("rst", result=result, events=ev.lNetworkEvents, error=ev.iErrorCode[FD_CLOSE_BIT])
    o = run(main)
    r = o.note("rst")
    assert (r.result, r.events, r.error) == (WSA_WAIT_EVENT_0, FD_CLOSE, WSAECONNRESET)


def test_d13_fd_accept_is_reenabled_by_accept():
    """D13: a connection waiting on a listening socket records FD_ACCEPT; a second connection before
    accept records nothing new; accept re-enables it and the one still waiting records it again."""
    def client():
        s = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield connect(s, (LOOPBACK, 9100))

    def main():
        ls = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield bind(ls, (LOOPBACK, 9100))
        yield listen(ls, SOMAXCONN)
        e = yield WSACreateEvent()
        yield WSAEventSelect(ls, e, FD_ACCEPT)
        for name in ("c1", "c2"):
            yield CreateThread(client, name=name)
            yield Sleep(1)
        rc, ev = yield WSAEnumNetworkEvents(ls, e)
        rc, ev2 = yield WSAEnumNetworkEvents(ls, e)
        a = yield accept(ls)
        rc, ev3 = yield WSAEnumNetworkEvents(ls, e)
        yield note("accept", first=ev.lNetworkEvents, nothing=ev2.lNetworkEvents, after=ev3.lNetworkEvents,
                   ok=a != INVALID_SOCKET)
    o = run(main)
    n = o.note("accept")
    assert (n.first, n.nothing, n.after, n.ok) == (FD_ACCEPT, 0, FD_ACCEPT, True)


def test_c2_a_select_ended_while_its_apc_runs_keeps_its_first_answer():
    """C2 (the call returns what ended its wait meanwhile): s1 becomes readable while the select's APC runs,
    which ends the select with 1; s2 becomes readable 1 ms later, still during the APC.  The select returns
    the answer that ended it — 1, s1 — not a later one."""
    def apc(clients):
        c1, c2 = clients
        yield send(c1, b"x")
        yield Sleep(1)
        yield send(c2, b"y")
        yield Sleep(3)

    def main():
        s1, c1 = yield tcp_pair()
        s2, c2 = yield tcp_pair()
        me = yield GetCurrentThread()
        yield QueueUserAPC(apc, me, (c1, c2))
        rs = fd_set()
        FD_SET(s1, rs)
        FD_SET(s2, rs)
        n = yield select(0, rs, None, None, None)
        yield note("woke", n=n, ready=list(rs.fd_array), s1=s1)
    woke = run(main).note("woke")
    assert (woke.n, woke.ready) == (1, [woke.s1])


def test_c2_a_select_that_times_out_while_its_apc_runs_returns_0_after_the_apc():
    """C2, oracle 3.8: the select's 2 ms timeout elapses while its APC (which sleeps 5 ms) runs; nothing
    became ready, so once the APC is done the select returns 0 with an empty set — it does not wait on."""
    def apc(arg):
        yield Sleep(5)
        yield note("apc-done")

    def main():
        s, c = yield tcp_pair()
        me = yield GetCurrentThread()
        yield QueueUserAPC(apc, me, 0)
        rs = fd_set()
        FD_SET(s, rs)
        n = yield select(0, rs, None, None, TIMEVAL(0, 2_000))
        yield note("woke", n=n, ready=list(rs.fd_array))
        yield send(c, b"late")

    o = run(main)
    woke = o.note("woke")
    assert (woke.n, woke.ready, woke.time) == (0, [], 5.0)
    assert o.note("apc-done").time == 5.0


def test_d13_a_nonblocking_connect_would_block_and_reports_fd_connect(tmp_path):
    """D13 with MS connect ("With a nonblocking socket, the connection attempt cannot be completed
    immediately... WSAEWOULDBLOCK"): after WSAEventSelect (or FIONBIO) connect returns SOCKET_ERROR and 10035,
    even on loopback; the event is set with FD_CONNECT|FD_WRITE (18) recorded and iErrorCode[FD_CONNECT_BIT]
    0.  A refused one also would-block, then records FD_CONNECT alone with WSAECONNREFUSED (10061).  connect
    on the connected socket is WSAEISCONN (10056).  Measured live on Wine 8 and 10 (test_live, test_wine10)."""
    from kernelsim import scenario as scenarios
    path = tmp_path / "nb_connect.py"
    path.write_text(NONBLOCKING_CONNECT, encoding="utf-8")
    o = scenarios.run(scenarios.load(str(path)))
    assert (o.note("connect").rc, o.note("connect").error) == (SOCKET_ERROR, WSAEWOULDBLOCK)
    e = o.note("events")
    assert (e.w, e.rc, e.events, e.error) == (WAIT_OBJECT_0, 0, FD_CONNECT | FD_WRITE, 0)
    assert (o.note("again").rc, o.note("again").error) == (SOCKET_ERROR, WSAEISCONN)
    assert (o.note("refused").rc, o.note("refused").error) == (SOCKET_ERROR, WSAEWOULDBLOCK)
    r = o.note("refused-events")
    assert (r.w, r.events, r.error) == (WAIT_OBJECT_0, FD_CONNECT, WSAECONNREFUSED)
    assert (o.note("fionbio").rc, o.note("fionbio").error) == (SOCKET_ERROR, WSAEWOULDBLOCK)
    assert o.note("send").n == 2
