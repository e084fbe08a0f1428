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
        ok, n = yield AcceptEx(ls, a, bytearray(2 * ACCEPTEX_ADDRESS_LENGTH), 0, ACCEPTEX_ADDRESS_LENGTH,
                                  ACCEPTEX_ADDRESS_LENGTH, ov)
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
        yield AcceptEx(ls, a, bytearray(2 * ACCEPTEX_ADDRESS_LENGTH), 0, ACCEPTEX_ADDRESS_LENGTH,
                                  ACCEPTEX_ADDRESS_LENGTH, ov)
        yield closesocket(ls)
        got = yield from gqcs("closed", port)
        yield note("internal", op=got.op, internal=got.Internal)
    o = run(main)
    c = o.note("closed")
    assert (c.ok, c.error, o.note("internal").op) == (False, ERROR_OPERATION_ABORTED, "accept")
    assert o.note("internal").internal == STATUS_CANCELLED


def test_d15_acceptex_misuse_returns_winsock_errors():
    """D15 bad input, each case from Wine's test_AcceptEx (passing on Windows, and on Wine 8 and 10 as
    measured live): a listener that is not listening → WSAEINVAL; a NULL OVERLAPPED → ERROR_INVALID_PARAMETER
    (87); a remote address length of 0 → WSAEFAULT; an accept socket already connected, or already waiting
    in another AcceptEx ("accept into the same socket twice") → WSAEINVAL; a non-socket → WSAENOTSOCK."""
    def main():
        ls = yield from listening()
        s, c = yield tcp_pair()
        a = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        busy = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        ok, n = yield AcceptEx(ls, busy, bytearray(64), 0, 32, 32, OVERLAPPED())
        yield note("case", name="first", ok=ok, err=(yield WSAGetLastError()))
        e = yield CreateEvent(None, False, False, None)
        cases = {"not listening": (s, a, 32, OVERLAPPED()), "NULL overlapped": (ls, a, 32, None),
                 "remote length 0": (ls, a, 0, OVERLAPPED()), "connected accept socket": (ls, s, 32, OVERLAPPED()),
                 "twice": (ls, busy, 32, OVERLAPPED()), "not a socket": (ls, e, 32, OVERLAPPED())}
        for name, (lsock, asock, remote, ov) in cases.items():
            ok, n = yield AcceptEx(lsock, asock, bytearray(64), 0, 32, remote, ov)
            yield note("case", name=name, ok=ok, err=(yield WSAGetLastError()))
    for profile in ("windows", "wine", "wine10"):
        o = run(main, profile=profile)
        got = {n.name: (n.ok, n.err) for n in o.notes("case")}
        assert got == {"first": (False, ERROR_IO_PENDING), "not listening": (False, WSAEINVAL),
                       "NULL overlapped": (False, ERROR_INVALID_PARAMETER), "remote length 0": (False, WSAEFAULT),
                       "connected accept socket": (False, WSAEINVAL), "twice": (False, WSAEINVAL),
                       "not a socket": (False, WSAENOTSOCK)}, profile


def test_d15_a_successful_update_accept_context_clears_the_last_error_except_on_wine():
    """B11/D12: a successful setsockopt(SO_UPDATE_ACCEPT_CONTEXT) leaves 0, as every successful Winsock call
    does on Windows; Wine 8 and 10 leave the last error as it was (measured live: switch
    accept_context_keeps_error).  Another successful setsockopt clears it on Wine too."""
    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        ls = yield from listening()
        yield CreateIoCompletionPort(ls, port, 1, 0)
        a = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield AcceptEx(ls, a, bytearray(64), 0, 32, 32, OVERLAPPED())
        yield CreateThread(client, name="client")
        yield GetQueuedCompletionStatus(port, INFINITE)
        yield SetLastError(1234)
        r = yield setsockopt(a, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, ls)
        yield note("ctx", r=r, err=(yield WSAGetLastError()))
        yield SetLastError(1234)
        r = yield setsockopt(a, SOL_SOCKET, SO_RCVBUF, 4096)
        yield note("rcvbuf", r=r, err=(yield WSAGetLastError()))
    windows, wine = run(main), run(main, profile="wine")
    assert (windows.note("ctx").r, windows.note("ctx").err) == (0, 0)
    assert (wine.note("ctx").r, wine.note("ctx").err) == (0, 1234)
    assert windows.note("rcvbuf").err == wine.note("rcvbuf").err == 0


def test_d15_a_null_output_buffer_fails_at_once():
    """D15 (Wine's test_AcceptEx "AcceptEx on NULL buffer", passing on Windows; MS AcceptEx: lpOutputBuffer
    "cannot be NULL"): FALSE with WSAEFAULT and nothing pends; Wine 8 and 10 answer WSAEINVAL (measured
    live: switch acceptex_null_buffer_error)."""
    def main():
        ls = yield from listening()
        a = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        ok, n = yield AcceptEx(ls, a, None, 0, ACCEPTEX_ADDRESS_LENGTH, ACCEPTEX_ADDRESS_LENGTH, OVERLAPPED())
        yield note("null", ok=ok, err=(yield WSAGetLastError()))
    windows, wine = run(main).note("null"), run(main, profile="wine").note("null")
    assert (windows.ok, windows.err) == (False, WSAEFAULT)
    assert (wine.ok, wine.err) == (False, WSAEINVAL)


def test_d15_address_lengths_too_small_are_named_as_not_modelled():
    """D15: each address needs sizeof(SOCKADDR_IN) + 16 bytes; shorter (but not a local 0) is refused at the
    scenario's line, saying what Windows would do (STATUS_BUFFER_TOO_SMALL at completion)."""
    import pytest

    from kernelsim.model.services import ScenarioError

    def main():
        ls = yield from listening()
        a = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield AcceptEx(ls, a, bytearray(64), 0, 0, ACCEPTEX_ADDRESS_LENGTH, OVERLAPPED())      # a local 0 is fine
        b = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        yield AcceptEx(ls, b, bytearray(64), 0, 16, 16, OVERLAPPED())
    with pytest.raises(ScenarioError) as err:
        run(main)
    assert "16 and 16" in err.value.message and "STATUS_BUFFER_TOO_SMALL" in err.value.message


def test_d15_the_connect_a_pending_acceptex_takes_succeeds_and_carries_data():
    """D15: a client's connect to a listener with an AcceptEx pending succeeds like any other (connect
    returns 0, last error 0), and the AcceptEx socket is its peer: what the client sends, it receives."""
    def connecting():
        s = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        rc = yield connect(s, ADDR)
        yield note("connect", rc=rc, error=(yield WSAGetLastError()))
        yield send(s, b"hi")
        yield Sleep(50)

    def main():
        ls = yield from listening()
        a = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
        ov = OVERLAPPED(op="accept")
        ev = yield WSACreateEvent()
        ov.hEvent = ev
        yield AcceptEx(ls, a, bytearray(2 * ACCEPTEX_ADDRESS_LENGTH), 0, ACCEPTEX_ADDRESS_LENGTH,
                       ACCEPTEX_ADDRESS_LENGTH, ov)
        yield CreateThread(connecting, name="client")
        yield WaitForSingleObject(ev, 100)
        yield note("got", data=(yield recv(a, 10)))

    o = run(main)
    assert (o.note("connect").rc, o.note("connect").error) == (0, 0)
    assert o.note("got").data == b"hi"
