"""Critical sections and SRW locks (kernelsim/model/locks.py): one test per rule, L1–L10.

Each docstring names the rule (SEMANTICS L-section, the rule book's locks part) it pins.
Deadlock detection (L11) is in test_deadlock.py.
"""

import pytest

from kernelsim import cli
from kernelsim.model import ScenarioError
from kernelsim.model.locks import footprint
from kernelsim.win32 import *

from helpers import peek, port_state, run


def _scenario(tmp_path, body, name="s.py"):
    path = tmp_path / name
    path.write_text("from kernelsim.win32 import *\nTITLE = 'lock test'\n\n" + body, encoding="utf-8")
    return path


def _line_of(path, text):
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def _fails(tmp_path, capsys, body, marker, *words):
    """The scenario stops at `marker`'s line with exit 1 and a one-line reason containing `words`."""
    path = _scenario(tmp_path, body)
    assert cli.main(["run", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert f"{path}, line {_line_of(path, marker)}:" in err, err
    for word in words:
        assert word in err, (word, err)
    assert "Traceback" not in err
    return err


# --- L1: initialise before use ------------------------------------------------------------

def test_L1_enter_before_initialize_stops_the_scenario_at_its_line(tmp_path, capsys):
    """L1: a CRITICAL_SECTION must be initialised before use; Enter on one that never was stops the
    scenario with its file and line, exit 1, and says using it is undefined on Windows."""
    _fails(tmp_path, capsys, "def main():\n    cs = CRITICAL_SECTION()\n    yield EnterCriticalSection(cs)  # here\n",
           "# here", "never initialised", "InitializeCriticalSection", "undefined", "(L1)")


def test_L1_srw_lock_before_initialize_stops_the_scenario(tmp_path, capsys):
    """L1: an SRWLOCK must be initialised (InitializeSRWLock) before it is acquired."""
    _fails(tmp_path, capsys, "def main():\n    s = SRWLOCK('q')\n    yield AcquireSRWLockShared(s)  # here\n",
           "# here", "never initialised", "InitializeSRWLock", "(L1)")


def test_L1_use_after_delete_stops_the_scenario(tmp_path, capsys):
    """L1: after DeleteCriticalSection the section may not be used (only initialised again)."""
    _fails(tmp_path, capsys,
           "def main():\n    cs = CRITICAL_SECTION('s')\n    yield InitializeCriticalSection(cs)\n"
           "    yield DeleteCriticalSection(cs)\n    yield EnterCriticalSection(cs)  # here\n",
           "# here", "after DeleteCriticalSection", "memory corruption")


def test_L1_initializing_a_critical_section_twice_stops_the_scenario(tmp_path, capsys):
    """L1: initialising an initialised critical section is undefined (MS InitializeCriticalSection);
    after a Delete it may be initialised again."""
    _fails(tmp_path, capsys,
           "def main():\n    cs = CRITICAL_SECTION('s')\n    yield InitializeCriticalSection(cs)\n"
           "    yield DeleteCriticalSection(cs)\n    yield InitializeCriticalSection(cs)\n"
           "    yield InitializeCriticalSection(cs)  # here\n",
           "# here", "already initialised", "undefined")


def test_L1_a_lock_of_the_wrong_type_is_named():
    """L1: EnterCriticalSection takes a CRITICAL_SECTION; an SRWLOCK is a scenario bug, named."""
    def main():
        s = SRWLOCK()
        yield InitializeSRWLock(s)
        yield EnterCriticalSection(s)

    with pytest.raises(ScenarioError, match="EnterCriticalSection: lpCriticalSection must be a CRITICAL_SECTION"):
        run(main)


# --- L2: ownership and recursion -------------------------------------------------------------

def test_L2_the_owner_enters_again_and_leaves_once_per_enter():
    """L2: the owner enters again without waiting (RecursionCount 2, written into the structure); after
    one leave it still owns the section, and another thread gets it only after the second leave."""
    def other(cs):
        yield EnterCriticalSection(cs)
        yield note("other in")

    def main():
        cs = CRITICAL_SECTION("session")
        yield InitializeCriticalSection(cs)
        yield EnterCriticalSection(cs)
        yield EnterCriticalSection(cs)
        yield note("twice", count=cs.RecursionCount, owner=cs.OwningThread)
        yield CreateThread(other, cs, name="T1")
        yield Sleep(5)
        yield LeaveCriticalSection(cs)
        yield note("once", count=cs.RecursionCount, owner=cs.OwningThread)
        yield Sleep(5)
        yield LeaveCriticalSection(cs)
        yield Sleep(5)

    o = run(main)
    assert o.passed, o.failures
    assert (o.note("twice").count, o.note("twice").owner) == (2, "main")
    assert (o.note("once").count, o.note("once").owner) == (1, "main")
    assert o.note("other in").time == 10


def test_L2_try_enter_never_waits():
    """L2: TryEnterCriticalSection returns TRUE when the section is free or already the caller's, and
    FALSE at once when another thread owns it."""
    def main():
        cs = CRITICAL_SECTION()
        yield InitializeCriticalSection(cs)
        first = yield TryEnterCriticalSection(cs)
        again = yield TryEnterCriticalSection(cs)
        yield note("main", first=first, again=again)
        yield CreateThread(other, cs, name="T1")
        yield Sleep(1)

    def other(cs):
        got = yield TryEnterCriticalSection(cs)
        yield note("other", got=got)

    o = run(main)
    assert (o.note("main").first, o.note("main").again) == (True, True)
    assert o.note("other").got is False and o.note("other").time == 0
    assert [e.text for e in o.trace if "TryEnter" in e.text][:2] == [
        "main enters critical section cs1 (TryEnterCriticalSection): RecursionCount 1",
        "main enters critical section cs1 (TryEnterCriticalSection): RecursionCount 2"]


# --- L3: a blocked acquire is a non-alertable wait --------------------------------------------

def test_L3_a_blocked_enter_is_not_alertable():
    """L3: a thread blocked in EnterCriticalSection waits non-alertably: an APC queued to it neither
    runs nor ends the wait; it runs at the thread's next alertable wait, after it got the section."""
    def apc(data):
        yield note("apc ran")

    def waiter(cs):
        yield EnterCriticalSection(cs)
        yield note("entered")
        yield SleepEx(0, True)

    def main():
        cs = CRITICAL_SECTION()
        yield InitializeCriticalSection(cs)
        yield EnterCriticalSection(cs)
        t = yield CreateThread(waiter, cs, name="T1")
        yield Sleep(1)
        yield QueueUserAPC(apc, t, 0)
        yield peek("blocked", lambda k: {"state": k.threads[1].state, "alertable": k.threads[1].wait.alertable})
        yield Sleep(10)
        yield LeaveCriticalSection(cs)
        yield WaitForSingleObject(t, INFINITE)

    o = run(main)
    assert (o.note("blocked").state, o.note("blocked").alertable) == ("waiting", False)
    assert o.note("entered").time == 11 and o.note("apc ran").time == 11
    assert [n.tag for n in o.notes()][-2:] == ["entered", "apc ran"]


def test_L3_a_worker_blocked_on_a_lock_gives_back_its_port_slot():
    """L3 with A5: a port-associated worker that blocks on a critical section stops counting as running,
    so with NumberOfConcurrentThreads 1 the port releases a second worker for the next packet."""
    def worker(port, cs):
        ok, n, key, ov = yield GetQueuedCompletionStatus(port, INFINITE)
        yield note("got", key=key)
        yield EnterCriticalSection(cs)
        yield LeaveCriticalSection(cs)

    def main():
        cs = CRITICAL_SECTION()
        yield InitializeCriticalSection(cs)
        yield EnterCriticalSection(cs)
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 1)
        for name in ("T1", "T2"):
            yield CreateThread(worker, port, cs, name=name)
        yield Sleep(1)
        yield PostQueuedCompletionStatus(port, 0, 1, None)
        yield PostQueuedCompletionStatus(port, 0, 2, None)
        yield Sleep(1)
        yield port_state("p", port)
        yield LeaveCriticalSection(cs)
        yield Sleep(1)

    o = run(main)
    assert sorted(n.key for n in o.notes("got")) == [1, 2]
    assert o.note("p").current == 0          # both workers wait on the lock, neither counts as running


# --- L4, L5: misuse Windows does not report ---------------------------------------------------

def test_L4_leave_by_a_thread_that_does_not_own_the_section(tmp_path, capsys):
    """L4: LeaveCriticalSection by a non-owner is undefined on Windows (it corrupts the section); the
    scenario stops at that line, exit 1, naming the owner and what Windows does."""
    err = _fails(tmp_path, capsys,
                 "def other(cs):\n    yield LeaveCriticalSection(cs)  # here\n\n"
                 "def main():\n    cs = CRITICAL_SECTION('s')\n    yield InitializeCriticalSection(cs)\n"
                 "    yield EnterCriticalSection(cs)\n    t = yield CreateThread(other, cs, name='T1')\n"
                 "    yield WaitForSingleObject(t, INFINITE)\n",
                 "# here", "LeaveCriticalSection by T1", "which it does not own (owned by main)", "corrupts")
    assert "wait for ever" in err


def test_L4_leave_more_often_than_entered(tmp_path, capsys):
    """L4: a second leave after a single enter is a leave by a thread that no longer owns the section."""
    _fails(tmp_path, capsys,
           "def main():\n    cs = CRITICAL_SECTION()\n    yield InitializeCriticalSection(cs)\n"
           "    yield EnterCriticalSection(cs)\n    yield LeaveCriticalSection(cs)\n"
           "    yield LeaveCriticalSection(cs)  # here\n",
           "# here", "which it does not own (free)")


def test_L5_delete_while_owned_and_waited_for(tmp_path, capsys):
    """L5: DeleteCriticalSection while the section is owned and waited for leaves its waiters undefined
    on Windows: the scenario stops there, naming owner and waiter."""
    _fails(tmp_path, capsys,
           "def other(cs):\n    yield EnterCriticalSection(cs)\n\n"
           "def main():\n    cs = CRITICAL_SECTION('s')\n    yield InitializeCriticalSection(cs)\n"
           "    yield EnterCriticalSection(cs)\n    yield CreateThread(other, cs, name='T1')\n"
           "    yield Sleep(1)\n    yield DeleteCriticalSection(cs)  # here\n",
           "# here", "owned by main", "waited for by T1", "undefined", "(L5)")


# --- L6: SRW modes ---------------------------------------------------------------------------

def test_L6_readers_share_writers_wait_and_readers_queue_behind_a_waiting_writer():
    """L6: two readers hold an SRW lock together; a writer waits for both; a reader that arrives while
    the writer waits queues behind it (and TryAcquireSRWLockShared fails), so it reads after the write."""
    def reader(s, name, hold):
        yield AcquireSRWLockShared(s)
        yield note("read", who=name)
        yield Sleep(hold)
        yield ReleaseSRWLockShared(s)

    def writer(s):
        yield AcquireSRWLockExclusive(s)
        yield note("write")
        yield Sleep(5)
        yield ReleaseSRWLockExclusive(s)

    def main():
        s = SRWLOCK("table")
        yield InitializeSRWLock(s)
        a = yield CreateThread(reader, s, "R1", 10, name="R1")
        b = yield CreateThread(reader, s, "R2", 10, name="R2")
        yield Sleep(1)
        w = yield CreateThread(writer, s, name="W")
        yield Sleep(1)
        tried = yield TryAcquireSRWLockShared(s)
        yield note("try shared", got=tried)
        c = yield CreateThread(reader, s, "R3", 1, name="R3")
        yield WaitForMultipleObjects([a, b, w, c], True, INFINITE)

    o = run(main)
    assert o.passed, o.failures
    reads = {n.who: n.time for n in o.notes("read")}
    assert reads["R1"] == reads["R2"] == 0
    assert o.note("try shared").got is False
    assert o.note("write").time == 10 and reads["R3"] == 15


def test_L6_try_acquire_exclusive_fails_while_readers_hold_it():
    """L6: TryAcquireSRWLockExclusive never waits: FALSE while readers hold the lock, TRUE when free."""
    def main():
        s = SRWLOCK()
        yield InitializeSRWLock(s)
        yield AcquireSRWLockShared(s)
        busy = yield TryAcquireSRWLockExclusive(s)
        yield ReleaseSRWLockShared(s)
        free = yield TryAcquireSRWLockExclusive(s)
        yield note("try", busy=busy, free=free)

    o = run(main)
    assert (o.note("try").busy, o.note("try").free) == (False, True)


# --- L7: SRW locks are not recursive ------------------------------------------------------------

def test_L7_acquiring_an_srw_lock_exclusively_twice_deadlocks_the_thread_with_itself():
    """L7: the owner acquiring its SRW lock exclusively again waits for itself: the run ends in a
    deadlock whose cycle is the one thread and the lock."""
    def main():
        s = SRWLOCK("session")
        yield InitializeSRWLock(s)
        yield AcquireSRWLockExclusive(s)
        yield AcquireSRWLockExclusive(s)

    o = run(main)
    assert o.end_reason == "deadlock"
    assert o.failures == ["deadlock: main → SRW lock 'session' → main"]


def test_L7_try_acquire_exclusive_fails_for_the_owner():
    """L7: TryAcquireSRWLockExclusive by the thread that holds the lock returns FALSE (no recursion)."""
    def main():
        s = SRWLOCK()
        yield InitializeSRWLock(s)
        yield AcquireSRWLockExclusive(s)
        again = yield TryAcquireSRWLockExclusive(s)
        yield note("again", got=again)
        yield ReleaseSRWLockExclusive(s)

    o = run(main)
    assert o.passed and o.note("again").got is False


def test_L7_a_reader_cannot_upgrade():
    """L7: a thread holding an SRW lock shared that asks for it exclusively waits for its own read
    lock: a deadlock of one thread."""
    def main():
        s = SRWLOCK("t")
        yield InitializeSRWLock(s)
        yield AcquireSRWLockShared(s)
        yield AcquireSRWLockExclusive(s)

    o = run(main)
    assert o.failures == ["deadlock: main → SRW lock 't' → main"]


def test_L7_recursive_shared_acquisition_deadlocks_with_a_waiting_writer():
    """L7 with L6: a reader that acquires the lock shared again while a writer waits queues behind the
    writer, which waits for that reader: a two-thread deadlock (MS: shared mode should not be
    acquired recursively)."""
    def writer(s):
        yield AcquireSRWLockExclusive(s)

    def main():
        s = SRWLOCK("t")
        yield InitializeSRWLock(s)
        yield AcquireSRWLockShared(s)
        yield CreateThread(writer, s, name="W")
        yield Sleep(1)
        yield AcquireSRWLockShared(s)

    o = run(main)
    assert o.failures == ["deadlock: main → SRW lock 't' → W → SRW lock 't' → main"]


# --- L8: releasing what is not held --------------------------------------------------------------

def test_L8_release_exclusive_of_a_lock_not_held_raises_status_resource_not_owned(tmp_path, capsys):
    """L8: ReleaseSRWLockExclusive of a free lock: Windows raises STATUS_RESOURCE_NOT_OWNED (0xC0000264)."""
    _fails(tmp_path, capsys,
           "def main():\n    s = SRWLOCK('q')\n    yield InitializeSRWLock(s)\n"
           "    yield ReleaseSRWLockExclusive(s)  # here\n",
           "# here", "not held exclusively", "STATUS_RESOURCE_NOT_OWNED (0xC0000264)")


def test_L8_release_shared_of_an_exclusively_held_lock(tmp_path, capsys):
    """L8: ReleaseSRWLockShared of a lock held exclusively is a release in the wrong mode:
    STATUS_RESOURCE_NOT_OWNED."""
    _fails(tmp_path, capsys,
           "def main():\n    s = SRWLOCK('q')\n    yield InitializeSRWLock(s)\n"
           "    yield AcquireSRWLockExclusive(s)\n    yield ReleaseSRWLockShared(s)  # here\n",
           "# here", "held exclusively by main, not held shared", "0xC0000264")


def test_L8_release_by_another_thread(tmp_path, capsys):
    """L8: an SRW lock must be released by the thread that acquired it (MS ReleaseSRWLockExclusive)."""
    _fails(tmp_path, capsys,
           "def other(s):\n    yield ReleaseSRWLockExclusive(s)  # here\n\n"
           "def main():\n    s = SRWLOCK('q')\n    yield InitializeSRWLock(s)\n"
           "    yield AcquireSRWLockExclusive(s)\n    t = yield CreateThread(other, s, name='T1')\n"
           "    yield WaitForSingleObject(t, INFINITE)\n",
           "# here", "by T1", "which main acquired", "released by the thread that acquired it")


# --- L9: no fairness: a release wakes a waiter, who must compete -----------------------------------

def _two_waiters():
    def waiter(cs, name):
        yield EnterCriticalSection(cs)
        yield note("in", who=name)
        yield LeaveCriticalSection(cs)

    def main():
        cs = CRITICAL_SECTION("q")
        yield InitializeCriticalSection(cs)
        yield EnterCriticalSection(cs)
        a = yield CreateThread(waiter, cs, "T1", name="T1")
        yield Sleep(1)
        b = yield CreateThread(waiter, cs, "T2", name="T2")
        yield Sleep(1)
        yield LeaveCriticalSection(cs)
        yield WaitForMultipleObjects([a, b], True, INFINITE)
    return main


def test_L9_which_waiter_a_release_wakes_is_a_choice_point():
    """L9: a release wakes one waiter with no order guaranteed: the choice goes through kernel.choose
    ("lock"); the default takes the longest waiting, another schedule the other one."""
    main = _two_waiters()
    first = run(main)
    assert [n.who for n in first.notes("in")] == ["T1", "T2"]
    k = first.kernel
    assert "lock" in k.chooser.labels
    position = k.chooser.labels.index("lock")
    schedule = ".".join(["0"] * position + ["1"])
    other = run(main, schedule=schedule)
    assert [n.who for n in other.notes("in")] == ["T2", "T1"]


def test_L9_a_thread_that_gets_there_first_takes_the_lock_from_the_woken_waiter():
    """L9: the release frees the lock and only wakes the waiter; the releasing thread, still running,
    enters again first (no preemption by default) and the woken waiter waits again."""
    def waiter(cs):
        yield EnterCriticalSection(cs)
        yield note("waiter in")

    def main():
        cs = CRITICAL_SECTION("q")
        yield InitializeCriticalSection(cs)
        yield EnterCriticalSection(cs)
        t = yield CreateThread(waiter, cs, name="T1")
        yield Sleep(1)
        yield LeaveCriticalSection(cs)
        yield EnterCriticalSection(cs)
        yield note("main in again")
        yield Sleep(5)
        yield LeaveCriticalSection(cs)
        yield WaitForSingleObject(t, INFINITE)

    o = run(main)
    assert o.note("main in again").time == 1 and o.note("waiter in").time == 6
    texts = [e.text for e in o.trace]
    assert "T1 is woken to compete for critical section 'q'" in texts
    whys = [e.why for e in o.trace if e.thread == "T1" and e.kind == "block"]
    assert "woken by the release, but the lock is owned by main again: it waits again (L9)" in whys


def test_L9_xp_and_wine_hand_a_critical_section_to_its_oldest_waiter():
    """L9, switch critsec_handoff (xp, wine): a released critical section goes straight to the oldest
    waiter, so the releasing thread entering again waits behind it."""
    def waiter(cs):
        yield EnterCriticalSection(cs)
        yield note("waiter in")
        yield Sleep(5)
        yield LeaveCriticalSection(cs)

    def main():
        cs = CRITICAL_SECTION("q")
        yield InitializeCriticalSection(cs)
        yield EnterCriticalSection(cs)
        t = yield CreateThread(waiter, cs, name="T1")
        yield Sleep(1)
        yield LeaveCriticalSection(cs)
        yield EnterCriticalSection(cs)
        yield note("main in again")
        yield LeaveCriticalSection(cs)
        yield WaitForSingleObject(t, INFINITE)

    for profile in ("xp", "wine"):
        o = run(main, profile=profile)
        assert o.note("waiter in").time == 1 and o.note("main in again").time == 6, profile
    o = run(main)
    assert o.note("main in again").time == 1


def test_L9_an_srw_release_to_a_reader_wakes_every_waiting_reader():
    """L9 with L6: when a release wakes a waiting reader, all waiting readers are woken together and
    read at the same time."""
    def reader(s, name):
        yield AcquireSRWLockShared(s)
        yield note("read", who=name)
        yield Sleep(1)
        yield ReleaseSRWLockShared(s)

    def main():
        s = SRWLOCK("t")
        yield InitializeSRWLock(s)
        yield AcquireSRWLockExclusive(s)
        threads = []
        for name in ("R1", "R2", "R3"):
            threads.append((yield CreateThread(reader, s, name, name=name)))
        yield Sleep(3)
        yield ReleaseSRWLockExclusive(s)
        yield WaitForMultipleObjects(threads, True, INFINITE)

    o = run(main)
    assert {n.who: n.time for n in o.notes("read")} == {"R1": 3, "R2": 3, "R3": 3}


# --- L10: a thread that ends holding a lock ---------------------------------------------------------

def test_L10_a_lock_whose_owner_exited_stays_owned_and_its_waiter_hangs():
    """L10: a thread that ends owning a critical section leaves it owned; a thread that then waits for
    it waits for ever. That is a hang, not a deadlock (no cycle), and the report says the owner exited."""
    def owner(cs):
        yield EnterCriticalSection(cs)

    def main():
        cs = CRITICAL_SECTION("s")
        yield InitializeCriticalSection(cs)
        t = yield CreateThread(owner, cs, name="T1")
        yield WaitForSingleObject(t, INFINITE)
        yield EnterCriticalSection(cs)

    o = run(main)
    assert o.end_reason == "hang"
    assert "owned by T1, which has exited (L10)" in o.failures[0]
    assert any(e.text == "T1 exits holding critical section 's': it stays held" for e in o.trace)


# --- the view and the explorer's hook ----------------------------------------------------------------

def test_snapshots_show_lock_owners_and_waiters():
    """The view reads snapshots only: each snapshot lists every lock with its owner, RecursionCount,
    readers and waiters (longest first), and the rendered view has a locks panel."""
    from kernelsim.ui import view
    from kernelsim.trace import PoolView, Snapshot

    def waiter(cs):
        yield EnterCriticalSection(cs)

    def main():
        cs = CRITICAL_SECTION("session")
        yield InitializeCriticalSection(cs)
        yield EnterCriticalSection(cs)
        yield EnterCriticalSection(cs)
        yield CreateThread(waiter, cs, name="T1")
        yield Sleep(1)
        yield note("look")

    o = run(main, snapshots=True)
    snap = o.trace.snapshots[-1]
    (lock,) = snap.locks
    assert (lock.name, lock.state, lock.owner, lock.recursion, lock.waiters) == \
        ("critical section 'session'", "held", "main", 2, ("T1",))
    assert snap.to_json()["locks"][0]["owner"] == "main"
    frame = view.Frame(Snapshot(0, 0.0, snap.threads, (), (), (), PoolView(0, 1, 0, 1), 0, snap.locks))
    text = view.render_text(frame, 120)
    assert "locks" in text and "critical section 'session'" in text and "T1" in text


def test_footprint_names_the_lock_a_pending_call_touches():
    """Footprint hook (issue 12): two calls on one lock share a key, calls on different locks do not,
    and a call that is not a lock call has none."""
    def main():
        a, b = CRITICAL_SECTION("a"), SRWLOCK("b")
        yield InitializeCriticalSection(a)
        yield InitializeSRWLock(b)
        yield peek("fp", lambda k: {"enter": footprint(k, EnterCriticalSection(a)),
                                    "leave": footprint(k, LeaveCriticalSection(a)),
                                    "srw": footprint(k, AcquireSRWLockShared(b)),
                                    "sleep": footprint(k, Sleep(1))})

    fp = run(main).note("fp")
    assert fp.enter == fp.leave == ("lock", "critical section 'a'")
    assert fp.srw == ("lock", "SRW lock 'b'") and fp.sleep is None


def test_every_lock_rule_has_a_title_and_text():
    """The lock rules L1–L11 have a title for `explain` and a section in the rule book's locks part (in
    English and Korean), and every rule this module tests is among them."""
    import re
    from pathlib import Path
    from kernelsim.ui.rules import title

    book = (Path(__file__).resolve().parent.parent / "kernelsim" / "rulebook" / "rules-locks.en.md").read_text()
    ids = re.findall(r"^## (L\d+) ", book, re.M)
    assert ids == [f"L{n}" for n in range(1, 12)]
    for rule in ids:
        assert title(rule) and f"## {rule} {title(rule)}" in book
    tested = set(re.findall(r'"""(L\d+)', Path(__file__).read_text()))
    assert tested <= set(ids) and len(tested) >= 10
    korean = Path(__file__).resolve().parent.parent / "kernelsim" / "rulebook" / "rules-locks.ko.md"
    assert re.findall(r"^## (L\d+) ", korean.read_text(), re.M) == ids
