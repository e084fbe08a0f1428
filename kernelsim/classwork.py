"""``kernelsim assignments``: the assignments shipped with the package, for handing out.

Each assignment is a folder of the ``assignments/`` package data: ``README.md`` (the task),
``starter.py`` (what students get) and ``solution.py`` (the reference solution, kept out of the
starter).  ``kernelsim assignments`` lists them; ``kernelsim assignments NAME --out DIR`` copies the
README and the starter into ``DIR/NAME``; ``--solution`` adds the solution (for the instructor).
Students grade their work with ``kernelsim grade starter.py``.
"""

import shutil
from pathlib import Path

from . import cli
from . import scenario as scenarios
from .i18n import tr


def folder():
    """The installed assignments (``kernelsim/assignments``), or the repository's ``assignments/``."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "assignments", here.parent / "assignments"):
        if candidate.is_dir():
            return candidate
    return here / "assignments"


def names():
    return sorted(p.name.replace("_", "-") for p in folder().iterdir()
                  if p.is_dir() and (p / "starter.py").is_file())


def path(name):
    """The folder of one assignment; UsageError names the closest when there is none."""
    import difflib
    found = folder() / name.replace("-", "_")
    if (found / "starter.py").is_file():
        return found
    close = difflib.get_close_matches(name, names(), n=2, cutoff=0.4)
    hint = tr("; did you mean {close}?", close=", ".join(close)) if close else ""
    raise scenarios.UsageError(tr("no assignment {name!r}{hint} ('kernelsim assignments' lists them)",
                                  name=name, hint=hint))


def summary(name):
    """The README's title line, without the '#'."""
    first = (path(name) / "README.md").read_text(encoding="utf-8").splitlines()[0]
    return first.lstrip("# ").strip()


def add_parser(sub):
    p = sub.add_parser("assignments", help="the assignments shipped with kernelsim: list them or copy one out")
    p.add_argument("name", metavar="NAME", nargs="?", help="an assignment to copy out (see the list)")
    p.add_argument("--out", metavar="DIR", help="copy the README and the starter into DIR/NAME")
    p.add_argument("--solution", action="store_true", help="with --out: copy the reference solution too")


def cmd_assignments(args):
    if args.name is None:
        if args.out or args.solution:
            raise scenarios.UsageError(tr("--out and --solution need an assignment NAME"))
        for name in names():
            print(f"{name:20} {summary(name)}")
        print()
        print(tr("Copy one out: kernelsim assignments NAME --out DIR   Grade it: kernelsim grade DIR/NAME/starter.py"))
        return 0
    source = path(args.name)
    if not args.out:
        print((source / "README.md").read_text(encoding="utf-8"))
        return 0
    out = Path(args.out)
    if not out.is_dir():
        raise scenarios.UsageError(tr("--out {dir}: no such folder", dir=args.out))
    target = out / args.name
    target.mkdir(exist_ok=True)
    files = ["README.md", "starter.py"] + (["solution.py"] if args.solution else [])
    for name in files:
        shutil.copyfile(source / name, target / name)
    print(tr("copied {files} to {dir}", files=", ".join(files), dir=target))
    return 0


cli.register("assignments", add_parser, cmd_assignments)
