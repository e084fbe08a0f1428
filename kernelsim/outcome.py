"""What a run produced: the scenario's notes, whether its claims held, and (for the model) the trace.

All three backends — the model, the live adapter and the explorer — return an
``Outcome``, so a scenario's ``check(outcome)`` runs unchanged on each (DESIGN §3).
"""

from .trace import jsonable


class Note:
    """One ``note(tag, **fields)``: the tag, the thread that made it, the time in ms, and its fields."""

    def __init__(self, tag, thread, time, fields):
        self.tag = tag
        self.thread = thread
        self.time = time
        self.fields = dict(fields)
        self.__dict__.update(self.fields)

    def __getattr__(self, name):
        raise AttributeError(f"note {self.tag!r} from {self.thread} has no field {name!r} "
                             f"(it has: {', '.join(self.fields) or 'none'})")

    def to_json(self):
        out = {"tag": self.tag, "thread": self.thread, "time": round(self.time, 6)}
        for key, value in self.fields.items():
            out[key] = jsonable(value)
        return out

    def __repr__(self):
        fields = " ".join(f"{k}={v!r}" for k, v in self.fields.items())
        return f"<note {self.tag} by {self.thread} at {self.time:g} ms {fields}>"


class Outcome:
    def __init__(self, scenario, seed, profile, notes, trace=None, schedule="", end_reason="",
                 kernel=None, backend="model"):
        self.scenario = scenario
        self.seed = seed
        self.profile = profile
        self._notes = list(notes)
        self.trace = trace
        self.schedule = schedule
        self.end_reason = end_reason
        self.kernel = kernel
        self.backend = backend
        self.variant = {}          # the module names a seeded variant changed (scenario.variant)
        self.failures = []

    @property
    def passed(self):
        return not self.failures

    def notes(self, tag=None):
        """The notes, in the order they were made; only those with ``tag`` if given."""
        if tag is None:
            return list(self._notes)
        return [n for n in self._notes if n.tag == tag]

    def note(self, tag):
        """The one note with ``tag`` (an AssertionError if there is not exactly one)."""
        found = self.notes(tag)
        assert len(found) == 1, f"expected one note {tag!r}, found {len(found)}"
        return found[0]

    def to_json(self):
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "profile": self.profile,
            "passed": self.passed,
            "failures": list(self.failures),
            "notes": [n.to_json() for n in self._notes],
            "trace": self.trace.to_json() if self.trace is not None else [],
        }
