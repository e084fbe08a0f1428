"""Layer 1: the discrete-event model of the Windows I/O kernel, one module per NT object.

Importing the package registers every modelled Win32 call (``services.SYSCALLS``).
"""

from .services import SYSCALLS, ScenarioError  # noqa: F401
from .kernel import Captured, Kernel, parse_schedule, format_schedule  # noqa: F401
from . import thread, sync, port, irp, winsock, locks  # noqa: F401  (they register their calls)
from . import netevents  # noqa: F401,E402  (select, WSAEventSelect: wraps recv/accept/send to re-enable)
from . import invariant  # noqa: F401,E402  (race-layer invariants: registers the "invariant" helper)
from . import observe  # noqa: F401,E402  (a library's own trace rows and panel: "narrate", "watch")
