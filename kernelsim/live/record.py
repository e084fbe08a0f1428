"""Recording a run for the strict comparison: each thread's calls, results and last error, typed handles.

A ``Recorder`` wraps a scenario's generator functions (main, the threads it
creates, the APCs it queues, the completion routines it passes), so the same
log comes out of the model and of a live run.  It follows thread names itself —
CreateThread's name (or T1, T2… in creation order), an APC on the thread it is
queued to, a completion routine on the thread that issued the I/O — and for
every call it records the call's name, the scenario line, the result and the
thread's last error right after it (``GetLastError()`` as Windows would give it
then; the caller says how to read it on its backend).

Handles are typed on the way back to the scenario: a value a handle-making call
returns (CreateThread, CreateEvent, a port, a socket, accept, tcp_pair,
DuplicateHandle) reaches the scenario as a ``HandleValue`` — an ``int`` that
also knows which issue of that value it is (a value is issued again only after
it was closed).  Whatever the scenario does with it (a note field, a completion
key) stays typed, so the comparison pairs model and live handles one-to-one
(DESIGN, second round: "handle values pair one-to-one") and never mistakes a
byte count for a handle.
"""

import copy
import functools
import inspect

from ..win32 import Call
from ..win32.constants import INVALID_HANDLE_VALUE, INVALID_SOCKET

HANDLE_CALLS = {"CreateThread", "CreateEvent", "WSACreateEvent", "CreateIoCompletionPort", "socket", "WSASocket",
                "accept", "tcp_pair", "DuplicateHandle"}
CLOSE_CALLS = {"CloseHandle", "closesocket", "WSACloseEvent"}
VOID_CALLS = {"Sleep", "SetLastError", "note", "compute", "ExitThread"}
_NOT_HANDLES = {0, -1, INVALID_HANDLE_VALUE, INVALID_SOCKET, (1 << 64) - 1, (1 << 32) - 1}


class HandleValue(int):
    """A handle or SOCKET value that remembers which object it named: ``(value, issue)``."""

    def __new__(cls, value, issue=0):
        self = super().__new__(cls, value)
        self.issue = issue
        return self

    @property
    def identity(self):
        return (int(self), self.issue)

    def __repr__(self):
        return int.__repr__(self)

    __str__ = __repr__


class CallRecord:
    """One call one thread made: name, scenario line, result, the last error right after it."""

    __slots__ = ("name", "line", "result", "last_error")

    def __init__(self, name, line, result, last_error):
        self.name, self.line, self.result, self.last_error = name, line, result, last_error

    def __repr__(self):
        return f"line {self.line} {self.name} → {self.result!r} (last error {self.last_error})"


class Recorder:
    """Wraps a scenario to log, per thread, every call with its result and the last error after it."""

    def __init__(self, last_error=None):
        self.calls = []              # (thread name, CallRecord) in the order they happened
        self.last_error = last_error or (lambda: None)
        self.names = {}              # thread handle value -> thread name
        self.created = 1             # main
        self.open = {}               # handle value -> the HandleValue now open
        self.issued = {}             # handle value -> how many times it was issued
        self._new_names = {}         # id(rewritten CreateThread call) -> new thread's name

    def wrap_scenario(self, sc):
        clone = copy.copy(sc)
        clone.main = self._wrap(sc.main, lambda: "main")
        return clone

    def _wrap(self, func, name_of):
        if not inspect.isgeneratorfunction(func):
            return func
        recorder = self

        @functools.wraps(func)
        def wrapper(*args):
            return (yield from recorder._run(func(*args), name_of()))
        return wrapper

    def _run(self, gen, name):
        value = None
        while True:
            try:
                call = gen.send(value)
            except StopIteration as stop:
                return stop.value
            if type(call) is not Call:
                value = yield call          # the backend reports the scenario's mistake
                continue
            call = self._rewrite(call, name)
            value = yield call
            value = self._record(name, call, value)

    def _rewrite(self, call, name):
        args, kwargs = list(call.args), dict(call.kwargs)
        if call.name == "CreateThread" and args:
            new = kwargs.get("name") or f"T{self.created}"
            self.created += 1
            args[0] = self._wrap(args[0], lambda new=new: new)
            call = _copy_call(call, args, kwargs)
            self._new_names[id(call)] = (call, new)
        elif call.name == "QueueUserAPC" and len(args) >= 2:
            target = name if args[1] == -2 else self.names.get(int(args[1]), "?") if isinstance(args[1], int) else "?"
            args[0] = self._wrap(args[0], lambda target=target: target)
            call = _copy_call(call, args, kwargs)
        elif call.name in ("WSARecv", "WSASend"):
            if len(args) >= 4 and args[3] is not None:
                args[3] = self._wrap(args[3], lambda: name)
                call = _copy_call(call, args, kwargs)
            elif kwargs.get("lpCompletionRoutine") is not None:
                kwargs["lpCompletionRoutine"] = self._wrap(kwargs["lpCompletionRoutine"], lambda: name)
                call = _copy_call(call, args, kwargs)
        return call

    def _record(self, name, call, value):
        """Type the handles in value (what the scenario then gets), and log the call."""
        if call.name in HANDLE_CALLS:
            value = self._typed_result(call, value)
        if call.name == "CreateThread" and isinstance(value, int) and value:
            self.names[int(value)] = self._new_names.pop(id(call), (None, "?"))[1]
        if call.name in CLOSE_CALLS and call.args and _closed(call.name, value):
            handle = call.args[0]
            if isinstance(handle, int) and self.open.get(int(handle)) is not None:
                del self.open[int(handle)]
        result = None if call.name in VOID_CALLS else value
        self.calls.append((name, CallRecord(call.name, call.line, result, self.last_error())))
        return value

    def _typed_result(self, call, value):
        if call.name == "tcp_pair" and isinstance(value, tuple):
            return tuple(self.typed(v) for v in value)
        if call.name == "DuplicateHandle" and isinstance(value, tuple) and len(value) == 2:
            return (value[0], self.typed(value[1]))
        if call.name == "CreateIoCompletionPort" and len(call.args) >= 2 and isinstance(call.args[1], HandleValue) \
                and value == call.args[1]:
            return call.args[1]            # associating a handle returns the existing port
        return self.typed(value)

    def typed(self, value):
        """value as a HandleValue: the one now open with that value, else a new issue of it."""
        if not isinstance(value, int) or isinstance(value, bool) or value in _NOT_HANDLES:
            return value
        current = self.open.get(int(value))
        if current is not None:
            return current
        issue = self.issued.get(int(value), 0)
        self.issued[int(value)] = issue + 1
        handle = self.open[int(value)] = HandleValue(int(value), issue)
        return handle

    def by_thread(self):
        out = {}
        for name, record in self.calls:
            out.setdefault(name, []).append(record)
        return out


def _closed(name, result):
    """Did this close succeed?  CloseHandle/WSACloseEvent return TRUE, closesocket 0."""
    if name == "closesocket":
        return result == 0
    return bool(result)


def _copy_call(call, args, kwargs):
    new = Call.__new__(Call)
    new.name, new.args, new.kwargs, new.file, new.line = call.name, tuple(args), kwargs, call.file, call.line
    return new
