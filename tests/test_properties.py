"""Random programs on completion ports, checked at every step (issue 2, "Tests"; rules A2–A9, A13).

Hypothesis generates programs of PostQueuedCompletionStatus, GQCS/GQCSEx calls
with timeouts, sleeps, computes and exits on 1–6 threads over one or two ports,
with random CPU counts, concurrency values and schedules (the seed drives the
choice point).  After every step (``k.invariants``) it checks:

* no packet is lost or delivered twice: every posted packet is exactly once
  either queued on its port or delivered to one GQCS/GQCSEx caller;
* CurrentCount equals the number of the port's associated threads that are not
  blocked (A3, A5, A6, A7, A8, A9);
* no waiter is blocked while a packet is queued and CurrentCount < MaximumCount
  (A2, A3, A5 — under ``wine``, which has no limit: while a packet is queued).
"""

from hypothesis import HealthCheck, example, given, settings, strategies as st

from helpers import run

from kernelsim.win32 import *

TIMEOUTS = [0, 1, 5, 20, INFINITE]


def ops(nports):
    port = st.integers(0, nports - 1)
    return st.one_of(
        st.tuples(st.just("post"), port, st.integers(0, 64)),
        st.tuples(st.just("gqcs"), port, st.sampled_from(TIMEOUTS)),
        st.tuples(st.just("gqcsex"), port, st.integers(1, 3), st.sampled_from(TIMEOUTS)),
        st.tuples(st.just("sleep"), st.integers(0, 15)),
        st.tuples(st.just("compute"), st.integers(0, 15)),
        st.tuples(st.just("exit")),
    )


@st.composite
def programs(draw):
    nports = draw(st.integers(1, 2))
    return {
        "cpus": draw(st.integers(1, 4)),
        "maxima": draw(st.lists(st.integers(0, 3), min_size=nports, max_size=nports)),
        "threads": draw(st.lists(st.lists(ops(nports), max_size=8), min_size=1, max_size=6)),
        "seed": draw(st.integers(0, 40)),
        "profile": draw(st.sampled_from(["windows", "windows", "wine"])),
    }


class Ledger:
    """The invariants, checked after every step; it also keeps the books on every packet.

    A packet is delivered when the port builds a GQCS/GQCSEx result from it (``Port._result``, wrapped
    per port instance here): a delivery and its consumption can both happen in steps after which the
    kernel runs no invariant (a thread returning from its function), so the books are kept at the source.
    """

    def __init__(self, limit):
        self.limit = limit
        self.posted = []
        self.delivered = []
        self.ports = []
        self.checks = 0

    def watch(self, port):
        original = port._result

        def result(k, t, packets, ex):
            self.delivered.extend(p.key for p in packets)
            return original(k, t, packets, ex)
        port._result = result
        self.ports.append(port)

    def __call__(self, k):
        self.checks += 1
        for port in k.ports:
            if port not in self.ports:
                self.watch(port)
        t = k.last
        if t is not None and t.call is not None and t.call.name == "PostQueuedCompletionStatus" \
                and t.result is True and not (self.posted and self.posted[-1] is t.call.args[3]):
            self.posted.append(t.call.args[3])
        queued = [p.entries[i].key for p in k.ports for i in range(p.head, len(p.entries))]
        everything = queued + self.delivered
        posted_keys = [ov.key for ov in self.posted]
        assert len(everything) == len(set(everything)), f"a packet is in two places: {everything}"
        assert sorted(everything) == sorted(posted_keys), \
            f"lost or invented packets: posted {posted_keys}, found {everything}"
        for port in k.ports:
            if port.closed:
                continue
            running = [x.name for x in port.threads if x.state not in ("waiting", "terminated")]
            assert port.current == len(running), \
                f"port {port.handle}: CurrentCount {port.current} but running associated threads {running}"
            room = port.current < port.maximum if self.limit else True
            assert not (port.waiters and port.depth() and room), \
                f"port {port.handle}: {[w.name for w in port.waiters]} wait while {port.depth()} packets " \
                f"are queued and CurrentCount {port.current} < MaximumCount {port.maximum}"


def make_main(program):
    serial = iter(range(10**6))

    def worker(ports, steps):
        for op in steps:
            kind = op[0]
            if kind == "post":
                key = next(serial)
                yield PostQueuedCompletionStatus(ports[op[1]], op[2], key, OVERLAPPED(key=key))
            elif kind == "gqcs":
                yield GetQueuedCompletionStatus(ports[op[1]], op[2])
            elif kind == "gqcsex":
                yield GetQueuedCompletionStatusEx(ports[op[1]], op[2], op[3], False)
            elif kind == "sleep":
                yield Sleep(op[1])
            elif kind == "compute":
                yield compute(op[1])
            else:
                yield ExitThread(0)

    def main():
        ports = []
        for n in program["maxima"]:
            ports.append((yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, n)))
        for i, steps in enumerate(program["threads"]):
            yield CreateThread(worker, ports, steps, name=f"T{i + 1}")
        yield Sleep(1000)

    return main


def check_program(program):
    ledger = Ledger(limit=program["profile"] != "wine")
    o = run(make_main(program), config={"cpus": program["cpus"]}, profile=program["profile"],
            seed=program["seed"], invariants=[ledger], trace=False)
    assert o.end_reason == "main returned", o.failures
    ledger(o.kernel)                                   # and once more at the very end
    return ledger


EXAMPLE = {   # A5/A6/A7 in one: a runner blocks, a waiter takes over, the runner moves to port 1
    "cpus": 2, "maxima": [1, 1], "seed": 0, "profile": "windows",
    "threads": [[("post", 0, 1), ("gqcs", 0, INFINITE), ("post", 0, 2), ("sleep", 5), ("gqcs", 1, 10)],
                [("sleep", 1), ("gqcs", 0, INFINITE), ("compute", 3), ("gqcsex", 0, 3, 0)],
                [("sleep", 2), ("post", 0, 3), ("post", 0, 4), ("gqcs", 0, 0), ("exit",), ("sleep", 1)]],
}

EXAMPLE_A7 = {   # A7: the runner moves to port 1 while a waiter and a queued packet sit on port 0
    "cpus": 4, "maxima": [1, 1], "seed": 0, "profile": "windows",
    "threads": [[("post", 0, 0), ("gqcs", 0, INFINITE), ("compute", 5), ("gqcs", 1, 20)],
                [("sleep", 1), ("gqcs", 0, INFINITE)],
                [("sleep", 2), ("post", 0, 0)]],
}


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
@example(EXAMPLE)
@example(EXAMPLE_A7)
def test_random_port_programs_keep_the_invariants(program):
    """A2–A9, A13 as invariants over random programs: no packet lost or delivered twice; CurrentCount == the
    associated threads not blocked; no waiter blocked while a packet is queued and CurrentCount < maximum."""
    check_program(program)


def test_the_ledger_sees_posts_and_deliveries():
    """The property test's own bookkeeping works: on the fixed example every post is seen and the packets
    dequeued are counted (so the invariants above are not vacuous)."""
    ledger = check_program(EXAMPLE)
    assert [ov.key for ov in ledger.posted] == [0, 1, 2, 3]
    assert sorted(ledger.delivered) == [0, 1, 2, 3]
    assert ledger.checks > 10


def test_the_ledger_catches_a_lost_packet():
    """The invariant really fails when a packet disappears (a packet removed behind the model's back)."""
    import pytest

    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        yield PostQueuedCompletionStatus(port, 0, 0, OVERLAPPED(key=0))
        yield Sleep(1)

    def thief(k):
        for p in k.ports:
            p.entries[p.head:] = []
        ledger(k)

    ledger = Ledger(limit=True)
    with pytest.raises(AssertionError, match="lost or invented"):
        run(main, invariants=[thief], trace=False)
