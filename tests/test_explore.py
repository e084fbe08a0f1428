"""The schedule explorer (DESIGN §4, §7): bounded search, replay strings, minimisation, determinism.

The small scenarios here race two threads on a counter: a read, a yielded
call, a write (loses updates) against InterlockedIncrement (never does).
"""

import argparse
import json
import textwrap

import pytest

from kernelsim import cli, explore, scenario
from kernelsim.explore import Runner, dfs, minimise, strip

COUNTER = textwrap.dedent('''
    """Two threads add to a counter; INTERLOCKED chooses the atomic increment."""
    from kernelsim.win32 import *
    TITLE = "counter"
    CONFIG = {"cpus": 2}
    INTERLOCKED = %s
    ROUNDS = %d

    class Counter:
        value = 0
        done = 0

    def main():
        c = Counter()
        yield invariant("no lost update", lambda: None if c.value >= c.done else f"{c.done} vs {c.value}")
        threads = []
        for name in ("T1", "T2"):
            threads.append((yield CreateThread(adder, c, name=name)))
        yield WaitForMultipleObjects(threads, True, INFINITE)
        yield note("total", value=c.value)

    def adder(c):
        for _ in range(ROUNDS):
            if INTERLOCKED:
                yield InterlockedIncrement(c, "value")
            else:
                seen = c.value
                yield note("read", value=seen)
                c.value = seen + 1
            c.done += 1

    def check(outcome):
        assert outcome.note("total").value == 2 * ROUNDS
''')


@pytest.fixture
def counter(tmp_path):
    def make(interlocked=False, rounds=2):
        path = tmp_path / f"counter_{interlocked}_{rounds}.py"
        path.write_text(COUNTER % (interlocked, rounds), encoding="utf-8")
        return scenario.load(str(path))
    return make


def test_dfs_finds_the_lost_update_and_reports_the_invariant(counter):
    """Explorer (DESIGN §7): a read-yield-write increment loses an update under some schedule; the report
    names the invariant that broke and gives a replay string."""
    report = explore.explore(counter(), "dfs", max_preemptions=2)
    assert report.failed and report.exhausted
    best = report.minimised
    assert best.violation[0] == "no lost update"
    assert best.schedule and best.preemptions >= 1


def test_interlocked_increment_survives_every_schedule_within_the_bound(counter):
    """Explorer (DESIGN §7): InterlockedIncrement is one indivisible step, so no schedule with at most
    3 preemptions loses an update; the search is exhaustive within that bound."""
    report = explore.explore(counter(interlocked=True), "dfs", max_preemptions=3)
    assert not report.failed and report.exhausted and report.schedules > 1


def test_dfs_runs_each_schedule_once_and_respects_the_preemption_bound(counter):
    """Explorer (DESIGN §4): the bounded search never runs the same schedule twice and never exceeds
    K preemptions; raising K only adds schedules."""
    runner = Runner(counter(interlocked=True, rounds=2))
    counts = []
    for k in (0, 1, 2):
        runs = list(dfs(runner, k))
        schedules = [tuple(strip(r.taken)) for r in runs]
        assert len(schedules) == len(set(schedules))
        assert all(r.preemptions <= k for r in runs)
        counts.append(len(runs))
    assert counts[0] < counts[1] <= counts[2]


def test_zero_preemptions_only_reorders_where_a_thread_blocked(counter):
    """Explorer (DESIGN §4): with K = 0 the lost update cannot happen here — it needs a thread switched
    out between its read and its write, which is a preemption."""
    report = explore.explore(counter(), "dfs", max_preemptions=0)
    assert not report.failed and report.exhausted


@pytest.mark.parametrize("strategy", ["random", "pct"])
def test_random_and_pct_find_the_lost_update(counter, strategy):
    """Explorer (DESIGN §7): the random walk and PCT strategies also find the race, seeded and repeatable."""
    first = explore.explore(counter(), strategy, max_preemptions=2, budget=300, seed=3, stop_at_first=True)
    again = explore.explore(counter(), strategy, max_preemptions=2, budget=300, seed=3, stop_at_first=True)
    assert first.failed
    assert first.failing.schedule == again.failing.schedule


def test_the_replay_string_reproduces_the_trace_byte_for_byte(counter):
    """Replay (DESIGN §4): the minimised schedule, given to run --schedule, reproduces the explorer's
    failing run exactly — same events, same text, same snapshots — every time."""
    sc = counter()
    report = explore.explore(sc, "dfs", max_preemptions=2)
    schedule = report.minimised.schedule
    traced = Runner(sc).replay(report.minimised.taken, full=True).outcome
    replayed = [scenario.run(sc, schedule=schedule) for _ in range(2)]
    texts = [json.dumps(o.trace.to_json(), sort_keys=True) for o in [traced] + replayed]
    assert texts[0] == texts[1] == texts[2]
    assert replayed[0].notes("violation")[0].invariant == "no lost update"
    assert report.deterministic is True


def test_minimisation_never_returns_a_longer_schedule(counter):
    """Minimisation (DESIGN §7): for every failing schedule the random strategy finds, the minimised one
    fails the same way and is no longer (nor has more non-default choices)."""
    sc = counter(rounds=3)
    runner = Runner(sc)
    seen = 0
    for run in explore.random_walk(runner, None, seed=11):
        if run.failed:
            small = minimise(runner, run, budget=60)
            assert small.failed and small.kind() == run.kind()
            assert len(strip(small.taken)) <= len(strip(run.taken))
            assert explore._cost(small.taken) <= explore._cost(run.taken)
            seen += 1
        if seen == 5 or runner.runs > 400:
            break
    assert seen >= 3



def test_a_minimised_schedule_is_one_minimal(scenario_file):
    """Minimisation (explore.minimise: chunks removed down to single decisions, then each non-zero choice set to
    0 or lowered by one, until no candidate helps): with budget to spare, the schedule it returns is 1-minimal —
    removing any one decision, setting any non-zero choice to 0 or lowering it by one gives a run that does not
    fail the same way or is not cheaper (fewer decisions, then fewer non-default choices, then a smaller sum).
    Four threads, so a choice can be 2 or 3: two lost-update races (TWO_RACES), and FIRST_OF_FOUR, which fails
    whenever its last decision is not 0 (so a random schedule ending in 3 must be lowered to 1).  The runner
    counts every run it makes."""
    found = []
    for source, name in ((TWO_RACES, "two_races_min"), (FIRST_OF_FOUR, "first_of_four")):
        runner = Runner(scenario.load(str(scenario_file(source, name))))
        mine = []
        for run in explore.random_walk(runner, None, seed=11):
            if run.failed:
                mine.append(run)
            if len(mine) == 4 or runner.runs >= 400:
                break
        found += [(runner, run) for run in mine]
    assert any(strip(run.taken)[-1] >= 2 for _, run in found)

    def cost(run):
        s = strip(run.taken)
        return (len(s), sum(1 for c in s if c), sum(s))

    for runner, run in found:
        small = minimise(runner, run, budget=100000)
        s = strip(small.taken)
        neighbours = [s[:i] + s[i + 1:] for i in range(len(s))]
        neighbours += [s[:i] + [0] + s[i + 1:] for i in range(len(s)) if s[i]]
        neighbours += [s[:i] + [s[i] - 1] + s[i + 1:] for i in range(len(s)) if s[i] > 1]
        for candidate in neighbours:
            before = runner.runs
            again = runner.replay(candidate)
            assert runner.runs == before + 1
            assert not (again.failed and again.kind() == small.kind() and cost(again) < cost(small)), (s, candidate)

def test_a_crashing_schedule_is_reported_not_raised(tmp_path):
    """Explorer (DESIGN §3): a scenario that crashes under some schedule is a failing schedule with the
    scenario's file and line, not an exception out of the explorer."""
    path = tmp_path / "crash.py"
    path.write_text(textwrap.dedent('''
        """crash when T2 runs before T1 finishes"""
        from kernelsim.win32 import *
        TITLE = "crash"
        CONFIG = {"cpus": 2}
        state = {}

        def main():
            state.clear()
            a = yield CreateThread(first, name="T1")
            b = yield CreateThread(second, name="T2")
            yield WaitForMultipleObjects([a, b], True, INFINITE)

        def first():
            yield note("one")
            state["ready"] = True

        def second():
            yield note("two")
            assert state["ready"]
    '''), encoding="utf-8")
    report = explore.explore(scenario.load(str(path)), "dfs", max_preemptions=1)
    assert report.failed
    assert "crash.py" in report.minimised.error


def test_cli_explore_prints_the_report_and_exits_1_on_a_violation(capsys):
    """CLI (DESIGN §8): ``kernelsim explore counter-race`` prints how many schedules ran, the distinct
    outcomes, the invariant and the replay commands, and exits 1."""
    assert cli.main(["explore", "counter-race"]) == 1
    out = capsys.readouterr().out
    for text in ("schedules run:", "distinct outcomes:", "no lost update", "kernelsim run counter-race --schedule",
                 "kernelsim step counter-race --schedule", "determinism: replayed twice"):
        assert text in out


def test_cli_explore_json_and_exit_0_when_nothing_breaks(capsys):
    """CLI (DESIGN §8): --json prints one object; a scenario that survives its bound exits 0 and says the
    bound."""
    assert cli.main(["explore", "send-after-recv0-fixed", "--max-preemptions", "0", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["failed"] is False and data["exhausted"] is True and data["max_preemptions"] == 0
    assert cli.main(["explore", "send-after-recv0-fixed", "--max-preemptions", "0"]) == 0
    assert "at most 0 preemptions" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["explore", "no-such-scenario"], ["explore", "counter-race", "--strategy", "bfs"],
                                  ["explore", "counter-race", "--budget", "-1"]])
def test_cli_explore_usage_errors_exit_2(argv, capsys):
    """CLI (DESIGN §8): an unknown scenario or a bad option is a usage error: exit code 2."""
    with pytest.raises(SystemExit) as exc:
        code = cli.main(argv)
        raise SystemExit(code)
    assert exc.value.code == 2


def test_the_invariant_helper_ends_the_run_with_a_violation_note(counter):
    """Invariants (DESIGN §7): a broken invariant leaves a 'violation' note naming it, a trace event at the
    step that broke it, and ends the run there."""
    out = scenario.run(counter(), schedule="0.0.0.1")
    note = out.note("violation")
    assert note.invariant == "no lost update"
    assert out.kernel.end_reason == "invariant violated"
    assert [e.kind for e in out.trace][-2:] == ["violation", "end"]
    assert not out.passed


# --- The explorer's own behaviour, through its public API (issue 14) -------------------------------
# These use only explore.explore(...), its Report's JSON and the CLI, so that they hold for any search
# (plain dfs, partial-order reduction, caching): they state what a search must report, not how.

def ticket_order(names, refused=None):
    """Threads ``names`` take a ticket each from one InterlockedIncrement; main notes who got which (the
    order of names), and the check refuses the order ``refused`` if given."""
    check = f"""
    def check(outcome):
        assert outcome.note("order").who != {refused!r}
""" if refused else ""
    return textwrap.dedent(f'''
    """{len(names)} threads take a ticket each from one InterlockedIncrement; main notes who got which."""
    from kernelsim.win32 import *
    TITLE = "ticket order"
    CONFIG = {{"cpus": 4}}

    class Box:
        value = 0

    def main():
        box = Box()
        tickets = {{}}
        threads = []
        for name in {tuple(names)!r}:
            threads.append((yield CreateThread(taker, box, tickets, name, name=name)))
        yield WaitForMultipleObjects(threads, True, INFINITE)
        yield note("order", who="".join(sorted(tickets, key=tickets.get)))

    def taker(box, tickets, name):
        tickets[name] = yield InterlockedIncrement(box, "value")
''') + textwrap.dedent(check)


ORDER = ticket_order(("T1", "T2", "T3"))


def test_dfs_covers_every_alternative_of_a_small_known_tree(scenario_file):
    """Explorer (DESIGN §7): with no preemption allowed, the only choices are which of the three threads
    steps next — 3 × 2 × 1 orders, each giving a different ticket order.  An exhaustive dfs reaches all
    six outcomes, says it was exhaustive, and counts no schedule twice (six runs, not more)."""
    path = scenario_file(ORDER, "order")
    report = explore.explore(scenario.load(str(path)), "dfs", max_preemptions=0, budget=1000, seconds=0)
    data = report.to_json()
    assert data["failed"] is False and data["exhausted"] is True
    assert data["distinct_outcomes"] == 6
    assert data["schedules"] == 6          # six outcomes need six runs; more would count one twice


def test_a_search_cut_short_by_its_budget_is_not_reported_exhaustive(scenario_file, capsys):
    """Explorer (DESIGN §8 "a run that covered every schedule within the bound prints 'every schedule within
    the bound'"): the same six-leaf tree with a budget of 3 schedules stops after 3 and is not exhaustive —
    in the report, in --json and in the text; the full search is."""
    path = str(scenario_file(ORDER, "order"))
    cut = explore.explore(scenario.load(path), "dfs", max_preemptions=0, budget=3, seconds=0).to_json()
    assert (cut["schedules"], cut["exhausted"]) == (3, False)
    assert cli.main(["explore", path, "--strategy", "dfs", "--max-preemptions", "0", "--budget", "3",
                     "--time", "0"]) == 0
    out = capsys.readouterr().out
    assert "every schedule within the bound" not in out and "not exhaustive" in out
    assert cli.main(["explore", path, "--strategy", "dfs", "--max-preemptions", "0", "--time", "0"]) == 0
    assert "every schedule within the bound" in capsys.readouterr().out



@pytest.mark.parametrize("strategy", ["dpor", "pct", "random"])
def test_every_strategy_stops_at_its_budget(scenario_file, strategy):
    """Explorer (DESIGN §8: --budget N "schedules at most"): on the six-leaf tree, a budget of 3 runs exactly
    3 schedules with the reduced search and with the seeded walks too, and the search is not exhaustive."""
    path = scenario_file(ORDER, "order")
    data = explore.explore(scenario.load(str(path)), strategy, max_preemptions=0, budget=3, seconds=0).to_json()
    assert data["schedules"] == 3 and data["exhausted"] is False

NONDETERMINISTIC = textwrap.dedent('''
    """Deliberately nondeterministic: a module global counts the runs, and each run's notes show it."""
    from kernelsim.win32 import *
    TITLE = "nondeterministic"
    CONFIG = {"cpus": 2}
    RUNS = [0]

    def main():
        RUNS[0] += 1
        a = yield CreateThread(worker, name="T1")
        b = yield CreateThread(worker, name="T2")
        yield WaitForMultipleObjects([a, b], True, INFINITE)
        yield note("run", n=RUNS[0])

    def worker():
        yield note("step")

    def check(outcome):
        assert False, "this claim never holds"
''')



FIRST_OF_FOUR = textwrap.dedent('''
    """Four threads become ready at once on one CPU; the invariant wants T1 to run first."""
    from kernelsim.win32 import *
    TITLE = "first of four"
    CONFIG = {"cpus": 1}
    ORDER = []

    def main():
        del ORDER[:]
        yield invariant("T1 runs first", lambda: None if not ORDER or ORDER[0] == "T1" else f"{ORDER[0]} ran first")
        event = yield CreateEvent(None, True, False, None)
        threads = []
        for name in ("T1", "T2", "T3", "T4"):
            threads.append((yield CreateThread(waiter, event, name, name=name)))
        yield Sleep(1)
        yield SetEvent(event)
        yield WaitForMultipleObjects(threads, True, INFINITE)

    def waiter(event, name):
        yield WaitForSingleObject(event, INFINITE)
        ORDER.append(name)
        yield note("ran", who=name)
''')

def test_the_determinism_check_reports_a_nondeterministic_scenario(scenario_file, capsys):
    """Explorer (DESIGN §4: the same scenario and schedule must give a byte-identical trace): a scenario whose
    trace depends on how many times it ran before fails; replaying the failing schedule twice gives two
    different traces, and the report says so (deterministic False, "DIFFER") instead of claiming they match."""
    path = str(scenario_file(NONDETERMINISTIC, "nondet"))
    report = explore.explore(scenario.load(path), "dfs", max_preemptions=1, budget=50, seconds=0)
    assert report.failed
    assert report.to_json()["deterministic"] is False
    assert cli.main(["explore", path, "--strategy", "dfs", "--budget", "50", "--time", "0"]) == 1
    assert "the two replays DIFFER" in capsys.readouterr().out


TWO_RACES = textwrap.dedent('''
    """Two independent lost-update races, each with its own invariant."""
    from kernelsim.win32 import *
    TITLE = "two races"
    CONFIG = {"cpus": 4}

    class Counter:
        def __init__(self):
            self.value = 0
            self.done = 0

    def main():
        x, y = Counter(), Counter()
        yield invariant("no lost update on X", lambda: None if x.value >= x.done else "X lost one")
        yield invariant("no lost update on Y", lambda: None if y.value >= y.done else "Y lost one")
        threads = []
        for name, c in (("X1", x), ("X2", x), ("Y1", y), ("Y2", y)):
            threads.append((yield CreateThread(adder, c, name=name)))
        yield WaitForMultipleObjects(threads, True, INFINITE)

    def adder(c):
        for _ in range(2):
            seen = c.value
            yield note("read", value=seen)
            c.value = seen + 1
            c.done += 1
''')


def test_minimisation_keeps_the_invariant_the_search_found(scenario_file, capsys):
    """Explorer (DESIGN §7 "minimises the shortest counterexample"): minimising must keep the failure it was
    given.  With two races, random searches that stop at their first failure find either invariant; for each,
    the minimised schedule, replayed with ``run --schedule``, breaks the same invariant that the schedule the
    search found breaks; and it is never longer, and for some seed shorter."""
    path = str(scenario_file(TWO_RACES, "two_races"))
    seen = set()
    shrunk = 0
    for seed in range(1, 9):
        assert cli.main(["explore", path, "--strategy", "random", "--seed", str(seed), "--first", "--json",
                         "--time", "0", "--budget", "400"]) == 1
        data = json.loads(capsys.readouterr().out)
        found = scenario.run(scenario.load(path), schedule=data["found_schedule"]).note("violation").invariant
        kept = scenario.run(scenario.load(path), schedule=data["schedule"]).note("violation").invariant
        assert kept == found == data["invariant"], (seed, found, kept)
        assert decisions(data["schedule"]) <= decisions(data["found_schedule"])
        shrunk += decisions(data["schedule"]) < decisions(data["found_schedule"])
        seen.add(found)
    assert len(seen) == 2          # both races were found, so a switch from one to the other could show
    assert shrunk                  # and minimisation does shorten a random schedule


def decisions(schedule):
    """How many decisions a replay string names ('0*3.1' is four)."""
    return sum(int(part.partition("*")[2] or 1) for part in schedule.split(".") if part)


def test_first_stops_at_the_first_failing_schedule(capsys):
    """CLI (README: --first "stop at the first failing schedule"): the search runs no schedule after the
    first one that fails."""
    assert cli.main(["explore", "counter-race", "--first", "--json", "--time", "0"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["failed"] and data["schedules"] == data["first_after_schedules"]


# --- issue 12: the reduced search, delays, workers ----------------------------------------------------

def _quick(sc, **kw):
    return explore.explore(sc, minimise_budget=kw.pop("minimise_budget", 60), **kw)


def test_default_strategy_hunts_then_reduces_and_reports_classes(capsys):
    """Explorer (DESIGN "Added in the second round"): without --strategy the explorer runs PCT, then the
    reduced search within the bound; a fixed library searched to the end says "every schedule within the
    bound" and how many equivalence classes its schedules covered."""
    assert cli.main(["explore", "send-after-recv0-fixed", "--max-preemptions", "1", "--time", "0"]) == 0
    out = capsys.readouterr().out
    assert "strategy pct, then the reduced search (DPOR)" in out
    assert "every schedule within the bound (at most 1 preemption per schedule)" in out
    assert "equivalence classes covered:" in out
    data = explore.explore(scenario.load("send-after-recv0-fixed"), max_preemptions=1, seconds=0).to_json()
    assert data["exhausted"] and data["equivalence_classes"] >= 1 and data["phases"][0]["strategy"] == "pct"


def test_the_reduction_covers_the_plain_search_with_fewer_schedules():
    """Partial-order reduction (issue 12): on send-after-recv0-fixed within 1 preemption, DPOR with sleep sets
    and caching reaches every outcome plain dfs reaches, with at most a third of its schedules."""
    sc = scenario.load("send-after-recv0-fixed")
    plain = explore.explore(sc, "dfs", max_preemptions=1, budget=0, seconds=0, keep_going=True)
    reduced = explore.explore(sc, "dpor", max_preemptions=1, budget=0, seconds=0, keep_going=True)
    assert plain.exhausted and reduced.exhausted
    assert reduced.outcomes == plain.outcomes
    assert reduced.schedules * 3 <= plain.schedules, (reduced.schedules, plain.schedules)


RACES = sorted(name[:-len("-fixed")] for name in scenario.catalogue_names()
               if name.endswith("-fixed") and scenario.load(name[:-len("-fixed")]).breaks)


def test_the_race_list_is_the_catalogues():
    """The races below are every broken/fixed pair of the catalogue (BREAKS declared), the delay race too."""
    assert {"send-after-recv0", "closesocket-twice", "iocount-after-pending-send"} <= set(RACES)


@pytest.mark.parametrize("name", RACES)
def test_each_bug_mutation_of_the_fixed_library_is_still_found(name):
    """Mutation (issue 12): for every catalogue race, the fixed library with the bug the race teaches switched
    on (netlib.broken's BUGS, or the scenario's own broken code) is found by the default search — with
    delays as the scenario's EXPLORE asks — and its fixed twin is not, within one preemption."""
    sc = scenario.load(name)
    delay = (getattr(sc.module, "EXPLORE", None) or {}).get("max_delay", 0)
    report = explore.explore(sc, max_delay=delay, stop_at_first=True, minimise_budget=0, check=False, seconds=60)
    assert report.failed, f"{name}: the mutation was not found in {report.schedules} schedules"
    assert any(report.failing.reason().startswith(f"invariant broken: {rule} —") for rule in sc.breaks) or \
        report.failing.deadlock, report.failing.reason()
    fixed = explore.explore(scenario.load(f"{name}-fixed"), max_delay=delay, max_preemptions=1, budget=300,
                            minimise_budget=0, check=False)
    assert not fixed.failed, f"{name}-fixed fails: {fixed.failing.reason()}"


def test_the_delay_race_needs_a_delay_and_its_counterexample_replays_byte_for_byte():
    """Delays (issue 12; Emmi et al. 2011): iocount-after-pending-send fails only when a thread is held back
    past the send completion; without delays no schedule fails.  The counterexample names the delay
    (THREAD@STEP after '!'), replays byte for byte, and the trace shows the thread held back."""
    sc = scenario.load("iocount-after-pending-send")
    without = explore.explore(sc, max_delay=0, max_preemptions=1, budget=400, minimise_budget=0, check=False)
    assert not without.failed
    report = explore.explore(sc, max_delay=0.5, stop_at_first=True, minimise_budget=40, seconds=60)
    assert report.failed and "!" in report.minimised.schedule
    schedule = report.minimised.schedule
    runs = [scenario.run(sc, schedule=schedule) for _ in range(2)]
    texts = [json.dumps(o.to_json(), sort_keys=True) for o in runs]
    assert texts[0] == texts[1]
    events = [e.text for e in runs[0].trace]
    assert any("is held back until the next timed event" in t for t in events)
    assert any("held back until" in t and "ms: it may run again" in t for t in events)
    assert runs[0].notes("violation")[0].invariant == "no access to a released session"
    assert report.deterministic is True


def test_the_first_counterexample_is_the_same_for_one_and_two_workers():
    """Parallel search (issue 12): --jobs 2 runs the same schedules as --jobs 1 and reports the same first
    and shortest counterexample."""
    sc = scenario.load("send-after-recv0")
    one = explore.explore(sc, jobs=1, check=False, seconds=0).to_json()          # no time limit: a cut could differ
    two = explore.explore(scenario.load("send-after-recv0"), jobs=2, check=False, seconds=0).to_json()
    for key in ("schedules", "equivalence_classes", "found_schedule", "schedule", "first_after_schedules"):
        assert one[key] == two[key], key
    assert two["jobs"] == 2


def test_the_first_counterexample_is_the_same_on_a_dask_local_cluster():
    """Distributed search (issue 12): on a Dask LocalCluster the search runs the same schedules and reports the
    same counterexample as one local process."""
    distributed = pytest.importorskip("distributed", reason="Dask distributed is not installed "
                                                            "(pip install 'kernelsim[cluster]')")
    one = explore.explore(scenario.load("send-after-recv0"), jobs=1, check=False, seconds=0).to_json()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        far = explore.explore(scenario.load("send-after-recv0"), cluster=cluster.scheduler_address,
                              check=False, seconds=0).to_json()
    for key in ("schedules", "equivalence_classes", "found_schedule", "schedule", "first_after_schedules"):
        assert one[key] == far[key], key


@pytest.mark.parametrize("argv, message", [
    (["--max-delay", "-1"], "--max-delay"), (["--max-delay", "soon"], "--max-delay"),
    (["--max-preemptions", "two"], "--max-preemptions"), (["--max-preemptions", "-3"], "--max-preemptions"),
    (["--jobs", "0"], "--jobs"), (["--time", "x"], "--time"),
    (["--cluster", "tcp://127.0.0.1:9"], "Dask scheduler"),
])
def test_bad_explore_options_are_one_line_and_exit_2(argv, message, capsys):
    """Bad input (issue 12): a negative or non-numeric bound or delay, or a Dask scheduler nobody answers at,
    is reported in one line, exit 2."""
    if argv[0] == "--cluster":
        pytest.importorskip("distributed", reason="Dask distributed is not installed: --cluster cannot be tried")
    with pytest.raises(SystemExit) as exc:
        raise SystemExit(cli.main(["explore", "counter-race", *argv]))
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err


def test_a_scenario_whose_explore_settings_are_negative_is_one_line_and_exit_2(tmp_path, capsys):
    """Bad input (issue 12): a scenario's own EXPLORE = {"max_delay": -1} is checked as the option is —
    one line naming --max-delay, exit 2, no search."""
    path = tmp_path / "neg_delay.py"
    path.write_text(textwrap.dedent('''
        from kernelsim.win32 import *
        EXPLORE = {"max_delay": -1}

        def main():
            yield Sleep(1)
    '''), encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        raise SystemExit(cli.main(["explore", str(path)]))
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--max-delay" in err and ">= 0" in err, err


def test_a_scenario_without_choice_points_says_so_and_exits_by_its_check(tmp_path, capsys):
    """Explorer (issue 12): a scenario with one thread has no choice points; explore says so, runs it once and
    exits by its check (0 when it holds, 1 when it fails); when it holds the report ends "check: passed"."""
    for holds, code in ((True, 0), (False, 1)):
        path = tmp_path / f"alone_{holds}.py"
        path.write_text(textwrap.dedent(f'''
            from kernelsim.win32 import *
            TITLE = "alone"
            def main():
                yield note("hello")
            def check(outcome):
                assert {holds}
        '''), encoding="utf-8")
        assert cli.main(["explore", str(path)]) == code
        out = capsys.readouterr().out
        assert "no choice points" in out and "schedules run: 1 " in out
        assert ("check: passed" in out) is holds
        if holds:                # the one run is the whole answer: no classes, outcome counts or verdict lines
            assert out.rstrip().splitlines()[-1] == "check: passed"
            assert "distinct outcomes" not in out and "no invariant broke" not in out


def test_a_failing_scenario_without_choice_points_fails_at_its_only_schedule(tmp_path, capsys):
    """Explorer (issue 12): with no choice points the one schedule is the search; a failing check is found
    after exactly 1 schedule (JSON first_after_schedules 1, schedules 1)."""
    path = tmp_path / "alone.py"
    path.write_text(textwrap.dedent('''
        from kernelsim.win32 import *
        TITLE = "alone"
        def main():
            yield note("hello")
        def check(outcome):
            assert False, "always"
    '''), encoding="utf-8")
    assert cli.main(["explore", str(path), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert (out["schedules"], out["first_after_schedules"], out["choice_points"]) == (1, 1, False)


def test_explore_searches_for_at_most_20_seconds_unless_told():
    """README (explore): "at most S seconds of search (default 20; 0: no time limit)" — the option's default
    and the Python API's."""
    import inspect
    p = argparse.ArgumentParser()
    explore.add_search_options(p)
    assert p.parse_args([]).time == 20.0
    assert inspect.signature(explore.explore).parameters["seconds"].default == 20.0
