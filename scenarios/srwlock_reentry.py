"""The same session lock as an SRW lock: the worker's SendPacket waits for the worker — a deadlock.

This is critsec-recursion with one change: the session is locked with an
SRWLOCK (AcquireSRWLockExclusive) instead of a critical section.  The worker
takes the lock when it picks up a receive completion, OnRecv answers with
SendPacket, and SendPacket asks for the same lock.  An SRW lock is one pointer
wide and does not know who holds it: it is not recursive, and the second
exclusive acquire waits — for the thread that is waiting (L7).  Nobody else
will ever release it; the client waits for a reply that never comes; main
waits for all.  Every thread waits and the wait-for graph has a cycle of
one thread: the run ends in a deadlock, ``W2 → SRW lock 'session' → W2``
(L11) — W2, because the port gave the receive to the worker that waited last
(A4); the other workers wait on the port for ever.  Windows would not say
so: the process just stops answering.

This scenario *claims* the deadlock (CONFIG ``expect_deadlock``): its check
passes because the run deadlocks.  Which is what the course notes conclude:
"재귀락이 발생하므로 SRWLock(X)".
"""

from kernelsim.win32 import *

TITLE = "An SRW lock is not recursive: SendPacket inside the worker's lock deadlocks the worker with itself"
TEACHES = ("WorkerThread내부에서 Session요소 Lock — WorkerThread진입하자마자 Lock을걸면 내부에서 Send하면 "
           "또다시 Lock.. 따라서 재귀락이 발생하므로 SRWLock(X) CriticalSection(O)")
RULES = ("L7", "L3", "L11", "A4")
CONFIG = {"cpus": 2, "expect_deadlock": True}
LIVE = False
LIVE_REASON = ("it claims a deadlock on every profile: live that is a hang the watchdog stops, and a hang is never "
               "agreement (a scenario that never finishes fails: live/oracle.py)")
WORKERS = 2                       # W1, W2, ... wait on the port one after another


def variant(rng):
    """quiz --seed N: another number of workers (the port wakes the one that waited last, A4)."""
    return {"WORKERS": rng.randint(1, 4)}


QUESTIONS = [
    ("The worker holds the session's SRW lock and OnRecv calls SendPacket, which acquires it again. "
     "What happens to the second AcquireSRWLockExclusive?",
     lambda o: "it waits for ever (for its own thread)" if o.end_reason == "deadlock" else "it returns"),
    ("{WORKERS} workers wait on the port. Which one takes the receive and deadlocks, "
     "and how does the run end?",
     lambda o: f"{o.end_reason}: {o.kernel.deadlock}"),
    ("How many replies does the client get?",
     lambda o: len(o.notes("reply"))),
    ("While the worker waits for its own lock, can an APC queued to it run?",
     lambda o: "no: a blocked AcquireSRWLockExclusive is not alertable" if not any(
         t.wait.alertable for t in o.kernel.threads if t.name.startswith("W") and t.wait) else "yes"),
]


class Session:
    def __init__(self, sock):
        self.sock = sock
        self.lock = SRWLOCK("session")


def SendPacket(s, data):
    yield AcquireSRWLockExclusive(s.lock)               # the worker already holds it: waits for itself (L7)
    yield note("reply")
    yield WSASend(s.sock, [WSABUF(data)], OVERLAPPED(op="send"))
    yield ReleaseSRWLockExclusive(s.lock)


def worker(port, s):
    while True:
        ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, INFINITE)
        if ov.op != "recv":
            continue
        yield AcquireSRWLockExclusive(s.lock)           # "WorkerThread진입하자마자 Lock"
        yield from SendPacket(s, b"hi")                 # OnRecv answers
        yield ReleaseSRWLockExclusive(s.lock)


def client(sock):
    yield send(sock, b"hello")
    yield recv(sock, 64)                                # the reply that never comes
    yield closesocket(sock)


def main():
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    server, peer = yield tcp_pair()
    yield CreateIoCompletionPort(server, port, 1, 0)
    s = Session(server)
    yield InitializeSRWLock(s.lock)
    yield WSARecv(server, [WSABUF(64)], OVERLAPPED(op="recv"))
    threads = []
    for i in range(1, WORKERS + 1):
        threads.append((yield CreateThread(worker, port, s, name=f"W{i}")))
        yield Sleep(1)
    threads.append((yield CreateThread(client, peer, name="client")))
    yield WaitForMultipleObjects(threads, True, INFINITE)


def check(outcome):
    assert outcome.end_reason == "deadlock"
    last = f"W{WORKERS}"                                  # the port released the newest waiter (A4)
    assert outcome.kernel.deadlock == f"{last} → SRW lock 'session' → {last}"
    assert outcome.notes("reply") == []
