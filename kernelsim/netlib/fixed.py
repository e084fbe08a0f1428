"""The course's network library, fixed: IOCount, release at zero, closesocket once, generation-checked ids.

Written against the Win32 surface only (``kernelsim.win32``), so it runs on
the model and, unchanged, on the live backend.  Every method that does I/O is
a generator: a thread runs it with ``yield from``.  Shared state is touched
with Interlocked* calls exactly where the C++ library uses them, because on
the model only a yielded call is a point where another thread can run.

The rules it follows (seed notes, from "끊김통지(Recv = 0)이후 종료처리" on):

* IOCount: +1 before every WSARecv/WSASend (and while content holds a
  session through SendPacket/Disconnect), -1 when its completion has been
  handled; the session is released only when it reaches 0 ("이 Count는
  행위를하기전에 증가시키고, 행위가 끝난다음에 차감").
* Release sets a flag in IOCount's word with one compare-exchange (0 →
  RELEASE), so a SendPacket that grabbed the session at the same moment sees
  the flag and backs off instead of using a released session.
* closesocket only in Release, once ("CloseSocket은 한번만 호출").  Disconnect
  starts the disconnect with shutdown(SD_SEND) — queued data goes out, then a
  FIN — and keeps the handle, so its value cannot be given to a new socket
  while a completion for it may still arrive ("평소에는 shoutdown 으로
  끊기준비를 하고, Release할때 Closesocket").  Then it *bounds* it: a client
  that reads the FIN and never closes would keep the receive pending forever
  (IOCount stuck at 1, no OnLeave, the slot never freed), so Disconnect
  cancels the pending receive with CancelIoEx — it completes with 995 and
  IOCount drains once the sends are done (B12).  A WSARecv issued at the same
  moment checks the disconnect flag after it is issued and cancels itself.
  Release of a disconnected session closes with linger {1, 0}: RST, no
  TIME_WAIT ("LINGER옵션을 설정하여 RST를 쏘는것으로 간다").
* One WSARecv outstanding; at most one WSASend, guarded by a send flag set
  with InterlockedExchange ("Send 1회로 제한"); SendQ MoveFront only in the
  send completion.
* SessionID = slot index + generation << 16; a stale or unknown id makes
  SendPacket/Disconnect return False ("Session Find fail ... return false").
* OnLeave once, when IOCount reaches 0.

``broken.py`` overrides a handful of methods to show what goes wrong without
these rules.
"""

from ..win32 import (LINGER, SD_SEND, SO_LINGER, SOL_SOCKET, CancelIoEx, CreateIoCompletionPort, CreateThread,
                     GetQueuedCompletionStatus, INFINITE, INVALID_HANDLE_VALUE, InterlockedCompareExchange,
                     InterlockedDecrement, InterlockedExchange, InterlockedIncrement, PostQueuedCompletionStatus,
                     SOCKET_ERROR, WSABUF, WSAGetLastError, WSARecv, WSASend, WSA_IO_PENDING,
                     WaitForMultipleObjects, closesocket, invariant, narrate, setsockopt, shutdown, watch)
from ..footprint import Shared, touch
from .monitor import Monitor
from .session import RELEASE, Session, SessionId

HEADER = 2                      # a packet is a 2-byte little-endian payload length, then the payload


def frame(payload):
    return len(payload).to_bytes(HEADER, "little") + bytes(payload)


class Content(Shared):
    """The content layer's interface (generators: they may call SendPacket/Disconnect).

    Content is ``Shared``: the explorer sees the state a content object keeps between threads.
    """

    def OnAccept(self, session_id):
        return
        yield

    def OnRecv(self, session_id, payload):
        return
        yield

    def OnLeave(self, session_id):
        return
        yield


class Server(Shared):
    """The library: sessions, the free list (a stack of slot indices), the port and the workers.

    ``Shared``: the explorer sees every access to the free list and the rest (footprint.py).
    """

    variant = "fixed"

    def __init__(self, content=None, workers=2, max_sessions=4, recv_size=64, ring_size=64, monitor=None):
        self.content = content or Content()
        self.workers = workers
        self.recv_size = recv_size
        self.sessions = tuple(Session(i, ring_size) for i in range(max_sessions))   # fixed: never changes
        self.free = list(range(max_sessions - 1, -1, -1))      # a stack of free slot indices
        self.port = None
        self.threads = []
        self.mon = monitor or Monitor()
        self.mon.sessions = self.sessions

    # --- starting and stopping ------------------------------------------------------

    def start(self):
        """Create the completion port and the worker threads; install the invariants."""
        yield invariant("netlib", self.mon.check)
        yield watch("sessions", self.session_rows)
        self.port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, self.workers)
        for i in range(self.workers):
            self.threads.append((yield CreateThread(self.worker, name=f"W{i + 1}")))

    def session_rows(self):
        """The session panel: every slot's id, IOCount, flags, ring use and pending I/O."""
        return [session.row() for session in self.sessions]

    def stop(self):
        """Post one empty packet per worker (each ends its loop) and wait for them."""
        for _ in self.threads:
            yield PostQueuedCompletionStatus(self.port, 0, 0, None)
        yield WaitForMultipleObjects(self.threads, True, INFINITE)
        touch(self.mon, "finished")
        self.mon.finished = True

    # --- accepting a connection ------------------------------------------------------

    def accept(self, sock, conn=None):
        """What the accept thread does with a new socket → its SessionID (None when the server is full)."""
        if not self.free:
            yield closesocket(sock)
            return None
        session = self.sessions[self.free.pop()]
        yield InterlockedIncrement(session, "io_count")    # hold the slot while it is set up
        session.generation += 1
        session.sock = sock
        session.reset()
        session.uid = self.mon.born(session, conn)
        session.id = self.session_id(session)
        yield from self.clear_release_flag(session)
        yield CreateIoCompletionPort(sock, self.port, self.completion_key(session), 0)
        yield from self.content.OnAccept(session.id)
        yield from self.recv_post(session)
        yield from self.io_done(session)                   # the setup's hold
        return session.id

    def session_id(self, session):
        return SessionId((session.generation << 16) | session.index, session.uid)

    def completion_key(self, session):
        return session.index                               # the slot: reused only after release

    def session_for_key(self, key):
        return self.sessions[key]

    def clear_release_flag(self, session):
        while True:
            old = session.io_count
            if (yield InterlockedCompareExchange(session, "io_count", old - RELEASE, old)) == old:
                return

    # --- the worker thread -------------------------------------------------------------

    def worker(self):
        while True:
            ok, nbytes, key, ov = yield GetQueuedCompletionStatus(self.port, INFINITE)
            if ov is None:
                return                                     # PQCS(0, 0, NULL): stop (or the port closed)
            session = self.session_for_key(key)
            if session is None:
                continue
            if ov.op == "recv":
                self.mon.completion(session, ov, "recv")
                if ok and nbytes:
                    yield from self.on_recv(session, nbytes)
                else:
                    self.mon.recv_ended(session)
                    yield from self.on_recv_end(session)
            else:
                self.mon.completion(session, ov, "send")
                yield from self.on_sent(session, nbytes if ok else 0)
            self.mon.handled(session, ov)
            yield from self.io_done(session)

    def on_recv(self, session, nbytes):
        ring = session.recv_ring
        if not ring.enqueue(session.recv_buf.buf[:nbytes]):
            return                                         # RecvQ full: stop receiving (a protocol error)
        while ring.used >= HEADER:
            length = int.from_bytes(ring.peek(HEADER), "little")
            if ring.used < HEADER + length:
                break
            payload = ring.peek(HEADER + length)[HEADER:]
            ring.move_front(HEADER + length)
            yield from self.content.OnRecv(session.id, payload)
        yield from self.recv_post(session)

    def on_recv_end(self, session):
        """Recv = 0 (the peer closed) or a failed receive: post no new WSARecv; IOCount drains."""
        return
        yield

    def on_sent(self, session, nbytes):
        self.mon.use(session, "the send completion")
        ring = session.send_ring
        ring.move_front(nbytes)              # MoveFront only now: the kernel is done with these bytes
        ring.in_flight = None
        yield InterlockedExchange(session, "send_flag", 0)
        yield from self.send_post(session)

    def io_done(self, session):
        """One I/O (or one hold) is over: IOCount -1, and Release at zero."""
        if (yield InterlockedDecrement(session, "io_count")) == 0:
            yield from self.release(session)

    # --- issuing I/O -------------------------------------------------------------------

    def recv_post(self, session):
        if self.stop_receiving(session):
            return                                         # Disconnect ran: receive nothing more
        yield InterlockedIncrement(session, "io_count")
        session.recv_buf = WSABUF(self.recv_size)
        self.mon.issued(session, session.recv_ov)
        rc, _, _ = yield WSARecv(session.sock, [session.recv_buf], session.recv_ov)
        yield from self.after_issue(session, rc, session.recv_ov)
        if rc == SOCKET_ERROR and self.stop_receiving(session):   # Disconnect's cancel may have come first
            yield CancelIoEx(session.sock, session.recv_ov)

    def stop_receiving(self, session):
        """Disconnect bounds the connection: no receive after it (fixed)."""
        return session.disconnecting

    def send_post(self, session):
        while session.send_ring.used:
            if not (yield from self.take_send_flag(session)):
                return                                     # a WSASend is outstanding; its completion sends the rest
            ring = session.send_ring
            if not ring.used:                              # it drained between the check and the flag
                yield InterlockedExchange(session, "send_flag", 0)
                continue
            self.mon.use(session, "SendPost")
            data = ring.peek()
            session.sending = len(data)
            ring.in_flight = (ring.front, len(data))
            yield from self.count_send(session)
            self.mon.issued(session, session.send_ov)
            rc, _ = yield WSASend(session.sock, [WSABUF(data)], session.send_ov)
            yield from self.counted_send(session)
            self.after_send_issued(session)
            yield from self.after_issue(session, rc, session.send_ov)
            return

    def take_send_flag(self, session):
        """The send flag, test-and-set in one interlocked step → True when this caller may send ("Send 1회로 제한")."""
        return (yield InterlockedExchange(session, "send_flag", 1)) == 0

    def count_send(self, session):
        """IOCount +1 *before* the WSASend: its completion may come, and be handled, before WSASend returns."""
        yield InterlockedIncrement(session, "io_count")

    def counted_send(self, session):
        """Fixed: nothing more after WSASend returns."""
        return
        yield

    def after_send_issued(self, session):
        """Fixed: nothing — the SendQ front moves in the completion (on_sent)."""

    def after_issue(self, session, rc, ov):
        if rc == SOCKET_ERROR and (yield WSAGetLastError()) != WSA_IO_PENDING:
            self.mon.failed_at_once(session, ov)
            if ov.op == "send":                            # no completion will come: undo what it would undo
                session.send_ring.in_flight = None
                yield InterlockedExchange(session, "send_flag", 0)
            yield from self.io_done(session)

    # --- release ---------------------------------------------------------------------------

    def release(self, session):
        if (yield InterlockedCompareExchange(session, "io_count", RELEASE, 0)) != 0:
            return                                         # someone holds it again (SendPacket): they release
        yield from self.free_session(session, "IOCount reached 0 and one compare-exchange set the release flag "
                                              "(0 → RELEASE): no I/O and no SendPacket holds it")

    def free_session(self, session, why):
        """Close the socket, free the slot, tell content (OnLeave): the session is gone."""
        self.mon.released(session)
        session_id = session.id
        yield narrate("release", "{thread} releases session {sid} (slot {slot}, socket {sock})", why=why,
                      sid=repr(session_id), slot=session.index, sock=session.sock)
        yield from self.close(session)
        self.free.append(session.index)                    # the slot may be reused from here on
        yield narrate("leave", "{thread} calls OnLeave({sid})", sid=repr(session_id),
                      why="content hears of the disconnect once, after the release (끊김통지)")
        yield from self.content.OnLeave(session_id)
        self.mon.left(session_id)

    def close(self, session):
        self.mon.closing(session, session.sock)
        if session.disconnecting:                          # we end it: RST, no TIME_WAIT (D6)
            yield setsockopt(session.sock, SOL_SOCKET, SO_LINGER, LINGER(1, 0))
        yield closesocket(session.sock)

    # --- requests from content (any thread) ----------------------------------------------

    def acquire(self, session_id, request):
        """Find the session for an id and hold it (IOCount +1) → the session, or None if stale/unknown."""
        index = int(session_id) & 0xFFFF
        if not 0 <= index < len(self.sessions):
            yield from self.refuse(request, session_id, "no such slot")
            return None
        session = self.sessions[index]
        count = yield InterlockedIncrement(session, "io_count")
        if count & RELEASE or session.id != session_id:    # released, or the slot holds a newer session
            yield from self.io_done(session)
            if session.id != session_id:
                yield from self.refuse(request, session_id, f"a stale id: slot {index} now holds {session.id!r}")
            else:
                yield from self.refuse(request, session_id, "the session is released (its release flag is set)")
            return None
        return session

    def refuse(self, request, session_id, reason):
        yield narrate("refuse", "{thread}: {request}({sid}) refused: {reason}", request=request,
                      sid=repr(session_id), reason=reason,
                      why="Session Find fail → return false: the library never touches a released or reused "
                          "session")

    def unhold(self, session):
        yield from self.io_done(session)

    def SendPacket(self, session_id, payload):
        """Queue one packet for a session → True, or False for a stale or unknown id (or a full SendQ)."""
        session = yield from self.acquire(session_id, "SendPacket")
        if session is None:
            return False
        self.mon.use(session, "SendPacket")
        data = frame(payload)
        ok = session.send_ring.enqueue(data)
        if ok:
            self.mon.send_packet(session_id, session, data)
            yield from self.send_post(session)
        else:
            ring = session.send_ring
            yield from self.refuse("SendPacket", session_id, f"SendQ is full ({ring.used}/{ring.size} bytes "
                                                             f"used, {len(data)} to add)")
        yield from self.unhold(session)
        return ok

    def Disconnect(self, session_id):
        """Ask to close a session → True, or False for a stale or unknown id.  Release comes later, at IOCount 0."""
        session = yield from self.acquire(session_id, "Disconnect")
        if session is None:
            return False
        self.mon.use(session, "Disconnect")
        yield from self.disconnect(session)
        yield from self.unhold(session)
        return True

    def disconnect(self, session):
        if (yield InterlockedExchange(session, "disconnecting", 1)):
            return                                         # already disconnecting
        self.mon.disconnect_requested(session)
        yield shutdown(session.sock, SD_SEND)              # FIN after the queued data; the handle stays ours
        yield from self.bound_disconnect(session)

    def bound_disconnect(self, session):
        """A peer that never closes must not hold the session: cancel the pending receive (B12)."""
        yield CancelIoEx(session.sock, session.recv_ov)     # FALSE/ERROR_NOT_FOUND if none is pending
