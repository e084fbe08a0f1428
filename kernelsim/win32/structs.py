"""The Win32 structures scenarios pass to calls: OVERLAPPED, OVERLAPPED_ENTRY, WSABUF, LINGER,
CRITICAL_SECTION, SRWLOCK, and for select/WSAEventSelect fd_set (with the FD_* macros), TIMEVAL and
WSANETWORKEVENTS.

They behave like their C counterparts where a student can observe it: an
OVERLAPPED is identified by its address (here: the Python object), its
Internal/InternalHigh fields are written by the kernel (SEMANTICS B10), and a
WSABUF has a length and a buffer whose position within a page matters for page
locking (SEMANTICS E2).
"""

from ..footprint import Shared

PAGE_SIZE = 4096


class OVERLAPPED(Shared):
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


class WSABUF(Shared):
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


class LINGER(Shared):
    """The SO_LINGER option value: ``LINGER(1, 0)`` makes closesocket send RST (D6)."""

    def __init__(self, l_onoff=0, l_linger=0):
        self.l_onoff = l_onoff
        self.l_linger = l_linger

    def __repr__(self):
        return f"LINGER({self.l_onoff}, {self.l_linger})"



class CRITICAL_SECTION(Shared):
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


class SRWLOCK(Shared):
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


# --- select and WSAEventSelect (winsock2.h) ----------------------------------------------

class fd_set:
    """winsock2.h's fd_set: a count and an array of at most FD_SETSIZE sockets.

    The capacity is a compile-time constant on Windows (FD_SETSIZE, 64 unless the program defines it
    before including winsock2.h); ``fd_set(128)`` is a set compiled with FD_SETSIZE 128.  select
    rewrites the set in place with the sockets that are ready (D14).
    """

    def __init__(self, size=64):
        self.size = size
        self.fd_array = []

    @property
    def fd_count(self):
        return len(self.fd_array)

    def __repr__(self):
        return f"fd_set({self.fd_array})"


def FD_ZERO(set):
    """Empty the set."""
    set.fd_array.clear()


def FD_SET(fd, set):
    """Add fd — silently ignored when the set already holds FD_SETSIZE sockets, as winsock2.h's macro does."""
    if fd not in set.fd_array and len(set.fd_array) < set.size:
        set.fd_array.append(fd)


def FD_CLR(fd, set):
    if fd in set.fd_array:
        set.fd_array.remove(fd)


def FD_ISSET(fd, set):
    """__WSAFDIsSet: is fd in the set (after select: is it ready)?"""
    return fd in set.fd_array


class TIMEVAL:
    """A select timeout: seconds and microseconds (None instead of a TIMEVAL waits for ever)."""

    def __init__(self, tv_sec=0, tv_usec=0):
        self.tv_sec, self.tv_usec = tv_sec, tv_usec

    @property
    def ms(self):
        return self.tv_sec * 1000 + self.tv_usec / 1000


class WSANETWORKEVENTS:
    """What WSAEnumNetworkEvents reports: the recorded FD_* bits and one error code per event bit."""

    def __init__(self, lNetworkEvents=0, iErrorCode=None):
        self.lNetworkEvents = lNetworkEvents
        self.iErrorCode = list(iErrorCode or [0] * 10)

    def __repr__(self):
        return f"WSANETWORKEVENTS({self.lNetworkEvents:#x})"
