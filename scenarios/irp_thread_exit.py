"""I/O belongs to the thread that asked for it: when the thread ends, its pending requests end too.

Three threads each post one overlapped WSARecv on their own connection and
exit before any data arrives.

* ``evt`` used an event: its IRP was on evt's IRP list, so the exit cancels it
  (B13).  The event is signalled and WSAGetOverlappedResult reports
  WSA_OPERATION_ABORTED (995).
* ``cr`` used a completion routine: the IRP is cancelled the same way, and the
  routine — which could only run in ``cr``, at an alertable wait — never runs:
  the APC queue dies with the thread (C8).  The seed: "A스레드에서 IO를 요청 후,
  완료이전에 Thread가 파괴되면 I/O는 끝남".
* ``iocp`` posted its receive on a socket associated with a completion port,
  with no event: since Vista such I/O is *thread-agnostic* — it is not on the
  thread's list, survives the exit, and completes normally into the port when
  the data comes (B1, B13; ``--profile xp`` cancels it too).

Step through it and watch the IRP panel: each IRP names its issuing thread.
"""

from kernelsim.win32 import *
from kernelsim.answers import wsa_error

TITLE = "A thread's exit cancels its pending I/O — except thread-agnostic port I/O"
TEACHES = "I/O RequestPacket — 입출력에 대한 I/O RequestPacket이라는 목록이 스레드에 붙어 내부에서관리."
RULES = ("B1", "B13", "C8", "B11")
SEED_CORRECTION = [
    {"notes": "IO라는 단위는 관리자체가 thread이다 ... 입출력에 대한 I/O RequestPacket이라는 목록이 스레드에 붙어 "
              "내부에서관리.",
     "windows": "Since Vista an overlapped request on a handle associated with a completion port, with no event, "
                "is thread-agnostic: its IRP is queued to the file object, not to the issuing thread's list.",
     "ko": "Vista부터는 IOCP에 등록된 핸들에 이벤트 없이 건 Overlapped 요청이 스레드와 "
           "무관(thread-agnostic)합니다. IRP가 요청한 스레드의 목록이 아니라 파일 객체 쪽에 붙습니다.",
     "rule": "B1"},
    {"notes": "따라서 A스레드에서 IO를 요청 후, 완료이전에 Thread가 파괴되면 I/O는 끝남",
     "windows": "Only for I/O on the thread's list: with an event, a completion routine, or no port.  A "
                "port-associated request without an event survives the thread's exit and completes into the port "
                "(Vista and later; XP cancelled it too).",
     "ko": "스레드 목록에 붙은 I/O만 그렇습니다(이벤트 방식, 완료루틴, IOCP 미등록). IOCP에 등록된 소켓에 이벤트 "
           "없이 건 요청은 스레드가 죽어도 살아남아 나중에 IOCP로 완료통지가 옵니다(Vista 이후, XP에서는 같이 "
           "취소).",
     "rule": "B13"},
]
CONFIG = {"cpus": 2}
QUESTIONS = [
    ("evt exited with its WSARecv pending: what does WSAGetOverlappedResult report (ok, error)?",
     lambda o: (o.note("evt").ok, wsa_error(o.note("evt").error))),
    ("Does cr's completion routine ever run?", lambda o: bool(o.notes("routine"))),
    ("iocp exited too: what does the port deliver when {LATE_BYTES} bytes arrive (ok, nbytes, key)?",
     lambda o: (o.note("port").ok, o.note("port").nbytes, o.note("port").key)),
]
LATE_BYTES = 9
KEY = 3


def variant(rng):
    """quiz --seed N: another amount of late data and another key."""
    return {"LATE_BYTES": rng.choice([1, 9, 20, 50, 64]), "KEY": rng.randint(1, 30)}


class Posted:
    ovs = {}


def main():
    Posted.ovs = {}
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    pairs = {}
    for name in ("evt", "cr", "iocp"):
        pairs[name] = yield tcp_pair()
    yield CreateIoCompletionPort(pairs["iocp"][0], port, KEY, 0)
    event = yield WSACreateEvent()
    threads = [(yield CreateThread(post_with_event, pairs["evt"][0], event, name="evt")),
               (yield CreateThread(post_with_routine, pairs["cr"][0], name="cr")),
               (yield CreateThread(post_on_port, pairs["iocp"][0], name="iocp"))]
    yield WaitForMultipleObjects(threads, TRUE, INFINITE)
    signalled = yield WaitForSingleObject(event, 0)
    ok, nbytes, flags = yield WSAGetOverlappedResult(pairs["evt"][0], Posted.ovs["evt"], False)
    yield note("evt", ok=ok, error=(yield WSAGetLastError()), signalled=signalled == WAIT_OBJECT_0)
    for name in ("evt", "cr", "iocp"):
        yield send(pairs[name][1], b"L" * LATE_BYTES)
    ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, 1000)
    yield note("port", ok=ok, nbytes=nbytes, key=key)
    yield SleepEx(10, TRUE)
    yield note("end")


def post_with_event(s, event):
    ov = Posted.ovs["evt"] = OVERLAPPED(event, op="recv evt")
    rc, n, flags = yield WSARecv(s, [WSABUF(64)], ov)
    yield note("posted", rc=rc)


def routine(error, nbytes, ov, flags):
    yield note("routine", error=error)


def post_with_routine(s):
    ov = Posted.ovs["cr"] = OVERLAPPED(op="recv cr")
    rc, n, flags = yield WSARecv(s, [WSABUF(64)], ov, routine)
    yield note("posted", rc=rc)


def post_on_port(s):
    ov = Posted.ovs["iocp"] = OVERLAPPED(op="recv iocp")
    rc, n, flags = yield WSARecv(s, [WSABUF(64)], ov)
    yield note("posted", rc=rc)


def check(outcome):
    assert [n.rc for n in outcome.notes("posted")] == [SOCKET_ERROR] * 3
    evt = outcome.note("evt")
    assert (evt.ok, evt.error, evt.signalled) == (False, WSA_OPERATION_ABORTED, True)
    assert not outcome.notes("routine"), "the completion routine died with its thread (C8)"
    port = outcome.note("port")
    assert (port.ok, port.nbytes, port.key) == (True, min(LATE_BYTES, 64), KEY), \
        "thread-agnostic port I/O survived the exit"
