"""A WSARecv that succeeds at once *still* queues a completion packet.

Ten bytes are already buffered when the server posts its receive.  WSARecv
returns 0 with 10 bytes — synchronous success — and GQCS then returns a
packet for the very same OVERLAPPED (B5, D1; oracle 2.1).  The seed says it
plainly: "WSAOVERLAPPED의 Overlapped I/O는, 동기 비동기 가리지않고 완료통지가온다."
A server that processes the data both where WSARecv returned and where the
packet arrives processes it twice.  With a completion routine instead of a
port, the routine is *scheduled* and runs only at the next alertable wait of
the issuing thread.  (``skip-on-success`` shows the flag that removes the packet.)
"""

from kernelsim.win32 import *

TITLE = "Immediate success still notifies: a packet for a WSARecv that returned 0"
TEACHES = "완료통지 기준 — WSAOVERLAPPED의 Overlapped I/O는, 동기 비동기 가리지않고 완료통지가온다."
RULES = ("B5", "D1", "B4", "C2")
CONFIG = {"cpus": 2}
QUESTIONS = [
    ("{BUFFERED} bytes are buffered; WSARecv returns (rc, bytes)?",
     lambda o: (o.note("recv").rc, o.note("recv").nbytes)),
    ("Does GQCS then return a packet for that OVERLAPPED, and with which bytes and key (the socket's key is {KEY})?",
     lambda o: (o.note("packet").same_ov, o.note("packet").nbytes, o.note("packet").key)),
    ("With a completion routine: has it run when WSARecv returns? After SleepEx(0, TRUE)?",
     lambda o: (o.note("routine-before").ran, o.note("routine-after").ran)),
]

ran = []
BUFFERED = 10
KEY = 3


def variant(rng):
    """quiz --seed N: another amount of buffered data and another key."""
    return {"BUFFERED": rng.choice([1, 5, 10, 64, 200, 1000]), "KEY": rng.randint(1, 20)}


def main():
    del ran[:]
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    server, client = yield tcp_pair()
    yield CreateIoCompletionPort(server, port, KEY, 0)
    yield send(client, bytes(48 + i % 10 for i in range(BUFFERED)))
    yield Sleep(1)
    ov = OVERLAPPED(op="recv")
    buf = WSABUF(4096)
    rc, nbytes, flags = yield WSARecv(server, buf, ov)
    yield note("recv", rc=rc, nbytes=nbytes, data=bytes(buf.buf[:nbytes]))
    ok, n, key, got = yield GetQueuedCompletionStatus(port, 0)
    yield note("packet", ok=ok, same_ov=got is ov, nbytes=n, key=key)

    # The same with a completion routine on a socket that has no port.
    s2, c2 = yield tcp_pair()
    yield send(c2, b"abc")
    yield Sleep(1)
    rc, nbytes, flags = yield WSARecv(s2, WSABUF(100), OVERLAPPED(op="apc"), on_recv)
    yield note("routine-before", rc=rc, ran=len(ran))
    result = yield SleepEx(0, True)
    yield note("routine-after", ran=len(ran), result=result)
    for s in (server, client, s2, c2):
        yield closesocket(s)


def on_recv(err, nbytes, ov, flags):
    ran.append((err, nbytes))
    yield note("routine", err=err, nbytes=nbytes)


def check(outcome):
    r = outcome.note("recv")
    assert (r.rc, r.nbytes, r.data) == (0, BUFFERED, bytes(48 + i % 10 for i in range(BUFFERED)))
    p = outcome.note("packet")
    assert (p.ok, p.same_ov, p.nbytes, p.key) == (True, True, BUFFERED, KEY)
    assert outcome.note("routine-before").ran == 0
    after = outcome.note("routine-after")
    assert (after.ran, after.result) == (1, WAIT_IO_COMPLETION)
    assert (outcome.note("routine").err, outcome.note("routine").nbytes) == (0, 3)
