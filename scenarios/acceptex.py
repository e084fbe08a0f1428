"""AcceptEx: accept posted in advance, completed through the completion port like any other I/O.

The notes: "AcceptEx()미리 소켓을 준비하여 등록시킨다 ... Accept()를 비동기로
가겠다는 의미."  The server makes ACCEPTS sockets beforehand and posts an
AcceptEx for each on its listening socket: each returns FALSE with
ERROR_IO_PENDING (D15).  When a client connects, one of them completes
through the *listening* socket's port and key, with the AcceptEx's own
OVERLAPPED, so the worker knows which prepared socket is now the
connection; it copies the listener's options (SO_UPDATE_ACCEPT_CONTEXT, D12),
associates the new socket with the port under its own key and posts a
receive.  No accept thread at all — the notes' server keeps one instead
("Accpet는 별도 스레드로 처리"), which is simpler, and its "1.5배" speed-up is a
timing claim this model cannot check (it charges no time for a call).

At shutdown the listening socket is closed with one AcceptEx still pending:
it completes with STATUS_CANCELLED — GQCS FALSE, ERROR_OPERATION_ABORTED
(995), oracle 2.10 — unlike a connected socket's pending receive (1236).
"""

from kernelsim.win32 import *

TITLE = "AcceptEx: accepts posted in advance complete through the listening socket's port"
TEACHES = "AcceptEx() — AcceptEx()미리 소켓을 준비하여 등록시킨다. Accept()를 비동기로 가겠다는 의미."
RULES = ("D15", "D12", "B4", "A7")
CONFIG = {"cpus": 2}
ADDRESS = (LOOPBACK, 9400)
LISTEN_KEY = 100
ACCEPTS = 3
CLIENTS = 2


def variant(rng):
    return {"ACCEPTS": rng.randint(2, 4), "CLIENTS": rng.randint(1, 2)}


QUESTIONS = [
    ("What does each AcceptEx return when it is posted: (ok, WSAGetLastError())?",
     lambda o: (o.notes("posted")[0].ok, o.notes("posted")[0].error)),
    ("Through which completion key do the accepts complete?", lambda o: sorted({n.key for n in o.notes("accepted")})),
    ("The listening socket is closed with AcceptEx still pending: what does GQCS return for each (ok, error)?",
     lambda o: [(n.ok, n.error) for n in o.notes("aborted")]),
]


def client(n, armed):
    s = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    yield connect(s, ADDRESS)
    yield WaitForSingleObject(armed, INFINITE)             # the worker's receive is posted: talk
    yield send(s, b"hello from C%d" % n)
    yield closesocket(s)


def worker(port, listener, prepared, armed, served):
    sessions = {}
    aborted = 0
    while True:
        ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, INFINITE)
        if ov is None:
            return                                         # the shutdown sentinel
        if key == LISTEN_KEY:
            if not ok:
                yield note("aborted", ok=ok, error=(yield GetLastError()), socket=ov.socket)
                aborted += 1
                if aborted == ACCEPTS - CLIENTS:
                    yield SetEvent(served)                 # every AcceptEx left has ended
                continue
            s = ov.socket                                  # which prepared socket is now the connection
            yield setsockopt(s, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, listener)
            yield CreateIoCompletionPort(s, port, s, 0)    # its own key: the socket here
            yield note("accepted", key=key, socket=s)
            buf = WSABUF(64)
            sessions[s] = buf
            yield WSARecv(s, buf, OVERLAPPED(op="recv"))
            yield SetEvent(armed)
        elif ok and nbytes:
            yield note("data", socket=key, data=bytes(sessions[key].buf[:nbytes]))
            yield SetEvent(served)


def main():
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    listener = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    yield bind(listener, ADDRESS)
    yield listen(listener, SOMAXCONN)
    yield CreateIoCompletionPort(listener, port, LISTEN_KEY, 0)
    prepared = []
    for _ in range(ACCEPTS):
        s = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        ok, _ = yield AcceptEx(listener, s, bytearray(2 * ACCEPTEX_ADDRESS_LENGTH), 0, ACCEPTEX_ADDRESS_LENGTH,
                               ACCEPTEX_ADDRESS_LENGTH, OVERLAPPED(op="accept", socket=s))
        yield note("posted", ok=ok, error=(yield WSAGetLastError()))
        prepared.append(s)
    armed = yield CreateEvent(None, False, False, None)    # worker -> client: your receive is posted
    served = yield CreateEvent(None, False, False, None)   # worker -> main: that client's data is in
    w = yield CreateThread(worker, port, listener, prepared, armed, served, name="worker")
    clients = []
    for n in range(1, CLIENTS + 1):
        clients.append((yield CreateThread(client, n, armed, name=f"C{n}")))
        yield WaitForSingleObject(served, INFINITE)
    yield closesocket(listener)                            # the AcceptEx still pending ends with 995
    if ACCEPTS > CLIENTS:
        yield WaitForSingleObject(served, INFINITE)
    yield PostQueuedCompletionStatus(port, 0, 0, None)
    yield WaitForMultipleObjects([w] + clients, True, INFINITE)
    for s in prepared:
        yield closesocket(s)


def check(outcome):
    assert all((n.ok, n.error) == (False, ERROR_IO_PENDING) for n in outcome.notes("posted"))
    accepted = outcome.notes("accepted")
    assert len(accepted) == CLIENTS and {n.key for n in accepted} == {LISTEN_KEY}
    assert sorted(n.data for n in outcome.notes("data")) == [b"hello from C%d" % n for n in range(1, CLIENTS + 1)]
    aborted = outcome.notes("aborted")
    assert len(aborted) == ACCEPTS - CLIENTS
    assert all((n.ok, n.error) == (False, ERROR_OPERATION_ABORTED) for n in aborted), "oracle 2.10: 995"
