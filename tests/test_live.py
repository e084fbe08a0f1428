"""``kernelsim live`` under Wine 8: catalogue scenarios on real Win32, compared strictly with the model.

These tests skip only when Wine or mingw-w64 is truly absent (they say so,
with the apt command).  One wineserver serves the whole test session
(``wine.shared_session``); each live run is a fresh probe.exe (tens of ms warm).
"""

import json
import os
import textwrap

import pytest

from kernelsim import cli
from kernelsim import scenario as scenarios
from kernelsim.live import commands, oracle, wine
from kernelsim.live.backend import LiveRun
from kernelsim.live.client import LiveError, ProbeTransport

from helpers import NONBLOCKING_CONNECT, UNREAD_CLOSE

from kernelsim.win32 import WSAECONNRESET


@pytest.fixture(scope="module")
def session():
    lacking = wine.missing()
    if lacking:
        pytest.skip(f"Wine or mingw-w64 is absent, so the live tests cannot run: {lacking}")
    return wine.shared_session()


def _make(session, watchdog=10.0):
    return lambda: ProbeTransport(session.command(), env=session.env, watchdog=watchdog).start()


def _check(session, sc, profile="wine", **kw):
    if isinstance(sc, str):
        sc = scenarios.load(sc)
    return oracle.check(sc, _make(session), "wine", profile, **kw)


def _scenario(tmp_path, source, name="case.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return scenarios.load(str(path))


def test_the_catalogue_holds_strictly_on_wine8(session):
    """Issue 9: every catalogue scenario that can run live is 'held' on Wine 8 with the wine profile —
    per thread, in order, the same notes, the same calls with the same results and last errors, the same
    claims — or declares why it cannot run live (a race, Linux's socket buffering, no live gauge)."""
    reports = [_check(session, name) for name in scenarios.catalogue_names()]
    bad = {r.name: (r.verdict, str(r.error) if r.error else None, [d["what"] for d in r.diffs])
           for r in reports if r.verdict not in ("held", "not live")}
    assert not bad, bad
    assert sum(r.verdict == "held" for r in reports) >= 20
    assert all(r.reason for r in reports if r.verdict == "not live")


def test_a_deviation_names_the_switch(session, tmp_path):
    """Issue 9: under the windows profile, CancelIoEx(h, NULL) with nothing pending differs on Wine 8 (TRUE,
    not FALSE/1168); the live run equals the model with cancel_all_empty_ok=True, so the verdict is
    'deviation' and the report names that switch and the profile that sets it."""
    sc = _scenario(tmp_path, """
        from kernelsim.win32 import *

        def main():
            server, client = yield tcp_pair()
            ok = yield CancelIoEx(server, None)
            yield note("cancel", ok=ok, error=(yield GetLastError()))
    """)
    report = _check(session, sc, profile="windows")
    assert report.verdict == "deviation", report.diffs
    assert report.switch == [("cancel_all_empty_ok", True)]
    data = report.to_json()
    assert data["switch"] == "cancel_all_empty_ok=True" and data["switch_profiles"] == ["wine"]
    assert any(d["kind"] == "note" for d in data["differences"])
    assert _check(session, sc).verdict == "held"              # the wine profile predicts it


def test_closing_with_data_unread_resets_on_wine8_too(session, tmp_path):
    """D6 / RFC 1122 4.2.2.13: a connection closed with received data unread is reset, on Wine 8 as on Windows:
    the client's next send fails with WSAECONNRESET (10054).  Its recv afterwards returns 0 on Wine 8, not
    10054: that is rst_recv_fails=False, the deviation the windows profile names, and the wine profile holds."""
    sc = _scenario(tmp_path, UNREAD_CLOSE)
    report = _check(session, sc, profile="windows")
    assert report.verdict == "deviation", report.diffs
    assert report.switch == [("rst_recv_fails", False)]
    held = _check(session, sc)
    assert held.verdict == "held", held.diffs
    notes = held.live.outcome.notes()
    assert [(n.tag, n.error) for n in notes] == [("send", WSAECONNRESET), ("recv", 0)]


def test_a_nonblocking_connect_holds_strictly_on_wine8(session, tmp_path):
    """D13 / MS connect: on Wine 8 a non-blocking connect returns 10035 and records FD_CONNECT|FD_WRITE with
    error 0; a refused one records FD_CONNECT with 10061 — as the model says (held, windows profile too)."""
    sc = _scenario(tmp_path, NONBLOCKING_CONNECT)
    for profile in ("wine", "windows"):
        report = _check(session, sc, profile=profile)
        assert report.verdict == "held", report.diffs
    assert [n.error for n in report.live.outcome.notes("refused-events")] == [10061]


def test_the_apc_sees_the_last_error_of_the_thread_it_interrupts(session, tmp_path):
    """Probe fix (issue 9): apc_trampoline called TlsGetValue before saving the last error, which cleared
    it.  A user APC run inside an alertable SleepEx now reads the error the thread had (1234), on Wine 8
    as in the model."""
    sc = _scenario(tmp_path, """
        from kernelsim.win32 import *

        def apc(arg):
            yield note("apc", error=(yield GetLastError()))

        def main():
            yield SetLastError(1234)
            yield QueueUserAPC(apc, (yield GetCurrentThread()), 1)
            yield SetLastError(1234)
            yield SleepEx(0, TRUE)
            yield note("after", error=(yield GetLastError()))

        def check(outcome):
            assert outcome.note("apc").error == 1234
    """)
    report = _check(session, sc)
    assert report.verdict == "held", report.diffs
    assert [n.error for n in report.live.outcome.notes()] == [1234, 1234]


def test_a_predicted_hang_is_stopped_by_the_watchdog(session):
    """A10 on Wine 8: closing a port never wakes its GQCS waiter; the wine model predicts that hang, the
    live run is stopped by a short watchdog that names the thread and the call, and the verdict holds."""
    sc = _scenario_hang()
    report = _check(session, sc)
    assert report.live.hang[0]["thread"] == "W" and report.live.hang[0]["call"] == "GetQueuedCompletionStatus"
    assert report.verdict == "held", report.diffs
    assert report.seconds < 2 * oracle.HANG_WATCHDOG + 3
    assert report.to_json()["hang"]["line"] == report.live.hang[0]["line"]


def _scenario_hang():
    import tempfile
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "port_close_hang.py")
    with open(path, "w") as f:
        f.write(textwrap.dedent("""
            from kernelsim.win32 import *

            def waiter(port, ready):
                yield SetEvent(ready)
                yield GetQueuedCompletionStatus(port, INFINITE)

            def main():
                port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
                ready = yield CreateEvent(None, False, False, None)
                w = yield CreateThread(waiter, port, ready, name="W")
                yield WaitForSingleObject(ready, INFINITE)
                yield Sleep(20)
                yield CloseHandle(port)
                yield WaitForSingleObject(w, INFINITE)
        """))
    return scenarios.load(path)


def test_a_deadlock_is_a_hang_and_fails(session, tmp_path):
    """Robustness (issue 9): a scenario that deadlocks is reported as a hang naming the thread and the
    call, never as agreement — even though the model never finishes either."""
    sc = _scenario(tmp_path, """
        from kernelsim.win32 import *

        def main():
            event = yield CreateEvent(None, False, False, None)
            yield WaitForSingleObject(event, INFINITE)
    """)
    report = _check(session, sc, watchdog=0.5)
    assert report.verdict == "failed"
    assert report.live.hang[0] == {"thread": "main", "call": "WaitForSingleObject", "line": 6}
    assert any("deadlocks" in d["what"] for d in report.diffs)


def test_the_overall_timeout_names_the_threads_inside_calls(session, tmp_path):
    """--timeout S ends a live run that goes on too long even though no single call hangs, naming the
    thread and the call it was in."""
    sc = _scenario(tmp_path, """
        from kernelsim.win32 import *

        def main():
            while True:
                yield Sleep(50)
    """)
    report = _check(session, sc, timeout=1.0)
    assert report.verdict == "failed"
    assert report.live.hang[0]["thread"] == "main" and report.live.hang[0]["call"] == "Sleep"
    assert "--timeout" in report.live.outcome.failures[-1]


def test_watchdog_names_the_thread_and_the_call(session, tmp_path):
    """Robustness: a live call that does not return within the watchdog ends the run with a message
    naming the thread, the call and its line — never a hang."""
    sc = _scenario(tmp_path, """
        from kernelsim.win32 import *

        def main():
            event = yield CreateEvent(None, False, False, None)
            yield WaitForSingleObject(event, INFINITE)
    """, name="stuck.py")
    # 2 s: on a loaded machine the first call's round trip (CreateEvent) can itself take 0.5 s
    run = LiveRun(sc, _make(session, watchdog=2.0)(), watchdog=2.0)
    with pytest.raises(LiveError) as err:
        run.run()
    message = str(err.value)
    assert "thread main hung" in message and "WaitForSingleObject" in message and "stuck.py:6" in message


def test_live_json_keeps_the_contract(session, capsys):
    """DESIGN (second round): live --json prints one object with scenario, verdict, model_notes and
    live_notes (thread, tag, time, fields), unordered_tags, the switch and the differences; exit 0."""
    code = cli.main(["live", "apc-alertable", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    for key in ("scenario", "verdict", "model_notes", "live_notes", "unordered_tags", "switch", "differences"):
        assert key in data
    assert data["verdict"] == "held" and data["profile"] == "wine" and data["differences"] == []
    assert [(n["thread"], n["tag"]) for n in data["live_notes"]] == [(n["thread"], n["tag"])
                                                                  for n in data["model_notes"]]
    assert all("time" in n for n in data["live_notes"])


def test_validate_json_is_a_list_with_repeats(session, capsys):
    """DESIGN: validate --json prints a list of such objects; --repeat N runs each N times and keeps every
    run's verdict (no hidden retries: a disagreement is 'flaky', never a second chance)."""
    code = cli.main(["validate", "apc-alertable", "gqcsex-batch", "--repeat", "2", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert isinstance(data, list) and [d["scenario"] for d in data] == ["apc-alertable", "gqcsex-batch"]
    assert all(d["repeat"] == 2 and [r["verdict"] for r in d["runs"]] == ["held", "held"] for d in data), \
        [(d["scenario"], d["runs"]) for d in data]
    assert code == 0


def test_flaky_when_repeats_disagree():
    """oracle.stable: runs of one scenario that do not all give the same result are 'flaky'."""
    sc = scenarios.load("apc-alertable")
    def report(verdict, diffs=()):
        r = oracle.Report(sc, "wine", "wine")
        r.verdict, r.diffs = verdict, list(diffs)
        return r
    assert oracle.stable([report("held"), report("failed", [{"kind": "claims", "what": "x"}])]).verdict == "flaky"
    assert oracle.stable([report("held"), report("held")]).verdict == "held"
    both_failed = [report("failed", [{"kind": "claims"}]), report("failed", [{"kind": "note", "thread": "T1"}])]
    assert oracle.stable(both_failed).verdict == "flaky"          # failed twice, but differently


def test_missing_wine_is_a_one_line_message_and_exit_2(monkeypatch, capsys):
    """Robustness: without Wine the command says what to install (the exact apt command), exit 2."""
    monkeypatch.delenv("KERNELSIM_WINE", raising=False)
    monkeypatch.setattr(wine, "find_wine", lambda: None)
    code = cli.main(["live", "apc-alertable"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and wine.APT_COMMAND in err


def test_a_missing_launcher_names_itself_and_the_fix(tmp_path, capsys, monkeypatch):
    """Issue 9: --wine PATH (or KERNELSIM_WINE) that does not exist: one line naming the path and the
    command that makes it (tools/wine10.sh for a Wine 10 launcher), exit 2."""
    missing = tmp_path / "wine10" / "bin" / "wine64"
    assert cli.main(["live", "apc-alertable", "--wine", str(missing)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(missing) in err and "tools/wine10.sh" in err
    monkeypatch.setenv("KERNELSIM_WINE", str(missing))
    assert cli.main(["validate", "apc-alertable"]) == 2
    assert "KERNELSIM_WINE" in capsys.readouterr().err


def test_a_broken_launcher_is_exit_2(tmp_path, capsys):
    """A launcher that exists but does not run (a chroot that is gone): one line, exit 2, no traceback."""
    broken = tmp_path / "wine64"
    broken.write_text("#!/bin/sh\necho 'chroot: cannot change root directory' >&2\nexit 125\n")
    broken.chmod(0o755)
    if wine.missing(str(broken)):
        pytest.skip("mingw-w64 is absent")
    assert cli.main(["live", "apc-alertable", "--wine", str(broken)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "does not run" in err and "chroot" in err


def test_wine_versions_pick_their_profiles():
    """The launcher's version picks the default profile: wine for Wine 8, wine10 from Wine 10 on."""
    assert wine.profile_for("wine-8.0 (Debian 8.0~repack-4)") == "wine"
    assert wine.profile_for("wine-10.0 (Debian 10.0~repack-6)") == "wine10"
    assert wine.profile_for("wine-11.2") == "wine10"


def test_bad_repeat_and_timeout_are_usage_errors(capsys):
    """CLI: --repeat 0 and --timeout -1 print usage and exit 2."""
    with pytest.raises(SystemExit) as exit_:
        cli.main(["validate", "--repeat", "0"])
    assert exit_.value.code == 2
    with pytest.raises(SystemExit) as exit_:
        cli.main(["live", "apc-alertable", "--timeout", "-1"])
    assert exit_.value.code == 2
    assert "usage" in capsys.readouterr().err


def test_ctypes_backend_is_refused_off_windows(capsys):
    """CLI: --backend ctypes on Linux is a usage error (exit 2)."""
    if commands.sys.platform == "win32":
        pytest.skip("on Windows ctypes is the native backend")
    assert cli.main(["live", "apc-alertable", "--backend", "ctypes"]) == 2


def test_no_wine_process_remains_after_a_run(session):
    """Robustness: the probe is gone when its run ends, and when the session ends the prefix's
    wineserver and Wine's helper processes exit too (unless another session still uses the prefix)."""
    import time
    made = []
    report = oracle.check(scenarios.load("apc-alertable"), lambda: made.append(_make(session)()) or made[-1],
                          "wine", "wine")
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
