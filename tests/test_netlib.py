"""The race layer (DESIGN §7): the course's network library, broken and fixed, under the explorer.

Each race scenario's broken variant breaks the invariant it teaches under
some schedule; its fixed variant breaks none within the stated bound.  The
bounds are small so the suite stays fast; ``kernelsim explore NAME`` uses
--max-preemptions 2 by default.
"""

import json
import types

import pytest

from kernelsim import explore, scenario
from kernelsim.netlib import Content, Server, SessionId, frame, make_server
from kernelsim.netlib.catalogue import twin
from kernelsim.netlib.monitor import Monitor
from kernelsim.netlib.ring import RingBuffer
from kernelsim.win32 import InterlockedDecrement, Sleep, closesocket, note, recv, tcp_pair

from helpers import run

RACES = {
    "send-after-recv0": "no access to a released session",
    "stale-completion-reused-socket": "completion applied to the session that issued it",
    "closesocket-twice": "closesocket only on a handle the session owns",
    "sendpacket-vs-release": "no access to a released session",
    "movefront-before-completion": "no Enqueue over bytes lent to WSASend",
    "send-flag-race": "one WSASend at a time per session",
}


def load_variant(name, **overrides):
    """A race scenario with some of its globals replaced (e.g. a mutated server)."""
    base = scenario.load(name)
    module = types.ModuleType("variant_" + name.replace("-", "_"))
    module.__dict__.update(twin(base.path, name.replace("-", "_"), **overrides))
    sc = scenario.Scenario(base.path, module)
    return sc


@pytest.mark.parametrize("name", sorted(RACES))
def test_the_broken_variant_breaks_the_invariant_it_teaches(name):
    """Race scenarios (DESIGN §7): the explorer finds a schedule of the broken library that breaks the
    scenario's invariant; the default schedule passes, so the race needs a chosen schedule (except where
    the scenario says otherwise); the failing schedule replays deterministically."""
    sc = scenario.load(name)
    assert scenario.run(sc).passed
    report = explore.explore(sc, "dfs", max_preemptions=2, budget=3000, stop_at_first=True, minimise_budget=40)
    assert report.failed, name
    assert report.minimised.violation[0] == RACES[name]
    assert report.minimised.schedule
    assert report.deterministic is True
    replay = scenario.run(sc, schedule=report.minimised.schedule)
    assert replay.notes("violation")[0].invariant == RACES[name]


@pytest.mark.parametrize("name", sorted(RACES))
def test_the_fixed_variant_survives_the_bound(name):
    """Race scenarios (DESIGN §7): the fixed library (IOCount, release at zero, closesocket once,
    generation ids, MoveFront after completion) breaks no invariant in the first 300 schedules with at
    most 1 preemption, explored fewest changes first."""
    report = explore.explore(scenario.load(name + "-fixed"), "dfs", max_preemptions=1, budget=300, seconds=0)
    assert not report.failed, report.minimised.reason() if report.failed else ""
    assert report.exhausted == (report.schedules < 300)     # exhaustive exactly when the budget was not used up


def test_the_send_after_recv0_replay_string_reproduces_the_trace_byte_for_byte():
    """Replay (DESIGN §4): the explorer's shortest failing schedule of send-after-recv0, replayed with
    --schedule, gives the same trace as the explorer's own run, byte for byte, every time."""
    sc = scenario.load("send-after-recv0")
    report = explore.explore(sc, "dfs", max_preemptions=2, budget=500, minimise_budget=40)
    best = report.minimised
    mine = explore.Runner(sc).replay(best.taken, full=True).outcome
    texts = {json.dumps(o.trace.to_json(), sort_keys=True)
             for o in (mine, scenario.run(sc, schedule=best.schedule), scenario.run(sc, schedule=best.schedule))}
    assert len(texts) == 1


# --- SendPacket / Disconnect with stale ids ------------------------------------------------

def _stale_ids():
    server = make_server("fixed", Content(), workers=1, max_sessions=1)
    yield from server.start()
    srv, cli = yield tcp_pair()
    old = yield from server.accept(srv, "a")
    yield closesocket(cli)                      # FIN: Recv = 0, IOCount 0, Release
    yield Sleep(5)
    yield note("after-release", send=(yield from server.SendPacket(old, b"x")),
               disconnect=(yield from server.Disconnect(old)))
    yield note("unknown", send=(yield from server.SendPacket(SessionId(999, 0), b"x")),
               disconnect=(yield from server.Disconnect(SessionId(-1 & 0xFFFFFF, 0))))
    srv2, cli2 = yield tcp_pair()
    new = yield from server.accept(srv2, "b")
    yield note("reused", same_slot=(int(new) & 0xFFFF) == (int(old) & 0xFFFF), same_socket=srv2 == srv,
               old=(yield from server.SendPacket(old, b"x")), new=(yield from server.SendPacket(new, b"y")))
    data = yield recv(cli2, 64)
    yield note("got", data=data)
    yield closesocket(cli2)
    yield Sleep(5)
    yield from server.stop()


def test_sendpacket_and_disconnect_with_stale_or_unknown_ids_return_false():
    """SessionID (seed "Session Find fail ... return false"): after release, and after the slot and the
    socket value were reused by a new session, the old id makes SendPacket/Disconnect return False; an
    unknown id too; the new id works.  No invariant breaks."""
    out = run(_stale_ids)
    assert out.passed, out.failures
    assert out.note("after-release").fields == {"send": False, "disconnect": False}
    assert out.note("unknown").fields == {"send": False, "disconnect": False}
    reused = out.note("reused")
    assert reused.same_slot and reused.same_socket and reused.old is False and reused.new is True
    assert out.note("got").data == frame(b"y")
    assert not out.notes("violation")


def test_every_refusal_is_a_trace_row_with_its_reason_and_the_library_line():
    """Each False from SendPacket/Disconnect above is a "refuse" row saying why (released, no such slot,
    a stale id naming the session that now holds the slot), at netlib's own line."""
    out = run(_stale_ids)
    refused = [e for e in out.trace if e.kind == "refuse"]
    assert [e.text.split(": ", 1)[1] for e in refused] == [
        "SendPacket(0x10000) refused: the session is released (its release flag is set)",
        "Disconnect(0x10000) refused: the session is released (its release flag is set)",
        "SendPacket(999) refused: no such slot",
        "Disconnect(0xffffff) refused: no such slot",
        "SendPacket(0x10000) refused: a stale id: slot 0 now holds 0x20000",
    ]
    assert all(e.file.replace("\\", "/").endswith("netlib/fixed.py") and e.line for e in refused)
    assert all("Session Find fail" in e.why for e in refused)


def _socket_id_reuse():
    server = make_server("broken", Content(), workers=1, max_sessions=2, bugs=("socket_id",))
    yield from server.start()
    srv, cli = yield tcp_pair()
    old = yield from server.accept(srv, "a")
    yield closesocket(cli)
    yield Sleep(5)
    srv2, cli2 = yield tcp_pair()
    yield from server.accept(srv2, "b")
    yield note("stale-send", ok=(yield from server.SendPacket(old, b"for a")))


def test_a_socket_value_id_reaches_the_new_session():
    """Broken SessionID (seed "소켓값은 재사용되므로 SessionID로 사용금지"): with the socket value as id, a
    SendPacket for the departed session lands on the new one that got the same value — the invariant
    'bytes arrive ... at the connection content meant' catches it."""
    out = run(_socket_id_reuse)
    assert out.note("violation").invariant == "bytes arrive once and in order, at the connection content meant"


# --- injected bugs: the invariants catch them ---------------------------------------------------

class ForgetSendCount(Server):
    """Mutant: WSASend is issued without its IOCount +1 (seed: "이 Count는 행위를하기전에 증가시키고")."""

    def send_post(self, session):
        before = session.send_flag
        yield from super().send_post(session)
        if not before and session.send_flag:           # this call issued the WSASend: undo its count
            yield InterlockedDecrement(session, "io_count")


class DecrementTwice(Server):
    """Mutant: the send completion decrements IOCount a second time."""

    def on_sent(self, session, nbytes):
        yield from super().on_sent(session, nbytes)
        yield InterlockedDecrement(session, "io_count")


@pytest.mark.parametrize("mutant, invariants", [
    (ForgetSendCount, {"no access to a released session", "completion applied to the session that issued it",
                       "every session released exactly once", "IOCount never negative"}),
    (DecrementTwice, {"IOCount never negative", "every session released exactly once",
                      "no access to a released session", "OnLeave called once"}),
])
def test_the_invariants_catch_a_bug_injected_into_the_fixed_library(mutant, invariants):
    """Invariants (DESIGN §7): the fixed send-after-recv0 with a deliberately injected IOCount bug breaks
    an invariant under some schedule, and the explorer reports which."""
    def factory(variant, content=None, bugs=(), **kwargs):
        return mutant(content, **kwargs)
    sc = load_variant("send-after-recv0", VARIANT="fixed", make_server=factory)
    report = explore.explore(sc, "dfs", max_preemptions=2, budget=2000, stop_at_first=True, minimise_budget=0,
                             check=False)
    assert report.failed
    assert report.failing.violation[0] in invariants


def test_the_unmutated_fixed_library_loaded_the_same_way_passes():
    """Control for the mutation test: the same loading path with the real fixed Server breaks nothing."""
    sc = load_variant("send-after-recv0", VARIANT="fixed")
    report = explore.explore(sc, "dfs", max_preemptions=1, budget=200, check=False)
    assert not report.failed


# --- the pieces ------------------------------------------------------------------------------------

def test_ring_buffer_wraps_and_reports_an_enqueue_over_lent_bytes():
    """SendQ (seed "Send의 Movefront"): Enqueue/Peek/MoveFront wrap around; an Enqueue that writes over
    the region lent to WSASend is counted, and one that does not fit is refused."""
    ring = RingBuffer(8)
    assert ring.enqueue(b"abcdef") and ring.peek(4) == b"abcd" and ring.free == 2
    assert not ring.enqueue(b"xyz")
    ring.in_flight = (0, 6)
    ring.move_front(6)                  # too early: the kernel still reads bytes 0..5
    assert ring.enqueue(b"12345") and ring.peek() == b"12345"
    assert ring.overwritten == 3        # positions 8, 9, 10 are where bytes 0, 1, 2 still wait
    ok = RingBuffer(8)
    ok.enqueue(b"abcdef")
    ok.in_flight = (0, 6)
    assert ok.enqueue(b"12") and ok.overwritten == 0


def test_monitor_closesocket_rule_flags_only_a_handle_someone_else_owns():
    """Invariant 'closesocket only on a handle the session owns': a second close of a value nobody holds
    only fails with WSAENOTSOCK; closing a value a new session was given is the violation."""
    mon = Monitor()
    a = types.SimpleNamespace(index=0, sock=40, uid=0)
    a.uid = mon.born(a, "a")
    mon.closing(a, 40)
    mon.closing(a, 40)
    assert mon.violation is None
    b = types.SimpleNamespace(index=1, sock=40, uid=0)
    b.uid = mon.born(b, "b")
    mon.closing(a, 40)
    assert mon.violation[0] == "closesocket only on a handle the session owns"


def test_oninvariant_iocount_never_negative_is_checked_every_step():
    """Invariant 'IOCount never negative' is a per-step check on the session array."""
    mon = Monitor()
    session = types.SimpleNamespace(index=0, io_count=-1, uid=1, send_ring=RingBuffer(4))
    mon.sessions = [session]
    assert mon.check()[0] == "IOCount never negative"


def test_make_server_rejects_unknown_variants_and_bugs():
    """make_server names the two variants and the known bugs."""
    with pytest.raises(ValueError):
        make_server("half-fixed")
    with pytest.raises(ValueError):
        make_server("broken", bugs=("use_after_free",))


def test_a_ring_buffers_front_only_moves_forward():
    """The course's ring buffer: MoveFront(n) consumes n bytes (at most what is stored); a negative n would
    hand the same bytes out twice, so it is refused instead of silently corrupting the ring."""
    ring = RingBuffer(8)
    ring.enqueue(b"abcdef")
    ring.move_front(2)
    assert ring.peek() == b"cdef"
    ring.move_front(10)
    assert ring.used == 0
    with pytest.raises(ValueError):
        ring.move_front(-1)
