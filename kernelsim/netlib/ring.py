"""A fixed-size ring buffer: the session's send queue (SendQ) and receive queue (RecvQ).

The course's RingBuffer: Enqueue writes at the rear, Peek reads from the
front without consuming, MoveFront consumes.  The send path peeks the bytes
it hands to WSASend and must MoveFront only when the send *completion*
arrives: until then the kernel still reads that memory, and moving the front
early lets the next Enqueue write over it (seed: "Send완료통지가 온다음 밀어야
할 것. Send직후 바로 밀어버린다면 링버퍼 특성상 Enque될때 겹쳐질수있다").

``in_flight`` is the region lent to the kernel (front offset, length), kept
here only so the race layer's monitor can see an Enqueue that overwrites it.
A ring is ``Shared``: the explorer sees every field a step reads or writes.
"""

from ..footprint import Shared


class RingBuffer(Shared):
    def __init__(self, size):
        self.size = size
        self.data = bytearray(size)
        self.front = 0          # absolute positions; index = pos % size
        self.rear = 0
        self.in_flight = None   # (start, length) handed to WSASend and not yet completed
        self.overwritten = 0    # bytes of in_flight an Enqueue wrote over (the monitor reports it)

    @property
    def used(self):
        return self.rear - self.front

    @property
    def free(self):
        return self.size - self.used

    def enqueue(self, data):
        """Append data → True, or False when it does not fit (the ring is never overwritten)."""
        if len(data) > self.free:
            return False
        if self.in_flight is not None:       # byte p sits where position p + size will be written
            start, length = self.in_flight
            lo = max(start, self.rear - self.size)
            hi = min(start + length, self.rear + len(data) - self.size)
            if hi > lo:                      # (only then a write: the explorer sees who changes it)
                self.overwritten += hi - lo
        for i, b in enumerate(data):
            self.data[(self.rear + i) % self.size] = b
        self.rear += len(data)
        return True

    def peek(self, n=None):
        n = self.used if n is None else min(n, self.used)
        return bytes(self.data[(self.front + i) % self.size] for i in range(n))

    def move_front(self, n):
        """MoveFront: n bytes were consumed (a send completed, a packet was read).  A negative n is a bug in
        the caller — the ring would hand the same bytes out twice."""
        if n < 0:
            raise ValueError(f"MoveFront({n}): a ring buffer's front only moves forward")
        self.front += min(n, self.used)

    def clear(self):
        self.front = self.rear = 0
        self.in_flight = None
        self.overwritten = 0
