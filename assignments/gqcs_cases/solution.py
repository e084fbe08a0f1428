"""Assignment 2 (reference solution): main() shows GQCS's three ov-related return cases.

Do not change check() or gqcs(): they are the assignment's claims and its measuring tool.
"""

from kernelsim.win32 import *

TITLE = "Assignment: GQCS's return cases — posted, sentinel, timeout"
TEACHES = "GQCS사용시 주의할 점 — GQCS의 반환값은 어디서 실패했는지 알려주지 않음."
RULES = ("F1", "F3", "F5", "A11")
KEY = 5
NBYTES = 64


def main():
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    yield PostQueuedCompletionStatus(port, NBYTES, KEY, OVERLAPPED(op="job"))     # 1. TRUE, ov set (F1)
    yield from gqcs(port, 0, "posted")
    yield PostQueuedCompletionStatus(port, 0, 0, None)                             # 2. TRUE, ov NULL (A11, F5)
    yield from gqcs(port, 0, "sentinel")
    yield from gqcs(port, 10, "timeout")                                           # 3. FALSE, ov NULL, 258 (F3)
    yield CloseHandle(port)


def gqcs(port, ms, case):
    """Call GQCS and record what it returned (a 'case' note).  Use it as: yield from gqcs(port, ms, "posted")."""
    ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, ms)
    error = yield GetLastError()
    yield note("case", case=case, ok=ok, has_ov=ov is not None, nbytes=nbytes, key=key, error=None if ok else error)


def check(outcome):
    cases = {n.case: n for n in outcome.notes("case")}
    assert set(cases) == {"posted", "sentinel", "timeout"}, f"the three cases, each once (found: {sorted(cases)})"
    p, s, t = cases["posted"], cases["sentinel"], cases["timeout"]
    assert (p.ok, p.has_ov, p.nbytes, p.key) == (True, True, NBYTES, KEY), "F1: TRUE, ov set, as posted"
    assert (s.ok, s.has_ov) == (True, False), "A11, F5: the sentinel is TRUE with ov NULL"
    assert (t.ok, t.has_ov, t.error) == (False, False, WAIT_TIMEOUT), "F3: FALSE, ov NULL, WAIT_TIMEOUT"
    if outcome.trace is not None and outcome.trace.recording:     # a recorded run: the notes come from real calls
        trace = outcome.trace
        assert any(e.why.startswith("port ") and e.why.endswith(": the timeout elapsed") for e in trace), \
            "a GQCS really timed out"
        assert sum(1 for e in trace if e.text.startswith("main posts key=")) == 2, "two real PQCS calls"
