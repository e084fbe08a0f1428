"""The ``step``, ``explain`` and ``quiz`` subcommands, and ``run --svg/--perfetto`` (DESIGN §8).

``kernelsim step NAME|PATH`` takes the same options as ``run`` (--seed,
--profile, --schedule), so ``step NAME --schedule S`` replays exactly the run a
failure printed.  On a terminal it opens the Textual TUI when Textual is
installed (``pip install kernelsim[tui]``) and the plain rich prompt otherwise
(``--ui plain`` forces it); without a TTY it prints every step and exits 0 —
or 1, naming the cycle, when the run ended in a deadlock (L11).
``--svg FILE --step N`` saves one step as SVG without stepping.

``kernelsim explain NAME``: what the scenario teaches, the seed section it
comes from, the SEMANTICS rules involved, and its source.

``kernelsim quiz NAME``: predict, then reveal (OSTEP style).  The scenario's
QUESTIONS are (question, answer-from-outcome) pairs; the answers come from the
run.  ``--answers`` prints them at once; ``--seed`` runs a seeded variant.
"""

import os
import sys

from .. import cli
from .. import scenario as scenarios
from . import view
from .stepper import Stepper, print_all, prompt_loop, resolve_step


def _interactive():
    return sys.stdin.isatty() and sys.stdout.isatty()


def _textual_available():
    try:
        import textual  # noqa: F401
    except ImportError:
        return False
    return True


def _frames(args):
    sc, outcome = cli.run_from_args(args)
    frames = view.frames(sc, outcome)
    if not frames:
        raise scenarios.UsageError(f"{sc.name} recorded no steps")
    return sc, outcome, frames


def _step_index(frames, spec, default):
    if spec is None:
        return default
    index = resolve_step(frames, spec)
    if index is None:
        raise scenarios.UsageError(f"--step {spec}: no such step (the run has {len(frames)} steps; "
                                   f"give a number 1..{len(frames)}, a negative number, or text from an event)")
    return index


def _exports_wanted(args):
    return [name for name in ("svg", "perfetto", "html") if getattr(args, name, None)]


def _check_destinations(args):
    """Before the run: every export file must go to a folder that exists (else one line, exit 2)."""
    from pathlib import Path
    for name in _exports_wanted(args):
        path = getattr(args, name)
        target = Path(path).expanduser().resolve()
        if target.is_dir():
            raise scenarios.UsageError(f"--{name} {path}: that is a folder; give a file name in it")
        if not target.parent.is_dir():
            raise scenarios.UsageError(f"--{name} {path}: the folder {target.parent} does not exist")
        if not os.access(target if target.exists() else target.parent, os.W_OK):
            raise scenarios.UsageError(f"--{name} {path}: not writable")
    return bool(_exports_wanted(args))


def _export(args, sc, outcome, frames):
    """--svg / --perfetto / --html, shared by run and step; prints where each file went (to stderr)."""
    from . import export
    if getattr(args, "svg", None):
        index = _step_index(frames, args.step, len(frames) - 1)
        with _writing(args.svg):
            export.svg(frames[index], args.svg, width=args.width or 120)
        print(f"kernelsim: saved step {index + 1}/{len(frames)} of {sc.name} to {args.svg}", file=sys.stderr)
    if getattr(args, "perfetto", None):
        with _writing(args.perfetto):
            export.write_perfetto(outcome, args.perfetto, sc.name)
        print(f"kernelsim: saved a Perfetto trace of {sc.name} to {args.perfetto} "
              f"(open it at https://ui.perfetto.dev or chrome://tracing)", file=sys.stderr)
    if getattr(args, "html", None):
        from . import html
        index = _step_index(frames, args.step, 0)
        with _writing(args.html):
            size = html.write(args.html, sc, outcome, start=index)
        print(f"kernelsim: saved the web stepper of {sc.name} ({len(frames)} steps, {size / 1024:.0f} KiB) "
              f"to {args.html}; open it in a browser", file=sys.stderr)


class _writing:
    """A failed write (no space, no permission) is one line and exit 2, not a traceback."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if isinstance(exc, OSError):
            raise scenarios.UsageError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        return False


def _add_export_options(parser, step_help):
    parser.add_argument("--svg", metavar="FILE", help="save one step of the view as SVG (a handout)")
    parser.add_argument("--step", metavar="N", default=None, help=step_help)
    parser.add_argument("--perfetto", metavar="FILE", help="save a Chrome/Perfetto trace-event JSON file")
    parser.add_argument("--html", metavar="FILE",
                        help="save the whole run as one self-contained HTML stepper (no network needed)")
    parser.add_argument("--width", type=cli.positive_int, default=None, help="columns of the SVG view (default 120)")


# --- step ----------------------------------------------------------------------------------

def add_step(sub):
    p = sub.add_parser("step", help="step forward and back through a run")
    p.add_argument("scenario", metavar="NAME|PATH")
    cli.add_run_options(p)
    _add_export_options(p, "the step to start at or to export: a number (1 = first, -1 = last) "
                           "or text from the event, e.g. 'T3 released'")
    p.add_argument("--ui", choices=["auto", "plain", "tui"], default="auto",
                   help="auto: the Textual TUI if installed, else the plain prompt")


def cmd_step(args):
    _check_destinations(args)
    sc, outcome, frames = _frames(args)
    if _exports_wanted(args):
        _export(args, sc, outcome, frames)
        return 0
    start = _step_index(frames, args.step, 0)
    if args.ui == "tui" and not _textual_available():
        raise scenarios.UsageError("--ui tui needs Textual: pip install 'kernelsim[tui]'")
    code = _deadlock_code(outcome)
    if not _interactive():
        print_all(frames[i] for i in range(start, len(frames)))
        if code:
            print(f"deadlock: {outcome.kernel.deadlock}")
        return code
    stepper = Stepper(frames, start)
    if args.ui == "tui" or (args.ui == "auto" and _textual_available()):
        from .tui import run_tui
        return run_tui(stepper) or code
    return prompt_loop(stepper) or code


def _deadlock_code(outcome):
    """1 when the run ended in a deadlock the scenario did not expect (L11): step exits as run does."""
    return 1 if any(f.startswith("deadlock: ") for f in outcome.failures) else 0


# --- explain -------------------------------------------------------------------------------

def add_explain(sub):
    p = sub.add_parser("explain", help="what a scenario teaches, its seed section, rules and source")
    p.add_argument("scenario", metavar="NAME|PATH")


def explain_text(sc):
    from .rules import title
    lines = [f"{sc.name}: {sc.title}", ""]
    if sc.teaches:
        lines += ["Seed section (course notes):", f"  「{sc.teaches}」", ""]
    if sc.corrections:
        lines.append("Where the course notes are wrong or outdated:")
        for c in sc.corrections:
            lines += [f"  the notes say 「{c.notes}」", f"  Windows ({c.rule}): {c.windows}", f"  (한국어) {c.ko}", ""]
    if sc.doc:
        lines += ["What it shows:"] + [f"  {line}" if line else "" for line in sc.doc.splitlines()] + [""]
    if sc.breaks:
        lines += ["A broken variant, on purpose: some schedules break " + "; ".join(sc.breaks) +
                  f" (find one: kernelsim explore {sc.name}).", ""]
    if sc.rules:
        lines.append("Rules involved (SEMANTICS.md):")
        for rule in sc.rules:
            lines.append(f"  {rule:<4} {title(rule) or '(see SEMANTICS.md)'}")
        lines.append("")
    if sc.questions:
        lines.append(f"Questions (kernelsim quiz {sc.name}):")
        lines += [f"  {n}. {q}" for n, (q, _) in enumerate(sc.questions, 1)]
        lines.append("")
    lines.append(f"Source ({sc.path}):")
    return "\n".join(lines)


def cmd_explain(args):
    sc = scenarios.load(args.scenario)
    print(explain_text(sc))
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.syntax import Syntax
        Console().print(Syntax(sc.source, "python", line_numbers=True, word_wrap=True))
    else:
        for n, line in enumerate(sc.source.splitlines(), 1):
            print(f"{n:4}  {line}")
    return 0


# --- quiz ------------------------------------------------------------------------------------

def add_quiz(sub):
    p = sub.add_parser("quiz", help="predict what happens, then see it (answers come from the run)")
    p.add_argument("scenario", metavar="NAME|PATH")
    cli.add_run_options(p)
    p.add_argument("--answers", action="store_true", help="print the questions with their answers at once")


def answers(sc, outcome):
    """[(question, answer)] for a finished run; an answer that cannot be computed says why."""
    out = []
    for question, answer in sc.questions:
        try:
            value = answer(outcome)
        except Exception as exc:  # a question about something that did not happen in this run
            value = f"(no answer in this run: {type(exc).__name__}: {exc})"
        out.append((question, value))
    return out


def _show(value):
    return value if isinstance(value, str) else repr(value)


def cmd_quiz(args):
    sc, outcome = cli.run_from_args(args)
    if not sc.questions:
        print(f"{sc.name} declares no QUESTIONS; try 'kernelsim list' for scenarios that do")
        return 0
    pairs = answers(sc, outcome)
    print(f"{sc.name}: {sc.title}")
    if sc.teaches:
        print(f"  「{sc.teaches}」")
    if args.seed:
        print(f"  (seed {args.seed}, schedule {outcome.schedule or '-'})")
    if outcome.variant:
        print("  this variant: " + ", ".join(f"{name} = {value!r}" for name, value in outcome.variant.items()))
    if not outcome.passed:               # said either way; the detail only where answers are shown
        detail = f" — {outcome.failures[0]}" if args.answers else f" (kernelsim run {sc.name} shows why)"
        print(f"  check: FAILED in this run{detail}")
        print("  (the answers describe a run whose claims did not hold)")
    print()
    interactive = _interactive() and not args.answers
    if interactive:
        print("Read the scenario ('kernelsim explain " + sc.name + "'), predict, then press Enter to see.\n")
    right = 0
    for n, (question, value) in enumerate(pairs, 1):
        print(f"Q{n}. {question}")
        if interactive:
            try:
                guess = input("   your prediction: ").strip()
            except EOFError:
                guess = ""
            print(f"   answer: {_show(value)}")
            if guess and guess.lower() == _show(value).lower():
                right += 1
                print("   ✓ right")
        else:
            print(f"   answer: {_show(value)}")
        print()
    if interactive:
        print(f"{right}/{len(pairs)} predicted exactly.  Step through it: kernelsim step {sc.name}")
    for c in sc.corrections:            # after the answers; the correction itself only with them
        print(f"The course notes, corrected ({c.rule}): 「{c.notes}」" +
              (f" — {c.windows}" if args.answers else f" — see kernelsim explain {sc.name}"))
    return 0


# --- run --svg / --perfetto -------------------------------------------------------------------

def _add_run_exports(run):
    _add_export_options(run, "with --svg: the step to draw (default: the last); with --html: the step the "
                             "page opens at (default: the first); a number or event text")


def _export_after_run(args, sc, outcome):
    if _exports_wanted(args):
        _export(args, sc, outcome, view.frames(sc, outcome))


@cli.option_check
def _export_options(args):
    """Options that would be ignored: a step or a width with nothing to draw, a UI while exporting."""
    if args.command not in ("run", "step"):
        return None
    drawing = getattr(args, "svg", None) or getattr(args, "html", None)
    if args.command == "run" and args.step is not None and not drawing:
        return "--step picks the step to draw: give it with --svg FILE or --html FILE"
    if getattr(args, "width", None) is not None and not getattr(args, "svg", None):
        return "--width is the SVG's width in columns: give it with --svg FILE"
    if args.command == "step" and args.ui != "auto" and _exports_wanted(args):
        return f"--ui {args.ui} has no effect when step exports (--svg, --perfetto, --html) instead of stepping"
    return None


cli.register("step", add_step, cmd_step)
cli.register("explain", add_explain, cmd_explain)
cli.register("quiz", add_quiz, cmd_quiz)
cli.extend_run(_add_run_exports, _export_after_run, _check_destinations)
