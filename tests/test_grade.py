"""`kernelsim grade FILE` and the assignments shipped with the package (issue 11, part 3)."""

import json
import shutil
from pathlib import Path

import pytest

from kernelsim import classwork, cli
from helpers import run_cli, write

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = ROOT / "assignments"
FAST = ["--budget", "400"]                  # a bounded search keeps the suite quick; the bound is printed


# --- the assignments: each starter fails its grade, each reference solution passes -----------------------

@pytest.mark.parametrize("name", ["send-flag", "gqcs-cases", "predict-the-port"])
def test_each_assignment_has_a_readme_a_starter_and_a_solution_apart(name):
    """An assignment is a folder with a README (the task), a starter and a reference solution; the solution is
    its own file, not in the starter."""
    folder = classwork.path(name)
    for file in ("README.md", "starter.py", "solution.py"):
        assert (folder / file).is_file(), file
    assert (folder / "starter.py").read_text() != (folder / "solution.py").read_text()
    assert "kernelsim grade starter.py" in (folder / "README.md").read_text()


def test_the_library_fix_starter_fails_with_the_shortest_schedule_and_its_replay(capsys):
    """send-flag: the starter's read-then-set flag holds on the default schedule, and the search finds a
    schedule with two WSASends in the kernel at once; grade prints it, minimised, with the replay commands."""
    starter = str(ASSIGNMENTS / "send_flag" / "starter.py")
    code, out, _ = run_cli(capsys, "grade", starter, *FAST)
    assert code == 1
    assert "✓ the default schedule" in out and "✗ the schedule search" in out
    assert "one WSASend at a time per session" in out and "shortest failing schedule:" in out
    schedule = out.split("shortest failing schedule: ")[1].split()[0]
    assert f"kernelsim run {starter} --schedule '{schedule}'" in out
    assert "score: 1/2 (50%)" in out
    code, replay, _ = run_cli(capsys, "run", starter, "--schedule", schedule)
    assert code == 1 and "one WSASend at a time per session" in replay        # the replay fails the same way


@pytest.mark.parametrize("folder", ["send_flag", "gqcs_cases", "predict_the_port"])
def test_every_starter_fails_and_every_solution_passes(folder, capsys):
    """The starter of every assignment is graded 1 (not done yet); its reference solution 0."""
    code, out, _ = run_cli(capsys, "grade", str(ASSIGNMENTS / folder / "starter.py"), *FAST)
    assert code == 1 and "FAILED: fix the file" in out
    code, out, _ = run_cli(capsys, "grade", str(ASSIGNMENTS / folder / "solution.py"), *FAST)
    assert code == 0, out
    assert "every claim held in every schedule searched" in out and "(100%)" in out


def test_a_prediction_sheet_scores_one_point_per_prediction(capsys, tmp_path):
    """predict-the-port: each prediction is a point, graded forgivingly ('false, NULL, 258' is
    FALSE, NULL, WAIT_TIMEOUT (258)); a wrong one costs its point and is named, its answer is not shown."""
    source = (ASSIGNMENTS / "predict_the_port" / "solution.py").read_text()
    sheet = source.replace('1: "T3"', '1: "T1"').replace('4: "false, NULL, 258"', '4: "FALSE, 0, WAIT_TIMEOUT"')
    path = write(tmp_path, "mine.py", sheet)
    code, out, _ = run_cli(capsys, "grade", path, *FAST)
    assert code == 1
    assert "✗ prediction Q1 — you wrote 'T1'" in out and "✓ prediction Q4" not in out.replace("✗ prediction Q4", "")
    assert "✓ prediction Q2" in out and "✓ prediction Q5" in out and "T3" not in out
    assert "score: 5/7" in out


def test_grade_json(capsys):
    code, out, _ = run_cli(capsys, "grade", str(ASSIGNMENTS / "gqcs_cases" / "solution.py"), "--json", *FAST)
    data = json.loads(out)
    assert code == 0 and data["passed"] is True and data["score"] == data["max_score"] == 2
    assert data["search"]["failed"] is False and data["search"]["schedules"] >= 1


# --- explore's options, through one shared definition ----------------------------------------------------

def _options(command):
    parser = cli.build_parser()
    sub = parser.commands[command]
    return {s for action in sub._actions for s in action.option_strings} - {"-h", "--help", "--lang"}


def test_grade_takes_every_option_explore_takes():
    """grade's options are explore's (explore.add_search_options): a new explore option reaches grade."""
    cli._load_extensions()
    assert _options("explore") <= _options("grade")
    assert {"--strategy", "--max-preemptions", "--budget", "--time", "--set"} <= _options("grade")


def test_grade_passes_explore_options_to_the_search(capsys):
    """--strategy pct and --max-preemptions reach the search; the search is capped at 60 s whatever --time says."""
    path = str(ASSIGNMENTS / "send_flag" / "starter.py")
    code, out, _ = run_cli(capsys, "grade", path, "--strategy", "pct", "--max-preemptions", "3", "--time", "500",
                           "--budget", "300")
    assert "strategy pct, PCT depth 4" in out and "at most 60 s" in out


# --- bad input ------------------------------------------------------------------------------------------------

def test_grade_a_file_that_does_not_load_names_file_and_line(capsys, tmp_path):
    """A syntax error: the file and the line, exit 2, no traceback."""
    path = write(tmp_path, "broken.py", """\
        from kernelsim.win32 import *
        def main():
            yield Sleep(1
        """)
    code, out, err = run_cli(capsys, "grade", path)
    assert code == 2 and path in err and "line 3" in err and "Traceback" not in err
    code, _, err = run_cli(capsys, "grade", str(tmp_path / "missing.py"))
    assert code == 2 and "no scenario file" in err


def test_grade_a_scenario_that_crashes(capsys, tmp_path):
    """A scenario that raises: graded 0 for the default schedule, exit 1, and the line is named."""
    path = write(tmp_path, "crash.py", """\
        from kernelsim.win32 import *
        def main():
            yield Sleep(1)
            raise RuntimeError("oops")
        """)
    code, out, _ = run_cli(capsys, "grade", path)
    assert code == 1 and "the scenario crashed" in out and "line 4" in out and "score: 0/1" in out


def test_predictions_must_name_existing_questions(capsys, tmp_path):
    path = write(tmp_path, "sheet.py", """\
        from kernelsim.win32 import *
        QUESTIONS = [("one?", lambda o: 1)]
        PREDICTIONS = {1: "1", 3: "x"}
        def main():
            yield Sleep(1)
        """)
    code, _, err = run_cli(capsys, "grade", path)
    assert code == 2 and "PREDICTIONS names question(s) 3, but QUESTIONS has 1" in err


# --- kernelsim assignments -----------------------------------------------------------------------------------

def test_assignments_lists_and_copies_without_the_solution(capsys, tmp_path):
    """`kernelsim assignments` lists them; `NAME --out DIR` copies README and starter (not the solution);
    `--solution` adds it — and the copied starter grades as the original does."""
    code, out, _ = run_cli(capsys, "assignments")
    assert code == 0 and all(n in out for n in ("send-flag", "gqcs-cases", "predict-the-port"))
    code, out, _ = run_cli(capsys, "assignments", "gqcs-cases", "--out", str(tmp_path))
    assert code == 0 and sorted(p.name for p in (tmp_path / "gqcs-cases").iterdir()) == ["README.md", "starter.py"]
    code, out, _ = run_cli(capsys, "assignments", "gqcs-cases", "--out", str(tmp_path), "--solution")
    assert (tmp_path / "gqcs-cases" / "solution.py").is_file()
    code, out, _ = run_cli(capsys, "grade", str(tmp_path / "gqcs-cases" / "starter.py"))
    assert code == 1


@pytest.mark.parametrize("argv,message", [(["assignments", "send-flg"], "did you mean send-flag"),
                                          (["assignments", "send-flag", "--out", "/nonexistent/x"], "no such folder"),
                                          (["assignments", "--solution"], "need an assignment NAME")])
def test_assignments_bad_input(capsys, argv, message):
    code, _, err = run_cli(capsys, *argv)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_assignments_are_found_from_an_installed_layout(tmp_path, monkeypatch):
    """Installed, the assignments sit in kernelsim/assignments (package data): folder() finds them there."""
    fake = tmp_path / "kernelsim"
    shutil.copytree(ASSIGNMENTS, fake / "assignments")
    monkeypatch.setattr(classwork, "__file__", str(fake / "classwork.py"))
    assert classwork.folder() == fake / "assignments"
    assert "send-flag" in classwork.names()
