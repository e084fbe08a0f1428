"""Dispatcher objects and the waits on them: events, Sleep(Ex), WaitFor*, WSAWaitForMultipleEvents.

What Windows does.  An event is signalled or not; a manual-reset event stays
signalled and releases every waiter, an auto-reset event releases one waiter
and resets.  A wait on objects returns WAIT_OBJECT_0 + i, or WAIT_TIMEOUT.  An
alertable wait with user APCs queued runs them and returns WAIT_IO_COMPLETION
instead; on modern Windows a queued APC wins over an object that is already
signalled (C7, switch ``apc_precedence``).  A zero timeout never blocks.  A
wait that really blocks takes a port-associated thread out of CurrentCount
(A5); a wait satisfied at once does not.  WSAWaitForMultipleEvents accepts at
most WSA_MAXIMUM_WAIT_EVENTS (64) events — the limit the seed notes blame for
EventSelect not scaling ("WaitforMultipleEvent는 소켓이 64개로 제한").

What we simplify.  Waiters of an object are released in the order they began
waiting.  Thread objects are signalled when the thread ends; a completion port
handle is signalled while packets are queued (oracle 1.15).

Rules: C2, C5, C7, A5 (entry), A6 (via thread.unwait); oracle 3.4, 3.5, 3.15.
"""

from .. import footprint
from ..win32.constants import (DUPLICATE_CLOSE_SOURCE, ERROR_INVALID_HANDLE, ERROR_INVALID_PARAMETER, INFINITE,
                               WAIT_FAILED, WAIT_IO_COMPLETION, WAIT_OBJECT_0, WAIT_TIMEOUT,
                               WSA_MAXIMUM_WAIT_EVENTS, MAXIMUM_WAIT_OBJECTS)
from .services import syscall
from .thread import at_exit, block, start_apcs, unwait

CURRENT_PROCESS = -1        # GetCurrentProcess's pseudo-handle


class Event:
    """KEVENT: a notification (manual-reset) or synchronization (auto-reset) event."""

    def __init__(self, k, manual, initial, name=None):
        self.manual = bool(manual)
        self.signalled = bool(initial)
        self.name = name
        self.wait_list = {}          # Wait -> wait block, in the order the waits began (O(1) unlink)
        self.handle = k.handles.add(self)

    def is_signalled(self):
        return self.signalled

    def consume(self):
        if not self.manual:
            self.signalled = False

    def set(self, k):
        self.signalled = True
        signal_object(k, self)

    def close(self, k):
        return True

    def __repr__(self):
        return f"event {self.handle}"

    def fp_key(self):
        return ("event", self.handle)


@at_exit("signal")           # a thread object is signalled when the thread ends
def signal_object(k, obj):
    """obj became signalled: release the waits it now satisfies, oldest first."""
    if footprint.rec is not None:
        footprint.touch(obj)
    for wait_block in list(obj.wait_list.values()):
        if not obj.is_signalled():
            break
        thread, objects, wait_all = wait_block
        if thread.wait is None or thread.wait.data is not wait_block:
            continue
        if wait_all:
            if not all(o.is_signalled() for o in objects):
                continue
            for o in objects:
                o.consume()
            index = 0
        else:
            index = objects.index(obj)
            obj.consume()
        unwait(k, thread, WAIT_OBJECT_0 + index, f"{_name(obj)} was signalled" if k.tracing else "")


def _name(obj):
    return repr(obj)


def _satisfied(objects, wait_all):
    """The index of a signalled object (consuming it), or None."""
    if wait_all:
        if all(o.is_signalled() for o in objects):
            for o in objects:
                o.consume()
            return 0
        return None
    for i, o in enumerate(objects):
        if o.is_signalled():
            o.consume()
            return i
    return None


def wait_for(k, t, objects, wait_all, ms, alertable, what, apc_result=WAIT_IO_COMPLETION):
    """The common path of every wait on dispatcher objects (and of SleepEx with no objects)."""
    apc_first = k.profile.apc_precedence == "apc_first"
    if footprint.rec is not None and alertable:
        footprint.touch(t, "apc")
    if alertable and t.apcs and apc_first:
        return start_apcs(k, t, apc_result)                       # C7 (modern), C2
    if objects:
        index = _satisfied(objects, wait_all)
        if index is not None:
            return WAIT_OBJECT_0 + index
    if alertable and t.apcs:
        return start_apcs(k, t, apc_result)                       # C7 (classic)
    if ms == 0:
        return WAIT_TIMEOUT
    result = block(k, t, what, ms, alertable, on_timeout=lambda: WAIT_TIMEOUT if objects else 0,
                   apc_result=apc_result)
    wait_block = (t, objects, wait_all)
    wait = t.wait
    wait.data = wait_block
    for o in objects:
        o.wait_list[wait] = wait_block
        wait.unlinks.append(lambda o=o: o.wait_list.pop(wait, None))
    return result


def resolve_waitable(k, handle):
    obj = k.handles.get(handle)
    return obj if obj is not None and hasattr(obj, "is_signalled") else None


def _wait_handles(k, t, handles, wait_all, ms, alertable, limit, what_prefix="",
                  apc_result=WAIT_IO_COMPLETION):
    handles = list(handles) if isinstance(handles, (list, tuple)) else [handles]
    if not handles or len(handles) > limit:
        t.last_error = ERROR_INVALID_PARAMETER
        return WAIT_FAILED
    objects = [resolve_waitable(k, h) for h in handles]
    if any(o is None for o in objects):
        t.last_error = ERROR_INVALID_HANDLE
        return WAIT_FAILED
    names = ", ".join(_name(o) for o in objects)
    what = f"{what_prefix}{'all of ' if wait_all and len(objects) > 1 else ''}{names}"
    return wait_for(k, t, objects, bool(wait_all), ms, bool(alertable), what, apc_result)


# --- calls ---------------------------------------------------------------------

@syscall("Sleep")
def Sleep(k, t, ms):
    return SleepEx(k, t, ms, False)


@syscall("SleepEx")
def SleepEx(k, t, ms, alertable):
    result = wait_for(k, t, [], False, ms, bool(alertable), f"Sleep({_ms(ms)})")
    return 0 if result == WAIT_TIMEOUT else result


@syscall("WaitForSingleObject")
def WaitForSingleObject(k, t, handle, ms):
    return _wait_handles(k, t, [handle], False, ms, False, 1)


@syscall("WaitForSingleObjectEx")
def WaitForSingleObjectEx(k, t, handle, ms, alertable):
    return _wait_handles(k, t, [handle], False, ms, alertable, 1)


@syscall("WaitForMultipleObjects")
def WaitForMultipleObjects(k, t, handles, wait_all, ms):
    return _wait_handles(k, t, handles, wait_all, ms, False, MAXIMUM_WAIT_OBJECTS)


@syscall("WaitForMultipleObjectsEx")
def WaitForMultipleObjectsEx(k, t, handles, wait_all, ms, alertable):
    return _wait_handles(k, t, handles, wait_all, ms, alertable, MAXIMUM_WAIT_OBJECTS)


@syscall("WSAWaitForMultipleEvents")
def WSAWaitForMultipleEvents(k, t, events, wait_all, ms, alertable):
    """More than WSA_MAXIMUM_WAIT_EVENTS (64) events fail with WSA_INVALID_PARAMETER."""
    return _wait_handles(k, t, events, wait_all, ms, alertable, WSA_MAXIMUM_WAIT_EVENTS)


@syscall("CreateEvent")
def CreateEvent(k, t, attrs, manual, initial, name):
    """A new event.  Success sets the last error to 0 (ERROR_ALREADY_EXISTS for an existing name):
    CreateEventExW ends with SetLastError(RtlNtStatusToDosError(status)) (Wine dlls/kernelbase/sync.c;
    measured the same on Wine 8 by the strict live comparison)."""
    t.last_error = 0
    return Event(k, manual, initial, name).handle


@syscall("WSACreateEvent")
def WSACreateEvent(k, t):
    """CreateEventW(NULL, TRUE, FALSE, NULL): a manual-reset event, last error 0 (as CreateEvent)."""
    t.last_error = 0
    return Event(k, True, False).handle


def _event(k, t, handle):
    return k.handles.lookup(t, handle, Event, ERROR_INVALID_HANDLE)


@syscall("SetEvent")
def SetEvent(k, t, handle):
    event = _event(k, t, handle)
    if event is None:
        return False
    if k.tracing:
        k.emit("call", t, "{thread} sets {event}", event=repr(event))
    event.set(k)
    return True


@syscall("ResetEvent")
def ResetEvent(k, t, handle):
    event = _event(k, t, handle)
    if event is None:
        return False
    event.signalled = False
    return True


syscall("WSASetEvent")(SetEvent)
syscall("WSAResetEvent")(ResetEvent)


@syscall("CloseHandle")
def CloseHandle(k, t, handle):
    obj = k.handles.get(handle)
    if obj is None:
        t.last_error = ERROR_INVALID_HANDLE
        return False
    _, last = k.handles.close(handle)
    k.emit("call", t, "{thread} closes handle {handle}", handle=handle,
           why="" if last else "another handle to the object stays open: the object lives on")
    closer = getattr(obj, "close", None)
    if closer is not None and last:
        closer(k)
    return True


syscall("WSACloseEvent")(CloseHandle)


@syscall("GetCurrentProcess")
def GetCurrentProcess(k, t):
    return CURRENT_PROCESS


@syscall("DuplicateHandle")
def DuplicateHandle(k, t, source_process, source, target_process, access, inherit, options):
    """A second handle to the same object → (ok, new handle).  The object is closed with its last
    handle: closing one of two socket handles cancels nothing (oracle 2.11).  DUPLICATE_CLOSE_SOURCE
    closes the source handle."""
    obj = k.handles.get(source)
    if obj is None or source_process != CURRENT_PROCESS or target_process != CURRENT_PROCESS:
        t.last_error = ERROR_INVALID_HANDLE
        return (False, 0)
    new = k.handles.add(obj)
    k.emit("call", t, "{thread} duplicates handle {h}: handle {new} names the same object", h=source, new=new)
    if options & DUPLICATE_CLOSE_SOURCE:
        k.handles.close(source)
    return (True, new)


def _ms(ms):
    return "INFINITE" if ms == INFINITE else f"{ms} ms"
