"""Win32 calls as request objects.

A scenario thread is a generator that yields calls; the backend (the model, or
real Win32) executes each and sends back what the Win32 function returns, with
out-parameters folded into a tuple (DESIGN §3).  Calling ``Sleep(10)`` here does
nothing by itself: it builds a ``Call`` that remembers the scenario line it was
made on, so the trace can point at that line.

Names and parameter order are Win32's, so Microsoft's pages read alongside.
"""

import sys

from .signatures import checkers

_getframe = sys._getframe
CHECKS = {}                 # call name -> check(call): the argument kinds of signatures.SPECS


class Call:
    """A request to execute one Win32 function: its name, its arguments, where it was made."""

    __slots__ = ("name", "args", "kwargs", "file", "line")

    def __init__(self, name, /, *args, **kwargs):
        frame = _getframe(2)
        self.name = name
        self.args = args
        self.kwargs = kwargs
        self.file = frame.f_code.co_filename
        self.line = frame.f_lineno
        check = CHECKS.get(name)
        if check is not None:
            check(self)             # signatures.BadCall: nonsense no Win32 program could pass

    def __repr__(self):
        args = ", ".join(repr(a) for a in self.args)
        return f"{self.name}({args})"


# --- threads, APCs, waits, events -------------------------------------------

def CreateThread(lpStartAddress, *args, name=None):
    """Start a thread running the generator function with args; returns its handle."""
    return Call("CreateThread", lpStartAddress, *args, name=name)


def ExitThread(dwExitCode=0):
    """End the calling thread (its pending I/O and APCs: B13, C8)."""
    return Call("ExitThread", dwExitCode)


def GetCurrentThread():
    """The pseudo-handle of the calling thread (-2)."""
    return Call("GetCurrentThread")


def QueueUserAPC(pfnAPC, hThread, dwData):
    """Queue a user APC to a thread; it runs at the thread's next alertable wait. [C1, C2]"""
    return Call("QueueUserAPC", pfnAPC, hThread, dwData)


def Sleep(dwMilliseconds):
    """A non-alertable delay: APCs wait. [C2]"""
    return Call("Sleep", dwMilliseconds)


def SleepEx(dwMilliseconds, bAlertable):
    """A delay; alertable → returns WAIT_IO_COMPLETION after running queued APCs. [C2, C4]"""
    return Call("SleepEx", dwMilliseconds, bAlertable)


def WaitForSingleObject(hHandle, dwMilliseconds):
    """Wait for an event or thread; WAIT_OBJECT_0 or WAIT_TIMEOUT."""
    return Call("WaitForSingleObject", hHandle, dwMilliseconds)


def WaitForSingleObjectEx(hHandle, dwMilliseconds, bAlertable):
    """As WaitForSingleObject; alertable → WAIT_IO_COMPLETION when APCs ran. [C2, C5, C7]"""
    return Call("WaitForSingleObjectEx", hHandle, dwMilliseconds, bAlertable)


def WaitForMultipleObjects(lpHandles, bWaitAll, dwMilliseconds):
    """Wait for any (or all) of up to 64 objects."""
    return Call("WaitForMultipleObjects", lpHandles, bWaitAll, dwMilliseconds)


def WaitForMultipleObjectsEx(lpHandles, bWaitAll, dwMilliseconds, bAlertable):
    """As WaitForMultipleObjects, optionally alertable."""
    return Call("WaitForMultipleObjectsEx", lpHandles, bWaitAll, dwMilliseconds, bAlertable)


def CreateEvent(lpEventAttributes, bManualReset, bInitialState, lpName):
    """Create an event object; returns its handle."""
    return Call("CreateEvent", lpEventAttributes, bManualReset, bInitialState, lpName)


def SetEvent(hEvent):
    """Signal an event. → bool"""
    return Call("SetEvent", hEvent)


def ResetEvent(hEvent):
    """Unsignal an event. → bool"""
    return Call("ResetEvent", hEvent)


def CloseHandle(hObject):
    """Close a handle (a completion port: waiters get ERROR_ABANDONED_WAIT_0, A10). → bool"""
    return Call("CloseHandle", hObject)


def GetCurrentProcess():
    """The pseudo-handle of the calling process (-1)."""
    return Call("GetCurrentProcess")


def DuplicateHandle(hSourceProcessHandle, hSourceHandle, hTargetProcessHandle, dwDesiredAccess,
                    bInheritHandle, dwOptions):
    """A second handle to the same object → (ok, handle).  The object is closed with its last handle."""
    return Call("DuplicateHandle", hSourceProcessHandle, hSourceHandle, hTargetProcessHandle,
                dwDesiredAccess, bInheritHandle, dwOptions)


def GetLastError():
    """The calling thread's last error."""
    return Call("GetLastError")


def SetLastError(dwErrCode):
    """Set the calling thread's last error."""
    return Call("SetLastError", dwErrCode)


# --- user-mode locks: critical sections and SRW locks (SEMANTICS L1–L11) ----------

def InitializeCriticalSection(lpCriticalSection):
    """Make a CRITICAL_SECTION usable; it must not be initialised twice without a Delete between. [L1]"""
    return Call("InitializeCriticalSection", lpCriticalSection)


def InitializeCriticalSectionAndSpinCount(lpCriticalSection, dwSpinCount):
    """As InitializeCriticalSection; the spin count is kept but costs no simulated time. → TRUE [L1]"""
    return Call("InitializeCriticalSectionAndSpinCount", lpCriticalSection, dwSpinCount)


def EnterCriticalSection(lpCriticalSection):
    """Take ownership, waiting (non-alertably) while another thread owns it; the owner enters again
    at once (RecursionCount + 1). [L2, L3, L9]"""
    return Call("EnterCriticalSection", lpCriticalSection)


def TryEnterCriticalSection(lpCriticalSection):
    """Take ownership if it is free or already the caller's; never waits. → bool [L2]"""
    return Call("TryEnterCriticalSection", lpCriticalSection)


def LeaveCriticalSection(lpCriticalSection):
    """Leave once per enter; the last leave frees it and wakes a waiter. [L2, L4, L9]"""
    return Call("LeaveCriticalSection", lpCriticalSection)


def DeleteCriticalSection(lpCriticalSection):
    """Release an unowned critical section's resources; it is unusable until initialised again. [L1, L5]"""
    return Call("DeleteCriticalSection", lpCriticalSection)


def InitializeSRWLock(SRWLock):
    """Make an SRWLOCK usable (SRWLOCK_INIT in C). [L1]"""
    return Call("InitializeSRWLock", SRWLock)


def AcquireSRWLockExclusive(SRWLock):
    """Take the lock for writing, waiting (non-alertably) for every holder; not recursive: the
    owner asking again waits for itself. [L6, L7, L3]"""
    return Call("AcquireSRWLockExclusive", SRWLock)


def ReleaseSRWLockExclusive(SRWLock):
    """Release an exclusive hold; a lock not held exclusively raises STATUS_RESOURCE_NOT_OWNED. [L8, L9]"""
    return Call("ReleaseSRWLockExclusive", SRWLock)


def AcquireSRWLockShared(SRWLock):
    """Take the lock for reading alongside other readers; waits behind a waiting writer. [L6, L7]"""
    return Call("AcquireSRWLockShared", SRWLock)


def ReleaseSRWLockShared(SRWLock):
    """Release a shared hold; a lock not held shared raises STATUS_RESOURCE_NOT_OWNED. [L8, L9]"""
    return Call("ReleaseSRWLockShared", SRWLock)


def TryAcquireSRWLockExclusive(SRWLock):
    """Take the lock for writing if nobody holds it; never waits (FALSE for its own owner). → bool [L6, L7]"""
    return Call("TryAcquireSRWLockExclusive", SRWLock)


def TryAcquireSRWLockShared(SRWLock):
    """Take the lock for reading if nobody writes or waits; never waits. → bool [L6]"""
    return Call("TryAcquireSRWLockShared", SRWLock)


# --- completion ports ----------------------------------------------------------

def CreateIoCompletionPort(FileHandle, ExistingCompletionPort, CompletionKey, NumberOfConcurrentThreads):
    """Create a port (FileHandle = INVALID_HANDLE_VALUE) or associate a handle with one. [A1]"""
    return Call("CreateIoCompletionPort", FileHandle, ExistingCompletionPort, CompletionKey,
                NumberOfConcurrentThreads)


def GetQueuedCompletionStatus(CompletionPort, dwMilliseconds):
    """Dequeue one packet → (ok, nbytes, key, ov); ov is None when nothing was dequeued. [A3, F1–F3]"""
    return Call("GetQueuedCompletionStatus", CompletionPort, dwMilliseconds)


def GetQueuedCompletionStatusEx(CompletionPort, ulCount, dwMilliseconds, fAlertable):
    """Dequeue up to ulCount packets → (ok, entries). [A13, C6, F4]"""
    return Call("GetQueuedCompletionStatusEx", CompletionPort, ulCount, dwMilliseconds, fAlertable)


def PostQueuedCompletionStatus(CompletionPort, dwNumberOfBytesTransferred, dwCompletionKey, lpOverlapped):
    """Queue a packet as if an I/O had completed. → bool [A11]"""
    return Call("PostQueuedCompletionStatus", CompletionPort, dwNumberOfBytesTransferred,
                dwCompletionKey, lpOverlapped)


# --- I/O requests ------------------------------------------------------------

def CancelIo(hFile):
    """Cancel the calling thread's I/O on a handle. → bool [B12]"""
    return Call("CancelIo", hFile)


def CancelIoEx(hFile, lpOverlapped):
    """Cancel I/O of any thread on a handle (one OVERLAPPED, or all with None). → bool [B12]"""
    return Call("CancelIoEx", hFile, lpOverlapped)


def SetFileCompletionNotificationModes(FileHandle, Flags):
    """FILE_SKIP_COMPLETION_PORT_ON_SUCCESS and friends; cannot be cleared. → bool [B6]"""
    return Call("SetFileCompletionNotificationModes", FileHandle, Flags)


# --- Winsock -------------------------------------------------------------------

def WSASocket(af, type, protocol, lpProtocolInfo, g, dwFlags):
    """Create a socket; returns its handle or INVALID_SOCKET."""
    return Call("WSASocket", af, type, protocol, lpProtocolInfo, g, dwFlags)


def socket(af, type, protocol):
    """Create an overlapped-capable socket, as Winsock's socket() does."""
    return Call("socket", af, type, protocol)


def bind(s, name):
    """Bind to ("127.0.0.1", port). → 0 or SOCKET_ERROR"""
    return Call("bind", s, name)


def listen(s, backlog):
    """Start listening. → 0 or SOCKET_ERROR"""
    return Call("listen", s, backlog)


def accept(s):
    """Blocking accept → the connected socket, or INVALID_SOCKET."""
    return Call("accept", s)


def connect(s, name):
    """Blocking connect to ("127.0.0.1", port). → 0 or SOCKET_ERROR"""
    return Call("connect", s, name)


def send(s, buf, flags=0):
    """Blocking send of bytes → bytes sent or SOCKET_ERROR."""
    return Call("send", s, buf, flags)


def recv(s, len, flags=0):
    """Blocking receive → bytes (b"" at graceful close) or SOCKET_ERROR."""
    return Call("recv", s, len, flags)


def ioctlsocket(s, cmd, argp):
    """FIONBIO: non-blocking mode for recv/send. → 0 or SOCKET_ERROR"""
    return Call("ioctlsocket", s, cmd, argp)


def WSARecv(s, lpBuffers, lpOverlapped, lpCompletionRoutine=None):
    """Overlapped receive → (rc, nbytes, flags); rc is 0 or SOCKET_ERROR. [D1, D2, B4–B9]"""
    return Call("WSARecv", s, lpBuffers, lpOverlapped, lpCompletionRoutine)


def WSASend(s, lpBuffers, lpOverlapped, lpCompletionRoutine=None):
    """Overlapped send → (rc, nbytes); rc is 0 or SOCKET_ERROR. [D3, D4, B4–B9]"""
    return Call("WSASend", s, lpBuffers, lpOverlapped, lpCompletionRoutine)


def WSAGetOverlappedResult(s, lpOverlapped, fWait):
    """The result of an overlapped request → (ok, nbytes, flags). [D10, B11]"""
    return Call("WSAGetOverlappedResult", s, lpOverlapped, fWait)


def shutdown(s, how):
    """SD_SEND sends FIN after the queued data. → 0 or SOCKET_ERROR"""
    return Call("shutdown", s, how)


def closesocket(s):
    """Close a socket handle; cancels its pending I/O when it is the last handle. [D7]"""
    return Call("closesocket", s)


def setsockopt(s, level, optname, optval):
    """SO_SNDBUF, SO_RCVBUF (ints), SO_LINGER (a LINGER), SO_UPDATE_ACCEPT_CONTEXT (the listening
    socket, after AcceptEx). → 0 or SOCKET_ERROR"""
    return Call("setsockopt", s, level, optname, optval)


def getsockopt(s, level, optname):
    """→ the option's value, or SOCKET_ERROR."""
    return Call("getsockopt", s, level, optname)


def select(nfds, readfds, writefds, exceptfds, timeout):
    """Wait until a socket in the sets is ready → the number ready (the sets are rewritten in place),
    0 on timeout, SOCKET_ERROR.  nfds is ignored, as on Windows; timeout is a TIMEVAL or None. [D14]"""
    return Call("select", nfds, readfds, writefds, exceptfds, timeout)


def WSAEventSelect(s, hEventObject, lNetworkEvents):
    """Ask for FD_* network events on s to be recorded and hEventObject set; s becomes non-blocking.
    → 0 or SOCKET_ERROR [D13]"""
    return Call("WSAEventSelect", s, hEventObject, lNetworkEvents)


def WSAEnumNetworkEvents(s, hEventObject):
    """The network events recorded for s since the last call → (rc, WSANETWORKEVENTS); clears the record
    and resets hEventObject, in one step. [D13]"""
    return Call("WSAEnumNetworkEvents", s, hEventObject)


def AcceptEx(sListenSocket, sAcceptSocket, lpOutputBuffer, dwReceiveDataLength, dwLocalAddressLength,
             dwRemoteAddressLength, lpOverlapped):
    """Overlapped accept into a socket made beforehand → (ok, bytes received); FALSE with
    ERROR_IO_PENDING while it waits for a connection. [D15]"""
    return Call("AcceptEx", sListenSocket, sAcceptSocket, lpOutputBuffer, dwReceiveDataLength,
                dwLocalAddressLength, dwRemoteAddressLength, lpOverlapped)


def WSACreateEvent():
    """A manual-reset, unsignalled event for overlapped I/O."""
    return Call("WSACreateEvent")


def WSASetEvent(hEvent):
    return Call("WSASetEvent", hEvent)


def WSAResetEvent(hEvent):
    return Call("WSAResetEvent", hEvent)


def WSACloseEvent(hEvent):
    return Call("WSACloseEvent", hEvent)


def WSAWaitForMultipleEvents(lphEvents, fWaitAll, dwTimeout, fAlertable):
    """Wait for up to WSA_MAXIMUM_WAIT_EVENTS (64) events. [C2, C5]"""
    return Call("WSAWaitForMultipleEvents", lphEvents, fWaitAll, dwTimeout, fAlertable)


def WSAGetLastError():
    """The calling thread's last error (the same slot as GetLastError)."""
    return Call("WSAGetLastError")


# --- kernelsim's own helpers (lowercase: they are not Win32) ----------------------

def note(tag, **fields):
    """Record an observation in the Outcome (the scenario's evidence)."""
    return Call("note", tag, **fields)


def compute(ms):
    """Busy CPU work for ms milliseconds: the thread keeps running and holds a CPU."""
    return Call("compute", ms)


def tcp_pair():
    """A connected pair of sockets over loopback → (server, client)."""
    return Call("tcp_pair")


def InterlockedExchange(target, field, value):
    """Atomically set target.field = value → the old value (one indivisible step)."""
    return Call("InterlockedExchange", target, field, value)


def InterlockedIncrement(target, field):
    """Atomically add 1 to target.field → the new value."""
    return Call("InterlockedIncrement", target, field)


def InterlockedDecrement(target, field):
    """Atomically subtract 1 from target.field → the new value."""
    return Call("InterlockedDecrement", target, field)


def InterlockedCompareExchange(target, field, exchange, comparand):
    """Atomically: if target.field == comparand, set it to exchange → the old value."""
    return Call("InterlockedCompareExchange", target, field, exchange, comparand)


def invariant(name, check):
    """Ask the backend to call check() after every step; a message it returns is a broken invariant.

    kernelsim's race layer (netlib) uses it: on the model the run ends at the
    step that broke the invariant, with a "violation" note naming it.
    """
    return Call("invariant", name, check)


def narrate(kind, template, why="", **fields):
    """A row of the trace written by a library above the Win32 surface (netlib: a session released,
    OnLeave, a SendPacket refused), pointing at the library's own line.  ``template`` is formatted
    with ``{thread}`` and the fields.  Not a Win32 call and no scheduling point: on the model it is
    recorded within the step of the call before it; a live backend ignores it."""
    return Call("narrate", kind, template, why, **fields)


def watch(panel, rows):
    """Show a library's own state in every snapshot: ``rows()`` returns one dict per row of ``panel``
    ("sessions": netlib's sessions, with the fields of kernelsim.trace.SessionView).  No scheduling
    point; a live backend ignores it."""
    return Call("watch", panel, rows)


def memory():
    """The model's memory gauges → (non-paged pool bytes, locked pages); (None, None) on a live backend. [E1–E6]"""
    return Call("memory")


NAMES = sorted(name for name, value in dict(globals()).items()
               if callable(value) and not name.startswith("_") and name != "Call" and value.__module__ == __name__)
CHECKS.update(checkers(globals()))
