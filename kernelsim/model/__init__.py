"""Layer 1: the discrete-event model of the Windows I/O kernel, one module per NT object.

Importing the package registers every modelled Win32 call (``kernel.SYSCALLS``).
"""

from .kernel import Kernel, ScenarioError, SYSCALLS, parse_schedule, format_schedule  # noqa: F401
from . import thread, sync, port, irp, afd  # noqa: F401  (they register their calls)
from . import invariant  # noqa: F401,E402  (race-layer invariants: registers the "invariant" helper)
