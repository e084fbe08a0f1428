"""Quiz answers: shown with Win32's names, and compared forgivingly with a student's guess.

A scenario's QUESTIONS pair a question with ``lambda outcome: answer``.  The
answer is shown the way Win32 programmers write it: ``TRUE``/``FALSE``,
``NULL``, and a code with its constant's name when the scenario marks it as
one — ``error(258)`` shows ``WAIT_TIMEOUT (258)``, ``wsa_error(997)``
``WSA_IO_PENDING (997)``, ``wait_result(192)`` ``WAIT_IO_COMPLETION (192)``.
A tuple is shown as a comma-separated list: ``FALSE, NULL, WAIT_TIMEOUT (258)``.

``matches(guess, answer)`` grades a guess: case does not matter, nor
brackets, commas or the words "ms", "bytes", "at"; ``TRUE``/``True``/``1``/
``yes`` are one answer, and so are a constant's name, its number and its hex
(``WAIT_TIMEOUT``, ``258``, ``0x102``) and every alias of it
(``WSA_IO_PENDING`` = ``ERROR_IO_PENDING``).
"""

import re

from .win32 import constants

_CONSTANTS = {name: value for name, value in vars(constants).items()
              if re.fullmatch(r"[A-Z][A-Z0-9_]*", name) and isinstance(value, int) and not isinstance(value, bool)}


class Named(int):
    """An int answer that shows its Win32 name: ``WAIT_TIMEOUT (258)``."""

    def __new__(cls, value, name):
        obj = int.__new__(cls, value)
        obj.name = name
        return obj

    def __str__(self):
        return f"{self.name} ({int(self)})" if self.name else str(int(self))

    __repr__ = __str__


def _first(value, prefixes, extra=()):
    for name in extra:
        if _CONSTANTS.get(name) == value:
            return name
    for prefix in prefixes:
        for name, v in _CONSTANTS.items():
            if v == value and name.startswith(prefix):
                return name
    return ""


def error(code):
    """A GetLastError() value: WAIT_TIMEOUT, WAIT_IO_COMPLETION, then ERROR_*, then WSAE*; 0 (no error) as 0."""
    if code is None or code == 0:
        return code
    return Named(code, _first(code, ("ERROR_", "WSAE", "WSA_"), ("WAIT_TIMEOUT", "WAIT_IO_COMPLETION")))


def wsa_error(code):
    """A WSAGetLastError() value: WSAE*/WSA_* names first (WSA_IO_PENDING, WSAECONNRESET); 0 (no error) as 0."""
    if code is None or code == 0:
        return code
    return Named(code, _first(code, ("WSAE", "WSA_", "ERROR_"), ("WAIT_IO_COMPLETION",)))


def wait_result(code):
    """What a wait function returned: WAIT_OBJECT_0+i, WAIT_TIMEOUT, WAIT_IO_COMPLETION, WAIT_FAILED."""
    if code is None:
        return None
    if 0 <= code < 64:
        return Named(code, "WAIT_OBJECT_0" if code == 0 else f"WAIT_OBJECT_0+{code}")
    return Named(code, _first(code, ("WAIT_",)))


def sleep_result(code):
    """What SleepEx returned: 0, or WAIT_IO_COMPLETION when APCs ran."""
    if code is None:
        return None
    return Named(code, "WAIT_IO_COMPLETION") if code == constants.WAIT_IO_COMPLETION else code


def status(code):
    """An NTSTATUS (OVERLAPPED.Internal)."""
    return Named(code, _first(code, ("STATUS_",)))


def socket_result(value):
    """What socket()/accept() or a Winsock call returned: INVALID_SOCKET, SOCKET_ERROR or a value."""
    if value in (constants.INVALID_SOCKET, constants.SOCKET_ERROR):
        return Named(value, "INVALID_SOCKET" if value == constants.INVALID_SOCKET else "SOCKET_ERROR")
    return value


def show(value, top=True):
    """An answer as a student writes it (TRUE, NULL, WAIT_TIMEOUT (258), …)."""
    if isinstance(value, Named):
        return str(value)
    if value is True:
        return "TRUE"
    if value is False:
        return "FALSE"
    if value is None:
        return "NULL"
    if isinstance(value, (bytes, bytearray)):
        return repr(bytes(value))
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:g}"
    if isinstance(value, tuple):
        inner = ", ".join(show(v, False) for v in value)
        return inner if top else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(show(v, False) for v in value) + "]"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {show(v, False)}" for k, v in value.items())
    return str(value)


def json_value(value):
    """An answer in JSON: codes as {"value", "name"}, the rest as JSON values."""
    if isinstance(value, Named):
        return {"value": int(value), "name": value.name}
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


FILLER = {"MS", "BYTES", "BYTE", "AT", "AND", "THE", "OV", "IS", "WITH", "RETURNS", "THEN"}
WORDS = {"TRUE": "1", "FALSE": "0", "YES": "1", "NO": "0", "NONE": "NULL", "NULL": "NULL", "NULLPTR": "NULL"}
_TOKEN = re.compile(r"""B'([^']*)'|B"([^"]*)"           # a bytes literal: its text
                        |([A-Z_][A-Z0-9_]*)\+(\d+)      # WAIT_OBJECT_0+40
                        |(-?0X[0-9A-F]+)                # hex
                        |(-?\d+(?:\.\d+)?)              # a number
                        |([A-Z_가-힣][A-Z0-9_가-힣]*)      # a word or a constant's name""", re.X)


def _number(text):
    value = float(text)
    return str(int(value)) if value.is_integer() else repr(value)


def tokens(text):
    """Canonical tokens of an answer or a guess (names → numbers, TRUE → 1, filler dropped)."""
    text = str(text).replace(",", ", ").upper()
    text = re.sub(r"(?<=\d), (?=\d{3}\b)", "", text)      # 5,000 → 5000
    out, last_name_value = [], None
    for m in _TOKEN.finditer(text):
        b1, b2, base, plus, hexa, num, word = m.groups()
        if b1 is not None or b2 is not None:
            out.extend(tokens_of_text(b1 if b1 is not None else b2))
            last_name_value = None
            continue
        if base is not None:
            value = _CONSTANTS.get(base)
            token = str(value + int(plus)) if value is not None else f"{base}+{plus}"
            out.append(token)
            last_name_value = token
            continue
        if hexa is not None:
            token = str(int(hexa, 16))
        elif num is not None:
            token = _number(num)
        elif word in FILLER:
            continue
        elif word in WORDS:
            out.append(WORDS[word])
            last_name_value = None
            continue
        elif word in _CONSTANTS:
            token = str(_CONSTANTS[word])
            out.append(token)
            last_name_value = token
            continue
        else:
            token = word
        if token == last_name_value and (hexa or num):   # "WAIT_TIMEOUT (258)": the number repeats the name
            last_name_value = None
            continue
        out.append(token)
        last_name_value = None
    return out


def tokens_of_text(text):
    return [w for w in re.findall(r"[A-Z0-9_가-힣]+", text.upper())]


def matches(guess, answer):
    """Is the guess the answer, read forgivingly?"""
    expected = tokens(show(answer))
    return bool(expected) and tokens(guess) == expected
