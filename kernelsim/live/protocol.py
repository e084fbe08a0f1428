"""The probe's line protocol: one message per line, every message starting with a thread id.

Python → probe: ``<tid> <op> <args…>``; the probe → Python: ``<tid> R <ret> <err> <outs…>``
(the call returned; ``err`` is GetLastError() right after it), ``<tid> A <apcid>`` (a
user APC runs now on that thread), ``<tid> C <ovid> <err> <nbytes> <flags> <internal>
x<data>`` (a completion routine runs now on that thread), ``<tid> X <text>`` (a
malformed request) and ``0 READY`` once at start.  After an A or C message the
thread serves the routine's own calls, nested, until Python sends ``<tid> RET``.
Thread 0 is the probe's control channel (``0 spawn <tid>``, ``0 quit``).

Tokens are signed or unsigned decimal integers, or ``x<hex>`` for bytes.  The
same op vocabulary is what the ctypes transport executes on Windows, so both
transports answer with the same tuples.
"""

RESULT, APC, ROUTINE, BAD, READY = "R", "A", "C", "X", "READY"


def encode_token(value):
    """An int (bools as 0/1), bytes as x<hex>, None as 0."""
    if value is None:
        return "0"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "x" + bytes(value).hex()
    raise TypeError(f"the probe protocol carries ints and bytes, not {type(value).__name__}")


def encode(tid, op, args=()):
    """One request line (with its newline)."""
    parts = [str(int(tid)), op] + [encode_token(a) for a in args]
    return " ".join(parts) + "\n"


def decode_token(token):
    if token.startswith("x"):
        return bytes.fromhex(token[1:])
    return int(token)


class Message:
    """A line from the probe: its thread id, its kind (R, A, C, X, READY) and its values."""

    __slots__ = ("tid", "kind", "values", "text")

    def __init__(self, tid, kind, values, text=""):
        self.tid, self.kind, self.values, self.text = tid, kind, values, text

    def __repr__(self):
        return f"Message({self.tid}, {self.kind}, {self.values!r})"


def decode(line):
    """Parse one line from the probe; ValueError if it is not a protocol line."""
    line = line.rstrip("\r\n")
    parts = line.split(" ")
    if len(parts) < 2 or not parts[0].lstrip("-").isdigit():
        raise ValueError(f"not a probe message: {line[:120]!r}")
    tid, kind = int(parts[0]), parts[1]
    if kind == BAD:
        return Message(tid, kind, (), " ".join(parts[2:]))
    if kind == READY:
        return Message(tid, kind, ())
    if kind not in (RESULT, APC, ROUTINE):
        raise ValueError(f"unknown probe message kind {kind!r} in {line[:120]!r}")
    return Message(tid, kind, tuple(decode_token(t) for t in parts[2:] if t))
