"""The Win32 surface that scenarios are written against: ``from kernelsim.win32 import *``.

Calls are request objects (``calls.py``), constants carry Windows' numeric
values (``constants.py``) and the structures are OVERLAPPED, OVERLAPPED_ENTRY,
WSABUF, LINGER, CRITICAL_SECTION, SRWLOCK, fd_set, TIMEVAL and WSANETWORKEVENTS
(``structs.py``).  The same scenario runs on the model and, through the live
backend, on real Win32.
"""

from .constants import *  # noqa: F401,F403
from .structs import (OVERLAPPED, WSAOVERLAPPED, OVERLAPPED_ENTRY, WSABUF, LINGER, PAGE_SIZE,  # noqa: F401
                      CRITICAL_SECTION, SRWLOCK, HasOverlappedIoCompleted,
                      fd_set, FD_ZERO, FD_SET, FD_CLR, FD_ISSET, TIMEVAL, WSANETWORKEVENTS)
from .calls import *  # noqa: F401,F403
from .calls import Call, NAMES as CALL_NAMES  # noqa: F401
