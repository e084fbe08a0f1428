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

What we simplify.  dwReceiveDataLength must be 0 (no first data is read
with the accept) and the address buffer is not filled; the request locks no
pages.  A connection already waiting in the backlog is not given to a new
AcceptEx (clients here connect after it is posted, as the notes' server
does); with no AcceptEx pending, connections queue for accept() as before.

Who calls what.  Scenarios call AcceptEx; winsock.setsockopt passes
SO_UPDATE_ACCEPT_CONTEXT to ``update_accept_context``; winsock.connect asks
``waiting_acceptex`` whether a pending AcceptEx takes the connection and
then calls ``complete_acceptex``.  The IRP waits in the listener's
receive queue, so CancelIoEx and closesocket find it (afd.py).

Rules: D15 (AcceptEx), D12 (SO_UPDATE_ACCEPT_CONTEXT), B4, oracle 2.10.
Sources: MS AcceptEx (https://learn.microsoft.com/windows/win32/api/mswsock/nf-mswsock-acceptex):
"When the AcceptEx function returns, the socket sAcceptSocket is in the default state for a connected
socket. The socket sAcceptSocket does not inherit the properties of the socket associated with
sListenSocket parameter until SO_UPDATE_ACCEPT_CONTEXT is set on the socket"; Wine ws2_32 tests
test_AcceptEx / test_completion_port (oracle 2.10).
"""

from ..win32.constants import ERROR_IO_PENDING, STATUS_SUCCESS, WSAEFAULT, WSAEINVAL, WSAENOTSOCK
from ..win32.structs import OVERLAPPED
from .afd import Socket, inherit
from .irp import complete, new_irp, pend
from .services import ScenarioError, syscall
from .wire import push


def _socket(k, t, s):
    return k.handles.lookup(t, s, Socket, WSAENOTSOCK)


@syscall("AcceptEx")
def AcceptEx(k, t, s_listen, s_accept, buffer, receive_len, local_len, remote_len, ov):
    """D15: FALSE/ERROR_IO_PENDING; completes when a client connects (B4: port, event...)."""
    t.last_error = 0
    listener = _socket(k, t, s_listen)
    accept_sock = _socket(k, t, s_accept) if listener is not None else None
    if listener is None or accept_sock is None:
        return (False, 0)
    if receive_len:
        call = t.call
        raise ScenarioError(call.file, call.line, "AcceptEx with dwReceiveDataLength > 0 (the first data read "
                                                  "with the accept) is not modelled: pass 0")
    if not isinstance(ov, OVERLAPPED):
        t.last_error = WSAEFAULT                       # lpOverlapped cannot be NULL
        return (False, 0)
    if listener.listener is None or accept_sock.state != "open" or accept_sock is listener:
        t.last_error = WSAEINVAL                       # not listening, or sAccept bound/connected already
        return (False, 0)
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
