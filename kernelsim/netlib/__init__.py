"""Layer 3: the course's network library on the Win32 surface, broken and fixed (DESIGN §7).

A server with worker threads on one completion port; sessions in a fixed
array, named for content by a SessionID; send and receive ring buffers; one
outstanding WSARecv and at most one WSASend per session; the content
interface OnAccept / OnRecv (payload without the 2-byte header) / OnLeave,
and the requests SendPacket(session_id, payload) / Disconnect(session_id)
that content may call from any thread.

``fixed.Server`` follows the seed notes' rules (IOCount, release at zero,
closesocket once, generation-checked ids, MoveFront after the completion);
``broken.BrokenServer`` overrides a few methods to make the classic mistakes.
``monitor.Monitor`` holds the race layer's invariants, checked after every
model step.  Use ``make_server("broken" | "fixed", content, ...)``.

Every method that does I/O is a generator run with ``yield from`` by a
scenario thread, e.g. ``sid = yield from server.accept(sock)``.
"""

from .broken import BUGS, BrokenServer
from .fixed import HEADER, Content, Server, frame
from .monitor import Monitor
from .peer import echo_client
from .session import SessionId

VARIANTS = ("broken", "fixed")


def make_server(variant, content=None, bugs=BUGS, **kwargs):
    if variant == "fixed":
        return Server(content, **kwargs)
    if variant == "broken":
        return BrokenServer(content, bugs=bugs, **kwargs)
    raise ValueError(f"unknown netlib variant {variant!r}: use 'broken' or 'fixed'")


__all__ = ["BUGS", "BrokenServer", "Content", "HEADER", "Monitor", "Server", "SessionId", "VARIANTS",
           "echo_client", "frame", "make_server"]
