"""The race layer's progress invariants (issue 14): every session eventually released, every queued send sent.

Safety invariants (no use after release, IOCount never negative …) cannot see a library that simply stops:
a send flag left set stalls a session's sends, a release that never happens leaks the session.  The
monitor checks progress once the server has stopped (``Server.stop``).  Each test runs the fixed library
as the control and a copy with one injected bug that only a progress invariant can catch.
"""

import pytest
from helpers import run

from kernelsim.netlib import Content, Server, frame
from kernelsim.netlib.monitor import Monitor
from kernelsim.win32 import *


class Echo(Content):
    def __init__(self):
        self.server = None

    def OnRecv(self, session_id, payload):
        yield from self.server.SendPacket(session_id, payload)


class FlagNeverCleared(Server):
    """Bug: the send completion forgets to clear the send flag ("Send 1회로 제한" done wrong)."""

    def on_sent(self, session, nbytes):
        ring = session.send_ring
        ring.move_front(nbytes)
        ring.in_flight = None
        yield from self.send_post(session)


class NeverReleases(Server):
    """Bug: IOCount reaches 0 but Release is never called."""

    def io_done(self, session):
        yield InterlockedDecrement(session, "io_count")


def echo_twice(server_class, hang_up):
    """A client sends two packets 5 ms apart and reads the echoes (hanging up after both, if asked); the server
    stops 30 ms later, whatever the client got."""
    def client(server, cli, uid):
        for payload in (b"one", b"two"):
            yield send(cli, frame(payload))
            yield Sleep(5)
        got = b""
        while len(got) < 2 * len(frame(b"one")):
            data = yield recv(cli, 64)
            if not data or data == SOCKET_ERROR:
                break
            got += data
            server.mon.received(uid, data)
            yield note("echoed", data=data)
        if hang_up:
            yield closesocket(cli)

    def main():
        content = Echo()
        server = content.server = server_class(content, workers=2, max_sessions=2)
        yield from server.start()
        srv, cli = yield tcp_pair()
        sid = yield from server.accept(srv, "client")
        yield CreateThread(client, server, cli, sid.uid, name="client")
        yield Sleep(30)
        yield from server.stop()
    return main


@pytest.mark.parametrize("hang_up", [False, True])
def test_the_fixed_library_makes_progress(hang_up):
    """Control: the fixed library echoes both packets, its SendQ is empty with the flag clear at stop, and a
    client that hung up leaves a released session: no invariant breaks."""
    o = run(echo_twice(Server, hang_up))
    assert not o.notes("violation"), o.note("violation").fields
    assert b"".join(n.data for n in o.notes("echoed")) == frame(b"one") + frame(b"two")


def test_a_send_flag_left_set_is_caught_as_a_send_that_never_goes_out():
    """Progress: with the send flag never cleared, the second echo stays in the SendQ forever; no safety
    invariant breaks, but at stop 'every queued send eventually sent' does."""
    o = run(echo_twice(FlagNeverCleared, hang_up=False))
    violation = o.note("violation")
    assert violation.invariant == "every queued send eventually sent"
    assert "SendQ" in violation.detail


def test_a_session_never_released_after_its_client_hung_up_is_caught():
    """Progress: Recv = 0 drains IOCount to 0, but this library never releases; at stop 'every session
    released exactly once' reports the session as never released."""
    o = run(echo_twice(NeverReleases, hang_up=True))
    violation = o.note("violation")
    assert violation.invariant == "every session released exactly once"
    assert "never released" in violation.detail


def test_progress_is_not_judged_before_the_server_stops():
    """The progress invariants wait for stop: a live session with bytes queued is not a violation while the
    server runs (the send may still go out), only once it has stopped."""
    mon = Monitor()

    class Ring:
        used = 5

    class Slot:
        index, uid, io_count, send_flag, send_ring = 0, 0, 1, 1, Ring()
    slot = Slot()
    slot.send_ring.overwritten = 0
    slot.sock = 40
    slot.uid = mon.born(slot, "c")
    mon.sessions = [slot]
    assert mon.check() is None
    mon.finished = True
    assert mon.check()[0] == "every queued send eventually sent"


def test_a_packet_is_a_two_byte_little_endian_length_then_the_payload():
    """The course's packet format (netlib.fixed: HEADER): a client that frames a packet by hand — 2-byte
    little-endian length, then the payload — is understood, OnAccept runs once for the new session, and OnRecv
    gets the payload without its header."""
    class Recorder(Content):
        def OnAccept(self, session_id):
            yield note("accept", sid=int(session_id))

        def OnRecv(self, session_id, payload):
            yield note("recv", sid=int(session_id), payload=payload)

    def main():
        server = Server(Recorder(), workers=1, max_sessions=1)
        yield from server.start()
        srv, cli = yield tcp_pair()
        sid = yield from server.accept(srv, "client")
        yield send(cli, b"\x05\x00hello")
        yield Sleep(5)
        yield note("sid", sid=int(sid))

    o = run(main)
    assert frame(b"hi") == b"\x02\x00hi"
    assert [n.sid for n in o.notes("accept")] == [o.note("sid").sid]
    assert [(n.sid, n.payload) for n in o.notes("recv")] == [(o.note("sid").sid, b"hello")]


def test_a_full_server_closes_the_connection_it_cannot_take():
    """The library's accept (seed: no free session → refuse): with its one session in use, a second connection
    is refused — accept returns None — and closed, so that client reads the end of the stream."""
    def main():
        server = Server(Content(), workers=1, max_sessions=1)
        yield from server.start()
        s1, c1 = yield tcp_pair()
        first = yield from server.accept(s1, "first")
        s2, c2 = yield tcp_pair()
        second = yield from server.accept(s2, "second")
        yield Sleep(1)
        yield note("r", first=first is not None, second=second, eof=(yield recv(c2, 16)))

    r = run(main).note("r")
    assert (r.first, r.second, r.eof) == (True, None, b"")


def test_a_packet_that_can_never_fit_the_recvq_stops_receiving_and_releases_the_session():
    """The library's RecvQ rule (netlib.fixed ``on_recv``; seed: the Recv 링버퍼 is fixed-size and a receive
    is posted only after the last one is handled): a receive that does not fit the RecvQ is a protocol error —
    the session posts no new WSARecv, its IOCount drains to 0 and it is released: OnLeave runs once, no payload
    reaches OnRecv, and the client reads the end of the stream."""
    class Recorder(Content):
        def OnRecv(self, session_id, payload):
            yield note("recv", payload=payload)

        def OnLeave(self, session_id):
            yield note("leave", sid=int(session_id))

    def main():
        server = Server(Recorder(), workers=1, max_sessions=1, recv_size=64, ring_size=8)
        yield from server.start()
        srv, cli = yield tcp_pair()
        sid = yield from server.accept(srv, "client")
        yield send(cli, b"\x20\x00" + b"x" * 10)       # 12 bytes arrive at once: more than the 8-byte RecvQ
        yield Sleep(5)
        yield note("sid", sid=int(sid))
        yield note("eof", data=(yield recv(cli, 16)))

    o = run(main)
    assert o.notes("recv") == []
    assert [n.sid for n in o.notes("leave")] == [o.note("sid").sid]
    assert o.note("eof").data == b""


def test_a_server_given_a_monitor_checks_its_invariants_with_that_monitor():
    """Server(monitor=…): the race layer's checks (DESIGN §7) are the given monitor's, installed by start().
    A monitor whose check reports a planted violation makes the run fail with it; the default one passes."""
    class Planted(Monitor):
        def check(self):
            return ("planted", "the given monitor's check ran")

    def main(monitor):
        server = Server(Content(), workers=1, max_sessions=1, monitor=monitor)
        yield note("same", same=server.mon is monitor if monitor is not None else True)
        yield from server.start()
        yield Sleep(1)
        yield from server.stop()

    planted = run(main, args=(Planted(),))
    assert planted.note("same").same is True
    assert any("planted" in str(f) for f in planted.failures), planted.failures
    assert run(main, args=(None,)).passed


def test_each_session_id_reaches_its_own_connection_whatever_its_slot():
    """SessionID = slot index + generation (seed: "소켓값은 재사용되므로 SessionID로 사용금지"; the index is the id's
    low 16 bits): with four sessions in slots 0–3, SendPacket to each id reaches that session's client and no
    other — an id whose index bits were read wrong would name another slot (a stale id there: refused)."""
    def main():
        server = Server(Content(), workers=1, max_sessions=4)
        yield from server.start()
        clients, ids = [], []
        for i in range(4):
            srv, cli = yield tcp_pair()
            ids.append((yield from server.accept(srv, f"c{i}")))
            clients.append(cli)
        sent = []
        for i, sid in enumerate(ids):
            sent.append((yield from server.SendPacket(sid, bytes([65 + i]))))
        yield Sleep(5)
        got = []
        for cli in clients:
            got.append((yield recv(cli, 16)))
        yield note("r", slots=[int(s) & 0xFFFF for s in ids], sent=sent, got=got)

    r = run(main).note("r")
    assert sorted(r.slots) == [0, 1, 2, 3] and r.sent == [True] * 4
    assert r.got == [frame(bytes([65 + i])) for i in range(4)]


def test_a_send_refused_with_wsaenobufs_leaves_the_send_flag_free_for_the_next_sendpacket():
    """E4/E5 (WSASend fails at once with WSAENOBUFS when the non-paged pool cannot hold its request) and the
    library's send rule ("Send 1회로 제한": the flag is released when no completion will come): the first
    SendPacket's WSASend is refused, its bytes stay in the SendQ; once another connection is closed (pool
    freed) the next SendPacket sends both packets, in order."""
    def main():
        server = Server(Content(), workers=1, max_sessions=1)
        yield from server.start()
        srv, cli = yield tcp_pair()
        spare_s, spare_c = yield tcp_pair()
        sid = yield from server.accept(srv, "a")
        yield Sleep(1)
        yield from server.SendPacket(sid, b"one")          # refused: no pool for the request
        yield Sleep(2)
        yield closesocket(spare_s)
        yield closesocket(spare_c)
        yield Sleep(2)
        yield from server.SendPacket(sid, b"two")
        yield Sleep(5)
        yield ioctlsocket(cli, FIONBIO, 1)
        yield note("got", data=(yield recv(cli, 64)))
        yield from server.stop()

    o = run(main, config={"npp_limit": 13128 + 500})        # the server, both pairs and the pending WSARecv
    assert any(e.text == "main's WSASend fails at once: WSAENOBUFS" for e in o.trace)
    assert o.note("got").data == frame(b"one") + frame(b"two")
    assert o.passed, o.failures


def test_a_send_that_fails_when_the_client_resets_moves_nothing_and_the_session_is_released():
    """D6 through the library: the echo's WSASend pends (the server's SO_SNDBUF is 0, the client's window
    16 bytes, the echo 52), then the client resets the connection.  The send completes with an error: the
    worker hands 0 bytes to the send completion (MoveFront(0): nothing was sent), Recv fails too, IOCount
    reaches 0 and the session is released once; no invariant breaks."""
    def main():
        content = Echo()
        server = content.server = Server(content, workers=2, max_sessions=1)
        yield from server.start()
        srv, cli = yield tcp_pair()
        yield setsockopt(srv, SOL_SOCKET, SO_SNDBUF, 0)
        yield setsockopt(cli, SOL_SOCKET, SO_RCVBUF, 16)
        yield from server.accept(srv, "client")
        yield send(cli, frame(bytes(50)))
        yield Sleep(5)
        yield setsockopt(cli, SOL_SOCKET, SO_LINGER, LINGER(1, 0))
        yield closesocket(cli)
        yield Sleep(10)
        yield from server.stop()

    o = run(main)
    assert not o.notes("violation"), o.note("violation").fields
    sends = [e for e in o.trace.events if e.kind == "irp" and "(send on socket" in e.text
             and "STATUS_CONNECTION_RESET" in e.text]
    assert sends, "the echo's WSASend never failed: the test did not make it pend"


def test_a_packet_split_across_two_receives_reaches_onrecv_once_and_whole():
    """The course's packet loop (헤더 2바이트 + 페이로드): a header that says 10 bytes, then only 4 of them,
    then the other 6 a little later.  OnRecv runs once, when all 10 are there, with all 10; the partial
    packet stays in the RecvQ meanwhile."""
    class Recorder(Content):
        def OnRecv(self, session_id, payload):
            yield note("recv", payload=payload)

    def main():
        server = Server(Recorder(), workers=1, max_sessions=1)
        yield from server.start()
        srv, cli = yield tcp_pair()
        yield from server.accept(srv, "client")
        packet = frame(b"0123456789")
        yield send(cli, packet[:6])
        yield Sleep(5)
        yield note("half")
        yield send(cli, packet[6:])
        yield Sleep(5)

    o = run(main)
    assert [n.payload for n in o.notes("recv")] == [b"0123456789"]
    assert o.note("recv").time > o.note("half").time


class DrainsMeanwhile(Server):
    """Another worker's send completion takes every queued byte while this SendPost takes the flag."""

    drained = False

    def take_send_flag(self, session):
        if not self.drained:
            self.drained = True
            session.send_ring.move_front(session.send_ring.used)
        return (yield from super().take_send_flag(session))


def test_sendpost_that_finds_the_sendq_drained_after_taking_the_flag_gives_it_back_and_posts_nothing():
    """SendPost ("Send 1회로 제한"): the SendQ had bytes when it looked, but they were gone once it held the flag
    (another completion sent them).  It must give the flag back and post no WSASend — an empty send would
    still cost an I/O and an IOCount."""
    def main():
        server = DrainsMeanwhile(Echo(), workers=1, max_sessions=1)
        yield from server.start()
        srv, cli = yield tcp_pair()
        sid = yield from server.accept(srv, "client")
        yield from server.SendPacket(sid, b"hi")
        session = server.sessions[0]
        yield note("after", flag=session.send_flag, io=session.io_count)

    o = run(main)
    assert not [e.text for e in o.trace.events if "WSASend" in e.text]
    assert o.note("after").flag == 0
