"""The client side of the race scenarios: a peer that sends one packet and reads until the server closes."""

from ..win32 import SD_SEND, SOCKET_ERROR, closesocket, note, recv, send, shutdown
from .fixed import frame


def echo_client(server, cli, uid, packet=b"hi", half_close=True, tag=None):
    """Send ``packet`` framed; half-close (FIN) if asked; read until the server's FIN or RST.

    Every byte received is reported to the server's monitor (the "bytes arrive
    once and in order" invariant); ``tag`` also notes each read.
    """
    yield send(cli, frame(packet))
    if half_close:
        yield shutdown(cli, SD_SEND)
    while True:
        data = yield recv(cli, 64)
        if not data or data == SOCKET_ERROR:
            break
        server.mon.received(uid, data)
        if tag:
            yield note(tag, data=data)
    yield closesocket(cli)
