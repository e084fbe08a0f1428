"""The optional Textual TUI: single-key stepping over the same view (``pip install kernelsim[tui]``).

Imported only when Textual is installed.  It drives the same ``Stepper`` as the
plain prompt and draws the same ``view.render`` picture, so what the TUI shows
and what ``--svg`` saves are identical.

Keys: → / l / space forward · ← / h back · PgDn / PgUp ten steps · Home / End ·
/ search the events (Enter; n / N repeat it forward / back) · g go to a step
(17, -1 the last, or text from an event) · t jump to a simulated time in ms ·
e next event of the current event's thread (E previous) · s save SVG · q quit.
The status line above the key bar shows the step, the time and what a key did.
"""

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Input, Static

from . import view
from .stepper import resolve_step

PROMPTS = {
    "search": "search the events for (Enter: next match; n / N repeat)",
    "goto": "go to step (17, -1 = the last, or text from an event)",
    "time": "jump to the first step at or after this simulated time (ms)",
}


class StepView(Static):
    """The rendered frame."""


class StepperApp(App):
    TITLE = "kernelsim step"
    CSS = """
    StepView { width: 100%; }
    #frame-scroll { height: 1fr; }
    #status { height: 1; background: $boost; }
    #ask { display: none; height: 3; }
    #ask.asking { display: block; }
    """
    BINDINGS = [
        Binding("right,l,space", "forward", "forward", priority=True),
        Binding("left,h", "back", "back", priority=True),
        Binding("pagedown", "forward(10)", "+10", show=False, priority=True),
        Binding("pageup", "back(10)", "-10", show=False, priority=True),
        Binding("home", "first", "first", priority=True),
        Binding("end", "last", "end", priority=True),
        Binding("slash", "ask('search')", "search"),
        Binding("n", "search_again(1)", "next match", show=False),
        Binding("N", "search_again(-1)", "previous match", show=False),
        Binding("g", "ask('goto')", "go to step"),
        Binding("t", "ask('time')", "time"),
        Binding("e", "next_same", "next of thread"),
        Binding("E", "prev_same", "prev of thread", show=False),
        Binding("s", "save_svg", "save SVG"),
        Binding("q", "quit", "quit"),
    ]

    def __init__(self, stepper, svg_name="kernelsim-step-{step}.svg"):
        super().__init__()
        self.stepper = stepper
        self.svg_name = svg_name
        self.message = ""
        self.asking = None              # "search" | "goto" | "time" while the prompt is open
        self.last_search = ""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="frame-scroll"):
            yield StepView(id="frame")
        yield Input(id="ask")
        yield Static(id="status")
        yield Footer()

    def on_mount(self):
        self.redraw()

    def on_resize(self, _event):
        self.redraw()

    def redraw(self):
        frame = self.stepper.frame
        width = max(60, self.size.width - 2)
        self.query_one("#frame", StepView).update(view.render(frame, width))
        status = f" step {frame.step}/{len(self.stepper)}  t={frame.snapshot.time:.3f} ms"
        self.query_one("#status", Static).update(status + (f"  —  {self.message}" if self.message else ""))
        self.message = ""

    def check_action(self, action, parameters):
        """While the prompt is open every key is text for it (Enter submits, Escape closes it)."""
        return not self.asking

    # --- moves ---------------------------------------------------------------------------------

    def action_forward(self, n=1):
        if not self.stepper.forward(n):
            self.message = "last step"
        self.redraw()

    def action_back(self, n=1):
        if not self.stepper.back(n):
            self.message = "first step"
        self.redraw()

    def action_first(self):
        self.stepper.first()
        self.redraw()

    def action_last(self):
        self.stepper.end()
        self.redraw()

    def _same(self, direction):
        event = view.current_event(self.stepper.frame)
        if event is None or event.thread == "-":
            self.message = "this event has no thread"
        elif not self.stepper.find(event.thread, direction):
            self.message = f"no {'later' if direction > 0 else 'earlier'} event of {event.thread}"
        self.redraw()

    def action_next_same(self):
        self._same(1)

    def action_prev_same(self):
        self._same(-1)

    # --- search, go to step, time jump ---------------------------------------------------------

    def action_ask(self, what):
        ask = self.query_one("#ask", Input)
        self.asking = what
        ask.placeholder = PROMPTS[what]
        ask.value = self.last_search if what == "search" else ""
        ask.add_class("asking")
        ask.focus()

    def _close_prompt(self):
        ask = self.query_one("#ask", Input)
        ask.remove_class("asking")
        self.asking = None
        self.set_focus(None)

    def on_key(self, event):
        if self.asking and event.key == "escape":
            self._close_prompt()
            event.stop()

    def on_input_submitted(self, event):
        what, text = self.asking, event.value.strip()
        self._close_prompt()
        if what == "search":
            self.last_search = text
            self._search(text, 1)
        elif what == "goto":
            self._goto(text)
        elif what == "time":
            self._time(text)
        self.redraw()

    def _search(self, text, direction):
        if not text:
            self.message = "search: type some text from an event"
        elif not self.stepper.find(text, direction, "text"):
            self.message = f"no {'later' if direction > 0 else 'earlier'} event mentions {text!r}"

    def action_search_again(self, direction):
        self._search(self.last_search, direction)
        self.redraw()

    def _goto(self, text):
        index = resolve_step(self.stepper.frames, text) if text else None
        if index is None:
            self.message = f"no step {text!r} (1..{len(self.stepper)}, -1 for the last, or event text)"
        else:
            self.stepper.go(index)

    def _time(self, text):
        try:
            ms = float(text.removesuffix("ms").strip())
        except ValueError:
            self.message = f"a time in ms, not {text!r}"
            return
        self.stepper.jump_time(ms)
        if self.stepper.frame.snapshot.time < ms - 1e-9:
            self.message = f"nothing happens at or after {ms:g} ms: the last step"

    def action_save_svg(self):
        from .export import svg
        path = self.svg_name.format(step=self.stepper.frame.step)
        svg(self.stepper.frame, path)
        self.message = f"saved {path}"
        self.redraw()


def run_tui(stepper):
    StepperApp(stepper).run()
    return 0
