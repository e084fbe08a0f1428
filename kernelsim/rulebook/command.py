"""``kernelsim rule ID`` and ``kernelsim rule --list``: the rule book on the command line.

``rule A4`` prints the rule's text (Korean with ``--lang ko``), its evidence,
its sources with where to read them, the oracle's verdict, the catalogue
scenarios that show it (their RULES, and those whose narration cites it)
and the tests that pin it.  An unknown id names the closest ids and exits 2.
"""

import unicodedata

from .. import cli, i18n, rulebook
from .. import scenario as scenarios
from ..i18n import tr

WIDTH = 100


def add_parser(sub):
    p = sub.add_parser("rule", help="the rule book: one rule with its sources, scenarios and tests")
    p.add_argument("rule_id", metavar="ID", nargs="?", help="a rule id such as A4 or D7")
    p.add_argument("--list", action="store_true", help="list every rule with its title")


def width(text):
    """Columns on a terminal: Hangul and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text, indent="", columns=WIDTH):
    """Fill paragraphs to ``columns`` terminal columns (textwrap counts characters, not columns)."""
    out = []
    for paragraph in text.split("\n\n"):
        lines, line = [], indent
        for word in paragraph.split():
            if line.strip() and width(line) + 1 + width(word) > columns:
                lines.append(line)
                line = indent
            line += (" " if line.strip() else "") + word
        lines.append(line)
        out.append("\n".join(lines))
    return "\n\n".join(out)


def focused(names, index):
    """The scenario among ``names`` that declares the fewest rules: the one most about this rule."""
    counts = {}
    for listed in index["scenarios"].values():
        for name in listed:
            counts[name] = counts.get(name, 0) + 1
    return min(names, key=lambda n: (counts.get(n, 99), n))


def list_text(lang):
    lines = []
    for rule in rulebook.rules().values():
        if not lines or rule.section != lines[-1][1]:
            if lines:
                lines.append(("", None))
            lines.append((f"{rule.section}: {tr(rulebook.SECTIONS[rule.section])}", rule.section))
        lines.append((f"  {rule.id:<4} {rule.title_in(lang)}", rule.section))
    return "\n".join(text for text, _ in lines)


def rule_text(rule, lang):
    lines = [f"{rule.id} — {rule.title_in(lang)}", ""]
    lines += [wrap(rule.text_in(lang)), ""]
    if rule.evidence:
        kinds = ", ".join(f"{tr(rulebook.EVIDENCE[e])} ({e})" for e in rule.evidence.split() if e in rulebook.EVIDENCE)
        lines.append(f"{tr('evidence')}: {kinds or rule.evidence}")
    if rule.oracle:
        lines.append(f"{tr('real-Windows oracle')}: {rule.oracle}")
    if rule.sources:
        lines.append(f"{tr('sources')}:")
        for entry in rule.sources:
            tag, detail, where = rulebook.expand_source(entry)
            lines.append(f"  {tag}{' ' + detail if detail else ''}" + (f"\n      {where}" if where else ""))
    index = rulebook.load_index()
    declared = index["scenarios"].get(rule.id, [])
    narrated = [n for n in index["narration"].get(rule.id, []) if n not in declared]
    lines.append(f"{tr('scenarios that show it')}:")
    if declared:
        lines.append(wrap(tr("declare it (RULES)") + ": " + ", ".join(declared), "  "))
    if narrated:
        lines.append(wrap(tr("their narration cites it") + ": " + ", ".join(narrated), "  "))
    if not declared and not narrated:
        lines.append("  " + tr("none in the catalogue yet"))
    tests = index["tests"].get(rule.id, [])
    lines.append(f"{tr('tests that pin it')}:")
    lines += [f"  {t}" for t in tests] or ["  " + tr("none yet")]
    if declared or narrated:
        lines += ["", tr("see it happen: kernelsim run {name}", name=focused(declared or narrated, index))]
    return "\n".join(lines)


def cmd_rule(args):
    lang = i18n.current()
    if args.list:
        print(list_text(lang))
        return 0
    if not args.rule_id:
        raise scenarios.UsageError(tr("give a rule id (kernelsim rule A4) or --list"))
    rule = rulebook.get(args.rule_id)
    if rule is None:
        close = rulebook.closest(args.rule_id)
        raise scenarios.UsageError(tr("unknown rule {rule!r}; the closest: {close} "
                                      "('kernelsim rule --list' shows them all)",
                                      rule=args.rule_id, close=", ".join(close)))
    print(rule_text(rule, lang))
    return 0


cli.register("rule", add_parser, cmd_rule)
