"""argparse types for the command line: whole numbers and numbers with a lower bound.

One wording for every command, so that a bad value reads the same everywhere:
``argument --budget: must be at least 1, not 0`` (usage, then that line, exit 2).
"""

import argparse


def whole(minimum):
    """A type that accepts a whole number >= minimum."""
    def convert(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            bound = "must not be negative" if minimum == 0 else f"must be at least {minimum}"
            raise argparse.ArgumentTypeError(f"{bound}, not {value}")
        return value
    return convert


def number(minimum=0.0, strict=True):
    """A type that accepts a finite number above minimum (or at it, when not strict)."""
    def convert(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        low = value > minimum if strict else value >= minimum
        if not low or value == float("inf"):
            bound = (f"must be more than {minimum:g}" if strict else
                     "must not be negative" if minimum == 0 else f"must be at least {minimum:g}")
            raise argparse.ArgumentTypeError(f"{bound}, not {text}")
        return value
    return convert


positive_int = whole(1)
positive_float = number(0.0)
