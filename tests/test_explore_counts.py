"""The reduced search does not get worse (issue 12's reduction; issue 14's survivors).

A footprint that records more than its step touches is still sound — the search only visits more
schedules — so no race test can see it.  These are the schedule counts of the reduced search (DPOR with
sleep sets and state caching, at most 2 preemptions, no budget) on the small scenarios of the catalogue,
measured when the footprints were last refined (commit "footprints: a thread's first step…").  A change
may lower a count (then check tests/test_explore_footprints.py still passes, and lower it here); a count
that grows means some step now conflicts with steps it does not touch.

Without a bound the search also puts explored threads to sleep (sleep sets, dpor.py): MEASURED_UNBOUNDED
holds those counts (measured on commit "dpor: drop code that changed nothing"), which grow when a sleep set
is lost or a race is reported that program order already decides.
"""

import pytest

from kernelsim import explore, scenario

MEASURED = {
    "accept-thread-close": 35,
    "acceptex": 48,
    "apc-alertable": 7,
    "apc-queue": 24,
    "cancelioex": 34,
    "closesocket-pending-recv": 6,
    "closesocket-pending-send": 12,
    "completion-routines-one-thread": 109,
    "counter-race": 27,
    "critsec-recursion": 4,
    "delay-release-fixed": 76,
    "event-vs-iocp": 144,
    "gqcs-returns": 7,
    "iocount-after-pending-send": 66,
    "iocount-after-pending-send-fixed": 66,
    "iocp-keys": 2,
    "irp-thread-exit": 84,
    "lifo-wakeup": 6,
    "listen-inherit": 29,
    "lock-order-inversion": 109,
    "lock-order-inversion-fixed": 83,
    "partial-recv": 11,
    "pqcs-shutdown": 202,
    "rcvbuf-zero": 3,
    "recv-out-of-order": 74,
    "recv-out-of-order-fixed": 60,
    "send-after-recv0-fixed": 110,
    "shutdown-linger": 51,
    "silent-client": 36,
    "srwlock-reentry": 3,
    "sync-vs-async": 3,
    "wsaeventselect": 9,
}

MEASURED_UNBOUNDED = {
    "accept-thread-close": 39,
    "acceptex": 59,
    "apc-alertable": 6,
    "apc-queue": 29,
    "cancelioex": 30,
    "closesocket-pending-recv": 4,
    "closesocket-pending-send": 12,
    "completion-routines-one-thread": 1503,
    "counter-race": 32,
    "critsec-recursion": 4,
    "delay-release-fixed": 110,
    "event-vs-iocp": 219,
    "gqcs-returns": 6,
    "iocount-after-pending-send": 92,
    "iocount-after-pending-send-fixed": 92,
    "iocp-keys": 2,
    "irp-thread-exit": 80,
    "lifo-wakeup": 5,
    "listen-inherit": 15,
    "lock-order-inversion": 259,
    "lock-order-inversion-fixed": 160,
    "partial-recv": 13,
    "pqcs-shutdown": 523,
    "rcvbuf-zero": 3,
    "recv-out-of-order": 336,
    "recv-out-of-order-fixed": 96,
    "send-after-recv0-fixed": 200,
    "shutdown-linger": 42,
    "silent-client": 38,
    "srwlock-reentry": 3,
    "sync-vs-async": 2,
    "wsaeventselect": 13,
}


@pytest.mark.parametrize("name, bound", [(name, 2) for name in sorted(MEASURED)] +
                         [(name, None) for name in sorted(MEASURED_UNBOUNDED)])
def test_the_reduced_search_needs_no_more_schedules_than_measured(name, bound):
    measured = (MEASURED if bound is not None else MEASURED_UNBOUNDED)[name]
    report = explore.explore(scenario.load(name), "dpor", max_preemptions=bound, budget=0, seconds=0,
                             keep_going=True)
    assert report.exhausted
    assert report.schedules <= measured, (
        f"{name}: {report.schedules} schedules, {measured} measured — a footprint got coarser")
