"""Completion routines run one at a time, in the thread that issued the I/O — never in parallel.

The server thread posts a receive with a completion routine on each of four
sockets; all four clients send at the same instant, and then the server sleeps
alertably (it waited, not alertably, until the four answers were in).
The four routines are queued as user APCs *to the issuing thread* (C8) and
run one after another inside its single SleepEx, which then returns
WAIT_IO_COMPLETION (C4, C5).  A second thread sleeping alertably the whole
time runs none of them.  This is the seed's objection to the model: "하나의
스레드에서 처리하는 구조이므로 병렬처리가 불가능하다."  Each routine may post
the next receive itself.  A thread that exits with a routine still queued
never runs it, and the IRP's memory is released (C8, B13).
"""

from kernelsim.win32 import *
from kernelsim.answers import sleep_result

TITLE = "Completion routines: all in the issuing thread, one at a time"
TEACHES = "Completion Routine의 단점 — 요청한 스레드의 APC큐로 들어온다. 하나의 스레드에서 처리하는 구조이므로 병렬처리가 불가능하다."
RULES = ("C8", "C4", "C5", "B5", "B11", "B13")
SEED_CORRECTION = [
    {"notes": "5. 완료루틴 호출이 끝나면 alertable wait상태에서 빠져나온다.",
     "windows": "Not after one routine: every queued completion routine (and user APC) runs, oldest first, and "
                "only then does the wait return WAIT_IO_COMPLETION — once.",
     "ko": "완료루틴 하나가 끝날 때가 아닙니다. 큐에 쌓인 완료루틴(유저 APC)이 오래된 것부터 전부 실행된 다음에야 "
           "wait가 WAIT_IO_COMPLETION을 한 번 리턴합니다.",
     "rule": "C4"},
]
CONFIG = {"cpus": 4}
QUESTIONS = [
    ("{CLIENTS} receives complete at the same instant: in which thread(s) do their routines run?",
     lambda o: sorted({n.thread for n in o.notes("routine")})),
    ("Do two routines ever run at the same time (the most found running at once)?",
     lambda o: max(n.running for n in o.notes("routine"))),
    ("What does the server's SleepEx return once the routines ran?",
     lambda o: sleep_result(o.note("server-wait").result)),
    ("Each routine computes for {WORK_MS} ms: when (ms) does the last one start?",
     lambda o: max(n.time for n in o.notes("routine"))),
    ("A thread exits with its routine still queued: does the routine ever run?",
     lambda o: len(o.notes("orphan-routine")) > 0),
]

state = {"running": 0}
CLIENTS = 4
WORK_MS = 1


def variant(rng):
    """quiz --seed N: another number of connections and another length of work per routine."""
    return {"CLIENTS": rng.randint(2, 6), "WORK_MS": rng.choice([1, 2, 3, 5])}


def main():
    state["running"] = 0
    pairs = []
    for _ in range(CLIENTS):
        pairs.append((yield tcp_pair()))
    posted = yield CreateEvent(None, True, False, None)
    go = yield CreateEvent(None, True, False, None)
    server = yield CreateThread(serve, [s for s, _ in pairs], posted, go, name="server")
    bystander = yield CreateThread(idle, name="bystander")
    yield WaitForSingleObject(posted, INFINITE)      # the four receives pend
    for _, client in pairs:
        yield send(client, b"ping")
    yield Sleep(30)                                  # their completions reach the server's APC queue
    yield SetEvent(go)
    yield WaitForSingleObject(server, INFINITE)
    yield WaitForSingleObject(bystander, INFINITE)
    s, c = yield tcp_pair()
    leaver = yield CreateThread(leave_early, s, name="leaver")
    yield WaitForSingleObject(leaver, INFINITE)
    yield send(c, b"too late")
    yield Sleep(5)
    npp, locked = yield memory()
    yield note("after-exit", locked=locked)
    for server_socket, client in pairs + [(s, c)]:
        yield closesocket(server_socket)
        yield closesocket(client)


def serve(sockets, posted, go):
    for i, s in enumerate(sockets):
        yield WSARecv(s, WSABUF(64), OVERLAPPED(op=f"R{i + 1}", sock=s), on_recv)
    yield SetEvent(posted)
    yield WaitForSingleObject(go, INFINITE)          # not alertable: the routines wait in the APC queue
    result = yield SleepEx(INFINITE, True)
    yield note("server-wait", result=result)


def on_recv(err, nbytes, ov, flags):
    state["running"] += 1
    yield note("routine", op=ov.op, err=err, nbytes=nbytes, running=state["running"])
    yield compute(WORK_MS)                 # work inside the routine: the others wait their turn
    state["running"] -= 1


def idle():
    result = yield SleepEx(20, True)
    yield note("bystander", result=result)


def leave_early(s):
    yield WSARecv(s, WSABUF(64), OVERLAPPED(op="orphan"), orphan_routine)


def orphan_routine(err, nbytes, ov, flags):
    yield note("orphan-routine", err=err)


def check(outcome):
    routines = outcome.notes("routine")
    assert len(routines) == CLIENTS and {n.thread for n in routines} == {"server"}
    assert max(n.running for n in routines) == 1
    assert [n.time for n in routines] == sorted(n.time for n in routines)
    assert all((n.err, n.nbytes) == (0, 4) for n in routines)
    assert outcome.note("server-wait").result == WAIT_IO_COMPLETION
    assert outcome.note("bystander").result == 0
    assert outcome.notes("orphan-routine") == []
    if outcome.backend == "model":
        assert outcome.note("after-exit").locked == 0
