"""AcceptEx: an overlapped accept into a socket created beforehand.

What Windows does.  AcceptEx(sListen, sAccept, buffer, 0, ...) hands AFD a
socket the server made in advance; the request pends on the listening
socket (FALSE, ERROR_IO_PENDING) until a client connects, and then completes
like any overlapped request — through the listening socket's port and key,
its event, or a status check (B4): the notes' "AcceptEx()미리 소켓을 준비하여
등록시킨다 ... Accept()를 비동기로".  The accepted socket is in "the default
state for a connected socket": it does *not* take the listening socket's
options until the application calls setsockopt(sAccept, SOL_SOCKET,
SO_UPDATE_ACCEPT_CONTEXT, sListen) — unlike accept(), which copies them at
once (D12).  Closing the listening socket completes a pending AcceptEx with
STATUS_CANCELLED: GQCS FALSE with ERROR_OPERATION_ABORTED (995; oracle
2.10), where a closed connected socket gives 1236.

Misuse fails at once, nothing pends (Wine's test_AcceptEx, each case passing
on Windows): a handle that is not a socket, WSAENOTSOCK; a listener that is
not listening or an accept socket that is bound, connected or already used,
WSAEINVAL; a NULL lpOutputBuffer, WSAEFAULT (MS AcceptEx: "This parameter
cannot be NULL"; Wine 8 and 10 answer WSAEINVAL, todo_wine in the test and
measured live: switch ``acceptex_null_buffer_error``); a remote address
length of 0, WSAEFAULT; a NULL lpOverlapped, ERROR_INVALID_PARAMETER (87;
the same on Wine 8 and 10, measured live).  Each address needs
sizeof(SOCKADDR_IN) + 16 = 32 bytes (ACCEPTEX_ADDRESS_LENGTH); a local
length of 0 is accepted.

What we simplify.  dwReceiveDataLength must be 0 (no first data is read
with the accept) and the address buffer is not filled; the request locks no
pages.  Address lengths that are too small are refused as not modelled:
Windows pends the AcceptEx and completes it with STATUS_BUFFER_TOO_SMALL,
leaving the connection for accept() (test_AcceptEx); Wine 8 and 10 complete it
with STATUS_DEVICE_NOT_READY for 16 bytes (measured live).  A connection
already waiting in the backlog is not given to a new AcceptEx (clients here
connect after it is posted, as the notes' server does); with no AcceptEx
pending, connections queue for accept() as before.

Who calls what.  Scenarios call AcceptEx; winsock.setsockopt passes
SO_UPDATE_ACCEPT_CONTEXT to ``update_accept_context``; winsock.connect asks
``waiting_acceptex`` whether a pending AcceptEx takes the connection and
then calls ``complete_acceptex``.  The IRP waits in the listener's
receive queue, so CancelIoEx and closesocket find it (afd.py).

Wine 8 and 10 (measured live): a successful SO_UPDATE_ACCEPT_CONTEXT leaves
the last error as it was (switch ``accept_context_keeps_error``); and an
AcceptEx socket answers SO_SNDBUF/SO_RCVBUF from the Linux socket and has the
listener's linger before SO_UPDATE_ACCEPT_CONTEXT, which the model does not
follow (listen-inherit is not live on Wine).

Rules: D15 (AcceptEx), D12 (SO_UPDATE_ACCEPT_CONTEXT), B4, oracle 2.10.
Sources: MS AcceptEx (https://learn.microsoft.com/windows/win32/api/mswsock/nf-mswsock-acceptex):
"When the AcceptEx function returns, the socket sAcceptSocket is in the default state for a connected
socket. The socket sAcceptSocket does not inherit the properties of the socket associated with
sListenSocket parameter until SO_UPDATE_ACCEPT_CONTEXT is set on the socket"; Wine ws2_32 tests
test_AcceptEx / test_completion_port (oracle 2.10).
"""

from ..win32.constants import (ACCEPTEX_ADDRESS_LENGTH, ERROR_INVALID_PARAMETER, ERROR_IO_PENDING,
                               SO_UPDATE_ACCEPT_CONTEXT, STATUS_SUCCESS, WSAEFAULT, WSAEINVAL, WSAENOTSOCK)
from ..win32.structs import OVERLAPPED
from .afd import Socket, inherit
from .irp import complete, new_irp, pend
from .services import ScenarioError, syscall
from .wire import push


def _socket(k, t, s):
    return k.handles.lookup(t, s, Socket, WSAENOTSOCK)


def _fail(t, error):
    t.last_error = error
    return (False, 0)


@syscall("AcceptEx")
def AcceptEx(k, t, s_listen, s_accept, buffer, receive_len, local_len, remote_len, ov):
    """D15: FALSE/ERROR_IO_PENDING; completes when a client connects (B4: port, event...).  Misuse
    fails at once in test_AcceptEx's order (module docstring)."""
    t.last_error = 0
    listener = _socket(k, t, s_listen)
    if listener is None:
        return (False, 0)
    if listener.listener is None:
        return _fail(t, WSAEINVAL)                     # not listening
    accept_sock = _socket(k, t, s_accept)
    if accept_sock is None:
        return (False, 0)
    if buffer is None:
        return _fail(t, k.profile.acceptex_null_buffer_error)   # Windows WSAEFAULT; Wine WSAEINVAL (D15)
    if remote_len == 0:
        return _fail(t, WSAEFAULT)                     # no room for the client's address
    if not isinstance(ov, OVERLAPPED):
        return _fail(t, ERROR_INVALID_PARAMETER)       # lpOverlapped cannot be NULL
    if accept_sock.state != "open" or accept_sock is listener or _accepting_into(listener, accept_sock):
        return _fail(t, WSAEINVAL)                     # sAccept bound, connected or in use already
    call = t.call
    if receive_len:
        raise ScenarioError(call.file, call.line, "AcceptEx with dwReceiveDataLength > 0 (the first data read "
                                                  "with the accept) is not modelled: pass 0")
    if local_len and local_len < ACCEPTEX_ADDRESS_LENGTH or remote_len < ACCEPTEX_ADDRESS_LENGTH:
        raise ScenarioError(call.file, call.line, f"AcceptEx with address lengths {local_len} and {remote_len}: each "
                                                  f"address needs ACCEPTEX_ADDRESS_LENGTH ({ACCEPTEX_ADDRESS_LENGTH}) "
                                                  "bytes (sizeof(SOCKADDR_IN) + 16; the local one may be 0) — "
                                                  "Windows would complete this AcceptEx with "
                                                  "STATUS_BUFFER_TOO_SMALL, which is not modelled (D15)")
    irp = new_irp(k, t, listener, "accept", [], 0, ov)
    if irp is None or not pend(k, irp):
        t.last_error = 10055                           # WSAENOBUFS (E5)
        return (False, 0)
    irp.accept_sock = accept_sock
    push(listener, "recv_q", irp)
    listener.remember(irp)
    t.last_error = ERROR_IO_PENDING
    k.emit("call", t, "{thread}'s AcceptEx on {h} pends: socket {a} waits for a connection (IRP {irp})",
           h=s_listen, a=s_accept, irp=irp.id, why="the accept is an overlapped request on the listening socket (D15)")
    return (False, 0)


def _accepting_into(listener, sock):
    """Is an AcceptEx into this socket already pending ("try to accept into the same socket twice")?"""
    return any(irp.op == "accept" and irp.state == "pending" and irp.accept_sock is sock for irp in listener.recv_q)


def waiting_acceptex(listener):
    """The oldest pending AcceptEx of a listening socket, or None (its IRP carries accept_sock)."""
    for irp in listener.recv_q:
        if irp.op == "accept" and irp.state == "pending":
            return irp
    return None


def complete_acceptex(k, listener, irp, extra_npp):
    """A client connected: the prepared socket is the connection; the AcceptEx completes (B4)."""
    listener.recv_q.remove(irp)
    accept_sock = irp.accept_sock
    accept_sock.npp += extra_npp                       # its transport objects, now connected (E4)
    complete(k, irp, STATUS_SUCCESS, 0, f"a client connected: socket {accept_sock.handle} is the connection, "
                                        "in the default state until SO_UPDATE_ACCEPT_CONTEXT (D15)")


def accept_context_keeps_error(k, s, level, optname, optval):
    """Does this successful setsockopt leave the last error as it was?  SO_UPDATE_ACCEPT_CONTEXT under
    switch ``accept_context_keeps_error`` (Wine 8 and 10, measured live: 1234 set before it is still
    there after); Windows clears it, as every successful Winsock call does (B11)."""
    return optname == SO_UPDATE_ACCEPT_CONTEXT and k.profile.accept_context_keeps_error


def update_accept_context(k, t, sock, listen_handle):
    """setsockopt(sAccept, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, sListen): the listener's options, now (D12)."""
    listener = _socket(k, t, listen_handle)
    if listener is None:
        return -1
    if listener.listener is None or sock.state != "connected":
        t.last_error = WSAEINVAL
        return -1
    inherit(sock, listener)
    k.emit("call", t, "{thread} sets SO_UPDATE_ACCEPT_CONTEXT on socket {h}: it takes the options of "
                      "listening socket {l}", h=sock.handle, l=listen_handle,
           why="an AcceptEx socket inherits the listener's options only now (D12)")
    return 0
