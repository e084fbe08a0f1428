"""The ``step``, ``explain`` and ``quiz`` subcommands, and ``run --svg/--perfetto`` (DESIGN §8).

``kernelsim step NAME|PATH`` takes the same options as ``run`` (--seed,
--profile, --schedule), so ``step NAME --schedule S`` replays exactly the run a
failure printed.  On a terminal it opens the Textual TUI when Textual is
installed (``pip install kernelsim[tui]``) and the plain rich prompt otherwise
(``--ui plain`` forces it); without a TTY it prints every step and exits 0 —
or 1, naming the cycle, when the run ended in a deadlock (L11).
``--svg FILE --step N`` saves one step as SVG without stepping.

``kernelsim explain NAME``: what the scenario teaches, the seed section it
comes from, the rules involved (each with its text from the rule book), and
its source.  ``--no-answers`` is the spoiler-free version for before a quiz:
no explanation, no rule texts, and the source without comments, check() or
the answer functions.

``kernelsim quiz NAME``: predict, then see (OSTEP style).  The scenario's
QUESTIONS are (question, answer-from-outcome) pairs; the answers come from the
run.  Without ``--answers`` no answer is printed, TTY or not: without a
terminal the output is a questions-only worksheet (``quiz X > sheet.txt``);
on a terminal each prediction is graded (forgivingly, ``kernelsim.answers``)
without showing the answer.  ``--answers`` prints them; ``--json`` prints the
questions, answers and variant as one object; ``--seed N`` asks about a new
variant.  A run whose check fails says so and exits 1.
"""

import os
import sys

from .. import argtypes, cli, i18n
from .. import scenario as scenarios
from ..i18n import tr
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
    parser.add_argument("--width", type=argtypes.positive_int, default=None,
                        help="columns of the SVG view (default 120)")


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
    p.add_argument("--no-answers", action="store_true",
                   help="spoiler-free, for before the quiz: no explanation, rule texts, comments or check()")


def explain_text(sc, answers=True, lang=None):
    """The explanation of a scenario; ``answers=False`` leaves out everything that gives the quiz away."""
    from .. import rulebook
    from ..rulebook.command import wrap
    lang = lang or i18n.current()
    lines = [f"{sc.name}: {i18n.title(sc.title, lang)}", ""]
    if sc.teaches:
        lines += [tr("Seed section (course notes):"), f"  「{sc.teaches}」", ""]
    if answers and sc.corrections:
        lines.append(tr("Where the course notes are wrong or outdated:"))
        for c in sc.corrections:
            lines.append(tr("  the notes say 「{notes}」", notes=c.notes))
            if lang == "ko":
                lines.append(f"  Windows ({c.rule}): {c.ko}")
            else:
                lines += [f"  Windows ({c.rule}): {c.windows}", f"  (한국어) {c.ko}"]
            lines.append("")
    if answers and sc.doc:
        heading = tr("What it shows:")
        lines += [heading] + [f"  {line}" if line else "" for line in sc.doc.splitlines()] + [""]
    if answers and sc.breaks:
        lines += [tr("A broken variant, on purpose: some schedules break {what} (find one: kernelsim explore {name}).",
                     what="; ".join(sc.breaks), name=sc.name), ""]
    if sc.rules and answers:
        lines.append(tr("Rules involved (kernelsim rule ID):"))
        for rule_id in sc.rules:
            rule = rulebook.get(rule_id)
            if rule is None:
                lines.append(f"  {rule_id:<4} " + tr("(not in the rule book)"))
                continue
            lines.append(f"  {rule_id:<4} {rule.title_in(lang)}")
            lines.append(wrap(rule.text_in(lang), "       "))
        lines.append("")
    elif sc.rules:
        lines += [tr("Rules involved: {ids} — read them after you predict (kernelsim rule ID)",
                     ids=", ".join(sc.rules)), ""]
    if sc.questions:
        lines.append(tr("Questions (kernelsim quiz {name}):", name=sc.name))
        lines += [f"  {n}. {sc.question(i18n.question(q, lang))}" for n, (q, _) in enumerate(sc.questions, 1)]
        lines.append("")
    if not answers:
        lines += [tr("Spoiler-free: comments, the explanation and check() are hidden. "
                     "Predict, then: kernelsim quiz {name} --answers", name=sc.name), ""]
    lines.append(tr("Source ({path}):", path=sc.path))
    return "\n".join(lines)


def source_lines(sc, answers=True):
    """[(line number, text)] of the scenario's source; without answers the give-aways are cut out
    (a cut block becomes one (None, marker) row; comments are removed from the lines kept)."""
    lines = sc.source.splitlines()
    if answers:
        return list(enumerate(lines, 1))
    hidden, comments = spoilers(sc.source)
    out = []
    for n, line in enumerate(lines, 1):
        if n in hidden:
            if n - 1 not in hidden or hidden[n - 1] != hidden[n]:
                out.append((None, f"      … {hidden[n]}"))
            continue
        if n in comments:
            line = line[:comments[n]].rstrip()
            if not line.strip():
                continue
        out.append((n, line))
    return out


def spoilers(source):
    """({line: why it is hidden}, {line: column where its comment starts}) for a spoiler-free listing:
    the module docstring, check(), QUESTIONS/PREDICTIONS (their answer functions) and comments."""
    import ast
    import io
    import tokenize
    hidden = {}
    body = ast.parse(source).body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        for n in range(body[0].lineno, body[0].end_lineno + 1):
            hidden[n] = tr("(the explanation is hidden until you have predicted)")
    for node in body:
        names = [t.id for t in getattr(node, "targets", []) if isinstance(t, ast.Name)]
        if isinstance(node, ast.FunctionDef) and node.name == "check":
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            for n in range(first, node.end_lineno + 1):
                hidden[n] = tr("(check() is hidden: it states the answers)")
        elif "QUESTIONS" in names or "PREDICTIONS" in names:
            for n in range(node.lineno, node.end_lineno + 1):
                hidden[n] = tr("(the questions are listed above)")
    comments = {tok.start[0]: tok.start[1] for tok in tokenize.generate_tokens(io.StringIO(source).readline)
                if tok.type == tokenize.COMMENT}
    return hidden, comments


def cmd_explain(args):
    sc = cli.load_from_args(args)
    shown = not args.no_answers
    print(explain_text(sc, shown))
    if sys.stdout.isatty() and shown:
        from rich.console import Console
        from rich.syntax import Syntax
        Console().print(Syntax(sc.source, "python", line_numbers=True, word_wrap=True))
    else:
        for n, line in source_lines(sc, shown):
            print(f"{n:4}  {line}" if n is not None else line)
    return 0


# --- quiz ------------------------------------------------------------------------------------

def add_quiz(sub):
    p = sub.add_parser("quiz", help="predict what happens, then see it (answers come from the run)")
    p.add_argument("scenario", metavar="NAME|PATH")
    cli.add_run_options(p)
    p.add_argument("--answers", action="store_true", help="print the questions with their answers")
    p.add_argument("--json", action="store_true", help="questions, answers and the variant as one JSON object")


def answers(sc, outcome):
    """[(question, answer)] for a finished run; an answer that cannot be computed says why."""
    out = []
    for question, answer in sc.questions:
        try:
            value = answer(outcome)
        except Exception as exc:  # a question about something that did not happen in this run
            value = f"(no answer in this run: {type(exc).__name__}: {exc})"
        out.append((sc.question(question), value))
    return out


def quiz_json(sc, outcome, lang=None):
    from .. import answers as fmt
    lang = lang or i18n.current()
    questions = []
    for n, ((template, _), (_, value)) in enumerate(zip(sc.questions, answers(sc, outcome)), 1):
        questions.append({"number": n, "question": sc.question(i18n.question(template, lang)),
                          "answer": fmt.json_value(value), "answer_text": fmt.show(value)})
    return {"scenario": sc.name, "title": i18n.title(sc.title, lang), "teaches": sc.teaches,
            "seed": outcome.seed, "profile": outcome.profile, "schedule": outcome.schedule,
            "variant": {k: fmt.json_value(v) for k, v in outcome.variant.items()},
            "set": {k: fmt.json_value(v) for k, v in outcome.overrides.items()},
            "passed": outcome.passed, "failures": list(outcome.failures), "questions": questions}


def cmd_quiz(args):
    import json

    from .. import answers as fmt
    sc, outcome = cli.run_from_args(args, snapshots=False)
    if args.json:
        print(json.dumps(quiz_json(sc, outcome), ensure_ascii=False))
        return 1 if split_failures(sc, outcome)[1] else 0
    if not sc.questions:
        print(tr("{name} declares no QUESTIONS; try 'kernelsim list' for scenarios that do", name=sc.name))
        return 0
    pairs = answers(sc, outcome)
    print(f"{sc.name}: {i18n.title(sc.title)}")
    if sc.teaches:
        print(f"  「{sc.teaches}」")
    if args.seed:
        print("  " + tr("(seed {seed}, schedule {schedule})", seed=args.seed, schedule=outcome.schedule or "-"))
    if outcome.variant:
        print("  " + tr("this variant: {values}",
                        values=", ".join(f"{name} = {value!r}" for name, value in outcome.variant.items())))
    if outcome.overrides:
        print("  " + tr("set: {values}", values=", ".join(f"{k} = {v!r}" for k, v in outcome.overrides.items())))
    lesson, failed = split_failures(sc, outcome)
    if failed:                           # said either way; the detail only where answers are shown
        if args.answers:
            print("  " + tr("check: FAILED in this run — {failure}", failure=failed[0]))
        else:
            print("  " + tr("check: FAILED in this run (kernelsim run {name} shows why)", name=sc.name))
        print("  " + tr("(the answers below describe a run whose claims did not hold)"))
    elif lesson and args.answers:
        print("  " + tr("as this broken variant is meant to (its lesson): {failure}", failure=lesson[0]))
    elif lesson:                        # a worksheet: the invariant's name, not the detail (it may be an answer)
        print("  " + tr("this run breaks an invariant, as this broken variant is meant to (its lesson): {names}",
                        names="; ".join(sc.breaks)))
    print()
    again = f"kernelsim quiz {sc.name}" + (f" --seed {args.seed}" if args.seed else "") + cli.set_args(args)
    interactive = _interactive() and not args.answers
    if interactive:
        print(tr("Read the scenario first ('kernelsim explain {name} --no-answers'), then predict.",
                 name=sc.name) + "\n")
    right = 0
    for n, ((template, _), (_, value)) in enumerate(zip(sc.questions, pairs), 1):
        print(f"Q{n}. {sc.question(i18n.question(template))}")
        if args.answers:
            print("   " + tr("answer: {answer}", answer=fmt.show(value)))
        elif interactive:
            try:
                guess = input("   " + tr("your prediction: ")).strip()
            except EOFError:
                guess = ""
            if guess and fmt.matches(guess, value):
                right += 1
                print("   ✓ " + tr("right"))
            else:
                print("   ✗ " + tr("not what the run shows"))
        else:
            print("   " + tr("answer: {answer}", answer="_" * 30))
        print()
    if interactive:
        print(tr("{right}/{total} right.  The answers: {command} --answers   Step through it: kernelsim step {name}",
                 right=right, total=len(pairs), command=again, name=sc.name))
    elif not args.answers:
        print(tr("Predict first ('kernelsim explain {name} --no-answers' shows the code without spoilers); "
                 "then check: {command} --answers", name=sc.name, command=again))
    for c in sc.corrections:            # after the answers; the correction itself only with them
        if args.answers:
            print(tr("The course notes, corrected ({rule}): 「{notes}」 — {windows}", rule=c.rule, notes=c.notes,
                     windows=c.ko if i18n.current() == "ko" else c.windows))
        else:
            print(tr("The course notes, corrected ({rule}): 「{notes}」 — see kernelsim explain {name}",
                     rule=c.rule, notes=c.notes, name=sc.name))
    return 1 if failed else 0


def split_failures(sc, outcome):
    """(the failures a broken race variant declares in BREAKS — its lesson —, every other failure)."""
    lesson = [f for f in outcome.failures if any(f.startswith(f"invariant broken: {b} —") for b in sc.breaks)]
    return lesson, [f for f in outcome.failures if f not in lesson]


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
