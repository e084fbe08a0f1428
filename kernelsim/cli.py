"""The ``kernelsim`` command (DESIGN §8).  Exit codes: 0 ok, 1 a claim or invariant failed, 2 usage or input error."""

import argparse
import json
import sys

from . import argtypes, i18n
from . import scenario as scenarios
from .i18n import console, tr
from .model import ScenarioError


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error names the problem after the usage line and exits 2."""

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: {tr('error')}: {i18n.localise(message)}\n")


def build_parser():
    from . import __version__
    parser = Parser(prog="kernelsim", description="Step through the rules of the Windows I/O kernel.")
    parser.add_argument("--version", action="version", version=f"kernelsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    parser.commands = sub.choices           # name -> its parser (option_problem's messages use it)

    sub.add_parser("list", help="the scenario catalogue")

    run = sub.add_parser("run", help="run a scenario on the model and narrate it")
    run.add_argument("scenario", metavar="NAME|PATH")
    add_run_options(run)
    run.add_argument("--json", action="store_true", help="print the outcome as one JSON object")
    for add_options, _, _ in _RUN_EXTENSIONS:
        add_options(run)

    for extra in _EXTRA_COMMANDS:
        extra(sub)
    for command in sub.choices.values():
        command.add_argument("--lang", choices=i18n.LANGS, default=None,
                             help="language of the output (default: KERNELSIM_LANG, else the locale)")
    return parser


def add_run_options(parser):
    parser.add_argument("--seed", type=int, default=0, help="0: the default policy; other: seeded random choices")
    from .model.profile import PROFILES
    parser.add_argument("--profile", choices=list(PROFILES), default=None)
    parser.add_argument("--schedule", default=None, help="replay choices, e.g. 0.2.1")
    parser.add_argument("--spin-limit", type=argtypes.positive_int, default=None, metavar="N",
                        help="stop a loop that makes N calls without simulated time passing (default 1,000,000)")
    parser.add_argument("--max-events", type=argtypes.positive_int, default=None, metavar="N",
                        help="stop a run that records more than N trace events (default 100,000)")
    add_set_option(parser)


def add_set_option(parser):
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override one of the scenario's top-level constants (repeatable), e.g. --set WORKERS=5")


def load_from_args(args):
    """The scenario named on the command line, with its --set overrides applied."""
    sc = scenarios.load(args.scenario)
    sc.set_constants(getattr(args, "set", None))
    return sc


def set_args(args):
    """' --set NAME=VALUE …' for a replay command line, so that it replays the same run."""
    import shlex
    return "".join(f" --set {shlex.quote(a)}" for a in getattr(args, "set", None) or ())


def run_config(args):
    """CONFIG overrides from the run options (the runaway guards' limits)."""
    config = {}
    if getattr(args, "spin_limit", None):
        config["spin_limit"] = args.spin_limit
    if getattr(args, "max_events", None):
        config["max_events"] = args.max_events
    return config


EXTENSIONS = ("kernelsim.ui.commands", "kernelsim.live.commands", "kernelsim.explore", "kernelsim.rulebook.command",
              "kernelsim.grade", "kernelsim.classwork")


def _load_extensions():
    """Import the modules that add subcommands (step, explain, quiz, live, validate, explore)."""
    import importlib
    for module in EXTENSIONS:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def main(argv=None):
    console.make_safe()
    argv = list(sys.argv[1:] if argv is None else argv)
    i18n.set_lang(_lang_in(argv))
    try:
        _load_extensions()
        parser = build_parser()
        args = parser.parse_args(argv)
        for check in OPTION_CHECKS:
            problem = check(args)
            if problem:                                # contradictory or ignored options: usage, exit 2
                parser.commands.get(args.command, parser).error(problem)
        return COMMANDS[args.command](args)
    except scenarios.UsageError as exc:
        print(f"kernelsim: {i18n.localise(str(exc))}", file=sys.stderr)
        return 2
    except scenarios.LoadError as exc:
        print("kernelsim: " + tr("cannot load scenario: {file}, line {line}: {message}",
                                 file=exc.file, line=exc.line, message=i18n.localise(exc.message)), file=sys.stderr)
        return 2
    except ScenarioError as exc:
        print("kernelsim: " + tr("the scenario failed: {file}, line {line}: {message}",
                                 file=exc.file, line=exc.line, message=exc.message), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    finally:
        i18n.set_lang(None)


def _lang_in(argv):
    """The --lang value, read before parsing so that usage errors are in that language too."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv) and argv[i + 1] in i18n.LANGS:
            return argv[i + 1]
        if arg.startswith("--lang=") and arg[7:] in i18n.LANGS:
            return arg[7:]
    return None


def cmd_list(args):
    from . import columns
    names = scenarios.catalogue_names()
    wide = columns.column_width(names)
    for name in names:
        sc = scenarios.load(name)
        print("\n".join(columns.rows([name], i18n.title(sc.title), [wide])))
        if sc.teaches:
            print("\n".join(columns.rows([""], f"{tr('teaches:')} {sc.teaches}", [wide])))
    return 0


def run_from_args(args, **kwargs):
    sc = load_from_args(args)
    config = {**run_config(args), **kwargs.pop("config", {})}
    outcome = scenarios.run(sc, seed=args.seed, profile=args.profile, schedule=args.schedule, config=config,
                            **kwargs)
    trace = outcome.trace
    if trace is not None and trace.stopped is not None:
        mb = outcome.kernel.recorder.budget / (1 << 20)
        print(f"kernelsim: stopped recording snapshots at step {trace.stopped:,} of {len(trace.events):,}: "
              f"they would pass {mb:g} MB (CONFIG snapshot_mb); later steps are rebuilt by replaying the run "
              "when shown", file=sys.stderr)
    return sc, outcome


def cmd_run(args):
    wanted = [before_run(args) for _, _, before_run in _RUN_EXTENSIONS if before_run is not None]
    sc, outcome = run_from_args(args, snapshots=any(wanted))
    if args.json:
        print(json.dumps(outcome.to_json(), ensure_ascii=False))
    else:
        print(narrate(sc, outcome))
    for _, after_run, _ in _RUN_EXTENSIONS:
        after_run(args, sc, outcome)
    return 0 if outcome.passed else 1


def narrate(sc, outcome):
    """The OSTEP-style narration: ARG lines, then one row per event with its why (in the current language)."""
    k = outcome.kernel
    lines = [f"ARG scenario {sc.name}", f"ARG title {i18n.title(sc.title)}"]
    if sc.teaches:
        lines.append(f"ARG teaches {sc.teaches}")
    lines += [f"ARG correction {c.text(i18n.current())}" for c in sc.corrections]     # where the notes are wrong
    lines += [f"ARG seed {outcome.seed}"]
    lines += [f"ARG variant {name}={value!r}" for name, value in outcome.variant.items()]
    lines += [f"ARG set {name}={value!r}" for name, value in getattr(outcome, "overrides", {}).items()]
    lines += [f"ARG profile {outcome.profile}", f"ARG cpus {k.cpus}",
              f"ARG schedule {outcome.schedule or '(no choices)'}", ""]
    from .ui.view import scenario_source, where       # the library's rows: fixed.py:207
    own = scenario_source(sc)[0]
    places = [where(e, own) for e in outcome.trace]
    width = max([4] + [len(p) for p in places])
    lines.append(f"{tr('time ms'):>10}  {tr('thread'):<8} {tr('line'):>{width}}  {tr('event')}")
    for e, line in zip(outcome.trace, places):
        row = f"{e.time:10.3f}  {e.thread:<8} {line:>{width}}  {i18n.event_text(e)}"
        why = i18n.event_why(e)
        if why:
            row += f"  — {why}"
        lines.append(row)
    lines.append("")
    if outcome.notes():
        lines.append(tr("notes:"))
        for n in outcome.notes():
            fields = " ".join(f"{key}={value!r}" for key, value in n.fields.items())
            lines.append(f"  {n.time:10.3f}  {n.thread:<8} {n.tag} {fields}")
    lines += check_lines(sc, outcome)
    return "\n".join(lines)


def check_lines(sc, outcome):
    """'check: passed' / 'check: FAILED: …' / 'check: none declared', in the current language."""
    if outcome.failures:            # the verdict is the failure (a hang, a broken claim)
        return [tr("check: FAILED: {failure}", failure=failure) for failure in outcome.failures]
    return [tr("check: none declared") if sc.check is None else tr("check: passed")]


COMMANDS = {"list": cmd_list, "run": cmd_run}
_EXTRA_COMMANDS = []
_RUN_EXTENSIONS = []
OPTION_CHECKS = []          # check(args) -> a message when options contradict each other or would be ignored


def option_check(check):
    """Register ``check(args) -> str | None``: a message makes the command print usage and exit 2."""
    OPTION_CHECKS.append(check)
    return check


def register(name, add_parser, handler):
    """Let another module (the stepper, the live adapter, the explorer) add a subcommand."""
    COMMANDS[name] = handler
    _EXTRA_COMMANDS.append(add_parser)


def extend_run(add_options, after_run, before_run=None):
    """Let another module add options to ``run`` and act on its outcome (the exports: --svg, --perfetto,
    --html).  ``before_run(args)`` checks the options before the run (a UsageError exits 2) and says
    whether the run must record snapshots."""
    _RUN_EXTENSIONS.append((add_options, after_run, before_run))


if __name__ == "__main__":
    sys.exit(main())
