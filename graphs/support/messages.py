"""What makes a customer message acceptable; hosts check it before a message enters a thread."""

from __future__ import annotations

import re
import unicodedata

from foundation.tokens import count_tokens

MAX_MESSAGE_CHARS = 8_000
MAX_MESSAGE_TOKENS = 2_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class InvalidMessage(ValueError):
    """A customer message the agent will not take, with a reason a person can act on."""


def normalise(text: str) -> str:
    """NFC, no control characters, collapsed whitespace."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


def check_message(text: str) -> str:
    """The normalised message, or InvalidMessage saying what is wrong with it."""
    if not isinstance(text, str):
        raise InvalidMessage("the message must be text")
    try:
        text.encode("utf-8")  # undecodable bytes arrive as lone surrogates (surrogateescape)
    except UnicodeEncodeError:
        raise InvalidMessage("the message is not valid UTF-8 text") from None
    if "\ufffd" in text:
        raise InvalidMessage("the message is not valid UTF-8 text")
    if len(text) > MAX_MESSAGE_CHARS * 4:
        raise InvalidMessage(f"the message is too long ({len(text):,} characters; at most {MAX_MESSAGE_CHARS:,})")
    clean = normalise(text)
    if not clean:
        raise InvalidMessage("the message is empty")
    if len(clean) > MAX_MESSAGE_CHARS:
        raise InvalidMessage(f"the message is too long ({len(clean):,} characters; at most {MAX_MESSAGE_CHARS:,})")
    tokens = count_tokens(clean)
    if tokens > MAX_MESSAGE_TOKENS:
        raise InvalidMessage(f"the message is too long ({tokens:,} tokens; at most {MAX_MESSAGE_TOKENS:,})")
    return clean
