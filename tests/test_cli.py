"""The kernelsim command: output, exit codes and error messages for user mistakes (DESIGN §8)."""

import json
import subprocess
import sys
import textwrap

import pytest

from kernelsim.cli import main


def run_cli(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:          # argparse usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


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
