"""Several WSASends outstanding at once reach the wire in the order they were called.

The peer's receive buffer is already full, so nothing more can leave.  With
SO_SNDBUF = 8 KB, S1 (4 KB) is copied into AFD's send buffer and succeeds at
once; S2 (8 KB) does not fit and pends with its buffer locked; S3 (1 KB) would
fit, but pends because S2 is queued ahead of it (D3).  When the peer reads,
the bytes arrive as S1‖S2‖S3 — "WinSock에서는 ... Send가 중첩되어도 반드시
순서를 지켜주며".  What is *not* promised is the order in which a pool of
workers would handle the completions (B14).
"""

from kernelsim.win32 import *

TITLE = "Outstanding WSASends keep their order on the wire"
TEACHES = "Send를 1회로 제한하는 [잘못된] 이유 — WinSock에서는 FILE I/O와 달리 Send가 중첩되어도 반드시 순서를 지켜주며"
RULES = ("D3", "B14", "B5")
CONFIG = {"cpus": 2}
QUESTIONS = [
    ("Window closed, SO_SNDBUF 8 KB: S1 {S1} bytes, S2 {S2} bytes, S3 {S3} bytes — which return at once (rc 0)?",
     lambda o: [n.op for n in o.notes("posted") if n.rc == 0]),
    ("In what order do the three blocks arrive at the peer?", lambda o: o.note("wire").order),
]

S1, S2, S3 = 4096, 8192, 1024


def variant(rng):
    """quiz --seed N: other block sizes (a block that fits after the ones before it still returns 0)."""
    return {"S1": rng.choice([1024, 4096, 6000]), "S2": rng.choice([1024, 2048, 8192]), "S3": rng.choice([512, 1024, 3000])}


def blocks():
    return (("S1", b"1", S1), ("S2", b"2", S2), ("S3", b"3", S3))


def main():
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    server, client = yield tcp_pair()
    yield CreateIoCompletionPort(server, port, 1, 0)
    yield setsockopt(server, SOL_SOCKET, SO_SNDBUF, 8192)
    yield send(server, b"f" * 8192)                 # fills the peer's 8 KB receive buffer
    yield Sleep(1)
    for op, byte, size in blocks():
        rc, nbytes = yield WSASend(server, WSABUF(byte * size), OVERLAPPED(op=op))
        yield note("posted", op=op, rc=rc, nbytes=nbytes)
    total = 8192 + sum(size for _, _, size in blocks())
    data = b""
    while len(data) < total:
        chunk = yield recv(client, 65536)
        data += chunk
    order = []
    for byte in data[8192:]:
        ch = chr(byte)
        if not order or order[-1] != "S" + ch:
            order.append("S" + ch)
    yield note("wire", order=order, intact=data[8192:] == b"".join(b * n for _, b, n in blocks()))
    completions = []
    for _ in blocks():
        ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, 100)
        completions.append((ov.op, nbytes))
    yield note("completions", order=completions)
    yield closesocket(server)
    yield closesocket(client)


def check(outcome):
    posted = {n.op: n.rc for n in outcome.notes("posted")}
    immediate, used = {}, 0                  # a send returns 0 while it fits behind the ones before it (D3)
    for op, _, size in blocks():
        fits = used + size <= 8192 and SOCKET_ERROR not in immediate.values()
        immediate[op] = 0 if fits else SOCKET_ERROR
        used += size if fits else 0
    assert posted == immediate, (posted, immediate)
    wire = outcome.note("wire")
    assert wire.order == ["S1", "S2", "S3"] and wire.intact
    # One worker dequeuing alone sees them FIFO by completion time (B14): S2 completes before S3.
    assert outcome.note("completions").order == [(op, size) for op, _, size in blocks()]


# kernelsim live (issue 9): how a live run treats this scenario
NOT_LIVE_ON = {"wine": "which sends pend is decided by Linux's socket buffers under Wine, not AFD's (D3)"}
