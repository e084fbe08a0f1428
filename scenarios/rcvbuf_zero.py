"""SO_RCVBUF = 0: accepted, reads back 0 — and nothing the client sends between receives is lost.

The notes worry that with a zero receive buffer "[Recv완료통지 -> 로직처리 ->
Recv검] TCP는 Recv공백기간동안 패킷이 모두 버려지게됨", and then report what they
measured: no WSA_IO_PENDING, the data is still copied, and getsockopt keeps
saying 0.  The measurement is right and the worry is not: TCP never throws
away data it has acknowledged, and its flow control holds the sender back
instead of dropping anything (D16).  Here the server sets SO_RCVBUF 0, posts
no receive while the client sends three messages (the "Recv 공백기간"), then
posts one WSARecv: it completes at once with all of them, in order.
getsockopt still reads 0 (oracle 4.2).  How much AFD buffers with SO_RCVBUF
0 is not pinned down by any test; the model keeps its default window, as
the notes observed.
"""

from kernelsim.win32 import *

TITLE = "SO_RCVBUF = 0: nothing sent during the gap between receives is lost; getsockopt reads 0"
TEACHES = "송수신 버퍼의 사이즈 조절(요청) — 수신버퍼사이즈를 0으로 만드는 것은 여러가지 문제. TCP는 Recv공백기간동안 패킷이 모두 버려지게됨"
RULES = ("D16", "D1", "D2")
SEED_CORRECTION = {
    "notes": "문제 1. [Recv완료통지 -> 로직처리 -> Recv검] TCP는 Recv공백기간동안 패킷이 모두 버려지게됨",
    "windows": "TCP drops nothing the peer sent: what arrives while no receive is posted waits in AFD, and flow "
               "control holds the sender back when there is no room.  SO_RCVBUF 0 is accepted and reads back "
               "0, and the next WSARecv gets everything, in order.",
    "ko": "TCP는 상대가 보낸 데이터를 버리지 않습니다. Recv가 걸려 있지 않은 동안 도착한 데이터는 AFD에 보관되고, "
          "자리가 없으면 흐름 제어가 보내는 쪽을 멈춥니다. SO_RCVBUF 0은 설정되고 getsockopt도 0을 돌려주며, 다음 "
          "WSARecv가 모든 데이터를 순서대로 받습니다.",
    "rule": "D16",
}
CONFIG = {"cpus": 2}
MESSAGES = [b"one;", b"two;", b"three;"]


def variant(rng):
    return {"MESSAGES": [b"msg%d;" % i for i in range(rng.randint(2, 5))]}


QUESTIONS = [
    ("After setsockopt(SO_RCVBUF, 0), what does getsockopt(SO_RCVBUF) read?", lambda o: o.note("rcvbuf").size),
    ("The client sends while no receive is posted; then one WSARecv: (rc, bytes)?",
     lambda o: (o.note("recv").rc, o.note("recv").nbytes)),
    ("Which bytes does it get?", lambda o: o.note("recv").data),
]


def client(c):
    for m in MESSAGES:
        yield send(c, m)
        yield Sleep(1)


def main():
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    server, c = yield tcp_pair()
    yield setsockopt(server, SOL_SOCKET, SO_RCVBUF, 0)
    yield note("rcvbuf", size=(yield getsockopt(server, SOL_SOCKET, SO_RCVBUF)))
    yield CreateIoCompletionPort(server, port, 1, 0)
    t = yield CreateThread(client, c, name="client")
    yield WaitForSingleObject(t, INFINITE)                 # "로직처리": no receive posted meanwhile
    yield Sleep(1)
    buf = WSABUF(256)
    rc, nbytes, flags = yield WSARecv(server, buf, OVERLAPPED(op="recv"))
    yield note("recv", rc=rc, nbytes=nbytes, data=bytes(buf.buf[:nbytes]))
    yield GetQueuedCompletionStatus(port, 100)             # its packet (B5)
    yield closesocket(server)
    yield closesocket(c)


def check(outcome):
    assert outcome.note("rcvbuf").size == 0, "SO_RCVBUF 0 is accepted and reads back 0 (oracle 4.2)"
    r = outcome.note("recv")
    assert (r.rc, r.data) == (0, b"".join(MESSAGES)), "nothing was dropped during the gap (D16)"
