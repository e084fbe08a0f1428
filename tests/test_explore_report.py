"""What an explorer's report says: its counts, its phases, its text (README "explore"; issue 14).

The counts pinned here are stated properties of the search, not measurements: a budget, the default
strategy's 240 PCT schedules (``pct_runs``), "after the first failing schedule as many again, at least
500", one run per order on a tree small enough to count by hand.  The scenarios are test_explore's.
"""

import json
import shlex
import textwrap

import pytest

from kernelsim import cli, explore, scenario
from test_explore import COUNTER, ORDER, TWO_RACES, ticket_order



def phases(data):
    return [(p["strategy"], p["schedules"]) for p in data["phases"]]


# --- the default strategy: pct_runs PCT schedules, then the reduced search -----------------------------

def test_auto_runs_its_pct_schedules_then_the_reduced_search_to_the_end(load):
    """README ("the default strategy hunts: 240 PCT schedules first, then the reduced search"): with room in
    the budget the first phase is exactly ``pct_runs`` PCT schedules (240 by default), the second the reduced
    search, which runs to the end of the bound.  Three threads each take one ticket from one counter with no
    preemption allowed: every pair of their steps conflicts, so each of the 3! orders is its own equivalence
    class and outcome (6)."""
    sc = load(ORDER, "order")
    data = explore.explore(sc, max_preemptions=0, budget=300, seconds=0, pct_runs=5).to_json()
    (first, walked), (second, reduced) = phases(data)
    assert (first, walked, second) == ("pct", 5, "dpor")
    assert data["schedules"] == 5 + reduced
    assert data["exhausted"] is True
    assert data["equivalence_classes"] == 6 and data["distinct_outcomes"] == 6
    default = explore.explore(sc, max_preemptions=0, budget=300, seconds=0).to_json()
    assert phases(default)[0] == ("pct", explore.PCT_RUNS) == ("pct", 240)
    assert default["exhausted"] is True and default["equivalence_classes"] == 6


@pytest.mark.parametrize("budget, pct_runs", [(3, 5), (5, 5), (240, 240)])
def test_auto_within_a_budget_no_larger_than_its_pct_phase_runs_only_pct(load, budget, pct_runs):
    """Budget (DESIGN §8: --budget N, "schedules at most"): when the budget ends during the PCT phase, or just
    as it ends, the default strategy ran N PCT schedules and no reduced search at all (no "dpor" phase, no
    equivalence classes), and it is not exhaustive."""
    data = explore.explore(load(ORDER, "order"), max_preemptions=0, budget=budget, seconds=0,
                           pct_runs=pct_runs).to_json()
    assert phases(data) == [("pct", budget)]
    assert data["schedules"] == budget and data["exhausted"] is False
    assert data["equivalence_classes"] is None


# --- after the first failure: as many schedules again (at least 500), then stop ----------------------

@pytest.mark.parametrize("strategy", ["pct", "random", "auto"])
def test_after_the_first_failure_the_search_runs_as_many_again_then_stops(load, strategy, capsys):
    """explore() ("after the first failing schedule the search goes on for as many schedules again (at least
    500) looking for a shorter one"): a lost update found after F schedules stops the seeded walks after
    exactly F + max(500, F), not exhaustive, and the report says why it stopped.  The default strategy with a
    PCT phase longer than that stops inside it (no reduced search after)."""
    sc = load(COUNTER % (False, 2), "counter")
    options = {"pct_runs": 1000} if strategy == "auto" else {}
    report = explore.explore(sc, strategy, seconds=0, check=False, minimise_budget=0, **options)
    data = report.to_json()
    found = data["first_after_schedules"]
    assert data["failed"] and data["schedules"] == found + max(500, found)
    assert data["exhausted"] is False
    assert phases(data) == [("random" if strategy == "random" else "pct", data["schedules"])]
    text = explore.describe(report, "counter")
    assert "stopped after the first failure and as many schedules again; not exhaustive" in text
    assert "stopped by the budget" not in text


def test_the_plain_search_also_stops_after_as_many_again_and_all_searches_the_budget():
    """The same rule for --strategy dfs: send-after-recv0 fails early within 3 preemptions; the search stops
    after the first failure and as many again (at least 500) and says so; with --all (keep_going) it runs the
    whole budget and says the budget stopped it."""
    sc = scenario.load("send-after-recv0")
    report = explore.explore(sc, "dfs", max_preemptions=3, seconds=0, check=False, minimise_budget=0)
    found = report.first[0]
    assert report.schedules == found + max(500, found) and not report.exhausted
    assert "stopped after the first failure and as many schedules again" in explore.describe(report, "x")
    whole = explore.explore(sc, "dfs", max_preemptions=3, budget=found + 520, seconds=0, check=False,
                            minimise_budget=0, keep_going=True)
    assert whole.schedules == found + 520 and not whole.exhausted
    text = explore.describe(whole, "x")
    assert f"stopped by the budget ({found + 520} schedules" in text
    assert "as many schedules again" not in text


# --- the seeded walks: the generators and the records are the same walks ---------------------------------

@pytest.mark.parametrize("kind", ["pct", "random"])
def test_the_seeded_walk_generators_take_the_walks_the_search_takes(load, kind):
    """Seeded walks (explore.py: "one random and one PCT policy serve both the generators and the seeded walk
    records"): the i-th run of ``pct``/``random_walk`` with a seed takes the same schedule as the i-th walk of
    that seed the search runs (``walk_record``), so a counterexample found one way replays the other way; and
    the walks differ from one another (each index draws its own schedule)."""
    sc = load(COUNTER % (False, 2), "counter")
    runner = explore.Runner(sc)
    hint = len(runner.replay([]).taken) + 1
    walks = explore.pct(runner, 2, 7, hint) if kind == "pct" else explore.random_walk(runner, 2, 7)
    generated = [next(walks).schedule for _ in range(12)]
    recorded = [explore.walk_record(sc, None, None, kind, 7, i, 2, hint).schedule for i in range(12)]
    assert generated == recorded
    assert len(set(generated)) > 3


def test_pct_without_a_bound_uses_two_change_points(load):
    """PCT (--max-preemptions K: "pct: K priority change points (default 2)"): given no bound, the PCT walks
    use the default depth, 2 change points — the same walks, the same first failure, as K = 2."""
    sc = load(TWO_RACES, "two_races")
    keys = ("schedules", "found_schedule", "first_after_schedules", "distinct_outcomes")
    none = explore.explore(sc, "pct", max_preemptions=None, seed=3, budget=60, seconds=0, check=False,
                           minimise_budget=0).to_json()
    two = explore.explore(sc, "pct", max_preemptions=2, seed=3, budget=60, seconds=0, check=False,
                          minimise_budget=0).to_json()
    three = explore.explore(sc, "pct", max_preemptions=3, seed=3, budget=60, seconds=0, check=False,
                            minimise_budget=0).to_json()
    assert [none[k] for k in keys] == [two[k] for k in keys]
    assert [three[k] for k in keys] != [two[k] for k in keys]      # (the depth does change the walks)


# --- the text a student reads ----------------------------------------------------------------------------

def test_the_report_says_whether_minimisation_shortened_the_schedule(load):
    """Report (README: "the shortest failing schedule, minimised"): when no shorter schedule fails the same
    way the report says so; when minimisation shortened the schedule the search found, it names the one it
    was minimised from."""
    report = explore.explore(load(COUNTER % (False, 2), "counter"), "dfs", seconds=0)
    assert report.minimised.schedule == report.failing.schedule     # dfs meets the short one first
    text = explore.describe(report, "counter")
    assert "; no shorter one fails the same way)" in text
    assert text.splitlines()[0].startswith("explore counter: strategy dfs")
    quoted = shlex.quote(report.minimised.schedule)
    assert f"replay it:  kernelsim run counter --schedule {quoted}" in text.splitlines()
    assert f"step it:    kernelsim step counter --schedule {quoted}" in text.splitlines()
    sc = load(TWO_RACES, "two_races")
    for seed in range(1, 9):
        report = explore.explore(sc, "random", seed=seed, stop_at_first=True, budget=400, seconds=0)
        if report.minimised.schedule != report.failing.schedule:
            text = explore.describe(report, "two_races")
            assert f"; minimised from {report.failing.schedule})" in text
            assert "no shorter one" not in text
            break
    else:
        pytest.fail("no random walk's schedule was shortened")


def test_a_delay_counts_as_a_preemption_in_the_report():
    """Delays (README: "a delay counts as a preemption"): the delay race's counterexample holds W1 back once
    and preempts nowhere else; its preemption count is 1, delays included, within the bound of 1, and the
    text says "1 preemption of which 1 delay"."""
    sc = scenario.load("iocount-after-pending-send")
    report = explore.explore(sc, "dpor", max_delay=0.5, max_preemptions=1, stop_at_first=True,
                             minimise_budget=40, seconds=0, check=False)
    best = report.minimised
    assert sum(map(len, best.holds.values())) == 1
    assert best.preemptions == 1
    assert "(22 decisions, 1 preemption of which 1 delay;" in explore.describe(report, "x")


def test_a_reduced_search_with_no_class_reports_zero_per_class():
    """Report: a reduced search cut (by its time) before its first run covered 0 classes with 0 schedules;
    the text says 0.00 per class (not a division by zero, not a made-up ratio)."""
    report = explore.Report("x", "dpor", 1, 100, 1.0)
    report.classes, report.reduced = 0, 0
    assert "equivalence classes covered: 0 by 0 reduced-search schedules (0.00 per class;" in \
        explore.describe(report, "x")


def test_the_cli_text_and_json_agree_on_a_cut_search(tmp_path, capsys):
    """CLI (DESIGN §8): the same search printed as text and as --json reports the same count, and neither
    claims it was exhaustive when the first failure and as many again stopped it."""
    path = tmp_path / "counter.py"
    path.write_text(COUNTER % (False, 2), encoding="utf-8")
    argv = ["explore", str(path), "--strategy", "pct", "--time", "0"]
    assert cli.main(argv + ["--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert cli.main(argv) == 1
    out = capsys.readouterr().out
    assert f"schedules run: {data['schedules']} in" in out
    assert data["exhausted"] is False and "every schedule within the bound" not in out


@pytest.mark.parametrize("bound", [0, 1, 2])
def test_random_walks_never_pass_the_preemption_bound(load, bound):
    """--strategy random ("each decision uniformly at random (seeded), at most K preemptions"): no walk
    preempts more than K times, and the bound is reached (the walks are not confined below it)."""
    runner = explore.Runner(load(COUNTER % (False, 3), "counter3"))
    walks = explore.random_walk(runner, bound, 5)
    counts = [next(walks).preemptions for _ in range(60)]
    assert max(counts) == bound, counts


# --- more rules of the search (survivors of the mutation sample) ------------------------------------------

ORDER4 = ticket_order(("T1", "T2", "T3", "T4"), refused="T4T3T2T1")   # one order of the 24 is refused


@pytest.mark.parametrize("kind", ["pct", "random"])
def test_a_seeded_search_runs_its_walks_in_order_without_repeating_one(load, kind):
    """Seeded walks (README: "random and pct are seeded walks"): the search's n-th schedule is the n-th walk of
    its seed, across the rounds it hands out, so the first failure is met at the first failing walk.  With
    seed 4 the refused order (1 of 24) first comes after more than one round of walks."""
    sc = load(ORDER4, "order4")
    hint = len(explore.Runner(sc).replay([]).taken) + 1
    index = next(i for i in range(200)
                 if explore.walk_record(sc, None, None, kind, 4, i, 0, hint).status == "failed")
    assert index >= explore.ROUND                   # (past the first round: the test means something)
    report = explore.explore(sc, kind, max_preemptions=0, seed=4, stop_at_first=True, seconds=0, check=False,
                             minimise_budget=0)
    assert report.first[0] == index + 1 == report.schedules


def test_dfs_takes_fewer_preemptions_then_fewer_changed_decisions_first(load):
    """dfs (explore.py: "schedules are taken in order of (preemptions, changed decisions): CHESS's iterative
    context bounding, so the first failure found is already short"): the runs come in that order — a changed
    decision is a choice other than the default, index 0."""
    runner = explore.Runner(load(ORDER, "order"))
    keys = [(run.preemptions, sum(1 for c in run.taken if c)) for run in explore.dfs(runner, 1)]
    assert len(keys) > 20 and keys == sorted(keys)
    assert len(set(keys)) >= 4


def test_the_time_limit_stops_a_search_that_has_no_other_end(load):
    """--time S ("at most S seconds of search"): a seeded walk with no budget (0) and --all never runs out of
    schedules; the time limit ends it, not exhaustive."""
    report = explore.explore(load(ORDER, "order"), "pct", budget=0, seconds=0.3, keep_going=True, check=False)
    assert report.schedules >= 1 and report.exhausted is False


def test_a_reduced_search_with_choice_points_never_says_it_has_none(load):
    """explore (issue 12: "no choice points" only when every run takes the same schedule): the reduced search
    of the three ticket takers, whose later runs have single-threaded stretches, still reports choice points."""
    data = explore.explore(load(ORDER, "order"), "dpor", max_preemptions=0, seconds=0).to_json()
    assert data["schedules"] == 6 and data["choice_points"] is True
    assert "no choice points" not in explore.describe(explore.explore(load(ORDER, "order"), "dpor",
                                                                      max_preemptions=0, seconds=0), "order")


def test_minimisation_runs_at_most_its_budget_and_uses_all_of_it(load):
    """minimise(runner, failing, budget) ("candidates tried until one is kept", at most ``budget`` runs): a
    long random counterexample that can still shrink takes exactly ``budget`` runs with a small budget, and
    the result is never costlier than what it was given."""
    sc = load(TWO_RACES, "two_races")
    runner = explore.Runner(sc)
    failing = next(run for run in explore.random_walk(runner, None, 3) if run.failed)
    for budget in (1, 2, 3, 5):
        before = runner.runs
        best = explore.minimise(runner, failing, budget)
        assert runner.runs - before == budget
        assert explore._cost(best.taken) <= explore._cost(failing.taken)


def test_minimisation_never_runs_one_candidate_twice(load):
    """minimise: a candidate that was tried and not kept is not tried again in a later pass (each pass
    rebuilds the same removals of what is still there), so the budget buys distinct runs only."""
    sc = load(TWO_RACES, "two_races")
    runner = explore.Runner(sc)
    failing = next(run for run in explore.random_walk(runner, None, 3) if run.failed)
    tried = []
    replay = runner.replay

    def counting(choices, full=False, holds=None):
        tried.append(tuple(choices))
        return replay(choices, full, holds)
    runner.replay = counting
    explore.minimise(runner, failing, 1000)
    assert len(tried) > 3 and len(set(tried)) == len(tried)


def test_a_scenario_whose_explore_delay_is_not_a_number_is_one_line_and_exit_2(tmp_path, capsys):
    """Bad input (issue 12; DESIGN: a usage error exits 2): EXPLORE = {"max_delay": "soon"} is reported as
    --max-delay needing a number, in one line, no traceback."""
    path = tmp_path / "word_delay.py"
    path.write_text('from kernelsim.win32 import *\nEXPLORE = {"max_delay": "soon"}\n\ndef main():\n'
                    '    yield Sleep(1)\n', encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        raise SystemExit(cli.main(["explore", str(path)]))
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--max-delay needs a number" in err, err


def test_a_schedule_that_crashes_deterministically_reports_no_snapshots(tmp_path, capsys):
    """Determinism check of a crash (explore.determinism: "a crashing schedule: compare the message"): two
    replays that crash with the same message are the same; no snapshot was taken, and the report says 0,
    not a negative count."""
    path = tmp_path / "crash.py"
    path.write_text(textwrap.dedent('''
        from kernelsim.win32 import *
        TITLE = "crash"
        CONFIG = {"cpus": 2}

        def main():
            a = yield CreateThread(worker, name="T1")
            b = yield CreateThread(worker, name="T2")
            yield WaitForMultipleObjects([a, b], True, INFINITE)

        def worker():
            yield note("step")
            raise RuntimeError("boom")
    '''), encoding="utf-8")
    report = explore.explore(scenario.load(str(path)), "dfs", max_preemptions=0, budget=20, seconds=0)
    assert report.failed and report.deterministic is True and report.snapshots == 0
    assert "determinism: replayed twice, 0 snapshots identical" in explore.describe(report, "crash")


def test_dfs_keeps_the_cheapest_failing_schedule_it_ran_the_first_of_equals(load):
    """Explorer (README: "the shortest failing schedule"): after its first failure dfs goes on, and the schedule
    it reports as found is the cheapest failing one among all it ran (fewest decisions, then fewest changed,
    then smallest indices) — shorter than the first failure here — and of equally cheap ones the first it
    met.  Within its budget (found + 20, without --all) it stops at the budget, and says so."""
    sc = scenario.load("send-after-recv0")
    first = explore.explore(sc, "dfs", max_preemptions=2, stop_at_first=True, seconds=0, check=False,
                            minimise_budget=0)
    whole = explore.explore(sc, "dfs", max_preemptions=2, seconds=0, check=False, minimise_budget=0)
    assert explore._cost(whole.failing.taken) < explore._cost(first.failing.taken)
    two = load(TWO_RACES, "two_races")
    report = explore.explore(two, "dfs", max_preemptions=2, seconds=0, check=False, minimise_budget=0)
    runs = [run for _, run in zip(range(report.schedules), explore.dfs(explore.Runner(two), 2)) if run.failed]
    cheapest = min(explore._cost(run.taken) for run in runs)
    equals = [run.schedule for run in runs if explore._cost(run.taken) == cheapest]
    assert len(equals) >= 2 and report.failing.schedule == equals[0]
    cut = explore.explore(sc, "dfs", max_preemptions=2, budget=first.schedules + 20, seconds=0, check=False,
                          minimise_budget=0)
    assert cut.schedules == first.schedules + 20
    assert f"stopped by the budget ({first.schedules + 20} schedules" in explore.describe(cut, "x")


def test_a_counterexample_is_ranked_by_decisions_then_changed_choices_then_indices():
    """The order the explorer keeps the best failing schedule by (README "the shortest failing schedule";
    explore._cost for runs, _record_cost for the parallel walks' records): fewer decisions first, then
    fewer non-default choices, then smaller indices, then fewer delays, then the schedule's text — so
    0.2.0.1 (two changed) beats 0.1.1.1 (three changed) though their indices add up the same."""
    from kernelsim import dpor

    def record(choices, holds=None):
        r = dpor.Record()
        r.choices, r.holds = list(choices), holds or {}
        r.schedule = ".".join(map(str, choices))
        return r
    ranked = [record([1]), record([0, 2, 0, 1]), record([0, 1, 1, 1]), record([0, 1, 1, 2]),
              record([0, 1, 1, 2], {3: ("T1",)}), record([0, 0, 0, 0, 1, 0, 0])]
    assert sorted(ranked, key=explore._record_cost) == ranked
    assert [explore._cost(r.choices) for r in ranked[:4]] == [(1, 1, 1), (4, 2, 3), (4, 3, 3), (4, 3, 4)]


def test_a_scenario_that_chooses_by_itself_is_reported_not_deterministic(tmp_path, capsys, load):
    """Determinism (every choice goes through the kernel's choice point): a scenario that names its threads
    from random.randrange takes another path when the reduced search replays a schedule.  explore must not
    call that search exhaustive: it says NOT DETERMINISTIC, counts the runs (JSON "diverged") and exits 1."""
    path = tmp_path / "nondet.py"
    path.write_text(textwrap.dedent('''
        import random
        from kernelsim.win32 import *
        TITLE = "nondeterministic names"
        CONFIG = {"cpus": 1}

        def worker(box):
            box.append(1)
            yield Sleep(0)
            box.append(2)

        def main():
            box = []
            tag = random.randrange(10**9)
            a = yield CreateThread(worker, box, name=f"A{tag}")
            b = yield CreateThread(worker, box, name=f"B{tag}")
            yield WaitForMultipleObjects([a, b], True, INFINITE)
    '''), encoding="utf-8")
    assert cli.main(["explore", str(path), "--strategy", "dpor"]) == 1
    out = capsys.readouterr().out
    assert "NOT DETERMINISTIC: 1 run of the reduced search took another path" in out
    assert "not exhaustive: the scenario is not deterministic" in out and "every schedule within" not in out
    assert cli.main(["explore", str(path), "--strategy", "dpor", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["diverged"] >= 1 and data["exhausted"] is False
    plain = explore.explore(load(ORDER, "order"), "dpor", max_preemptions=0, seconds=0)
    assert plain.diverged == 0 and plain.to_json()["diverged"] == 0


# --- documented defaults -----------------------------------------------------------------------------------

def test_explore_without_seed_or_jobs_uses_seed_1_and_one_process(tmp_path, capsys):
    """CLI (--seed "seed of the random and pct strategies (default 1)", --jobs "default 1"): a random search
    without --seed meets its first failure where --seed 1 does (and --seed 2 elsewhere), on this one process."""
    path = tmp_path / "order4.py"
    path.write_text(ORDER4, encoding="utf-8")
    found = {}
    for seed in (None, "1", "2"):
        argv = ["explore", str(path), "--strategy", "random", "--max-preemptions", "0", "--first", "--json",
                "--time", "0"] + (["--seed", seed] if seed else [])
        assert cli.main(argv) == 1
        data = json.loads(capsys.readouterr().out)
        found[seed] = (data["first_after_schedules"], data["found_schedule"])
        assert data["jobs"] == 1
    assert found[None] == found["1"] != found["2"]
    report = explore.explore(scenario.load(str(path)), "random", max_preemptions=0, stop_at_first=True,
                             seconds=0, check=False)
    assert report.jobs == 1 and "worker" not in explore.describe(report, "order4").splitlines()[0]


def test_the_default_minimisation_tries_at_most_400_candidates(load, monkeypatch):
    """README ("minimised (within 400 candidate runs)"): explore() hands minimisation a budget of 400
    candidate schedules unless told otherwise (minimise_budget)."""
    budgets = []
    real = explore.minimise

    def spy(runner, failing, budget=400):
        budgets.append(budget)
        return real(runner, failing, budget)
    monkeypatch.setattr(explore, "minimise", spy)
    sc = load(COUNTER % (False, 2), "counter")
    explore.explore(sc, "dfs", seconds=0, check=False)
    explore.explore(sc, "dfs", seconds=0, check=False, minimise_budget=7)
    assert budgets == [400, 7]


def test_the_json_report_gives_times_to_the_millisecond_and_the_first_failure_to_a_tenth(load):
    """--json: "seconds" is rounded to the millisecond and "first_after_seconds" to a tenth of one, so the
    report does not print clock noise."""
    report = explore.explore(load(COUNTER % (False, 2), "counter"), "dfs", seconds=0, check=False)
    report.elapsed, report.first = 1.23456789, (report.first[0], 0.00123456789)
    data = report.to_json()
    assert data["seconds"] == 1.235 and data["first_after_seconds"] == 0.0012


def test_a_seeded_search_reports_the_cheapest_failing_walk_it_ran(load):
    """Explorer (README: "the shortest failing schedule"): a PCT search goes on after its first failure and
    reports as found the cheapest failing walk among all it ran — fewest decisions, then fewest changed
    (non-zero) ones, then the smallest indices — which here is not the first; with seed 2 the cheapest are
    told apart by their changed decisions."""
    sc = load(TWO_RACES, "two_races")
    report = explore.explore(sc, "pct", seed=2, seconds=0, check=False, minimise_budget=0)
    hint = len(explore.Runner(sc).replay([]).taken) + 1
    walks = [explore.walk_record(sc, None, None, "pct", 2, i, 2, hint) for i in range(report.schedules)]
    failing = [w for w in walks if w.status == "failed"]

    def cost(w):
        s = explore.strip(w.choices)
        return (len(s), sum(1 for c in s if c), sum(s))
    cheapest = min(cost(w) for w in failing)
    assert cost(failing[0]) > cheapest
    assert report.failing.schedule in {w.schedule for w in failing if cost(w) == cheapest}


@pytest.mark.parametrize("strategy", ["dfs", "dpor"])
def test_a_search_stopped_by_its_budget_is_not_exhaustive_even_at_its_last_schedule(load, strategy):
    """--budget N: a search that the budget stopped does not claim it was exhaustive — it did not look for
    more — even when N is exactly the number of schedules there are (six orders of the three ticket takers,
    no preemption), for the plain and the reduced search alike; one more and it finds out, and says so."""
    sc = load(ORDER, "order")
    at = explore.explore(sc, strategy, max_preemptions=0, budget=6, seconds=0).to_json()
    assert (at["schedules"], at["exhausted"]) == (6, False)
    more = explore.explore(sc, strategy, max_preemptions=0, budget=7, seconds=0).to_json()
    assert (more["schedules"], more["exhausted"]) == (6, True)


def test_the_reduced_search_holds_no_thread_back_unless_asked():
    """Delays (README: "--max-delay MS ... default 0: no delays"): iocount-after-pending-send fails only when a
    thread is held back; the reduced search without --max-delay covers every schedule within 1 preemption
    and none fails (none holds a thread back), and with delays of 0.5 ms it finds the failure."""
    sc = scenario.load("iocount-after-pending-send")
    without = explore.explore(sc, "dpor", max_preemptions=1, seconds=0, check=False)
    assert without.exhausted and not without.failed
    held = explore.explore(sc, "dpor", max_preemptions=1, max_delay=0.5, stop_at_first=True, seconds=0,
                           check=False, minimise_budget=0)
    assert held.failed and "!" in held.failing.schedule


def test_a_search_stopped_at_its_first_failure_says_so(tmp_path, capsys):
    """--first ("stop at the first failing schedule"): the report says the search stopped at the first failing
    schedule and is not exhaustive — not that a budget stopped it; without a failure, --first runs to the end
    of the bound, or of the budget, and says which."""
    path = tmp_path / "counter.py"
    path.write_text(COUNTER % (False, 2), encoding="utf-8")
    assert cli.main(["explore", str(path), "--strategy", "dfs", "--first", "--time", "0"]) == 1
    out = capsys.readouterr().out
    assert "stopped at the first failing schedule (--first); not exhaustive" in out
    assert "stopped by the budget" not in out
    safe = tmp_path / "safe.py"
    safe.write_text(COUNTER % (True, 2), encoding="utf-8")
    assert cli.main(["explore", str(safe), "--strategy", "dfs", "--first", "--time", "0"]) == 0
    assert "every schedule within the bound" in capsys.readouterr().out
    assert cli.main(["explore", str(safe), "--strategy", "dfs", "--first", "--budget", "3", "--time", "0"]) == 0
    out = capsys.readouterr().out
    assert "stopped by the budget (3 schedules" in out and "--first" not in out


SNAPSHOT_ONLY = textwrap.dedent('''
    """Nondeterministic in its snapshots only: the session panel shows how many times the module ran."""
    from kernelsim.win32 import *
    TITLE = "snapshot only"
    CONFIG = {"cpus": 2}
    RUNS = [0]

    def main():
        RUNS[0] += 1
        yield watch("sessions", lambda: [dict(id=str(RUNS[0]), index=0, generation=RUNS[0], sock=0, io_count=0,
                                              released=False, send_flag=0, recv_used="0/0", send_used="0/0",
                                              pending=())])
        a = yield CreateThread(worker, name="T1")
        b = yield CreateThread(worker, name="T2")
        yield WaitForMultipleObjects([a, b], True, INFINITE)

    def worker():
        yield Sleep(0)

    def check(outcome):
        assert False, "this claim never holds"
''')


def test_the_determinism_check_compares_the_snapshots_too(load):
    """Determinism (DESIGN §4: the same schedule gives a byte-identical trace, and the stepper's snapshots with
    it): two replays whose trace text is the same but whose snapshots differ (a panel row shows how many
    times the scenario ran) are reported as different."""
    sc = load(SNAPSHOT_ONLY, "snapshot_only")
    report = explore.explore(sc, "dfs", max_preemptions=0, budget=5, seconds=0)
    assert report.failed and report.deterministic is False
