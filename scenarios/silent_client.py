"""The silent client: it reads the server's FIN and never closes, so a shutdown-only Disconnect never ends.

Content decides to drop a client (a bad packet), and an admin thread calls
Disconnect while the session's next WSARecv is pending.  The broken library does only what the notes' ShoutDown section describes:
shutdown(SD_SEND) — queued data goes out, then a FIN — and waits for the
client to close, so that the pending WSARecv completes with 0 bytes and
IOCount drains.  This client reads the FIN and then does nothing at all: it
neither closes nor sends.  Nothing in TCP ends a half-closed connection
whose handle the server still holds (keep-alives are off by default), so
the receive stays pending for ever: IOCount stays at 1, Release and OnLeave
never run, and the session's slot is never freed.  A few hundred such
clients and the server is full.

The fixed library bounds the disconnect: after shutdown it cancels the
pending receive with CancelIoEx, which completes it with 995 (B12); IOCount
drains as soon as the sends are done; Release closes with linger {1, 0} —
RST, no TIME_WAIT — and OnLeave runs.

Invariant: a disconnected session is released.
Try: ``kernelsim explore silent-client`` (it breaks on every schedule) and
``kernelsim run silent-client-fixed``.
"""

from kernelsim.win32 import *
from kernelsim.netlib import Content, frame, make_server

TITLE = "A silent client never closes: a Disconnect that only shuts down holds the session for ever"
TEACHES = "ShoutDown 단점 — 클라쪽이 FIN을 주지않는다면 대기상태 (몇십초후 OS가 끊어주긴함)"
RULES = ("D5", "B12", "D6", "D7")
SEED_CORRECTION = {
    "notes": "클라쪽이 FIN을 주지않는다면 대기상태 (몇십초후 OS가 끊어주긴함)",
    "windows": "Not while the server holds the handle.  After shutdown(SD_SEND) the connection is half-closed; "
               "TCP keep-alives are off by default and no timer ends it, so the pending WSARecv never completes: "
               "IOCount stays 1 and Release never runs.  The library must bound it itself — CancelIoEx on the "
               "receive (or a timer), then closesocket with linger {1,0}.",
    "ko": "서버가 핸들을 쥐고 있는 한 OS는 끊어 주지 않습니다. shutdown(SD_SEND) 뒤의 연결은 반쯤 닫힌 상태이고, TCP "
          "keep-alive는 기본으로 꺼져 있어 이를 끝내는 타이머가 없습니다. 그래서 걸어 둔 WSARecv가 영영 완료되지 않고 "
          "IOCount는 1에 머물러 Release가 불리지 않습니다. 라이브러리가 직접 끝을 정해야 합니다: Recv를 CancelIoEx로 "
          "취소하거나(또는 타이머) 한 뒤, linger {1,0}으로 closesocket.",
    "rule": "D5",
}
CONFIG = {"cpus": 4}
LIVE = False
LIVE_REASON = "whether the admin's kick finds the next WSARecv pending is a race on real threads; the model explores it"
VARIANT = "broken"
BUGS = ("unbounded_disconnect",)
BREAKS = ("a disconnected session is released",)    # under every schedule: the lesson
WAIT_MS = 50                # how long main waits after the kick before it stops the server


def variant(rng):
    return {"WAIT_MS": rng.choice([20, 50, 100, 500])}


QUESTIONS = [
    ("{WAIT_MS} ms after Disconnect, what is the session's IOCount?", lambda o: o.note("before-stop").io_count),
    ("Which I/O still holds the session then?", lambda o: o.note("before-stop").holding),
    ("Did the client see the server's FIN (its recv returned 0)?", lambda o: o.note("client").fin),
    ("How many times did OnLeave run?", lambda o: len(o.notes("leave"))),
]


class Kicker(Content):
    """A client that sends b"bad" is reported to the admin thread, which kicks it (Disconnect)."""

    def __init__(self):
        self.server = None
        self.reports = []
        self.report = None                             # event: a client was reported

    def OnRecv(self, session_id, payload):
        if payload == b"bad":
            self.reports.append(session_id)
            yield SetEvent(self.report)

    def OnLeave(self, session_id):
        yield note("leave", session=int(session_id))


def admin(content):
    """Another thread: the worker has posted its next WSARecv by the time the kick comes."""
    yield WaitForSingleObject(content.report, INFINITE)
    ok = yield from content.server.Disconnect(content.reports.pop(0))
    yield note("kick", ok=ok)


def silent_client(cli):
    """Sends one bad packet, reads until the FIN — and then never closes nor sends anything."""
    yield send(cli, frame(b"bad"))
    data = yield recv(cli, 64)
    yield note("client", fin=data == b"")
    yield Sleep(INFINITE)                              # silent: no closesocket, no FIN of its own


def main():
    content = Kicker()
    content.report = yield CreateEvent(None, False, False, None)
    server = content.server = make_server(VARIANT, content, workers=2, max_sessions=2, bugs=BUGS)
    yield from server.start()
    yield CreateThread(admin, content, name="admin")
    srv, cli = yield tcp_pair()
    sid = yield from server.accept(srv, "silent")
    yield CreateThread(silent_client, cli, name="client")
    yield Sleep(WAIT_MS)
    session = server.sessions[int(sid) & 0xFFFF]
    pending = session.recv_ov.Internal == STATUS_PENDING and session.recv_ov.issuer == sid.uid
    yield note("before-stop", io_count=session.io_count & 0xFFFFF if session.id == sid else 0,
               holding="the WSARecv" if pending else "nothing")
    yield from server.stop()
    yield closesocket(cli)


def check(outcome):
    assert outcome.note("kick").ok is True
    assert outcome.note("client").fin is True, "shutdown sent the FIN after the queued data (D5)"
    if outcome.notes("violation"):
        return                                         # the broken library: the session was never released
    assert outcome.note("before-stop").io_count == 0 and outcome.note("before-stop").holding == "nothing"
    assert len(outcome.notes("leave")) == 1, "Release ran and OnLeave once"
