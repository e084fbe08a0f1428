"""The client closes gracefully: the pending receives complete with 0 bytes — "Recv 0".

Three WSARecvs are pending on a port-associated socket.  The client sends 20
bytes and then shuts down its sending side (FIN).  The first receive gets the
20 bytes (a stream receive completes as soon as any data is there, D1/D2);
FIN then completes the other two *successfully with 0 bytes* (D5): GQCS
returns TRUE with 0 transferred — the seed's "Transferred = 0: 클라로부터
종료요청 (Recv 0)".  A receive posted after that succeeds at once with 0 bytes,
and still queues a packet (B5, oracle 2.2): a server that handles both the
return value and the packet handles Recv 0 twice.
"""

from kernelsim.win32 import *

TITLE = "Recv 0: a graceful close completes every pending receive with 0 bytes"
TEACHES = "GQCS사용시 주의할 점 — 2. Transferred = 0: 클라로부터 종료요청(Recv 0)"
RULES = ("D5", "D1", "D2", "B5", "F1")
SEED_CORRECTION = [
    {"notes": "Recv/Send의 반환값이 우리가 요청한 것보다 적게 반환이된 경우는 절대없다.",
     "windows": "A stream receive completes as soon as any byte is there: R1 asked for 4,096 bytes and got 20.  "
                "Fewer bytes than requested is the normal case for WSARecv, connection alive.",
     "ko": "스트림 수신은 1바이트라도 오면 완료됩니다: R1은 4,096바이트를 요청했고 20바이트를 받았습니다. 요청보다 "
           "적게 받는 것은 연결이 살아 있어도 WSARecv의 평범한 경우입니다.",
     "rule": "D1"},
    {"notes": "2. Transferred = 0 — 클라로부터 종료요청(Recv 0)",
     "windows": "TRUE with 0 bytes is Recv 0 only for a receive with a non-empty buffer.  A zero-byte receive, a "
                "send of 0 bytes and a posted packet with 0 bytes come back the same way; look at which request it "
                "was.",
     "ko": "TRUE에 0바이트가 끊김통지(Recv 0)인 것은 버퍼 길이가 0이 아닌 Recv일 때뿐입니다. Zero Byte Recv, "
           "0바이트 Send, 0바이트로 PQCS한 패킷도 똑같이 옵니다. 어떤 요청의 완료통지인지 확인해야 합니다.",
     "rule": "F1"},
]
CONFIG = {"cpus": 2}
QUESTIONS = [
    ("{PENDING} receives are pending, the client sends {SENT} bytes and shuts down. Bytes per completion, in order?",
     lambda o: [n.nbytes for n in o.notes("done")][:PENDING]),
    ("What does GQCS return for the receives FIN completes (return value, bytes)?",
     lambda o: (o.notes("done")[1].ok, o.notes("done")[1].nbytes)),
    ("A WSARecv posted after FIN: (rc, bytes) — and does a packet still arrive?",
     lambda o: ((o.note("late").rc, o.note("late").nbytes), o.notes("done")[PENDING].op == "late")),
]
PENDING = 3
SENT = 20


def variant(rng):
    """quiz --seed N: another number of pending receives, another amount of data before the FIN."""
    return {"PENDING": rng.randint(2, 5), "SENT": rng.choice([1, 20, 100, 1000, 4000])}


def main():
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    server, client = yield tcp_pair()
    yield CreateIoCompletionPort(server, port, 1, 0)
    for name in [f"R{i}" for i in range(1, PENDING + 1)]:
        rc, nbytes, flags = yield WSARecv(server, WSABUF(4096), OVERLAPPED(op=name))
        err = yield WSAGetLastError()
        yield note("posted", op=name, rc=rc, error=err)
    peer_thread = yield CreateThread(peer, client, name="client")
    for _ in range(PENDING):
        yield from dequeue(port)
    ov = OVERLAPPED(op="late")
    rc, nbytes, flags = yield WSARecv(server, WSABUF(4096), ov)
    yield note("late", rc=rc, nbytes=nbytes)
    yield from dequeue(port)
    yield closesocket(server)
    yield WaitForSingleObject(peer_thread, INFINITE)     # the client sees our FIN and closes too


def dequeue(port):
    ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, 1000)
    yield note("done", op=ov.op, ok=ok, nbytes=nbytes)


def peer(client):
    yield send(client, b"x" * SENT)
    yield shutdown(client, SD_SEND)
    yield recv(client, 100)                 # the server's close: b"" (its FIN)
    yield closesocket(client)


def check(outcome):
    assert all(n.rc == SOCKET_ERROR and n.error == WSA_IO_PENDING for n in outcome.notes("posted"))
    done = [(n.op, n.ok, n.nbytes) for n in outcome.notes("done")]
    assert done == ([("R1", True, SENT)] + [(f"R{i}", True, 0) for i in range(2, PENDING + 1)]
                    + [("late", True, 0)]), "the data fills R1; FIN completes the rest with 0 bytes (D5)"
    late = outcome.note("late")
    assert (late.rc, late.nbytes) == (0, 0)
