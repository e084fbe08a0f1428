"""The Win32 structures scenarios pass to calls: OVERLAPPED, OVERLAPPED_ENTRY, WSABUF, LINGER,
CRITICAL_SECTION and SRWLOCK.

They behave like their C counterparts where a student can observe it: an
OVERLAPPED is identified by its address (here: the Python object), its
Internal/InternalHigh fields are written by the kernel (SEMANTICS B10), and a
WSABUF has a length and a buffer whose position within a page matters for page
locking (SEMANTICS E2).
"""

PAGE_SIZE = 4096


class OVERLAPPED:
    """WSAOVERLAPPED / OVERLAPPED.

    Internal holds the NTSTATUS of the request (STATUS_PENDING while it is in
    flight) and InternalHigh the byte count; the kernel writes them.  hEvent is
    an event handle (or None); its low bit set means "no port packet" (B8).
    Scenarios may attach any attribute of their own, e.g. ``ov.op = "recv"``.
    """

    def __init__(self, hEvent=None, **fields):
        self.Internal = 0
        self.InternalHigh = 0
        self.Offset = 0
        self.OffsetHigh = 0
        self.hEvent = hEvent
        self.__dict__.update(fields)

    def __repr__(self):
        tag = getattr(self, "op", None)
        return f"OVERLAPPED({tag})" if tag else "OVERLAPPED()"


WSAOVERLAPPED = OVERLAPPED


def HasOverlappedIoCompleted(lpOverlapped):
    """The winbase.h macro: the request is no longer in the kernel (Internal != STATUS_PENDING)."""
    return lpOverlapped.Internal != 0x103                     # STATUS_PENDING (B10)


class OVERLAPPED_ENTRY:
    """One entry returned by GetQueuedCompletionStatusEx."""

    __slots__ = ("lpCompletionKey", "lpOverlapped", "Internal", "dwNumberOfBytesTransferred")

    def __init__(self, key, overlapped, status, nbytes):
        self.lpCompletionKey = key
        self.lpOverlapped = overlapped
        self.Internal = status
        self.dwNumberOfBytesTransferred = nbytes

    key = property(lambda self: self.lpCompletionKey)
    overlapped = property(lambda self: self.lpOverlapped)
    nbytes = property(lambda self: self.dwNumberOfBytesTransferred)
    status = property(lambda self: self.Internal)

    def __repr__(self):
        return f"OVERLAPPED_ENTRY(key={self.key!r}, nbytes={self.nbytes}, status={self.status:#x})"


class WSABUF:
    """A buffer descriptor: ``WSABUF(4096)`` is empty, ``WSABUF(b"data")`` wraps data.

    The buffer starts on a page boundary, as VirtualAlloc gives; ``offset=k``
    starts it k bytes into a page, so that it may span one page more (E2).
    """

    def __init__(self, size_or_data, offset=0):
        if isinstance(size_or_data, (bytes, bytearray, memoryview)):
            self.buf = bytearray(size_or_data)
        else:
            self.buf = bytearray(int(size_or_data))
        self.len = len(self.buf)
        self.offset = int(offset) % PAGE_SIZE

    def pages(self):
        """How many pages the buffer spans: what locking it costs (E2)."""
        if self.len == 0:
            return 0
        first = self.offset // PAGE_SIZE
        last = (self.offset + self.len - 1) // PAGE_SIZE
        return last - first + 1

    def __repr__(self):
        return f"WSABUF(len={self.len})"


class LINGER:
    """The SO_LINGER option value: ``LINGER(1, 0)`` makes closesocket send RST (D6)."""

    def __init__(self, l_onoff=0, l_linger=0):
        self.l_onoff = l_onoff
        self.l_linger = l_linger

    def __repr__(self):
        return f"LINGER({self.l_onoff}, {self.l_linger})"



class CRITICAL_SECTION:
    """RTL_CRITICAL_SECTION: a recursive, process-local lock (SEMANTICS L1–L5, L9, L10).

    Initialise it with InitializeCriticalSection before any other call (L1).
    Like Windows, the model writes ``OwningThread`` (here the owner's name;
    Windows writes its thread id) and ``RecursionCount`` (how many times the
    owner has entered, L2) into the structure; a scenario may read them.
    ``name`` labels it in the trace and the view ("critical section 'session'").
    """

    def __init__(self, name=None, **fields):
        self.OwningThread = None
        self.RecursionCount = 0
        self.SpinCount = 0
        self.name = name
        self.__dict__.update(fields)

    def __repr__(self):
        return f"CRITICAL_SECTION({self.name!r})" if self.name else "CRITICAL_SECTION()"


class SRWLOCK:
    """RTL_SRWLOCK: a slim reader/writer lock, one pointer wide on Windows (SEMANTICS L1, L6–L9).

    Initialise it with InitializeSRWLock before use (L1).  It keeps too little
    state to know its owner, so Windows cannot tell a recursive acquisition
    from a second thread's: acquiring it exclusively twice on one thread
    deadlocks (L7).  ``name`` labels it in the trace and the view.
    """

    def __init__(self, name=None, **fields):
        self.name = name
        self.__dict__.update(fields)

    def __repr__(self):
        return f"SRWLOCK({self.name!r})" if self.name else "SRWLOCK()"
