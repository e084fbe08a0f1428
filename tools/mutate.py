"""Mutation testing for kernelsim: would the suite notice a wrong model?

    python tools/mutate.py --files kernelsim/model/port.py kernelsim/model/sync.py --sample 60 --seed 1
    python tools/mutate.py --ci                  # the fixed sample and floor in tools/mutation-floor.json

Each mutant changes one thing in one file: an operator flipped, a comparison's
boundary moved (``<`` to ``<=``), a constant moved by one, ``append`` swapped
with ``insert(0, …)``, ``pop(0)`` with ``pop()``, ``appendleft``/``popleft``
with ``append``/``pop``, ``min`` with ``max``, a statement deleted, a condition
negated.  A mutant runs first against the tests that execute its line (a
line-coverage map computed once per source tree and cached outside the
repository), then against the rest of the non-live suite; the first failing
test kills it, and so does a timeout.  Mutants listed in
``tests/mutants_equivalent.txt`` (by id, with the reason) are equivalent: no
test can tell them from the original, and they are not run.

Mutants run in temporary copies of the tree, one per job; the tree given by
``--root`` is only read.  The live tests (those that use the ``session``
fixture, which needs Wine) are not run.

Prints per-file rates and every survivor as a unified diff (``--json``: one
object).  Exit 0, or 1 when ``--floor``/``--ci`` is given and the
killed-or-equivalent rate is below the floor, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import difflib
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_ROOT = HERE.parent
EQUIVALENTS = "tests/mutants_equivalent.txt"
FLOOR_FILE = HERE / "mutation-floor.json"
IGNORED = shutil.ignore_patterns(".git", ".venv", "venv", "__pycache__", "*.pyc", "*.egg-info", ".hypothesis",
                                 ".pytest_cache", "build", "dist", "out", "*.exe")
LIVE_FIXTURE = "session"


# --- mutants -----------------------------------------------------------------------------

@dataclass
class Mutant:
    """One change to one file: characters [start, end) of the source replaced by ``new``."""

    path: str            # relative to the root, with forward slashes
    qualname: str        # the enclosing function or class, or "<module>"
    kind: str
    line: int
    start: int
    end: int
    old: str
    new: str
    import_time: bool = False   # runs when the module is imported (module level, class body, default value)
    id: str = ""
    status: str = ""     # killed, timeout, survived, equivalent, error
    killed_by: str = ""
    seconds: float = 0.0
    diff: str = field(default="", repr=False)

    def describe(self):
        old = " ".join(self.old.split())
        new = " ".join(self.new.split())
        return f"{self.kind}: {shorten(old)} -> {shorten(new)}"


def shorten(text, width=70):
    return text if len(text) <= width else text[:width - 3] + "..."


BINOPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.FloorDiv, ast.FloorDiv: ast.Mult, ast.Div: ast.Mult,
          ast.Mod: ast.FloorDiv, ast.BitOr: ast.BitAnd, ast.BitAnd: ast.BitOr, ast.LShift: ast.RShift,
          ast.RShift: ast.LShift}
OPTEXT = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.FloorDiv: "//", ast.Div: "/", ast.Mod: "%", ast.BitOr: "|",
          ast.BitAnd: "&", ast.LShift: "<<", ast.RShift: ">>", ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<",
          ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Is: "is", ast.IsNot: "is not", ast.In: "in",
          ast.NotIn: "not in", ast.And: "and", ast.Or: "or"}
# (kind, replacement) for each comparison operator: a boundary moved, or the test inverted.
COMPARES = {ast.Lt: [("boundary", ast.LtE)], ast.LtE: [("boundary", ast.Lt)], ast.Gt: [("boundary", ast.GtE)],
            ast.GtE: [("boundary", ast.Gt)], ast.Eq: [("compare", ast.NotEq)], ast.NotEq: [("compare", ast.Eq)],
            ast.Is: [("compare", ast.IsNot)], ast.IsNot: [("compare", ast.Is)], ast.In: [("compare", ast.NotIn)],
            ast.NotIn: [("compare", ast.In)]}
UNDELETABLE = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Pass,
               ast.Global, ast.Nonlocal)


class Source:
    """A file's text with conversion from AST positions (UTF-8 byte columns) to character offsets."""

    def __init__(self, text):
        self.text = text
        self.lines = text.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, lineno, col):
        line = self.lines[lineno - 1]
        return self.starts[lineno - 1] + len(line.encode()[:col].decode(errors="ignore"))

    def span(self, node):
        return self.offset(node.lineno, node.col_offset), self.offset(node.end_lineno, node.end_col_offset)

    def segment(self, node):
        start, end = self.span(node)
        return self.text[start:end]


class Generator(ast.NodeVisitor):
    """Walks one module and lists its mutants, in source order."""

    def __init__(self, path, text):
        self.path = path
        self.src = Source(text)
        self.scope = []
        self.functions = 0          # how many function bodies enclose the node being visited
        self.mutants = []
        self.tree = ast.parse(text)
        self.skip = self._skipped_nodes(self.tree)
        self.nomutate = {i + 1 for i, line in enumerate(self.src.lines) if "pragma: no mutate" in line}

    @staticmethod
    def _skipped_nodes(tree):
        """Docstrings, ``__all__``, the ``__main__`` block: nothing there is behaviour."""
        skip = set()
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                    and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                skip.add(id(body[0]))
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__"
                                                     for t in node.targets):
                skip.add(id(node))
            if isinstance(node, ast.If) and "__name__" in ast.dump(node.test):
                skip.add(id(node))
        return skip

    def run(self):
        self.visit(self.tree)
        return self.mutants

    # -- helpers

    def add(self, node_or_span, kind, new):
        if isinstance(node_or_span, tuple):
            start, end = node_or_span
        else:
            start, end = self.src.span(node_or_span)
        line = self.src.text.count("\n", 0, start) + 1
        if line in self.nomutate:
            return
        old = self.src.text[start:end]
        if old == new:
            return
        qual = ".".join(self.scope) or "<module>"
        self.mutants.append(Mutant(self.path, qual, kind, line, start, end, old, new, import_time=not self.functions))

    def generic_visit(self, node):
        if id(node) in self.skip:
            return
        super().generic_visit(node)

    def _scoped(self, node):
        if id(node) in self.skip:
            return
        for deco in node.decorator_list:
            self.visit(deco)
        if not isinstance(node, ast.ClassDef):              # default values are evaluated at def time
            for default in [*node.args.defaults, *filter(None, node.args.kw_defaults)]:
                self.visit(default)
        self.scope.append(node.name)
        inside = not isinstance(node, ast.ClassDef)
        self.functions += inside
        for stmt in node.body:
            self.visit(stmt)
        self.functions -= inside
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scoped

    def visit(self, node):
        if id(node) in self.skip:
            return
        if isinstance(node, ast.stmt) and not isinstance(node, UNDELETABLE):
            self.add(node, "delete", "pass")
        return super().visit(node)

    def _op_between(self, left, right, old_op, new_op, kind):
        """Replace the operator token between two operands (keeps the rest of the line as written)."""
        start = self.src.offset(left.end_lineno, left.end_col_offset)
        end = self.src.offset(right.lineno, right.col_offset)
        region = self.src.text[start:end]
        pattern = r"\b%s\b" % re.escape(old_op).replace(r"\ ", r"\s+") if old_op[0].isalpha() else re.escape(old_op)
        match = re.search(pattern, region)
        if match:
            a, b = start + match.start(), start + match.end()
            self.add((a, b), kind, new_op)

    # -- expressions

    def visit_BinOp(self, node):
        new = BINOPS.get(type(node.op))
        texts = [x for x in (node.left, node.right) if isinstance(x, ast.JoinedStr)
                 or (isinstance(x, ast.Constant) and isinstance(x.value, str))]
        if new and not texts:                          # "%s" % x and "a" + b build messages
            self._op_between(node.left, node.right, OPTEXT[type(node.op)], OPTEXT[new], "operator")
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        new = BINOPS.get(type(node.op))
        if new:
            start = self.src.offset(node.target.end_lineno, node.target.end_col_offset)
            end = self.src.offset(node.value.lineno, node.value.col_offset)
            region = self.src.text[start:end]
            old = OPTEXT[type(node.op)] + "="
            i = region.find(old)
            if i >= 0:
                self.add((start + i, start + i + len(old)), "operator", OPTEXT[new] + "=")
        self.generic_visit(node)

    def visit_Compare(self, node):
        left = node.left
        for op, right in zip(node.ops, node.comparators):
            for kind, new in COMPARES.get(type(op), []):
                self._op_between(left, right, OPTEXT[type(op)], OPTEXT[new], kind)
            left = right
        self.generic_visit(node)

    def visit_BoolOp(self, node):
        old = OPTEXT[type(node.op)]
        new = "or" if old == "and" else "and"
        a = self.src.offset(node.lineno, node.col_offset)
        b = self.src.offset(node.end_lineno, node.end_col_offset)
        text = self.src.text[a:b]
        # Flip every operator of this BoolOp (the regions between its operands).
        pieces, cursor = [], a
        for left, right in zip(node.values, node.values[1:]):
            s = self.src.offset(left.end_lineno, left.end_col_offset)
            e = self.src.offset(right.lineno, right.col_offset)
            pieces.append(self.src.text[cursor:s])
            pieces.append(re.sub(r"\b%s\b" % old, new, self.src.text[s:e], count=1))
            cursor = e
        pieces.append(self.src.text[cursor:b])
        mutated = "".join(pieces)
        if mutated != text:
            self.add((a, b), "boolean", mutated)
        # A condition weakened or strengthened: one operand dropped.
        operands = [self.src.segment(v) for v in node.values]
        for i in range(len(operands)):
            rest = [f"({o})" if "\n" in o else o for j, o in enumerate(operands) if j != i]
            self.add((a, b), "boolean", f" {old} ".join(rest) if len(rest) == 1 else "(" + f" {old} ".join(rest) + ")")
        self.generic_visit(node)

    def visit_UnaryOp(self, node):
        if isinstance(node.op, ast.Not):
            self.add(node, "negate", self.src.segment(node.operand) if not isinstance(node.operand, (ast.BoolOp,
                     ast.Compare, ast.IfExp)) else "(" + self.src.segment(node.operand) + ")")
        self.generic_visit(node)

    def visit_Constant(self, node):
        value = node.value
        if isinstance(value, bool):
            self.add(node, "constant", repr(not value))
        elif isinstance(value, (int, float)):
            self.add(node, "constant", repr(value + 1))
            self.add(node, "constant", repr(value - 1))

    def visit_JoinedStr(self, node):
        return                                          # messages, not behaviour

    def _negate_test(self, test):
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return                                      # dropping the ``not`` is the UnaryOp mutant
        self.add(test, "negate", "not (" + self.src.segment(test) + ")")

    def visit_If(self, node):
        self._negate_test(node.test)
        self.generic_visit(node)

    def visit_While(self, node):
        self._negate_test(node.test)
        self.generic_visit(node)

    def visit_IfExp(self, node):
        self._negate_test(node.test)
        self.generic_visit(node)

    def visit_comprehension(self, node):
        for test in node.ifs:
            self._negate_test(test)
        self.generic_visit(node)

    def visit_Break(self, node):
        self.add(node, "operator", "continue")

    def visit_Continue(self, node):
        self.add(node, "operator", "break")

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Attribute) and not node.keywords:
            obj = self.src.segment(func.value)
            args = [self.src.segment(a) for a in node.args]
            name, n = func.attr, len(node.args)
            swaps = []
            if name == "append" and n == 1:
                swaps.append(("order", f"{obj}.insert(0, {args[0]})"))
            elif name == "insert" and n == 2 and args[0] == "0":
                swaps.append(("order", f"{obj}.append({args[1]})"))
            elif name == "appendleft" and n == 1:
                swaps.append(("order", f"{obj}.append({args[0]})"))
            elif name == "pop" and n == 1 and args[0] == "0":
                swaps.append(("order", f"{obj}.pop()"))
            elif name == "pop" and n == 0:
                swaps.append(("order", f"{obj}.pop(0)"))
            elif name == "popleft" and n == 0:
                swaps.append(("order", f"{obj}.pop()"))
            for kind, new in swaps:
                self.add(node, kind, new)
        elif isinstance(func, ast.Name) and func.id in ("min", "max") and len(node.args) >= 2:
            a, b = self.src.span(func)
            self.add((a, b), "operator", "max" if func.id == "min" else "min")
        self.generic_visit(node)


def mutant_id(m, seen):
    """A short id that survives edits elsewhere in the file: what changed, where (function), which occurrence."""
    key = "|".join([m.path, m.qualname, m.kind, " ".join(m.old.split()), " ".join(m.new.split())])
    seen[key] = seen.get(key, 0) + 1
    return hashlib.sha1(f"{key}|{seen[key]}".encode()).hexdigest()[:10]


class FileMutants:
    """Every candidate mutant of one file (cheap to list); ``valid`` checks one (parses the mutated file)."""

    def __init__(self, root, path):
        self.path = path
        self.text = (root / path).read_text(encoding="utf-8")
        self.candidates = Generator(path, self.text).run()
        seen = {}
        for m in self.candidates:
            m.id = mutant_id(m, seen)
        self._tree = None

    def valid(self, m):
        """The mutant parses and changes the program (not only its formatting); fills in its diff."""
        mutated = self.text[:m.start] + m.new + self.text[m.end:]
        try:
            changed = ast.dump(ast.parse(mutated))
        except SyntaxError:
            return False
        if self._tree is None:
            self._tree = ast.dump(ast.parse(self.text))
        if changed == self._tree:
            return False
        m.diff = "".join(difflib.unified_diff(self.text.splitlines(keepends=True), mutated.splitlines(keepends=True),
                                              f"a/{m.path}", f"b/{m.path}", n=2))
        return True


def sample(root, files, n, seed):
    """``n`` valid mutants drawn (seeded) from every candidate of the files, in file order; all of them when
    n is None.  Returns (mutants, number of candidates).

    Each candidate's rank is a hash of the seed and its id, and the ``n`` lowest-ranked valid ones are drawn
    (bottom-k sampling). An id does not move when lines elsewhere change, so an edit changes the sample only by
    the mutants of the lines it touched: CI's sample does not jump to a fresh draw on every commit."""
    per_file = {path: FileMutants(root, path) for path in files}
    everything = [(per_file[m.path], m) for path in files for m in per_file[path].candidates]
    order = list(range(len(everything)))
    if n is not None:
        order.sort(key=lambda i: hashlib.sha1(f"{seed}|{everything[i][1].id}".encode()).digest())
    chosen = []
    for i in order:
        owner, m = everything[i]
        if owner.valid(m):
            chosen.append(i)
            if n is not None and len(chosen) == n:
                break
    return [everything[i][1] for i in sorted(chosen)], len(everything)


def by_id(root, files, ids):
    found = []
    for path in files:
        owner = FileMutants(root, path)
        found.extend(m for m in owner.candidates if m.id in ids and owner.valid(m))
    return found


def read_equivalents(path):
    """``id  where  what  # reason`` lines; returns {id: reason}."""
    result = {}
    if not path.exists():
        return result
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        ident = line.split()[0]
        reason = line.split("#", 1)[1].strip() if "#" in line else ""
        result[ident] = reason
    return result


# --- running the suite ---------------------------------------------------------------------

SITECUSTOMIZE = "import mutate_trace\nmutate_trace.trace_this_process()\n"
MAP_VERSION = "2"           # bump when the tracer changes: cached maps are then made again


RUNNING = set()             # the pytest processes running now: stopped with us (SIGTERM, Ctrl-C)
STOPPING = threading.Event()


def stop_running(signum=None, frame=None):
    """End every test run we started (each is its own process group), then exit; temporary trees go too."""
    STOPPING.set()                                  # no new test run starts
    for proc in list(RUNNING):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    if signum is not None:
        raise SystemExit(128 + signum)


class Tree:
    """A temporary copy of the tree, where one mutant at a time is written and tested."""

    def __init__(self, root, workdir, index):
        self.root = root
        self.dir = workdir / f"tree{index}"
        shutil.copytree(root, self.dir, ignore=IGNORED, symlinks=True)
        self.plugin_dir = workdir               # the plugin, the tracer and sitecustomize.py

    def env(self):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(self.dir), str(self.plugin_dir)])
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONHASHSEED"] = "0"
        env["MUTATE_LIVE_FIXTURE"] = LIVE_FIXTURE
        for name in ("MUTATE_TRACE", "MUTATE_TEST", "MUTATE_SUB_DIR", "MUTATE_MAP_OUT"):
            env.pop(name, None)
        env.setdefault("COLUMNS", "200")
        return env

    def pytest(self, node_ids, timeout, extra_env=None, stop_first=True):
        """Run these tests, by default stopping at the first failure: (return code or None on timeout, output)."""
        if STOPPING.is_set():
            raise SystemExit(143)
        env = self.env()
        env.update(extra_env or {})
        argv = [sys.executable, "-m", "pytest", "-q", *(["-x"] if stop_first else []), "-rf", "-p", "no:cacheprovider",
                "-p", "mutate_plugin", "--hypothesis-seed=0", "--no-header", "-o", "addopts=", *node_ids]
        proc = subprocess.Popen(argv, cwd=self.dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, start_new_session=True)
        RUNNING.add(proc)
        try:
            out, _ = proc.communicate(timeout=timeout)
            return proc.returncode, out
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return None, ""
        finally:
            RUNNING.discard(proc)

    def write(self, path, text):
        (self.dir / path).write_text(text, encoding="utf-8")


def source_digest(root, files):
    """What the coverage map depends on: every Python file of the package, tests and scenarios."""
    h = hashlib.sha256()
    h.update(json.dumps([MAP_VERSION, sorted(files)]).encode())
    for sub in ("kernelsim", "tests", "scenarios", "tutorials"):
        for p in sorted((root / sub).rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts and p.suffix in (".py", ".md", ".c", ".txt"):
                h.update(str(p.relative_to(root)).encode())
                h.update(p.read_bytes())
    return h.hexdigest()[:16]


def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kernelsim-mutate"


def coverage_map(trees, files, log):
    """Run the whole non-live suite once, unmutated and traced: which tests run which lines of the files.

    The test files are shared out between the trees (one pytest per tree, at the same time: ``--jobs``
    cores).  Also proves the suite passes on the unmutated tree.  Cached by the digest of the sources."""
    tree = trees[0]
    digest = source_digest(tree.dir, files)
    cached = cache_dir() / f"map-{digest}.json"
    if cached.exists():
        log(f"coverage map: cached ({cached})")
        return json.loads(cached.read_text())
    log(f"coverage map: running the suite once, traced, in {len(trees)} part(s) (a few minutes)")
    began = time.perf_counter()
    parts = _share_tests(tree.dir, len(trees))
    results = [None] * len(parts)

    def trace_part(i):
        t, out_file, sub_dir = trees[i], tree.plugin_dir / f"map{i}.json", tree.plugin_dir / f"subprocesses{i}"
        sub_dir.mkdir(exist_ok=True)
        traced = os.pathsep.join(str(t.dir / f) for f in files)
        rc, out = t.pytest(parts[i], timeout=3600, stop_first=False,
                           extra_env={"MUTATE_TRACE": traced, "MUTATE_MAP_OUT": str(out_file),
                                      "MUTATE_SUB_DIR": str(sub_dir)})
        if rc not in (0, 1, 5) or (rc != 5 and not out_file.exists()):
            raise SystemExit(f"mutate: the unmutated suite did not run (exit {rc}):\n{out[-3000:]}")
        raw = json.loads(out_file.read_text()) if out_file.exists() else {}
        subs = [json.loads(p.read_text()) for p in sorted(sub_dir.glob("*.json"))]
        results[i] = (str(t.dir) + os.sep, raw, subs)

    with concurrent.futures.ThreadPoolExecutor(max_workers=len(parts)) as pool:
        for future in [pool.submit(trace_part, i) for i in range(len(parts))]:
            future.result()
    failed = sorted({n for _, raw, _ in results for n in raw.get("__failed__", [])})
    if failed:
        # Tracing slows everything down: a test with a wall-clock budget may fail only under the tracer.
        # Untraced, the unmutated suite must pass.
        rc, out = tree.pytest(failed, timeout=1800, stop_first=False)
        if rc != 0:
            raise SystemExit(f"mutate: the unmutated suite does not pass (exit {rc}); fix it first:\n{out[-3000:]}")
        log(f"coverage map: {len(failed)} test(s) failed only under the tracer (their map is partial)")
    result = {"tests": {}, "lines": {}, "partial": failed}
    for prefix, raw, subs in results:
        raw.pop("__failed__", None)
        runs = [(nodeid, entry["lines"]) for nodeid, entry in raw.items()]
        runs += [(entry["test"], entry["lines"]) for entry in subs]   # what the processes a test started ran
        for nodeid, entry in raw.items():
            result["tests"][nodeid] = entry["seconds"]
        for nodeid, traced_lines in runs:
            if nodeid not in raw:
                continue
            for fname, lines in traced_lines.items():
                rel = fname[len(prefix):] if fname.startswith(prefix) else fname
                per_file = result["lines"].setdefault(rel.replace(os.sep, "/"), {})
                for n in lines:
                    tests = per_file.setdefault(str(n), [])
                    if nodeid not in tests:
                        tests.append(nodeid)
    log(f"coverage map: {len(result['tests'])} tests in {time.perf_counter() - began:.0f} s")
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps(result))
    return result


def _share_tests(root, n):
    """The test files split into at most n parts of about equal size (largest first, to the lightest part)."""
    paths = sorted((root / "tests").glob("test_*.py"), key=lambda p: (-p.stat().st_size, p.name))
    if n <= 1 or len(paths) < 2:
        return [["tests"]]
    parts = [[0, []] for _ in range(min(n, len(paths)))]
    for p in paths:
        lightest = min(parts, key=lambda part: part[0])
        lightest[0] += p.stat().st_size
        lightest[1].append(str(p.relative_to(root)))
    return [sorted(names) for _, names in parts]


def read_log(path):
    """{id: (status, seconds)} from a --verbose log; errors are left out (they are run again)."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"(killed|timeout|survived)\s+([0-9a-f]{10}) .*\(([0-9.]+) s\)$", line)
        if match:
            found[match.group(2)] = (match.group(1), float(match.group(3)))
    return found


def only_these(tests):
    """A stand-in map for --tests: those tests run for every mutant, with a generous time budget."""
    return {"tests": {t: 60.0 for t in tests}, "lines": {}}


def covering(cmap, m):
    lines = cmap["lines"].get(m.path, {})
    last = m.line + m.old.count("\n")
    found = set()
    for n in range(m.line, last + 1):
        found.update(lines.get(str(n), ()))
    return found


def per_test_budget(seconds, slowdown):
    """How long one test may take on a mutant: its traced time three times over, and 20 s more."""
    return round(20 + 3 * slowdown * seconds, 1)


def test_mutant(tree, original, m, cmap, slowdown, rest_mode="all"):
    """Write the mutant into this tree, run the covering tests, then the rest; restore the file.

    ``rest_mode`` "unmapped": after the covering tests, run only the tests whose line map is partial
    (they failed under the tracer) — a test that never executes the mutated line cannot see it.  Code
    that runs when its module is imported (constants, class bodies, default arguments) runs before any
    test, while pytest collects: the map only sees it in processes a test starts, so such a mutant still
    runs against every test."""
    began = time.perf_counter()
    tree.write(m.path, original[:m.start] + m.new + original[m.end:])
    try:
        first = covering(cmap, m)
        rest = set(cmap["tests"]) - first
        if rest_mode == "unmapped" and first and not m.import_time:
            rest &= set(cmap.get("partial", ()))
        for group in (first, rest):
            if not group:
                continue
            ids = sorted(group, key=lambda t: cmap["tests"][t])
            budget = 40 + 3 * slowdown * sum(cmap["tests"][t] for t in ids)     # pytest starts, then the tests
            # Each test also has its own budget (the plugin ends the run when one passes it): a mutant that
            # loops forever in the first test costs that test's budget, not the whole group's.
            budgets = tree.plugin_dir / f"budgets-{tree.dir.name}.json"
            budgets.write_text(json.dumps({t: per_test_budget(cmap["tests"][t], slowdown) for t in ids}))
            expired = Path(str(budgets) + ".expired")
            expired.unlink(missing_ok=True)
            rc, out = tree.pytest(ids, timeout=budget, extra_env={"MUTATE_BUDGETS": str(budgets)})
            if rc is None:
                m.status, m.killed_by = "timeout", f"no result within {budget:.0f} s"
                return m
            if expired.exists():
                m.status, m.killed_by = "timeout", f"{expired.read_text()} ran past its time budget"
                return m
            if rc != 0:
                m.status = "killed"
                failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", out, re.M)
                m.killed_by = failed[0] if failed else f"pytest exit {rc}"
                if rc in (3, 4):            # pytest could not run: the mutant's own import error, or ours
                    if m.path in out and re.search(r"^E?\s*\w+Error\b", out, re.M):
                        m.killed_by = "the suite cannot even import the mutated module (collection error)"
                    else:
                        m.status, m.killed_by = "error", out[-2000:]
                return m
        m.status = "survived"
        return m
    finally:
        tree.write(m.path, original)
        m.seconds = time.perf_counter() - began


# --- reporting ---------------------------------------------------------------------------

def rates(mutants):
    per = {}
    for m in mutants:
        row = per.setdefault(m.path, {"mutants": 0, "killed": 0, "equivalent": 0, "survived": 0, "error": 0})
        row["mutants"] += 1
        key = {"timeout": "killed"}.get(m.status, m.status)
        row[key] += 1
    total = {"mutants": 0, "killed": 0, "equivalent": 0, "survived": 0, "error": 0}
    for row in per.values():
        for k in total:
            total[k] += row[k]
    for row in [*per.values(), total]:
        n, k, e = row["mutants"], row["killed"], row["equivalent"]
        row["killed_or_equivalent"] = round((k + e) / n, 4) if n else 1.0
        row["killed_of_non_equivalent"] = round(k / (n - e), 4) if n - e else 1.0
    return per, total


def print_report(mutants, per, total, candidates, args, out=sys.stdout):
    w = out.write
    w(f"mutants: {len(mutants)} of {candidates} candidates (seed {args.seed})\n\n")
    w(f"{'file':44} {'n':>4} {'killed':>6} {'equiv':>5} {'surv':>5}  {'k-or-e':>6}  {'k/non-e':>7}\n")
    for path, row in sorted(per.items()):
        w(f"{path:44} {row['mutants']:4} {row['killed']:6} {row['equivalent']:5} {row['survived']:5}  "
          f"{row['killed_or_equivalent']:6.1%}  {row['killed_of_non_equivalent']:7.1%}\n")
    w(f"{'total':44} {total['mutants']:4} {total['killed']:6} {total['equivalent']:5} {total['survived']:5}  "
      f"{total['killed_or_equivalent']:6.1%}  {total['killed_of_non_equivalent']:7.1%}\n")
    errors = [m for m in mutants if m.status == "error"]
    for m in errors:
        w(f"\nERROR running {m.id} {m.path}:{m.line}: {m.killed_by[-500:]}\n")
    survivors = [m for m in mutants if m.status == "survived"]
    if survivors:
        w(f"\n{len(survivors)} survivors (id  file:line  function  change):\n")
    for m in survivors:
        w(f"\n{m.id}  {m.path}:{m.line}  {m.qualname}  {m.describe()}\n{m.diff}")


class Progress:
    """A rich progress bar on a terminal; nothing otherwise."""

    def __init__(self, total, enabled):
        self.bar = None
        if enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn, \
                TimeRemainingColumn
            self.bar = Bar(TextColumn("mutants"), BarColumn(), MofNCompleteColumn(),
                           TextColumn("killed {task.fields[killed]} survived {task.fields[survived]}"),
                           TimeRemainingColumn(), transient=True)
            self.task = self.bar.add_task("", total=total, killed=0, survived=0)
        self.killed = self.survived = 0

    def __enter__(self):
        if self.bar:
            self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        if self.bar:
            self.bar.__exit__(*exc)

    def advance(self, m):
        if m.status == "survived":
            self.survived += 1
        elif m.status in ("killed", "timeout"):
            self.killed += 1
        if self.bar:
            self.bar.update(self.task, advance=1, killed=self.killed, survived=self.survived)


# --- command line ------------------------------------------------------------------------

def parse(argv):
    p = argparse.ArgumentParser(prog="tools/mutate.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--files", nargs="+", metavar="FILE", help="files to mutate, relative to the root")
    p.add_argument("--sample", type=int, metavar="N", help="test N mutants drawn at random (default: all)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="the sample's seed (default 0)")
    p.add_argument("--jobs", type=int, default=1, metavar="J", help="mutants tested at once (default 1)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="the tree to mutate (only read)")
    p.add_argument("--equivalents", metavar="FILE", help=f"equivalent mutants (default ROOT/{EQUIVALENTS})")
    p.add_argument("--floor", type=float, metavar="RATE", help="exit 1 when killed-or-equivalent is below RATE")
    p.add_argument("--ci", action="store_true", help=f"files, sample, seed and floor from {FLOOR_FILE.name}")
    p.add_argument("--list", action="store_true", help="list the sample's mutants (id, place, change); run nothing")
    p.add_argument("--mutant", nargs="+", metavar="ID", help="test only these mutants (ids from --list or a report)")
    p.add_argument("--tests", nargs="+", metavar="TEST",
                   help="run only these tests (files or node ids) against each mutant: no coverage map")
    p.add_argument("--rest", choices=["all", "unmapped"], default="all",
                   help="after the covering tests: every other non-live test (all, the default), or only those "
                        "whose line map is partial (unmapped: much faster; see the docstring of test_mutant)")
    p.add_argument("--resume", metavar="LOG", type=Path,
                   help="a --verbose log of an earlier run of the same sample: its verdicts are kept, errors re-run")
    p.add_argument("--verbose", action="store_true", help="one line per mutant on stderr as it finishes")
    p.add_argument("--slowdown", type=float, default=1.0, help="scale the per-mutant timeouts (a loaded machine)")
    args = p.parse_args(argv)
    if args.ci:
        cfg = json.loads(FLOOR_FILE.read_text())
        args.files = args.files or cfg["files"]
        args.sample = args.sample or cfg["sample"]
        args.seed = cfg["seed"] if args.seed == 0 else args.seed
        args.floor = cfg["floor"] if args.floor is None else args.floor
        args.rest = cfg.get("rest", args.rest)
    if not args.files:
        p.error("--files is required (or --ci)")
    if args.jobs < 1 or (args.sample is not None and args.sample < 1):
        p.error("--jobs and --sample must be at least 1")
    args.root = args.root.resolve()
    files, missing = [], []
    for f in args.files:
        if any(c in f for c in "*?["):                 # a pattern: whatever matches now (CI's list survives splits)
            files.extend(sorted(str(x.relative_to(args.root)) for x in args.root.glob(f) if x.is_file()))
        elif (args.root / f).is_file() and f.endswith(".py"):
            files.append(f)
        else:
            missing.append(f)
    if missing:
        p.error(f"not a Python file under {args.root}: {', '.join(missing)}")
    args.files = list(dict.fromkeys(x for x in files if x.endswith(".py")))
    if not args.files:
        p.error("--files matched no Python file")
    return args


def main(argv=None):
    args = parse(argv)
    root = args.root
    files = [Path(f).as_posix() for f in args.files]
    if args.mutant:
        wanted = set(args.mutant)
        chosen = by_id(root, files, wanted)
        candidates = len(chosen)
        unknown = wanted - {m.id for m in chosen}
        if unknown:
            print(f"mutate: no such mutant in these files: {' '.join(sorted(unknown))}", file=sys.stderr)
            return 2
    else:
        chosen, candidates = sample(root, files, args.sample, args.seed)
    if args.list:
        for m in chosen:
            print(f"{m.id}  {m.path}:{m.line}  {m.qualname}  {m.describe()}")
        return 0
    quiet = args.json or not sys.stdout.isatty()

    def log(text):
        if not args.json:
            print(text, file=sys.stderr)

    originals = {f: (root / f).read_text(encoding="utf-8") for f in files}
    signal.signal(signal.SIGTERM, stop_running)
    try:
        return run_mutants(args, root, files, chosen, candidates, originals, log, quiet)
    finally:
        stop_running()


def run_mutants(args, root, files, chosen, candidates, originals, log, quiet):
    equivalents = read_equivalents(Path(args.equivalents) if args.equivalents else root / EQUIVALENTS)
    with tempfile.TemporaryDirectory(prefix="kernelsim-mutate-", ignore_cleanup_errors=True) as tmp:
        work = Path(tmp)
        (work / "sitecustomize.py").write_text(SITECUSTOMIZE)
        for helper in ("mutate_plugin.py", "mutate_trace.py"):      # a copy: the checkout may change meanwhile
            shutil.copy(HERE / helper, work / helper)
        trees = [Tree(root, work, i) for i in range(args.jobs)]
        package = files[0].split("/")[0]              # the copy's package must shadow an installed one
        check = subprocess.run([sys.executable, "-c", f"import {package}; print({package}.__file__)"],
                               env=trees[0].env(), cwd=trees[0].dir, capture_output=True, text=True)
        if not check.stdout.strip().startswith(str(trees[0].dir)):
            print(f"mutate: the copy's {package} is not the one imported ({check.stdout.strip()})", file=sys.stderr)
            return 2
        cmap = only_these(args.tests) if args.tests else coverage_map(trees, files, log)
        done = read_log(args.resume) if args.resume else {}
        todo = []
        for m in chosen:
            if m.id in equivalents:
                m.status, m.killed_by = "equivalent", equivalents[m.id]
            elif m.id in done:
                m.status, m.seconds = done[m.id]
            else:
                todo.append(m)
        # Tested in a seeded random order: the mutants finished at any moment are a uniform sample.
        random.Random(args.seed).shuffle(todo)
        free = list(trees)
        lock = threading.Lock()

        def work_on(m):
            with lock:
                tree = free.pop()
            try:
                return test_mutant(tree, originals[m.path], m, cmap, args.slowdown, args.rest)
            finally:
                with lock:
                    free.append(tree)

        pool = concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs)
        try:
            with Progress(len(todo), not quiet) as progress:
                # Logged as each finishes (not in order): a run stopped early keeps every verdict (--resume).
                for future in concurrent.futures.as_completed([pool.submit(work_on, m) for m in todo]):
                    m = future.result()
                    progress.advance(m)
                    if args.verbose:
                        print(f"{m.status:9} {m.id} {m.path}:{m.line} {m.describe()} ({m.seconds:.1f} s)",
                              file=sys.stderr, flush=True)
        except BaseException:
            stop_running()                              # Ctrl-C or an error: end the test runs too
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    per, total = rates(chosen)
    if args.json:
        json.dump({"seed": args.seed, "sample": args.sample, "candidates": candidates, "files": per,
                   "total": total, "mutants": [asdict(m) for m in chosen]}, sys.stdout, indent=1)
        print()
    else:
        print_report(chosen, per, total, candidates, args)
    if any(m.status == "error" for m in chosen):
        return 2
    if args.floor is not None and total["killed_or_equivalent"] < args.floor:
        print(f"mutate: killed-or-equivalent {total['killed_or_equivalent']:.1%} is below the floor "
              f"{args.floor:.1%}", file=sys.stderr)
        return 1
    if args.floor is not None and not args.json:
        print(f"floor {args.floor:.1%}: met ({total['killed_or_equivalent']:.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
