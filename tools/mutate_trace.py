"""The line tracer of tools/mutate.py: which lines of the mutated files each test executes.

Used in two places: the pytest plugin (``mutate_plugin.py``) traces each test in the
pytest process; a ``sitecustomize`` written next to it traces any Python process a test
starts (``python -m kernelsim ...``), so those lines count for that test too.
Only the files named in MUTATE_TRACE are traced line by line; other frames cost one call.
"""

import atexit
import json
import os
import sys
import threading

TARGETS = frozenset(filter(None, os.environ.get("MUTATE_TRACE", "").split(os.pathsep)))
hits = set()


def _local(frame, event, arg):
    if event == "line":
        hits.add((frame.f_code.co_filename, frame.f_lineno))
    return _local


def _global(frame, event, arg):
    if frame.f_code.co_filename in TARGETS:
        hits.add((frame.f_code.co_filename, frame.f_lineno))
        return _local
    return None


def start():
    hits.clear()
    sys.settrace(_global)
    threading.settrace(_global)


def stop():
    """Stop tracing → {file: [line, ...]} of what ran since start()."""
    sys.settrace(None)
    threading.settrace(None)
    lines = {}
    for f, n in hits:
        lines.setdefault(f, []).append(n)
    return lines


def trace_this_process():
    """In a process a test started: trace it whole, and leave what ran in MUTATE_SUB_DIR when it exits."""
    test, out_dir = os.environ.get("MUTATE_TEST"), os.environ.get("MUTATE_SUB_DIR")
    if not (TARGETS and test and out_dir):
        return
    start()

    def save():
        with open(os.path.join(out_dir, f"{os.getpid()}.json"), "w") as f:
            json.dump({"test": test, "lines": stop()}, f)
    atexit.register(save)
