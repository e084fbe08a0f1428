"""Korean: one message catalogue for narration, the why, quiz questions, explain and CLI messages, and
output that survives a console without UTF-8 (issue 11, part 4)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kernelsim import i18n, scenario
from kernelsim.i18n import coverage, ko
from helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent


def test_every_narration_template_and_why_has_a_korean_entry():
    """Every template and why given to kernel.emit in kernelsim/model and kernelsim/netlib — read from the
    source (literals, f-strings, a + b, x if c else y) and from the traces of every catalogue scenario
    under every profile — has an entry in kernelsim/i18n/ko.py (NARRATION or WHY)."""
    strings = coverage.source_strings() | coverage.trace_strings()
    assert len(strings) > 100
    missing = coverage.missing("ko", strings)
    assert not missing, "add these to kernelsim/i18n/ko.py:\n" + "\n".join(
        f"  {kind}: {text.replace(coverage.WILD, '{…}')!r}" for kind, text in missing)


def test_the_source_scan_finds_templates_that_no_run_reaches(tmp_path):
    """The AST scan sees a new emit() template in any module, even one no scenario runs."""
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "x.py").write_text(
        'def f(k, t, n):\n    k.emit("call", t, "{thread} frobs " + ("a" if n else "b"), why=f"n={n} (Z9)")\n')
    found = coverage.source_strings(tmp_path, ("model",))
    assert ("template", "{thread} frobs a") in found and ("template", "{thread} frobs b") in found
    assert ("why", "n=" + coverage.WILD + " (Z9)") in found
    assert coverage.missing("ko", found)                  # none of them is in the catalogue


def test_every_cli_message_has_a_korean_entry():
    """Every literal message given to tr() in the package has a Korean entry."""
    keys = coverage.message_keys()
    assert len(keys) > 30
    missing = sorted(k for k in keys if k not in ko.MESSAGES)
    assert not missing, f"add to MESSAGES in kernelsim/i18n/ko.py: {missing}"


def test_every_catalogue_title_and_question_has_a_korean_entry():
    """Every catalogue scenario's TITLE and every quiz question template is in the Korean catalogue."""
    titles, questions = [], []
    for name in scenario.catalogue_names():
        sc = scenario.load(name)
        if sc.title not in ko.TITLES:
            titles.append(sc.title)
        questions += [q for q, _ in sc.questions if q not in ko.QUESTIONS]
    assert not titles, f"add to TITLES in kernelsim/i18n/ko.py: {titles}"
    assert not questions, f"add to QUESTIONS in kernelsim/i18n/ko.py: {questions}"


def test_korean_slots_match_the_english_ones():
    """A translation keeps every {slot} of its key, so formatting can never fail or lose a value."""
    tables = {"NARRATION": ko.NARRATION, "WHY": ko.WHY, "MESSAGES": ko.MESSAGES, "QUESTIONS": ko.QUESTIONS,
              "FIELDS": ko.FIELDS}
    import re
    slot = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)(![rs])?\}(?!\})")
    for table, entries in tables.items():
        for key, value in entries.items():
            assert sorted(slot.findall(key)) == sorted(slot.findall(value)), (table, key, value)


def test_run_narrates_in_korean(capsys):
    """`run --lang ko`: the rows, the why and the check line come from the Korean catalogue."""
    code, out, _ = run_cli(capsys, "run", "lifo-wakeup", "--lang", "ko")
    assert code == 0
    assert "T3 깨어남, 받은 완료통지: key=7 NULL 0B  — 가장 늦게 기다린 스레드 (LIFO, stack방식) (A2, A4)" in out
    assert "ARG title IOCP는 가장 늦게 기다린 스레드를 깨운다" in out
    assert "check: 통과" in out and "released" not in out


def test_language_from_the_environment(capsys, monkeypatch):
    """KERNELSIM_LANG wins; without it a ko_KR locale (LANG/LC_ALL) means Korean; --lang beats both."""
    assert i18n.detect({"LANG": "ko_KR.UTF-8"}) == "ko"
    assert i18n.detect({"LANG": "ko_KR.UTF-8", "KERNELSIM_LANG": "en"}) == "en"
    assert i18n.detect({"LC_ALL": "en_US.UTF-8", "LANG": "ko_KR.UTF-8"}) == "en"
    assert i18n.detect({}) == "en" and i18n.detect({"KERNELSIM_LANG": "xx"}) == "en"
    monkeypatch.setenv("KERNELSIM_LANG", "ko")
    code, out, _ = run_cli(capsys, "run", "lifo-wakeup")
    assert "check: 통과" in out
    code, out, _ = run_cli(capsys, "run", "lifo-wakeup", "--lang", "en")
    assert "check: passed" in out


def test_quiz_explain_and_errors_in_korean(capsys):
    """Quiz questions, explain's headings and rule texts, and error messages follow --lang ko."""
    code, out, _ = run_cli(capsys, "quiz", "gqcs-returns", "--answers", "--lang", "ko")
    assert "빈 포트에서 GQCS(port, 10 ms): (리턴값, ov, GetLastError())?" in out
    assert "답: FALSE, ov NULL, WAIT_TIMEOUT (258)" in out
    code, out, _ = run_cli(capsys, "explain", "lifo-wakeup", "--lang", "ko")
    assert "강의 노트의 해당 부분:" in out and "블락된 스레드는 나중에 기다린 순서대로" in out
    code, _, err = run_cli(capsys, "run", "lifo-wakup", "--lang", "ko")
    assert code == 2 and "없는 시나리오 'lifo-wakup'; 혹시 lifo-wakeup" in err
    code, _, err = run_cli(capsys, "run", "lifo-wakeup", "--seed", "x", "--lang", "ko")
    assert code == 2 and "usage:" in err and "정수가 아님" in err


@pytest.mark.parametrize("argv", [["run", "lifo-wakeup"], ["run", "lifo-wakeup", "--lang", "ko"],
                                  ["explain", "recv0-graceful-close"], ["rule", "A4", "--lang", "ko"],
                                  ["quiz", "gqcs-returns", "--answers"], ["step", "lifo-wakeup", "--lang", "ko"]])
def test_output_survives_a_cp949_console(argv):
    """Under the Korean Windows code page (cp949, no em dash) the output does not crash: characters the
    console cannot show become look-alikes (— → -), Hangul is kept, and the command exits 0."""
    env = {**os.environ, "PYTHONIOENCODING": "cp949", "KERNELSIM_LANG": "en"}
    done = subprocess.run([sys.executable, "-m", "kernelsim", *argv], capture_output=True, env=env, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 0, done.stderr.decode("cp949", "replace")
    text = done.stdout.decode("cp949")                     # strict: every byte is valid cp949
    assert "Traceback" not in done.stderr.decode("cp949", "replace")
    assert "—" not in text and text.strip()
    if "ko" in argv and argv[0] in ("run", "rule"):
        assert "깨어남" in text or "스레드" in text


def test_cp1252_console_replaces_hangul():
    """A Western console (cp1252) has no Hangul at all: `--lang ko` still exits 0, with '?' for Hangul."""
    env = {**os.environ, "PYTHONIOENCODING": "cp1252"}
    done = subprocess.run([sys.executable, "-m", "kernelsim", "run", "lifo-wakeup", "--lang", "ko"],
                          capture_output=True, env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0 and b"?" in done.stdout and b"T3" in done.stdout


def test_every_lesson_has_a_korean_counterpart_whose_commands_the_tests_run():
    """Each tutorials/*.md has a tutorials/ko/ lesson of the same name, written in Korean, and
    tests/test_tutorials.py runs the Korean lesson's commands as it runs the English ones."""
    import test_tutorials
    lessons = sorted(p.name for p in (ROOT / "tutorials").glob("*.md"))
    assert len(lessons) >= 3
    missing = [name for name in lessons if not (ROOT / "tutorials" / "ko" / name).is_file()]
    assert not missing, f"write the Korean lesson(s) tutorials/ko/{missing}"
    run = {Path(p).resolve() for p in test_tutorials.TUTORIALS}
    for name in lessons:
        korean = (ROOT / "tutorials" / "ko" / name)
        assert korean.resolve() in run, f"tests/test_tutorials.py does not run tutorials/ko/{name}"
        text = korean.read_text(encoding="utf-8")
        assert len(re.findall("[가-힣]", text)) > 500, f"tutorials/ko/{name} is not written in Korean"
        assert test_tutorials.commands(korean), f"tutorials/ko/{name} has no command the tests run"
