"""How an event reads: the one place narration text is made from a trace event.

Every view (the terminal stepper, the TUI, the HTML stepper, the exports)
turns an event into words through ``template``/``text``/``why`` here, so a
translation (``--lang``) plugs in at one point: it maps an event's template to
the translated template of the same fields, and a *why* to its translation.
Until a catalogue is installed (``set_translator``) both are the identity.
"""

_translate = None          # (kind: "template" | "why", english text) -> translated text, or None
_field = None              # a field value shown inside narration ("port 8") -> its translation


def set_translator(translate, field=None):
    """Install ``translate(kind, text) -> str | None`` (None: keep the English) and, optionally,
    ``field(value) -> value`` for field values shown inside a template; None removes them."""
    global _translate, _field
    _translate = translate
    _field = field if translate is not None else None


def field(value):
    """A field value as narration shows it (translated when a field translator is installed)."""
    return _field(value) if _field is not None else value


def template(event):
    """The event's template, translated when a translator is installed."""
    if _translate is not None:
        return _translate("template", event.template) or event.template
    return event.template


def text(event):
    """The event's narration: its template filled in with the thread and the event's fields."""
    if _translate is None:
        return event.text
    fields = {key: field(value) for key, value in event.fields.items()} if _field else event.fields
    return template(event).format(thread=event.thread, **fields)


def why(event):
    """Why it happened (the rule and its id), translated when a translator is installed."""
    if _translate is not None and event.why:
        return _translate("why", event.why) or event.why
    return event.why
