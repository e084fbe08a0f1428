"""The stepper: time travel is an index into recorded snapshots (DESIGN §5), and ``kernelsim step``."""

import io

import pytest

from kernelsim import cli, scenario
from kernelsim.ui import view
from kernelsim.ui.stepper import Stepper, print_all, prompt_loop, resolve_step


@pytest.fixture(scope="module")
def frames():
    sc = scenario.load("lifo-wakeup")
    return view.frames(sc, scenario.run(sc))


def test_one_frame_per_trace_event(frames):
    """Each trace event has a snapshot, numbered 1..N in order."""
    assert [f.step for f in frames] == list(range(1, len(frames) + 1))
    assert [f.snapshot.seq for f in frames] == list(range(len(frames)))


def test_back_then_forward_gives_the_same_frame(frames):
    """Stepping back then forward shows exactly the frame seen before (snapshots are immutable)."""
    s = Stepper(frames)
    seen = []
    while True:
        seen.append(view.render_text(s.frame, 100))
        if not s.forward():
            break
    for i in range(len(frames) - 1, -1, -1):
        assert s.index == i
        assert view.render_text(s.frame, 100) == seen[i]
        s.back()
    s.back()
    assert s.index == 0


def test_commands_move_the_position(frames):
    """forward / back / go to step / time / end / home on the prompt's language."""
    s = Stepper(frames)
    assert s.command("")[0] and s.index == 1
    s.command("f 3")
    assert s.index == 4
    s.command("b 2")
    assert s.index == 2
    s.command("g 10")
    assert s.frame.step == 10
    s.command("t 30")
    assert s.frame.snapshot.time == 30 and frames[s.index - 1].snapshot.time < 30
    s.command("end")
    assert s.index == len(frames) - 1
    s.command("home")
    assert s.index == 0
    assert s.command("b")[1] == "already at the first step"
    assert s.command("g x")[1].startswith("g needs a number")
    assert "unknown command" in s.command("dance")[1]
    assert s.command("q")[0] is False


def test_next_event_of_a_thread_or_object(frames):
    """'e T3' jumps to T3's next event; 'e port 8' to the next event naming the port; 'E' goes back."""
    s = Stepper(frames)
    s.command("e T3")
    first_t3 = view.current_event(s.frame)
    assert first_t3.thread == "T3" or "T3" in first_t3.text
    s.command("e T3")
    assert "T3 sets event" in view.current_event(s.frame).text        # ready: about to wait
    s.command("e T3")
    assert "T3 waits on port 8" in view.current_event(s.frame).text
    s.command("e T3")
    assert "T3 released" in view.current_event(s.frame).text   # A4: the newest waiter
    here = s.index
    s.command("E T3")
    assert s.index < here
    s.command("home")
    s.command("e port 8")
    assert "port 8" in view.current_event(s.frame).text
    s.command("/released")
    assert "released" in view.current_event(s.frame).text
    assert "no later event" in s.command("e T9")[1]


def test_resolve_step_numbers_and_text(frames):
    """--step takes a 1-based number, a negative number from the end, or text from an event."""
    assert resolve_step(frames, "1") == 0
    assert resolve_step(frames, "-1") == len(frames) - 1
    assert "T3 released" in view.current_event(frames[resolve_step(frames, "T3 released")]).text
    assert resolve_step(frames, "999") is None and resolve_step(frames, "no such thing") is None


def test_prompt_loop_reads_commands_until_quit(frames):
    """The plain prompt draws a frame per command and stops at q (or end of input)."""
    from rich.console import Console
    con = Console(file=io.StringIO(), width=100)
    commands = iter(["", "", "b", "g 15", "q"])
    s = Stepper(frames)
    assert prompt_loop(s, con, read=lambda _prompt: next(commands)) == 0
    assert s.frame.step == 15
    assert con.file.getvalue().count("step 1/30") == 1

    def eof(_prompt):
        raise EOFError
    assert prompt_loop(Stepper(frames), con, read=eof) == 0


def test_print_all_prints_every_step(frames):
    out = io.StringIO()
    print_all(frames, out)
    text = out.getvalue()
    assert all(f"step {n}/{len(frames)}" in text for n in range(1, len(frames) + 1))


def test_step_without_a_tty_prints_every_step_and_exits_0(capsys):
    """`kernelsim step NAME` with no TTY prints every step and exits 0 (issue 4)."""
    assert cli.main(["step", "lifo-wakeup"]) == 0
    out = capsys.readouterr().out
    assert "step 1/30" in out and "step 30/30" in out
    assert "T3 released with key=7" in out


def test_step_replays_a_schedule_exactly(capsys):
    """`step NAME --seed N --schedule S` shows the run that `run NAME --seed N` narrated (same options as run;
    the seed also draws the scenario's variant, so a seeded run replays with its seed and its schedule)."""
    seeded = scenario.run("db-workers", seed=3)
    assert cli.main(["step", "db-workers", "--seed", "3", "--schedule", seeded.schedule]) == 0
    out = capsys.readouterr().out
    for e in seeded.trace:
        assert e.text in out
    assert f"step {len(seeded.trace)}/{len(seeded.trace)}" in out


def test_step_usage_errors_exit_2(capsys):
    assert cli.main(["step", "no-such-scenario"]) == 2
    assert cli.main(["step", "lifo-wakeup", "--step", "9999"]) == 2
    assert "no such step" in capsys.readouterr().err


def test_arrow_keys_at_the_plain_prompt_step_instead_of_being_unknown_commands(frames):
    """Issue 13 regression: without line editing an arrow key arrives as ESC [ C; it used to print
    "unknown command '\\x1b[C'".  → and ↓ step forward, ← and ↑ back; other keys say so in words."""
    s = Stepper(frames)
    assert s.command("\x1b[C") == (True, "") and s.index == 1
    assert s.command("\x1b[C\x1b[C\x1b[B") == (True, "") and s.index == 4
    assert s.command("\x1b[D") == (True, "") and s.index == 3
    assert s.command("\x1bOA") == (True, "") and s.index == 2          # application-mode ↑
    keep, message = s.command("\x1b[H")
    assert keep and "not a command" in message and "\\x1b" not in message and s.index == 2
    s.first()
    assert s.command("\x1b[D") == (True, "already at the first step")
