"""Every section of the course notes maps to a scenario or a lesson, as the README's table says (issue 10).

The notes (../shared/seed) are not installed, so their section headings are kept in
tests/data/seed_sections.txt.  The README's table "The catalogue and the course notes" lists each
heading, exactly, with the scenarios and lessons that teach it.
"""

import re
from pathlib import Path

import pytest

from kernelsim import scenario

ROOT = Path(__file__).resolve().parent.parent
SEED = next((d for d in (ROOT.parent / "shared" / "seed", ROOT.parent.parent / "shared" / "seed") if d.is_dir()),
            ROOT.parent / "shared" / "seed")
HEADINGS = [line.rstrip("\n") for line in (ROOT / "tests" / "data" / "seed_sections.txt").read_text(
    encoding="utf-8").splitlines() if line and not line.startswith("#")]


def readme_table():
    """{heading: [targets]} from the README's seed-section table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## The catalogue and the course notes", 1)[1].split("\n## ", 1)[0]
    table = {}
    for line in section.splitlines():
        if not line.startswith("| ") or line.startswith("| Seed section") or line.startswith("|---"):
            continue
        heads, targets = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        found = re.findall(r"`([a-z0-9-]+)`", targets) + re.findall(r"\]\((tutorials/[^)]+\.md)\)", targets)
        for heading in heads.split("; "):
            table.setdefault(heading, []).extend(found)
    return table


def test_the_heading_list_is_the_notes_own():
    """The kept list is the first line of every section of the notes, in order (checked against the
    notes where they are present, as in this repository's parent folder)."""
    if not SEED.is_dir():
        pytest.skip(f"the course notes are not at {SEED}; the kept list is checked where they are")
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SEED.glob("*.txt")))
    sections = re.split(r"(?m)^-{10,}\s*$", text)
    firsts = [next(line.strip() for line in s.splitlines() if line.strip()) for s in sections if s.strip()]
    assert firsts == HEADINGS


def test_every_seed_section_maps_to_a_scenario_or_a_lesson():
    """Each of the notes' sections appears in the README's table with at least one scenario or lesson."""
    assert len(HEADINGS) >= 100
    table = readme_table()
    unmapped = [h for h in HEADINGS if not table.get(h)]
    assert not unmapped, f"seed sections that map to nothing: {unmapped}"
    assert not set(table) - set(HEADINGS), f"rows that are not seed headings: {set(table) - set(HEADINGS)}"


def test_every_target_in_the_table_exists():
    """A row may name only catalogue scenarios and lesson files that exist."""
    names = set(scenario.catalogue_names())
    for heading, targets in readme_table().items():
        for target in targets:
            assert target in names or (ROOT / target).is_file(), (heading, target)


def test_every_lesson_and_every_new_lesson_is_reached():
    """The lessons the issue asks for are in the table: from select to IOCP, ending a connection, what a
    send or a receive does, locking a session."""
    targets = {t for ts in readme_table().values() for t in ts}
    for lesson in ("04-from-select-to-iocp", "05-ending-a-connection", "06-what-send-and-recv-do",
                   "07-locking-a-session"):
        assert f"tutorials/{lesson}.md" in targets
