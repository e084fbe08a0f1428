"""Every queue of the model, in the order Windows serves it — one test each, failing if it ran the other way.

Issue 14: a queue served backwards (append swapped for insert(0, …), pop(0) for pop()) changes what a student
sees, so each queue's order is observed directly here, through the Win32 surface: which packet, thread, APC,
request or connection comes first.

| queue | order | rule |
|---|---|---|
| completion packets | oldest first | A4 |
| threads blocked in GQCS | newest first | A4 (oracle 1.14) |
| a GQCSEx batch, and batch after batch | oldest first | A13 |
| user APCs | oldest first | C1 |
| pending receives on a socket | call order | D2 |
| pending sends on a socket, and the wire | call order | D3 |
| requests cancelled by closesocket | call order | D7 (ReactOS AfdCleanupSocket) |
| the listen backlog | oldest connection first | ReactOS afd/listen.c |
| threads blocked in accept | oldest first | ReactOS afd/listen.c |
| the handle table's free list | most recently freed first | kernel.py (ReactOS ExpFreeHandleTableEntry) |
"""

from helpers import new_port_pair, run

from kernelsim.win32 import *


def new_port(n=0):
    return CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, n)


def test_completion_packets_are_dequeued_oldest_first():
    """A4: packets are consumed FIFO: A, B, C posted with nobody waiting come out A, B, C."""
    def main():
        port = yield new_port()
        for key in ("A", "B", "C"):
            yield PostQueuedCompletionStatus(port, 0, key, None)
        keys = []
        for _ in range(3):
            ok, n, key, ov = yield GetQueuedCompletionStatus(port, 0)
            keys.append(key)
        yield note("keys", keys=keys)

    assert run(main).note("keys").keys == ["A", "B", "C"]


def test_threads_blocked_in_gqcs_are_released_newest_first():
    """A4 (oracle 1.14): T1, T2, T3 block in GQCS in that order; three packets posted one at a time go to
    T3, T2, T1."""
    def worker(port):
        ok, n, key, ov = yield GetQueuedCompletionStatus(port, INFINITE)
        yield note("got", key=key)
        yield compute(100)

    def main():
        port = yield new_port(8)
        for name in ("T1", "T2", "T3"):
            yield CreateThread(worker, port, name=name)
            yield Sleep(1)
        for key in ("A", "B", "C"):
            yield PostQueuedCompletionStatus(port, 0, key, None)
            yield Sleep(1)

    assert [(n.thread, n.key) for n in run(main).notes("got")] == [("T3", "A"), ("T2", "B"), ("T1", "C")]


def test_gqcsex_batches_come_oldest_first_batch_after_batch():
    """A13: six queued packets read with GQCSEx(count 3) twice: [0, 1, 2] then [3, 4, 5]."""
    def main():
        port = yield new_port(1)
        for key in range(6):
            yield PostQueuedCompletionStatus(port, 0, key, None)
        batches = []
        for _ in range(2):
            ok, entries = yield GetQueuedCompletionStatusEx(port, 3, 0, False)
            batches.append([e.key for e in entries])
        yield note("batches", keys=batches)

    assert run(main).note("batches").keys == [[0, 1, 2], [3, 4, 5]]


def test_user_apcs_run_oldest_first():
    """C1: user APCs are appended at the tail: A, B, C queued before one alertable wait run A, B, C."""
    def apc(data):
        yield note("apc", data=data)

    def main():
        me = yield GetCurrentThread()
        for data in ("A", "B", "C"):
            yield QueueUserAPC(apc, me, data)
        yield SleepEx(0, True)

    assert [n.data for n in run(main).notes("apc")] == ["A", "B", "C"]


def test_pending_receives_on_a_socket_are_filled_in_call_order():
    """D2 ("the order of calls made to WSARecv is also the order in which the buffers are populated"): three
    4-byte receives pend; 12 bytes arrive: R1 gets the first four, R2 the next, R3 the last."""
    def main():
        port, server, client = yield from new_port_pair()
        bufs = {}
        for op in ("R1", "R2", "R3"):
            bufs[op] = WSABUF(4)
            yield WSARecv(server, bufs[op], OVERLAPPED(op=op))
        yield send(client, b"aaaabbbbcccc")
        yield Sleep(1)
        yield note("bufs", data={op: bytes(b.buf) for op, b in bufs.items()})

    assert run(main).note("bufs").data == {"R1": b"aaaa", "R2": b"bbbb", "R3": b"cccc"}


def test_pending_sends_on_a_socket_reach_the_wire_and_complete_in_call_order():
    """D3 ("the order of calls made to WSASend is also the order in which the buffers are transmitted"): with
    SO_SNDBUF 0, S1, S2, S3 pend; the peer reads S1‖S2‖S3 and the completions come S1, S2, S3."""
    def main():
        port, server, client = yield from new_port_pair()
        yield setsockopt(server, SOL_SOCKET, SO_SNDBUF, 0)
        for op, data in (("S1", b"one."), ("S2", b"two."), ("S3", b"three.")):
            yield WSASend(server, WSABUF(data), OVERLAPPED(op=op))
        ops = []
        for _ in range(3):
            ok, n, key, ov = yield GetQueuedCompletionStatus(port, 100)
            ops.append(ov.op)
        got = b""
        while len(got) < 14:
            got += yield recv(client, 64)
        yield note("r", ops=ops, stream=got)

    r = run(main).note("r")
    assert r.ops == ["S1", "S2", "S3"] and r.stream == b"one.two.three."


def test_requests_cancelled_by_closesocket_complete_in_call_order():
    """D7 with ReactOS drivers/network/afd/afd/main.c AfdCleanupSocket (each pending-IRP list walked from its
    head, where the oldest request is): R1, R2, R3 pending when the socket is closed give three packets,
    R1, R2, R3, each FALSE/1236."""
    def main():
        port, server, client = yield from new_port_pair()
        for op in ("R1", "R2", "R3"):
            yield WSARecv(server, WSABUF(8), OVERLAPPED(op=op))
        yield closesocket(server)
        got = []
        for _ in range(3):
            ok, n, key, ov = yield GetQueuedCompletionStatus(port, 100)
            got.append((ov.op, ok, (yield GetLastError())))
        yield note("r", got=got)

    assert run(main).note("r").got == [(op, False, ERROR_CONNECTION_ABORTED) for op in ("R1", "R2", "R3")]



def test_requests_pending_when_the_peer_resets_complete_in_call_order():
    """D6 with ReactOS drivers/network/afd/afd/read.c ReceiveActivity (once nothing more can be read, the
    pending receives are taken with RemoveHeadList, oldest first, each completed with the last receive status):
    R1, R2, R3 pending when the peer closes abortively (linger {1,0}: RST) give three packets, R1, R2, R3,
    each FALSE with 0 bytes and the same error."""
    def main():
        port, server, client = yield from new_port_pair()
        for op in ("R1", "R2", "R3"):
            yield WSARecv(server, WSABUF(8), OVERLAPPED(op=op))
        yield setsockopt(client, SOL_SOCKET, SO_LINGER, LINGER(1, 0))
        yield closesocket(client)
        got = []
        for _ in range(3):
            ok, n, key, ov = yield GetQueuedCompletionStatus(port, 100)
            got.append((ov.op, ok, n, (yield GetLastError())))
        yield note("r", got=got)

    got = run(main).note("r").got
    assert [(op, ok, n) for op, ok, n, _ in got] == [(op, False, 0) for op in ("R1", "R2", "R3")]
    assert len({error for *_, error in got}) == 1 and got[0][3] != 0

def test_the_handle_free_list_hands_out_the_most_recently_freed_value_first():
    """Handle table (ReactOS ntoskrnl/ex/handle.c ExpFreeHandleTableEntry pushes a freed entry on the free
    list): sockets a and b are closed in that order; the next two sockets get b's value, then a's."""
    def main():
        a = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        b = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield closesocket(a)
        yield closesocket(b)
        c = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        d = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield note("h", first=c == b, second=d == a)

    h = run(main).note("h")
    assert (h.first, h.second) == (True, True)


# --- accept: the listen backlog and the threads blocked in accept ---------------------------------

def connector(port, tag):
    """A client: connect, then send its tag so the server can tell the connections apart."""
    c = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    yield connect(c, ("127.0.0.1", port))
    yield send(c, tag)
    yield Sleep(50)
    yield closesocket(c)


def listening(port_number, backlog=5):
    ls = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    yield bind(ls, ("127.0.0.1", port_number))
    yield listen(ls, backlog)
    return ls


def test_accept_takes_pending_connections_oldest_first():
    """Accept backlog (ReactOS drivers/network/afd/afd/listen.c: ListenComplete appends each connection with
    InsertTailList to PendingConnections; AfdWaitForListen serves its Flink, the oldest): three clients connect
    in the order c1, c2, c3 before the server accepts; three accept() calls return c1's, c2's, then c3's
    connection."""
    def main():
        ls = yield from listening(5001)
        for tag in (b"c1", b"c2", b"c3"):
            yield CreateThread(connector, 5001, tag, name=tag.decode())
            yield Sleep(1)
        order = []
        for _ in range(3):
            s = yield accept(ls)
            order.append((yield recv(s, 10)))
        yield note("order", tags=order)

    assert run(main).note("order").tags == [b"c1", b"c2", b"c3"]


def test_threads_blocked_in_accept_are_served_oldest_first():
    """Blocked accepters (ReactOS listen.c: AfdWaitForListen parks the request with LeaveIrpUntilLater at the
    tail of PendingIrpList[FUNCTION_PREACCEPT]; ListenComplete takes RemoveHeadList, the oldest): A1, A2, A3
    block in accept() in that order; the first connection goes to A1, the second to A2, the third to A3."""
    def accepter(ls):
        s = yield accept(ls)
        yield note("accepted", data=(yield recv(s, 10)))

    def main():
        ls = yield from listening(5002)
        for name in ("A1", "A2", "A3"):
            yield CreateThread(accepter, ls, name=name)
            yield Sleep(1)
        for tag in (b"c1", b"c2", b"c3"):
            yield CreateThread(connector, 5002, tag, name=tag.decode())
            yield Sleep(2)
        yield Sleep(5)

    o = run(main)
    assert [(n.thread, n.data) for n in o.notes("accepted")] == [("A1", b"c1"), ("A2", b"c2"), ("A3", b"c3")]
