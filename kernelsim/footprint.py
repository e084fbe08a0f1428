"""Footprints: what each step of a model run reads and writes (the explorer's dependency relation).

Not a Windows object.  The explorer (explore.py, dpor.py) reorders only steps
that conflict: two steps of different threads are *dependent* when they touch
the same thing and at least one of them writes it.  So every step records its
footprint while the explorer watches; nothing is recorded otherwise (``rec``
is None and every hook returns at once).

What is recorded, and where:

* the kernel objects a call names by handle (``Kernel.execute`` scans the
  arguments), and the handle table slot it looks up;
* what a handler reaches beyond its arguments: a port it queues a packet on,
  a thread it wakes or queues an APC to, the peer socket data is pumped to,
  a timer due at a given instant (two timers due at the same instant fire in
  the order they were set), the non-paged pool, the notes;
* the Interlocked target and field (a failed compare-exchange only reads);
* the library and scenario state the step's Python code touches before its
  yield: instances of ``Shared`` (netlib's Session, Server, Content; OVERLAPPED,
  WSABUF) and of the classes a scenario defines (``track``) record every
  attribute they read or write — a read that returns a list, dict or bytearray
  counts as a write, since the caller may change it in place; the ring buffers,
  the monitor and the free list call ``touch`` themselves.

A footprint entry is (key, field, mode).  Keys are stable across runs for
objects created by the same prefix of a schedule (a creation serial, a handle
value, a thread name), which the explorer's sleep sets need; two objects that
happen to share a key only make the explorer more careful, never less.

A thread whose code can reach shared state no hook sees (a mutable list or
dict passed to it or captured from an enclosing function or module) is
*opaque*: the Python part of each of its steps writes one shared key, so its
steps are ordered against every other opaque step.
"""

import types

R, W, ADD = 1, 2, 3              # read, write, commutative add (pool charges)

rec = None                       # the Recorder of the step being watched, or None (not watching)
numbers = None                   # the Recorder numbering new objects, for the whole of an explored run

MUTABLE = (list, dict, set, bytearray)
PY = ("py", "opaque")            # the key every opaque step writes


def touch(obj, field="*", mode=W):
    """Record that the current step accesses obj.field (a no-op unless the explorer records)."""
    if rec is not None:
        rec.touch(obj, field, mode)


def touch_key(key, field="*", mode=W):
    if rec is not None:
        rec.add(key, field, mode)


def conjunct(label=None):
    """Inside an invariant's check: the reads that follow decide the conjunct ``label`` alone.

    An invariant checked after every step is a conjunction.  The check after a
    step is part of the step for the explorer only for the conjuncts *visible*
    to it, those reading something the step wrote: their reads join the step's
    footprint (dpor.py), so a step that changes one session is ordered only
    against steps touching what that session's conjunct reads.  Reads made
    before the first ``conjunct`` call (label None) gate every conjunct: a step
    writing them makes the whole check part of it.  A check that never calls
    this is one conjunct.  Each conjunct must be decided by the gate's reads
    and its own (it may not look at what another conjunct computed)."""
    r = rec
    if r is not None and r.observed is not None:
        r.group = (r.group[0], label)


def conflict(a, b):
    """Do two footprints ({key: {field: mode}}) conflict?"""
    if len(a) > len(b):
        a, b = b, a
    for key, fields in a.items():
        other = b.get(key)
        if other is None:
            continue
        for field, mode in fields.items():
            if field == "*":
                for mode2 in other.values():
                    if _clash(mode, mode2):
                        return True
            else:
                for f2 in (field, "*"):
                    mode2 = other.get(f2)
                    if mode2 is not None and _clash(mode, mode2):
                        return True
    return False


def _clash(m1, m2):
    return not (m1 == R and m2 == R) and not (m1 == ADD and m2 == ADD)


def merge(fields, field, mode):
    old = fields.get(field)
    if old is None or old == mode:
        fields[field] = mode
    elif old != W:
        fields[field] = W if (old, mode) != (R, R) else R


class Recorder:
    """Collects the footprint of the step being executed (and of the invariant checks after it)."""

    def __init__(self):
        self.keys = {}           # id(object) -> ("o", creation serial) (the objects are kept alive in `alive`)
        self.alive = []
        self.current = None      # {key: {field: mode}} of the step being executed, or None between steps
        self.observed = None     # invariant reads after the step: {group: {key: {field: mode}}}
        self.group = None

    def created(self, obj):
        self.keys[id(obj)] = ("o", len(self.alive))
        self.alive.append(obj)

    def key(self, obj):
        key = self.keys.get(id(obj))
        if key is not None:
            return key
        fp = getattr(type(obj), "fp_key", None)
        if fp is not None:
            return fp(obj)
        return ("type", type(obj).__qualname__)      # no stable identity: every instance shares one key

    def touch(self, obj, field, mode):
        fields = self.current
        if fields is None:
            if self.observed is None:
                return
            fields = self.observed.setdefault(self.group, {})
        key = self.keys.get(id(obj))
        if key is None:
            key = self.key(obj)
        entry = fields.get(key)
        if entry is None:
            fields[key] = {field: mode}
        else:
            old = entry.get(field)
            if old is None:
                entry[field] = mode
            elif old != mode and old != W:           # (merge, inline: this is the explorer's hottest path)
                entry[field] = W

    def add(self, key, field, mode):
        fields = self.current
        if fields is None:
            if self.observed is None:
                return
            fields = self.observed.setdefault(self.group, {})
        entry = fields.get(key)
        if entry is None:
            fields[key] = {field: mode}
        else:
            merge(entry, field, mode)


# --- Shared objects: attribute access hooks ------------------------------------------------

class Named:
    """An object with a stable name for footprints (its creation serial); it records its accesses itself."""

    def __new__(cls, *args, **kwargs):
        obj = object.__new__(cls)
        if numbers is not None:
            numbers.created(obj)
        return obj


class Shared(Named):
    """A Python object threads share: its attribute reads and writes are part of a step's footprint.

    The hooks are installed only while the explorer records (``install``), so a
    plain run pays nothing for them.
    """


def _getattribute(self, name):
    value = object.__getattribute__(self, name)
    r = rec
    if r is not None and (r.current is not None or r.observed is not None):
        try:
            inst = object.__getattribute__(self, "__dict__")
        except AttributeError:
            return value
        if name in inst:
            r.touch(self, name, W if isinstance(value, MUTABLE) else R)
    return value


def _setattr(self, name, value):
    object.__setattr__(self, name, value)
    if rec is not None:
        rec.touch(self, name, W)


def _new(cls, *args, **kwargs):
    obj = object.__new__(cls)
    if numbers is not None:
        numbers.created(obj)
    return obj


_installed = []


def install():
    """Switch the attribute hooks on (the explorer, for the length of a search)."""
    if not _installed:
        Shared.__getattribute__ = _getattribute
        Shared.__setattr__ = _setattr
        _installed.append(Shared)


def uninstall():
    if _installed:
        del Shared.__getattribute__
        del Shared.__setattr__
        _installed.clear()


def track(cls):
    """Give a class a scenario defined the Shared hooks (for good: the class belongs to one loaded scenario)."""
    if issubclass(cls, Shared) or cls.__dict__.get("_fp_tracked"):
        return
    if any(b.__new__ is not object.__new__ for b in cls.__mro__[:-1] if "__new__" in b.__dict__):
        return                                   # its own __new__: leave it (its steps are still safe: opaque)
    if cls.__mro__[-1] is not object or any(b.__module__ == "builtins" and b is not object for b in cls.__mro__):
        return
    cls.__getattribute__ = _getattribute
    cls.__setattr__ = _setattr
    cls.__new__ = staticmethod(_new)
    cls._fp_tracked = True


def tracked(value):
    """Is value safe to share between threads without hiding accesses (immutable, or hooked)?"""
    return _tracked(value, 0)


def _tracked(value, depth):
    if value is None or isinstance(value, (bool, int, float, str, bytes, complex, range)):
        return True
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, type, types.ModuleType,
                          types.MethodType)):
        if isinstance(value, types.MethodType):
            return _tracked(value.__self__, depth + 1)
        return True
    if isinstance(value, (tuple, frozenset)):
        return depth < 4 and all(_tracked(v, depth + 1) for v in value)
    if isinstance(value, Named) or type(value).__dict__.get("_fp_tracked") or getattr(type(value), "fp_key", None):
        return True
    return False


def opaque_reason(func, args):
    """Why a thread running func(*args) may touch shared state no hook sees (None when it cannot)."""
    for value in args:
        if not tracked(value):
            return f"argument {type(value).__name__}"
    closure = getattr(func, "__closure__", None) or ()
    for cell in closure:
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        if not tracked(value):
            return f"captured {type(value).__name__}"
    self = getattr(func, "__self__", None)
    if self is not None and not tracked(self):
        return f"method of {type(self).__name__}"
    return None


def mutable_globals(namespace, functions):
    """The module-level names of mutable, unhooked values that the given functions read."""
    names = set()
    for func in functions:
        code = getattr(func, "__code__", None)
        if code is None:
            continue
        stack = [code]
        while stack:
            c = stack.pop()
            names.update(c.co_names)
            stack.extend(k for k in c.co_consts if isinstance(k, types.CodeType))
    import kernelsim.win32 as surface                 # what ``from kernelsim.win32 import *`` brought in
    given = vars(surface)
    return sorted(n for n in names if n in namespace and not tracked(namespace[n])
                  and given.get(n, given) is not namespace[n] and not n.startswith("__"))
