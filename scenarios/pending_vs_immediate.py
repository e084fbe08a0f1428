"""Which overlapped calls pend?  Only those that cannot be done right now.

On a port-associated connection whose peer is not reading:

* WSASend of 1 KB returns 0 at once: the bytes fit in the socket's send buffer
  and were copied there — synchronous success (D3).  Typical for sends
  ("Send - 대부분 송신버퍼는 여유가있을 것이므로 동기로 작동됨").
* WSARecv with nothing received returns SOCKET_ERROR / WSA_IO_PENDING: it
  pends, its buffer locked, until data arrives (D2).  Typical for receives.
* Sends of 4 KB, 1 ms apart, keep succeeding while the data can move on into
  the peer's receive window (SO_RCVBUF) and our send buffer (SO_SNDBUF); once
  both are full, a WSASend pends too (D3: "소켓버퍼가 가득 찬 경우").

Which send pends first is a *model parameter*, not a Windows constant: the
scenario sets SO_SNDBUF and the peer's SO_RCVBUF explicitly (8 KB each by
default; ``--seed N`` draws other sizes).  Windows 7 and later buffer sends
dynamically unless the application sets SO_SNDBUF, so on a real machine
without these calls the answer would be another number (MS
SIO_IDEAL_SEND_BACKLOG_QUERY: "dynamic send buffering for TCP is enabled
unless an application sets the SO_SNDBUF socket option").

Either way the port gets one packet per request — an immediate success
notifies as well (B5) — so a server handles every result in one place, its
worker.  WSA_IO_PENDING is not an error: it says the request was accepted.
"""

from kernelsim.win32 import *
from kernelsim.answers import socket_result, wsa_error

TITLE = "Pending vs immediate: sends usually complete at once, receives usually pend"
TEACHES = "비동기 I/O의 작동 — 반환값이 WSA_IO_PENDING인 경우에만 Overlapped I/O로 작동된 것. 비동기I/O는 지금당장 일을 하지못할때만 전환된다."
RULES = ("D2", "D3", "B2", "B5")
CONFIG = {"cpus": 2}
SNDBUF = 8192               # bytes: set explicitly, a model parameter (D3)
RCVBUF = 8192               # the peer's receive buffer, likewise


def variant(rng):
    return {"SNDBUF": rng.choice([4096, 8192, 16384]), "RCVBUF": rng.choice([4096, 8192, 16384])}


QUESTIONS = [
    ("WSASend of 1 KB on a fresh connection: (rc, bytes)?",
     lambda o: (o.note("send-small").rc, o.note("send-small").nbytes)),
    ("WSARecv with nothing received: (rc, WSAGetLastError())?",
     lambda o: (socket_result(o.note("recv").rc), wsa_error(o.note("recv").error))),
    ("SO_SNDBUF and the peer's SO_RCVBUF set as this variant says; sending 4 KB at a time to a peer that "
     "does not read: which send is the first to pend?",
     lambda o: next(n.n for n in o.notes("send-big") if n.rc == SOCKET_ERROR)),
    ("How many packets reach the port for the sends that returned 0 at once?",
     lambda o: sum(1 for n in o.notes("packet") if n.immediate)),
]


def main():
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    server, client = yield tcp_pair()
    yield setsockopt(server, SOL_SOCKET, SO_SNDBUF, SNDBUF)   # explicit: no dynamic send buffering (Win7+)
    yield setsockopt(client, SOL_SOCKET, SO_RCVBUF, RCVBUF)
    yield CreateIoCompletionPort(server, port, 1, 0)
    immediate = set()
    ov = OVERLAPPED(op="send 1K")
    rc, nbytes = yield WSASend(server, [WSABUF(b"x" * 1024)], ov)
    yield note("send-small", rc=rc, nbytes=nbytes)
    if rc == 0:
        immediate.add(ov.op)
    rc, nbytes, flags = yield WSARecv(server, [WSABUF(4096)], OVERLAPPED(op="recv"))
    yield note("recv", rc=rc, error=(yield WSAGetLastError()))
    for n in range(1, (SNDBUF + RCVBUF) // 4096 + 3):
        yield Sleep(1)
        ov = OVERLAPPED(op=f"send 4K #{n}")
        rc, nbytes = yield WSASend(server, [WSABUF(b"y" * 4096)], ov)
        yield note("send-big", n=n, rc=rc, error=0 if rc == 0 else (yield WSAGetLastError()))
        if rc == 0:
            immediate.add(ov.op)
        else:
            break
    while True:
        ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, 0)
        if ov is None:
            break
        yield note("packet", op=ov.op, nbytes=nbytes, immediate=ov.op in immediate)


def check(outcome):
    assert (outcome.note("send-small").rc, outcome.note("send-small").nbytes) == (0, 1024)
    assert (outcome.note("recv").rc, outcome.note("recv").error) == (SOCKET_ERROR, WSA_IO_PENDING)
    big = outcome.notes("send-big")
    assert big[-1].n == (SNDBUF + RCVBUF - 1024) // 4096 + 1, "the first send that no longer fits pends (D3)"
    assert big[0].rc == 0 and big[-1].rc == SOCKET_ERROR and big[-1].error == WSA_IO_PENDING
    immediate = [n.op for n in outcome.notes("packet") if n.immediate]
    assert immediate == ["send 1K"] + [f"send 4K #{n.n}" for n in big if n.rc == 0], \
        "every immediate success still queued its packet (B5)"
    assert not any(n.op == "recv" for n in outcome.notes("packet")), "the receive is still pending"


# kernelsim live (issue 9): how a live run treats this scenario
NOT_LIVE_ON = {"wine": "when a send pends is decided by AFD's buffering on Windows and by Linux's socket buffers under Wine (D3), which the model cannot predict"}
