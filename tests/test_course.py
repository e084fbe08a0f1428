"""The course taught correctly (issue 10): each misleading item has a test that would have caught it,
and every SEED_CORRECTION is shown where the student reads the scenario."""

import re
from pathlib import Path

import pytest

from kernelsim import cli, scenario
from kernelsim.ui.commands import explain_text
from kernelsim.ui.rules import title

ROOT = Path(__file__).resolve().parent.parent
NAMES = scenario.catalogue_names()


def lesson(name):
    return (ROOT / "tutorials" / name).read_text(encoding="utf-8")


# --- item 1: the fixed library's Disconnect is bounded; the silent client ------------------------------

def test_a_shutdown_only_disconnect_never_releases_a_silent_client():
    """D5: a client that reads the FIN and never closes keeps the pending WSARecv for ever; the broken
    (shutdown-only) Disconnect leaves IOCount at 1 and the session unreleased, under every seed."""
    for seed in range(6):
        outcome = scenario.run("silent-client", seed=seed)
        assert [f.split(" — ")[0] for f in outcome.failures] == [
            "invariant broken: a disconnected session is released"]
        assert (outcome.note("before-stop").io_count, outcome.note("before-stop").holding) == (1, "the WSARecv")
        assert not outcome.notes("leave")


def test_the_fixed_disconnect_cancels_the_receive_and_closes_with_linger_1_0():
    """B12 + D6: the fixed Disconnect shuts down (FIN after the queued data), cancels the pending receive
    with CancelIoEx (it completes with STATUS_CANCELLED, 995) — or, when the worker has not re-posted it
    yet, no receive is posted after the disconnect flag — and Release closes abortively: RST, no
    TIME_WAIT.  OnLeave runs once, under every seed."""
    cancelled = 0
    for seed in range(6):
        outcome = scenario.run("silent-client-fixed", seed=seed)
        assert outcome.passed, outcome.failures
        texts = [e.text for e in outcome.trace]
        assert any("shuts down sending" in t for t in texts)
        cancelled += any("(recv on socket" in t and "STATUS_CANCELLED" in t for t in texts)
        assert not any("WSARecv" in t and "pends" in t for t in texts[texts.index(
            next(t for t in texts if "shuts down sending" in t)):])
        assert any("closes abortively" in t for t in texts)
        assert len(outcome.notes("leave")) == 1
    assert cancelled >= 4, "in most schedules the receive is pending when the kick comes, and is cancelled"


# --- variants reach a twin's code ---------------------------------------------------------------------------

def test_a_seeded_variant_reaches_the_code_of_a_fixed_twin():
    """A -fixed twin runs its sibling's functions (netlib.catalogue.twin); --seed N must change the names
    those functions read, not only the twin module's copies: silent-client-fixed's WAIT_MS moves the note."""
    times = set()
    for seed in range(1, 6):
        sc = scenario.load("silent-client-fixed")
        outcome = scenario.run(sc, seed=seed)
        assert outcome.note("before-stop").time == sc.module.WAIT_MS
        times.add(outcome.note("before-stop").time)
    assert len(times) > 1


# --- item 3: the 1/8 locked-page rule is NT 4/2000's, and modern WSAENOBUFS is non-paged pool ---------

def paragraphs(text):
    return [p for p in re.split(r"\n\s*\n", text) if p.strip()]


def test_every_one_eighth_claim_says_it_is_the_nt4_2000_rule():
    """E3 [D-historical]: wherever a student reads "1/8" (lessons, scenario docstrings and questions), the
    same paragraph says it is the NT 4 / Windows 2000 rule, not what modern Windows does."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "tutorials").rglob("*.md"))]
    texts += [scenario.load(name).source for name in NAMES]
    found = 0
    for text in texts:
        for para in paragraphs(text):
            if "1/8" in para:
                found += 1
                assert re.search(r"NT ?4", para), para
    assert found >= 3


def test_modern_limits_give_wsaenobufs_from_non_paged_pool_with_nothing_locked():
    """E8: under the Windows 7 rule (75 % of RAM) npp-exhaustion fails a connection with WSAENOBUFS while
    no page is locked; wsaenobufs-5000 says which rule it uses."""
    outcome = scenario.run("npp-exhaustion")
    assert outcome.passed, outcome.failures
    first = outcome.note("first-failure")
    assert (first.error, first.locked) == (10055, 0)
    assert outcome.kernel.pool.npp_limit == 48 * 1024 * 1024
    assert "NT 4 / Windows 2000" in explain_text(scenario.load("wsaenobufs-5000"))


# --- item 4: pending-vs-immediate's number is a model parameter ------------------------------------------

def test_pending_vs_immediate_sets_its_buffers_and_the_answer_follows_them(capsys):
    """D3 + MS SIO_IDEAL_SEND_BACKLOG_QUERY (dynamic send buffering unless SO_SNDBUF is set): the scenario
    sets SO_SNDBUF and SO_RCVBUF itself, says the number is a model parameter, and the first send to pend
    moves with the sizes a seeded variant draws."""
    sc = scenario.load("pending-vs-immediate")
    assert "model parameter" in sc.doc and "dynamic" in sc.doc
    outcome = scenario.run(sc)
    assert sum("sets SO_SNDBUF=8192" in e.text or "sets SO_RCVBUF=8192" in e.text for e in outcome.trace) == 2
    firsts = set()
    for seed in range(6):
        o = scenario.run(sc, seed=seed)
        firsts.add(next(n.n for n in o.notes("send-big") if n.rc != 0))
    assert len(firsts) > 1


# --- item 5: jobs-three-ways does not judge performance; it asks who may take each job -------------------

def test_jobs_three_ways_asks_who_may_take_a_job_not_which_is_faster():
    """C2 / A2: the model charges nothing for a context switch, so the scenario says it cannot judge
    performance, and its questions ask which threads may take each kind of job; an APC runs only on its
    target thread under every seed."""
    sc = scenario.load("jobs-three-ways")
    assert "cannot judge" in sc.doc and "verdict holds" not in sc.doc
    assert any("Which thread" in q for q, _ in sc.questions)
    for seed in range(6):
        o = scenario.run(sc, seed=seed)
        assert sorted({n.thread for n in o.notes("got") if n.way == "apc"}) == ["apc"]


# --- item 6: eventselect-64 was not WSAEventSelect; consistent numbering ------------------------------------

def test_overlapped_events_64_is_named_for_what_it_does_and_numbers_from_zero(capsys):
    """The scenario uses overlapped WSARecv with events, not WSAEventSelect: it is renamed (the old name
    still works), says so, and its question names socket 40 — the answer WSA_WAIT_EVENT_0 + 40."""
    sc = scenario.load("overlapped-events-64")
    assert "not* WSAEventSelect" in sc.doc or "not WSAEventSelect" in sc.doc
    assert "eventselect-64" not in NAMES
    assert scenario.load("eventselect-64").path == sc.path
    assert cli.main(["quiz", "eventselect-64", "--answers"]) == 0
    out = capsys.readouterr().out
    q1 = out.split("Q1. ")[1].split("Q2.")[0]
    assert "socket 40" in q1 and "answer: WAIT_OBJECT_0+40 (40)" in q1 and "#41" not in q1


# --- item 7: a strong reference with the OVERLAPPED holds a session across WSASend --------------------------

def test_lesson_3_says_a_smart_pointer_kept_with_the_overlapped_holds_the_session():
    """Lesson 3 no longer repeats "smart pointers cannot hold a session across a WSASend": a strong
    reference kept with the OVERLAPPED and dropped in the completion handler does — IOCount by a smart
    pointer."""
    text = lesson("03-session-lifetime.md")
    assert "they cannot hold a session across a WSASend" not in text
    para = next(p for p in paragraphs(text) if "Smart pointers" in p)
    assert "with the OVERLAPPED" in para and "IOCount" in para and "completion handler" in para


# --- SEED_CORRECTION: where the notes are wrong, the student sees the correction ---------------------------

CORRECTED = [name for name in NAMES if scenario.load(name).corrections]


def test_there_are_about_twenty_two_corrections():
    """Issue 10 counts about 22 places where the notes are wrong or outdated."""
    assert sum(len(scenario.load(name).corrections) for name in CORRECTED) >= 20


@pytest.mark.parametrize("name", CORRECTED)
def test_a_correction_shows_in_explain_quiz_and_the_narration_header(name, capsys):
    """Each SEED_CORRECTION (notes' claim, what Windows does, in English and Korean, the rule) appears in
    explain, in quiz (after the answers) and in run's ARG header; its rule id is in the rule book."""
    sc = scenario.load(name)
    for c in sc.corrections:
        assert title(c.rule), c.rule
        assert re.search(r"[가-힣]", c.ko), "the Korean text is Korean"
    text = explain_text(sc)
    assert all(c.notes in text and c.windows in text and c.ko in text for c in sc.corrections)
    assert cli.main(["run", name]) in (0, 1)
    header = capsys.readouterr().out.split("\n\n")[0]
    assert all(f"ARG correction the notes say 「{c.notes}」" in header for c in sc.corrections)
    if sc.questions:
        assert cli.main(["quiz", name, "--answers"]) == 0
        out = capsys.readouterr().out
        assert all(f"({c.rule}): 「{c.notes}」 — {c.windows}" in out for c in sc.corrections)


def test_a_malformed_seed_correction_names_the_file_and_line(tmp_path, capsys):
    """Bad input: a SEED_CORRECTION without its Korean text is a load error (exit 2) with the line."""
    path = tmp_path / "bad_correction.py"
    path.write_text('from kernelsim.win32 import *\n\nSEED_CORRECTION = {"notes": "x", "windows": "y", "rule": "D1"}\n'
                    '\n\ndef main():\n    yield Sleep(0)\n')
    assert cli.main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert "bad_correction.py, line 3" in err and "SEED_CORRECTION" in err


# --- the lessons -------------------------------------------------------------------------------------------

LESSONS = sorted(p.name for p in (ROOT / "tutorials").glob("[0-9][0-9]-*.md"))


def test_there_are_at_least_seven_lessons_each_in_korean_with_answers_apart():
    """Issue 10: at least seven lessons; each has a Korean counterpart (tutorials/ko) and the
    instructor's answers in a separate file (tutorials/answers, and in Korean)."""
    assert len(LESSONS) >= 7
    for name in ("04-from-select-to-iocp.md", "05-ending-a-connection.md", "06-what-send-and-recv-do.md"):
        assert name in LESSONS
        for folder in ("ko", "answers", "answers/ko"):
            assert (ROOT / "tutorials" / folder / name).is_file(), (folder, name)


@pytest.mark.parametrize("name", ["04-from-select-to-iocp.md", "05-ending-a-connection.md",
                                  "06-what-send-and-recv-do.md"])
def test_a_new_lesson_has_objectives_predictions_without_answers_and_exercises(name):
    """Each new lesson states learning objectives, starts with a predict step whose answers are not on
    the page (bare `kernelsim quiz NAME` commands: the quiz reveals them), and ends with exercises whose
    answers are in the instructor's file, not in the lesson."""
    for text, headings in ((lesson(name), ("## Learning objectives", "## 1. Predict first", "## Exercises")),
                           (lesson("ko/" + name), ("## 학습 목표", "## 1. 먼저 예측", "## 연습 문제"))):
        for heading in headings:
            assert heading in text, (name, heading)
        predict = text.split(headings[1], 1)[1].split("\n## ", 1)[0]
        assert "$ kernelsim quiz " in predict and "answer:" not in predict and "--answers\n" not in predict
    answers = lesson("answers/" + name)
    assert "## Exercises" in answers and answers.count("\n1. ") >= 1


def test_the_rules_this_issue_added_have_titles_and_text_in_english_and_korean():
    """E8, E9 and D12–D16 each have a title for explain that is the heading of its section in the rule
    book's course part, in English, and the Korean part has the same ids in the same order."""
    book = (ROOT / "kernelsim" / "rulebook" / "rules-course.en.md").read_text(encoding="utf-8")
    ids = re.findall(r"^## ([A-F]\d+) ", book, re.M)
    assert ids == ["E8", "E9", "D12", "D13", "D14", "D15", "D16"]
    for rule in ids:
        assert title(rule) and f"## {rule} {title(rule)}" in book, rule
    korean = (ROOT / "kernelsim" / "rulebook" / "rules-course.ko.md").read_text(encoding="utf-8")
    assert re.findall(r"^## ([A-F]\d+) ", korean, re.M) == ids
