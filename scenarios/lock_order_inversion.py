"""The list lock and the session lock taken in opposite orders: a deadlock the explorer finds.

The course notes try a "double lock" to send to a session found by id:
list lock (search) → session lock → list unlock → use the session ("시도해볼
이중락 형태: list_Lock(검색) - SessionLock - list_Lock해제 - Session사용").  The
logic thread does that for every session, broadcasting a notice.  At the same
moment a worker releases a session whose client left: Release locks the
session first, then the list lock, to take the session out of the list.

On the default schedule the worker's Release runs from start to end before
the logic thread gets going, and nothing goes wrong: the broadcast skips the
released session.  But if the worker is interrupted right after locking the
session, the logic thread takes the list lock and waits for the session; the
worker then waits for the list lock.  Each holds what the other wants: a
deadlock, ``worker → critical section 'list' → logic → critical section
'session N' → worker`` (L11).  No timeout ends it on Windows (L3).

Try: ``kernelsim explore lock-order-inversion`` — it finds the schedule,
names the cycle, and prints the replay string for ``run`` and ``step``.  The
notes say it themselves: "이중락은 데드락의 위험을 가지고있기 때문이다".  The
fix is one lock order everywhere (``lock-order-inversion-fixed``).
"""

from kernelsim.win32 import *

TITLE = "List lock → session lock in SendPacket, session lock → list lock in Release: a lock-order deadlock"
TEACHES = ("시도해볼 이중락 형태 — list_Lock(검색) - SessionLock - list_Lock해제 - Session사용. "
           "이중락은 데드락의 위험을 가지고있기 때문이다.")
RULES = ("L9", "L11", "L3", "L2")
CONFIG = {"cpus": 2}
LIVE = False
LIVE_REASON = ("a race: whether the worker's Release ends before the broadcast reaches the leaving session (and, "
               "broken, whether the two lock orders meet in a deadlock) is the real scheduler's choice; the model "
               "explores it")
VARIANT = "broken"                # "fixed": Release takes the list lock first, like SendPacket
BREAKS = ("no deadlock",)         # some schedules deadlock: the lesson (kernelsim explore finds one)
SESSIONS = 3                      # the logic thread broadcasts to sessions 1..SESSIONS
LEAVING = 3                       # the session the worker releases


def variant(rng):
    """quiz --seed N: another number of sessions; one of the last two leaves."""
    sessions = rng.randint(3, 6)
    return {"SESSIONS": sessions, "LEAVING": rng.randint(sessions - 1, sessions)}


def _first_two_locks(o, thread):
    return [e.fields["lock"] for e in o.trace if e.thread == thread and e.kind == "lock"
            and " enters " in e.text][:2]


QUESTIONS = [
    ("SendPacket (the logic thread) takes two locks: in which order?", lambda o: _first_two_locks(o, "logic")),
    ("Release (the worker) takes the same two locks: in which order?", lambda o: _first_two_locks(o, "worker")),
    ("On this schedule, which sessions does the broadcast reach (SendPacket returns TRUE)?",
     lambda o: [n.session for n in o.notes("broadcast") if n.ok]),
    ("Did this schedule deadlock? (Then try: kernelsim explore lock-order-inversion)",
     lambda o: o.end_reason == "deadlock"),
]


class Session:
    def __init__(self, sid):
        self.id = sid
        self.lock = CRITICAL_SECTION(f"session {sid}")
        self.released = False


class Server:
    def __init__(self):
        self.list_lock = CRITICAL_SECTION("list")
        self.sessions = {}


def find_and_lock(server, sid):
    """이중락: list lock (search) → session lock → list unlock."""
    yield EnterCriticalSection(server.list_lock)
    s = server.sessions.get(sid)
    if s is not None:
        yield EnterCriticalSection(s.lock)
    yield LeaveCriticalSection(server.list_lock)
    return s


def SendPacket(server, sid, data):
    s = yield from find_and_lock(server, sid)
    if s is None:
        return False
    yield note("send", session=sid, released=s.released)
    yield LeaveCriticalSection(s.lock)
    return True


def Release(server, s):
    if VARIANT == "fixed":
        yield EnterCriticalSection(server.list_lock)    # one order everywhere: list, then session
        yield EnterCriticalSection(s.lock)
    else:
        yield EnterCriticalSection(s.lock)              # session first ...
        yield EnterCriticalSection(server.list_lock)    # ... then the list: the opposite order
    s.released = True
    del server.sessions[s.id]
    yield LeaveCriticalSection(server.list_lock)
    yield LeaveCriticalSection(s.lock)
    yield note("released", session=s.id)


def logic(server):
    for sid in range(1, SESSIONS + 1):                  # a notice to everyone
        ok = yield from SendPacket(server, sid, b"notice")
        yield note("broadcast", session=sid, ok=ok)


def worker(server):
    yield from Release(server, server.sessions[LEAVING])     # its client left; IOCount reached 0


def main():
    server = Server()
    yield InitializeCriticalSection(server.list_lock)
    for sid in range(1, SESSIONS + 1):
        server.sessions[sid] = Session(sid)
        yield InitializeCriticalSection(server.sessions[sid].lock)
    w = yield CreateThread(worker, server, name="worker")
    g = yield CreateThread(logic, server, name="logic")
    yield WaitForMultipleObjects([w, g], True, INFINITE)


def check(outcome):
    assert len(outcome.notes("released")) == 1
    assert not any(n.released for n in outcome.notes("send"))          # the locks did protect the session
    reached = {n.session for n in outcome.notes("broadcast") if n.ok}
    assert reached >= set(range(1, SESSIONS + 1)) - {LEAVING}
