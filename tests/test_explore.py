"""The schedule explorer (DESIGN §4, §7): bounded search, replay strings, minimisation, determinism.

The small scenarios here race two threads on a counter: a read, a yielded
call, a write (loses updates) against InterlockedIncrement (never does).
"""

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
            assert explore._cost(small) <= explore._cost(run)
            seen += 1
        if seen == 5 or runner.runs > 400:
            break
    assert seen >= 3


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

ORDER = textwrap.dedent('''
    """Three threads take a ticket each from one InterlockedIncrement; main notes who got which."""
    from kernelsim.win32 import *
    TITLE = "ticket order"
    CONFIG = {"cpus": 4}

    class Box:
        value = 0

    def main():
        box = Box()
        tickets = {}
        threads = []
        for name in ("T1", "T2", "T3"):
            threads.append((yield CreateThread(taker, box, tickets, name, name=name)))
        yield WaitForMultipleObjects(threads, True, INFINITE)
        yield note("order", who="".join(sorted(tickets, key=tickets.get)))

    def taker(box, tickets, name):
        tickets[name] = yield InterlockedIncrement(box, "value")
''')


@pytest.fixture
def scenario_file(tmp_path):
    def make(source, name):
        path = tmp_path / f"{name}.py"
        path.write_text(source, encoding="utf-8")
        return path
    return make


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
