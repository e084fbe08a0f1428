"""Rule titles for the views; the rule book itself is ``kernelsim.rulebook`` (``kernelsim rule ID``)."""

from .. import rulebook


def title(rule_id, lang="en"):
    """The rule's short title, or '' for an id the rule book does not have."""
    return rulebook.title(rule_id, lang)
