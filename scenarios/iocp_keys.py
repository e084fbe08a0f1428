"""Creating a completion port, registering sockets with it, and what the completion key is for.

``CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0)`` creates a port;
NumberOfConcurrentThreads 0 means one running thread per CPU — 4 here (A1).
The same function then *associates* each session's socket with the port,
passing the session's number as the completion key (the seed: 보통은
세션포인터를 넣는다).  The 99 passed as NumberOfConcurrentThreads while
associating is ignored: the port's maximum stays 4 (A1).

Data arrives for session 2 first, then session 1.  Each completion comes back
with the key of the socket it happened on and the OVERLAPPED of the request,
so the worker knows the session and the operation without any lookup — what
an event (a bare signal) cannot say.  Any thread holding the port handle can
dequeue them: the worker never saw the sockets (IOCP의 장점 1, 2).
"""

from kernelsim.win32 import *

TITLE = "IOCP creation and completion keys: which session, which operation"
TEACHES = "IOCP - Completion Key — ICOP는 하나의 핸들(소켓)당 Completion Key가 존재하고, 이를 자유롭게사용 (보통은 세션포인터를 넣는다)"
RULES = ("A1", "A7", "F1")
CONFIG = {"cpus": 4}
QUESTIONS = [
    ("CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0) on 4 CPUs: what is MaximumCount?",
     lambda o: o.kernel.ports[0].maximum),
    ("Sessions 1..{COUNT} have keys 1..{COUNT}; data arrives for sessions {ARRIVALS} in that order. "
     "Which (key, operation) pairs does the worker dequeue, in order?",
     lambda o: [(n.key, n.op) for n in o.notes("completion")]),
]
COUNT = 2
ARRIVALS = (2, 1)


def variant(rng):
    """quiz --seed N: another number of sessions, data arriving in another order."""
    count = rng.randint(2, 4)
    arrivals = list(range(1, count + 1))
    rng.shuffle(arrivals)
    return {"COUNT": count, "ARRIVALS": tuple(arrivals)}


class Session:
    def __init__(self, number, sock):
        self.number, self.sock = number, sock
        self.recv_ov = OVERLAPPED(op=f"recv s{number}")
        self.buf = WSABUF(64)


SESSIONS = {}


def main():
    SESSIONS.clear()
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    peers = {}
    for number in range(1, COUNT + 1):
        server, client = yield tcp_pair()
        same = yield CreateIoCompletionPort(server, port, number, 99)      # key = the session number
        yield note("associated", session=number, returned_port=same == port)
        SESSIONS[number] = Session(number, server)
        peers[number] = client
    for session in SESSIONS.values():
        yield WSARecv(session.sock, [session.buf], session.recv_ov)
    worker_thread = yield CreateThread(worker, port, name="worker")
    for number in ARRIVALS:
        yield Sleep(5)
        yield send(peers[number], MESSAGES[number])
    yield WaitForSingleObject(worker_thread, INFINITE)


MESSAGES = {1: b"one!", 2: b"two", 3: b"three", 4: b"four"}


def worker(port):
    for _ in SESSIONS:
        ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, INFINITE)
        session = SESSIONS[key]
        yield note("completion", key=key, op=ov.op, data=bytes(session.buf.buf[:nbytes]))


def check(outcome):
    assert [(n.key, n.op, n.data) for n in outcome.notes("completion")] == [
        (k, f"recv s{k}", MESSAGES[k]) for k in ARRIVALS], "each completion carries its socket's key"
    assert all(n.returned_port for n in outcome.notes("associated")), "associating returns the same port"
    kernel = outcome.kernel
    if kernel is not None:
        assert [p.maximum for p in kernel.ports] == [4], "0 means one per CPU, and 99 was ignored (A1)"
