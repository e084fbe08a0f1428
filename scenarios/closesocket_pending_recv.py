"""closesocket with a WSARecv pending: the worker sees FALSE, ov set, GetLastError() = 1236.

The folklore says 995 (the documented WSA_OPERATION_ABORTED); the tests Wine
runs on real Windows say ERROR_CONNECTION_ABORTED (1236) for a connected
socket on Windows 10 and later — 64 on XP, and 676 on Wine itself (oracle 2.9,
SEMANTICS D7 correction).  closesocket returns at once; the completion arrives
afterwards through the port, exactly one packet, and the buffer's pages are
unlocked by then.  The socket value goes back to the handle table, so the
next socket created gets the same value — which is why the seed says never
to use the socket value as a session id.
"""

from kernelsim.win32 import *
from kernelsim.answers import error

TITLE = "closesocket with a pending receive: the packet says 1236, not 995"
TEACHES = "closesocket시 컨텐츠 코드문제 — 2. socket값 재사용으로 인해 엉뚱한 세션으로의 로직처리"
RULES = ("D7", "B4", "B11", "E2")
CONFIG = {"cpus": 2}
QUESTIONS = [
    ("A worker waits in GQCS; main closes a socket with a WSARecv pending. (return, ov is the recv's, error)?",
     lambda o: (o.note("worker").ok, o.note("worker").same_ov, error(o.note("worker").error))),
    ("The receive buffer is {BUFFER} bytes, page-aligned: how many pages are locked before the close, and after?",
     lambda o: (o.note("before").locked, o.note("after").locked)),
    ("The next socket created gets which handle value, compared with the closed one?",
     lambda o: "the same" if o.note("reuse").same else "a new one"),
]
BUFFER = 8192


def variant(rng):
    """quiz --seed N: another receive buffer size (and so another number of locked pages)."""
    return {"BUFFER": rng.choice([100, 4096, 5000, 8192, 12288, 16384])}


def main():
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    server, client = yield tcp_pair()
    yield CreateIoCompletionPort(server, port, 1, 0)
    ov = OVERLAPPED(op="recv")
    yield WSARecv(server, WSABUF(BUFFER), ov)
    npp, locked = yield memory()
    yield note("before", locked=locked)
    worker_thread = yield CreateThread(worker, port, ov, name="worker")
    yield Sleep(1)
    rc = yield closesocket(server)
    yield note("closed", rc=rc)
    yield WaitForSingleObject(worker_thread, INFINITE)
    npp, locked = yield memory()
    yield note("after", locked=locked)
    again = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    yield note("reuse", same=again == server, old=server, new=again)
    yield closesocket(again)
    yield closesocket(client)


def worker(port, expected):
    ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, INFINITE)
    error = yield GetLastError()
    yield note("worker", ok=ok, same_ov=ov is expected, error=error, nbytes=nbytes, internal=ov.Internal)
    ok2, _, _, ov2 = yield GetQueuedCompletionStatus(port, 10)
    yield note("more", ok=ok2, has_ov=ov2 is not None)


def check(outcome):
    w = outcome.note("worker")
    assert (w.ok, w.same_ov, w.nbytes) == (False, True, 0)
    assert w.error == ERROR_CONNECTION_ABORTED and w.internal == STATUS_CONNECTION_ABORTED
    assert outcome.note("more").has_ov is False          # exactly one packet
    assert outcome.note("closed").rc == 0
    assert outcome.note("reuse").same
    if outcome.backend == "model":
        pages = -(-BUFFER // PAGE_SIZE)                  # every page the buffer spans (E2)
        assert (outcome.note("before").locked, outcome.note("after").locked) == (pages, 0)
