"""Which narration strings exist, and which of them a catalogue cannot translate.

Narration is the ``template`` and ``why`` strings given to ``kernel.emit`` in
``kernelsim/model`` and ``kernelsim/netlib``.  They are collected two ways, so
that a template added anywhere is caught:

* from the source (``source_strings``): every string a ``template``/``why``/
  ``text`` argument can take, read from the AST — literal strings, f-strings
  (their ``{…}`` parts become wildcards), ``a + b`` and ``x if c else y``;
* from the trace of runs (``trace_strings``): what the catalogue scenarios
  really print.

``missing(lang)`` lists what has no entry; ``python -m kernelsim.i18n.coverage``
prints it.
"""

import ast
import itertools
import re
from pathlib import Path

from . import RULE_IDS, catalogue

WILD = "\x00"                      # stands for text computed at run time
PACKAGE = Path(__file__).resolve().parent.parent
SOURCES = ("model", "netlib")
NARRATORS = {"emit": (2, 3)}       # emit(kind, thread, template, why): positions of template and why
HELPERS = {"unwait": 3, "complete": 4, "cancel": 3, "end": 0}   # helpers whose positional argument is a why
NOT_NARRATION = {"_misuse", "ScenarioError", "UsageError", "ValueError", "TypeError"}   # errors, not narration
CITES = re.compile(r"\((?:[^()]*[;,] )?[A-Z]\d{1,2}(?:, [A-Z]\d{1,2})*\)$")     # "... (L6, L3)": a why


def _strings(node, depth=0):
    """The strings an expression can evaluate to (WILD for the parts only known at run time)."""
    if depth > 6:
        return {WILD}
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.JoinedStr):
        parts = [_strings(v, depth + 1) if isinstance(v, ast.Constant) else {WILD} for v in node.values]
        return {"".join(p) for p in itertools.product(*parts)}
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return {a + b for a in _strings(node.left, depth + 1) for b in _strings(node.right, depth + 1)}
    if isinstance(node, ast.IfExp):
        return _strings(node.body, depth + 1) | _strings(node.orelse, depth + 1)
    if isinstance(node, ast.BoolOp):
        return set().union(*(_strings(v, depth + 1) for v in node.values))
    return {WILD}


def _name(func):
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def source_strings(root=PACKAGE, folders=SOURCES):
    """{(kind, text)} for every narration string in the source; kind is "template" or "why"."""
    found = set()
    for folder in folders:
        for path in sorted((Path(root) / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            for node in ast.walk(tree):
                found |= _from_node(node)
    return {(kind, text) for kind, text in found if text.strip() and text.strip(WILD + " ")}


def _from_node(node):
    found = set()
    if isinstance(node, ast.Call):
        name = _name(node.func)
        if name in NARRATORS:
            t_pos, w_pos = NARRATORS[name]
            if len(node.args) > t_pos:
                found |= {("template", s) for s in _strings(node.args[t_pos])}
            if len(node.args) > w_pos:
                found |= {("why", s) for s in _strings(node.args[w_pos])}
        if name in HELPERS and len(node.args) > HELPERS[name]:
            found |= {("why", s) for s in _strings(node.args[HELPERS[name]])}
        for arg in node.args if name not in NOT_NARRATION else ():   # a "{thread} …" template, a "… (A4)" why
            for s in _strings(arg):
                if "{thread}" in s:
                    found.add(("template", s))
                elif CITES.search(s) and not re.search(r"\{[a-z_]+\}", s):
                    found.add(("why", s))
        for kw in node.keywords:
            if kw.arg == "why":
                found |= {("why", s) for s in _strings(kw.value)}
            elif kw.arg == "text" and name in set(HELPERS) | {"unwait", "block"}:
                found |= {("template", s) for s in _strings(kw.value)}
    elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "why" for t in node.targets):
        found |= {("why", s) for s in _strings(node.value)}
    elif isinstance(node, ast.FunctionDef):          # defaults of why=/text= parameters
        args = node.args.args[len(node.args.args) - len(node.args.defaults):]
        for arg, default in zip(args + node.args.kwonlyargs, node.args.defaults + node.args.kw_defaults):
            if default is not None and arg.arg in ("why", "text"):
                kind = "why" if arg.arg == "why" else "template"
                found |= {(kind, s) for s in _strings(default)}
    return found


def trace_strings(names=None, profiles=("windows", "wine", "xp")):
    """{(kind, text)} for every template and why in the traces of catalogue scenarios (all profiles)."""
    from .. import scenario
    found = set()
    for name in names or scenario.catalogue_names():
        for profile in profiles:
            sc = scenario.load(name)
            try:
                outcome = scenario.run(sc, profile=profile, snapshots=False)
            except Exception:          # a scenario that crashes under a profile narrates what it reached
                continue
            for event in outcome.trace:
                found.add(("template", event.template))
                if event.why:
                    found.add(("why", event.why))
    return found


def translatable(kind, text, lang):
    """Does ``lang``'s catalogue have an entry for this narration string?

    A string read from the source with a run-time part (WILD) counts when
    some entry fits it: a pattern whose slot covers that part, or an exact
    entry for one of its values (the traces check each value that occurs).
    """
    cat = catalogue(lang)
    table = "NARRATION" if kind == "template" else "WHY"
    if kind == "why" and RULE_IDS.match(text):
        return True
    if text in cat.tables[table]:
        return True
    if WILD not in text:
        return any(pattern.match(text) for pattern, _ in cat.patterns[table])
    family = re.compile("^" + ".+?".join(re.escape(part) for part in text.split(WILD)) + "$", re.S)
    probe = text.replace(WILD, "\x01x\x01")
    return (any(pattern.match(probe) for pattern, _ in cat.patterns[table])
            or any(family.match(key) for key in cat.tables[table]))


def missing(lang="ko", strings=None):
    strings = strings if strings is not None else source_strings() | trace_strings()
    return sorted((kind, text) for kind, text in strings if not translatable(kind, text, lang))


if __name__ == "__main__":
    for kind, text in missing():
        print(f"{kind:8} {text.replace(WILD, '{…}')!r}")


def message_keys(root=PACKAGE):
    """Every literal message given to ``tr(...)`` in the package: the keys the catalogues must have."""
    keys = set()
    for path in sorted(Path(root).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and _name(node.func) == "tr" and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                keys.add(node.args[0].value)
    return keys
