"""The stepper: move forward and back through a recorded run (DESIGN §5: time travel is an index).

``Stepper`` holds the frames of one run and a position; every command is a pure
move of that position, so going back and then forward again shows exactly the
same frame.  ``prompt_loop`` drives it from a plain prompt (rich only);
``print_all`` is what ``kernelsim step`` does without a TTY.  The Textual TUI
(tui.py) drives the same ``Stepper``.

Commands on the prompt (help: ``?``):

    Enter, f, n [N]   forward one step (or N)
    b, p [N]          back one step (or N)
    g N               go to step N (1 = first)
    t MS              go to the first step at or after simulated time MS
    e NAME            next event of a thread or object (T3, port 8, ov1, key=7 ...)
    E NAME            previous event of that thread or object
    /TEXT             next event whose text or why contains TEXT
    home, end         first / last step (end = run to the end)
    svg FILE          save the current step as SVG (a handout)
    q                 quit
"""

import re
import sys

from . import narration, view

HELP = __doc__[__doc__.index("Commands on the prompt"):].strip()


class Stepper:
    def __init__(self, frames, start=0):
        if not len(frames):
            raise ValueError("the run recorded no steps")
        self.frames = frames if isinstance(frames, view.Frames) else list(frames)
        self.index = max(0, min(start, len(self.frames) - 1))

    @property
    def frame(self):
        return self.frames[self.index]

    def __len__(self):
        return len(self.frames)

    # --- moves (each returns True if the position changed) --------------------------------

    def go(self, index):
        index = max(0, min(index, len(self.frames) - 1))
        moved = index != self.index
        self.index = index
        return moved

    def forward(self, n=1):
        return self.go(self.index + n)

    def back(self, n=1):
        return self.go(self.index - n)

    def first(self):
        return self.go(0)

    def end(self):
        return self.go(len(self.frames) - 1)

    def jump_step(self, step):
        """Step numbers are 1-based, as shown in the banner."""
        return self.go(step - 1)

    def jump_time(self, ms):
        """The first step at or after simulated time ``ms`` (the last step if none)."""
        for i in range(len(self.frames)):
            if _event_at(self.frames, i).time >= ms - 1e-9:
                return self.go(i)
        return self.end()

    def find(self, needle, direction=1, kind="object"):
        """Move to the next (or previous) step whose event concerns ``needle``; False if none."""
        match = event_matcher(needle) if kind == "object" else text_matcher(needle)
        i = self.index + direction
        while 0 <= i < len(self.frames):
            event = _event_at(self.frames, i)
            if event is not None and match(event):
                return self.go(i)
            i += direction
        return False

    # --- the prompt's language ---------------------------------------------------------

    def _keys(self, line):
        moves = _moves(line)
        if moves is None:
            return "that key is not a command here (→/← step, ? lists the commands)"
        if moves and not self.go(self.index + moves):
            return "already at the last step" if moves > 0 else "already at the first step"
        return ""

    def command(self, line):
        """Apply one prompt command; returns (keep_going, message)."""
        if "\x1b" in line:
            return True, self._keys(line)
        line = line.strip()
        if not line or line in ("f", "n", "forward", "next", "s"):
            return True, "" if self.forward() else "already at the last step"
        if line == "?" or line == "help" or line == "h":
            return True, HELP
        if line in ("q", "quit", "exit"):
            return False, ""
        if line.startswith("/"):
            return True, "" if self.find(line[1:].strip(), 1, "text") else f"no later event mentions {line[1:]!r}"
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        try:
            if word in ("f", "n", "forward", "next"):
                self.forward(int(rest))
            elif word in ("b", "p", "back", "prev"):
                if not self.back(int(rest) if rest else 1):
                    return True, "already at the first step"
            elif word in ("g", "go", "goto", "j", "jump"):
                self.jump_step(int(rest))
            elif word in ("t", "time"):
                self.jump_time(float(rest))
            elif word == "e":
                if not rest:
                    return True, "e NAME: next event of a thread or object, e.g. e T3, e port 8"
                return True, "" if self.find(rest, 1) else f"no later event of {rest}"
            elif word == "E":
                if not rest:
                    return True, "E NAME: previous event of a thread or object"
                return True, "" if self.find(rest, -1) else f"no earlier event of {rest}"
            elif word in ("home", "first", "start"):
                self.first()
            elif word in ("end", "last", "run", "r"):
                self.end()
            elif word == "svg":
                if not rest:
                    return True, "svg FILE: save this step as SVG"
                from .export import svg
                try:
                    svg(self.frame, rest)
                except OSError as exc:                 # the session goes on: say why, in one line
                    return True, f"cannot write {rest}: {exc.strerror or exc}"
                return True, f"saved step {self.frame.step} to {rest}"
            else:
                return True, f"unknown command {line!r}; ? lists the commands"
        except ValueError:
            return True, f"{word} needs a number, not {rest!r}"
        return True, ""


ARROWS = {"C": 1, "B": 1, "D": -1, "A": -1}         # → and ↓ forward, ← and ↑ back
ESCAPE = re.compile(r"\x1b(?:\[[0-9;]*([A-Za-z~])|O([A-Za-z]))")


def _moves(line):
    """Arrow keys typed at a prompt without line editing arrive as escape sequences: their net move,
    or None if the line holds anything else."""
    if ESCAPE.sub("", line).strip():
        return None
    moves = 0
    for csi, ss3 in ESCAPE.findall(line):
        key = csi or ss3
        if key not in ARROWS:
            return None
        moves += ARROWS[key]
    return moves


def _event_at(frames, i):
    """The event frame i shows, without building the frame when the frames are a lazy ``view.Frames``."""
    if isinstance(frames, view.Frames):
        return frames.events[i]
    return view.current_event(frames[i])


def event_matcher(needle):
    """An event concerns NAME if its thread is NAME or its text names it as a whole word."""
    needle = needle.strip()
    pattern = re.compile(r"(?<![\w=])" + re.escape(needle) + r"(?![\w])")
    return lambda e: e.thread == needle or bool(pattern.search(e.text)) or bool(pattern.search(narration.text(e)))


def text_matcher(needle):
    needle = needle.lower()
    def match(e):
        """English or the language shown: a search typed from either finds the event."""
        return (needle in e.text.lower() or needle in (e.why or "").lower()
                or needle in narration.text(e).lower() or needle in (narration.why(e) or "").lower())
    return match


def resolve_step(frames, spec):
    """``--step`` value → frame index: a step number (1-based; negative counts from the end),
    or text: the first step whose event contains it.  None if nothing matches."""
    spec = str(spec).strip()
    if re.fullmatch(r"-?\d+", spec):
        n = int(spec)
        index = n - 1 if n > 0 else len(frames) + n
        return index if 0 <= index < len(frames) else None
    match = text_matcher(spec)
    for i in range(len(frames)):
        event = _event_at(frames, i)
        if event is not None and match(event):
            return i
    return None


# --- drivers -------------------------------------------------------------------------------

def print_all(frames, out=None, width=100):
    """Every step, one after another (what ``step`` prints without a TTY)."""
    from rich.console import Console
    con = Console(file=out or sys.stdout, width=width, highlight=False, soft_wrap=False)
    for f in frames:
        con.print(view.render(f, width))
        con.print()


def prompt_loop(stepper, console=None, read=input):
    """The plain prompt: draw the frame, read a command, repeat until quit or end of input."""
    from rich.console import Console
    con = console or Console(highlight=False)
    if read is input:
        try:
            import readline  # noqa: F401  (line editing and history: arrow keys edit instead of typing ESC [ C)
        except ImportError:
            pass
    message = "Enter: forward · b: back · g N: go to step · t MS: time · e T3: next event of T3 · " \
              "end · svg FILE · ? help · q quit"
    while True:
        con.print(view.render(stepper.frame, con.width))
        if message:
            con.print(message, style="bold")
        try:
            line = read(f"step {stepper.frame.step}/{len(stepper)}> ")
        except EOFError:
            return 0
        keep, message = stepper.command(line)
        if not keep:
            return 0
