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


def why_questions(run):
    """The why-questions of every race scenario, answered from the library's monitor (ground truth).

    ``run`` is a dict the scenario's main fills with ``mon`` (the server's Monitor) and ``uid`` (the
    session the lesson is about).  IOCount is read when the worker handles that session's Recv = 0 —
    the receive being handled still counts — together with the I/O still in the kernel at that moment:
    what keeps the session alive.
    """
    def recv0(field):
        return run["mon"].recv0_state(run["uid"])[field]

    return [
        ("When the worker handles Recv = 0, what is the session's IOCount (that receive still counted)?",
         lambda o: recv0("io_count")),
        ("Which other I/O still holds the session at that moment (counted in IOCount)?", lambda o: recv0("in_kernel")),
        ("Did this run break an invariant, and which? (compare --seed 0 with other seeds)",
         lambda o: o.notes("violation")[0].invariant if o.notes("violation") else "no"),
    ]
