"""The optional Textual TUI: single-key stepping over the same view (``pip install kernelsim[tui]``).

Imported only when Textual is installed.  It drives the same ``Stepper`` as the
plain prompt and draws the same ``view.render`` picture, so what the TUI shows
and what ``--svg`` saves are identical.

Keys: → / l / space forward · ← / h back · PgDn / PgUp ten steps · Home / End ·
n next event of the current event's thread · N previous one · s save SVG · q quit.
"""

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from . import view


class StepView(Static):
    """The rendered frame."""


class StepperApp(App):
    TITLE = "kernelsim step"
    CSS = "StepView { width: 100%; } #status { dock: bottom; height: 1; background: $boost; }"
    BINDINGS = [
        Binding("right,l,space", "forward", "forward", priority=True),
        Binding("left,h", "back", "back", priority=True),
        Binding("pagedown", "forward(10)", "+10", show=False, priority=True),
        Binding("pageup", "back(10)", "-10", show=False, priority=True),
        Binding("home", "first", "first", priority=True),
        Binding("end", "last", "end", priority=True),
        Binding("n", "next_same", "next of thread"),
        Binding("N", "prev_same", "prev of thread", show=False),
        Binding("s", "save_svg", "save SVG"),
        Binding("q", "quit", "quit"),
    ]

    def __init__(self, stepper, svg_name="kernelsim-step-{step}.svg"):
        super().__init__()
        self.stepper = stepper
        self.svg_name = svg_name
        self.message = ""

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield StepView(id="frame")
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

    def action_save_svg(self):
        from .export import svg
        path = self.svg_name.format(step=self.stepper.frame.step)
        svg(self.stepper.frame, path)
        self.message = f"saved {path}"
        self.redraw()


def run_tui(stepper):
    StepperApp(stepper).run()
    return 0
