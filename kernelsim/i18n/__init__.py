"""One message catalogue for every language kernelsim speaks (``--lang en|ko``).

English is the source: every message is written in English in the code, and
the catalogue of another language (``ko.py``) maps that English text to its
translation.  A key may hold ``{name}`` slots; a slot matches any text, so one
entry covers ``Sleep(10 ms): the timeout elapsed`` and ``Sleep(45 ms): …``,
and the matched text is put back into the translation.  What is translated:

* CLI messages — ``tr("English {x}", x=…)`` at the point of printing, and
  ``localise(text)`` for a finished English message (an error raised deeper);
* narration — an event's ``template`` and ``why``, at render time, from the
  trace (the model never sees a language; see ``translate``);
* quiz questions and scenario titles (``question``, ``title``).

The language is chosen by ``--lang``, else ``KERNELSIM_LANG``, else the
locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``: ``ko_KR.UTF-8`` → Korean), else
English.  Text without an entry stays English rather than failing.
"""

import importlib
import os
import re

LANGS = ("en", "ko")
_current = None
_catalogues = {}


def detect(env=None):
    """The language the environment asks for: KERNELSIM_LANG, then the POSIX locale variables."""
    env = os.environ if env is None else env
    wanted = env.get("KERNELSIM_LANG", "").strip().lower()
    if wanted:
        return wanted[:2] if wanted[:2] in LANGS else "en"
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "").strip().lower()
        if value:
            return "ko" if value.startswith("ko") else "en"
    return "en"


def current():
    return _current or detect()


def set_lang(lang):
    """Use ``lang`` ("en", "ko") from now on; None goes back to what the environment says."""
    global _current
    if lang is not None and lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
    _current = lang
    _install_narration()


class Catalogue:
    """One language's tables, with the ``{slot}`` keys compiled to patterns."""

    def __init__(self, module):
        self.tables = {}
        self.patterns = {}
        for table in ("MESSAGES", "NARRATION", "WHY", "QUESTIONS", "TITLES", "FIELDS"):
            entries = dict(getattr(module, table, {}))
            self.tables[table] = entries
            strict = table == "NARRATION"
            self.patterns[table] = [(compile_key(key, strict), value) for key, value in entries.items()
                                    if SLOT.search(key)]

    def lookup(self, table, text):
        """The translation of ``text`` (exact key first, then a pattern), or None."""
        found = self.tables[table].get(text)
        if found is not None:
            return found
        for pattern, value in self.patterns[table]:
            match = pattern.match(text)
            if match:
                slots = match.groupdict()
                if table != "FIELDS":            # "owned by T1" inside a why is a field value: translate it too
                    slots = {k: self.lookup("FIELDS", v) or v for k, v in slots.items()}
                return fill(value, slots)
        return None


RULE_IDS = re.compile(r"^[A-F]\d{1,2}(, [A-F]\d{1,2})*$")      # a why that is only rule ids needs no words
SLOT = re.compile(r"(?<!\{)\{([a-z_][a-z0-9_]*)\}(?!\})")
_TOKEN = re.compile(r"\{\{|\}\}|\{[a-z_][a-z0-9_]*\}")


def compile_key(key, strict=False):
    """``"Sleep({ms} ms): …"`` → a regex where each slot matches any text (``{{``/``}}`` stay literal).

    ``strict`` (narration templates, which still hold their ``{field}`` placeholders): a slot matches
    its own placeholder, or text without braces — so ``{thread} enters {lock}`` cannot swallow
    ``socket {h}'s connection enters TIME_WAIT``, while ``{thread}'s {call} fails`` still covers
    ``{thread}'s WSARecv fails``."""
    parts, pos, seen = [], 0, set()
    for m in _TOKEN.finditer(key):
        parts.append(re.escape(key[pos:m.start()]))
        token = m.group()
        if token in ("{{", "}}"):
            parts.append(re.escape(token))
        else:
            name = token[1:-1]
            free = rf"\{{{name}\}}|[^{{}}]+?" if strict else ".+?"
            parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>{free})")
            seen.add(name)
        pos = m.end()
    parts.append(re.escape(key[pos:]))
    return re.compile("^" + "".join(parts) + "$", re.S)


def fill(template, values):
    """Put matched slot text back into a translation (textually: the text may itself hold ``{thread}``)."""
    return SLOT.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def catalogue(lang=None):
    """The catalogue of ``lang`` (default: the current language), or None for English."""
    lang = lang or current()
    if lang == "en":
        return None
    if lang not in _catalogues:
        _catalogues[lang] = Catalogue(importlib.import_module(f"{__name__}.{lang}"))
    return _catalogues[lang]


def tr(message, /, **fields):
    """A CLI message in the current language, formatted with ``fields``."""
    cat = catalogue()
    text = message
    if cat is not None:
        text = cat.lookup("MESSAGES", message) or message
    return text.format(**fields) if fields else text


def localise(text):
    """A finished English message (an error raised deep inside) in the current language, if known."""
    cat = catalogue()
    if cat is None:
        return text
    return cat.lookup("MESSAGES", text) or text


def translate(kind, text, lang=None):
    """Narration: an event's ``template`` or ``why`` in ``lang`` (default current), or None for none."""
    cat = catalogue(lang)
    if cat is None or not text:
        return None
    if kind == "template":
        return cat.lookup("NARRATION", text)
    if kind == "why":
        return text if RULE_IDS.match(text) else cat.lookup("WHY", text)
    raise ValueError(f"unknown narration kind {kind!r}")


def event_text(event, lang=None):
    """An event's narration line in ``lang``: its (translated) template filled in with its fields."""
    template = translate("template", event.template, lang)
    if template is None:
        return event.text
    fields = {key: field(value, lang) for key, value in event.fields.items()}
    return template.format(thread=event.thread, **fields)


def event_why(event, lang=None):
    return translate("why", event.why, lang) or event.why


def field(value, lang=None):
    """A field value shown inside narration ("port 8", "recv on socket 5") in ``lang``."""
    cat = catalogue(lang)
    if cat is None or not isinstance(value, str):
        return value
    return cat.lookup("FIELDS", value) or value


def question(text, lang=None):
    cat = catalogue(lang)
    return (cat.lookup("QUESTIONS", text) if cat else None) or text


def title(text, lang=None):
    cat = catalogue(lang)
    return (cat.lookup("TITLES", text) if cat else None) or text


def _install_narration():
    """Let every view that renders through ``kernelsim.ui.narration`` translate (if that module exists)."""
    try:
        from ..ui import narration
    except ImportError:
        return
    setter = getattr(narration, "set_translator", None)
    if setter is not None:
        setter(None if current() == "en" else translate, field)
