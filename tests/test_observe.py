"""observe.py: a library above the Win32 surface shows its own rows and panel (narrate, watch).

netlib (layer 3) reaches the trace only through these two kernelsim helpers; they are recorded in
the step of the call before them, so instrumenting the library adds no scheduling point."""

import pytest

from kernelsim import scenario
from kernelsim.model import ScenarioError
from kernelsim.trace import SessionView
from kernelsim.win32 import CreateThread, Sleep, WaitForMultipleObjects, INFINITE, narrate, watch

from helpers import run


def _workers(with_rows):
    def worker(n):
        for i in range(3):
            if with_rows:
                yield narrate("step", "{thread} is at step {i}", why="a library's own row", i=i)
            yield Sleep(0)

    def main():
        a = yield CreateThread(worker, 1, name="A")
        b = yield CreateThread(worker, 2, name="B")
        yield WaitForMultipleObjects([a, b], True, INFINITE)
    return main


def test_narrate_adds_rows_but_no_scheduling_point():
    """The same program with and without narrate rows makes the same choices at the same decisions:
    the rows are part of the step before them, so a schedule string means the same run."""
    plain, noted = run(_workers(False), seed=5), run(_workers(True), seed=5)
    assert plain.kernel.chooser.widths == noted.kernel.chooser.widths
    assert plain.schedule == noted.schedule
    rows = [e for e in noted.trace if e.kind == "step"]
    assert [e.text for e in rows if e.thread == "A"] == [f"A is at step {i}" for i in range(3)]
    assert all(e.why == "a library's own row" for e in rows)
    assert not any(e.kind == "step" for e in plain.trace)


def test_control_were_narrate_an_ordinary_call_the_decisions_would_change():
    """Control for the test above: the same program with narrate handled as an ordinary call (a step
    of its own) makes more decisions, so the comparison above can fail."""
    from kernelsim.model import services
    plain = run(_workers(False), seed=5)
    services.INSTANT.discard("narrate")
    try:
        stepped = run(_workers(True), seed=5)
    finally:
        services.INSTANT.add("narrate")
    assert len(stepped.kernel.chooser.widths) > len(plain.kernel.chooser.widths)


def test_netlib_rows_carry_the_library_file_and_line():
    """Release and OnLeave rows point at netlib's own source line (fixed.py), where they happen."""
    outcome = scenario.run("sendpacket-vs-release-fixed")
    rows = {e.kind: e for e in outcome.trace if e.kind in ("release", "leave")}
    assert set(rows) == {"release", "leave"}
    for kind, e in rows.items():
        assert e.file.replace("\\", "/").endswith("kernelsim/netlib/fixed.py")
        source = open(e.file, encoding="utf-8").read().splitlines()
        assert f'narrate("{kind}"' in source[e.line - 1]
    assert "releases session 0x10000 (slot 0, socket" in rows["release"].text
    assert "IOCount reached 0" in rows["release"].why
    assert rows["leave"].text.endswith("calls OnLeave(0x10000)")
    assert rows["release"].seq < rows["leave"].seq


def test_watch_puts_the_sessions_in_every_snapshot():
    """The session panel follows the lesson's state: while the WSASend pends the send flag is 1, the
    send is pending and IOCount counts it; after the release the row has the release flag and IOCount 0."""
    outcome = scenario.run("send-after-recv0-fixed")
    events = outcome.trace.events
    snaps = outcome.trace.snapshots
    assert all(isinstance(s, SessionView) for snap in snaps for s in snap.sessions)
    send = next(i for i, e in enumerate(events) if "WSASend on" in e.text and "pends" in e.text)
    slot0 = snaps[send].sessions[0]
    assert slot0.send_flag == 1 and "send" in slot0.pending and slot0.io_count >= 2
    assert slot0.id == "0x10000" and slot0.generation == 1 and not slot0.released
    assert slot0.send_used != "0/64"                      # MoveFront only in the completion (fixed)
    release = next(i for i, e in enumerate(events) if e.kind == "release")
    after = snaps[release].sessions[0]
    assert after.released and after.io_count == 0 and after.pending == ()
    free = snaps[0].sessions if snaps[0].sessions else snaps[5].sessions
    assert all(s.released and s.id == "-" for s in free)      # a free slot counts as released


def test_a_template_that_cannot_be_filled_names_the_library_line():
    def main():
        yield narrate("x", "{thread} sees {missing}")
    with pytest.raises(ScenarioError) as info:
        run(main)
    assert "narrate" in info.value.message and "missing" in info.value.message
    assert info.value.file.endswith("test_observe.py")


def test_watch_of_an_unknown_panel_is_a_scenario_error():
    def main():
        yield watch("threads", lambda: [])
    with pytest.raises(ScenarioError) as info:
        run(main)
    assert "no panel 'threads'" in info.value.message
