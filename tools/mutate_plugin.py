"""The pytest plugin of tools/mutate.py (loaded with ``-p mutate_plugin``; not a test helper).

It leaves out the live tests (those that use the fixture named by MUTATE_LIVE_FIXTURE, which need
Wine), turns hypothesis's example database off (a mutant must not inherit another's failures), and,
when MUTATE_TRACE names files, records which of their lines each test executes (MUTATE_MAP_OUT).
"""

import json
import os
import threading
import time

import pytest

import mutate_trace

LIVE = os.environ.get("MUTATE_LIVE_FIXTURE", "session")
TRACING = bool(mutate_trace.TARGETS)
MAP = {}
BUDGET_FILE = os.environ.get("MUTATE_BUDGETS")
BUDGETS = json.loads(open(BUDGET_FILE).read()) if BUDGET_FILE else {}


def _watchdog(nodeid, seconds):
    """End the whole run when one test passes its budget (a mutant that loops forever): a timer thread, so
    it works whatever the test is doing.  The test's id goes to BUDGET_FILE + ".expired" (pytest captures
    the output of a running test), which tools/mutate.py reads."""
    def expire():
        with open(BUDGET_FILE + ".expired", "w") as f:
            f.write(nodeid)
        os._exit(3)
    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    return timer


def pytest_configure(config):
    try:
        from hypothesis import settings
    except ImportError:
        return
    settings.register_profile("mutate", database=None, print_blob=False)
    settings.load_profile("mutate")


def pytest_collection_modifyitems(session, config, items):
    live = [i for i in items if LIVE in getattr(i, "fixturenames", ())]
    if live:
        config.hook.pytest_deselected(items=live)
        items[:] = [i for i in items if LIVE not in getattr(i, "fixturenames", ())]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    if not TRACING:
        timer = _watchdog(item.nodeid, BUDGETS[item.nodeid]) if item.nodeid in BUDGETS else None
        try:
            yield
        finally:
            if timer is not None:
                timer.cancel()
        return
    os.environ["MUTATE_TEST"] = item.nodeid          # processes this test starts trace themselves
    mutate_trace.start()
    began = time.perf_counter()
    try:
        yield
    finally:
        MAP[item.nodeid] = {"seconds": time.perf_counter() - began, "lines": mutate_trace.stop()}
        os.environ.pop("MUTATE_TEST", None)


def pytest_runtest_logreport(report):
    if TRACING and report.failed:
        MAP.setdefault("__failed__", []).append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    out = os.environ.get("MUTATE_MAP_OUT")
    if out and TRACING:
        with open(out, "w") as f:
            json.dump(MAP, f)
