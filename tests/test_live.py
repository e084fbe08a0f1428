"""``kernelsim live`` under Wine 8: the catalogue's scenarios run on real Win32 and the ``wine`` model agrees.

These tests skip only when Wine or mingw-w64 is truly absent (they say so,
with the apt command).  One wineserver serves the whole test session
(``wine.shared_session``); each live run is a fresh probe.exe (tens of ms warm).
"""

import json
import textwrap

import pytest

from kernelsim import cli
from kernelsim import scenario as scenarios
from kernelsim.live import commands, compare, wine
from kernelsim.live.backend import LiveMs, LiveRun
from kernelsim.live.client import LiveError, ProbeTransport


@pytest.fixture(scope="module")
def session():
    lacking = wine.missing()
    if lacking:
        pytest.skip(f"Wine or mingw-w64 is absent, so the live tests cannot run: {lacking}")
    return wine.shared_session()


def _make(session, watchdog=10.0):
    return lambda: ProbeTransport(session.command(), env=session.env, watchdog=watchdog).start()


AGREEING = ["apc-alertable", "gqcsex-batch", "pqcs-shutdown", "immediate-success-packet", "skip-on-success",
            "recv0-graceful-close", "cancelioex", "iocp-keys", "overlapped-event"]
NEEDS_WINDOWS = {"lifo-wakeup": "A4", "concurrency-one": "A2", "peer-rst": "D6", "closesocket-pending-recv": "D7"}


@pytest.mark.parametrize("name", AGREEING)
def test_claims_hold_live_and_the_wine_model_agrees(session, name):
    """DESIGN §6 / WINE.md: these claims hold on real Win32 (Wine 8) and the model with the wine
    profile made exactly the notes the live run made, thread by thread (A11, F1–F5, A13, C2, C4, B5,
    B6, D1, D2, D5, B12, B8)."""
    report = compare.compare(scenarios.load(name), _make(session), "wine")
    assert report.error is None, report.error
    assert report.claim == "held", report.claim_detail
    assert report.agrees, report.note_diffs
    if name != "pqcs-shutdown":        # its two workers race for the one job when both wait at once
        assert report.agreement == "agrees", report.note_diffs_shown


@pytest.mark.parametrize("name,rule", sorted(NEEDS_WINDOWS.items()))
def test_wine_deviations_are_marked_needs_windows_and_predicted(session, name, rule):
    """WINE.md: a claim about a Wine 8 deviation (A4 LIFO, A2 concurrency, D6 RST, D7 close codes) fails
    on Wine as the wine model predicts; it is reported "needs Windows" with the rule's reason."""
    report = compare.compare(scenarios.load(name), _make(session), "wine")
    assert report.claim == "needs Windows", (report.claim, report.claim_detail)
    assert any(d.startswith(rule + ":") for d in report.claim_detail)
    assert report.agrees, report.note_diffs
    assert report.ok


def test_a_predicted_hang_is_stopped_and_counts_as_agreement(session):
    """A10 on Wine 8: closing a port never wakes its GQCS waiter; the wine model predicts the hang, the
    live run is stopped by a short watchdog, and the claim needs Windows."""
    report = compare.compare(scenarios.load("gqcs-returns"), _make(session), "wine")
    assert report.hung_as_predicted and "GetQueuedCompletionStatus" in report.hung_as_predicted
    assert report.claim == "needs Windows" and report.ok
    assert report.seconds < 2 * compare.HANG_WATCHDOG + 2


def test_watchdog_names_the_thread_and_the_call(session, tmp_path):
    """Robustness: a live call that does not return within the watchdog ends the run with a message
    naming the thread, the call and its line — never a hang."""
    path = tmp_path / "stuck.py"
    path.write_text(textwrap.dedent("""
        from kernelsim.win32 import *

        def main():
            event = yield CreateEvent(None, False, False, None)
            yield WaitForSingleObject(event, INFINITE)
    """))
    sc = scenarios.load(str(path))
    run = LiveRun(sc, _make(session, watchdog=0.5)(), watchdog=0.5)
    with pytest.raises(LiveError) as err:
        run.run()
    message = str(err.value)
    assert "thread main hung" in message and "WaitForSingleObject" in message and "stuck.py:6" in message


def test_live_times_compare_within_the_tolerance():
    """Live note times are real ms: == against a number holds within 5 ms + 10 %; ordering against a
    number has the same slack, between two live times it is exact (so sorting works)."""
    t = LiveMs(12.0)
    assert t == 10 and t != 20 and t + 40 == 50 and t <= 10 and not (t < 5)
    assert sorted([LiveMs(3.0), LiveMs(1.0), LiveMs(2.0)]) == [1.0, 2.0, 3.0]
    assert not (LiveMs(2.0) < LiveMs(1.5))


def test_live_command_prints_both_sides_and_exits_0(session, capsys):
    """CLI §8: kernelsim live NAME --json prints one object with both runs' notes and the verdict; exit 0."""
    code = cli.main(["live", "apc-alertable", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["verdict"] == "held" and data["model_agrees"] and data["profile"] == "wine"
    assert [n["tag"] for n in data["live_notes"]] == [n["tag"] for n in data["model_notes"]]


def test_missing_wine_is_a_one_line_message_and_exit_2(monkeypatch, capsys):
    """Robustness: without Wine the command says what to install (the exact apt command), exit 2."""
    monkeypatch.setattr(wine, "find_wine", lambda: None)
    code = cli.main(["live", "apc-alertable"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and wine.APT_COMMAND in err


def test_ctypes_backend_is_refused_off_windows(capsys):
    """CLI: --backend ctypes on Linux is a usage error (exit 2)."""
    if commands.sys.platform == "win32":
        pytest.skip("on Windows ctypes is the native backend")
    assert cli.main(["live", "apc-alertable", "--backend", "ctypes"]) == 2


def test_no_wine_process_remains_after_a_run(session):
    """Robustness: the probe is gone when its run ends, and when the session ends the prefix's
    wineserver and Wine's helper processes exit too (unless another session still uses the prefix)."""
    import os
    import time
    made = []
    report = compare.compare(scenarios.load("pqcs-shutdown"), lambda: made.append(_make(session)()) or made[-1],
                             "wine")
    assert report.ok
    probe = made[0].proc
    assert probe.poll() is not None, "the probe process ended with the run"
    prefix, ours = session.prefix, session.server
    wine.stop_shared_session()
    deadline = time.monotonic() + 15
    while wine.processes_of(prefix) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = wine.processes_of(prefix)
    others = [pid for pid in left if _runs_a_probe(pid)]
    if others:
        pytest.skip(f"another kernelsim session still uses {prefix} (probe pids {others}); cannot check cleanup")
    assert left == [], f"processes of the prefix left: {left}"
    assert ours.poll() is not None and not os.path.exists(f"/proc/{probe.pid}")


def _runs_a_probe(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"probe-" in f.read()
    except OSError:
        return False
