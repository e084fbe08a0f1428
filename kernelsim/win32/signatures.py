"""What each Win32 call accepts: one table of argument kinds, checked when a scenario makes the call.

Windows reports some misuse itself, with an error code: an invalid or wrong
kind of handle (ERROR_INVALID_HANDLE, WSAENOTSOCK), a NULL buffer or
OVERLAPPED where one is required (WSAEFAULT), a count of 0 (ERROR_INVALID_
PARAMETER).  The model returns those codes exactly as Windows does, so those
arguments are accepted here (``HANDLE`` takes any integer, ``BUFFERS`` takes
None).  What C could not even express — a string where a timeout goes, a
negative DWORD, a bytes object passed as a WSABUF — is a bug in the scenario:
the call fails the scenario at its file and line with a one-line reason
(``BadCall``, turned into a ScenarioError by the backend), before either
backend sees it.

A spec is ``(positional kinds...)`` or ``((positional kinds...), {keyword: kind})``;
a call not listed takes anything.  Kinds name what the parameter must be.
"""

import math
from typing import NamedTuple

from .structs import CRITICAL_SECTION, OVERLAPPED, SRWLOCK, WSABUF


class BadCall(Exception):
    """A call made with arguments no Win32 program could pass: its file, line and what is wrong."""

    def __init__(self, file, line, message):
        super().__init__(message)
        self.file, self.line, self.message = file, line, message


class Kind(NamedTuple):
    test: str                 # a Python expression on ``v``, true when v is acceptable
    wants: str                # what the value must be, for the message


def _int(v):
    return isinstance(v, int) and not isinstance(v, bool)


# Each test tries the common case first (v.__class__ is int): a check runs at every call.
ANY = None
HANDLE = Kind("v.__class__ is int or v is None or _int(v)",
              "a handle (an integer, as returned by the call that made it)")
HANDLES = Kind("v.__class__ in (list, tuple) and all(h is None or _int(h) for h in v)", "a list of handles")
TIMEOUT = Kind("(v.__class__ is int or _int(v)) and 0 <= v <= 4294967295 or "
               "v.__class__ is float and 0 <= v < 4294967295",
               "a number of milliseconds from 0 to 4294967294, or INFINITE")
DWORD = Kind("(v.__class__ is int or _int(v)) and 0 <= v <= 4294967295",
             "a whole number from 0 to 4294967295 (a DWORD)")
INT = Kind("v.__class__ is int or _int(v)", "a whole number")
BOOL = Kind("isinstance(v, int)", "TRUE or FALSE")
OVERLAPPED_OR_NULL = Kind("v is None or isinstance(v, OVERLAPPED)", "an OVERLAPPED or None")
BUFFERS = Kind("v is None or isinstance(v, WSABUF) or (isinstance(v, (list, tuple)) and "
               "all(isinstance(b, WSABUF) for b in v))",
               "a WSABUF or a list of WSABUFs (WSABUF(len) or WSABUF(b'data'))")
ROUTINE = Kind("v is None or callable(v)", "a completion routine (a generator function) or None")
FUNCTION = Kind("callable(v)", "a function")
TEXT = Kind("isinstance(v, str)", "a string")
TEXT_OR_NULL = Kind("v is None or isinstance(v, str)", "a string or None")
CS = Kind("isinstance(v, CRITICAL_SECTION)", "a CRITICAL_SECTION")
SRW = Kind("isinstance(v, SRWLOCK)", "an SRWLOCK")
MILLISECONDS = Kind("(v.__class__ in (int, float) or (isinstance(v, (int, float)) and not isinstance(v, bool))) "
                    "and v >= 0 and isfinite(v)", "a number of milliseconds >= 0")

SPECS = {
    # threads, APCs, waits, events, handles
    "CreateThread": ((FUNCTION,), {"name": TEXT_OR_NULL}),
    "ExitThread": (DWORD,),
    "QueueUserAPC": (FUNCTION, HANDLE, ANY),
    "Sleep": (TIMEOUT,),
    "SleepEx": (TIMEOUT, BOOL),
    "WaitForSingleObject": (HANDLE, TIMEOUT),
    "WaitForSingleObjectEx": (HANDLE, TIMEOUT, BOOL),
    "WaitForMultipleObjects": (HANDLES, BOOL, TIMEOUT),
    "WaitForMultipleObjectsEx": (HANDLES, BOOL, TIMEOUT, BOOL),
    "CreateEvent": (ANY, BOOL, BOOL, TEXT_OR_NULL),
    "SetEvent": (HANDLE,),
    "ResetEvent": (HANDLE,),
    "CloseHandle": (HANDLE,),
    "DuplicateHandle": (HANDLE, HANDLE, HANDLE, DWORD, BOOL, DWORD),
    "SetLastError": (DWORD,),
    # locks
    "InitializeCriticalSection": (CS,),
    "InitializeCriticalSectionAndSpinCount": (CS, DWORD),
    "EnterCriticalSection": (CS,),
    "TryEnterCriticalSection": (CS,),
    "LeaveCriticalSection": (CS,),
    "DeleteCriticalSection": (CS,),
    "InitializeSRWLock": (SRW,),
    "AcquireSRWLockExclusive": (SRW,),
    "ReleaseSRWLockExclusive": (SRW,),
    "AcquireSRWLockShared": (SRW,),
    "ReleaseSRWLockShared": (SRW,),
    "TryAcquireSRWLockExclusive": (SRW,),
    "TryAcquireSRWLockShared": (SRW,),
    # completion ports and I/O requests
    "CreateIoCompletionPort": (HANDLE, HANDLE, ANY, DWORD),
    "GetQueuedCompletionStatus": (HANDLE, TIMEOUT),
    "GetQueuedCompletionStatusEx": (HANDLE, DWORD, TIMEOUT, BOOL),
    "PostQueuedCompletionStatus": (HANDLE, DWORD, ANY, OVERLAPPED_OR_NULL),
    "CancelIo": (HANDLE,),
    "CancelIoEx": (HANDLE, OVERLAPPED_OR_NULL),
    "SetFileCompletionNotificationModes": (HANDLE, INT),
    # Winsock
    "WSASocket": (INT, INT, INT, ANY, INT, DWORD),
    "socket": (INT, INT, INT),
    "bind": (HANDLE, ANY),                    # a bad address: WSAEFAULT, as Windows says
    "listen": (HANDLE, INT),
    "accept": (HANDLE,),
    "connect": (HANDLE, ANY),
    "send": (HANDLE, ANY, INT),               # a buffer that is not bytes: WSAEFAULT
    "recv": (HANDLE, ANY, INT),               # a negative length: WSAEFAULT
    "ioctlsocket": (HANDLE, INT, ANY),
    "WSARecv": (HANDLE, BUFFERS, OVERLAPPED_OR_NULL, ROUTINE),
    "WSASend": (HANDLE, BUFFERS, OVERLAPPED_OR_NULL, ROUTINE),
    "WSAGetOverlappedResult": (HANDLE, OVERLAPPED_OR_NULL, BOOL),
    "shutdown": (HANDLE, INT),
    "closesocket": (HANDLE,),
    "setsockopt": (HANDLE, INT, INT, ANY),    # a bad option value: WSAEFAULT
    "getsockopt": (HANDLE, INT, INT),
    "select": (INT, ANY, ANY, ANY, ANY),      # a set that is not an fd_set, a bad TIMEVAL: WSAEFAULT
    "WSAEventSelect": (HANDLE, HANDLE, ANY),  # a mask that is not one: WSAEINVAL
    "WSAEnumNetworkEvents": (HANDLE, HANDLE),
    "AcceptEx": (HANDLE, HANDLE, ANY, DWORD, DWORD, DWORD, OVERLAPPED_OR_NULL),   # NULL lpOverlapped: WSAEFAULT
    "WSASetEvent": (HANDLE,),
    "WSAResetEvent": (HANDLE,),
    "WSACloseEvent": (HANDLE,),
    "WSAWaitForMultipleEvents": (HANDLES, BOOL, TIMEOUT, BOOL),
    # kernelsim's helpers
    "note": (TEXT,),
    "compute": (MILLISECONDS,),
    "InterlockedExchange": (ANY, TEXT, ANY),
    "InterlockedIncrement": (ANY, TEXT),
    "InterlockedDecrement": (ANY, TEXT),
    "InterlockedCompareExchange": (ANY, TEXT, ANY, ANY),
    "invariant": (TEXT, FUNCTION),
    "narrate": (TEXT, TEXT, TEXT),
    "watch": (TEXT, FUNCTION),
}


def _checker(name, spec, params):
    """One call's check, compiled from its kinds into a single function: ``check(call)`` raises
    BadCall at the first argument whose kind's test fails (checking runs at every call)."""
    positional, keywords = spec if len(spec) == 2 and isinstance(spec[1], dict) else (spec, {})
    lines = [f"def check_{name}(call):", "    a = call.args", "    try:"]
    env = {"_int": _int, "isfinite": math.isfinite, "OVERLAPPED": OVERLAPPED, "WSABUF": WSABUF,
           "CRITICAL_SECTION": CRITICAL_SECTION, "SRWLOCK": SRWLOCK, "_refuse": _refuse}
    for i, kind in enumerate(positional):
        if kind is ANY:
            continue
        param = params[i] if i < len(params) else f"argument {i + 1}"
        env[f"K{i}"] = kind
        lines += [f"        v = a[{i}]", f"        if not ({kind.test}): _refuse(call, {param!r}, K{i}, v)"]
    for key, kind in keywords.items():
        env[f"K_{key}"] = kind
        lines += [f"        if {key!r} in call.kwargs:", f"            v = call.kwargs[{key!r}]",
                  f"            if not ({kind.test}): _refuse(call, {key!r}, K_{key}, v)"]
    lines += ["        pass", "    except IndexError:", "        pass   # fewer arguments: the handler reports it"]
    exec(compile("\n".join(lines), f"<signature of {name}>", "exec"), env)
    return env[f"check_{name}"]


def _refuse(call, param, kind, value):
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    raise BadCall(call.file, call.line, f"{call.name}: {param} must be {kind.wants}, not {shown}")


def checkers(functions):
    """name -> check(call) for every call in SPECS; ``functions`` maps a call's name to its Python
    function in calls.py, whose parameter names the messages use."""
    import inspect
    out = {}
    for name, spec in SPECS.items():
        func = functions.get(name)
        params = [p.name for p in inspect.signature(func).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)] if func else []
        out[name] = _checker(name, spec, params)
    return out
