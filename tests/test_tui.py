"""The optional Textual TUI, driven headlessly (Textual's run_test and Pilot)."""

import asyncio

import pytest

pytest.importorskip("textual")

from kernelsim import scenario
from kernelsim.ui import view
from kernelsim.ui.stepper import Stepper
from kernelsim.ui.tui import StepperApp


def _frames():
    sc = scenario.load("lifo-wakeup")
    return view.frames(sc, scenario.run(sc))


def test_keys_step_forward_back_and_save(tmp_path):
    """Single keys move the same Stepper the prompt uses; 's' saves the shown step as SVG.
    The TUI shows A4's LIFO release at the step where T3 is released."""
    stepper = Stepper(_frames())
    app = StepperApp(stepper, svg_name=str(tmp_path / "step-{step}.svg"))

    async def drive():
        async with app.run_test(size=(120, 50)) as pilot:
            await pilot.press("right", "right", "space")
            assert stepper.index == 3
            await pilot.press("left")
            assert stepper.index == 2
            await pilot.press("end")
            assert stepper.index == len(stepper) - 1
            await pilot.press("home")
            assert stepper.index == 0
            index = next(i for i, f in enumerate(stepper.frames)
                         if "T3 released" in view.current_event(f).text)
            stepper.go(index - 2)                  # main posts, then T3 is released
            assert view.current_event(stepper.frame).thread == "main"
            await pilot.press("e")                 # next event of main: its post
            assert "posts" in view.current_event(stepper.frame).text
            await pilot.press("right")
            assert "T3 released" in view.current_event(stepper.frame).text
            await pilot.press("s")
            await pilot.pause()
            shown = str(app.query_one("#status").render())
            assert "saved" in shown
            await pilot.press("q")

    asyncio.run(drive())
    saved = list(tmp_path.glob("step-*.svg"))
    assert len(saved) == 1


def test_tui_renders_the_current_step():
    """The TUI draws view.render of the stepper's frame: the banner names the current event."""
    stepper = Stepper(_frames())
    index = next(i for i, f in enumerate(stepper.frames) if "T3 released" in view.current_event(f).text)
    stepper.go(index)
    app = StepperApp(stepper)

    async def drive():
        async with app.run_test(size=(160, 60)) as pilot:
            await pilot.pause()
            status = str(app.query_one("#status").render())
            assert f"step {index + 1}/{len(stepper)}" in status
            await pilot.press("q")

    asyncio.run(drive())


def test_the_status_line_sits_above_the_key_bar():
    """The status line is on screen, on its own row, not hidden under the footer's key bar."""
    from textual.widgets import Footer
    app = StepperApp(Stepper(_frames()))

    async def drive():
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            status, footer = app.query_one("#status").region, app.query_one(Footer).region
            assert status.height == 1 and footer.height >= 1
            assert not status.overlaps(footer)
            assert app.screen.region.contains_region(status)
            assert "step 1/" in str(app.query_one("#status").render())
            await pilot.press("q")

    asyncio.run(drive())


def test_search_go_to_step_and_time_jump():
    """'/' searches the events' text (n repeats), 'g' goes to a step number or event text, 't' jumps to the
    first step at a simulated time; keys typed into the prompt do not move the stepper."""
    frames = _frames()
    stepper = Stepper(frames)
    app = StepperApp(stepper)
    released = next(i for i, f in enumerate(frames) if "T3 released" in view.current_event(f).text)
    at_30 = next(i for i, f in enumerate(frames) if f.snapshot.time >= 30)

    async def drive():
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("slash", *"T3 released", "enter")
            assert stepper.index == released          # 'l', 'h' and space were typed, not stepped on
            await pilot.press("home", "n")
            assert stepper.index == released
            await pilot.press("g", "7", "enter")
            assert stepper.index == 6
            await pilot.press("g", "-", "1", "enter")
            assert stepper.index == len(stepper) - 1
            await pilot.press("t", "3", "0", "enter")
            assert stepper.index == at_30
            await pilot.press("g", *"nothing like this", "enter")
            await pilot.pause()
            assert stepper.index == at_30
            assert "no step" in str(app.query_one("#status").render())
            await pilot.press("slash", "x", "escape", "right")
            assert stepper.index == at_30 + 1
            await pilot.press("q")

    asyncio.run(drive())
