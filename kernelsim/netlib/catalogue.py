"""Helpers for the race scenarios of the catalogue (not part of the library).

Each race scenario has a broken and a fixed variant.  The fixed one is a
short file that reuses the broken one's code with ``twin``, so that every
command (run, step, explore, explain) can name either variant.
"""

from pathlib import Path


def twin(this_file, sibling, **overrides):
    """The globals of the scenario file ``sibling`` (same folder), executed with ``overrides`` preset."""
    path = Path(this_file).resolve().with_name(sibling + ".py")
    source = path.read_text(encoding="utf-8")
    namespace = {"__name__": "kernelsim_scenario_" + sibling + "_twin", "__file__": str(path)}
    code = compile(source, str(path), "exec")
    exec(code, namespace)
    namespace.update(overrides)
    for name in [n for n in namespace if n.startswith("__") and n.endswith("__")]:
        del namespace[name]              # keep the twin's own __doc__, __name__, __file__
    return namespace
