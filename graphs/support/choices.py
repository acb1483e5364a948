"""Which option of a choice the agent offered a reply picks: by position or by the words that tell it apart."""

from __future__ import annotations

import re

from graphs.support.state import Asked


def chosen_option(text: str, asked: Asked) -> str | None:
    """The option of a choice the reply picks: by position ("the first one", "the latter") or by the words that
    tell the option from the others ("the refund" for get_refund against change_order); None if unclear."""
    options = asked["options"]
    if asked["kind"] != "choice" or not options:
        return None
    lowered = text.lower()
    for pattern, index in ((_FIRST, 0), (_SECOND, 1)):
        if pattern.search(lowered) and index < len(options):
            return options[index]
    words = set(re.findall(r"[a-z]+", lowered))
    picked = []
    for option in options:
        own = set(option.split("_")) - {w for other in options if other != option for w in other.split("_")}
        own -= _GENERIC_NAME_WORDS
        if any(w.startswith(o[:5]) for o in own for w in words):
            picked.append(option)
    return picked[0] if len(picked) == 1 else None


_FIRST = re.compile(r"\b(the )?(first|1st|former)( one)?\b")
_SECOND = re.compile(r"\b(the )?(second|2nd|latter)( one)?\b")
_GENERIC_NAME_WORDS = frozenset({"get", "check", "set", "up", "issue", "account"})
