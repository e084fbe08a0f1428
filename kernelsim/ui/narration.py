"""How an event reads: the one place narration text is made from a trace event.

Every view (the terminal stepper, the TUI, the HTML stepper, the exports)
turns an event into words through ``template``/``text``/``why`` here, so a
translation (``--lang``) plugs in at one point: it maps an event's template to
the translated template of the same fields, and a *why* to its translation.
Until a catalogue is installed (``set_translator``) both are the identity.
"""

_translate = None          # (kind: "template" | "why", english text) -> translated text, or None


def set_translator(translate):
    """Install ``translate(kind, text) -> str | None`` (None: keep the English); None removes it."""
    global _translate
    _translate = translate


def template(event):
    """The event's template, translated when a translator is installed."""
    if _translate is not None:
        return _translate("template", event.template) or event.template
    return event.template


def text(event):
    """The event's narration: its template filled in with the thread and the event's fields."""
    if _translate is None:
        return event.text
    return template(event).format(thread=event.thread, **event.fields)


def why(event):
    """Why it happened (the rule and its id), translated when a translator is installed."""
    if _translate is not None and event.why:
        return _translate("why", event.why) or event.why
    return event.why
