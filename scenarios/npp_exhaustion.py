"""WSAENOBUFS with modern limits: non-paged pool runs out, and no page is locked at all.

Windows 7 and Server 2008 R2 let non-paged pool grow to 75 % of RAM, at most
128 GB; Windows 8.1 and later to all of RAM (E8, MS "Memory Limits for
Windows and Windows Server Releases").  Locked pages have no fixed share any
more (the 1/8 of ``wsaenobufs-5000`` is the NT 4/2000 rule).  So on a modern
machine WSAENOBUFS means what the notes' "Non-PagedPool이 부족할때" says:
the kernel could not allocate from non-paged pool.

Here a small machine (64 MB of RAM, the Windows 7 rule: 48 MB of pool)
accepts clients that each send RCVBUF bytes which the server never reads —
content stalled, or a receive never posted.  AFD keeps that data for the
application in non-paged pool, up to the socket's SO_RCVBUF (E4; Microsoft
KB293841: "Afd may endlessly buffer the data and use up all non-paged
memory").  Every session holds its two endpoints (2 × 3 KB, E4) plus its
unread data; no receive is pending, so nothing is locked.  When the pool is
full the next connection fails at once with WSAENOBUFS — and PoolMon's view,
the tags, says who holds the memory: AFD's receive buffers.  The machine
is small so that the run stays short; at 16 GB the same arithmetic needs
about 240 times as many sessions.
"""

from kernelsim.win32 import *
from kernelsim.answers import wsa_error

TITLE = "Non-paged pool exhaustion under the Windows 7 limit: unread data, WSAENOBUFS, nothing locked"
TEACHES = "Non-PagedPool이 부족할때 나타나는 증상은? — 1. 운이 좋을 경우 윈속함수가 WSANOBUFS에러 발생"
RULES = ("E8", "E4", "E5", "E1")
CONFIG = {"cpus": 2, "phys_mb": 64, "memory_rule": "win7", "snapshots": False}
SEED_CORRECTION = [
    {"notes": "64비트 운영체제에서 최대 128GB의 논페이지드 메모리사용가능. (보통 물리메모리의 1/4가 한계)",
     "windows": "64-bit non-paged pool: Vista 40 % of RAM, Windows 7 / Server 2008 R2 75 % of RAM, each at most "
                "128 GB; Windows 8.1 / Server 2012 R2 and later all of RAM, at most 16 TB.  Not 1/4.",
     "ko": "64비트 논페이지드 풀 한계: Vista는 RAM의 40%, Windows 7 / Server 2008 R2는 RAM의 75%(둘 다 최대 "
           "128GB), Windows 8.1 / Server 2012 R2 이후는 RAM 전체(최대 16TB)입니다. 1/4이 아닙니다.",
     "rule": "E8"},
    {"notes": "Overlapped I/O연산시 IRP(I/O request packet)를 발생시키며, 약 500byte Non-Paged Memory할당",
     "windows": "On x64 an IRP with 2–8 stack locations comes from a 784-byte lookaside entry (208 + 72·8 bytes); "
                "500 bytes is the 32-bit NT-era figure.",
     "ko": "x64에서 IRP(스택 위치 2~8개)는 784바이트짜리 lookaside 항목에서 할당됩니다(208 + 72×8). 500바이트는 "
           "32비트 NT 시절의 수치입니다.",
     "rule": "E1"},
    {"notes": "OVERLAPPED I/O에서는 모든소켓을 대상으로 Recv 대기상태여야 함.",
     "windows": "Nothing is lost while no receive is posted: AFD keeps what arrives, up to SO_RCVBUF, and TCP's "
                "window holds the rest back at the sender — this server never posts one.  A posted receive is how "
                "data gets read, not how it is kept; the cost of not reading is non-paged pool.",
     "ko": "Recv를 걸어 두지 않아도 데이터는 사라지지 않습니다: AFD가 SO_RCVBUF만큼 보관하고, 나머지는 TCP "
           "윈도우가 보내는 쪽에서 막아 둡니다(이 서버는 Recv를 한 번도 걸지 않음). Recv는 데이터를 읽어 오는 "
           "수단이지 보관하는 수단이 아니며, 읽지 않는 대가는 논페이지드 풀입니다.",
     "rule": "E4"},
]
LIVE = False
LIVE_REASON = "Wine has no non-paged pool limit (WINE.md): thousands of connections would never fail there"
SESSIONS = 5000
RCVBUF = 64 * 1024          # what the server lets AFD buffer for it (SO_RCVBUF), filled by each client


def variant(rng):
    return {"RCVBUF": rng.choice([16, 32, 64, 128]) * 1024}


def top_tag(o):
    """The pool tag with the most bytes when the run ended, as PoolMon sorts them (model only)."""
    return max(o.kernel.pool.by_tag.items(), key=lambda item: item[1])[0]


PAIR = 2 * (2048 + 1024)        # two connected endpoints (E4)


QUESTIONS = [
    ("Under the Windows 7 rule, how much non-paged pool does this 64 MB machine have (bytes)?",
     lambda o: o.kernel.pool.npp_limit),
    ("Which session is the first whose connection fails, and with what error?",
     lambda o: (o.note("first-failure").session, wsa_error(o.note("first-failure").error))),
    ("How many pages are locked at that moment?", lambda o: o.note("first-failure").locked),
    ("Which pool tag holds most of the non-paged pool then (PoolMon's view)?", lambda o: top_tag(o)),
]


def main():
    data = b"x" * RCVBUF
    for session in range(1, SESSIONS + 1):
        server, client = yield tcp_pair()
        if server == INVALID_SOCKET:
            error = yield WSAGetLastError()
            npp, locked = yield memory()
            yield note("first-failure", session=session, error=error, npp=npp, locked=locked)
            return
        yield setsockopt(server, SOL_SOCKET, SO_RCVBUF, RCVBUF)
        yield send(client, data)                 # the server never reads: AFD keeps it in non-paged pool
    yield note("no-failure", sessions=SESSIONS)


def check(outcome):
    first = outcome.note("first-failure")
    assert first.error == WSAENOBUFS
    assert first.locked == 0, "no receive is pending: nothing is locked, it is the pool that is full (E8)"
    if outcome.backend == "model":
        limit = outcome.kernel.pool.npp_limit
        # session n connects while (n - 1) full sessions and one more pair fit in the pool
        assert first.session == (limit - PAIR) // (PAIR + RCVBUF) + 2
        assert top_tag(outcome) == "afd-recv"
