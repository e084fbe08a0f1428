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
            await pilot.press("n")                 # next event of main: its post
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
