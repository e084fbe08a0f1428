"""The same 5,000 sessions with zero-byte receives: nothing is locked, and nobody fails.

Instead of posting its 64 KB ring buffer, each session posts a WSARecv whose
one WSABUF has length 0 (E6).  It pends like any receive, but locks no page
and ties up no application buffer: each idle session costs only its socket
and its IRP in non-paged pool.  When data arrives the zero-byte receive
completes TRUE with 0 bytes — *not* a graceful close — and the data stays
queued in AFD; the server then drains it with non-blocking recv until
WSAEWOULDBLOCK and posts the next zero-byte receive.  The seed's caveat:
"Recv결과값이 0으로 떨어진다고 하여 종료처리를 할수없게되므로 구조가 매우 복잡해짐" —
here a 0 means "look", and the follow-up recv tells data (bytes) from close (b"").
"""

from kernelsim.win32 import *
from kernelsim.answers import wsa_error

TITLE = "Zero-byte receives: 5,000 idle sessions lock no pages"
TEACHES = ("Zero Byte Recv 동작형태 — ZeroByteRecv는 ... WSARecv의 길이 인자로 0을 넣겠다는 의미이다.(WSABuf len 0)")
RULES = ("E6", "E1", "E3", "D2")
SEED_CORRECTION = [
    {"notes": "WSAEWOULDBLOCK은 더이상 사용하지않는다.",
     "windows": "Non-blocking recv/send still fail with WSAEWOULDBLOCK when nothing can be done now — the drain "
                "after a zero-byte receive stops exactly there.  Only overlapped calls report WSA_IO_PENDING "
                "instead, even on a non-blocking socket.",
     "ko": "논블락 recv/send는 지금 할 일이 없으면 여전히 WSAEWOULDBLOCK으로 실패합니다. Zero Byte Recv 뒤에 "
           "데이터를 비울 때도 바로 그 에러에서 멈춥니다. WSA_IO_PENDING을 돌려주는 것은 Overlapped "
           "호출뿐입니다(논블락 소켓이라도).",
     "rule": "E6"},
]
CONFIG = {"cpus": 4, "phys_mb": 2048, "snapshots": False}   # 10,000 sockets: no per-step snapshot copies
SESSIONS = 5000
QUESTIONS = [
    ("5,000 zero-byte receives pending: how many failed, how many pages are locked?",
     lambda o: (o.note("sessions").failed, o.note("sessions").locked)),
    ("{DATA!r} arrives for session {WAKE} (its key): what does GQCS report (return, bytes, key)?",
     lambda o: (o.note("woke").ok, o.note("woke").nbytes, o.note("woke").key)),
    ("What do the next two non-blocking recv calls return?",
     lambda o: [n.result if isinstance(n.result, bytes) else wsa_error(n.result) for n in o.notes("drain")]),
]
WAKE = 2500
DATA = "hello"


def variant(rng):
    """quiz --seed N: the data arrives for another session, and says something else."""
    return {"WAKE": rng.randint(2, SESSIONS), "DATA": rng.choice(["hello", "move 3 4", "chat: hi", "ping"])}


def main():
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    npp0, locked0 = yield memory()
    failed = 0
    clients = {}
    servers = {}
    for session in range(1, SESSIONS + 1):
        server, client = yield tcp_pair()
        yield CreateIoCompletionPort(server, port, session, 0)
        rc, nbytes, flags = yield WSARecv(server, WSABUF(0), OVERLAPPED(session=session))
        error = yield WSAGetLastError()
        if not (rc == SOCKET_ERROR and error == WSA_IO_PENDING):
            failed += 1
        if session in (1, WAKE):
            clients[session], servers[session] = client, server
    npp, locked = yield memory()
    yield note("sessions", failed=failed, locked=locked - locked0 if locked is not None else None,
               npp_per_session=(npp - npp0) // SESSIONS if npp is not None else None)

    yield send(clients[WAKE], DATA.encode())
    ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, 1000)
    yield note("woke", ok=ok, nbytes=nbytes, key=key)
    server = servers[key]
    yield ioctlsocket(server, FIONBIO, 1)
    for _ in range(2):
        data = yield recv(server, 4096)
        error = yield WSAGetLastError()
        yield note("drain", result=data if data != SOCKET_ERROR else error)

    yield closesocket(clients[1])                            # a close, for contrast
    ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, 1000)
    yield ioctlsocket(servers[key], FIONBIO, 1)
    data = yield recv(servers[key], 4096)
    yield note("closed", ok=ok, nbytes=nbytes, key=key, recv=data)


def check(outcome):
    s = outcome.note("sessions")
    assert s.failed == 0
    w = outcome.note("woke")
    assert (w.ok, w.nbytes, w.key) == (True, 0, WAKE)
    assert [n.result for n in outcome.notes("drain")] == [DATA.encode(), WSAEWOULDBLOCK]
    c = outcome.note("closed")
    assert (c.ok, c.nbytes, c.key, c.recv) == (True, 0, 1, b"")
    if outcome.backend == "model":
        assert s.locked == 0
        assert s.npp_per_session == 2 * (2048 + 1024) + 784
