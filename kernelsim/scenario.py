"""Scenarios: finding them, loading them, and running them on the model.

A scenario is a Python module written against ``kernelsim.win32`` (DESIGN §3):
TITLE, optional TEACHES / CONFIG / RULES / QUESTIONS, a generator function
``main`` and an optional ``check(outcome)``.  A scenario may also define
``variant(rng)``: for a nonzero ``--seed`` it returns new values for some of the
module's names (a number of workers, a key, a delay), drawn from ``rng``
(random.Random(seed)), so that a quiz can ask the same question of a new case.
``--set NAME=VALUE`` overrides one of the scenario's top-level constants
(``WORKERS = 3``) after the variant; ``constants()`` lists those it has.  The
catalogue is the package's ``scenarios`` folder; a name is the file name with
dashes (``lifo-wakeup`` is ``lifo_wakeup.py``).

Two optional names concern what the scenario teaches rather than what it runs:
``SEED_CORRECTION`` (where the course notes are wrong or outdated: what they
say, what Windows does, in English and Korean, and the rule id) and ``BREAKS``
(a broken race variant: the invariants it is meant to break under some
schedule — its lesson — while every ``check`` claim still holds).
"""

import ast
import difflib
import os
import random
import re
import traceback
import types
from pathlib import Path
from typing import NamedTuple

from .model import Captured, Kernel, ScenarioError, parse_schedule
from .model.pool import MEMORY_RULES
from .outcome import Outcome


class UsageError(Exception):
    """A user mistake that is not a scenario bug: unknown name, bad argument (exit 2)."""


class LoadError(Exception):
    """A scenario file that cannot be loaded: its file, line and what is wrong (exit 2)."""

    def __init__(self, file, line, message):
        super().__init__(f"{file}:{line}: {message}")
        self.file, self.line, self.message = file, line, message


def catalogue_dir():
    """The installed catalogue (``kernelsim/scenarios``), or the repository's ``scenarios/``."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "scenarios", here.parent / "scenarios"):
        if candidate.is_dir():
            return candidate
    return here / "scenarios"


def catalogue_names():
    return sorted(p.stem.replace("_", "-") for p in catalogue_dir().glob("*.py") if not p.name.startswith("_"))


# Old names that still work on the command line (not listed): renamed scenarios.
ALIASES = {"eventselect-64": "overlapped-events-64"}


def find(name_or_path):
    """A catalogue name or a path → the scenario file's Path; UsageError names the closest matches."""
    text = str(name_or_path)
    path = Path(text)
    if text.endswith(".py") or os.sep in text or "/" in text:
        if path.is_file():
            return path.resolve()
        raise UsageError(f"no scenario file {text}")
    text = ALIASES.get(text, text)
    candidate = catalogue_dir() / (text.replace("-", "_") + ".py")
    if candidate.is_file():
        return candidate
    names = catalogue_names()
    close = difflib.get_close_matches(text, names, n=3, cutoff=0.4)
    hint = f"; did you mean {', '.join(close)}?" if close else "; 'kernelsim list' shows the catalogue"
    raise UsageError(f"unknown scenario {text!r}{hint}")


class Correction(NamedTuple):
    """Where the course notes are wrong or outdated: what they say, what Windows does, the rule."""

    notes: str          # the notes' claim, quoted (Korean, as written)
    windows: str        # what Windows does, in English
    ko: str             # the same, in Korean, in the notes' own terms
    rule: str           # the rule id (SEMANTICS / the rule book)

    def text(self, lang="en"):
        said = "노트" if lang == "ko" else "the notes say"
        does = "실제 Windows" if lang == "ko" else "Windows"
        return f"{said} 「{self.notes}」 — {does}: {self.ko if lang == 'ko' else self.windows} ({self.rule})"


_CORRECTION_KEYS = ("notes", "windows", "ko", "rule")
_RULE_ID = re.compile(r"^[A-FL]\d{1,2}$")


def _corrections(path, module):
    """SEED_CORRECTION → a tuple of Correction; LoadError (file, line) for a malformed one."""
    value = getattr(module, "SEED_CORRECTION", ())
    items = [value] if isinstance(value, dict) else list(value or ())
    out = []
    for item in items:
        keys = tuple(item) if isinstance(item, dict) else ()
        if (sorted(keys) != sorted(_CORRECTION_KEYS)
                or not all(isinstance(item[k], str) and item[k].strip() for k in _CORRECTION_KEYS)
                or not _RULE_ID.match(item["rule"])):
            raise LoadError(str(path), _assignment_line(path, "SEED_CORRECTION"),
                            "SEED_CORRECTION entries are dicts with the text keys notes, windows, ko and rule "
                            f"(a rule id like D1), not {item!r}")
        out.append(Correction(*(item[k].strip() for k in _CORRECTION_KEYS)))
    return tuple(out)


def _assignment_line(path, name):
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith(name):
            return n
    return 1


class Scenario:
    def __init__(self, path, module):
        self.path = str(path)
        self.module = module
        self.name = Path(path).stem.replace("_", "-")
        self.title = getattr(module, "TITLE", self.name)
        self.teaches = getattr(module, "TEACHES", "")
        self.rules = tuple(getattr(module, "RULES", ()))
        self.config = dict(getattr(module, "CONFIG", {}) or {})
        self.main = module.main
        self.check = getattr(module, "check", None)
        self.questions = list(getattr(module, "QUESTIONS", ()) or ())
        self.corrections = _corrections(path, module)
        self.breaks = tuple(getattr(module, "BREAKS", ()) or ())
        self.doc = (module.__doc__ or "").strip()
        self.originals = dict(vars(module))        # the file as written: restored before every run
        self.touched = set()
        self.overrides = {}                        # --set NAME=VALUE, applied after the variant

    def constants(self):
        """The top-level constants --set may change: {NAME: value as written in the file}."""
        from . import win32
        surface = vars(win32)
        return {name: value for name, value in self.originals.items()
                if CONSTANT.fullmatch(name) and name not in NOT_CONSTANTS
                and isinstance(value, SETTABLE) and not (name in surface and surface[name] == value)}

    def set_constants(self, assignments):
        """Parse ``["NAME=VALUE", ...]`` (from --set) into overrides; UsageError names the problem."""
        known = self.constants()
        for text in assignments or ():
            name, sep, raw = text.partition("=")
            name = name.strip()
            if not sep or not name:
                raise UsageError(f"--set {text}: write NAME=VALUE, e.g. --set {next(iter(known), 'WORKERS')}=4")
            if name not in known:
                have = ", ".join(known) or "none"
                close = difflib.get_close_matches(name, list(known), n=1)
                hint = f"; did you mean {close[0]}?" if close else ""
                raise UsageError(f"--set {text}: {self.name} has no constant {name}{hint} (it has: {have})")
            self.overrides[name] = parse_constant(name, raw, known[name])

    def apply_variant(self, seed):
        """Set the module's names for this run: the file's values, the seed's variant, then --set.
        → the names the variant changed (seed 0: none; the file as written)."""
        spaces = self._namespaces()
        for name in self.touched:
            for space in spaces:
                space[name] = self.originals[name]
        make = getattr(self.module, "variant", None)
        variant = dict(make(random.Random(seed))) if (make is not None and seed) else {}
        for name, value in {**variant, **self.overrides}.items():
            if name not in self.originals:
                raise ScenarioError(self.path, getattr(make, "__code__", None) and make.__code__.co_firstlineno or 0,
                                    f"variant() sets {name}, which the scenario does not define")
            for space in spaces:
                space[name] = value
            self.touched.add(name)
        return variant

    def _namespaces(self):
        """Where the scenario's code reads its names: the module, and for a twin (a ``-fixed`` file built
        with ``netlib.catalogue.twin``) the sibling's namespace its functions were defined in."""
        spaces = [vars(self.module)]
        code_globals = getattr(self.main, "__globals__", None)
        if code_globals is not None and code_globals is not spaces[0]:
            spaces.append(code_globals)
        return spaces

    def question(self, text):
        """A question with the run's values of the scenario's names filled in ("{WORKERS} workers …")."""
        return _fill_names(text, vars(self.module))

    @property
    def source(self):
        return Path(self.path).read_text(encoding="utf-8")


CONSTANT = re.compile(r"[A-Z][A-Z0-9_]*")
NOT_CONSTANTS = {"TITLE", "TEACHES", "RULES", "CONFIG", "QUESTIONS", "PREDICTIONS", "SEED_CORRECTION", "BREAKS",
                 "LIVE", "LIVE_REASON",
                 "NEEDS_WINDOWS", "LIVE_TOLERANCE", "NOT_LIVE_ON", "UNORDERED_TAGS", "POOLS"}
SETTABLE = (bool, int, float, str, bytes, tuple, list, type(None))


def parse_constant(name, raw, current):
    """A --set value, read as the type the scenario gave the name; UsageError if it is not one."""
    text = raw.strip()
    kind = type(current).__name__

    def bad(why=""):
        return UsageError(f"--set {name}={raw}: {name} is {kind} ({current!r} in the file){why}")

    if isinstance(current, bool):
        words = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
        if text.lower() not in words:
            raise bad("; give True or False")
        return words[text.lower()]
    if isinstance(current, int):
        try:
            return int(text, 0)
        except ValueError:
            raise bad("; give a whole number") from None
    if isinstance(current, float):
        try:
            return float(text)
        except ValueError:
            raise bad("; give a number") from None
    if isinstance(current, str):
        return text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" else text
    if isinstance(current, bytes):
        if text[:2] in ("b'", 'b"'):
            try:
                return ast.literal_eval(text)
            except (ValueError, SyntaxError):
                raise bad("; give text, or a bytes literal b'...'") from None
        return text.encode()
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        if isinstance(current, (tuple, list)) and all(isinstance(v, str) for v in current):
            value = tuple(part.strip() for part in text.split(",") if part.strip())
        else:
            raise bad("; give a Python literal") from None
    if isinstance(current, (tuple, list)):
        if not isinstance(value, (tuple, list)):
            value = (value,)
        return type(current)(value)
    return value


def _fill_names(text, names):
    """'{WORKERS} workers' → '3 workers' ('{NAME!r}' → repr); any other brace is left as it is."""
    def value(m):
        if m.group(1) not in names:
            return m.group(0)
        return repr(names[m.group(1)]) if m.group(2) else str(names[m.group(1)])
    return re.sub(r"\{([A-Z][A-Z0-9_]*)(!r)?\}", value, text)


def load(name_or_path):
    """Import a scenario file as a fresh module; LoadError carries its file and line."""
    path = find(name_or_path)
    source = path.read_text(encoding="utf-8")
    try:
        code = compile(source, str(path), "exec")
    except SyntaxError as exc:
        raise LoadError(str(path), exc.lineno or 0, f"syntax error: {exc.msg}") from None
    module = types.ModuleType("kernelsim_scenario_" + path.stem)
    module.__file__ = str(path)
    try:
        exec(code, module.__dict__)
    except Exception as exc:  # the scenario's own import-time error
        line = _line_in(exc, str(path))
        raise LoadError(str(path), line, f"{type(exc).__name__}: {exc}") from None
    main = getattr(module, "main", None)
    if main is None:
        raise LoadError(str(path), 1, "the scenario defines no main() thread function")
    import inspect
    if not inspect.isgeneratorfunction(main):
        raise LoadError(str(path), main.__code__.co_firstlineno,
                        "main() must be a generator function: it should yield Win32 calls")
    return Scenario(path, module)


def _line_in(exc, filename):
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    if frames:
        return frames[-1].lineno
    return getattr(exc, "lineno", 0) or 0


def run(scenario, seed=0, profile=None, schedule=None, trace=True, snapshots=True, policy=None,
        invariants=(), config=None, on_kernel=None, deadline=None, tracer=None):
    """Run a scenario on the model and check its claims.  ScenarioError for a scenario bug.

    ``on_kernel(kernel)`` is called before the run starts (the live comparison reads each
    thread's last error through it); ``tracer`` is the explorer's view of every step (dpor.py)."""
    if isinstance(scenario, (str, Path)):
        scenario = load(scenario)
    if isinstance(schedule, str):
        try:
            schedule = parse_schedule(schedule)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    variant = scenario.apply_variant(seed)
    cfg = {**scenario.config, **(config or {})}
    profile = profile or cfg.get("profile", "windows")
    if cfg.get("memory_rule", "nt4") not in MEMORY_RULES:
        raise LoadError(scenario.path, _assignment_line(scenario.path, "CONFIG"),
                        f"CONFIG memory_rule {cfg['memory_rule']!r}: use one of {', '.join(MEMORY_RULES)}")
    kernel = Kernel(cfg, profile, seed=seed, schedule=schedule, trace=trace, snapshots=snapshots,
                    policy=policy, source_file=scenario.path, deadline=deadline)
    kernel.invariants.extend(invariants)
    if on_kernel is not None:
        on_kernel(kernel)
    kernel.tracer = tracer              # the explorer's view of every step (dpor.py), or None
    try:
        kernel.start(scenario.main)
        kernel.run()
    except ValueError as exc:           # an impossible --schedule
        raise UsageError(str(exc)) from None
    outcome = Outcome(scenario.name, seed, kernel.profile.describe(), kernel.notes, kernel.trace,
                      kernel.chooser.schedule, kernel.end_reason, kernel)
    outcome.variant = variant
    # How to run exactly this again (rebuild): every choice as taken, whatever made it.
    outcome.replay = (scenario, seed, profile, list(kernel.chooser.taken), config, tuple(invariants))
    kernel.trace.rebuild = lambda seqs: rebuild(outcome, seqs)
    outcome.overrides = dict(scenario.overrides)
    expect_deadlock = cfg.get("expect_deadlock")       # a scenario that shows a deadlock claims it (L11)
    if kernel.end_reason == "invariant violated":      # the race layer stopped the run (DESIGN §7)
        v = outcome.notes("violation")[0]
        outcome.failures.append(f"invariant broken: {v.invariant} — {v.detail}")
    elif kernel.end_reason == "deadlock":
        if not expect_deadlock:
            outcome.failures.append(f"deadlock: {kernel.deadlock}")
    elif expect_deadlock:
        outcome.failures.append(f"the scenario expects a deadlock (CONFIG expect_deadlock), but the run ended: "
                                f"{kernel.end_reason} — {_stuck(kernel)}")
    elif kernel.end_reason in ("event limit", "step limit", "time limit"):
        outcome.failures.append(f"the run did not finish: {kernel.end_detail} — {_stuck(kernel)}")
    elif kernel.end_reason not in ("main returned",) and not cfg.get("may_hang"):
        outcome.failures.append(f"the run did not finish: {kernel.end_reason} — {_stuck(kernel)}")
    if scenario.check is not None:
        _check(scenario, outcome)
    return outcome


def rebuild(outcome, seqs):
    """Snapshots of steps ``seqs`` rebuilt by replaying the run → {seq: Snapshot}.

    The run is deterministic (same scenario, seed and choices: the same trace),
    so replaying it and taking a snapshot from scratch at step ``seq`` gives what
    recording would have kept.  The replay stops at the last step asked for.  It
    is how the stepper shows steps the memory guard did not record, and what the
    recorded, shared snapshots are tested against.
    """
    scenario, seed, profile, taken, config, invariants = outcome.replay
    wanted = sorted(set(seqs))
    if not wanted:
        return {}
    scenario.apply_variant(seed)
    cfg = {**scenario.config, **(config or {})}
    kernel = Kernel(cfg, profile, seed=seed, schedule=taken, trace=True, snapshots=False,
                    source_file=scenario.path)
    kernel.invariants.extend(invariants)
    kernel.capture = dict.fromkeys(wanted)
    try:
        kernel.start(scenario.main)
        kernel.run()
    except Captured:
        pass
    except ScenarioError:
        pass                                  # the recorded run ended the same way; what was captured stands
    recorded = outcome.trace.events if outcome.trace is not None else []
    for seq in wanted:
        replayed = kernel.trace.events[seq] if seq < len(kernel.trace.events) else None
        if replayed is None or seq >= len(recorded) or replayed.text != recorded[seq].text:
            raise RuntimeError(f"replaying {scenario.name} did not reach the same step {seq + 1}: the scenario "
                               "is not deterministic (module state kept between runs?)")
    return dict(kernel.capture)


def _stuck(kernel):
    waiting = [f"{t.name} waits on {t.wait.what}{_held(t.wait)}" for t in kernel.threads if t.wait is not None]
    return "; ".join(waiting) or "no thread is waiting"


def _held(wait):
    """For a wait on a lock: who holds it now (locks.py), e.g. ' (owned by T1, which has exited (L10))'."""
    held_by = getattr(wait.data, "held_by", None)
    return f" ({held_by()})" if held_by is not None else ""


def _check(scenario, outcome):
    try:
        scenario.check(outcome)
    except AssertionError as exc:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == scenario.path]
        where = f"line {frames[-1].lineno}: {frames[-1].line}" if frames else "check"
        outcome.failures.append(f"{where}" + (f" — {exc}" if str(exc) else ""))
    except Exception as exc:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == scenario.path]
        line = frames[-1].lineno if frames else 0
        raise ScenarioError(scenario.path, line, f"check raised {type(exc).__name__}: {exc}") from None
