"""``kernelsim grade FILE``: grade a student's scenario, library fix or prediction sheet.

What it does, in order (DESIGN §8, "Added in the second round"):

1. load the file — a file that does not load is exit 2 with its file and line;
2. run it on the default schedule (seed 0) and check its claims (``check``);
3. if the file declares ``PREDICTIONS`` (``{question number: "the student's answer"}``), grade each
   against the run's answer to that QUESTIONS entry, forgivingly (``kernelsim.answers.matches``);
4. search schedules as ``kernelsim explore`` does — with explore's own options, taken through
   ``explore.add_search_options``, so whatever explore learns (``--jobs``, ``--max-delay`` …) grade
   takes too — within the stated bound and at most 60 s; every schedule must keep every claim and
   prediction and break no invariant.

It prints a score (one point for the default schedule, one per prediction, one for the search) and,
when a schedule fails, the shortest failing schedule with the commands that replay it.  Exit 0 when
every claim held in every schedule searched, 1 when one failed, 2 when the file does not load.
"""

import json
import shlex
import sys

from . import cli
from . import explore as explorer
from . import scenario as scenarios
from .answers import matches
from .i18n import tr
from .model import ScenarioError

MAX_SECONDS = 60.0


def add_parser(sub):
    p = sub.add_parser("grade", help="grade a student's scenario or fix: its claims on the default schedule, "
                                     "its predictions, then a schedule search (explore's options)")
    p.add_argument("scenario", metavar="FILE")
    explorer.add_search_options(p)


class Grade:
    """The points of one grading: (name, held, detail) for each, and the search's report."""

    def __init__(self, sc):
        self.scenario = sc
        self.items = []
        self.report = None

    def add(self, name, held, detail=""):
        self.items.append((name, bool(held), detail))

    @property
    def score(self):
        return sum(1 for _, held, _ in self.items if held)

    @property
    def passed(self):
        return all(held for _, held, _ in self.items)

    def to_json(self):
        return {"file": self.scenario.path, "scenario": self.scenario.name, "loads": True,
                "score": self.score, "max_score": len(self.items), "passed": self.passed,
                "items": [{"name": n, "held": h, "detail": d} for n, h, d in self.items],
                "search": self.report.to_json() if self.report is not None else None}


def predictions(sc):
    """{question number: prediction} from the file's PREDICTIONS (a dict, or a list in question order)."""
    raw = getattr(sc.module, "PREDICTIONS", None)
    if raw is None:
        return {}
    if isinstance(raw, dict):
        return {int(k): v for k, v in raw.items()}
    return {n: v for n, v in enumerate(raw, 1)}


def prediction_claims(sc, wanted):
    """A check that also asserts every prediction — so the search holds them in every schedule."""
    original = sc.check

    def check(outcome):
        if original is not None:
            original(outcome)
        for number, guess in wanted.items():
            answer = sc.questions[number - 1][1](outcome)
            assert matches(str(guess), answer), f"prediction Q{number} does not hold in this schedule"
    return check


def grade(sc, args, seconds):
    result = Grade(sc)
    wanted = predictions(sc)
    bad = [n for n in wanted if not 1 <= n <= len(sc.questions)]
    if bad:
        raise scenarios.UsageError(tr("{file}: PREDICTIONS names question(s) {numbers}, but QUESTIONS has {count}",
                                      file=sc.path, numbers=", ".join(map(str, bad)), count=len(sc.questions)))
    try:
        outcome = scenarios.run(sc, profile=args.profile, snapshots=False)
    except ScenarioError as exc:
        result.add(tr("the default schedule"), False, tr("the scenario crashed: {file}, line {line}: {message}",
                                                         file=exc.file, line=exc.line, message=exc.message))
        return result
    result.add(tr("the default schedule"), outcome.passed, "; ".join(outcome.failures))
    for number, guess in sorted(wanted.items()):
        question, answer = sc.questions[number - 1]
        try:
            value = answer(outcome)
        except Exception as exc:                      # a question about something that did not happen
            value = f"(no answer in this run: {type(exc).__name__})"
        right = bool(str(guess).strip()) and matches(str(guess), value)
        result.add(tr("prediction Q{n}", n=number), right,
                   tr("you wrote {guess!r}", guess=str(guess)) if not right else tr("right"))
    held = {n: g for n, g in wanted.items() if (tr("prediction Q{n}", n=n), True) in
            [(name, ok) for name, ok, _ in result.items]}
    if held:                                          # a right prediction must hold in every schedule too
        sc.check = prediction_claims(sc, held)
    report = explorer.search(sc, args, seconds=seconds, keep_going=False)
    result.report = report
    result.add(tr("the schedule search"), not report.failed,
               report.minimised.reason() if report.failed and report.minimised else "")
    return result


def describe(result, name, seconds, shown_answers=False):
    report = result.report
    lines = [tr("grade {file}", file=result.scenario.path)]
    for label, held, detail in result.items:
        mark = "✓" if held else "✗"
        lines.append(f"  {mark} {label}" + (f" — {detail}" if detail and (not held or shown_answers) else ""))
    if report is not None:
        bound = tr("at most {s:g} s", s=seconds)
        lines += ["", tr("schedule search ({bound}):", bound=bound)]
        lines += ["  " + line for line in explorer.describe(report, name).splitlines()]
    lines += ["", tr("score: {score}/{total} ({percent}%)", score=result.score, total=len(result.items),
                     percent=round(100 * result.score / max(1, len(result.items))))]
    lines.append(tr("every claim held in every schedule searched") if result.passed else
                 tr("FAILED: fix the file, then grade it again"))
    return "\n".join(lines)


def cmd_grade(args):
    sc = cli.load_from_args(args)
    seconds = MAX_SECONDS if not args.time else min(args.time, MAX_SECONDS)
    if sys.stdout.isatty() and not args.json:
        from rich.console import Console
        with Console(stderr=True).status(tr("grading {name}: the default schedule, then up to {s:g} s of schedules",
                                            name=sc.name, s=seconds)):
            result = grade(sc, args, seconds)
    else:
        result = grade(sc, args, seconds)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        print(describe(result, shlex.quote(args.scenario) + cli.set_args(args), seconds))
    return 0 if result.passed else 1


cli.register("grade", add_parser, cmd_grade)

