"""AcceptEx and accepted sockets' options (rules D12, D15; kernelsim/model/acceptex.py, afd.inherit)."""

from helpers import gqcs, run

from kernelsim.win32 import *

ADDR = (LOOPBACK, 9200)


def listening(sndbuf=None, rcvbuf=None, linger=None):
    ls = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    if sndbuf is not None:
        yield setsockopt(ls, SOL_SOCKET, SO_SNDBUF, sndbuf)
    if rcvbuf is not None:
        yield setsockopt(ls, SOL_SOCKET, SO_RCVBUF, rcvbuf)
    if linger is not None:
        yield setsockopt(ls, SOL_SOCKET, SO_LINGER, linger)
    yield bind(ls, ADDR)
    yield listen(ls, SOMAXCONN)
    return ls


def client():
    s = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    yield connect(s, ADDR)
    yield Sleep(50)


def options(s):
    return ((yield getsockopt(s, SOL_SOCKET, SO_SNDBUF)), (yield getsockopt(s, SOL_SOCKET, SO_RCVBUF)),
            (yield getsockopt(s, SOL_SOCKET, SO_LINGER)).l_onoff)


def test_d12_accept_gives_the_listening_sockets_options():
    """D12 (MS accept: "the same properties as socket s"; the notes' "ListenSocket 옵션 상속"): SO_SNDBUF,
    SO_RCVBUF and SO_LINGER set on the listening socket are those of every accepted socket."""
    def main():
        ls = yield from listening(sndbuf=0, rcvbuf=32768, linger=LINGER(1, 0))
        yield CreateThread(client, name="client")
        a = yield accept(ls)
        yield note("accepted", opts=(yield from options(a)))
    assert run(main).note("accepted").opts == (0, 32768, 1)


def test_d15_acceptex_pends_then_completes_through_the_listeners_port():
    """D15 + B4: AcceptEx returns FALSE/ERROR_IO_PENDING; when a client connects the packet comes
    through the listening socket's port with its key and the AcceptEx OVERLAPPED; the prepared socket is
    then connected.  It has the default options until SO_UPDATE_ACCEPT_CONTEXT copies the listener's (D12)."""
    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        ls = yield from listening(sndbuf=0, rcvbuf=32768)
        yield CreateIoCompletionPort(ls, port, 77, 0)
        a = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        ov = OVERLAPPED(op="accept")
        ok, n = yield AcceptEx(ls, a, None, 0, 16, 16, ov)
        yield note("posted", ok=ok, err=(yield WSAGetLastError()))
        yield CreateThread(client, name="client")
        ok, nbytes, key, got = yield GetQueuedCompletionStatus(port, 100)
        yield note("done", ok=ok, key=key, same_ov=got is ov)
        before = yield from options(a)
        rc = yield setsockopt(a, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, ls)
        yield note("ctx", before=before, rc=rc, after=(yield from options(a)))
    o = run(main)
    assert (o.note("posted").ok, o.note("posted").err) == (False, ERROR_IO_PENDING)
    assert (o.note("done").ok, o.note("done").key, o.note("done").same_ov) == (True, 77, True)
    ctx = o.note("ctx")
    assert (ctx.before[:2], ctx.rc, ctx.after[:2]) == ((8192, 8192), 0, (0, 32768))


def test_d15_closing_the_listener_aborts_a_pending_acceptex_with_995():
    """Oracle 2.10: a pending AcceptEx on a listening socket that is closed completes with
    STATUS_CANCELLED: GQCS FALSE, ERROR_OPERATION_ABORTED (995) — not the 1236 of a connected socket."""
    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        ls = yield from listening()
        yield CreateIoCompletionPort(ls, port, 5, 0)
        a = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        ov = OVERLAPPED(op="accept")
        yield AcceptEx(ls, a, None, 0, 16, 16, ov)
        yield closesocket(ls)
        got = yield from gqcs("closed", port)
        yield note("internal", op=got.op, internal=got.Internal)
    o = run(main)
    c = o.note("closed")
    assert (c.ok, c.error, o.note("internal").op) == (False, ERROR_OPERATION_ABORTED, "accept")
    assert o.note("internal").internal == STATUS_CANCELLED


def test_d15_acceptex_misuse_returns_winsock_errors():
    """D15 bad input: AcceptEx on a socket that is not listening → WSAEINVAL; a NULL OVERLAPPED →
    WSAEFAULT; an accept socket that is already connected → WSAEINVAL; a non-socket → WSAENOTSOCK."""
    def main():
        ls = yield from listening()
        s, c = yield tcp_pair()
        a = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        e = yield CreateEvent(None, False, False, None)
        cases = {"not listening": (s, a, OVERLAPPED()), "NULL overlapped": (ls, a, None),
                 "connected accept socket": (ls, s, OVERLAPPED()), "not a socket": (ls, e, OVERLAPPED())}
        for name, (lsock, asock, ov) in cases.items():
            ok, n = yield AcceptEx(lsock, asock, None, 0, 16, 16, ov)
            yield note("case", name=name, ok=ok, err=(yield WSAGetLastError()))
    o = run(main)
    got = {n.name: (n.ok, n.err) for n in o.notes("case")}
    assert got == {"not listening": (False, WSAEINVAL), "NULL overlapped": (False, WSAEFAULT),
                   "connected accept socket": (False, WSAEINVAL), "not a socket": (False, WSAENOTSOCK)}
