"""Plain-text columns for the listing commands (``list``, ``validate``): fixed columns sized to their
longest entry, the last column wrapped at word boundaries to the terminal width, its continuation
lines indented under it.  Widths are terminal cells (a Korean syllable takes two), so nothing
overflows and no row is cut in the middle of a word.
"""

import shutil

from rich.cells import cell_len

MIN_TEXT = 24              # the wrapped column never gets narrower than this


def width():
    """The terminal's width; 100 when output is not a terminal (COLUMNS overrides both)."""
    return shutil.get_terminal_size((100, 24)).columns


def wrap(text, room):
    """Lines of at most ``room`` cells, broken between words (a word longer than a line is split)."""
    lines, line = [], ""
    for word in text.split():
        while cell_len(word) > room:                      # a single over-long word: split it by cells
            if line:
                lines.append(line)
                line = ""
            cut = len(word)
            while cell_len(word[:cut]) > room:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{line} {word}" if line else word
        if cell_len(candidate) <= room:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line or not lines:
        lines.append(line)
    return lines


def pad(text, cells):
    return text + " " * max(0, cells - cell_len(text))


def rows(fixed, text, widths, total=None, gap=2):
    """One entry: ``fixed`` cells padded to ``widths``, then ``text`` wrapped to what is left of the line."""
    total = total or width()
    head = (" " * gap).join(pad(cell, w) for cell, w in zip(fixed, widths))
    indent = cell_len(head) + gap if fixed else 0
    room = max(MIN_TEXT, total - indent)
    out = []
    for i, line in enumerate(wrap(text, room)):
        out.append((head + " " * gap if i == 0 else " " * indent) + line if fixed else line)
    return [line.rstrip() for line in out]


def column_width(values, cap=None):
    """The cells of the longest value (at most ``cap``)."""
    w = max((cell_len(v) for v in values), default=0)
    return min(w, cap) if cap else w
