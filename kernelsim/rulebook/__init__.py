"""The rule book, shipped with the package: every rule the model obeys, with its sources.

``rules.en.md`` states each rule in kernelsim's own words (corrected by the
real-Windows oracle where it disagrees with the documentation), its evidence,
its sources and the oracle's verdict; ``rules.ko.md`` is the same rule book
written for Korean students.  A part of the book may live in its own pair of
files in the same layout (``rules-locks.en.md`` / ``rules-locks.ko.md``).  ``index.json`` records which catalogue
scenarios show each rule (their RULES, and the ids their narration cites) and
which tests pin it; ``kernelsim.rulebook.index`` rebuilds it and a test fails
when it is stale.
"""

import difflib
import json
import re
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
SECTIONS = {
    "A": "I/O completion ports (KQUEUE)",
    "B": "IRPs: issue, completion, notification",
    "C": "APCs and alertable waits",
    "D": "Overlapped sockets (AFD)",
    "E": "Memory: non-paged pool, locked pages, WSAENOBUFS",
    "F": "What GetQueuedCompletionStatus(Ex) returns",
    "L": "User-mode locks: critical sections and SRW locks",
}
EVIDENCE = {"D": "documented by Microsoft", "I": "read in ReactOS or Wine source",
            "O": "observed on Windows by others", "X": "inferred (behind a switch)"}
ID = re.compile(r"^[A-Z]\d{1,2}$")
CITED = re.compile(r"(?<![A-Za-z0-9_])([A-Z]\d{1,2})(?![A-Za-z0-9_])")


class Rule:
    def __init__(self, rule_id, title, text, evidence="", sources=(), oracle=""):
        self.id, self.title, self.text = rule_id, title, text
        self.evidence, self.sources, self.oracle = evidence, tuple(sources), oracle
        self.ko_title, self.ko_text = "", ""

    @property
    def section(self):
        return self.id[0]

    def title_in(self, lang):
        return self.ko_title if lang == "ko" and self.ko_title else self.title

    def text_in(self, lang):
        return self.ko_text if lang == "ko" and self.ko_text else self.text


def _blocks(path):
    """(heading, [lines]) for each '## ' section of a Markdown file."""
    heading, lines, out = None, [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            if heading is not None:
                out.append((heading, lines))
            heading, lines = line[3:].strip(), []
        elif heading is not None:
            lines.append(line)
    if heading is not None:
        out.append((heading, lines))
    return out


def _paragraphs(lines):
    text = "\n".join(lines).strip().replace("**", "")
    return "\n\n".join(" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip())


def books(lang):
    """The files of one language: rules.en.md first, then its parts (rules-locks.en.md …)."""
    return [HERE / f"rules.{lang}.md"] + sorted(HERE.glob(f"rules-*.{lang}.md"))


def _meta(lines):
    """Split a rule's lines into its evidence/sources/oracle block (up to the first blank line) and its text."""
    meta, key, body = {}, None, []
    for i, line in enumerate(lines):
        if not line.strip():
            if meta:
                return meta, lines[i:]
            continue
        name, sep, value = line.partition(": ")
        if sep and name in ("evidence", "sources", "oracle"):
            key = name
            meta[key] = value.strip()
        elif key is not None:                      # a continuation line of the last field
            meta[key] += " " + line.strip()
        else:
            return meta, lines[i:]
    return meta, body


@lru_cache(maxsize=1)
def load():
    """(rules by id in book order, source tags) from the English and Korean books."""
    rules, sources = {}, {}
    for path in books("en"):
        for heading, lines in _blocks(path):
            if heading == "Sources":
                for line in lines:
                    cells = [c.strip() for c in line.strip().strip("|").split("|")]
                    if len(cells) == 2 and cells[0] not in ("tag", "---"):
                        sources[cells[0]] = cells[1]
                continue
            rule_id, _, title = heading.partition(" ")
            if not ID.match(rule_id):
                continue
            meta, body = _meta(lines)
            rules[rule_id] = Rule(rule_id, title.strip(), _paragraphs(body), meta.get("evidence", ""),
                                  _split_sources(meta.get("sources", "")), meta.get("oracle", ""))
    for path in books("ko"):
        for heading, lines in _blocks(path):
            rule_id, _, title = heading.partition(" ")
            if rule_id in rules:
                rules[rule_id].ko_title, rules[rule_id].ko_text = title.strip(), _paragraphs(lines)
    ordered = sorted(rules.values(), key=lambda r: (r.id[0], int(r.id[1:])))     # D12 after D11, not after F5
    return {r.id: r for r in ordered}, sources


def _split_sources(text):
    """'A; B ("x; y"); C' → ['A', 'B ("x; y")', 'C']: semicolons inside brackets or quotes do not split."""
    out, depth, current = [], 0, ""
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == ";" and depth <= 0:
            out.append(current.strip())
            current = ""
        else:
            current += ch
    out.append(current.strip())
    return [s for s in out if s]


def rules():
    return load()[0]


def get(rule_id):
    """The rule with this id (case-insensitive), or None."""
    return rules().get(str(rule_id).strip().upper())


def title(rule_id, lang="en"):
    rule = get(rule_id)
    return rule.title_in(lang) if rule else ""


def closest(query, n=4):
    """The ids nearest to a mistyped id, or the rules whose title or text mention the query's words."""
    ids = list(rules())
    q = str(query).strip().upper()
    if not re.fullmatch(r"[A-Z]{1,2}\d{0,3}", q):
        words = [w for w in re.findall(r"\w+", str(query).lower()) if len(w) > 2]
        hits = [r.id for r in rules().values()
                if words and all(w in " ".join((r.title, r.text, r.ko_title, r.ko_text)).lower() for w in words)]
        if hits:
            return hits[:n]
    return difflib.get_close_matches(q, ids, n=n, cutoff=0.3) or difflib.get_close_matches(q, ids, n=n, cutoff=0)


def expand_source(entry):
    """'ROS-QUEUE KiInsertQueue' → (tag, detail, where) with the source table's location."""
    tag, _, detail = entry.partition(" ")
    where = load()[1].get(tag, "")
    if not where:
        return entry, "", ""
    return tag, detail, where


def cited(text):
    """The rule ids a piece of text cites (only ids the book has)."""
    book = rules()
    return [m for m in CITED.findall(text or "") if m in book]


@lru_cache(maxsize=1)
def load_index():
    """{"scenarios": {id: [names]}, "narration": {id: [names]}, "tests": {id: ["file::test"]}}."""
    path = HERE / "index.json"
    if not path.is_file():
        return {"scenarios": {}, "narration": {}, "tests": {}}
    return json.loads(path.read_text(encoding="utf-8"))
