"""Exports of a recorded run: text, SVG (a handout of one step), JSON, and a Perfetto trace.

* ``svg`` draws one frame with ``view.render`` on a recording console and saves
  rich's SVG: the same picture the stepper shows, for a handout, in a light
  print theme (dark text on white, every colour readable on paper) with a local
  monospace font stack; nothing is fetched (rich's default asks a CDN for Fira
  Code).
* ``perfetto`` writes Chrome trace-event JSON (the format chrome://tracing and
  ui.perfetto.dev open): one track per simulated thread with its states as
  slices (running, waiting on port 8, ...), every trace event as a short slice
  carrying its text and why, IRPs as async slices from issue to completion, and
  packets (post/completion → dequeue) and user APCs (queued → run) as flow
  arrows.  Simulated milliseconds become trace microseconds ×1000; events at the
  same simulated instant are spread 0.1 µs apart, in trace order, so their order
  stays visible.
* JSON of the outcome is the contract's (``Outcome.to_json``; ``run --json``).
"""

import json
import re

from rich.terminal_theme import TerminalTheme

from . import view

PID = 1
EVENT_DUR = 0.05          # µs: the width of one trace event's slice


# A light theme for paper and projectors: every colour has a contrast of at least 4.5:1 on white (WCAG AA).
PRINT_THEME = TerminalTheme(
    (255, 255, 255), (20, 20, 20),
    [(20, 20, 20), (176, 0, 32), (0, 110, 40), (133, 84, 0), (0, 71, 171), (128, 0, 128), (0, 98, 122),
     (90, 90, 90)],
    [(85, 85, 85), (176, 0, 32), (0, 110, 40), (133, 84, 0), (0, 71, 171), (128, 0, 128), (0, 98, 122),
     (60, 60, 60)],
)

MONOSPACE = ('"DejaVu Sans Mono", "Cascadia Mono", Consolas, "Liberation Mono", "Noto Sans Mono CJK KR", '
             'D2Coding, Menlo, "Courier New", monospace')

# rich's SVG page without the @font-face that loads Fira Code from a CDN and without the window chrome.
PRINT_SVG_FORMAT = """\
<svg class="rich-terminal" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">
    <!-- kernelsim handout: light print theme, local fonts only -->
    <style>
    .{unique_id}-matrix {{
        font-family: %s;
        font-size: {char_height}px;
        line-height: {line_height}px;
        font-variant-east-asian: full-width;
    }}
    {styles}
    </style>
    <defs>
    <clipPath id="{unique_id}-clip-terminal">
      <rect x="0" y="0" width="{terminal_width}" height="{terminal_height}" />
    </clipPath>
    {lines}
    </defs>
    <rect x="0.5" y="0.5" width="{width}" height="{height}" fill="#ffffff" stroke="#b0b0b0" stroke-width="1"/>
    <g transform="translate({terminal_x}, {terminal_y})" clip-path="url(#{unique_id}-clip-terminal)">
    {backgrounds}
    <g class="{unique_id}-matrix">
    {matrix}
    </g>
    </g>
</svg>
""" % MONOSPACE


def svg(frame, path, width=120, title=None):
    """Save one frame as SVG (well-formed XML) in the light print theme; returns the path."""
    con = view.console(width, color=True, record=True)
    con.print(view.render(frame, width))
    text = con.export_svg(title=title or frame.title or "kernelsim", theme=PRINT_THEME,
                          code_format=PRINT_SVG_FORMAT)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def text(frame, width=100):
    return view.render_text(frame, width)


# --- Perfetto / Chrome trace events ------------------------------------------------------

def _timestamps(events):
    """Simulated ms → µs, strictly increasing in trace order."""
    out = []
    last = None
    for e in events:
        ts = e.time * 1000.0
        if last is not None and ts <= last:
            ts = last + 0.1
        out.append(round(ts, 3))
        last = ts
    return out


def perfetto(outcome, name=None):
    """The trace-event JSON object (``{"traceEvents": [...], ...}``) for a model run."""
    trace = outcome.trace
    events = list(trace.events) if trace is not None else []
    snaps = [trace.snapshot(i) for i in range(len(events))] if trace is not None and trace.has_snapshots() else []
    ts = _timestamps(events)
    end_ts = (ts[-1] + 1.0) if ts else 0.0
    tids = {}

    def tid(thread):
        if thread not in tids:
            tids[thread] = len(tids) + 1
        return tids[thread]

    out = [{"ph": "M", "pid": PID, "name": "process_name", "args": {"name": f"kernelsim {name or outcome.scenario}"}}]
    # threads in creation order (from the snapshots), then "-" for kernel-side events
    if snaps:
        for t in snaps[-1].threads:            # threads are never removed: the last step lists them all
            tid(t.name)
    tid("-")
    for thread, n in tids.items():
        label = "kernel (no thread)" if thread == "-" else thread
        out.append({"ph": "M", "pid": PID, "tid": n, "name": "thread_name", "args": {"name": label}})
        out.append({"ph": "M", "pid": PID, "tid": n, "name": "thread_sort_index", "args": {"sort_index": n}})

    out += _state_slices(snaps, ts, end_ts, tid)
    out += _event_slices(events, ts, tid)
    out += _irp_slices(snaps, ts, end_ts, tid)
    out += _flows(events, ts, tid)
    return {"traceEvents": out, "displayTimeUnit": "ms",
            "metadata": {"scenario": outcome.scenario, "seed": outcome.seed, "profile": outcome.profile,
                         "schedule": outcome.schedule, "passed": outcome.passed}}


def write_perfetto(outcome, path, name=None):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(perfetto(outcome, name), f)
    return path


def _state_slices(snaps, ts, end_ts, tid):
    """Complete ('X') slices on each thread's track: running / ready / waiting on X."""
    out = []
    open_ = {}                      # thread -> (label, start ts)
    before = ()
    for snap in snaps:
        if snap.threads is before:
            continue                # shared, unchanged panel: no thread changed state
        now = ts[snap.seq] if snap.seq < len(ts) else end_ts
        changed = snap.threads.changed_since(before) if hasattr(snap.threads, "changed_since") else snap.threads
        before = snap.threads
        for t in changed:
            label = t.state if t.state != "waiting" else f"waiting on {t.waits_on}" + (
                " (alertable)" if t.alertable else "")
            if t.state == "terminated":
                label = None
            previous = open_.get(t.name)
            if previous is not None and previous[0] == label:
                continue
            if previous is not None and previous[0] is not None:
                out.append(_slice(previous[0], "state", previous[1], now, tid(t.name)))
            open_[t.name] = (label, now)
    for thread, (label, start) in open_.items():
        if label is not None:
            out.append(_slice(label, "state", start, end_ts, tid(thread)))
    return out


def _slice(name, cat, start, stop, t, args=None):
    event = {"ph": "X", "pid": PID, "tid": t, "name": name, "cat": cat, "ts": start,
             "dur": round(max(stop - start, 0.0), 3)}
    if args:
        event["args"] = args
    return event


def _event_slices(events, ts, tid):
    out = []
    for e, start in zip(events, ts):
        args = {"seq": e.seq, "time_ms": e.time, "text": e.text}
        if e.why:
            args["why"] = e.why
        if e.line:
            args["line"] = e.line
        out.append({"ph": "X", "pid": PID, "tid": tid(e.thread), "name": e.text, "cat": e.kind,
                    "ts": start, "dur": EVENT_DUR, "args": args})
    return out


def _irp_slices(snaps, ts, end_ts, tid):
    """Async begin/end ('b'/'e') pairs: one per IRP, from the step it appears to the step it is gone."""
    out = []
    live = {}                                   # irp id -> (IrpView, start ts)
    before = None
    for snap in snaps:
        if snap.irps is before:
            continue                            # shared, unchanged panel
        before = snap.irps
        now = ts[snap.seq] if snap.seq < len(ts) else end_ts
        current = {irp.id: irp for irp in snap.irps}
        for irp_id in [i for i in live if i not in current]:
            irp, _ = live.pop(irp_id)
            out.append(_async("e", irp, now, tid))
        for irp in snap.irps:
            if irp.id not in live:
                live[irp.id] = (irp, now)
                out.append(_async("b", irp, now, tid))
            else:
                live[irp.id] = (irp, live[irp.id][1])
    for irp, _ in live.values():
        out.append(_async("e", irp, end_ts, tid))
    return out


def _async(phase, irp, at, tid):
    event = {"ph": phase, "pid": PID, "tid": tid(irp.thread or "-"), "cat": "irp", "id": irp.id,
             "name": f"IRP {irp.id} {irp.op}", "ts": at}
    if phase == "b":
        event["args"] = {"op": irp.op, "socket": irp.socket, "pages": irp.pages, "thread": irp.thread}
    else:
        event["args"] = {"state": irp.state, "bytes": irp.nbytes}
    return event


_PACKET = re.compile(r"key=(\S+) (.+) (\d+)B(?: status=0x[0-9a-f]+)?$")


def _packets(what):
    """'key=1 ov2(recv s1) 4B, key=2 NULL 0B' → [(desc, ov label)]."""
    out = []
    for desc in str(what).split(", "):
        m = _PACKET.match(desc.strip())
        if m:
            out.append((desc.strip(), m.group(2)))
    return out


def _flows(events, ts, tid):
    """Flow arrows: a packet from where it entered the port (a PQCS, or the IRP's completion) to the
    thread that took it; a user APC from the moment it was queued to the moment its thread ran it."""
    out = []
    starts = []                              # pending packet flows: [desc or None, ov label, event, ts]
    pending_apcs = []                        # [(thread, label, event, ts)]
    flow_id = 0

    def flow(name, cat, start_event, start_ts, end_event, end_ts):
        nonlocal flow_id
        flow_id += 1
        common = {"pid": PID, "cat": cat, "name": name, "id": flow_id}
        out.append({**common, "ph": "s", "tid": tid(start_event.thread), "ts": start_ts})
        out.append({**common, "ph": "f", "bp": "e", "tid": tid(end_event.thread), "ts": end_ts})

    for e, at in zip(events, ts):
        fields = e.fields
        if e.kind == "call" and {"key", "ov", "n", "port"} <= set(fields):            # PQCS
            starts.append([f"key={fields['key']} {fields['ov']} {fields['n']}B", str(fields["ov"]), e, at])
        elif e.kind == "irp" and {"ov", "status", "n"} <= set(fields):             # an I/O completes
            starts.append([None, str(fields["ov"]), e, at])
        elif e.kind == "queue" and "packet" in fields:                            # queued, start known?
            for desc, ov in _packets(fields["packet"]):
                if not any(st[0] == desc or (st[0] is None and st[1] == ov) for st in starts):
                    starts.append([desc, ov, e, at])
        if e.kind in ("wake", "dequeue") and "what" in fields:
            for desc, ov in _packets(fields["what"]):
                match = next((st for st in starts if st[0] == desc), None) or \
                    next((st for st in starts if st[0] is None and st[1] == ov), None)
                if match is not None:
                    starts.remove(match)
                    flow(f"packet {desc}", "packet", match[2], match[3], e, at)
        if e.kind == "apc-queued":
            pending_apcs.append((e.thread, str(fields.get("apc")), e, at))
        elif e.kind in ("apc-run", "apc-discard"):
            label = str(fields.get("apc"))
            match = next((p for p in pending_apcs if p[0] == e.thread and p[1] == label), None)
            if match is not None:
                pending_apcs.remove(match)
                flow(f"APC {label}", "apc", match[2], match[3], e, at)
    return out


def validate_trace_events(doc):
    """Problems with a trace-event document (empty list = valid): required fields, matching b/e, s/f."""
    problems = []
    events = doc.get("traceEvents") if isinstance(doc, dict) else None
    if not isinstance(events, list):
        return ["no traceEvents list"]
    required = {"X": ("name", "ts", "dur", "pid", "tid"), "b": ("name", "ts", "id", "cat", "pid"),
                "e": ("ts", "id", "cat", "pid"), "s": ("ts", "id", "pid", "tid"), "f": ("ts", "id", "pid", "tid"),
                "M": ("name", "pid", "args"), "i": ("name", "ts", "pid")}
    opened = {}
    flows = {}
    for n, ev in enumerate(events):
        ph = ev.get("ph")
        if ph not in required:
            problems.append(f"event {n}: unknown phase {ph!r}")
            continue
        for field in required[ph]:
            if field not in ev:
                problems.append(f"event {n} ({ph}): missing {field}")
        if "ts" in ev and not isinstance(ev["ts"], (int, float)):
            problems.append(f"event {n}: ts is not a number")
        if ph == "X" and ev.get("dur", 0) < 0:
            problems.append(f"event {n}: negative duration")
        if ph == "b":
            opened[(ev.get("cat"), ev.get("id"))] = ev["ts"]
        elif ph == "e":
            start = opened.pop((ev.get("cat"), ev.get("id")), None)
            if start is None:
                problems.append(f"event {n}: end of async slice {ev.get('id')} that never began")
            elif ev["ts"] < start:
                problems.append(f"event {n}: async slice {ev.get('id')} ends before it begins")
        elif ph in ("s", "f"):
            flows.setdefault(ev.get("id"), []).append(ph)
    for key in opened:
        problems.append(f"async slice {key} never ends")
    for fid, phases in flows.items():
        if phases != ["s", "f"]:
            problems.append(f"flow {fid} has phases {phases}")
    return problems
