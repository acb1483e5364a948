"""What makes a customer message acceptable; hosts check it before a message enters a thread."""

from __future__ import annotations

import re
import unicodedata

from foundation.tokens import count_tokens
from tools.common import MAX_MESSAGE_CHARS as MAX_MESSAGE_CHARS  # one limit: the tools cut quoted notes by it

MAX_MESSAGE_TOKENS = 2_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# What a person may not type into anything the agent keeps: C0 and C1 control characters other than tab and
# line feed (a CR is taken only as part of a CRLF line end). Postgres cannot even store U+0000 in text or JSON.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class InvalidMessage(ValueError):
    """A customer message the agent will not take, with a reason a person can act on."""


def normalise(text: str) -> str:
    """NFC, no control characters, collapsed whitespace."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


def control_character(text: str) -> str | None:
    """Why ``text`` may not be kept: it holds a control character (or an undecodable byte); None if it is fine."""
    try:
        text.encode("utf-8")  # undecodable bytes arrive as lone surrogates (surrogateescape)
    except UnicodeEncodeError:
        return "is not valid UTF-8 text"
    found = _FORBIDDEN.search(text.replace("\r\n", "\n"))
    if found is None:
        return None
    return f"contains the control character U+{ord(found.group(0)):04X}; remove it and send the text again"


def check_message(text: str) -> str:
    """The normalised message, or InvalidMessage saying what is wrong with it."""
    if not isinstance(text, str):
        raise InvalidMessage("the message must be text")
    if len(text) > MAX_MESSAGE_CHARS * 4:
        raise InvalidMessage(f"the message is too long ({len(text):,} characters; at most {MAX_MESSAGE_CHARS:,})")
    if problem := control_character(text):
        raise InvalidMessage(f"the message {problem}")
    clean = normalise(text)
    if not clean:
        raise InvalidMessage("the message is empty")
    if len(clean) > MAX_MESSAGE_CHARS:
        raise InvalidMessage(f"the message is too long ({len(clean):,} characters; at most {MAX_MESSAGE_CHARS:,})")
    tokens = count_tokens(clean)
    if tokens > MAX_MESSAGE_TOKENS:
        raise InvalidMessage(f"the message is too long ({tokens:,} tokens; at most {MAX_MESSAGE_TOKENS:,})")
    return clean
