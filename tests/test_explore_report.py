"""What an explorer's report says: its counts, its phases, its text (README "explore"; issue 14).

The counts pinned here are stated properties of the search, not measurements: a budget, the default
strategy's 240 PCT schedules (``pct_runs``), "after the first failing schedule as many again, at least
500", one run per order on a tree small enough to count by hand.  The scenarios are test_explore's.
"""

import json

import pytest

from kernelsim import cli, explore, scenario
from test_explore import COUNTER, ORDER, TWO_RACES


@pytest.fixture
def load(tmp_path):
    def make(source, name):
        path = tmp_path / f"{name}.py"
        path.write_text(source, encoding="utf-8")
        return scenario.load(str(path))
    return make


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
    assert "; no shorter one fails the same way)" in explore.describe(report, "counter")
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
