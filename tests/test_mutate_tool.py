"""tools/mutate.py, the mutation tester (README "For contributors"): its mutants and its verdicts.

The end-to-end tests run the tool on a tiny project made in a temporary folder (a module and one test
file), so they take seconds and do not depend on the real suite.
"""

import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path

TOOLS = Path(__file__).resolve().parent.parent / "tools"


def load_tool():
    spec = importlib.util.spec_from_file_location("mutate_tool", TOOLS / "mutate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module                   # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


mutate = load_tool()

SOURCE = textwrap.dedent('''
    """A module docstring is never mutated."""
    from collections import deque


    def add(a, b):
        return a + b


    def first_big(values, limit=10):
        for v in values:
            if v >= limit and v != 99:
                return v
        return None


    def fifo(items):
        q = deque()
        for i in items:
            q.append(i)
        return [q.popleft() for _ in items]
''')


def mutants(source=SOURCE):
    """The candidate mutants of ``source`` as pkg/m.py, with their ids."""
    import tempfile
    root = Path(tempfile.mkdtemp(prefix="mutate-test-"))
    (root / "pkg").mkdir()
    (root / "pkg" / "m.py").write_text(source)
    return mutate.FileMutants(root, "pkg/m.py").candidates


def test_the_generator_makes_each_kind_of_mutant():
    """Every kind of change the README lists is produced where the code has one."""
    made = {(m.kind, m.old.strip(), m.new.strip()) for m in mutants()}
    assert ("operator", "+", "-") in made
    assert ("boundary", ">=", ">") in made
    assert ("compare", "!=", "==") in made
    assert ("constant", "10", "11") in made and ("constant", "10", "9") in made
    assert ("order", "q.append(i)", "q.insert(0, i)") in made
    assert ("order", "q.popleft()", "q.pop()") in made
    assert ("negate", "v >= limit and v != 99", "not (v >= limit and v != 99)") in made
    assert ("boolean", "v >= limit and v != 99", "v >= limit or v != 99") in made
    assert ("boolean", "v >= limit and v != 99", "v != 99") in made          # an operand dropped
    assert ("delete", "return a + b", "pass") in made
    assert not any("docstring" in m.old for m in mutants())
    assert not any(m.kind == "delete" and m.old.startswith(("def ", "from ")) for m in mutants())


def test_mutant_ids_survive_edits_elsewhere_in_the_file():
    """An id names the change and its function, not a line number: lines added above keep it."""
    before = {m.id for m in mutants()}
    after = {m.id for m in mutants("# a comment\n# and another\n" + SOURCE)}
    assert before == after and len(before) == len(mutants())


def test_sampling_is_seeded_and_never_touches_the_files(tmp_path):
    """The same seed draws the same mutants; listing or sampling reads the files and writes nothing."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text(SOURCE)
    first, total = mutate.sample(tmp_path, ["pkg/m.py"], 5, seed=3)
    again, _ = mutate.sample(tmp_path, ["pkg/m.py"], 5, seed=3)
    other, _ = mutate.sample(tmp_path, ["pkg/m.py"], 5, seed=4)
    assert [m.id for m in first] == [m.id for m in again] != [m.id for m in other]
    assert len(first) == 5 and total > 5
    assert all(m.diff.startswith("--- a/pkg/m.py") for m in first)
    assert (tmp_path / "pkg" / "m.py").read_text() == SOURCE


def test_an_edit_changes_the_sample_only_where_it_touched(tmp_path):
    """CI's floor compares samples across commits, so a new function must not redraw the rest: the mutants
    drawn before the edit are still drawn, except where the new function's own mutants ranked lower."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text(SOURCE)
    before, _ = mutate.sample(tmp_path, ["pkg/m.py"], 6, seed=3)
    edited = SOURCE + "\n\ndef extra(x):\n    if x > 3:\n        return x * 2\n    return x - 1\n"
    (tmp_path / "pkg" / "m.py").write_text(edited)
    after, _ = mutate.sample(tmp_path, ["pkg/m.py"], 6, seed=3)
    new = [m for m in after if m.qualname == "extra"]
    kept = {m.id for m in after if m.qualname != "extra"}
    assert kept <= {m.id for m in before}
    assert len(kept) == 6 - len(new)
    assert len({m.id for m in before} - kept) == len(new)


def test_the_equivalents_file_is_id_then_reason(tmp_path):
    path = tmp_path / "eq.txt"
    path.write_text("# comment\n\nabc1234567  pkg/m.py:first_big  boundary: >= -> >  # never reached with 10\n")
    assert mutate.read_equivalents(path) == {"abc1234567": "never reached with 10"}


def project(tmp_path, test_body):
    (tmp_path / "pkg").mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "m.py").write_text(SOURCE)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_m.py").write_text("from pkg.m import add, fifo\n\n" + textwrap.dedent(test_body))
    return tmp_path


def run_tool(root, *args):
    result = subprocess.run([sys.executable, str(TOOLS / "mutate.py"), "--root", str(root), "--files", "pkg/m.py",
                             "--json", *args], capture_output=True, text=True, timeout=600,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(root), "XDG_CACHE_HOME": str(root / ".cache")})
    return result.returncode, (json.loads(result.stdout) if result.stdout.strip() else None), result.stderr


def test_a_test_that_checks_the_result_kills_the_mutant_and_a_weak_one_lets_it_survive(tmp_path):
    """End to end: `a + b` → `a - b` is killed by a test that checks add(2, 3) == 5, and survives a test that
    only calls add; the queue-order mutants of fifo are killed by a test of its order.  The project's file is
    unchanged afterwards (mutants live in temporary copies)."""
    root = project(tmp_path, '''
        def test_add_is_a_sum():
            assert add(2, 3) == 5

        def test_fifo_keeps_order():
            assert fifo([1, 2, 3]) == [1, 2, 3]
    ''')
    ids = [m.id for m in mutants() if m.kind in ("operator", "order") and m.qualname in ("add", "fifo")]
    code, report, err = run_tool(root, "--mutant", *ids)
    assert code == 0, err
    assert {m["status"] for m in report["mutants"]} == {"killed"}
    assert (root / "pkg" / "m.py").read_text() == SOURCE

    weak = project(tmp_path / "weak", '''
        def test_add_runs():
            add(2, 3)
    ''')
    plus = [m.id for m in mutants() if m.kind == "operator" and m.qualname == "add"]
    code, report, err = run_tool(weak, "--mutant", *plus)
    assert code == 0, err
    survivor = report["mutants"][0]
    assert survivor["status"] == "survived" and "-    return a + b\n+    return a - b" in survivor["diff"]
    assert report["files"]["pkg/m.py"]["survived"] == 1


def test_the_floor_fails_the_run_and_an_equivalent_counts_for_it(tmp_path):
    """--floor: exit 1 when killed-or-equivalent is below it; listing the survivor as equivalent (with a
    reason) makes the same run pass."""
    root = project(tmp_path, '''
        def test_add_runs():
            add(2, 3)
    ''')
    plus = [m.id for m in mutants() if m.kind == "operator" and m.qualname == "add"]
    code, report, err = run_tool(root, "--mutant", *plus, "--floor", "0.5")
    assert code == 1 and "below the floor" in err
    (root / "eq.txt").write_text(f"{plus[0]}  pkg/m.py:add  operator  # for this test's sake\n")
    code, report, err = run_tool(root, "--mutant", *plus, "--floor", "0.5", "--equivalents", str(root / "eq.txt"))
    assert code == 0, err
    assert report["mutants"][0]["status"] == "equivalent"


def test_bad_arguments_are_usage_errors(tmp_path):
    """A file that does not exist, or a negative sample, prints usage and exits 2."""
    for args in (["--files", "nope.py"], ["--files", "tools/mutate.py", "--sample", "0"]):
        result = subprocess.run([sys.executable, str(TOOLS / "mutate.py"), *args], capture_output=True, text=True)
        assert result.returncode == 2 and "usage:" in result.stderr


def test_a_resumed_run_keeps_the_logged_verdicts_and_runs_errors_again(tmp_path):
    """--resume LOG: the verdicts of a --verbose log are kept; an error is not a verdict."""
    log = tmp_path / "run.log"
    log.write_text("killed    0123456789 pkg/m.py:7 operator: + -> - (3.1 s)\n"
                   "survived  abcdefabcd pkg/m.py:9 boundary: >= -> > (40.0 s)\n"
                   "error     fedcbafedc pkg/m.py:9 delete: return v -> pass (0.8 s)\n"
                   "coverage map: cached\n")
    assert mutate.read_log(log) == {"0123456789": ("killed", 3.1), "abcdefabcd": ("survived", 40.0)}


def test_code_run_at_import_meets_every_test_even_when_a_subprocess_covers_it(tmp_path):
    """--rest unmapped: a module-level constant runs while pytest collects, before any test is traced, so
    the map credits its line only to a test whose subprocess imports the module again.  The mutant must
    still meet the test that checks the constant's effect (here it kills ``LIMIT = 10`` → 11).  With two jobs
    the map is made in two parts, one test file each."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "m.py").write_text("LIMIT = 10\n\n\ndef big(v):\n    return v >= LIMIT\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a_subprocess.py").write_text(textwrap.dedent('''
        import subprocess
        import sys


        def test_the_module_imports_in_a_new_process():
            assert subprocess.run([sys.executable, "-c", "import pkg.m"]).returncode == 0
    '''))
    (tmp_path / "tests" / "test_b_limit.py").write_text(textwrap.dedent('''
        from pkg.m import big


        def test_ten_is_big_and_nine_is_not():
            assert big(10) and not big(9)
    '''))
    source = (tmp_path / "pkg" / "m.py").read_text()
    up = [m for m in mutate.Generator("pkg/m.py", source).run() if m.kind == "constant" and m.new == "11"]
    seen = {}
    ident = mutate.mutant_id(up[0], seen)
    assert up[0].import_time and up[0].qualname == "<module>"
    code, report, err = run_tool(tmp_path, "--mutant", ident, "--rest", "unmapped", "--jobs", "2")
    assert code == 0, err
    assert report["mutants"][0]["status"] == "killed"
    assert report["mutants"][0]["killed_by"].endswith("test_ten_is_big_and_nine_is_not")


def test_the_map_shares_the_test_files_out_in_parts_of_about_equal_size(tmp_path):
    """--jobs N makes the coverage map in N parts at once: every test file in exactly one part, the biggest
    files spread out."""
    (tmp_path / "tests").mkdir()
    for name, size in (("test_a.py", 900), ("test_b.py", 500), ("test_c.py", 450), ("test_d.py", 10)):
        (tmp_path / "tests" / name).write_text("#" * size)
    parts = mutate._share_tests(tmp_path, 2)
    assert sorted(sum(parts, [])) == [f"tests/test_{c}.py" for c in "abcd"]
    assert sorted(parts) == [["tests/test_a.py", "tests/test_d.py"], ["tests/test_b.py", "tests/test_c.py"]]
    assert mutate._share_tests(tmp_path, 1) == [["tests"]]


def test_a_mutant_that_loops_forever_is_a_timeout_named_by_its_test(tmp_path):
    """A mutant that never ends (``i += 1`` → ``i -= 1`` in a while loop) is killed by a timeout: the test that
    passed its own budget ends the run, and the report names it (not only the whole group's budget)."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "m.py").write_text("def count_to(n):\n    i = 0\n    while i < n:\n        i += 1\n"
                                           "    return i\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_m.py").write_text("from pkg.m import count_to\n\n\ndef test_counts():\n"
                                                  "    assert count_to(3) == 3\n")
    source = (tmp_path / "pkg" / "m.py").read_text()
    down = [m for m in mutate.Generator("pkg/m.py", source).run() if m.kind == "operator" and m.new == "-="]
    ident = mutate.mutant_id(down[0], {})
    code, report, err = run_tool(tmp_path, "--mutant", ident)
    assert code == 0, err
    verdict = report["mutants"][0]
    assert verdict["status"] == "timeout"
    assert verdict["killed_by"] == "tests/test_m.py::test_counts ran past its time budget"


def test_a_mutant_that_breaks_the_import_is_killed_and_a_broken_suite_is_an_error(tmp_path):
    """A module-level name deleted makes the module fail to import while pytest loads conftest.py (pytest
    exit 4): the suite noticed, so the mutant is killed.  A suite that cannot start for a reason of its own
    (its conftest breaks whatever the mutant) stays an error, to be run again."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "m.py").write_text("HOOKS = []\nHOOKS.append(1)\n\n\ndef count():\n    return len(HOOKS)\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "conftest.py").write_text("import pkg.m  # noqa: F401\n")
    (tmp_path / "tests" / "test_m.py").write_text("from pkg.m import count\n\n\ndef test_one_hook():\n"
                                                  "    assert count() == 1\n")
    source = (tmp_path / "pkg" / "m.py").read_text()
    gone = [m for m in mutate.Generator("pkg/m.py", source).run() if m.kind == "delete" and "HOOKS = []" in m.old]
    ident = mutate.mutant_id(gone[0], {})
    code, report, err = run_tool(tmp_path, "--mutant", ident)
    assert code == 0, err
    assert report["mutants"][0]["status"] == "killed"
    assert "import" in report["mutants"][0]["killed_by"]

    (tmp_path / "tests" / "conftest.py").write_text("raise RuntimeError('a broken conftest')\n")
    code, report, err = run_tool(tmp_path, "--mutant", ident, "--tests", "tests/test_m.py")
    assert report["mutants"][0]["status"] == "error"
