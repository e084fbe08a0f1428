"""A completion routine on a socket associated with a completion port: WSAEINVAL, and nothing happens.

The notes: "LPWSAOVERLAPPED_COMPLETION_ROUTINE ... LPWSAOVERLAPPED보다 우선순위가
높다. 이 매개변수가 NULL이 아니라면 WSAOVERLAPPED구조체의 Event는 사용X".  On a
plain overlapped socket that is right: given a routine, WSARecv queues it
as an APC to the issuing thread and does not signal hEvent (oracle 3.9).
But the two completion mechanisms do not mix.  Once the socket is
associated with a port, a WSARecv that passes a completion routine fails at
once with WSAEINVAL (10022): no IRP, no packet, the routine never runs, the
event is never set (B9, oracle 1.18).  A server that "upgrades" an APC
design by adding CreateIoCompletionPort finds every receive refused.
"""

from kernelsim.win32 import *
from kernelsim.answers import socket_result, wsa_error

TITLE = "Completion routine + completion port: WSARecv fails with WSAEINVAL, nothing is queued"
TEACHES = "WSASend, WSARecv — LPWSAOVERLAPPED_COMPLETION_ROUTINE: 완료루틴 방식을 사용할때만 세팅한다. LPWSAOVERLAPPED보다 우선순위가 높다."
RULES = ("B9", "C8", "B4")
SEED_CORRECTION = {
    "notes": "LPWSAOVERLAPPED_COMPLETION_ROUTINE ... LPWSAOVERLAPPED보다 우선순위가 높다. 이 매개변수가 NULL이 아니라면 "
             "WSAOVERLAPPED구조체의 Event는 사용X",
    "windows": "Only on a socket with no completion port.  On a port-associated socket a WSARecv/WSASend with a "
               "completion routine fails at once with WSAEINVAL: no IRP, no packet, the routine never runs.",
    "ko": "IOCP에 등록되지 않은 소켓에서만 그렇습니다. IOCP에 등록된 소켓에 완료루틴을 주고 WSARecv/WSASend를 "
          "호출하면 즉시 WSAEINVAL로 실패합니다: IRP도, 완료통지도 없고 완료루틴도 불리지 않습니다.",
    "rule": "B9",
}
CONFIG = {"cpus": 2}
QUESTIONS = [
    ("Without a port: WSARecv with a routine and an event, and the peer sends {DATA!r} — is the event set when "
     "the data comes, and does the routine run (at SleepEx)?",
     lambda o: (o.note("plain").event_set, o.note("plain").routine_ran)),
    ("With the socket associated with a port: (rc, WSAGetLastError()) of the same WSARecv?",
     lambda o: (socket_result(o.note("port").rc), wsa_error(o.note("port").error))),
    ("Does anything ever arrive for it — a packet, an APC?",
     lambda o: (o.note("port").packet, o.note("port").routine_ran)),
]


def variant(rng):
    return {"DATA": rng.choice([b"hello", b"ping", b"x" * 10])}


DATA = b"hello"
ran = []


def routine(err, nbytes, ov, flags):
    ran.append(ov.op)
    yield note("routine", op=ov.op, err=err, nbytes=nbytes)


def main():
    ran.clear()
    # 1. no port: the routine wins over the event (oracle 3.9)
    server, client = yield tcp_pair()
    event = yield WSACreateEvent()
    ov = OVERLAPPED(hEvent=event, op="plain")
    yield WSARecv(server, WSABUF(64), ov, routine)
    yield send(client, DATA)
    yield Sleep(1)
    event_set = (yield WSAWaitForMultipleEvents([event], False, 0, False)) == WSA_WAIT_EVENT_0
    yield SleepEx(0, TRUE)                               # the routine runs here, on this thread (C8)
    yield note("plain", event_set=event_set, routine_ran="plain" in ran)

    # 2. the same socket kind, associated with a port: refused (B9)
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    s2, c2 = yield tcp_pair()
    yield CreateIoCompletionPort(s2, port, 2, 0)
    rc, nbytes, flags = yield WSARecv(s2, WSABUF(64), OVERLAPPED(op="port"), routine)
    error = yield WSAGetLastError()
    yield send(c2, DATA)
    yield Sleep(1)
    ok, n, key, got = yield GetQueuedCompletionStatus(port, 10)
    yield SleepEx(0, TRUE)
    yield note("port", rc=rc, error=error, packet=got is not None, routine_ran="port" in ran)
    for s in (server, client, s2, c2):
        yield closesocket(s)


def check(outcome):
    assert (outcome.note("plain").event_set, outcome.note("plain").routine_ran) == (False, True), "oracle 3.9"
    p = outcome.note("port")
    assert (p.rc, p.error) == (SOCKET_ERROR, WSAEINVAL), "B9, oracle 1.18"
    assert (p.packet, p.routine_ran) == (False, False)
