"""WSAENOBUFS in miniature: 20 sessions on an 8 MB machine, every step recorded, so the gauge turns red.

The same program as ``wsaenobufs-5000`` — one 64 KB receive pending per
session, each ring buffer starting 100 bytes into a page so that it spans
17 pages (E2) — under the same NT 4/2000 rule (all applications together may
lock about 1/8 of physical memory; E3, not what Windows 7 or 10 does), on a
machine small enough to watch: 8 MB gives 256 lockable pages.  Fifteen receives lock 255
pages; the memory gauge is red ("NEAR LIMIT") from the fourteenth on, and the
sixteenth WSARecv fails at once with WSAENOBUFS (10055): no IRP stays pending
and no packet will ever come for it (E5, B4).  The 5,000-session version keeps
no snapshots (10,000 sockets); this one keeps them all, so ``kernelsim step
wsaenobufs-small`` and ``--html`` show the gauge filling and the failure.
"""

from kernelsim.netlib.catalogue import twin
from kernelsim.win32 import SOCKET_ERROR, WSAENOBUFS
from kernelsim.answers import wsa_error

SESSIONS = 20
RING = 64 * 1024
OFFSET = 100                     # the ring starts this far into a page (wsaenobufs-5000's variant may move it)
globals().update(twin(__file__, "wsaenobufs_5000", SESSIONS=SESSIONS, RING=RING, OFFSET=OFFSET))

TITLE = "20 sessions × 64 KB pending receives on an 8 MB machine: the gauge turns red, then WSAENOBUFS"
CONFIG = {"cpus": 4, "phys_mb": 8, "memory_rule": "nt4"}   # 256 lockable pages (E3); snapshots on (the default)
LOCKABLE = 8 * 1024 * 1024 // 4096 // 8     # the locked-page limit CONFIG gives (E3): 256
QUESTIONS = [
    ("Which session's WSARecv is the first to fail, and with what error?",
     lambda o: (o.note("first-failure").session, wsa_error(o.note("first-failure").error))),
    ("Under the NT 4/2000 rule (1/8 of RAM), how many pages may be locked on this 8 MB machine?",
     lambda o: o.kernel.pool.locked_limit),
    ("Does a packet ever arrive for a receive that failed with WSAENOBUFS?", lambda o: o.note("drained").packets > 0),
]


def check(outcome):
    first = outcome.note("first-failure")
    per_session = outcome.note("per-session").pages
    assert first.rc == SOCKET_ERROR and first.error == WSAENOBUFS
    assert per_session == (RING + OFFSET + 4095) // 4096  # 17 for 64 KB 100 bytes into a page (E2)
    assert first.session == LOCKABLE // per_session + 1
    s = outcome.note("sessions")
    assert s.pending == first.session - 1 and s.failed == SESSIONS - s.pending
    assert outcome.note("drained").packets == 0
    if outcome.backend == "model":
        assert first.locked == (first.session - 1) * per_session
