"""The peer resets the connection (linger {1,0} + closesocket) while a receive is pending.

The same failure surfaces as two numbers (B11): GQCS returns FALSE with the
OVERLAPPED and GetLastError() = ERROR_NETNAME_DELETED (64), while
WSAGetOverlappedResult on the same OVERLAPPED gives WSAECONNRESET (10054).
OVERLAPPED.Internal holds the NTSTATUS, STATUS_CONNECTION_RESET.  A receive
posted afterwards fails at once with WSAECONNRESET — and, failing
synchronously, it queues no packet (D6, B4; oracle 2.4 and 2.7).  The seed's
server uses exactly this linger {1,0} to drop clients without TIME_WAIT.
"""

from kernelsim.win32 import *
from kernelsim.answers import error, socket_result, wsa_error

TITLE = "Peer RST: 64 through GQCS, 10054 through WSAGetOverlappedResult, then an immediate failure"
TEACHES = "ShoutDown 단점 — 따라서 우리는 LINGER옵션을 설정하여 RST를 쏘는것으로 간다."
RULES = ("D6", "B11", "B4", "F2", "D9")
CONFIG = {"cpus": 2}
QUESTIONS = [
    ("The socket's key is {KEY}. GQCS for the pending receive after the peer's RST: (return, key, GetLastError())?",
     lambda o: (o.note("gqcs").ok, o.note("gqcs").key, error(o.note("gqcs").error))),
    ("WSAGetOverlappedResult on the same OVERLAPPED: (return, WSAGetLastError())?",
     lambda o: (o.note("gor").ok, wsa_error(o.note("gor").error))),
    ("A WSARecv posted after the RST: (rc, WSAGetLastError()), and how many packets does it queue?",
     lambda o: (socket_result(o.note("late").rc), wsa_error(o.note("late").error), o.note("depth").packets)),
]
KEY = 5


def variant(rng):
    """quiz --seed N: another completion key."""
    return {"KEY": rng.randint(1, 99)}


def main():
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    server, client = yield tcp_pair()
    yield CreateIoCompletionPort(server, port, KEY, 0)
    ov = OVERLAPPED(op="recv")
    yield WSARecv(server, WSABUF(4096), ov)
    yield setsockopt(client, SOL_SOCKET, SO_LINGER, LINGER(1, 0))
    yield closesocket(client)
    ok, nbytes, key, got = yield GetQueuedCompletionStatus(port, 1000)
    error = yield GetLastError()
    yield note("gqcs", ok=ok, error=error, key=key, nbytes=nbytes, same_ov=got is ov, internal=ov.Internal)
    ok, nbytes, flags = yield WSAGetOverlappedResult(server, ov, False)
    error = yield WSAGetLastError()
    yield note("gor", ok=ok, error=error)
    rc, nbytes, flags = yield WSARecv(server, WSABUF(4096), OVERLAPPED(op="late"))
    error = yield WSAGetLastError()
    yield note("late", rc=rc, error=error)
    ok, nbytes, key, got = yield GetQueuedCompletionStatus(port, 10)
    yield note("depth", packets=0 if got is None else 1)
    yield closesocket(server)


def check(outcome):
    g = outcome.note("gqcs")
    assert (g.ok, g.error, g.same_ov, g.key, g.nbytes) == (False, ERROR_NETNAME_DELETED, True, KEY, 0)
    assert g.internal == STATUS_CONNECTION_RESET
    assert (outcome.note("gor").ok, outcome.note("gor").error) == (False, WSAECONNRESET)
    late = outcome.note("late")
    assert (late.rc, late.error) == (SOCKET_ERROR, WSAECONNRESET)
    assert outcome.note("depth").packets == 0
