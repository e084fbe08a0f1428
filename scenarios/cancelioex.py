"""CancelIoEx on a pending WSARecv: the packet comes back FALSE with 995; a second cancel finds nothing.

CancelIoEx(s, &ov) cancels the request that uses that OVERLAPPED, whichever
thread issued it, and does not wait: the request completes through the
normal path with STATUS_CANCELLED, so a worker in GQCS gets FALSE, the
OVERLAPPED, and ERROR_OPERATION_ABORTED (995) — and so would
WSAGetOverlappedResult (B12, D8).  Cancelling again, with nothing left
pending, fails with ERROR_NOT_FOUND (1168); CancelIo (the calling thread's
I/O only) returns TRUE even when there was nothing (oracle 2.12).  Closing
the socket gives 1236 instead (``closesocket-pending-recv``): 995 means
"cancelled", and only this path produces it.
"""

from kernelsim.win32 import *
from kernelsim.answers import error

TITLE = "CancelIoEx: 995 through the port, then ERROR_NOT_FOUND"
TEACHES = "CancelIO — 인자로 들아온 핸들에대해 스레드가 보류중인 모든 IO작업 취소. 다른스레드의 I/O작업취소시 CancleloEx()함수 사용"
RULES = ("B12", "D8", "B11", "F2")
CONFIG = {"cpus": 2}
QUESTIONS = [
    ("Another thread has a {BUFFER}-byte WSARecv pending; CancelIoEx on it returns?", lambda o: o.note("cancel").ok),
    ("What does the worker's GQCS return for it: (return, key, GetLastError())?",
     lambda o: (o.note("worker").ok, o.note("worker").key, error(o.note("worker").error))),
    ("CancelIoEx again: (return, GetLastError())?", lambda o: (o.note("again").ok, error(o.note("again").error))),
]
KEY = 9
BUFFER = 4096


def variant(rng):
    """quiz --seed N: another completion key and buffer size."""
    return {"KEY": rng.randint(1, 99), "BUFFER": rng.choice([512, 1024, 4096, 8192])}


def main():
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    server, client = yield tcp_pair()
    yield CreateIoCompletionPort(server, port, KEY, 0)
    worker_thread = yield CreateThread(worker, port, name="worker")
    issued = yield CreateEvent(None, TRUE, FALSE, None)
    done = yield CreateEvent(None, TRUE, FALSE, None)
    request = {}
    issuer = yield CreateThread(issue, server, issued, done, request, name="issuer")
    yield WaitForSingleObject(issued, INFINITE)   # the WSARecv exists before it is cancelled
    ov = request["ov"]
    ok = yield CancelIoEx(server, ov)
    yield note("cancel", ok=ok)
    yield WaitForSingleObject(worker_thread, INFINITE)
    ok, nbytes, flags = yield WSAGetOverlappedResult(server, ov, False)
    error = yield WSAGetLastError()
    yield note("gor", ok=ok, error=error)
    ok = yield CancelIoEx(server, ov)
    error = yield GetLastError()
    yield note("again", ok=ok, error=error)
    ok = yield CancelIo(server)
    yield note("cancelio", ok=ok)
    yield SetEvent(done)
    yield WaitForSingleObject(issuer, INFINITE)
    yield closesocket(server)
    yield closesocket(client)


def issue(s, issued, done, request):
    """Another thread issues the receive and stays alive (on XP its exit would cancel the I/O, B13)."""
    ov = request["ov"] = OVERLAPPED(op="recv")
    rc, nbytes, flags = yield WSARecv(s, WSABUF(BUFFER), ov)
    yield note("issued", rc=rc)
    yield SetEvent(issued)
    yield WaitForSingleObject(done, INFINITE)


def worker(port):
    ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, INFINITE)
    error = yield GetLastError()
    yield note("worker", ok=ok, error=error, key=key, op=ov.op if ov else None, internal=ov.Internal if ov else None)


def check(outcome):
    assert outcome.note("issued").rc == SOCKET_ERROR
    assert outcome.note("cancel").ok is True
    w = outcome.note("worker")
    assert (w.ok, w.error, w.key, w.op, w.internal) == (False, ERROR_OPERATION_ABORTED, KEY, "recv", STATUS_CANCELLED)
    assert (outcome.note("gor").ok, outcome.note("gor").error) == (False, WSA_OPERATION_ABORTED)
    assert (outcome.note("again").ok, outcome.note("again").error) == (False, ERROR_NOT_FOUND)
    assert outcome.note("cancelio").ok is True
