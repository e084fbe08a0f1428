"""The reduced search is sound (issue 12, "Tests"): on small random programs, DPOR with sleep sets and state
caching reaches exactly the final outcomes that plain exhaustive dfs reaches — unbounded, and within a
preemption bound.

The programs come from the port-program generator of test_properties.py (posts, GQCS with timeouts, sleeps,
computes, exits on one or two ports) with shared state added: an interlocked counter, a racy read-then-write
through a class the scenario defines (hooked by footprint.track), events, and two cells that threads bump,
with a flag that turns an invariant on them on and off (checked after every step: which steps are visible
to it is part of the reduction).  Every thread notes what each of its calls returned; main notes the
shared state at the end, so an outcome is every value any thread saw.

With ``conjunct`` the invariant is split per cell (footprint.conjunct): a step visible to one cell's
conjunct is then independent of the other's, so the search may meet a violation in another order (and
name another conjunct first) — it must still find one exactly when dfs does, and reach exactly dfs's
outcomes among the runs that break nothing.
"""

import textwrap

from hypothesis import HealthCheck, assume, example, given, settings, strategies as st

from kernelsim import dpor, explore, scenario
from kernelsim.win32 import INFINITE

SOURCE = textwrap.dedent('''
    from kernelsim.win32 import *
    from kernelsim.footprint import conjunct
    TITLE = "random program"
    CONFIG = {"cpus": %(cpus)d}
    PROGRAM = %(program)r
    MAXIMA = %(maxima)r

    INVARIANT = %(invariant)r          # None, "whole" or "conjuncts"
    LIMIT = %(limit)r

    class Shared:
        def __init__(self):
            self.count = 0
            self.value = 0
            self.on = False

    class Cell:
        def __init__(self):
            self.x = 0

    def cells_ok(shared, cells):
        """Broken while the flag is on and a cell holds LIMIT (one conjunct per cell, or one in all)."""
        if not shared.on:
            return None
        for i, cell in enumerate(cells):
            if INVARIANT == "conjuncts":
                conjunct(("cell", i))
            if cell.x == LIMIT:
                return ("cell %%d at the limit" %% i, "x = %%d" %% cell.x)
        return None

    def worker(shared, cells, ports, events, ops, me):
        seen = []
        for op in ops:
            kind = op[0]
            if kind == "post":
                seen.append((yield PostQueuedCompletionStatus(ports[op[1]], op[2], me * 100 + len(seen), None)))
            elif kind == "gqcs":
                ok, n, key, ov = yield GetQueuedCompletionStatus(ports[op[1]], op[2])
                seen.append((ok, n, key))
            elif kind == "sleep":
                yield Sleep(op[1])
            elif kind == "compute":
                yield compute(op[1])
            elif kind == "inc":
                seen.append((yield InterlockedIncrement(shared, "count")))
            elif kind == "rw":
                v = shared.value
                yield Sleep(0)
                shared.value = v + 1
            elif kind == "set":
                yield SetEvent(events[op[1]])
            elif kind == "wait":
                seen.append((yield WaitForSingleObject(events[op[1]], op[2])))
            elif kind == "bump":
                cells[op[1]].x += 1
                yield Sleep(0)
            elif kind == "flag":
                shared.on = not shared.on
                yield Sleep(0)
        yield note("done", seen=tuple(seen))

    def main():
        shared = Shared()
        cells = (Cell(), Cell())
        if INVARIANT:
            yield invariant("cells", lambda: cells_ok(shared, cells))
        ports = []
        for n in MAXIMA:
            ports.append((yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, n)))
        events = []
        for manual in (False, True):
            events.append((yield CreateEvent(None, manual, False, None)))
        threads = []
        ports, events = tuple(ports), tuple(events)        # tuples: a list passed to threads is opaque state
        for i, ops in enumerate(PROGRAM):
            threads.append((yield CreateThread(worker, shared, cells, ports, events, ops, i + 1,
                                               name="T%%d" %% (i + 1))))
        yield WaitForMultipleObjects(threads, True, 50)
        yield note("final", count=shared.count, value=shared.value, cells=(cells[0].x, cells[1].x))
''')

TIMEOUTS = [0, 1, 5, INFINITE]


def ops(nports):
    port = st.integers(0, nports - 1)
    return st.one_of(
        st.tuples(st.just("post"), port, st.integers(0, 3)),
        st.tuples(st.just("gqcs"), port, st.sampled_from(TIMEOUTS)),
        st.tuples(st.just("sleep"), st.integers(0, 2)),
        st.tuples(st.just("compute"), st.integers(0, 2)),
        st.tuples(st.just("inc")),
        st.tuples(st.just("rw")),
        st.tuples(st.just("set"), st.integers(0, 1)),
        st.tuples(st.just("wait"), st.integers(0, 1), st.sampled_from([0, 1, INFINITE])),
    )


def cell_ops(nports):
    """With an invariant: mostly bumps and flag flips, so that some orders break it and some do not."""
    bump, flag = st.tuples(st.just("bump"), st.integers(0, 1)), st.tuples(st.just("flag"))
    return st.integers(0, 3).flatmap(lambda n: st.one_of(bump, flag) if n else ops(nports))


@st.composite
def programs(draw, invariant=st.sampled_from([None, "whole"])):
    nports = draw(st.integers(1, 2))
    kind = draw(invariant)
    threads = draw(st.lists(st.lists((cell_ops if kind else ops)(nports), min_size=1, max_size=3), min_size=2,
                            max_size=3))
    return {"cpus": draw(st.integers(2, 4)), "maxima": tuple(draw(st.lists(st.integers(0, 2), min_size=nports,
                                                                             max_size=nports))),
            "program": tuple(tuple(t) for t in threads), "invariant": kind,
            "limit": draw(st.sampled_from([1, 1, 2]))}


def load(tmp_path, program):
    path = tmp_path / "prog.py"
    path.write_text(SOURCE % program, encoding="utf-8")
    return scenario.load(str(path))


def plain_outcomes(sc, bound, limit=3000):
    runner = explore.Runner(sc)
    out = set()
    for n, run in enumerate(explore.dfs(runner, 10**9 if bound is None else bound)):
        assume(n < limit)                         # too big to enumerate: not a useful example
        out.add(run.signature)
    return out


def reduced_outcomes(sc, bound, cache=True):
    search = dpor.Search(bound, 0.0, cache)
    nodes = {search.root.id: search.root}
    out = set()
    while True:
        tasks = search.round(8)
        if not tasks:
            break
        for task in tasks:
            record = dpor.execute(sc, task)
            node = nodes[task.node_id]
            search.integrate(task, record, node)
            explore._index(search, node, nodes)
            if record.status in ("done", "failed"):
                out.add(record.signature)
    return out, search


# A read that begins late: while the flag is off the check reads only the flag, so the bumps made then are
# invisible to it; once it is on, the check reads the cell.  Only orders with the second bump between the flags
# break the invariant (cell at 2 while the flag is on).  The check after the flag belongs to the flag's step
# (it reads the cell), so the flag is ordered against the bumps: without that, the search misses the violation.
LATE_READ = {"cpus": 2, "maxima": (0,), "program": ((("bump", 0),) * 3, (("flag",), ("flag",))), "limit": 2}
# Sleep sets under a bound: T3 noting between T1's increment and T1's note is one preemption, but the order
# a sleep set would count on instead (T2's first step moved before T3's) costs two.
SLEEP_BOUND = {"cpus": 3, "maxima": (0,), "program": ((("inc",),), (("flag",),), (("inc",),)), "limit": 1}
# A run cut short: a run that breaks the invariant stops while the other thread could still run; the orders in
# which it runs first (and nothing breaks) are reached only through the races cut_short adds.
CUT_SHORT = {"cpus": 2, "maxima": (0,), "program": ((("bump", 0), ("flag",)), (("bump", 0),)), "limit": 1}
# Without a bound too the backtrack point is also added at the last context switch before the race (dpor.py,
# "the preemption bound"): dropping it there loses outcomes of this program (found by this test, issue 14).
SWITCH_POINT = {"cpus": 2, "maxima": (0,), "program": ((("bump", 0),), (("sleep", 0),), (("flag",), ("flag",))),
                "limit": 1}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                                                  HealthCheck.function_scoped_fixture])
@given(programs(), st.sampled_from([None, 0, 1, 2]))
@example({**LATE_READ, "invariant": "whole"}, 2)
@example({**CUT_SHORT, "invariant": "whole"}, 1)
@example({**SLEEP_BOUND, "invariant": None}, 1)
@example({**SWITCH_POINT, "invariant": "whole"}, None)
def test_reduced_search_reaches_exactly_the_outcomes_of_plain_dfs(tmp_path, program, bound):
    """Soundness of the reduction: DPOR + sleep sets + caching reach the same set of final outcomes as plain
    exhaustive dfs, with no bound and within a preemption bound (BPOR's conservative branches)."""
    sc = load(tmp_path, program)
    plain = plain_outcomes(sc, bound)
    reduced, search = reduced_outcomes(load(tmp_path, program), bound)
    assert reduced == plain, (program, bound, plain - reduced, reduced - plain)


def violated(outcomes):
    return {o for o in outcomes if o[0] == "violation"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                                                  HealthCheck.function_scoped_fixture])
@given(programs(invariant=st.just("conjuncts")), st.sampled_from([None, 0, 1, 2]))
@example({**LATE_READ, "invariant": "conjuncts"}, None)
@example({**CUT_SHORT, "invariant": "conjuncts"}, 1)
def test_a_conjunct_per_cell_finds_a_violation_exactly_when_dfs_does(tmp_path, program, bound):
    """Per-conjunct visibility (footprint.conjunct) is sound: the reduced search meets a broken invariant
    exactly when plain dfs does, and reaches exactly the outcomes of dfs's runs that break nothing."""
    sc = load(tmp_path, program)
    plain = plain_outcomes(sc, bound)
    reduced, search = reduced_outcomes(load(tmp_path, program), bound)
    assert bool(violated(reduced)) == bool(violated(plain)), (program, bound, plain, reduced)
    assert reduced - violated(reduced) == plain - violated(plain), (program, bound, plain ^ reduced)
    assert reduced <= plain, (program, bound, reduced - plain)


def test_reduction_runs_fewer_schedules_on_independent_threads(tmp_path):
    """The reduction is real: two threads that only touch their own ports need one run per interleaving of
    their dependent steps, far fewer than every interleaving."""
    program = {"cpus": 4, "maxima": (0, 0), "program": ((("post", 0, 1), ("gqcs", 0, 0), ("post", 0, 2)),
                                                       (("post", 1, 1), ("gqcs", 1, 0), ("post", 1, 2))),
               "invariant": None, "limit": 1}
    sc = load(tmp_path, program)
    runs = list(explore.dfs(explore.Runner(sc), 10**9))
    reduced, search = reduced_outcomes(sc, None)
    assert reduced == {run.signature for run in runs}        # the two orders of the final notes
    assert search.runs * 4 <= len(runs), (search.runs, len(runs))


def test_a_delayed_run_is_replayed_with_its_delay():
    """Delays in the reduced search: a hold that ends an instant (the held thread was the only one left) is
    part of the next step's decision, so the runs that branch after it replay it — every run finds its
    instants where the run it branches from found them (none has to be made again watched from the start)."""
    sc = scenario.load("iocount-after-pending-send-fixed")
    search = dpor.Search(1, 0.5, True)
    nodes = {search.root.id: search.root}
    held = 0
    while True:
        tasks = search.round(16)
        if not tasks:
            break
        for task in tasks:
            held += any(decision[1] for decision in task.path)
            record = dpor.execute(sc, task)
            node = nodes[task.node_id]
            search.integrate(task, record, node)
            explore._index(search, node, nodes)
    assert held and search.runs > held            # runs that replay a delay, and runs that do not
    assert search.rewatched == 0, (search.rewatched, search.runs)
