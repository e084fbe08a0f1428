"""The code's shape: the model's modules import each other without a circle, the model never
imports the UI, and the tree passes the linter (ruff) as part of the test run."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "kernelsim"


def imports_of(path):
    """Every kernelsim module that ``path`` imports, at the top or inside a function."""
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    package = module.rsplit(".", 1)[0] if path.name != "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [target] + [f"{target}.{a.name}" for a in node.names]
            found.update(n for n in names if n.startswith("kernelsim"))
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("kernelsim"))
    return module, found


def model_graph():
    files = {p.stem: p for p in (PACKAGE / "model").glob("*.py") if p.name != "__init__.py"}
    graph = {}
    for stem, path in files.items():
        _, found = imports_of(path)
        graph[stem] = {n.split(".")[2] for n in found
                       if n.startswith("kernelsim.model.") and n.split(".")[2] in files and n.split(".")[2] != stem}
    return graph


def test_model_modules_import_each_other_without_a_circle():
    """A module lower down never imports one above it: services at the bottom, the calls on top."""
    graph = model_graph()
    state = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            assert state.get(nxt) != "open", "import circle: " + " -> ".join(path + [nxt])
            if nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert graph["services"] == set(), "the call registry must sit below every other model module"
    assert graph["thread"] <= {"services"}, "thread.py learns of I/O and signalling through its exit hooks"


def test_the_model_never_imports_the_ui_or_the_layers_above_it():
    """DESIGN §5: the UI reads the trace; the model knows nothing of the UI, the live adapter or the explorer."""
    above = ("kernelsim.ui", "kernelsim.live", "kernelsim.netlib", "kernelsim.explore", "kernelsim.cli")
    for path in (PACKAGE / "model").glob("*.py"):
        module, found = imports_of(path)
        bad = sorted(n for n in found if n.startswith(above))
        assert not bad, f"{module} imports {bad}"


def test_ruff_finds_nothing():
    """The linter is part of the test run (pyproject's [tool.ruff] says which rules)."""
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--output-format", "concise", str(ROOT)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
