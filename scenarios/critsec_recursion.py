"""A recursive CRITICAL_SECTION hides re-entry: the worker's own lock does not stop Release.

The course notes lock the session as soon as a worker takes a receive
completion ("WorkerThread진입하자마자 Lock"), and SendPacket and Disconnect
lock it too.  SendPacket called from OnRecv enters the lock a second time,
so an SRW lock would deadlock and a critical section is chosen ("재귀락이
발생하므로 SRWLock(X) CriticalSection(O)").  That works: the owner enters again
at once and RecursionCount goes to 2 (L2) — nothing waits, nothing is
reported.  But it works for Disconnect too.  When the client sends a bad
message, OnRecv calls Disconnect, which enters the same lock (RecursionCount 2
again), closes the socket and releases the session, all *inside* the lock the
worker is holding.  Back in the worker, still "protected" by its lock, the
next WSARecv goes to a socket that no longer exists: WSAENOTSOCK.

The recursive lock did not prevent anything: a lock keeps *other* threads
out, never the owner's own nested calls.  What protects the session is that
it cannot be released while an I/O or a caller still counts on it — IOCount
(``kernelsim explain session-lock-vs-iocount``).  The same code with an SRW
lock deadlocks at the first reply (``kernelsim run srwlock-reentry``).
"""

from kernelsim.win32 import *

TITLE = "A recursive CRITICAL_SECTION hides re-entry: Disconnect releases the session inside the worker's lock"
TEACHES = ("WorkerThread내부에서 Session요소 Lock — 1. WorkerThread에서 동시접근 불허: WorkerThread진입하자마자 "
           "Lock을걸면 내부에서 Send하면 또다시 Lock.. 재귀락이 발생하므로 SRWLock(X) CriticalSection(O)")
RULES = ("L2", "L3", "D7")
CONFIG = {"cpus": 2}
GOOD = 2                          # requests the client sends before the bad one


def variant(rng):
    """quiz --seed N: another number of good requests before the bad one."""
    return {"GOOD": rng.randint(1, 4)}


QUESTIONS = [
    ("While SendPacket runs inside the worker's lock, what is the session lock's RecursionCount?",
     lambda o: o.notes("reply")[0].recursion),
    ("How many EnterCriticalSection calls on the session lock had to wait?",
     lambda o: sum(1 for e in o.trace if e.kind == "block" and "critical section 'session'" in e.text)),
    ("The client sends {GOOD} good requests, then a bad one. How many replies go out?",
     lambda o: len(o.notes("reply"))),
    ("After OnRecv handled the bad request, the worker (still holding its lock) posts the next WSARecv: "
     "what does it return, and what is WSAGetLastError()?",
     lambda o: (o.notes("rearm")[-1].rc, o.notes("rearm")[-1].error)),
]


class Session:
    def __init__(self, sock):
        self.sock = sock
        self.lock = CRITICAL_SECTION("session")
        self.released = False
        self.armed = None                 # set once the next receive is posted: the client may talk


def SendPacket(s, data):
    yield EnterCriticalSection(s.lock)                  # the owner enters again: no wait (L2)
    yield note("reply", recursion=s.lock.RecursionCount, owner=s.lock.OwningThread)
    yield WSASend(s.sock, [WSABUF(data)], OVERLAPPED(op="send"))
    yield LeaveCriticalSection(s.lock)


def Disconnect(s):
    yield EnterCriticalSection(s.lock)                  # again no wait: the worker's own lock
    yield note("disconnect", recursion=s.lock.RecursionCount)
    yield closesocket(s.sock)                           # Release: the socket and the session go
    s.released = True
    yield LeaveCriticalSection(s.lock)


def OnRecv(s, data):
    if data == b"hello":
        yield from SendPacket(s, b"hi")
    else:
        yield from Disconnect(s)                        # a bad message: cut the client off


def post_recv(s):
    ov = OVERLAPPED(op="recv")
    ov.wsabuf = WSABUF(64)
    rc, nbytes, flags = yield WSARecv(s.sock, [ov.wsabuf], ov)
    error = yield WSAGetLastError()
    return rc, error


def worker(port, s):
    while True:
        ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, INFINITE)
        if ov.op != "recv":
            continue                                    # a send's completion
        yield EnterCriticalSection(s.lock)              # "WorkerThread진입하자마자 Lock"
        yield from OnRecv(s, bytes(ov.wsabuf.buf[:nbytes]))
        rc, error = yield from post_recv(s)             # the next receive, under "our" lock
        yield note("rearm", rc=rc, error=error, released=s.released)
        yield SetEvent(s.armed)
        yield LeaveCriticalSection(s.lock)
        if s.released:
            return


def client(sock, armed):
    for _ in range(GOOD):
        yield send(sock, b"hello")
        yield recv(sock, 64)
        yield WaitForSingleObject(armed, INFINITE)      # the worker's next receive is posted
    yield send(sock, b"bye!!")
    yield recv(sock, 64)                                # the server's close: b""
    yield closesocket(sock)


def main():
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    server, peer = yield tcp_pair()
    yield CreateIoCompletionPort(server, port, 1, 0)
    s = Session(server)
    s.armed = yield CreateEvent(None, False, False, None)
    yield InitializeCriticalSection(s.lock)
    yield from post_recv(s)
    w = yield CreateThread(worker, port, s, name="worker")
    c = yield CreateThread(client, peer, s.armed, name="client")
    yield WaitForMultipleObjects([w, c], True, INFINITE)
    yield DeleteCriticalSection(s.lock)


def check(outcome):
    replies = outcome.notes("reply")
    assert len(replies) == GOOD
    assert all((n.recursion, n.owner) == (2, "worker") for n in replies)       # re-entered, unnoticed
    assert outcome.note("disconnect").recursion == 2
    assert not any(e.kind == "block" and "critical section" in e.text for e in outcome.trace or ())
    *good, bad = outcome.notes("rearm")
    assert all(n.rc == 0 or n.error == WSA_IO_PENDING for n in good)
    assert (bad.rc, bad.error, bad.released) == (SOCKET_ERROR, WSAENOTSOCK, True)
