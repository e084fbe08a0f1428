"""The view: immutable snapshots → a rich picture (DESIGN §5).  Most tests assert on content,
so a layout change does not break them; two golden renders pin the layout itself."""

import re

from kernelsim.trace import Event, IrpView, PoolView, PortView, Snapshot, SocketView, ThreadView
from kernelsim.ui import view


SOURCE = tuple(f"line {n} of the scenario" for n in range(1, 31))


def thread(name, state="waiting", waits_on="port 8", alertable=False, apcs=(), port="port 8", line=5):
    return ThreadView(name, 4, state, waits_on if state == "waiting" else "", alertable, tuple(apcs), port, line)


def snap(threads=(), ports=(), irps=(), sockets=(), pool=None, seq=2, time=30.0, notes=0):
    return Snapshot(seq, time, tuple(threads), tuple(ports), tuple(irps), tuple(sockets),
                    pool or PoolView(0, 64 << 20, 0, 1000), notes)


def events(n=3, line=12):
    out = []
    for i in range(n):
        out.append(Event(i, 10.0 * i, "call", f"T{i}", "{thread} does thing " + str(i), f"because {i}",
                         "scenario.py", line + i, {}))
    return tuple(out)


def frame(snapshot, evs=None, **kw):
    evs = events() if evs is None else evs
    return view.Frame(snapshot, evs, SOURCE, "scenario.py", "demo — a demo scenario", 3, 3, **kw)


def text(f, width=100):
    return view.render_text(f, width)


def test_threads_panel_shows_state_wait_alertable_and_apc_queue():
    """Each thread row shows its state, what it waits on, whether the wait is alertable (C2)
    and its user-APC queue oldest first (C1)."""
    s = snap(threads=[thread("main", "running", port=""),
                      thread("T1", "waiting", "event 12", alertable=True, apcs=("hello(1)", "hello(2)")),
                      thread("T2", "terminated", port="")])
    out = text(frame(s))
    row = next(line for line in out.splitlines() if line.startswith("T1 "))
    assert "waiting" in row and "event 12" in row and "yes" in row
    assert "hello(1) → hello(2)" in row
    assert "terminated" in next(line for line in out.splitlines() if line.startswith("T2 "))


def test_port_panel_packets_fifo_and_waiters_newest_on_top():
    """A port shows its packet queue in FIFO order (next out first), its waiter stack with the
    thread released next on top (A4), and CurrentCount/MaximumCount (A2)."""
    port = PortView(8, ("key=1 ov1 0B", "key=2 ov2 0B"), ("T3", "T2", "T1"), 1, 2, False)
    out = text(frame(snap(ports=[port])))
    assert "port 8" in out and "running 1/2" in out
    assert out.index("key=1 ov1 0B") < out.index("key=2 ov2 0B")
    assert re.search(r"1\. key=1 ov1 0B\s+← next", out)
    assert re.search(r"T3\s+← released next", out)
    panel = out[out.index("port 8"):out.index("memory")]
    assert panel.index("T3") < panel.index("T2") < panel.index("T1")


def test_port_over_maximum_and_closed_are_called_out():
    """CurrentCount above MaximumCount (A6) and a closed port (A10) are spelled out, not only coloured."""
    port = PortView(8, (), (), 3, 2, True)
    out = text(frame(snap(ports=[port])))
    assert "running 3/2" in out and "over maximum (A6)" in out and "closed" in out
    assert "(empty)" in out and "(none)" in out


def test_irps_are_listed_and_a_long_list_is_summarised():
    """IRP rows show operation, issuing thread, state and pages locked (B1, E2); past a dozen the
    rest are summarised by state so a frame stays readable with 1,000 IRPs."""
    irps = [IrpView(i, "recv", f"T{i % 4}", 100 + i, "pending" if i % 2 else "completed", 2, 0) for i in range(1000)]
    out = text(frame(snap(irps=irps)))
    assert "IRPs (1000 live)" in out
    assert re.search(r"\b1\s+recv\s+T1\s+101\s+pending\s+2\s+0\b", out)
    assert "988 more" in out and "494 pending" in out and "494 completed" in out
    assert "1976 pages locked" in out


def test_sockets_panel():
    """Sockets show their state and the bytes received but not yet read."""
    s = snap(sockets=[SocketView(100, "connected", 512, 0, 8), SocketView(104, "closed by peer", 0, 0, 0)])
    out = text(frame(s))
    assert re.search(r"100\s+connected\s+512 B", out)
    assert "closed by peer" in out


def test_memory_gauge_is_red_and_labelled_near_the_limit():
    """A gauge at ≥ 90 % of its limit is drawn red and says NEAR LIMIT (E3–E5); below, it does not."""
    assert view.gauge_level(95, 100) == "near" and view.gauge_level(80, 100) == "warn"
    assert view.gauge_level(10, 100) == "ok" and view.gauge_level(5, 0) == "ok"
    near = frame(snap(pool=PoolView(1000, 64 << 20, 950, 1000)))
    out = text(near)
    assert "locked pages" in out and "950/1000 95%" in out and "NEAR LIMIT" in out
    con = view.console(120, color=True)
    con.print(view.render(near, 120))
    assert "\x1b[1;31m" in con.file.getvalue()           # bold red
    assert "NEAR LIMIT" not in text(frame(snap()))


def test_source_highlights_the_line_that_caused_the_current_event():
    """The source panel marks the current event's scenario line (DESIGN §5: each event carries it)."""
    out = text(frame(snap(seq=2)))                  # event 2 was caused by line 14
    assert "scenario.py, line 14" in out
    assert re.search(r"▶14 line 14 of the scenario", out)
    assert not re.search(r"▶1[0-35-9] ", out)


def test_event_log_shows_time_thread_text_why_and_marks_the_current_event():
    """The log lists events up to the current one with time, thread, the scenario line and the why."""
    out = text(frame(snap(seq=1), events(3)))
    assert re.search(r"10\.000\s+T1\s+13\s+T1 does thing 1\s+because 1", out)
    assert "T2 does thing 2" not in out.split("event log")[1]       # the future is not shown
    log = out.split("event log")[1]
    assert re.search(r"▶\s+10\.000", log)
    banner = out.split("threads")[0]
    assert "▶ T1 does thing 1" in banner and "why: because 1" in banner and "t = 30.000 ms" in banner


def test_long_runs_show_only_recent_events():
    """The log shows a window of recent events and says how many came before."""
    evs = events(50)
    out = text(frame(snap(seq=40), evs))
    assert "31 earlier" in out and "T40 does thing 40" in out and "T30 does thing 30" not in out


def test_layout_adapts_to_width():
    """At 150 columns or more the state and the story sit side by side; narrower they stack."""
    f = frame(snap(threads=[thread("T1")], ports=[PortView(8, (), ("T1",), 0, 4, False)]))
    narrow = text(f, 80)
    wide = text(f, 160)
    assert max(len(line) for line in narrow.splitlines()) <= 80
    assert max(len(line) for line in wide.splitlines()) > 100
    row = next(line for line in wide.splitlines() if "threads" in line)
    assert "scenario.py, line 14" in row                # the source panel is beside the threads
    assert len(wide.splitlines()) < len(narrow.splitlines())


def test_no_color_has_no_escape_codes(monkeypatch):
    """NO_COLOR: rich drops colour; the view still carries every signal as text."""
    import io
    from rich.console import Console
    monkeypatch.setenv("NO_COLOR", "1")
    con = Console(file=io.StringIO(), width=100, force_terminal=True)
    con.print(view.render(frame(snap(pool=PoolView(0, 10, 10, 10))), 100))
    out = con.file.getvalue()
    assert not re.search(r"\x1b\[[0-9;]*\b(3[0-8]|9[0-7])\b[;0-9]*m", out)      # no foreground colours
    assert "\x1b[" in out                                        # bold/italic/reverse remain
    assert "NEAR LIMIT" in out


def test_render_is_pure():
    """Rendering does not change the snapshot (immutable) and the same frame renders identically."""
    s = snap(threads=[thread("T1")], ports=[PortView(8, ("key=1 NULL 0B",), (), 0, 1, False)])
    f = frame(s)
    assert text(f) == text(f)
    assert f.snapshot == s


GOLDEN_80 = """\
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓
┃ demo — a demo scenario                                                       ┃
┃ step 3/3  ·  t = 30.000 ms                                                   ┃
┃ ▶ T2 does thing 2                                                            ┃
┃   why: because 2                                                             ┃
┗━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┛
"""


def test_golden_banner_80_columns():
    """Golden: the banner at 80 columns (the projector's narrowest width)."""
    out = text(frame(snap()), 80)
    assert out.startswith(GOLDEN_80)


GOLDEN_PORT = """\
╭─ port 8  running 1/4  (CurrentCount/MaximumCount) ───────────────────────────╮
│ packets (FIFO: next out first)         waiters (stack: newest on top)        │
│ ─────────────────────────────────────────────────────────────────────        │
│ 1. key=7 NULL 0B  ← next               T2  ← released next                   │
│                                        T1                                    │
╰──────────────────────────────────────────────────────────────────────────────╯
"""


def test_golden_port_panel_80_columns():
    """Golden: one completion port, two packets-worth of layout (A4's picture)."""
    port = PortView(8, ("key=7 NULL 0B",), ("T2", "T1"), 1, 4, False)
    out = text(frame(snap(ports=[port])), 80)
    assert GOLDEN_PORT in out


def test_a_run_without_snapshots_still_steps_through_its_events():
    """CONFIG snapshots=False (thousands of sockets): frames come from the events alone; the view
    says the state was not recorded and still shows the event, the log and the source line."""
    from kernelsim.outcome import Note, Outcome
    from kernelsim.trace import Trace
    trace = Trace(snapshots=False)
    trace.events.extend(events(3))
    sc = type("Sc", (), {"name": "big", "title": "many sockets", "path": "scenario.py",
                         "source": "\n".join(SOURCE)})()
    outcome = Outcome("big", 0, "windows", [Note("n", "T1", 10.0, {})], trace)
    frames = view.frames(sc, outcome)
    assert [f.step for f in frames] == [1, 2, 3] and not frames[0].recorded
    assert [f.snapshot.notes for f in frames] == [0, 1, 1]
    out = text(frames[1])
    assert "state not recorded" in out and "T1 does thing 1" in out and "▶13 line 13" in out


def test_sessions_panel_shows_id_iocount_flags_rings_and_pending_io():
    """netlib scenarios: each session's id, slot, generation, IOCount, release flag, send flag, ring use
    and pending I/O, at the step shown (the WSASend pending in send-after-recv0-fixed)."""
    from kernelsim import scenario
    sc = scenario.load("send-after-recv0-fixed")
    outcome = scenario.run(sc)
    frames = view.frames(sc, outcome)
    i = next(i for i, f in enumerate(frames) if "WSASend on" in view.current_event(f).text)
    out = text(frames[i], 160)
    panel = out.split("sessions (netlib)")[1]
    assert re.search(r"id\s+slot\s+gen\s+sock\s+IOCount\s+released\s+send\s+RecvQ\s+SendQ\s+pending", panel)
    s = frames[i].snapshot.sessions[0]
    assert "send" in s.pending and s.send_flag == 1
    assert re.search(rf"0x10000\s+0\s+1\s+{s.sock}\s+{s.io_count}\s+no\s+1\s+\d+/64\s+4/64\s+"
                     + re.escape(", ".join(s.pending)), panel)
    j = next(i for i, f in enumerate(frames) if view.current_event(f).kind == "release")
    assert re.search(r"0x10000\s+0\s+1\s+\d+\s+0\s+YES", text(frames[j], 160).split("sessions (netlib)")[1])


def test_a_library_row_shows_the_library_source_and_its_file_in_the_log():
    """A row netlib made points into fixed.py: the source panel shows that file at that line, and the
    log's line column says fixed.py:N."""
    from kernelsim import scenario
    sc = scenario.load("sendpacket-vs-release-fixed")
    outcome = scenario.run(sc)
    frames = view.frames(sc, outcome)
    i = next(i for i, f in enumerate(frames) if view.current_event(f).kind == "release")
    e = view.current_event(frames[i])
    out = text(frames[i], 160)
    assert f"fixed.py, line {e.line}" in out
    assert f"▶{e.line} " in out and 'narrate("release"' in out
    assert f"fixed.py:{e.line}" in out.split("event log")[1]


def test_the_small_wsaenobufs_lesson_turns_the_gauge_red():
    """wsaenobufs-small records every step: by the first WSAENOBUFS the locked-pages gauge is red and
    says NEAR LIMIT (E3-E5), and it was green at the start."""
    from kernelsim import scenario
    sc = scenario.load("wsaenobufs-small")
    outcome = scenario.run(sc)
    frames = view.frames(sc, outcome)
    assert all(f.recorded for f in frames)
    i = next(i for i, f in enumerate(frames) if "WSAENOBUFS" in view.current_event(f).text)
    pool = frames[i].snapshot.pool
    assert view.gauge_level(pool.locked_pages, pool.locked_pages_limit) == "near"
    assert "NEAR LIMIT" in text(frames[i])
    assert "NEAR LIMIT" not in text(frames[3])


def test_the_wine_profile_labels_its_waiters_fifo():
    """A4 / WINE.md (issue 13 regression): under the wine profile the waiter column is released oldest
    first, and says so — not "stack: newest on top" over a FIFO list."""
    from kernelsim import scenario
    for profile, label, first in (("windows", "waiters (stack: newest on top)", "T3"),
                                  ("wine", "waiters (FIFO: oldest first (Wine 8))", "T1")):
        sc = scenario.load("lifo-wakeup")
        frames = view.frames(sc, scenario.run(sc, profile=profile))
        f = max(frames, key=lambda fr: sum(len(p.waiters) for p in fr.snapshot.ports))
        out = text(f, 120)
        assert label in out and f"{first}  ← released next" in out
        assert f.snapshot.ports[0].waiters[0] == first


def test_a_big_panel_shows_a_bounded_number_of_rows_and_counts_the_rest():
    """1,000 waiting threads, 10,000 queued packets: the frame shows a screenful (the event's thread
    first) and a count of the rest by state, so drawing a step does not grow with the run."""
    threads = [thread(f"W{i}") for i in range(1000)] + [thread("main", state="running", port="")]
    port = PortView(8, tuple(f"key={k} NULL 0B" for k in range(10000)), tuple(f"W{i}" for i in range(1000)),
                    0, 4, False)
    evs = (Event(0, 0.0, "call", "W500", "{thread} waits", "", "scenario.py", 3, {}),)
    out = text(frame(snap(threads, [port], seq=0), evs), 120)
    assert "threads (1,001)" in out and "… 977 more threads: 977 waiting" in out
    assert re.search(r"^W500 ", out, re.M) and re.search(r"^main ", out, re.M)
    assert "… 9,988 more packets" in out and "… 988 more waiters" in out
    assert len(out.splitlines()) < 120
