"""select and the "64 sockets" limit: it belongs to the fd_set, not to select.

The notes put select and EventSelect under one limit: "Select와 마찬가지로
소켓이 64개제한".  For select that is a compile-time default, not a limit of
the call: an fd_set is a count and an array of FD_SETSIZE sockets, FD_SETSIZE
is 64 unless the program defines it before including winsock2.h, and the
FD_SET macro silently ignores a socket that no longer fits (D14).  Here a
server puts 65 connected sockets into a default fd_set: it holds 64, and
data that arrives on the 65th is never reported — select just times out.
The same loop with a set built for FD_SETSIZE 128 sees it.  The 64 of
WSAWaitForMultipleEvents (``overlapped-events-64``) *is* a limit of the call.

select itself waits until a socket in its sets is ready and rewrites the
sets in place with the ready ones; the server then has to look each one up
— the bookkeeping IOCP's completion key makes unnecessary.
"""

from kernelsim.win32 import *

TITLE = "select: FD_SETSIZE (64 by default) is the size of an fd_set, not a limit of select"
TEACHES = "EventSelect — Select와 마찬가지로 소켓이 64개제한."
RULES = ("D14",)
SEED_CORRECTION = {
    "notes": "Select와 마찬가지로 소켓이 64개제한.",
    "windows": "select has no limit of its own: FD_SETSIZE, 64 by default, is the capacity of an fd_set, and a "
               "program may define it larger before including winsock2.h (FD_SET silently drops a socket beyond "
               "it).  The 64 of WSAWaitForMultipleEvents (WSA_MAXIMUM_WAIT_EVENTS) is a real limit per call.",
    "ko": "select 자체에는 제한이 없습니다. FD_SETSIZE(기본 64)는 fd_set 배열의 크기이고, winsock2.h를 include하기 전에 "
          "더 크게 정의할 수 있습니다(넘치는 소켓은 FD_SET이 조용히 무시). 호출 자체의 진짜 제한은 "
          "WSAWaitForMultipleEvents의 64(WSA_MAXIMUM_WAIT_EVENTS)입니다.",
    "rule": "D14",
}
CONFIG = {"cpus": 2}
SOCKETS = 65
BIG = 128                   # an fd_set built with #define FD_SETSIZE 128


def variant(rng):
    return {"SOCKETS": rng.choice([65, 70, 100]), "BIG": rng.choice([128, 256])}


QUESTIONS = [
    ("After FD_SET of {SOCKETS} sockets into a default fd_set, how many does it hold (fd_count)?",
     lambda o: o.note("default").count),
    ("Data arrives only on the last socket: what does select on the default set return?",
     lambda o: o.note("default").n),
    ("And on a set built for FD_SETSIZE {BIG}?", lambda o: o.note("big").n),
]


def main():
    servers, clients = [], []
    for _ in range(SOCKETS):
        s, c = yield tcp_pair()
        servers.append(s)
        clients.append(c)
    yield send(clients[-1], b"only the last one talks")
    yield Sleep(1)
    for tag, size in (("default", FD_SETSIZE), ("big", BIG)):
        readfds = fd_set(size)
        for s in servers:
            FD_SET(s, readfds)                      # the 65th is dropped when it does not fit
        count = readfds.fd_count
        n = yield select(0, readfds, None, None, TIMEVAL(0, 10_000))
        yield note(tag, count=count, n=n, ready=list(readfds.fd_array), last=servers[-1])
    for s in servers + clients:
        yield closesocket(s)


def check(outcome):
    d, b = outcome.note("default"), outcome.note("big")
    assert (d.count, d.n, d.ready) == (64, 0, []), "the default fd_set holds 64: the talker is not in it"
    assert (b.count, b.n, b.ready) == (SOCKETS, 1, [b.last]), "a bigger fd_set: select reports it (D14)"
