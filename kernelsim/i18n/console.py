"""Output that never crashes on a console that cannot show every character.

A Korean Windows console uses code page 949 (cp949), which has Hangul but no
em dash; a Western one may use cp1252, which has no Hangul.  Python's default
for such a stream is to raise UnicodeEncodeError in the middle of the output.
``make_safe`` switches stdout and stderr to the ``kernelsim`` error handler:
a character the encoding lacks becomes its ASCII look-alike (— → -, → → ->)
or ``?``, and the rest of the line is written as it is.
"""

import codecs
import sys

LOOKALIKES = {
    "—": "-", "–": "-", "‑": "-", "−": "-", "…": "...", "·": ".", "•": "*",
    "→": "->", "←": "<-", "↑": "^", "↓": "v", "⇒": "=>", "≥": ">=", "≤": "<=", "≠": "!=", "×": "x",
    "✓": "v", "✗": "x", "✔": "v", "✘": "x", "“": '"', "”": '"', "‘": "'", "’": "'",
    "「": "'", "」": "'", "『": '"', "』": '"', "▶": ">", "◀": "<", "█": "#", "░": ".", "▌": "|",
    "│": "|", "─": "-", "┌": "+", "┐": "+", "└": "+", "┘": "+", "├": "+", "┤": "+", "┬": "+", "┴": "+",
    "┼": "+", "═": "=", "║": "|", "╭": "+", "╮": "+", "╰": "+", "╯": "+",
}


def _replace(exc):
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    text = exc.object[exc.start:exc.end]
    return "".join(_lookalike(ch, exc.encoding) for ch in text), exc.end


def _lookalike(ch, encoding):
    alt = LOOKALIKES.get(ch, "?")
    try:
        alt.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return "?"
    return alt


codecs.register_error("kernelsim", _replace)


def make_safe(*streams):
    """Let ``streams`` (default stdout and stderr) replace what their encoding cannot show."""
    for stream in streams or (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
        if encoding in ("utf-8", "utf8", "utf-16", "utf-32"):
            continue
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:
            continue
        try:
            reconfigure(errors="kernelsim")
        except (ValueError, OSError):       # a closed or detached stream: nothing to protect
            pass
