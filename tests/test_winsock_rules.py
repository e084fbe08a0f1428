"""Winsock rules the strict live comparison found (issue 9), each test written from its rule.

- SEMANTICS "Last error after success": a successful Winsock call sets the thread's last error to 0
  (Wine's ws2_32 tests, which run on Windows: "WSAGetLastError() should return zero after a
  successful call"); CreateEvent/WSACreateEvent do too (CreateEventExW ends with
  SetLastError(RtlNtStatusToDosError(status)), Wine dlls/kernelbase/sync.c).
"""

import pytest

from helpers import run
from kernelsim.win32 import *


def _last_errors(calls):
    """A scenario that sets the last error to 997 before each call and notes it after."""
    def main():
        server, client = yield tcp_pair()
        for name, make in calls(server, client):
            yield SetLastError(ERROR_IO_PENDING)
            result = yield make
            yield note("after", call=name, error=(yield GetLastError()), result=result)
    return {n.call: n.error for n in run(main).notes("after")}


def test_last_error_is_zero_after_every_successful_winsock_call():
    """SEMANTICS "last error after success" (oracle: Wine ws2_32 tests run on Windows): send, recv,
    WSASend, WSARecv with data, setsockopt, getsockopt, shutdown, ioctlsocket and socket all leave 0
    when they succeed, whatever the last error was before; so do CreateEvent and WSACreateEvent."""
    def calls(server, client):
        return [
            ("send", send(client, b"abcd")),
            ("recv", recv(server, 2)),
            ("WSARecv", WSARecv(server, WSABUF(8), OVERLAPPED())),
            ("WSASend", WSASend(client, WSABUF(b"xy"), OVERLAPPED())),
            ("setsockopt", setsockopt(server, SOL_SOCKET, SO_RCVBUF, 8192)),
            ("getsockopt", getsockopt(server, SOL_SOCKET, SO_RCVBUF)),
            ("ioctlsocket", ioctlsocket(server, FIONBIO, 0)),
            ("shutdown", shutdown(client, SD_SEND)),
            ("socket", socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)),
            ("WSACreateEvent", WSACreateEvent()),
            ("CreateEvent", CreateEvent(None, False, False, None)),
        ]
    errors = _last_errors(calls)
    assert errors == {name: 0 for name in errors}, errors


def test_closesocket_leaves_the_last_error_on_success():
    """closesocket sets the last error only when it fails (ws2_32's closesocket; measured on Wine 8):
    a successful close leaves WSA_IO_PENDING from before."""
    def calls(server, client):
        return [("closesocket", closesocket(server))]
    assert _last_errors(calls) == {"closesocket": WSA_IO_PENDING}


def test_failures_and_pending_calls_still_set_their_codes():
    """The rule's other half: a call that fails sets its error (WSAENOTSOCK for a value that is not a
    socket) and a WSARecv that pends sets WSA_IO_PENDING — the clearing never hides them."""
    def calls(server, client):
        return [
            ("WSARecv", WSARecv(server, WSABUF(8), OVERLAPPED())),
            ("closesocket", closesocket(123456)),
        ]
    assert _last_errors(calls) == {"WSARecv": WSA_IO_PENDING, "closesocket": WSAENOTSOCK}


def test_a_blocking_recv_that_completes_later_leaves_zero():
    """A blocking recv that waits and then succeeds returns with last error 0 (the error is set when
    the call returns, not only when it starts)."""
    def main():
        server, client = yield tcp_pair()
        yield CreateThread(later, client, name="peer")
        yield SetLastError(ERROR_IO_PENDING)
        data = yield recv(server, 16)
        yield note("after", data=data, error=(yield GetLastError()))

    def later(client):
        yield Sleep(5)
        yield SetLastError(5)
        yield send(client, b"hi")

    n = run(main).note("after")
    assert (n.data, n.error) == (b"hi", 0)


@pytest.mark.parametrize("profile", ["windows", "wine", "wine10"])
def test_kernel32_calls_keep_the_last_error_on_success(profile):
    """Kernel32 calls keep their documented behaviour: SetEvent, PostQueuedCompletionStatus and a wait
    that succeeds leave the last error as it was (SEMANTICS "last error after success")."""
    def main():
        ev = yield CreateEvent(None, True, False, None)
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        yield SetLastError(1234)
        yield SetEvent(ev)
        yield PostQueuedCompletionStatus(port, 0, 1, None)
        yield WaitForSingleObject(ev, 0)
        yield note("after", error=(yield GetLastError()))
    assert run(main, profile=profile).note("after").error == 1234
