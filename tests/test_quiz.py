"""Worksheets, answers and grading: `kernelsim quiz` and `explain --no-answers` (issue 11, part 2)."""

import json
import random

import pytest

from kernelsim import answers, scenario
from kernelsim.answers import error, matches, show, sleep_result, wait_result, wsa_error
from kernelsim.ui.commands import answers as run_answers
from kernelsim.ui.commands import spoilers
from helpers import run_cli

WITH_QUESTIONS = [n for n in scenario.catalogue_names() if scenario.load(n).questions]


# --- answers shown with Win32 names, graded forgivingly -------------------------------------------

def test_answers_show_constant_names():
    """Codes marked by the scenario show their constant's name and value; TRUE/FALSE and NULL as in C."""
    assert show((False, None, error(258))) == "FALSE, NULL, WAIT_TIMEOUT (258)"
    assert show(error(995)) == "ERROR_OPERATION_ABORTED (995)"
    assert show(wsa_error(997)) == "WSA_IO_PENDING (997)"
    assert show(wsa_error(10054)) == "WSAECONNRESET (10054)"
    assert show(wait_result(40)) == "WAIT_OBJECT_0+40 (40)"
    assert show(sleep_result(192)) == "WAIT_IO_COMPLETION (192)" and show(sleep_result(0)) == "0"
    assert show([("recv", error(1236)), (True, 0)]) == "[(recv, ERROR_CONNECTION_ABORTED (1236)), (TRUE, 0)]"
    assert show(10.0) == "10" and show(10.1) == "10.1"


@pytest.mark.parametrize("guess", ["FALSE, NULL, WAIT_TIMEOUT (258)", "false, null, 258", "False NULL WAIT_TIMEOUT",
                                   "0, ov NULL, 0x102", "(FALSE, NULL, WSA_WAIT_TIMEOUT)", "no, nullptr, 258"])
def test_grading_accepts_the_same_answer_written_differently(guess):
    """A guess counts whatever its case, brackets or commas, and a constant counts by name, number, hex or alias."""
    assert matches(guess, (False, None, error(258)))


@pytest.mark.parametrize("guess", ["FALSE, NULL, 735", "TRUE, NULL, WAIT_TIMEOUT", "FALSE, NULL", "",
                                   "FALSE NULL 258 1"])
def test_grading_rejects_a_different_answer(guess):
    """A different value, a missing part or an extra part is not the answer."""
    assert not matches(guess, (False, None, error(258)))


def test_grading_of_aliases_strings_and_units():
    """WSA_IO_PENDING is ERROR_IO_PENDING; 'T1 at 67 ms' is 'T1, 67'; b'hello' is hello; 5,000 is 5000."""
    assert matches("ERROR_IO_PENDING", wsa_error(997)) and matches("997", wsa_error(997))
    assert matches("t1 67ms", "T1 at 67 ms") and not matches("T2 at 67 ms", "T1 at 67 ms")
    assert matches("hello, WSAEWOULDBLOCK", [b"hello", wsa_error(10035)])
    assert matches("5,000", 5000) and matches("yes", True) and matches("1", True) and not matches("no", True)


# --- the worksheet: never an answer without --answers -------------------------------------------

def test_quiz_without_answers_is_a_questions_only_worksheet(capsys):
    """Without --answers and without a terminal (`quiz X > sheet.txt`), every question is printed and no
    answer: the answer lines are blanks to fill in."""
    code, out, _ = run_cli(capsys, "quiz", "gqcs-returns")
    assert code == 0
    assert out.count("Q") >= 5 and "Q5. A thread waits in GQCS(INFINITE)" in out
    for give_away in ("WAIT_TIMEOUT", "TRUE, ov", "735", "ERROR_"):
        assert give_away not in out
    assert out.count("answer: ______") == 5
    assert "kernelsim quiz gqcs-returns --answers" in out


@pytest.mark.parametrize("name", WITH_QUESTIONS)
def test_no_worksheet_reveals_an_answer(name, capsys):
    """For every catalogue quiz, the worksheet contains none of the answers that `--answers` prints
    (an answer that is a plain word or number may occur in a question; codes and lists may not)."""
    code, sheet, _ = run_cli(capsys, "quiz", name)
    assert code == 0
    code, solved, _ = run_cli(capsys, "quiz", name, "--answers")
    shown = [line.split("answer: ", 1)[1] for line in solved.splitlines() if "answer: " in line]
    assert len(shown) == len(scenario.load(name).questions)
    for answer in shown:
        if "(" in answer or "[" in answer or "," in answer:
            assert answer not in sheet, answer


def test_quiz_on_a_terminal_grades_without_revealing(capsys, monkeypatch):
    """On a terminal the quiz asks for each prediction and says right or not — but prints no answer."""
    from kernelsim.ui import commands
    monkeypatch.setattr(commands, "_interactive", lambda: True)
    guesses = iter(["T3"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(guesses))
    code, out, _ = run_cli(capsys, "quiz", "lifo-wakeup")
    assert code == 0 and "✓ right" in out and "answer:" not in out and "1/1 right" in out
    guesses = iter(["t1"])
    code, out, _ = run_cli(capsys, "quiz", "lifo-wakeup")
    after_question = out.split("which one receives it?")[1]
    assert "not what the run shows" in after_question and "T3" not in after_question and "answer:" not in out


def test_quiz_json_gives_questions_answers_and_the_variant(capsys):
    """`quiz --json`: one object with the variant, each question with its answer (the value, and the text
    with constant names), and whether the check held."""
    code, out, _ = run_cli(capsys, "quiz", "lifo-wakeup", "--json", "--seed", "4")
    assert code == 0
    data = json.loads(out)
    assert data["scenario"] == "lifo-wakeup" and data["seed"] == 4 and data["passed"] is True
    workers = data["variant"]["WORKERS"]
    assert data["questions"][0]["answer"] == f"T{workers}"
    code, out, _ = run_cli(capsys, "quiz", "gqcs-returns", "--json")
    q3 = json.loads(out)["questions"][2]
    assert q3["answer"] == [False, "ov NULL", {"value": 258, "name": "WAIT_TIMEOUT"}]
    assert q3["answer_text"] == "FALSE, ov NULL, WAIT_TIMEOUT (258)"


def test_quiz_says_when_the_check_failed(capsys):
    """A quiz whose run breaks the scenario's claim says so, and exits 1 (here: Wine's FIFO wake-up)."""
    code, out, _ = run_cli(capsys, "quiz", "lifo-wakeup", "--answers", "--profile", "wine")
    assert code == 1 and "check: FAILED in this run" in out


# --- variants: --seed N makes new problems for every quiz ------------------------------------------

@pytest.mark.parametrize("name", WITH_QUESTIONS)
def test_every_quiz_has_variants_that_hold(name):
    """Every scenario with QUESTIONS defines variant(rng); over seeds 1–6 the variants pass the scenario's
    check (a broken race variant may break the invariant its BREAKS names: its lesson) and answer every
    question, and at least two of them ask a different problem than the file as written (another question
    text or another answer)."""
    sc = scenario.load(name)
    assert callable(getattr(sc.module, "variant", None)), f"{name}: QUESTIONS but no variant(rng)"
    names = sc.constants()
    for seed in range(1, 7):
        drawn = sc.module.variant(random.Random(seed))
        assert set(drawn) <= set(names), f"{name}: variant() sets {set(drawn) - set(names)}, not constants"

    def sheet(seed):
        outcome = scenario.run(sc, seed=seed, snapshots=False)
        lesson = [f for f in outcome.failures if any(f.startswith(f"invariant broken: {b} —") for b in sc.breaks)]
        assert outcome.failures == lesson, (name, seed, outcome.failures)      # only what BREAKS declares
        pairs = run_answers(sc, outcome)
        for question, value in pairs if not lesson else ():          # a run stopped by its lesson ends early
            assert not (isinstance(value, str) and value.startswith("(no answer")), (name, seed, question, value)
        return [(q, show(v)) for q, v in pairs]

    base = sheet(0)
    different = sum(1 for seed in range(1, 7) if sheet(seed) != base)
    assert different >= 2, f"{name}: --seed should ask new problems ({different} of 6 seeds differ)"


# --- --set NAME=VALUE ------------------------------------------------------------------------------

def test_set_overrides_a_constant_for_run_step_and_quiz(capsys):
    """--set WORKERS=5: the run has five workers and the newest (T5) gets the packet (A4); the narration
    records the override; quiz and step take it too."""
    code, out, _ = run_cli(capsys, "run", "lifo-wakeup", "--set", "WORKERS=5", "--set", "KEY=42")
    assert code == 0 and "ARG set WORKERS=5" in out and "T5 released with key=42" in out
    code, out, _ = run_cli(capsys, "quiz", "lifo-wakeup", "--answers", "--set", "WORKERS=4")
    assert "answer: T4" in out and "set: WORKERS = 4" in out
    code, out, _ = run_cli(capsys, "step", "lifo-wakeup", "--set", "WORKERS=2")
    assert code == 0 and "T2 released" in out and "T3 released" not in out and "creates thread T3" not in out


def test_set_reaches_explore(capsys):
    """counter-race with --set INTERLOCKED=True: no schedule loses an update; the replay lines keep --set."""
    code, out, _ = run_cli(capsys, "explore", "counter-race", "--set", "INTERLOCKED=True")
    assert code == 0 and "every schedule within the bound" in out
    code, out, _ = run_cli(capsys, "explore", "counter-race", "--set", "INTERLOCKED=false", "--first")
    assert code == 1 and "--set INTERLOCKED=false --schedule" in out


@pytest.mark.parametrize("argv,message", [
    (["--set", "WORKER=5"], "lifo-wakeup has no constant WORKER; did you mean WORKERS?"),
    (["--set", "WORKERS=five"], "WORKERS is int (3 in the file); give a whole number"),
    (["--set", "WORKERS"], "write NAME=VALUE"),
    (["--set", "TITLE=x"], "has no constant TITLE"),
])
def test_bad_set_is_one_line_and_exit_2(capsys, argv, message):
    """An unknown name or a value of the wrong kind: one line naming the problem, exit 2, no traceback."""
    code, out, err = run_cli(capsys, "run", "lifo-wakeup", *argv)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_bool_and_tuple_constants_parse():
    """--set reads a value as the type the file gave it: True/false/1/0 for a bool, a list for a tuple."""
    sc = scenario.load("counter-race")
    sc.set_constants(["INTERLOCKED=yes"])
    assert sc.overrides == {"INTERLOCKED": True}
    sc = scenario.load("sendpacket-vs-release")
    sc.set_constants(["BUGS=socket_id,release_on_recv0"])
    assert sc.overrides["BUGS"] == ("socket_id", "release_on_recv0")


# --- explain: the rule texts, and a spoiler-free version ---------------------------------------------

def test_explain_no_answers_hides_what_gives_the_quiz_away(capsys):
    """`explain --no-answers` keeps the code, the seed section and the questions, and drops the docstring,
    the comments, check() and the answer functions of QUESTIONS."""
    code, out, _ = run_cli(capsys, "explain", "concurrency-one", "--no-answers")
    assert code == 0
    assert "Which worker handles job 2?" in out and "yield compute(WORK_MS)" in out
    for spoiler in ("T2 waited last", "the runner takes the queued packet itself", "no room: queued",
                    "def check", "lambda o", "CurrentCount (1) has reached"):
        assert spoiler not in out, spoiler
    code, full, _ = run_cli(capsys, "explain", "concurrency-one")
    assert "T2 waited last" in full and "def check" in full


def test_spoilers_finds_docstring_check_questions_and_comments():
    source = '"""doc"""\nX = 1  # a comment\nQUESTIONS = [\n  ("q", lambda o: 1),\n]\ndef check(o):\n    assert o\n'
    hidden, comments = spoilers(source)
    assert set(hidden) == {1, 3, 4, 5, 6, 7} and comments == {2: 7}


def test_answers_module_names_are_what_scenarios_import():
    """The helpers scenarios use to mark codes exist under the names the README gives."""
    for name in ("error", "wsa_error", "wait_result", "sleep_result", "socket_result", "status"):
        assert callable(getattr(answers, name))


def test_set_and_variants_reach_a_twin_scenario():
    """A -fixed twin runs the sibling file's code (netlib.catalogue.twin); --set and the seed's variant
    change the names that code reads, not a copy of them."""
    outcome = scenario.run(scenario.load("lock-order-inversion-fixed"), snapshots=False)
    assert len(outcome.notes("broadcast")) == 3
    sc = scenario.load("lock-order-inversion-fixed")
    sc.set_constants(["SESSIONS=5", "LEAVING=5"])
    outcome = scenario.run(sc, snapshots=False)
    assert len(outcome.notes("broadcast")) == 5 and outcome.passed
    assert len(scenario.run(sc, seed=0, snapshots=False).notes("broadcast")) == 5    # --set stays for every run
