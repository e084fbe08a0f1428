"""The strict comparison of a model run with a live run (issue 9: proof, not belief).

Two runs of one scenario agree only when, **per thread, in order**:

* the threads made the same notes — same tag, same fields (a note's time is
  not compared here: times are compared only by the scenario's claims, with
  the tolerance it declares, see backend.LiveMs);
* the threads made the same calls, from the same scenario lines, with the same
  results and the same last error right after each call;
* the claims of ``check`` failed on the same lines (or held in both);
* neither run hung where the other went on.

Handles pair through **one consistent mapping** built as the comparison goes:
the first time a model handle meets a live handle they are paired, and from
then on that model handle equals that live handle only (and vice versa); a
second, different pairing is a difference.  OVERLAPPEDs, and any other object a
scenario passes through the kernel (a completion key that is a session), pair
the same way by identity.  A number is never a handle by accident: only values
that the Recorder typed as handles (record.HandleValue) pair.

Tags a scenario declares free of order and thread (``UNORDERED_TAGS``) are
taken out of the per-thread sequences and compared as one multiset.  Threads a
scenario declares interchangeable (``POOLS = [("W1", "W2")]``: workers that
race for the same packets) are compared up to their names: each model thread's
whole sequence of calls and notes must be one live thread's, one-to-one.  A field
the live run cannot measure (``memory()`` gives None live) is null on the live
side and not compared.

``differences(model, live)`` returns the list of differences; the caller
(oracle.py) turns it into a verdict.
"""

from ..outcome import Note
from ..win32 import LINGER, OVERLAPPED, OVERLAPPED_ENTRY, WSABUF, WSANETWORKEVENTS, fd_set
from .backend import LiveMs
from .record import HandleValue

UNMEASURED_CALLS = {"memory"}       # calls whose live result is None: nothing to compare


class Side:
    """One run as the comparison sees it: the Outcome, each thread's CallRecords, where it hung."""

    def __init__(self, outcome, calls, hang=None, unmeasured=False):
        self.outcome = outcome
        self.calls = calls                  # thread name -> [CallRecord]
        self.hang = hang                    # {"thread", "call", "line"} or None
        self.unmeasured = unmeasured        # the live run called memory(): None fields are unmeasured


class Pairing:
    """The model ↔ live identity mapping (handles, OVERLAPPEDs, key objects), one-to-one."""

    def __init__(self):
        self.to_live = {}
        self.to_model = {}

    def pair(self, a, b):
        """True when identity a (model) and b (live) are, or can now become, each other's pair."""
        known = self.to_live.get(a)
        if known is not None:
            return known == b
        if b in self.to_model:
            return False
        self.to_live[a], self.to_model[b] = b, a
        return True

    def copy(self):
        other = Pairing()
        other.to_live, other.to_model = dict(self.to_live), dict(self.to_model)
        return other


_PLAIN = (type(None), bool, int, str, bytes, bytearray)


def same(a, b, pairing, unmeasured=False):
    """Is model value a the live value b?  Pairs identities as it goes (see Pairing)."""
    if isinstance(a, HandleValue) or isinstance(b, HandleValue):
        if not (isinstance(a, HandleValue) and isinstance(b, HandleValue)):
            return False
        return pairing.pair(("handle",) + a.identity, ("handle",) + b.identity)
    if isinstance(b, LiveMs):
        return isinstance(a, (int, float)) and not isinstance(a, bool)     # a time: compared by claims only
    if unmeasured and b is None and isinstance(a, (int, float)) and not isinstance(a, bool):
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, _PLAIN) or isinstance(b, _PLAIN):
        if isinstance(a, (bytes, bytearray)) and isinstance(b, (bytes, bytearray)):
            return bytes(a) == bytes(b)
        return type(a) is type(b) and a == b
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and round(a, 6) == round(b, 6)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y, pairing, unmeasured) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], pairing, unmeasured) for k in a)
    if isinstance(a, OVERLAPPED_ENTRY) and isinstance(b, OVERLAPPED_ENTRY):
        return all(same(getattr(a, f), getattr(b, f), pairing, unmeasured)
                   for f in ("key", "overlapped", "status", "nbytes"))
    if isinstance(a, OVERLAPPED) and isinstance(b, OVERLAPPED):
        if getattr(a, "op", None) != getattr(b, "op", None):
            return False
        return pairing.pair(("ov", id(a)), ("ov", id(b)))
    if isinstance(a, (WSABUF, LINGER)) or isinstance(b, (WSABUF, LINGER)):
        return type(a) is type(b) and repr(a) == repr(b)
    if isinstance(a, WSANETWORKEVENTS) or isinstance(b, WSANETWORKEVENTS):     # a value: the bits, the codes
        return type(a) is type(b) and (a.lNetworkEvents, list(a.iErrorCode)) == (b.lNetworkEvents,
                                                                                list(b.iErrorCode))
    if isinstance(a, fd_set) or isinstance(b, fd_set):                         # its sockets, pairing as handles
        return type(a) is type(b) and same(list(a.fd_array), list(b.fd_array), pairing, unmeasured)
    if type(a) is not type(b):
        return False
    return pairing.pair(("object", id(a)), ("object", id(b)))       # a key object, a session…


def shown(value):
    """A JSON-friendly form of a value for the report (handles as their numbers)."""
    if isinstance(value, HandleValue):
        return int(value)
    if isinstance(value, LiveMs):
        return round(float(value), 3)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex() if len(value) <= 64 else f"<{len(value)} bytes>"
    if isinstance(value, OVERLAPPED):
        op = getattr(value, "op", None)
        return f"OVERLAPPED({op})" if op else "OVERLAPPED"
    if isinstance(value, OVERLAPPED_ENTRY):
        return {"key": shown(value.key), "overlapped": shown(value.overlapped), "status": value.status,
                "nbytes": value.nbytes}
    if isinstance(value, (list, tuple)):
        return [shown(v) for v in value]
    if isinstance(value, dict):
        return {str(k): shown(v) for k, v in value.items()}
    if isinstance(value, (WSABUF, LINGER)):
        return repr(value)
    if isinstance(value, WSANETWORKEVENTS):
        return {"lNetworkEvents": value.lNetworkEvents, "iErrorCode": list(value.iErrorCode)}
    if isinstance(value, fd_set):
        return [shown(h) for h in value.fd_array]
    return type(value).__name__


def note_json(note, unmeasured=False):
    """A note as the JSON contract has it: thread, tag, time, then its fields."""
    out = {"thread": note.thread, "tag": note.tag, "time": round(float(note.time), 3)}
    for key, value in note.fields.items():
        out[key] = None if (unmeasured and value is None) else shown(value)
    return out


def call_json(record):
    if record is None:
        return None
    return {"call": record.name, "line": record.line, "result": shown(record.result),
            "last_error": record.last_error}


def same_note(m, lv, pairing, unmeasured=False):
    if m.tag != lv.tag or m.fields.keys() != lv.fields.keys():
        return False
    return all(same(m.fields[k], lv.fields[k], pairing, unmeasured) for k in m.fields)


def same_call(m, lv, pairing, unmeasured=False):
    if (m.name, m.line) != (lv.name, lv.line):
        return False
    if m.name in UNMEASURED_CALLS:
        return True
    return same(m.result, lv.result, pairing, unmeasured) and m.last_error == lv.last_error


def threads_of(*sides):
    """Thread names in order of first appearance: main, then the threads as they appeared."""
    names = {}
    for side in sides:
        for n in side.outcome.notes():
            names.setdefault(n.thread, None)
        for name in side.calls:
            names.setdefault(name, None)
    ordered = sorted(names, key=lambda n: n != "main")
    return ordered


def differences(model, live, unordered_tags=(), pairing=None, pools=()):
    """Every way the live run (a Side) differs from the model run (a Side); [] when they agree."""
    pairing = pairing if pairing is not None else Pairing()
    unordered = set(unordered_tags)
    unmeasured = live.unmeasured
    diffs = []
    rename = {}
    for pool in pools:
        diff = _pool(tuple(pool), model, live, pairing, unordered, unmeasured, rename)
        if diff:
            diffs.append(diff)
    pooled = {name for pool in pools for name in pool}
    for thread in threads_of(model, live):
        if thread in pooled:
            continue
        calls_m, calls_l = model.calls.get(thread, []), live.calls.get(thread, [])
        for i in range(max(len(calls_m), len(calls_l))):
            a = calls_m[i] if i < len(calls_m) else None
            b = calls_l[i] if i < len(calls_l) else None
            if a is not None and b is not None and same_call(a, b, pairing, unmeasured):
                continue
            if a is None and b is None:
                continue
            diffs.append({"kind": "call", "thread": thread, "index": i, "model": call_json(a),
                          "live": call_json(b), "what": _call_what(thread, a, b)})
            break            # the rest of this thread's calls follow from the first difference
        notes_m = [n for n in model.outcome.notes() if n.thread == thread and n.tag not in unordered]
        notes_l = [n for n in live.outcome.notes() if n.thread == thread and n.tag not in unordered]
        for i in range(max(len(notes_m), len(notes_l))):
            a = notes_m[i] if i < len(notes_m) else None
            b = notes_l[i] if i < len(notes_l) else None
            if a is not None and b is not None and same_note(a, b, pairing, unmeasured):
                continue
            diffs.append({"kind": "note", "thread": thread, "index": i,
                          "model": note_json(a) if a else None, "live": note_json(b, unmeasured) if b else None,
                          "what": _note_what(thread, i, a, b)})
            break
    for tag in sorted(unordered):
        diff = _multiset(tag, model, live, pairing, unmeasured)
        if diff:
            diffs.append(diff)
    claims_m, claims_l = claim_failures(model.outcome), claim_failures(live.outcome)
    if claims_m != claims_l:
        diffs.append({"kind": "claims", "model": claims_m, "live": claims_l,
                      "what": "the claims of check() " + _claims_what(claims_m, claims_l)})
    if not _same_hang(model.hang, live.hang):
        diffs.append({"kind": "hang", "model": model.hang, "live": live.hang, "what": _hang_what(model, live)})
    return diffs


def _same_hang(model, live):
    """Both finished, or the live run hung in a call (thread, line) where the model waits for ever."""
    if not model or not live:
        return not model and not live
    blocked = {(h["thread"], h["line"]) for h in model}
    return all((h["thread"], h["line"]) in blocked for h in live)


def _thread_diffs(m_thread, l_thread, model, live, pairing, unordered, unmeasured):
    """Does model thread m_thread's whole sequence (calls, then notes) equal live thread l_thread's?"""
    calls_m, calls_l = model.calls.get(m_thread, []), live.calls.get(l_thread, [])
    if len(calls_m) != len(calls_l) or not all(same_call(a, b, pairing, unmeasured) for a, b in zip(calls_m, calls_l)):
        return False
    notes_m = [n for n in model.outcome.notes() if n.thread == m_thread and n.tag not in unordered]
    notes_l = [n for n in live.outcome.notes() if n.thread == l_thread and n.tag not in unordered]
    return len(notes_m) == len(notes_l) and all(_same_free(a, b, pairing, unmeasured)
                                               for a, b in zip(notes_m, notes_l))


def _pool(pool, model, live, pairing, unordered, unmeasured, rename):
    """A declared pool: each model thread's sequence must be one live thread's, one-to-one."""
    free = list(pool)
    for m_thread in pool:
        for l_thread in free:
            trial = pairing.copy()
            if _thread_diffs(m_thread, l_thread, model, live, trial, unordered, unmeasured):
                pairing.to_live, pairing.to_model = trial.to_live, trial.to_model
                rename[m_thread] = l_thread
                free.remove(l_thread)
                break
        else:
            return {"kind": "pool", "pool": list(pool), "thread": m_thread,
                    "what": f"pool {', '.join(pool)}: no live thread made {m_thread}'s calls and notes of the model"}
    return None


def _multiset(tag, model, live, pairing, unmeasured):
    """Notes of an order-free tag: the live multiset must be the model's (threads and order ignored)."""
    left = list(model.outcome.notes(tag))
    unmatched = []
    for ln in live.outcome.notes(tag):
        for i, mn in enumerate(left):
            trial = pairing.copy()
            if _same_free(mn, ln, trial, unmeasured):
                pairing.to_live, pairing.to_model = trial.to_live, trial.to_model
                left.pop(i)
                break
        else:
            unmatched.append(ln)
    if not left and not unmatched:
        return None
    return {"kind": "unordered", "tag": tag, "model": [note_json(n) for n in left],
            "live": [note_json(n, unmeasured) for n in unmatched],
            "what": f"the notes {tag!r} (order-free) differ as a multiset: model only {len(left)}, "
                    f"live only {len(unmatched)}"}


def _same_free(m, lv, pairing, unmeasured):
    return same_note(Note(m.tag, "", 0, m.fields), Note(lv.tag, "", 0, lv.fields), pairing, unmeasured)


def claim_failures(outcome):
    """The claims that failed, by scenario line ("line 45"), without the values in their messages."""
    out = []
    for failure in outcome.failures:
        if failure.startswith("line "):
            out.append(failure.split(":", 1)[0])
        elif failure.startswith("check raised"):
            out.append("check raised")
    return sorted(set(out))


def _call_what(thread, a, b):
    if a is None:
        return f"{thread}: the live run made one more call, {b.name} at line {b.line}"
    if b is None:
        return f"{thread}: the live run stopped before {a.name} at line {a.line}"
    if (a.name, a.line) != (b.name, b.line):
        return f"{thread}: the model called {a.name} at line {a.line}, the live run {b.name} at line {b.line}"
    if a.last_error != b.last_error and same(a.result, b.result, Pairing()):
        return f"{thread}: {a.name} at line {a.line} left last error {a.last_error} in the model, {b.last_error} live"
    return (f"{thread}: {a.name} at line {a.line} returned {shown(a.result)!r} (last error {a.last_error}) "
            f"in the model, {shown(b.result)!r} (last error {b.last_error}) live")


def _note_what(thread, i, a, b):
    if a is None:
        return f"{thread}: the live run made one more note, {b.tag!r} (#{i + 1})"
    if b is None:
        return f"{thread}: the live run did not make note #{i + 1}, {a.tag!r}"
    return f"{thread}: note #{i + 1} is {_note_text(a)} in the model, {_note_text(b)} live"


def _note_text(n):
    fields = " ".join(f"{k}={shown(v)!r}" for k, v in n.fields.items())
    return f"{n.tag!r}" + (f" ({fields})" if fields else "")


def _claims_what(m, lv):
    if not m:
        return f"hold in the model but fail live: {', '.join(lv)}"
    if not lv:
        return f"fail in the model ({', '.join(m)}) but hold live"
    return f"fail on {', '.join(m)} in the model, on {', '.join(lv)} live"


def _hang_what(model, live):
    if live.hang and not model.hang:
        h = live.hang[0]
        return (f"the live run hung: thread {h['thread']} in {h['call']} (line {h['line']}) did not return; "
                f"the model runs on")
    if model.hang and not live.hang:
        where = ", ".join(f"{h['thread']} in {h['call']} (line {h['line']})" for h in model.hang)
        return f"the model never finishes ({where} wait for ever); the live run did"
    h = live.hang[0]
    where = ", ".join(f"{m['thread']} line {m['line']}" for m in model.hang)
    return f"both hung, in different places: live {h['thread']} in {h['call']} (line {h['line']}), model {where}"
