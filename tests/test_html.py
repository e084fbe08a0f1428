"""The web stepper's file (``run|step X --html FILE``): self-contained, compact, deterministic, and
carrying exactly the recorded run.  The page itself is driven in a real browser in test_web_browser.py."""

import json
import re
from pathlib import Path

import pytest

from kernelsim import cli, scenario
from kernelsim.ui import html, narration, view


def decode(data):
    """A reference decoder of the embedded data (what stepper.js does): event texts and per-step states."""
    strings = data["strings"]

    def text(row):
        if row[3] < 0:
            return strings[row[7]]
        literals = data["templates"][row[3]]
        out = literals[0]
        for j, literal in enumerate(literals[1:], 1):
            out += strings[row[6 + j]] + literal
        return out

    texts = [text(row) for row in data["events"]]
    def apply(old, d):
        if not isinstance(d, dict):
            return d
        rows = list(old)[:d["l"]]
        rows += [None] * (d["l"] - len(rows))
        for i, sub in d["p"]:
            rows[i] = apply(old[i] if i < len(old) else None, sub)
        return rows

    states, state = [], {"seq": -1, "notes": 0}
    expanded = []
    for item in data["steps"]:
        expanded.extend([{}] * item if isinstance(item, int) else [item])
    for change in expanded:
        state = dict(state)
        state["seq"] = change.get("q", state["seq"] + 1)
        state["notes"] = change.get("n", state["notes"])
        for key in ("th", "po", "ir", "so", "lk", "se", "pl"):
            if key in change:
                state[key] = apply(state.get(key, []), change[key])
        states.append(state)
    return texts, states


def extract(page):
    m = re.search(r'<script type="application/json" id="kernelsim-data">(.*?)</script>', page, re.S)
    return json.loads(m.group(1))


@pytest.mark.parametrize("name", ["lifo-wakeup", "pqcs-job-queue", "iocp-keys", "send-after-recv0",
                                  "completion-routines-one-thread", "sendpacket-vs-release-fixed",
                                  "wsaenobufs-small"])
def test_embedded_steps_decode_to_exactly_the_recorded_run(name):
    """Every event's text and every step's panels, decoded from the page's data, equal the run's own
    narration and snapshots (the deltas lose nothing)."""
    sc = scenario.load(name)
    outcome = scenario.run(sc)
    data = extract(html.document(sc, outcome))
    texts, states = decode(data)
    assert texts == [narration.text(e) for e in outcome.trace.events]
    steps = list(view.steps(outcome))
    assert len(states) == len(steps) > 0
    for state, step in zip(states, steps):
        snap = step.snapshot
        assert state["seq"] == step.seq and state["notes"] == step.notes
        assert state.get("th", []) == html._rows(snap.threads)
        assert state.get("po", []) == html._rows(snap.ports)
        assert state.get("ir", []) == html._rows(snap.irps)
        assert state.get("so", []) == html._rows(snap.sockets)
        assert state.get("lk", []) == html._rows(snap.locks)
        assert state.get("se", []) == html._rows(snap.sessions)
        assert state["pl"] == list(snap.pool)
    assert data["columns"]["th"] == list(steps[0].snapshot.threads[0]._fields)


def test_steps_are_stored_as_deltas():
    """A step stores only what changed: the embedded steps are far smaller than every full state."""
    sc = scenario.load("pqcs-job-queue")
    outcome = scenario.run(sc)
    data = html.data(sc, outcome)
    full = [{"th": html._rows(s.snapshot.threads), "po": html._rows(s.snapshot.ports),
             "pl": list(s.snapshot.pool)} for s in view.steps(outcome)]
    stored = len(json.dumps(data["steps"], separators=(",", ":")))
    assert stored * 3 < len(json.dumps(full, separators=(",", ":")))
    assert any(isinstance(d, dict) and isinstance(d.get("th"), dict) for d in data["steps"])   # row patches


def test_the_page_is_self_contained():
    """No external script, style, font or image, and a policy that forbids the network."""
    sc = scenario.load("lifo-wakeup")
    page = html.document(sc, scenario.run(sc))
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    outside = re.sub(r'<script type="application/json".*?</script>', "", page, flags=re.S)
    assert not re.search(r"<script[^>]*\bsrc=|<link\b|@import|url\(|https?://", outside)
    assert page.count("<script") == 2 and page.count("</script>") == 2


def test_the_same_run_gives_the_same_bytes():
    """Deterministic output: the same scenario and seed give a byte-identical page."""
    pages = []
    for _ in range(2):
        sc = scenario.load("db-workers")
        pages.append(html.document(sc, scenario.run(sc, seed=3)))
    assert pages[0] == pages[1]


def test_text_that_looks_like_markup_cannot_end_the_data_block(tmp_path):
    """A note or source line with '</script>' or '<!--' stays inside the JSON (it is escaped)."""
    path = tmp_path / "markup.py"
    path.write_text('from kernelsim.win32 import *\nTITLE = "a </script> title"\n\n'
                    'def main():\n    yield note("x", text="</script><!-- & -->")\n', encoding="utf-8")
    sc = scenario.load(str(path))
    page = html.document(sc, scenario.run(sc))
    assert page.count("</script>") == 2
    data = extract(page)
    assert data["meta"]["title"] == "a </script> title"
    assert any("</script><!-- & -->" in n[2] for n in data["notes"])


def test_a_run_without_snapshots_still_gets_its_events_and_source():
    """CONFIG snapshots=False (5,000 sessions): one step per event, the state marked as not recorded."""
    sc = scenario.load("zero-byte-recv")
    outcome = scenario.run(sc)
    assert not outcome.trace.snapshots
    data = html.data(sc, outcome)
    assert data["recorded"] is False
    texts, states = decode(data)
    assert len(states) == len(data["events"]) == len(outcome.trace.events)
    assert len(data["steps"]) <= 2 * len(outcome.notes()) + 1      # unchanged steps stored as counts
    assert texts[-1] == outcome.trace.events[-1].text
    assert states[-1]["notes"] == len(outcome.notes())
    assert data["sources"][0] == sc.source.splitlines()


def test_a_failing_schedule_page_carries_the_replay_command():
    """Shared in class: the page of a breaking schedule names the failure and how to replay it."""
    sc = scenario.load("counter-race")
    from kernelsim.explore import explore
    report = explore(sc, budget=2000, stop_at_first=True, minimise_budget=0, check=False)
    assert report.failing is not None
    outcome = scenario.run(sc, schedule=report.failing.schedule)
    meta = html.data(sc, outcome)["meta"]
    assert meta["passed"] is False and meta["failures"]
    assert meta["replay"] == f"kernelsim step counter-race --schedule {outcome.schedule}"


def test_run_and_step_write_the_page(tmp_path, capsys):
    """`run X --html FILE` narrates and writes the page; `step X --html FILE --step N` writes it, opening at N."""
    page = tmp_path / "run.html"
    assert cli.main(["run", "lifo-wakeup", "--html", str(page)]) == 0
    captured = capsys.readouterr()
    assert "check: passed" in captured.out and "saved the web stepper of lifo-wakeup" in captured.err
    assert extract(page.read_text(encoding="utf-8"))["start"] == 0
    page2 = tmp_path / "step.html"
    assert cli.main(["step", "lifo-wakeup", "--html", str(page2), "--step", "T3 released"]) == 0
    data = extract(page2.read_text(encoding="utf-8"))
    texts, states = decode(data)
    assert "T3 released" in texts[states[data["start"]]["seq"]]


@pytest.mark.parametrize("command", ["run", "step"])
def test_html_to_a_missing_folder_is_one_line_and_exit_2(tmp_path, capsys, command):
    """--html into a folder that does not exist: one line naming it, exit 2, nothing run or written."""
    target = tmp_path / "no-such-folder" / "page.html"
    assert cli.main([command, "lifo-wakeup", "--html", str(target)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "does not exist" in lines[0] and "no-such-folder" in lines[0]


def test_lock_rule_ids_in_the_whys_get_their_titles():
    """The page links every rule id a why cites — the lock rules (L…) as well as A–F — to its title."""
    sc = scenario.load("srwlock-reentry")
    data = extract(html.document(sc, scenario.run(sc)))
    assert any(rule.startswith("L") for rule in data["rules"]), data["rules"]


def test_a_translator_plugged_into_narration_translates_the_page():
    """The page's words come from ui.narration: a translator installed there (as --lang does) gives
    translated templates, field values and whys in the embedded data, filled in the same way."""
    sc = scenario.load("lifo-wakeup")
    outcome = scenario.run(sc)
    table = {"{thread} waits on {what}": "{thread}: {what} 대기", "no packet is queued": "큐에 패킷 없음"}
    narration.set_translator(lambda kind, text: table.get(text),
                             field=lambda v: "포트 8" if v == "port 8" else v)
    try:
        texts, _ = decode(html.data(sc, outcome))
        expected = [narration.text(e) for e in outcome.trace.events]
        whys = html.data(sc, outcome)["strings"]
    finally:
        narration.set_translator(None)
    assert texts == expected
    assert "T1: 포트 8 대기" in texts and "큐에 패킷 없음" in whys
    assert "T1 waits on port 8" in [narration.text(e) for e in outcome.trace.events]


def test_html_to_a_folder_or_an_unwritable_file_is_one_line_and_exit_2(tmp_path, capsys):
    """--html naming an existing folder, or a file that cannot be written, is a usage error: one line."""
    assert cli.main(["run", "lifo-wakeup", "--html", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is a folder" in err[0]
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here (it fails every write, even as root)")
    assert cli.main(["step", "lifo-wakeup", "--html", "/dev/full"]) == 2     # ENOSPC on write
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot write" in err[0]


def test_lang_ko_gives_a_korean_page(tmp_path, capsys):
    """`run X --lang ko --html FILE`: the page's events and whys are the Korean narration, word for word
    what i18n gives for each event (field values translated too), filled in by the page."""
    from kernelsim import i18n
    page = tmp_path / "ko.html"
    assert cli.main(["run", "lifo-wakeup", "--lang", "ko", "--html", str(page)]) == 0
    capsys.readouterr()
    data = extract(page.read_text(encoding="utf-8"))
    texts, _ = decode(data)
    outcome = scenario.run("lifo-wakeup")
    assert texts == [i18n.event_text(e, "ko") for e in outcome.trace.events]
    assert any("대기" in t for t in texts)
    whys = {data["strings"][row[4]] for row in data["events"]}
    assert {i18n.event_why(e, "ko") or "" for e in outcome.trace.events} == whys
