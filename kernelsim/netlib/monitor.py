"""The race layer's invariants: ground truth about sessions, checked after every model step (DESIGN §7).

The library reports what it does (a session born, an I/O issued, a completion
applied, a closesocket, a release, an OnLeave, bytes queued by content) and
the scenario's clients report the bytes they receive.  ``check`` runs after
every step of the model (installed with ``invariant``) and returns the first
broken rule as (invariant, detail):

* no access to a released session;
* no completion applied to a session other than the one that issued it;
* IOCount never negative;
* every session released exactly once (and, at stop, every closed one released);
* OnLeave called once per session;
* no closesocket on a handle the session does not own;
* no Enqueue over send-ring bytes still lent to WSASend;
* bytes sent by content arrive once and in order, at the connection content meant;
* a session asked to Disconnect is released by the time the server stops;
* one WSASend at a time per session (its one send OVERLAPPED is never reused while in the kernel).

Two more are about *progress*, not safety: they can only fail once the server
has stopped (``finished``, set by ``Server.stop``), when nothing more will
happen:

* every session is eventually released: one whose peer went away (Recv = 0 or
  a failed receive) or that the library closed must have been released;
* every queued send is eventually sent: a session still alive at stop has an
  empty SendQ and no send flag left set (seed: "Send 1회로 제한" — a flag that
  stays 1 after its send completed stalls the session's sends for good).

The monitor is instrumentation: it never changes what the library does.
"""

from ..footprint import Named, R, conjunct, touch
from .session import RELEASE


class Truth:
    __slots__ = ("uid", "conn", "slot", "sock", "releases", "leaves", "closed", "peer_gone", "kicked",
                 "in_kernel", "unfinished", "at_recv0")

    def __init__(self, uid, conn, slot, sock):
        self.uid, self.conn, self.slot, self.sock = uid, conn, slot, sock
        self.releases = 0
        self.leaves = 0
        self.closed = False
        self.peer_gone = False
        self.kicked = False
        self.in_kernel = []         # ops of this session's requests issued and not yet completed
        self.unfinished = []        # ops issued whose completion has not been handled to the end (still counted)
        self.at_recv0 = None        # (IOCount, what still holds the session) when Recv = 0 was handled


class Monitor(Named):
    """Ground truth.  Each report touches only the entries it reads or writes (per session, per
    socket value, per kind of I/O), so the explorer keeps reports about different sessions, and about a
    session's receive and its send, independent.  ``check`` is a conjunction over slots and connections
    (footprint.conjunct): a step that changes one session is visible only to that session's invariants."""

    def __init__(self):
        self.truth = {}            # uid -> Truth
        self.next_uid = 1
        self.owner = {}            # socket handle value -> uid that owns it now
        self.sessions = []         # the library's Session array (for IOCount and ring checks)
        self.expected = {}         # uid -> bytes content meant for that connection, framed
        self.got = {}              # uid -> bytes its client received
        self.violation = None
        self.finished = False
        self.disabled = ()         # invariant names a test may switch off

    # --- reports from the library ------------------------------------------------

    def fail(self, invariant, detail):
        touch(self, "violation")
        if self.violation is None and invariant not in self.disabled:
            self.violation = (invariant, detail)

    def born(self, session, conn=None):
        touch(self, "next_uid")
        touch(self, ("owner", session.sock))
        touch(self, "got")                             # a new connection for check to look at
        uid = self.next_uid
        for part in ("truth", "got", "expected"):
            touch(self, (part, uid))
        self.next_uid += 1
        self.truth[uid] = Truth(uid, conn or f"conn{uid}", session.index, session.sock)
        self.owner[session.sock] = uid
        self.expected[uid] = bytearray()
        self.got[uid] = bytearray()
        return uid

    def name(self, uid):
        t = self.truth.get(uid)
        return f"session #{uid} ({t.conn})" if t else f"session #{uid}"

    def use(self, session, what):
        """The library is about to touch session's data (rings, socket) for ``what``."""
        touch(self, ("truth", session.uid), R)
        t = self.truth.get(session.uid)
        if t is not None and t.releases:
            self.fail("no access to a released session",
                      f"{what} touched {self.name(session.uid)} after it was released")

    def issued(self, session, ov):
        touch(self, ("ghost", session.uid, ov.op))    # in_kernel/unfinished of this kind of I/O
        ov.issuer = session.uid
        t = self.truth.get(session.uid)
        if t is not None:
            if ov.op == "send" and "send" in t.in_kernel:
                self.fail("one WSASend at a time per session",
                          f"a second WSASend on {self.name(session.uid)} while the first is still in the kernel, "
                          "with the same OVERLAPPED (the send flag was read, then set: both threads found it clear)")
            _add(t.in_kernel, ov.op)
            _add(t.unfinished, ov.op)

    def completion(self, session, ov, what):
        """A completion for ov is applied to session."""
        issuer = getattr(ov, "issuer", None)
        touch(self, ("ghost", issuer, ov.op))
        t = self.truth.get(issuer)
        if t is not None and ov.op in t.in_kernel:
            t.in_kernel.remove(ov.op)
        if issuer is not None and issuer != session.uid:
            self.fail("completion applied to the session that issued it",
                      f"the {what} completion issued by {self.name(issuer)} was applied to "
                      f"{self.name(session.uid)} (slot {session.index} was reused)")
        else:
            self.use(session, f"the {what} completion")

    def closing(self, session, sock):
        """closesocket(sock) on behalf of session.  A second close of a handle nobody holds only fails
        with WSAENOTSOCK; the harm, and the violation, is closing a value a new connection now owns."""
        touch(self, ("owner", sock))
        touch(self, ("truth", session.uid))
        owner = self.owner.get(sock)
        if owner is not None and owner != session.uid:
            self.fail("closesocket only on a handle the session owns",
                      f"{self.name(session.uid)} calls closesocket({sock}), but that handle value now "
                      f"belongs to {self.name(owner)}")
        elif owner is not None:
            del self.owner[sock]
            self.truth[session.uid].closed = True

    def recv_ended(self, session):
        """Recv = 0 or a failed receive: this session must be released by the time the server stops."""
        touch(self, ("truth", session.uid))
        for op in ("recv", "send"):                    # what still holds the session (for the quiz)
            touch(self, ("ghost", session.uid, op), R)
        touch(self, ("ghost", session.uid, "at_recv0"))
        t = self.truth.get(session.uid)
        if t is not None:
            t.peer_gone = True
            if t.at_recv0 is None:
                held = list(t.unfinished)
                held.remove("recv")                            # the receive being handled now
                names = {"send": "WSASend", "recv": "WSARecv"}
                holding = sorted(names[op] + (" (still in the kernel)" if op in t.in_kernel else
                                              " (its completion not yet handled)") for op in held)
                t.at_recv0 = (session.io_count & ~RELEASE, holding)

    def failed_at_once(self, session, ov):
        """The request failed synchronously: no completion will come for it (B4)."""
        touch(self, ("ghost", getattr(ov, "issuer", None), ov.op))
        t = self.truth.get(getattr(ov, "issuer", None))
        if t is not None:
            for ops in (t.in_kernel, t.unfinished):
                if ov.op in ops:
                    ops.remove(ov.op)

    def handled(self, session, ov):
        """The worker finished handling the completion of ov (its IOCount is released next)."""
        touch(self, ("ghost", getattr(ov, "issuer", None), ov.op))
        t = self.truth.get(getattr(ov, "issuer", None))
        if t is not None and ov.op in t.unfinished:
            t.unfinished.remove(ov.op)

    def recv0_state(self, uid):
        """For a quiz: IOCount when this session's Recv = 0 was handled (the receive itself still counted),
        and the I/O still in the kernel then — what holds the session."""
        t = self.truth.get(uid)
        if t is None or t.at_recv0 is None:
            return {"io_count": None, "in_kernel": None}
        io_count, holding = t.at_recv0
        return {"io_count": io_count, "in_kernel": holding}

    def disconnect_requested(self, session):
        """Disconnect(session) started: the session must be released by the time the server stops."""
        touch(self, ("truth", session.uid))
        t = self.truth.get(session.uid)
        if t is not None:
            t.kicked = True

    def released(self, session):
        touch(self, ("truth", session.uid))
        t = self.truth[session.uid]
        t.releases += 1
        if t.releases > 1:
            self.fail("every session released exactly once", f"{self.name(t.uid)} was released {t.releases} times")

    def left(self, session_id):
        touch(self, ("truth", session_id.uid))
        t = self.truth.get(session_id.uid)
        if t is None:
            return
        t.leaves += 1
        if t.leaves > 1:
            self.fail("OnLeave called once", f"OnLeave ran {t.leaves} times for {self.name(t.uid)}")

    def send_packet(self, session_id, session, frame):
        """SendPacket(session_id) queued frame on session."""
        touch(self, ("expected", session_id.uid))
        if session.uid != session_id.uid:
            self.fail("bytes arrive once and in order, at the connection content meant",
                      f"SendPacket for {self.name(session_id.uid)} queued {len(frame)} bytes on "
                      f"{self.name(session.uid)}: its id {session_id!r} was reused")
            return
        self.expected[session.uid] += frame

    def received(self, uid, data):
        """A scenario client received data on the connection of session uid."""
        touch(self, ("got", uid))
        self.got[uid] += data

    # --- the check run after every step ----------------------------------------------

    def check(self):
        """The first broken invariant, or None.  Each session slot and each connection is a conjunct of its
        own; the violation flag, ``finished`` and the set of connections gate them all."""
        touch(self, "violation", R)
        if self.violation is not None:
            return self.violation
        touch(self, "finished", R)
        touch(self, "got", R)
        for s in self.sessions:
            conjunct(("iocount", s.index))
            count = s.io_count & ~RELEASE if s.io_count >= 0 else s.io_count
            if count < 0 or s.io_count < 0:
                return ("IOCount never negative", f"IOCount of slot {s.index} is {count}")
            ring = s.send_ring
            if ring.overwritten:
                return ("no Enqueue over bytes lent to WSASend",
                        f"Enqueue wrote over {ring.overwritten} bytes of {self.name(s.uid)}'s SendQ that the "
                        "pending WSASend still reads (MoveFront before the send completion)")
        for uid, got in self.got.items():
            conjunct(("bytes", uid))
            touch(self, ("got", uid), R)
            touch(self, ("expected", uid), R)
            want = self.expected[uid]
            if got != want[:len(got)]:
                return ("bytes arrive once and in order, at the connection content meant",
                        f"{self.name(uid)}'s client received {bytes(got)!r}, content sent {bytes(want)!r}")
        conjunct(None)
        if self.finished:
            return self.check_progress()
        return None

    def check_progress(self):
        """The end-of-run invariants: every session released once its connection is gone (or it was told to
        Disconnect), every queued send sent (checked once the server has stopped)."""
        for t in self.truth.values():                  # (born touches "got" as it adds to both)
            conjunct(("released", t.uid))
            touch(self, ("truth", t.uid), R)
            if t.kicked and not t.releases:
                s = self.sessions[t.slot]
                return ("a disconnected session is released",
                        f"{self.name(t.uid)} was asked to Disconnect and was never released: IOCount is still "
                        f"{s.io_count & ~RELEASE} (its WSARecv waits for a FIN that never comes)")
            if (t.closed or t.peer_gone) and t.releases != 1:
                return ("every session released exactly once", f"{self.name(t.uid)} was never released")
            if t.releases and t.leaves != 1:
                return ("OnLeave called once", f"OnLeave ran {t.leaves} times for {self.name(t.uid)}")
        for s in self.sessions:
            conjunct(("sent", s.index))
            t = self.truth.get(s.uid)
            touch(self, ("truth", s.uid), R)
            if t is None or t.releases:
                continue                       # a free slot, or a released session: its SendQ was dropped
            ring = s.send_ring
            if ring.used or s.send_flag:
                stuck = (f"{ring.used} bytes are still in its SendQ" if ring.used else
                         "its send flag is still set with no WSASend outstanding")
                return ("every queued send eventually sent",
                        f"the server stopped and {self.name(s.uid)} was not released, but {stuck}")
        return None


def _add(ops, op):
    """Add op to a list of ops kept sorted: the same state whichever of a session's two kinds of I/O came first."""
    ops.append(op)
    ops.sort()
