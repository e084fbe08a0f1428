"""Exports: SVG of one step (a handout), Perfetto trace-event JSON, and the CLI options for them."""

import json
import xml.etree.ElementTree as ET

import pytest

from kernelsim import cli, scenario
from kernelsim.ui import export, view
from kernelsim.ui.stepper import resolve_step


@pytest.fixture(scope="module")
def lifo():
    sc = scenario.load("lifo-wakeup")
    outcome = scenario.run(sc)
    return sc, outcome, view.frames(sc, outcome)


def svg_text(path):
    root = ET.parse(path).getroot()                  # well-formed XML or this raises
    assert root.tag.endswith("svg")
    return "".join(root.itertext()).replace("\xa0", " ")


def test_svg_is_well_formed_and_shows_the_step(lifo, tmp_path):
    """The SVG of the step where T3 gets the packet is XML and shows that event and its why (A4)."""
    _, _, frames = lifo
    index = resolve_step(frames, "T3 released")
    path = export.svg(frames[index], tmp_path / "t3.svg")
    text = svg_text(path)
    assert "T3 released with key=7" in text and "newest waiter (LIFO)" in text
    assert f"step {index + 1}/{len(frames)}" in text


def test_perfetto_export_is_valid_trace_event_json(lifo):
    """Chrome trace-event format: required fields present, every async begin has its end, flows pair."""
    _, outcome, _ = lifo
    doc = json.loads(json.dumps(export.perfetto(outcome)))
    assert export.validate_trace_events(doc) == []
    events = doc["traceEvents"]
    names = {e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    assert {"main", "T1", "T2", "T3"} <= names                  # one track per thread
    slices = [e for e in events if e["ph"] == "X"]
    assert all(e["dur"] >= 0 for e in slices)
    assert any(e["name"].startswith("waiting on port 8") for e in slices)
    ts = [e["ts"] for e in events if e["ph"] == "X" and e.get("cat") not in ("state",)]
    assert ts == sorted(ts)                                      # trace order kept


def test_perfetto_packet_flow_goes_from_the_poster_to_the_released_thread(lifo):
    """The posted packet is drawn as a flow from main's PQCS to T3, the thread that received it (A2, A4)."""
    _, outcome, _ = lifo
    events = export.perfetto(outcome)["traceEvents"]
    tids = {e["args"]["name"]: e["tid"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    flows = [e for e in events if e["ph"] in ("s", "f") and e["cat"] == "packet"]
    assert [(e["ph"], e["tid"]) for e in flows] == [("s", tids["main"]), ("f", tids["T3"])]


def test_perfetto_apc_flows_pair_queue_and_run():
    """Each user APC is a flow from when it was queued to when its thread ran it (C1, C2)."""
    events = export.perfetto(scenario.run("apc-queue"))["traceEvents"]
    assert export.validate_trace_events({"traceEvents": events}) == []
    apc = [e for e in events if e.get("cat") == "apc" and e["ph"] in ("s", "f")]
    assert len(apc) == 2 * 5                       # 3 run on T1, 2 discarded with T2 (C8)


def test_validator_rejects_broken_documents():
    """The validator itself notices a missing field, an unmatched end and an unpaired flow."""
    bad = {"traceEvents": [{"ph": "X", "name": "x", "ts": 0, "pid": 1, "tid": 1},
                           {"ph": "e", "cat": "irp", "id": 3, "ts": 1, "pid": 1},
                           {"ph": "b", "cat": "irp", "id": 4, "name": "IRP", "ts": 1, "pid": 1},
                           {"ph": "s", "id": 9, "ts": 1, "pid": 1, "tid": 1}]}
    problems = export.validate_trace_events(bad)
    assert any("missing dur" in p for p in problems)
    assert any("never began" in p for p in problems)
    assert any("never ends" in p for p in problems)
    assert any("flow 9" in p for p in problems)
    assert export.validate_trace_events([]) == ["no traceEvents list"]


def test_irp_slices_begin_and_end(lifo):
    """IRPs become async slices from issue to completion; one that outlives the run is closed at its end."""
    from kernelsim.trace import IrpView, PoolView, Snapshot
    from kernelsim.trace import Event
    from kernelsim.outcome import Outcome
    from kernelsim.trace import Trace
    trace = Trace()
    pool = PoolView(0, 1, 0, 1)
    irp = IrpView(1, "recv", "T1", 100, "pending", 1, 0)
    for seq, irps in enumerate([(irp,), (irp,), (), (irp._replace(id=2),)]):
        trace.events.append(Event(seq, float(seq), "call", "T1", "step {n}", "", None, None, {"n": seq}))
        trace.snapshots.append(Snapshot(seq, float(seq), (), (), irps, (), pool, 0))
    outcome = Outcome("synthetic", 0, "windows", [], trace)
    doc = export.perfetto(outcome)
    assert export.validate_trace_events(doc) == []
    irp_events = [(e["ph"], e["id"], e["ts"]) for e in doc["traceEvents"] if e.get("cat") == "irp"]
    assert irp_events == [("b", 1, 0.0), ("e", 1, 2000.0), ("b", 2, 3000.0), ("e", 2, 3001.0)]


def test_run_svg_and_perfetto_options(tmp_path, capsys):
    """`kernelsim run NAME --svg FILE --step TEXT --perfetto FILE` narrates as usual and writes both files."""
    svg, trace = tmp_path / "t3.svg", tmp_path / "trace.json"
    code = cli.main(["run", "lifo-wakeup", "--svg", str(svg), "--step", "T3 released", "--perfetto", str(trace)])
    assert code == 0
    captured = capsys.readouterr()
    assert "check: passed" in captured.out and "saved step 24/30" in captured.err
    assert "T3 released" in svg_text(svg)
    assert export.validate_trace_events(json.loads(trace.read_text())) == []


def test_step_svg_defaults_to_the_last_step(tmp_path, capsys):
    """`kernelsim step NAME --svg FILE` saves one step (the last by default) without stepping."""
    path = tmp_path / "last.svg"
    assert cli.main(["step", "lifo-wakeup", "--svg", str(path)]) == 0
    assert "step 30/30" in svg_text(path)


def test_run_json_is_unchanged_by_the_ui_extension(capsys):
    """--json still prints exactly the contract's object (DESIGN §8) with the ui options installed."""
    assert cli.main(["run", "lifo-wakeup", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"scenario", "seed", "profile", "passed", "failures", "notes", "trace"}


def test_perfetto_io_completion_flows_end_at_the_dequeuing_worker():
    """A socket receive's packet flows from the IRP's completion to the worker that dequeued it,
    one flow per completion, in completion order (iocp-keys: session 2 first, then 1)."""
    doc = export.perfetto(scenario.run("iocp-keys"))
    events = doc["traceEvents"]
    assert export.validate_trace_events(doc) == []
    tids = {e["args"]["name"]: e["tid"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    ends = [e for e in events if e["ph"] == "f" and e["cat"] == "packet"]
    starts = [e for e in events if e["ph"] == "s" and e["cat"] == "packet"]
    assert [e["name"] for e in starts] == ["packet key=2 ov1(recv s2) 3B", "packet key=1 ov2(recv s1) 4B"]
    assert all(e["tid"] == tids["worker"] for e in ends)
    assert all(s["ts"] <= f["ts"] for s, f in zip(starts, ends))
    irps = [e for e in events if e.get("cat") == "irp"]
    assert len([e for e in irps if e["ph"] == "b"]) == len([e for e in irps if e["ph"] == "e"]) > 0


@pytest.mark.parametrize("name", scenario.catalogue_names())
def test_every_catalogue_run_exports_a_valid_perfetto_trace(name):
    """The Perfetto export of every catalogue scenario passes the trace-event checks."""
    doc = json.loads(json.dumps(export.perfetto(scenario.run(name))))
    assert export.validate_trace_events(doc) == []


@pytest.mark.parametrize("name", ["lifo-wakeup", "send-after-recv0"])
def test_run_perfetto_equals_step_perfetto(tmp_path, capsys, name):
    """`run --perfetto` records the same run as `step --perfetto`: the same full tracks, byte for byte
    (one track per thread with its states, IRP slices, flows; not only the kernel track)."""
    ran, stepped = tmp_path / "run.json", tmp_path / "step.json"
    assert cli.main(["run", name, "--perfetto", str(ran)]) in (0, 1)
    assert cli.main(["step", name, "--perfetto", str(stepped)]) == 0
    assert ran.read_bytes() == stepped.read_bytes()
    doc = json.loads(ran.read_text())
    tracks = {e["args"]["name"] for e in doc["traceEvents"] if e["ph"] == "M" and e["name"] == "thread_name"}
    assert "main" in tracks and len(tracks) >= 3
    assert any(e.get("cat") == "state" for e in doc["traceEvents"])


def _contrast(a, b):
    def luminance(rgb):
        out = []
        for c in rgb:
            c /= 255
            out.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
        return 0.2126 * out[0] + 0.7152 * out[1] + 0.0722 * out[2]
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_svg_handout_is_light_with_local_fonts_and_no_cdn(lifo, tmp_path):
    """The handout prints: a white page, dark text, a local monospace font stack; no @font-face, no CDN,
    no address but the SVG namespace.  Every colour of the theme is readable on white (>= 4.5:1)."""
    import re as re_
    _, _, frames = lifo
    text = export.svg(frames[resolve_step(frames, "T3 released")], tmp_path / "h.svg").read_text()
    assert "@font-face" not in text and "cdnjs" not in text and "url(http" not in text
    assert re_.findall(r"https?://[^\s\"')]+", text) == ["http://www.w3.org/2000/svg"]
    assert 'fill="#ffffff"' in text and "monospace" in text and "DejaVu Sans Mono" in text
    theme = export.PRINT_THEME
    assert theme.background_color.hex == "#ffffff"
    colours = [theme.foreground_color] + [theme.ansi_colors[i] for i in range(16)]
    white = (255, 255, 255)
    assert all(_contrast((c.red, c.green, c.blue), white) >= 4.5 for c in colours)
    fills = set(re_.findall(r"fill: (#[0-9a-f]{6})", text))
    assert fills and all(_contrast(tuple(int(f[i:i + 2], 16) for i in (1, 3, 5)), white) >= 4.5
                         for f in fills if f != "#ffffff")
