"""TIME_WAIT costs non-paged pool: the side that closes first keeps its connection block for 2MSL.

TCP keeps a connection that was closed *first* (the active close) in
TIME_WAIT for twice the maximum segment lifetime, so that stray segments of
the old connection cannot be taken for a new one.  Windows holds the
connection's TCB, in non-paged pool, for TcpTimedWaitDelay: 240 s on Windows
2000, 120 s from Windows Server 2003 on (E9; this run: TIME_WAIT_MS).  The
notes: "TIME_WAIT이 남는것도 Non-Paged메모리를 사용함", and "서버가 먼저끊어 서버에
남은 TIME_WAIT".

The server kicks CLIENTS clients twice over:

1. ``closesocket`` first, gracefully: each client reads the FIN and closes;
   every server-side connection then sits in TIME_WAIT holding its TCB (the
   model charges E4's transport part, 1 KB).
2. ``closesocket`` after ``setsockopt(SO_LINGER, {1, 0})``: an abortive close
   sends RST, and a connection reset "will not go to the TIME_WAIT state"
   (MS-CLOSESOCKET; D6) — nothing stays.  The client's recv fails with
   WSAECONNRESET instead of returning 0.  This is why the notes' server kicks
   with linger {1,0} ("LINGER옵션을 설정하여 RST를 쏘는것으로 간다").

Then main waits TIME_WAIT_MS: the TCBs are freed, all at the same moment,
2MSL after the clients' FINs.  (On loopback both ends live in one pool; a
client that closes first would hold the TIME_WAIT on its own machine.)
"""

from kernelsim.win32 import *
from kernelsim.answers import wsa_error

TITLE = "TIME_WAIT holds non-paged pool after a graceful server-first close; linger {1,0} skips it"
TEACHES = "WSANOBUF Error — (TIME_WAIT이 남는것도 Non-Paged메모리를 사용함)"
RULES = ("E9", "D6", "D5", "E4")
TIME_WAIT_MS = 120_000          # TcpTimedWaitDelay from Windows Server 2003 on (E9)
CONFIG = {"cpus": 2, "time_wait_ms": TIME_WAIT_MS}
SEED_CORRECTION = [
    {"notes": "Non-PagedPool의 정리는 C#의 Garbage Collecter와 비슷하다. Non-Paged메모리를 반환해도 "
              "즉시반환되지않고 한박자 늦게 정리한다.",
     "windows": "Pool memory is back the moment it is freed (ExFreePoolWithTag); nothing collects it later.  What "
                "lingers is the owner: a connection closed first keeps its TCB through TIME_WAIT (2MSL, "
                "TcpTimedWaitDelay), and an abortive close (linger {1,0}) keeps nothing.",
     "ko": "풀 메모리는 해제하는 순간 돌아옵니다(ExFreePoolWithTag). 나중에 몰아서 정리하는 GC 같은 것은 없습니다. "
           "늦게 남는 것은 메모리의 주인 쪽입니다: 먼저 끊은 연결은 TIME_WAIT(2MSL, TcpTimedWaitDelay) 동안 TCB를 "
           "쥐고 있고, linger {1,0}으로 RST를 쏘면 아무것도 남지 않습니다.",
     "rule": "E9"},
]
CLIENTS = 100
LIVE = False
LIVE_REASON = "it waits out TIME_WAIT (120 s) and its claims are about non-paged pool, which has no live gauge"


def variant(rng):
    return {"CLIENTS": rng.choice([10, 50, 100, 200])}


QUESTIONS = [
    ("The server closes {CLIENTS} connections first, gracefully, and the clients close too: how many bytes "
     "of non-paged pool do those connections still hold?", lambda o: o.note("graceful").held),
    ("The same with linger {1, 0}: how many bytes stay held?", lambda o: o.note("abortive").held),
    ("What do the clients' recv calls return in the second round: (result, WSAGetLastError())?",
     lambda o: (o.note("abortive").recv, wsa_error(o.note("abortive").error))),
    ("How long after the clients of the first round closed is that memory back (ms)?", lambda o: freed_after(o)),
]


def freed_after(o):
    """From the first round's last client close to the first TCB freed (the model's trace)."""
    freed = next(e.time for e in o.trace if e.kind == "net" and "TCB is freed" in e.text)
    return round(freed - o.note("clients-closed").time, 3)


def main():
    npp0, _ = yield memory()
    held = {}
    for how in ("graceful", "abortive"):
        before, _ = yield memory()
        pairs = []
        for _ in range(CLIENTS):
            pairs.append((yield tcp_pair()))
        for server, client in pairs:
            if how == "abortive":
                yield setsockopt(server, SOL_SOCKET, SO_LINGER, LINGER(1, 0))
            yield closesocket(server)                       # the server closes first
        for server, client in pairs:
            got = yield recv(client, 100)                   # b"" (FIN) or SOCKET_ERROR (RST)
            error = yield WSAGetLastError()
            yield closesocket(client)                       # the client's FIN reaches the closed server socket
        if how == "graceful":
            yield note("clients-closed")
        yield Sleep(1)
        after, _ = yield memory()
        held[how] = after - before if after is not None else None
        yield note(how, held=held[how], recv="SOCKET_ERROR" if got == SOCKET_ERROR else got, error=error)
    yield Sleep(TIME_WAIT_MS)
    npp, _ = yield memory()
    yield note("freed", npp_back=npp == npp0 if npp is not None else None)


def check(outcome):
    graceful, abortive = outcome.note("graceful"), outcome.note("abortive")
    assert (graceful.recv, graceful.error) == (b"", 0), "a graceful close: the client reads 0 (FIN)"
    assert (abortive.recv, abortive.error) == ("SOCKET_ERROR", WSAECONNRESET), "linger {1,0}: RST (D6)"
    if outcome.backend == "model":
        assert graceful.held == CLIENTS * 1024, "each server-side connection keeps its TCB in TIME_WAIT (E9)"
        assert abortive.held == 0, "a reset connection skips TIME_WAIT (D6, E9)"
        assert outcome.note("freed").npp_back is True
    if outcome.trace is not None and outcome.trace.recording:
        assert TIME_WAIT_MS <= freed_after(outcome) <= TIME_WAIT_MS + 1, "2MSL after the peer's FIN (E9)"
