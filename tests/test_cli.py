"""The kernelsim command: output, exit codes and error messages for user mistakes (DESIGN §8)."""

import json
import subprocess
import sys

import pytest

from kernelsim.cli import main
from helpers import run_cli, write


def test_list_shows_names_and_titles(capsys):
    code, out, _ = run_cli(capsys, "list")
    assert code == 0
    assert "lifo-wakeup" in out and "A completion port releases the thread that waited last" in out


def test_run_narrates_with_arg_lines_and_whys(capsys):
    code, out, _ = run_cli(capsys, "run", "lifo-wakeup")
    assert code == 0
    assert out.startswith("ARG scenario lifo-wakeup\n")
    assert "ARG seed 0" in out and "ARG profile windows" in out
    assert "T3 released with key=7" in out and "newest waiter (LIFO)" in out
    assert "check: passed" in out


def test_run_json_is_one_object(capsys):
    code, out, _ = run_cli(capsys, "run", "lifo-wakeup", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["passed"] is True


def test_failed_claim_exits_1(capsys):
    code, out, _ = run_cli(capsys, "run", "lifo-wakeup", "--profile", "wine")
    assert code == 1
    assert "check: FAILED" in out


def test_unknown_name_suggests_the_closest(capsys):
    code, _, err = run_cli(capsys, "run", "lifo-wakup")
    assert code == 2
    assert "did you mean lifo-wakeup" in err


def test_bad_argument_prints_usage_and_exits_2(capsys):
    code, _, err = run_cli(capsys, "run", "lifo-wakeup", "--seed", "x")
    assert code == 2
    assert "usage:" in err


def test_bad_schedule_exits_2(capsys):
    code, _, err = run_cli(capsys, "run", "lifo-wakeup", "--schedule", "0.a")
    assert code == 2 and "schedule" in err
    code, _, err = run_cli(capsys, "run", "lifo-wakeup", "--schedule", "9")
    assert code == 2 and "option 9" in err


def test_syntax_error_names_file_and_line(capsys, tmp_path):
    path = write(tmp_path, "broken.py", """\
        from kernelsim.win32 import *
        def main():
            yield Sleep(1
        """)
    code, _, err = run_cli(capsys, "run", path)
    assert code == 2
    assert "broken.py" in err and "line 3" in err and "Traceback" not in err


def test_missing_name_at_import_names_file_and_line(capsys, tmp_path):
    path = write(tmp_path, "missing.py", """\
        from kernelsim.win32 import *
        X = NotAName
        def main():
            yield Sleep(1)
        """)
    code, _, err = run_cli(capsys, "run", path)
    assert code == 2 and "missing.py, line 2" in err and "NameError" in err


def test_scenario_without_main_exits_2(capsys, tmp_path):
    path = write(tmp_path, "nomain.py", "TITLE = 'x'\n")
    code, _, err = run_cli(capsys, "run", path)
    assert code == 2 and "main()" in err


def test_scenario_exception_stops_with_file_and_line(capsys, tmp_path):
    path = write(tmp_path, "raises.py", """\
        from kernelsim.win32 import *
        def main():
            yield Sleep(1)
            x = 1 / 0
        """)
    code, _, err = run_cli(capsys, "run", path)
    assert code == 1
    assert "raises.py, line 4" in err and "ZeroDivisionError" in err and "Traceback" not in err


def test_yield_of_a_non_call_stops_with_file_and_line(capsys, tmp_path):
    path = write(tmp_path, "notacall.py", """\
        from kernelsim.win32 import *
        def main():
            yield Sleep(1)
            yield 42
        """)
    code, _, err = run_cli(capsys, "run", path)
    assert code == 1 and "notacall.py, line 4" in err and "not a Win32 call" in err


def test_python_dash_m_entry_point():
    result = subprocess.run([sys.executable, "-m", "kernelsim", "run", "apc-alertable"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "check: passed" in result.stdout


@pytest.mark.parametrize("name", ["concurrency-one", "db-workers", "pqcs-shutdown", "gqcsex-batch"])
def test_issue2_scenarios_pass_from_the_command_line(capsys, name):
    code, out, _ = run_cli(capsys, "run", name)
    assert code == 0 and "check: passed" in out


def test_list_columns_fit_the_terminal_and_wrap_between_words(capsys, monkeypatch):
    """Issue 13 regression: long names no longer push titles out of their column, and a long title or
    Korean TEACHES line wraps at a word boundary under its own column, within the terminal's width
    (terminal cells: a Korean syllable counts two)."""
    from rich.cells import cell_len
    from kernelsim import scenario
    monkeypatch.setenv("COLUMNS", "100")
    code, out, _ = run_cli(capsys, "list")
    assert code == 0
    lines = out.splitlines()
    assert all(cell_len(line) <= 100 for line in lines)
    names = scenario.catalogue_names()
    column = max(len(n) for n in names) + 2
    starts = [line for line in lines if line[:1] != " "]
    assert [line.split()[0] for line in starts] == names
    assert all(line[column - 2:column] == "  " and line[column] != " " for line in starts)
    loaded = [scenario.load(n) for n in names]
    words = set(" ".join(f"{sc.title} teaches: {sc.teaches}" for sc in loaded).split())
    shown = [w for line in lines for w in line[column:].split()]
    assert shown and all(w in words for w in shown)           # every word whole: none cut at the edge


def test_validate_rows_wrap_their_detail_under_it():
    """A validate row: name, verdict, time, then the detail wrapped at word boundaries beneath itself."""
    import os
    from kernelsim.live.commands import row

    class Report:
        name, verdict, seconds = "stale-completion-reused-socket-fixed", "failed", 1.5
        runs, error, reason = [], None, ""
        diffs = [{"what": "T2 notes got key=3 on the model and key=4 live, because the wine profile releases "
                          "waiters oldest first while the live run released the newest"}]
    os.environ["COLUMNS"] = "100"
    try:
        lines = row(Report(), 1, 30).splitlines()
    finally:
        del os.environ["COLUMNS"]
    assert lines[0].startswith("stale-completion-reused-socket-fixed failed")
    indent = len(lines[0]) - len(lines[0].lstrip()) + lines[0].index("1.50 s") + len("1.50 s") + 1
    assert len(lines) > 1 and all(len(line) <= 100 for line in lines)
    assert all(line[:indent].strip() == "" for line in lines[1:])


def test_run_narrates_the_library_line_of_a_library_row(capsys):
    """Rows the network library made carry its file and line (fixed.py:N) in the line column; the
    scenario's own rows keep a bare number, also for a fixed twin whose threads run in its sibling."""
    import re as re_
    assert main(["run", "sendpacket-vs-release-fixed"]) == 0
    out = capsys.readouterr().out
    release = next(line for line in out.splitlines() if "releases session" in line)
    assert re_.search(r"W2\s+fixed\.py:\d+\s+W2 releases session", release)
    assert re_.search(r"logic\s+\d+\s+logic notes reply", out)
