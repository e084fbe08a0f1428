"""Session and SessionID: what the library keeps per connection, and how content names it.

A Session lives in a fixed array slot that is reused (the course allocates no
sessions at run time: "IOCP에서는 생성/삭제 방식을 사용하지않음").  It holds the
socket, the receive and send rings, one OVERLAPPED for the one outstanding
WSARecv and one for the at most one outstanding WSASend, the send flag and
IOCount.  Content never sees a Session, only a SessionID ("컨텐츠 파트는 세션자체에
접근 불가"): in the fixed library the slot index plus a generation that grows
each time the slot is reused, so an old id can never name the new session;
the broken library uses the socket value, which Windows hands out again
("소켓값은 재사용되므로 SessionID로 사용금지").

``uid`` is ground truth for the race layer's monitor (which incarnation of the
slot this is); the library's logic never reads it.
"""

from ..footprint import Shared
from ..win32 import INVALID_SOCKET, OVERLAPPED, HasOverlappedIoCompleted
from .ring import RingBuffer

RELEASE = 1 << 20       # the release flag, kept in IOCount's word so that one interlocked op sees both


class SessionId(int):
    """An id handed to content.  It compares as the int the library uses; ``uid`` names the
    session incarnation it was issued for (monitor only)."""

    def __new__(cls, value, uid):
        self = super().__new__(cls, value)
        self.uid = uid
        return self

    def __repr__(self):
        return f"{int(self):#x}" if self > 0xFFFF else str(int(self))


class Session(Shared):
    def __init__(self, index, ring_size):
        self.index = index
        self.generation = 0
        self.id = None              # the SessionId content knows this incarnation by
        self.uid = 0                # monitor only: which incarnation
        self.sock = INVALID_SOCKET
        self.io_count = RELEASE     # a free slot counts as released
        self.send_flag = 0
        self.disconnecting = 0      # Disconnect was asked: no new receive, Release closes abortively
        self.sending = 0            # bytes handed to the outstanding WSASend
        self.recv_ring = RingBuffer(ring_size)
        self.send_ring = RingBuffer(ring_size)
        self.recv_buf = None
        self.recv_ov = OVERLAPPED(op="recv")
        self.send_ov = OVERLAPPED(op="send")

    def reset(self):
        self.send_flag = 0
        self.disconnecting = 0
        self.sending = 0
        self.recv_ring.clear()
        self.send_ring.clear()
        # Fresh OVERLAPPEDs per incarnation: an old one may still be inside the kernel.
        self.recv_ov = OVERLAPPED(op="recv")
        self.send_ov = OVERLAPPED(op="send")

    def row(self):
        """The session as its panel row shows it (the fields of kernelsim.trace.SessionView)."""
        flagged = self.io_count >= 0 and bool(self.io_count & RELEASE)
        count = self.io_count & ~RELEASE if self.io_count >= 0 else self.io_count
        pending = tuple(op for op, ov in (("recv", self.recv_ov), ("send", self.send_ov))
                        if not HasOverlappedIoCompleted(ov))
        return {"id": "-" if self.id is None else repr(self.id), "index": self.index, "generation": self.generation,
                "sock": self.sock, "io_count": count, "released": flagged, "send_flag": self.send_flag,
                "recv_used": f"{self.recv_ring.used}/{self.recv_ring.size}",
                "send_used": f"{self.send_ring.used}/{self.send_ring.size}", "pending": pending}

    def __repr__(self):
        return f"<session slot {self.index} id {self.id!r}>"
