"""The course's network library, broken: the mistakes the seed notes warn about, one override each.

``BrokenServer`` is ``fixed.Server`` with a few methods replaced.  Each
mistake is a *bug* that a scenario may switch on alone (``bugs=(...)``), so
that the explorer finds the race that scenario teaches; by default all are on.

* ``release_on_recv0``: release the session as soon as Recv = 0 arrives,
  although a send may still be outstanding ("Recv끊김통지 이후, Send성공
  완료통지가 온다 (문제)").  The late completion then touches a released
  session, or the new session that reused its slot.
* ``socket_id``: use the socket value as the SessionID.  Windows hands a
  freed handle value out again, so an old id names a new session ("소켓값은
  재사용되므로 SessionID로 사용금지"), and lookups take no hold on it.
* ``close_in_disconnect``: Disconnect calls closesocket itself; Release
  closes again, by then perhaps someone else's socket ("CloseSocket은 한번만
  호출 ... 재사용된 핸들이 끊김처리당할 수 있다").
* ``move_front_early``: MoveFront right after WSASend instead of in the
  completion; the next Enqueue may overwrite bytes the kernel still sends
  ("Send직후 바로 밀어버린다면 ... Enque될때 겹쳐질수있다").
* ``plain_send_flag``: the send flag is read, then set — two steps, not one
  InterlockedExchange; two threads sending to one session can both find it
  clear and both call WSASend with the session's one send OVERLAPPED ("flag를
  추가하여, 인터락으로 판단하여 WSASend를 1회로제한").
* ``release_after_delay``: on Recv = 0, wait ``release_delay`` ms and then
  release — the notes' method 1 ("대기시간을 가짐"): a send completion that
  comes later still touches a released session.
* ``unbounded_disconnect``: Disconnect only calls shutdown(SD_SEND) and waits
  for the client to close.  A client that reads the FIN and never closes
  keeps the receive pending forever: IOCount stays 1, Release and OnLeave
  never run, the slot is never freed ("클라쪽이 FIN을 주지않는다면 대기상태").
* ``increment_after_send``: count the WSASend in IOCount *after* the call
  returns ("이 Count는 행위를하기전에 증가시키고, 행위가 끝난다음에 차감").  A send
  that pends completes later, so on the model's clock the increment always
  comes first — unless the thread is preempted right after WSASend for as
  long as the send takes: then the completion is handled first, IOCount
  reaches 0 and the session is released under the thread's feet.  Only a
  schedule with a *delay* finds it (``kernelsim explore --max-delay``).
"""

from ..win32 import InterlockedCompareExchange, InterlockedIncrement, Sleep
from .fixed import Server
from .session import RELEASE, SessionId

BUGS = ("release_on_recv0", "socket_id", "close_in_disconnect", "move_front_early", "unbounded_disconnect",
        "plain_send_flag", "release_after_delay", "increment_after_send")


class BrokenServer(Server):
    variant = "broken"

    def __init__(self, content=None, bugs=BUGS, release_delay=10, **kwargs):
        super().__init__(content, **kwargs)
        self.release_delay = release_delay
        unknown = [b for b in bugs if b not in BUGS]
        if unknown:
            raise ValueError(f"unknown bug(s) {unknown}; known: {', '.join(BUGS)}")
        self.bugs = tuple(bugs)

    # socket_id: the id is the socket value ...
    def session_id(self, session):
        if "socket_id" in self.bugs:
            return SessionId(session.sock, session.uid)        # BUG: socket values are reused
        return super().session_id(session)

    # ... and the completion key: the worker finds the session by socket value (and skips a value it no longer has)
    def completion_key(self, session):
        if "socket_id" in self.bugs:
            return session.sock                                # BUG: a new connection may get the same value
        return super().completion_key(session)

    def session_for_key(self, key):
        if "socket_id" not in self.bugs:
            return super().session_for_key(key)
        for session in self.sessions:
            if session.sock == key and not session.io_count & RELEASE:
                return session
        return None

    # ... and SendPacket/Disconnect look the socket up and use the session without a hold.
    def acquire(self, session_id, request):
        if "socket_id" not in self.bugs:
            return (yield from super().acquire(session_id, request))
        for session in self.sessions:
            if session.sock == session_id and not session.io_count & RELEASE:
                return session                                 # BUG: no IOCount hold, any session with that value
        yield from self.refuse(request, session_id, "no live session has that socket value")
        return None

    def unhold(self, session):
        if "socket_id" not in self.bugs:
            yield from super().unhold(session)

    # release_on_recv0: Recv = 0 → release now.  release_after_delay: Recv = 0 → wait, then release.
    def on_recv_end(self, session):
        if "release_on_recv0" in self.bugs:
            yield from self.release_now(session)               # BUG: a send completion may still come
        elif "release_after_delay" in self.bugs:
            yield Sleep(self.release_delay)                    # BUG: a later send completion still comes
            yield from self.release_now(session)
        else:
            yield from super().on_recv_end(session)

    def release_now(self, session):
        session.io_count = RELEASE                             # "delete session": the slot is free
        yield from self.free_session(session, "BUG release_on_recv0: released at Recv = 0, although a send "
                                              "completion may still come (IOCount ignored)")

    def io_done(self, session):
        if {"release_on_recv0", "release_after_delay"} & set(self.bugs) and session.io_count & RELEASE:
            return                                             # already "deleted": nothing to count
        yield from super().io_done(session)

    # plain_send_flag: read the flag, then set it — another thread can run in between.
    def take_send_flag(self, session):
        if "plain_send_flag" not in self.bugs:
            return (yield from super().take_send_flag(session))
        if (yield InterlockedCompareExchange(session, "send_flag", 0, 0)) == 1:    # read it ...
            return False
        session.send_flag = 1                                  # BUG: ... then set it: not one step
        return True

    # close_in_disconnect: close the socket to disconnect (Release closes it again).
    def disconnect(self, session):
        if "close_in_disconnect" in self.bugs:
            yield from self.close(session)                     # BUG: a second closesocket follows in Release
        else:
            yield from super().disconnect(session)

    # unbounded_disconnect: shutdown, then wait for the client's close however long it takes.
    def bound_disconnect(self, session):
        if "unbounded_disconnect" not in self.bugs:
            yield from super().bound_disconnect(session)       # (else BUG: a silent client holds the receive)

    def stop_receiving(self, session):
        if "unbounded_disconnect" in self.bugs:
            return False                                       # BUG: keeps receiving, waiting for the FIN
        return super().stop_receiving(session)

    # increment_after_send: IOCount +1 after WSASend returns.
    def count_send(self, session):
        if "increment_after_send" not in self.bugs:
            yield from super().count_send(session)

    def counted_send(self, session):
        if "increment_after_send" in self.bugs:
            self.mon.use(session, "IOCount +1 after WSASend")
            yield InterlockedIncrement(session, "io_count")          # BUG: the send may be over by now

    # move_front_early: consume the SendQ bytes as soon as WSASend returns.
    def after_send_issued(self, session):
        if "move_front_early" in self.bugs:
            session.send_ring.move_front(session.sending)      # BUG: the kernel may still be reading them

    def on_sent(self, session, nbytes):
        if "move_front_early" in self.bugs:
            nbytes = 0                                         # already moved in after_send_issued
        yield from super().on_sent(session, nbytes)
