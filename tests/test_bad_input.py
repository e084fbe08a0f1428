"""Bad input gets a clear message, never a traceback (issue 13, DESIGN §8 exit codes).

* A Win32 call made with arguments no Win32 program could pass (a string timeout, a negative
  Sleep, bytes as a WSABUF, a string as an OVERLAPPED) fails the scenario at its file and line
  with a one-line reason: exit 1.  The kinds are one table (kernelsim/win32/signatures.py).
* Misuse that Windows itself reports keeps Windows' answer (an invalid handle, a NULL buffer).
* An output file that cannot be written: one line, exit 2; at the stepper's prompt the session
  goes on.  Options that contradict each other or would be ignored: usage, exit 2.
* Duplicate thread names are refused; ``--version``; a hang prints only the hang's verdict.
"""

import inspect
import io
import subprocess
import sys
import textwrap

import pytest

from kernelsim import scenario
from kernelsim.model import ScenarioError
from kernelsim.win32 import (CreateIoCompletionPort, CreateThread, ERROR_INVALID_HANDLE, GetLastError,
                             GetQueuedCompletionStatus, INFINITE, INVALID_HANDLE_VALUE, OVERLAPPED,
                             PostQueuedCompletionStatus, SOCKET_ERROR, Sleep, WSABUF, WSAEFAULT, WSAGetLastError,
                             WSARecv, note, tcp_pair)
from kernelsim.win32 import calls, signatures

from helpers import run, run_cli


def write(tmp_path, text, name="bad.py"):
    path = tmp_path / name
    path.write_text("from kernelsim.win32 import *\n" + textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return str(path)


def scenario_error(main):
    """Run main as a scenario → the ScenarioError it fails with."""
    with pytest.raises(ScenarioError) as info:
        run(main)
    return info.value


def line_of(main, text):
    lines, first = inspect.getsourcelines(main)
    return first + next(i for i, line in enumerate(lines) if text in line)


# --- nonsense arguments: the scenario fails at its line ----------------------------------------

def test_a_string_timeout_fails_the_scenario_at_its_line_without_a_traceback(tmp_path, capsys):
    """GetQueuedCompletionStatus(port, "forever") used to be a SimPy traceback: now one line naming the
    file, the line, the parameter and what it must be; exit 1."""
    path = write(tmp_path, """
        def main():
            port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
            yield GetQueuedCompletionStatus(port, "forever")
        """)
    code, out, err = run_cli(capsys, "run", path)
    assert code == 1
    assert err.strip().splitlines() == [f"kernelsim: the scenario failed: {path}, line 4: GetQueuedCompletionStatus: "
                                        "dwMilliseconds must be a number of milliseconds from 0 to 4294967294, "
                                        "or INFINITE, not 'forever'"]
    assert "Traceback" not in out + err


def test_a_negative_sleep_names_its_line():
    """Sleep(-5) was 'Negative delay -5' with no file or line."""
    def main():
        yield Sleep(-5)
    exc = scenario_error(main)
    assert (exc.file, exc.line) == (__file__, line_of(main, "Sleep(-5)"))
    assert exc.message.startswith("Sleep: dwMilliseconds must be") and "not -5" in exc.message


def test_bytes_passed_as_a_wsabuf_fail_the_scenario():
    """A WSABUF that is not one is not something Windows can see (C would not compile it)."""
    def main():
        server, client = yield tcp_pair()
        yield WSARecv(server, b"not a wsabuf", OVERLAPPED())
    exc = scenario_error(main)
    assert exc.line == line_of(main, "not a wsabuf")
    assert "WSARecv: lpBuffers must be a WSABUF or a list of WSABUFs" in exc.message


def test_a_string_passed_as_an_overlapped_fails_the_scenario():
    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        yield PostQueuedCompletionStatus(port, 0, 1, "not an overlapped")
    exc = scenario_error(main)
    assert exc.line == line_of(main, "not an overlapped")
    assert exc.message == ("PostQueuedCompletionStatus: lpOverlapped must be an OVERLAPPED or None, "
                           "not 'not an overlapped'")


def test_a_thread_name_that_is_not_a_string_fails_the_scenario():
    def worker():
        yield Sleep(1)

    def main():
        yield CreateThread(worker, name=7)
    assert "CreateThread: name must be a string or None, not 7" in scenario_error(main).message


def test_what_windows_reports_still_returns_windows_codes():
    """An invalid handle → ERROR_INVALID_HANDLE; a NULL lpBuffers → WSAEFAULT: Windows' answers, not
    scenario errors (only Python-level nonsense is refused at the surface)."""
    def main():
        r = yield GetQueuedCompletionStatus(123456, 0)
        e = yield GetLastError()
        server, client = yield tcp_pair()
        rc = yield WSARecv(server, None, OVERLAPPED())
        w = yield WSAGetLastError()
        yield note("r", gqcs=r, gqcs_error=e, recv=rc[0], recv_error=w)
    n = run(main).note("r")
    assert (n.gqcs, n.gqcs_error) == ((False, 0, 0, None), ERROR_INVALID_HANDLE)
    assert (n.recv, n.recv_error) == (SOCKET_ERROR, WSAEFAULT)


def test_the_argument_table_covers_every_call_that_takes_arguments():
    """One table of argument kinds for the whole surface: every call with a parameter is in it, and every
    entry names a real call whose parameter count it matches."""
    free = {"GetCurrentThread", "GetCurrentProcess", "GetLastError", "WSAGetLastError", "WSACreateEvent",
            "tcp_pair", "memory"}
    for name in calls.NAMES:
        func = getattr(calls, name)
        params = [p for p in inspect.signature(func).parameters.values() if p.kind != p.VAR_KEYWORD]
        if params:
            assert name in signatures.SPECS, f"{name} takes arguments but has no entry in signatures.SPECS"
        else:
            assert name in free, name
    for name, spec in signatures.SPECS.items():
        assert name in calls.NAMES, name
        positional = spec[0] if len(spec) == 2 and isinstance(spec[1], dict) else spec
        params = [p for p in inspect.signature(getattr(calls, name)).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        assert len(positional) == len(params), name


@pytest.mark.parametrize("call, args", [
    (calls.Sleep, (1.5,)), (calls.Sleep, (INFINITE,)), (calls.SleepEx, (0, True)),
    (calls.WaitForMultipleObjects, ([4, 8], True, 10)), (calls.WSARecv, (4, [WSABUF(1), WSABUF(2)], None)),
    (calls.GetQueuedCompletionStatusEx, (8, 0, 0, False)), (calls.CreateIoCompletionPort, (-1, None, "key", 0))])
def test_arguments_a_program_can_pass_are_accepted(call, args):
    """The kinds are not stricter than Windows: fractional milliseconds (the model's time), INFINITE,
    TRUE as bool, a list of WSABUFs, a count of 0 (GQCSEx answers ERROR_INVALID_PARAMETER), any key."""
    assert call(*args).name == call.__name__


# --- output files ------------------------------------------------------------------------------

@pytest.mark.parametrize("option", ["--svg", "--perfetto", "--html"])
def test_an_export_to_a_missing_folder_is_one_line_and_exit_2(tmp_path, capsys, option):
    target = str(tmp_path / "no-such-folder" / "out.file")
    code, out, err = run_cli(capsys, "run", "lifo-wakeup", option, target)
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [f"kernelsim: {option} {target}: the folder {tmp_path / 'no-such-folder'} "
                                        "does not exist"]


def test_an_export_to_a_folder_is_one_line_and_exit_2(tmp_path, capsys):
    code, out, err = run_cli(capsys, "run", "lifo-wakeup", "--svg", str(tmp_path))
    assert code == 2 and out == ""
    assert err.strip() == f"kernelsim: --svg {tmp_path}: that is a folder; give a file name in it"


def test_svg_at_the_prompt_to_a_bad_path_keeps_the_session(tmp_path):
    """At the stepper's prompt, svg to a missing folder says why in one line and the session goes on."""
    from kernelsim.ui import view
    from kernelsim.ui.stepper import Stepper, prompt_loop
    from rich.console import Console
    sc = scenario.load("lifo-wakeup")
    stepper = Stepper(view.frames(sc, scenario.run(sc)))
    answers = iter([f"svg {tmp_path}/missing/x.svg", "f", f"svg {tmp_path}/ok.svg", "q"])
    out = io.StringIO()
    assert prompt_loop(stepper, Console(file=out, width=100), read=lambda prompt: next(answers)) == 0
    text = " ".join(out.getvalue().split())             # rich wraps the message at the console's width
    assert f"cannot write {tmp_path}/missing/x.svg: No such file or directory" in text
    assert stepper.index == 1 and (tmp_path / "ok.svg").read_text(encoding="utf-8").startswith("<svg")


# --- threads ----------------------------------------------------------------------------------

def test_a_duplicate_thread_name_is_refused_at_create_thread():
    def worker():
        yield Sleep(1)

    def main():
        yield CreateThread(worker, name="W1")
        yield CreateThread(worker, name="W1")
    exc = scenario_error(main)
    assert exc.line == line_of(main, 'name="W1")\n') + 1
    assert exc.message.startswith("CreateThread: a thread named 'W1' already exists")


def test_an_unnamed_thread_does_not_take_a_name_already_given():
    def worker():
        yield Sleep(1)

    def main():
        yield CreateThread(worker, name="T1")
        yield CreateThread(worker)
        yield Sleep(5)
    assert [t.name for t in run(main).kernel.threads] == ["main", "T1", "T2"]


# --- options ------------------------------------------------------------------------------------

@pytest.mark.parametrize("argv, problem", [
    (["run", "lifo-wakeup", "--step", "3"], "--step picks the step to draw: give it with --svg FILE or --html FILE"),
    (["run", "lifo-wakeup", "--width", "80"], "--width is the SVG's width in columns: give it with --svg FILE"),
    (["step", "lifo-wakeup", "--svg", "x.svg", "--ui", "plain"], "--ui plain has no effect when step exports"),
    (["explore", "counter-race", "--budget", "0"], "argument --budget: must be at least 1, not 0"),
    (["explore", "counter-race", "--time", "-1"], "argument --time: must not be negative, not -1"),
    (["explore", "counter-race", "--strategy", "dfs", "--seed", "3"], "--seed steers --strategy random or pct"),
    (["explore", "counter-race", "--max-preemptions", "-1"], "argument --max-preemptions: must not be negative"),
    (["run", "lifo-wakeup", "--spin-limit", "0"], "argument --spin-limit: must be at least 1, not 0"),
    (["run", "lifo-wakeup", "--max-events", "-5"], "argument --max-events: must be at least 1, not -5"),
])
def test_contradictory_or_ignored_options_are_usage_errors(capsys, argv, problem):
    code, out, err = run_cli(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("usage: kernelsim " + argv[0]) and problem in err


def test_version(capsys):
    from kernelsim import __version__
    code, out, _ = run_cli(capsys, "--version")
    assert code == 0 and out.strip() == f"kernelsim {__version__}"


def test_a_hang_prints_only_the_hang_verdict(tmp_path, capsys):
    """A scenario without a check that hangs: the verdict is the hang, not also 'check: none declared'."""
    path = write(tmp_path, """
        def main():
            event = yield CreateEvent(None, True, False, None)
            yield WaitForSingleObject(event, INFINITE)
        """)
    code, out, _ = run_cli(capsys, "run", path)
    verdicts = [line for line in out.splitlines() if line.startswith("check:")]
    assert code == 1
    assert verdicts == ["check: FAILED: the run did not finish: hang — main waits on event 8"]


def test_no_traceback_from_a_bad_scenario_in_a_fresh_process(tmp_path):
    """The same, end to end: python -m kernelsim on a scenario with a nonsense argument prints one line."""
    path = write(tmp_path, """
        def main():
            yield Sleep("ten")
        """)
    proc = subprocess.run([sys.executable, "-m", "kernelsim", "run", path], capture_output=True, text=True)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == (f"kernelsim: the scenario failed: {path}, line 3: Sleep: dwMilliseconds must be "
                                   "a number of milliseconds from 0 to 4294967294, or INFINITE, not 'ten'")
