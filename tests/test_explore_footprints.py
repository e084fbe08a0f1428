"""The reduced search sees every shared resource of the model (issue 12's footprints, issue 14's survivors).

Partial-order reduction may skip an order only when the two steps are independent; the model states what
each step reads and writes — handle values, the non-paged pool near its limit, locked pages, the objects a
call's handles name.  For each resource one tiny scenario makes two threads race on it and only on it, so
that the outcome depends on their order.  Plain dfs reaches both outcomes; the reduced search (DPOR with
sleep sets and caching) must reach the same set.  A footprint that forgot the resource would let it treat
the two steps as independent and report one outcome.
"""

import textwrap

import pytest

from kernelsim import explore, scenario

HEADER = '''
from kernelsim.win32 import *
TITLE = "a footprint race"
'''

RACES = {
    # Handle values (kernel.Handles.add): each CreateEvent takes the next value, so which thread gets the
    # lower one depends on their order.
    "handle-values": '''
        CONFIG = {"cpus": 2}

        def taker(name):
            h = yield CreateEvent(None, False, False, None)
            yield note("got", who=name, h=h)

        def main():
            a = yield CreateThread(taker, "A", name="A")
            b = yield CreateThread(taker, "B", name="B")
            yield WaitForMultipleObjects([a, b], True, INFINITE)
    ''',
    # The non-paged pool near its limit (E1/E4: every pending request charges its IRP and MDL to the pool;
    # pool.Pool.alloc_npp): two threads post a WSARecv each, on their own sockets, with room for one request
    # only, so whichever posts second gets WSAENOBUFS.  (Two tcp_pairs hold 12,288 bytes; a request 840.)
    "pool-limit": '''
        CONFIG = {"cpus": 2, "npp_limit": 12288 + 840 + 400}

        def poster(name, s):
            rc, _, _ = yield WSARecv(s, WSABUF(100), OVERLAPPED())
            yield note("posted", who=name, error=0 if rc == 0 else (yield WSAGetLastError()))

        def main():
            s1, c1 = yield tcp_pair()
            s2, c2 = yield tcp_pair()
            a = yield CreateThread(poster, "A", s1, name="A")
            b = yield CreateThread(poster, "B", s2, name="B")
            yield WaitForMultipleObjects([a, b], True, INFINITE)
    ''',
    # A charge refused at the limit against a free (E1/E4: closesocket gives back the socket's pool): a
    # WSARecv with no room fails with WSAENOBUFS, but after the other thread closed a socket it fits.  The
    # two steps share nothing but the pool, and a refused charge may not commute with a free.
    "pool-limit-free": '''
        CONFIG = {"cpus": 2, "npp_limit": 12288 + 400}

        def poster(s):
            rc, _, _ = yield WSARecv(s, WSABUF(100), OVERLAPPED())
            yield note("posted", error=0 if rc == 0 else (yield WSAGetLastError()))

        def closer(s):
            yield closesocket(s)

        def main():
            s1, c1 = yield tcp_pair()
            s2, c2 = yield tcp_pair()
            a = yield CreateThread(poster, s1, name="A")
            b = yield CreateThread(closer, s2, name="B")
            yield WaitForMultipleObjects([a, b], True, INFINITE)
    ''',
    # A large charge refused near the limit against a free (D3: a send's bytes are charged to the pool when
    # AFD buffers them; E1): A's 1,100,000-byte WSASend fits in its SO_SNDBUF but not in what is left of the
    # pool, so it pends — unless B's closesocket gave back its socket's 3,072 bytes first; then it completes
    # at once.  The charge is larger than the explorer's HEADROOM (pool.py), so "far enough below the limit
    # to commute" must count it in full.
    "pool-big-charge": '''
        CONFIG = {"cpus": 2, "mdl_header": 0, "mdl_per_page": 0, "npp_limit": 12288 + 784 + 1_100_000 - 1000}

        def sender(s):
            rc, n = yield WSASend(s, WSABUF(bytes(1_100_000)), OVERLAPPED())
            yield note("sent", rc=rc)

        def closer(s):
            yield closesocket(s)

        def main():
            s1, c1 = yield tcp_pair()
            s2, c2 = yield tcp_pair()
            yield setsockopt(s1, SOL_SOCKET, SO_SNDBUF, 1 << 21)
            a = yield CreateThread(sender, s1, name="A")
            b = yield CreateThread(closer, s2, name="B")
            yield WaitForMultipleObjects([a, b], True, INFINITE)
    ''',
    # The pool gauge (E1: a pending request's IRP is charged to the non-paged pool; memory() reads it): a
    # zero-byte WSARecv locks no page but charges its IRP, so memory() in another thread sees the charge or
    # not depending on the order.
    "pool-gauge": '''
        CONFIG = {"cpus": 2}

        def poster(s):
            yield WSARecv(s, WSABUF(0), OVERLAPPED())

        def looker():
            npp, locked = yield memory()
            yield note("seen", npp=npp)

        def main():
            server, client = yield tcp_pair()
            a = yield CreateThread(poster, server, name="A")
            b = yield CreateThread(looker, name="B")
            yield WaitForMultipleObjects([a, b], True, INFINITE)
    ''',
    # Locked pages (E2/E3; memory() reads them): a pending WSARecv holds its buffer's page locked, and
    # CancelIoEx completes it, which unlocks the page (B3 stage 1).  memory() in another thread sees the
    # page locked or not depending on the order.  MDLs cost no pool here (mdl_header 0) and the request's
    # IRP stays allocated until its packet is dequeued, so the race is on the locked pages alone.
    "locked-pages": '''
        CONFIG = {"cpus": 2, "mdl_header": 0, "mdl_per_page": 0}

        def canceller(s, ov):
            yield CancelIoEx(s, ov)

        def looker():
            npp, locked = yield memory()
            yield note("seen", locked=locked)

        def main():
            server, client = yield tcp_pair()
            port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
            yield CreateIoCompletionPort(server, port, 1, 0)
            ov = OVERLAPPED()
            yield WSARecv(server, WSABUF(100), ov)
            a = yield CreateThread(canceller, server, ov, name="A")
            b = yield CreateThread(looker, name="B")
            yield WaitForMultipleObjects([a, b], True, INFINITE)
    ''',
    # A page lock refused at the limit against an unlock (E3: locked pages ≤ locked_pages_limit; 1450 when
    # the limit is reached): one page may be locked; A's pending WSARecv holds it.  B's WSARecv fails with
    # ERROR_NO_SYSTEM_RESOURCES (1450) or WSAENOBUFS unless A's request was cancelled first.
    "locked-limit-unlock": '''
        CONFIG = {"cpus": 2, "locked_pages_limit": 1, "mdl_header": 0, "mdl_per_page": 0}

        def canceller(s, ov):
            yield CancelIoEx(s, ov)

        def poster(s):
            rc, _, _ = yield WSARecv(s, WSABUF(100), OVERLAPPED())
            yield note("posted", error=0 if rc == 0 else (yield WSAGetLastError()))

        def main():
            s1, c1 = yield tcp_pair()
            s2, c2 = yield tcp_pair()
            ov = OVERLAPPED()
            yield WSARecv(s1, WSABUF(100), ov)
            a = yield CreateThread(canceller, s1, ov, name="A")
            b = yield CreateThread(poster, s2, name="B")
            yield WaitForMultipleObjects([a, b], True, INFINITE)
    ''',
    # A port's CurrentCount when its running thread blocks elsewhere (A5, KiActivateWaiterQueue): with a
    # maximum of 1, A runs for the port after its GQCS took "warm"; once A sleeps, its slot is free.  B's
    # zero-timeout GQCS gets "P" only if it polls after A went to sleep (or "warm" if it polls before A's GQCS).
    "port-slot-when-blocking": '''
        CONFIG = {"cpus": 2}

        def t1(port):
            yield GetQueuedCompletionStatus(port, INFINITE)
            yield Sleep(5)

        def t2(port):
            ok, n, key, ov = yield GetQueuedCompletionStatus(port, 0)
            yield note("poll", ok=ok, key=key)

        def main():
            port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 1)
            yield PostQueuedCompletionStatus(port, 0, "warm", None)
            yield PostQueuedCompletionStatus(port, 0, "P", None)
            a = yield CreateThread(t1, port, name="A")
            b = yield CreateThread(t2, port, name="B")
            yield WaitForMultipleObjects([a, b], True, INFINITE)
    ''',
    # A port's CurrentCount when a blocking call goes on waiting after its APCs (C2 with A5/A6): T1, the port's
    # one running thread (maximum 1), blocks in recv; an APC makes it run again, and when the APC returns it
    # waits in the recv once more, giving its slot back.  T2's zero-timeout GQCS gets the queued packet only
    # if it polls while T1 is not running; the APC sets an event, so T2 also tells "before the APC" from
    # "after the recv waits again".  (No notes in the APC: notes are shared and would order A and B.)
    "port-slot-after-apc": '''
        CONFIG = {"cpus": 2}

        def apc(e):
            yield SetEvent(e)

        def t1(port, s):
            yield GetQueuedCompletionStatus(port, INFINITE)
            yield recv(s, 16)

        def t2(port, e):
            ok, n, key, ov = yield GetQueuedCompletionStatus(port, 0)
            ran = yield WaitForSingleObject(e, 0)
            yield note("poll", ok=ok, key=key, apc_ran=ran == WAIT_OBJECT_0)

        def main():
            server, client = yield tcp_pair()
            e = yield CreateEvent(None, True, False, None)
            port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 1)
            yield PostQueuedCompletionStatus(port, 0, "warm", None)
            a = yield CreateThread(t1, port, server, name="A")
            yield Sleep(1)
            yield PostQueuedCompletionStatus(port, 0, "P", None)
            yield QueueUserAPC(apc, a, e)
            b = yield CreateThread(t2, port, e, name="B")
            yield WaitForSingleObject(b, INFINITE)
            yield send(client, b"x")
            yield WaitForSingleObject(a, INFINITE)
    ''',
    # A thread's first step runs the APCs queued before it started (C8): whether B's QueueUserAPC reaches A
    # before A's first step decides whether the APC runs at all (A never waits alertably, and its APCs are
    # discarded when it exits).
    "apc-before-start": '''
        CONFIG = {"cpus": 2}

        def apc(data):
            yield note("apc")

        def body():
            yield note("body")

        def queuer(a):
            yield QueueUserAPC(apc, a, 0)

        def main():
            a = yield CreateThread(body, name="A")
            b = yield CreateThread(queuer, a, name="B")
            yield WaitForMultipleObjects([a, b], True, INFINITE)
    ''',
    # A user APC against an alertable GQCSEx (C2, A3): with nothing queued on the port, A's zero-timeout
    # alertable GetQueuedCompletionStatusEx returns FALSE with WAIT_IO_COMPLETION (192) if B's APC reached it
    # first, else WAIT_TIMEOUT (258).
    "apc-vs-alertable-gqcsex": '''
        CONFIG = {"cpus": 2}

        def apc(data):
            if False:
                yield

        def poller(port):
            yield Sleep(1)
            r = yield GetQueuedCompletionStatusEx(port, 4, 0, True)
            yield note("poll", r=r, error=(yield GetLastError()))

        def queuer(a):
            yield Sleep(1)
            yield QueueUserAPC(apc, a, 0)

        def main():
            port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
            a = yield CreateThread(poller, port, name="A")
            b = yield CreateThread(queuer, a, name="B")
            yield WaitForMultipleObjects([a, b], True, INFINITE)
    ''',
    # State no hook sees (footprint.py, "opaque"): two threads append to one plain list passed to both; the
    # order of the appends is the order of their steps, so each such step must be ordered against the other.
    "opaque-list": '''
        CONFIG = {"cpus": 2}

        def adder(items, tag, e):
            items.append(tag)
            yield SetEvent(e)

        def main():
            items = []
            ea = yield CreateEvent(None, True, False, None)
            eb = yield CreateEvent(None, True, False, None)
            a = yield CreateThread(adder, items, "A", ea, name="A")
            b = yield CreateThread(adder, items, "B", eb, name="B")
            yield WaitForMultipleObjects([a, b], True, INFINITE)
            yield note("order", items="".join(items))
    ''',
    # A thread's exit against a poll of its handle (a thread object is signalled once it has terminated):
    # B's zero-timeout WaitForSingleObject on A sees WAIT_OBJECT_0 only if A's last step came first.
    "thread-exit": '''
        CONFIG = {"cpus": 2}

        def quitter(e):
            yield SetEvent(e)

        def poller(a):
            r = yield WaitForSingleObject(a, 0)
            yield note("poll", r=r)

        def main():
            e = yield CreateEvent(None, True, False, None)
            a = yield CreateThread(quitter, e, name="A")
            b = yield CreateThread(poller, a, name="B")
            yield WaitForMultipleObjects([a, b], True, INFINITE)
    ''',
    # The same without timers (whose order alone would order the steps): A has started (its first call
    # touches only its own event) when B's APC may come before, between or after A's calls.  GQCSEx gives
    # 192 only when the APC comes between — so the alertable GQCSEx itself must be ordered against it.
    "apc-vs-alertable-gqcsex-no-timers": '''
        CONFIG = {"cpus": 2}

        def apc(data):
            if False:
                yield

        def poller(port, e):
            yield SetEvent(e)
            r = yield GetQueuedCompletionStatusEx(port, 1, 0, True)
            yield note("poll", r=r, error=(yield GetLastError()))

        def queuer(a):
            yield QueueUserAPC(apc, a, 0)

        def main():
            port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
            e = yield CreateEvent(None, True, False, None)
            a = yield CreateThread(poller, port, e, name="A")
            b = yield CreateThread(queuer, a, name="B")
            yield WaitForMultipleObjects([a, b], True, INFINITE)
    ''',
    # The object a handle names (kernel.execute scans a call's handle arguments): SetEvent and a zero-timeout
    # wait on the same event, so the wait sees it signalled or not.
    "event-handle": '''
        CONFIG = {"cpus": 2}

        def setter(e):
            yield SetEvent(e)

        def poller(e):
            r = yield WaitForSingleObject(e, 0)
            yield note("poll", r=r)

        def main():
            e = yield CreateEvent(None, True, False, None)
            a = yield CreateThread(setter, e, name="A")
            b = yield CreateThread(poller, e, name="B")
            yield WaitForMultipleObjects([a, b], True, INFINITE)
    ''',
}


@pytest.mark.parametrize("name", sorted(RACES))
def test_the_reduced_search_reaches_both_orders_of_a_race_on_one_resource(tmp_path, name):
    """Soundness per resource: dfs sees two outcomes (the race is real); DPOR reaches exactly the same."""
    path = tmp_path / f"{name}.py"
    path.write_text(HEADER + textwrap.dedent(RACES[name]), encoding="utf-8")
    plain = explore.explore(scenario.load(str(path)), "dfs", max_preemptions=1, budget=0, seconds=0,
                            keep_going=True)
    reduced = explore.explore(scenario.load(str(path)), "dpor", max_preemptions=1, budget=0, seconds=0,
                              keep_going=True)
    assert plain.exhausted and reduced.exhausted
    assert not plain.failed
    assert len(plain.outcomes) >= 2, plain.outcomes
    assert reduced.outcomes == plain.outcomes
