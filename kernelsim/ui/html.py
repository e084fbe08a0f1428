"""The web stepper: a recorded run as one self-contained HTML file (``run|step X --html FILE``).

The file needs nothing but a browser: no CDN, no network (a Content-Security-
Policy forbids it), the CSS and JavaScript inline (``web/``), and the run's
steps embedded as data.  It shows the same panels as the terminal view — the
step banner with the *why*, threads, ports, IRPs, sockets, locks, sessions, memory
gauges, the scenario source with the current line, the event log and notes —
with a slider, keys (←/→, Home/End, ``/`` search, ``g`` go to step or time), a
permalink of the step in the URL fragment (``#step=17``), and light and dark
themes.  It is made for projecting in class and for sharing a schedule that
breaks (``--schedule``): the header carries the replay command.

The data is compact:

* events: a table of interned strings; an event whose template has plain
  ``{name}`` fields is stored as its template's number and its field values
  (the page fills them in), any other as its finished text;
* steps: each step stores only the panels that changed since the step before,
  and within a panel only the rows, within a row only the cells, that changed
  (``delta``), whenever that is shorter; a run of steps that change nothing
  shown (a run without snapshots) is one number, their count.

Everything is read through ``view.steps(outcome)`` (the one accessor) and
``narration`` (the one place words are made), so the snapshot representation
and the language can change under it.  The output is deterministic: the same
run gives a byte-identical file.
"""

import json
import re
import string
from importlib import resources
from pathlib import Path

from ..trace import Rows, Window
from . import narration, view

PANELS = (("th", "threads"), ("po", "ports"), ("ir", "irps"), ("so", "sockets"), ("lk", "locks"),
          ("se", "sessions"))
_FORMATTER = string.Formatter()
_RULE_ID = re.compile(r"\b([A-FL][1-9][0-9]?)\b")


class Strings:
    """A table of interned strings: each distinct string is stored once and named by its index."""

    def __init__(self):
        self.index = {}
        self.table = []

    def __call__(self, text):
        n = self.index.get(text)
        if n is None:
            n = self.index[text] = len(self.table)
            self.table.append(text)
        return n


def _literals(template):
    """A template's literal parts and field names, if every field is a plain ``{name}``; else None."""
    literals, names = [], []
    try:
        parsed = list(_FORMATTER.parse(template))
    except ValueError:
        return None
    pending = ""
    for literal, name, spec, conversion in parsed:
        pending += literal
        if name is None:
            continue
        if spec or conversion or not name.isidentifier():
            return None
        literals.append(pending)
        names.append(name)
        pending = ""
    literals.append(pending)
    return literals, names


def _number(x):
    x = round(float(x), 6)
    return int(x) if x == int(x) else x


def _events(events, strings, file_index):
    templates, template_index, out = [], {}, []
    for e in events:
        tpl = narration.template(e)
        row = [_number(e.time), strings(e.thread), strings(e.kind), -1, strings(narration.why(e) or ""),
               file_index(e.file), e.line or 0]
        parsed = template_index.get(tpl)
        if parsed is None:
            parts = _literals(tpl)
            parsed = template_index[tpl] = (len(templates), parts[1]) if parts else (-1, None)
            if parts:
                templates.append(parts[0])
        number, names = parsed
        values = None
        if names is not None:
            try:
                values = [format(e.thread if n == "thread" else narration.field(e.fields[n]), "") for n in names]
            except KeyError:
                values = None
        if values is None:
            row.append(strings(narration.text(e)))
        else:
            row[3] = number
            row.extend(strings(v) for v in values)
        out.append(row)
    return templates, out


def _rows(items):
    return [[_cell(v) for v in item] for item in items]


def _panel_rows(items, seen):
    """A panel's rows for the page.  A shared ``Rows`` panel (trace.py) is converted chunk by chunk, and a
    chunk that is the very chunk of the step before is not converted again: a step costs what changed,
    not the whole panel.  ``seen``: id(chunk) -> (chunk, its rows) of the step before, replaced here."""
    if not isinstance(items, Rows) or items.backwards:
        return _rows(items)
    out, now = [], {}
    for chunk in items.chunks:
        hit = seen.get(id(chunk))
        if hit is None or hit[0] is not chunk:
            hit = (chunk, _rows(row for row in chunk if row is not None))
        now[id(chunk)] = hit
        out.extend(hit[1])
    seen.clear()
    seen.update(now)
    return out


def _cell(value):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (tuple, list, Rows, Window)):             # Rows, Window: shared snapshot panels
        return [_cell(v) for v in value]
    if isinstance(value, float):
        return _number(value)
    if value is None or isinstance(value, (int, str)):
        return value
    return str(value)


def _size(value):
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def delta(old, new):
    """``new`` written against ``old``: ``new`` itself, or for lists a patch
    ``{"l": length, "p": [[index, delta of that item], ...]}`` when that is shorter (rows inside a
    panel, cells inside a row, packets inside a port: each level patches only what changed)."""
    if not isinstance(new, list) or not isinstance(old, list) or not old:
        return new
    changed = [[i, delta(old[i], item) if i < len(old) else item]
               for i, item in enumerate(new) if i >= len(old) or old[i] != item]
    patch = {"l": len(new), "p": changed}
    return patch if _size(patch) < _size(new) else new


def _steps(outcome):
    """The steps as deltas, and the column names of each panel (from the snapshot's row types)."""
    out, columns = [], {}
    previous = {}
    shown = {}                      # the panel object each key showed last: an unchanged panel is the same object
    chunks = {key: {} for key, _ in PANELS}      # each panel's converted chunks of the step before
    last_seq, last_notes, last_pool = -1, 0, None
    for step in view.steps(outcome):
        change = {}
        if step.seq != last_seq + 1:
            change["q"] = step.seq
        if step.notes != last_notes:
            change["n"] = step.notes
        snap = step.snapshot
        if snap is not None:
            for key, name in PANELS:
                items = getattr(snap, name, ())
                if items is shown.get(key):
                    continue
                shown[key] = items
                if items and key not in columns:
                    columns[key] = list(items[0]._fields)
                rows = _panel_rows(items, chunks[key])
                if rows != previous.get(key, []):
                    change[key] = delta(previous.get(key, []), rows)
                    previous[key] = rows
            pool = _cell(list(snap.pool))
            if pool != last_pool:
                change["pl"] = delta(last_pool, pool)
                last_pool = pool
                columns.setdefault("pl", list(snap.pool._fields))
        if change:
            out.append(change)
        elif out and isinstance(out[-1], int):
            out[-1] += 1
        else:
            out.append(1)
        last_seq, last_notes = step.seq, step.notes
    return out, columns


def step_count(steps):
    """How many steps the stored list holds (a number in it stands for that many unchanged steps)."""
    return sum(item if isinstance(item, int) else 1 for item in steps)


def _sources(sc):
    """The scenario's source and every other file an event points into (the library's), by index."""
    files, sources, index = [], [], {}
    scenario_path = view.scenario_source(sc)[0]

    def file_index(path):
        if not path:
            return -1
        n = index.get(path)
        if n is None:
            n = index[path] = len(files)
            files.append(_display_path(path, scenario_path))
            sources.append(_read_lines(sc, path, scenario_path))
        return n

    file_index(scenario_path)
    return files, sources, file_index


def _display_path(path, scenario_path):
    p = Path(path)
    if str(path) == scenario_path:
        return p.name
    parts = p.parts
    if "kernelsim" in parts:
        return "/".join(parts[len(parts) - 1 - parts[::-1].index("kernelsim"):])
    return p.name


def _read_lines(sc, path, scenario_path):
    if str(path) == scenario_path:
        return list(view.scenario_source(sc)[1])
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []


def _rules(strings_table):
    """Titles of the rule ids the whys cite (shown on hover)."""
    try:
        from .rules import title
    except ImportError:                       # the rule book may move; the page works without titles
        return {}
    out = {}
    for text in strings_table:
        for rule in _RULE_ID.findall(text):
            if rule not in out and title(rule):
                out[rule] = title(rule)
    return dict(sorted(out.items()))


def replay_command(sc, outcome):
    """The command that opens this very run in the stepper (what a shared failure needs)."""
    parts = ["kernelsim", "step", sc.name]
    if outcome.seed:
        parts += ["--seed", str(outcome.seed)]
    if outcome.profile and outcome.profile != "windows":
        parts += ["--profile", outcome.profile]
    if outcome.schedule:
        parts += ["--schedule", outcome.schedule]
    return " ".join(parts)


def data(sc, outcome, start=0):
    """The JSON-ready data the page embeds."""
    from .. import __version__
    trace = outcome.trace
    events = list(trace.events) if trace is not None else []
    strings = Strings()
    strings("")
    files, sources, file_index = _sources(sc)
    templates, event_rows = _events(events, strings, file_index)
    steps, columns = _steps(outcome)
    notes = [[_number(n.time), n.thread,
              f"{n.tag} " + " ".join(f"{k}={v!r}" for k, v in n.fields.items())] for n in outcome.notes()]
    recorded = bool(trace is not None and trace.has_snapshots())
    kernel = getattr(outcome, "kernel", None)
    return {
        "version": 1,
        "meta": {
            "scenario": sc.name, "title": sc.title, "teaches": sc.teaches or "", "seed": outcome.seed,
            "profile": outcome.profile, "schedule": outcome.schedule or "", "passed": outcome.passed,
            "failures": [str(f) for f in outcome.failures], "checked": sc.check is not None,
            "cpus": getattr(kernel, "cpus", None), "end": outcome.end_reason or "",
            "variant": {k: repr(v) for k, v in getattr(outcome, "variant", {}).items()},
            "replay": replay_command(sc, outcome), "kernelsim": __version__,
        },
        "recorded": recorded,
        "start": max(0, min(start, step_count(steps) - 1)),
        "strings": strings.table,
        "templates": templates,
        "events": event_rows,
        "files": files,
        "sources": sources,
        "columns": columns,
        "steps": steps,
        "notes": notes,
        "rules": _rules(strings.table),
        "limits": {"log_rows": 12, "irp_rows": view.MAX_IRP_ROWS, "near": view.NEAR_LIMIT,
                   "warn": view.WARN_LIMIT},
    }


def _asset(name):
    return resources.files("kernelsim.ui").joinpath("web", name).read_text(encoding="utf-8")


def _script_json(obj):
    """JSON safe inside <script>: no '<' at all (so no '</script>' or '<!--'), compact separators."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def document(sc, outcome, start=0):
    """The whole HTML page for a recorded run, as a string."""
    parts = {"TITLE": _escape(f"kernelsim — {sc.name}"), "CSS": _asset("stepper.css"),
             "JS": _asset("stepper.js"), "DATA": _script_json(data(sc, outcome, start))}
    return re.sub(r"\{\{(TITLE|CSS|JS|DATA)\}\}", lambda m: parts[m.group(1)], _asset("stepper.html"))


def _escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def write(path, sc, outcome, start=0):
    """Write the page; returns the number of bytes written."""
    text = document(sc, outcome, start)
    encoded = text.encode("utf-8")
    with open(path, "wb") as f:
        f.write(encoded)
    return len(encoded)
