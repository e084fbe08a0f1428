"""Options set on the listening socket: accept() copies them, AcceptEx only after SO_UPDATE_ACCEPT_CONTEXT.

The notes: "기본적인 소켓옵션들은 대부분 listen에 걸어두면 상속된다. LINGER, 버퍼사이즈
조절 모두 동일.(직접 테스트해봄)" — and for accept() that is what Windows
documents: the new socket has "the same properties as socket s" (D12).  The
server sets SO_SNDBUF 0 (zero copy), SO_RCVBUF 32 KB and linger {1, 0} on
its listening socket once, and every socket accept() returns has them.

A socket accepted with AcceptEx is different: it was created before the
connection, and stays "in the default state for a connected socket" until
the server calls setsockopt(sAccept, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT,
sListen).  A server that moves from accept() to AcceptEx and forgets that
call silently loses its zero-copy sends and its abortive close.
"""

from kernelsim.win32 import *

TITLE = "Listening-socket options: inherited by accept(), by AcceptEx only after SO_UPDATE_ACCEPT_CONTEXT"
TEACHES = "ListenSocket 옵션 상속 — 기본적인 소켓옵션들은 대부분 listen에 걸어두면 상속된다. LINGER, 버퍼사이즈 조절 모두 동일."
RULES = ("D12", "D15", "D4")
SEED_CORRECTION = {
    "notes": "기본적인 소켓옵션들은 대부분 listen에 걸어두면 상속된다. LINGER, 버퍼사이즈 조절 모두 동일.(직접 테스트해봄)",
    "windows": "True for accept().  A socket accepted with AcceptEx keeps the default options until "
               "setsockopt(sAccept, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, sListen) copies the listening "
               "socket's.",
    "ko": "accept()에서는 맞습니다. AcceptEx로 받은 소켓은 setsockopt(sAccept, SOL_SOCKET, "
          "SO_UPDATE_ACCEPT_CONTEXT, sListen)를 호출하기 전까지 기본 옵션 그대로입니다.",
    "rule": "D12",
}
CONFIG = {"cpus": 2}
NOT_LIVE_ON = {"wine": "under Wine an AcceptEx socket answers SO_SNDBUF/SO_RCVBUF from its Linux socket (16384 and "
                       "131072, measured on Wine 8 and 10) before and after SO_UPDATE_ACCEPT_CONTEXT, and has the "
                       "listener's linger already before it: the lesson (defaults until the update, D12) does not "
                       "happen there"}
ADDRESS = (LOOPBACK, 9300)
SNDBUF, RCVBUF = 0, 32 * 1024


def variant(rng):
    return {"SNDBUF": rng.choice([0, 4096]), "RCVBUF": rng.choice([16, 32, 64]) * 1024}


QUESTIONS = [
    ("accept(): (SO_SNDBUF, SO_RCVBUF, linger on?) of the accepted socket?", lambda o: o.note("accept").options),
    ("AcceptEx, right after its completion: the same three?", lambda o: o.note("acceptex").before),
    ("...and after SO_UPDATE_ACCEPT_CONTEXT?", lambda o: o.note("acceptex").after),
]


def options(s):
    sndbuf = yield getsockopt(s, SOL_SOCKET, SO_SNDBUF)
    rcvbuf = yield getsockopt(s, SOL_SOCKET, SO_RCVBUF)
    linger = yield getsockopt(s, SOL_SOCKET, SO_LINGER)
    return (sndbuf, rcvbuf, bool(linger.l_onoff))


def client():
    s = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    yield connect(s, ADDRESS)
    yield Sleep(20)
    yield closesocket(s)


def main():
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    listener = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    yield setsockopt(listener, SOL_SOCKET, SO_SNDBUF, SNDBUF)      # set once, on the listening socket
    yield setsockopt(listener, SOL_SOCKET, SO_RCVBUF, RCVBUF)
    yield setsockopt(listener, SOL_SOCKET, SO_LINGER, LINGER(1, 0))
    yield bind(listener, ADDRESS)
    yield listen(listener, SOMAXCONN)

    c1 = yield CreateThread(client, name="C1")
    accepted = yield accept(listener)
    yield note("accept", options=(yield from options(accepted)))

    yield CreateIoCompletionPort(listener, port, 1, 0)
    prepared = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    ok, _ = yield AcceptEx(listener, prepared, bytearray(2 * ACCEPTEX_ADDRESS_LENGTH), 0, ACCEPTEX_ADDRESS_LENGTH,
                           ACCEPTEX_ADDRESS_LENGTH, OVERLAPPED(op="accept"))
    c2 = yield CreateThread(client, name="C2")
    ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, INFINITE)
    before = yield from options(prepared)
    yield setsockopt(prepared, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, listener)
    yield note("acceptex", completed=ok, before=before, after=(yield from options(prepared)))
    yield WaitForMultipleObjects([c1, c2], True, INFINITE)
    for s in (accepted, prepared, listener):
        yield closesocket(s)


def check(outcome):
    assert outcome.note("accept").options == (SNDBUF, RCVBUF, True), "accept() copies them (D12)"
    ax = outcome.note("acceptex")
    assert ax.completed is True
    assert ax.before == (8192, 8192, False), "an AcceptEx socket starts with the defaults (D12)"
    assert ax.after == (SNDBUF, RCVBUF, True), "SO_UPDATE_ACCEPT_CONTEXT copies them (D12)"
