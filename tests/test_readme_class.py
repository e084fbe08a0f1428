"""The README's walk-through of a class (worksheet → assignment → grade) runs as written: every command in
its ```console blocks exits as shown and prints the lines shown, in order (the lessons' harness)."""

import re
from pathlib import Path

import pytest

import test_tutorials
from kernelsim.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"
SECTION = "## A class with kernelsim: worksheet, assignment, grade"


def section(tmp_path):
    text = README.read_text(encoding="utf-8")
    assert SECTION in text, "the README's class walk-through is missing"
    body = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    path = tmp_path / "walkthrough.md"
    path.write_text(body, encoding="utf-8")
    return path


def test_the_walkthrough_runs_as_written(tmp_path, capsys, monkeypatch):
    """Worksheet (no answer in it), answers with constant names, the rule book, the assignment copied out,
    its starter graded 1 with the replay commands, its solution graded 0 — in this order, in one folder."""
    steps = test_tutorials.commands(section(tmp_path))
    assert len(steps) >= 7
    monkeypatch.chdir(tmp_path)
    for command, code, expected in steps:
        argv = test_tutorials.shlex.split(command)
        assert argv[0] == "kernelsim"
        if argv[1:3] == ["grade", "send-flag/solution.py"]:        # the instructor copies the solution next
            assert main(["assignments", "send-flag", "--out", ".", "--solution"]) == 0
            capsys.readouterr()
        assert main(argv[1:]) == code, command
        out = capsys.readouterr().out
        position = 0
        for line in expected:
            found = out.find(line, position)
            assert found >= 0, f"`{command}` did not print, in this order: {line!r}"
            position = found + len(line)
        if argv[1] == "quiz" and "--answers" not in argv:
            assert not re.search(r"answer: (?!_)", out), "a worksheet never shows an answer"


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_worksheet_command_of_the_walkthrough_is_answer_free_in_both_languages(capsys, lang):
    assert main(["quiz", "lifo-wakeup", "--seed", "5", "--lang", lang]) == 0
    out = capsys.readouterr().out
    assert "T6\n" not in out and ("______" in out)
