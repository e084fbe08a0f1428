"""Invariants of the socket/IRP model over random programs (issue 3 "Tests"), checked with hypothesis.

A program is a random list of operations on two connected pairs whose server
ends are associated with one port: overlapped WSARecv/WSASend of random sizes
(zero-byte receives included), the peer's non-blocking send/recv, FIN, RST,
a local closesocket, CancelIoEx, SO_SNDBUF = 0, GQCS and short sleeps.  Then
everything drains: the peers read, FIN, the server reads to EOF, all sockets
close, the port is emptied.  Properties:

* every request that returned 0 or WSA_IO_PENDING produced exactly one packet,
  and one that failed synchronously produced none (B4, B5);
* non-paged pool, locked pages and the IRP list are back to zero (E1, E2);
* bytes arrive in order and none are lost: what the server received is a prefix
  of what the peer sent — all of it on a connection nobody reset, closed or
  cancelled on, in both directions (D2, D3, D5).
"""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from helpers import peek, run

from kernelsim.win32 import *

PAIR = st.integers(0, 1)
OPS = st.lists(st.one_of(
    st.tuples(st.just("recv"), PAIR, st.sampled_from([0, 1, 7, 100, 5000])),
    st.tuples(st.just("send"), PAIR, st.integers(1, 20000)),
    st.tuples(st.just("peer_send"), PAIR, st.integers(1, 12000)),
    st.tuples(st.just("peer_read"), PAIR, st.just(0)),
    st.tuples(st.just("peer_fin"), PAIR, st.just(0)),
    st.tuples(st.just("peer_rst"), PAIR, st.just(0)),
    st.tuples(st.just("close"), PAIR, st.just(0)),
    st.tuples(st.just("cancel"), PAIR, st.just(0)),
    st.tuples(st.just("sndbuf0"), PAIR, st.just(0)),
    st.tuples(st.just("gqcs"), st.just(0), st.just(0)),
    st.tuples(st.just("sleep"), st.just(0), st.sampled_from([0.05, 0.1, 1])),
), max_size=25)


class Pair:
    def __init__(self, index, server, client):
        self.index = index
        self.server, self.client = server, client
        self.server_open = self.client_open = True
        self.fin = False
        self.dirty = False                  # reset, closed or cancelled: only the prefix property holds
        self.to_server = b""                # what the peer sent
        self.to_peer = []                   # (seq, data) of the server's accepted sends
        self.peer_got = b""


def program(ops):
    book = {"expected": {}, "packets": {}, "recv": {}, "bufs": {}, "kind": {}}
    seq = [0]

    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        pairs = []
        for i in range(2):
            s, c = yield tcp_pair()
            yield CreateIoCompletionPort(s, port, i, 0)
            yield ioctlsocket(c, FIONBIO, 1)
            pairs.append(Pair(i, s, c))
        for op, i, arg in ops:
            yield from step(port, pairs, op, pairs[i], arg)
        # Drain: peers read and FIN, the server reads to EOF, all completions are dequeued.
        for p in pairs:
            if p.client_open and not p.fin:
                yield shutdown(p.client, SD_SEND)
                p.fin = True
        for _ in range(40):
            for p in pairs:
                yield from peer_read(p)
                if p.server_open:
                    yield from post_recv(p, 65536)
            yield Sleep(0.5)
            yield from drain(port)
        for p in pairs:
            if p.server_open:
                yield closesocket(p.server)
            if p.client_open:
                yield from peer_read(p)
                yield closesocket(p.client)
        yield Sleep(5)
        yield from drain(port)
        yield peek("end", lambda k: {"npp": k.pool.npp, "locked": k.pool.locked, "irps": len(k.irps)})
        yield note("pairs", pairs=[(p.dirty, p.to_server, p.to_peer, p.peer_got) for p in pairs])

    def new_ov(kind, p):
        seq[0] += 1
        book["kind"][seq[0]] = (kind, p)
        return OVERLAPPED(seq=seq[0])

    def issued(ov, rc):
        error = yield WSAGetLastError()
        ok = rc == 0 or error == WSA_IO_PENDING
        book["expected"][ov.seq] = 1 if ok else 0
        return ok

    def post_recv(p, size):
        buf = WSABUF(size)
        ov = new_ov("recv", p)
        book["bufs"][ov.seq] = buf
        rc, n, flags = yield WSARecv(p.server, buf, ov)
        yield from issued(ov, rc)

    def step(port, pairs, op, p, arg):
        if op == "recv" and p.server_open:
            yield from post_recv(p, arg)
        elif op == "send" and p.server_open:
            data = bytes((seq[0] + j) % 251 for j in range(arg))
            ov = new_ov("send", p)
            rc, n = yield WSASend(p.server, WSABUF(data), ov)
            if (yield from issued(ov, rc)):
                p.to_peer.append((ov.seq, data))
        elif op == "peer_send" and p.client_open and not p.fin:
            data = bytes((len(p.to_server) + j) % 253 for j in range(arg))
            r = yield send(p.client, data)
            if r == len(data):
                p.to_server += data
        elif op == "peer_read":
            yield from peer_read(p)
        elif op == "peer_fin" and p.client_open and not p.fin:
            yield shutdown(p.client, SD_SEND)
            p.fin = True
        elif op == "peer_rst" and p.client_open:
            yield setsockopt(p.client, SOL_SOCKET, SO_LINGER, LINGER(1, 0))
            yield closesocket(p.client)
            p.client_open, p.dirty = False, True
        elif op == "close" and p.server_open:
            yield closesocket(p.server)
            p.server_open, p.dirty = False, True
        elif op == "cancel" and p.server_open:
            ok = yield CancelIoEx(p.server, None)
            p.dirty = p.dirty or ok
        elif op == "sndbuf0" and p.server_open:
            yield setsockopt(p.server, SOL_SOCKET, SO_SNDBUF, 0)
        elif op == "gqcs":
            yield from dequeue(port, 0)
        elif op == "sleep":
            yield Sleep(arg)

    def peer_read(p):
        while p.client_open:
            r = yield recv(p.client, 65536)
            if not isinstance(r, bytes) or r == b"":
                return
            p.peer_got += r

    def dequeue(port, ms):
        ok, n, key, ov = yield GetQueuedCompletionStatus(port, ms)
        if ov is None:
            return False
        book["packets"][ov.seq] = book["packets"].get(ov.seq, 0) + 1
        if ok and book["kind"][ov.seq][0] == "recv":
            book["recv"][ov.seq] = bytes(book["bufs"][ov.seq].buf[:n])
        return True

    def drain(port):
        while (yield from dequeue(port, 0)):
            pass

    return main, book


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPS, st.sampled_from(["windows", "xp", "wine"]))
def test_random_socket_programs_keep_the_invariants(ops, profile):
    """B4/B5 (each request notifies exactly once, a synchronous failure never), E1/E2 (memory back to
    baseline), D2/D3/D5 (bytes in order, none lost) over random programs of socket operations."""
    main, book = program(ops)
    o = run(main, profile=profile)
    assert o.passed, o.failures
    for s, expected in book["expected"].items():
        assert book["packets"].get(s, 0) == expected, (s, book["kind"][s][0], expected, book["packets"].get(s, 0))
    end = o.note("end")
    assert (end.npp, end.locked, end.irps) == (0, 0, 0)
    for (dirty, to_server, to_peer, peer_got), index in zip(o.note("pairs").pairs, range(2)):
        received = b"".join(data for s, data in sorted(book["recv"].items()) if book["kind"][s][1].index == index)
        assert to_server.startswith(received)
        if not dirty:
            assert received == to_server
            assert peer_got == b"".join(d for _, d in to_peer)

