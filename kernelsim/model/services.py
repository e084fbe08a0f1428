"""The system service table: each Win32 call's name → the model's handler.

NT dispatches a system call through KiServiceTable; the model does the same
with ``SYSCALLS``.  The object modules (thread, sync, port, irp, afd,
winsock…) register their handlers here with ``@syscall(name)``, and the kernel
looks them up in ``Kernel.execute``.  This module sits below every other
model module and imports none of them, so no two modules need each other.

A handler is ``handler(kernel, thread, *args)`` and returns the call's result,
or ``BLOCKED`` after parking the thread (``thread.block``).
"""

BLOCKED = object()          # a handler's answer: the thread is now waiting
RETRY = object()            # a woken thread's result that makes it execute its call again (a lock, locks.py)
SYSCALLS = {}               # Win32 call name -> handler(kernel, thread, *args)
INSTANT = set()             # helper calls that only record (narrate, watch): no step, no scheduling point


def syscall(name, instant=False):
    """Register the decorated function as the model's implementation of a Win32 call.

    ``instant``: a kernelsim helper that only records something (a trace row, a
    panel to show); the kernel runs it inside the step of the thread's call
    before it, so instrumenting a library adds no scheduling point and leaves
    every schedule string as it was."""
    def register(handler):
        SYSCALLS[name] = handler
        if instant:
            INSTANT.add(name)
        return handler
    return register


class ScenarioError(Exception):
    """A bug in the scenario itself (an exception, a yield that is not a call): file, line, message."""

    def __init__(self, file, line, message):
        super().__init__(file, line, message)
        self.file, self.line, self.message = file, line, message

    def __str__(self):
        return f"{self.file}:{self.line}: {self.message}"
