"""A message written as a letter, read without its closing: the valediction and the signature after it.

Some customers write a chat message as they would a letter: "Dear Sir or Madam," or "Hi support,", the request,
then "Yours faithfully," or "Thanks so much," and a signature (a name, a company, a phone number, a job title).
The closing says nothing about what they want, but the router reads the whole message: the signature's words dilute
its reading of the request and, cut into a clause of its own ("Thanks, Sam Okafor, Okafor IT Services"), may read
as a request of their own (to contact customer service, a review). ``body`` is the message without them; the
router reads it (``IntentModel.detect_many``), the entities still read the message as written. On the first
messages of the blind dev sets (dev, dev3-dev8; 458 conversations), intents nobody asked for 175 -> 172, none missed
more. The salutation is kept: cutting "hi!" or "Dear Sir," too changed the reading of short messages for the worse
(one expected intent lost, two added).

A closing is a valediction ("thanks", "many thanks", "regards", "yours sincerely", "cheers", "best wishes", "thank
you for your help") after the message's first sentences, followed by at most ``SIGNATURE_WORDS`` words that neither
ask nor report anything (no question mark, nothing ``carries_request`` reads as a request): "Thanks, can you also
cancel 10233?" keeps its question.
"""

from __future__ import annotations

import re

from graphs.reasoners.local.segments import carries_request

SIGNATURE_WORDS = 12
# Words before a valediction: "Thanks," opening a message thanks in advance for what follows, it closes nothing.
BODY_WORDS = 8
_VALEDICTION = re.compile(
    r"(?:(?<=[.!?,;)])|(?<=[.!?,;)]['\"’”]))\s+(?P<closing>(?:with\s+)?(?:many\s+|much\s+|again\s+)?"
    r"(?:thanks|thank\s+you|thx|ty|cheers|regards|best(?:\s+regards|\s+wishes)?|kind\s+regards|warm(?:est)?\s+"
    r"regards|warmly|respectfully|sincerely|yours(?:\s+(?:faithfully|sincerely|truly))?|all\s+the\s+best|"
    r"take\s+care|appreciate\s+it|much\s+appreciated)"
    r"(?:\s+(?:so\s+much|very\s+much|a\s+lot|a\s+bunch|again|in\s+advance|kindly|"
    r"for\s+(?:your|any|all\s+your|the)\s+(?:help|time|assistance|patience|support|understanding)))*)"
    r"(?:\s*[,.!;:\-–—]+|\s*$|\s+(?=(?-i:[A-Z])))(?P<tail>[^?]*)$", re.IGNORECASE)


def closing_at(text: str) -> int | None:
    """Where the message's closing (valediction and signature) starts, or None when it has none."""
    found = _VALEDICTION.search(text)
    while found is not None:
        start, tail = found.start(), found["tail"].strip()
        found = _VALEDICTION.search(text, start + 1)
        if len(text[:start].split()) < BODY_WORDS or len(tail.split()) > SIGNATURE_WORDS:
            continue
        if not tail or not carries_request(tail):
            return start
    return None


def body(text: str) -> str:
    """``text`` without a letter's closing and signature (see the module's docstring)."""
    end = closing_at(text)
    return text[:end].rstrip() if end is not None else text
