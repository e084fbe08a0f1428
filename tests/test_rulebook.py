"""The rule book shipped in the package: `kernelsim rule ID`, `rule --list`, its index (issue 11, part 1)."""

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from kernelsim import rulebook, scenario
from kernelsim.rulebook import index as rule_index
from helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = ([f"A{i}" for i in range(1, 15)] + [f"B{i}" for i in range(1, 15)] + [f"C{i}" for i in range(1, 9)]
            + [f"D{i}" for i in range(1, 17)] + [f"E{i}" for i in range(1, 10)] + [f"F{i}" for i in range(1, 6)]
            + [f"L{i}" for i in range(1, 12)])


def test_the_book_has_every_rule_in_both_languages():
    """Every rule id of the model (A1–A14, B1–B14, C1–C8, D1–D16, E1–E9, F1–F5, L1–L11) has a title, an
    English and a Korean text, evidence and at least one source."""
    rules = rulebook.rules()
    assert list(rules) == EXPECTED
    for rule in rules.values():
        assert rule.title and len(rule.text) > 80 and rule.sources, rule.id
        assert rule.ko_title and len(rule.ko_text) > 40 and re.search("[가-힣]", rule.ko_text), rule.id
        assert set(rule.evidence.split()) <= set(rulebook.EVIDENCE) | {"(historical)"}, rule.id


def test_the_book_states_the_oracles_corrections():
    """Where the real-Windows oracle corrects the documentation, the book says the corrected rule."""
    get = rulebook.get
    assert "1236" in get("D7").text and "last handle" in get("D7").text and "corrected" in get("D7").oracle
    assert "WSAEINVAL (10022)" in get("B9").text and "corrected" in get("B9").oracle
    assert "already associated" in get("C6").text and "1236" in get("D7").ko_text
    assert "only if it carries an OVERLAPPED without an event" in get("B13").text
    assert "keep waiting" in get("C2").text and "all or nothing" in get("D3").text
    assert "Windows 10" in get("A4").oracle


def test_every_rule_the_catalogue_cites_is_in_the_book():
    """Each id a scenario declares in RULES exists in the rule book."""
    for name in scenario.catalogue_names():
        for rule_id in scenario.load(name).rules:
            assert rulebook.get(rule_id), f"{name} cites {rule_id}, which the rule book does not have"


def test_index_is_up_to_date():
    """kernelsim/rulebook/index.json (scenarios that show each rule, tests that pin it) equals a fresh build:
    run `python -m kernelsim.rulebook.index` after changing RULES, narration or a test's docstring."""
    stored = (ROOT / "kernelsim" / "rulebook" / "index.json").read_text(encoding="utf-8")
    assert stored == rule_index.dumps(rule_index.build(ROOT / "tests")), \
        "index.json is stale: run python -m kernelsim.rulebook.index"


def test_rule_prints_text_sources_scenarios_and_tests(capsys):
    """`kernelsim rule A4`: the text, the evidence, each source with where to read it, the scenarios that
    declare it or whose narration cites it, and the tests that pin it."""
    code, out, _ = run_cli(capsys, "rule", "A4")
    assert code == 0
    assert out.startswith("A4 — LIFO release of waiters, FIFO packets\n")
    assert "Blocked threads are released newest first" in out
    assert "ROS-QUEUE KeRemoveQueue" in out and "ntoskrnl/ke/queue.c" in out
    assert "https://learn.microsoft.com/windows/win32/fileio/i-o-completion-ports" in out
    assert "lifo-wakeup" in out and "tests/test_port.py::test_a4_waiters_released_lifo" in out
    assert "see it happen: kernelsim run lifo-wakeup" in out
    assert run_cli(capsys, "rule", "a4")[1] == out                    # ids are case-insensitive


def test_rule_in_korean(capsys):
    code, out, _ = run_cli(capsys, "rule", "E6", "--lang", "ko")
    assert code == 0 and out.startswith("E6 — 대책으로서의 Zero Byte Recv") and "출처:" in out


def test_rule_list(capsys):
    """`rule --list`: every rule with its title, by section."""
    code, out, _ = run_cli(capsys, "rule", "--list")
    assert code == 0
    assert all(re.search(rf"^  {r}\s", out, re.M) for r in EXPECTED)
    assert "D: Overlapped sockets (AFD)" in out


@pytest.mark.parametrize("query,closest", [("XYZ", None), ("A44", "A4"), ("lifo", "A4"), ("zero byte", "E6")])
def test_unknown_rule_names_the_closest_and_exits_2(capsys, query, closest):
    """`rule XYZ`: one line naming the closest ids, exit 2."""
    code, out, err = run_cli(capsys, "rule", query)
    assert code == 2 and out == "" and "unknown rule" in err and "the closest: " in err
    assert len(err.strip().splitlines()) == 1
    if closest:
        assert closest in err.split("the closest: ")[1]


def test_rule_without_an_id_is_a_usage_error(capsys):
    code, _, err = run_cli(capsys, "rule")
    assert code == 2 and "--list" in err


def test_narration_ids_are_rule_ids(capsys):
    """Every id a narration row cites (the why's "(A2, A4)") is a rule `kernelsim rule` can print."""
    for name in ("lifo-wakeup", "closesocket-pending-recv", "wsaenobufs-5000"):
        outcome = scenario.run(scenario.load(name), snapshots=False)
        for event in outcome.trace:
            for rule_id in re.findall(r"\b([A-F]\d{1,2})\b", event.why or ""):
                assert rulebook.get(rule_id), (name, event.why)


def test_the_rule_book_is_package_data(tmp_path):
    """A wheel built from the checkout contains the rule book, its index and the Korean catalogue, so
    `pip install kernelsim` users get `kernelsim rule`."""
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                          capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    wheel = next(tmp_path.glob("kernelsim-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in ("kernelsim/rulebook/rules.en.md", "kernelsim/rulebook/rules.ko.md", "kernelsim/rulebook/index.json",
                 "kernelsim/i18n/ko.py", "kernelsim/answers.py", "kernelsim/assignments/send_flag/starter.py",
                 "kernelsim/assignments/send_flag/solution.py", "kernelsim/assignments/gqcs_cases/README.md"):
        assert path in names, path
