"""FILE_SKIP_COMPLETION_PORT_ON_SUCCESS: no packet for an immediate success — only for that.

After SetFileCompletionNotificationModes(s, FILE_SKIP_COMPLETION_PORT_ON_SUCCESS)
a WSARecv that succeeds at once queues no packet: the caller must handle the
result where WSARecv returned (B6).  A WSARecv that pends still completes
through the port.  The mode is sticky: setting 0 afterwards does not clear it
(oracle 2.13).  The seed: "성능을 위해 동기작업 완료의 통지를 받지않게 할수있음".
"""

from kernelsim.win32 import *

TITLE = "Skip-on-success: an immediate success queues no packet, a pending one still does"
TEACHES = "완료통지 기준 — 성능을 위해(쓰레드가 깨니까) 동기작업 완료의 통지를 받지않게 할수있음"
RULES = ("B6", "B5", "D2")
CONFIG = {"cpus": 2}
QUESTIONS = [
    ("With the flag set, WSARecv finds {READY} bytes and succeeds at once: (rc, bytes), and how many packets "
     "does GQCS find?", lambda o: (o.note("immediate").rc, o.note("immediate").nbytes, o.note("immediate").packets)),
    ("A WSARecv that pends, with the flag set: does its completion reach the port?",
     lambda o: o.note("pending").packets),
    ("After SetFileCompletionNotificationModes(s, 0), does an immediate success queue a packet again?",
     lambda o: o.note("cleared").packets),
]
READY = 5


def variant(rng):
    """quiz --seed N: another amount of data already buffered."""
    return {"READY": rng.choice([1, 5, 17, 64, 99])}


def main():
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    server, client = yield tcp_pair()
    yield CreateIoCompletionPort(server, port, 1, 0)
    ok = yield SetFileCompletionNotificationModes(server, FILE_SKIP_COMPLETION_PORT_ON_SUCCESS)
    yield note("set", ok=ok)

    yield send(client, b"r" * READY)
    yield Sleep(1)
    rc, nbytes, flags = yield WSARecv(server, WSABUF(100), OVERLAPPED(op="immediate"))
    packets = yield from drain(port)
    yield note("immediate", rc=rc, nbytes=nbytes, packets=packets)

    rc, nbytes, flags = yield WSARecv(server, WSABUF(100), OVERLAPPED(op="pending"))
    yield send(client, b"later")
    packets = yield from drain(port, first_ms=1000)     # the pending receive's packet comes when the data does
    yield note("pending", rc=rc, packets=packets)

    ok = yield SetFileCompletionNotificationModes(server, 0)
    yield send(client, b"again")
    yield Sleep(1)
    rc, nbytes, flags = yield WSARecv(server, WSABUF(100), OVERLAPPED(op="after clear"))
    packets = yield from drain(port)
    yield note("cleared", ok=ok, rc=rc, packets=packets)
    yield closesocket(server)
    yield closesocket(client)


def drain(port, first_ms=0):
    count = 0
    while True:
        ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, first_ms if count == 0 else 0)
        if ov is None:
            return count
        count += 1


def check(outcome):
    assert outcome.note("set").ok
    i = outcome.note("immediate")
    assert (i.rc, i.nbytes, i.packets) == (0, READY, 0)
    p = outcome.note("pending")
    assert (p.rc, p.packets) == (SOCKET_ERROR, 1)
    c = outcome.note("cleared")
    assert (c.rc, c.packets) == (0, 0)
