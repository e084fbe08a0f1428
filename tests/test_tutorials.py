"""Every command in tutorials/*.md runs, exits as the lesson says, and prints the lines it shows."""

import re
import shlex
from pathlib import Path

import pytest

from kernelsim.cli import main

ROOT = Path(__file__).resolve().parent.parent / "tutorials"
TUTORIALS = sorted(ROOT.glob("*.md")) + sorted(ROOT.glob("ko/*.md"))      # the Korean lessons too
BLOCK = re.compile(r"```console\n(.*?)```", re.S)
EXITS = re.compile(r"\s+#\s*exits\s+(\d+)\s*$")


def commands(path):
    """(command, expected exit code, expected output lines) for each `$ kernelsim ...` line."""
    found = []
    for block in BLOCK.findall(path.read_text(encoding="utf-8")):
        for line in block.splitlines():
            if line.startswith("$ "):
                text = line[2:]
                match = EXITS.search(text)
                code = int(match.group(1)) if match else 0
                found.append([EXITS.sub("", text), code, []])
            elif found and line.strip():
                found[-1][2].append(line.strip())
    return found


CASES = [(path.relative_to(ROOT).as_posix(), *case) for path in TUTORIALS for case in commands(path)]


def test_the_tutorials_have_commands():
    assert len(TUTORIALS) >= 3 and len(CASES) >= 15


def test_every_command_shows_what_it_prints():
    """A command quoted with no output would be checked only by its exit code: each shows at least one line."""
    silent = [f"{tutorial}: {command}" for tutorial, command, code, expected in CASES if not expected]
    assert not silent, silent


@pytest.mark.parametrize("tutorial,command,code,expected", CASES,
                         ids=[f"{c[0]}:{c[1][:40]}" for c in CASES])
def test_tutorial_command(tutorial, command, code, expected, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = shlex.split(command)
    assert argv[0] == "kernelsim", f"{tutorial}: only kernelsim commands are run: {command}"
    assert main(argv[1:]) == code, command
    out = capsys.readouterr().out
    position = 0
    for line in expected:
        found = out.find(line, position)
        assert found >= 0, f"{tutorial}: `{command}` did not print, in this order: {line!r}"
        position = found + len(line)
    for option in ("--svg", "--html", "--perfetto"):          # a file the lesson hands out is really written
        if option in argv:
            written = tmp_path / argv[argv.index(option) + 1]
            assert written.is_file() and written.stat().st_size > 0, f"{tutorial}: `{command}` wrote no {written.name}"
