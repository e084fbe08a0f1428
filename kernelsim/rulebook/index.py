"""Rebuild ``index.json``: which scenarios show each rule, and which tests pin it.

Run from a checkout (the tests are not installed)::

    python -m kernelsim.rulebook.index          # rewrite kernelsim/rulebook/index.json
    python -m kernelsim.rulebook.index --check  # exit 1 if it is stale

* ``scenarios``: catalogue scenarios that list the id in their RULES;
* ``narration``: catalogue scenarios whose run (default seed and profile)
  cites the id in a narration row or its *why*;
* ``tests``: test functions whose docstring names the id
  (``tests/test_port.py::test_lifo_release``).

``tests/test_rulebook.py`` fails when the stored index differs from a fresh
build, so it stays true as scenarios, narration and tests change.
"""

import ast
import json
import sys
from pathlib import Path

from . import HERE, cited, rules

REPO = HERE.parent.parent


def _add(table, rule_id, item):
    table.setdefault(rule_id, [])
    if item not in table[rule_id]:
        table[rule_id].append(item)


def scenario_tables():
    from .. import scenario
    declared, narrated = {}, {}
    book = rules()
    for name in scenario.catalogue_names():
        sc = scenario.load(name)
        for rule_id in sc.rules:
            if rule_id in book:
                _add(declared, rule_id, name)
        outcome = scenario.run(sc, snapshots=False)
        for event in outcome.trace:
            for rule_id in cited(event.why) + cited(event.template):
                _add(narrated, rule_id, name)
    return declared, narrated


def test_table(tests_dir=None):
    tests_dir = Path(tests_dir or REPO / "tests")
    table = {}
    for path in sorted(tests_dir.glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_"):
                for rule_id in cited(ast.get_docstring(node) or ""):
                    _add(table, rule_id, f"tests/{path.name}::{node.name}")
    return table


def build(tests_dir=None):
    declared, narrated = scenario_tables()
    order = list(rules())

    def tidy(table):
        return {r: sorted(table[r]) for r in order if r in table}

    return {"scenarios": tidy(declared), "narration": tidy(narrated), "tests": tidy(test_table(tests_dir))}


def dumps(data):
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False) + "\n"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not (REPO / "tests").is_dir():
        print("kernelsim.rulebook.index: run it from a checkout (the tests folder is not installed)", file=sys.stderr)
        return 2
    fresh = dumps(build())
    path = HERE / "index.json"
    if "--check" in argv:
        same = path.is_file() and path.read_text(encoding="utf-8") == fresh
        print("index.json is up to date" if same else "index.json is stale: run python -m kernelsim.rulebook.index")
        return 0 if same else 1
    path.write_text(fresh, encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
