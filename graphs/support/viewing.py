"""A request to see a record, read as the request that would change it.

"Before it ships, can you confirm which address order 33410 is going to?" names the record a change of address
would change, and the router reads the message by it: a change of address. The customer only wants to see it:
they use verbs of looking (check, confirm, read back, tell me, what is), give no new value and name no change.
Then the request is the one that shows the record (``shown_by`` in flows.yaml: an order's tracking shows where it
is going), as sure as the router was of the record's topic. A message that names a change ("it's the wrong
address", "I've moved", "deliver it to my workplace now") or gives the new value is left as the router read it.
"""

from __future__ import annotations

import re

from graphs.reasoners.local.entities import Entities
from graphs.support.flows import get_flow
from graphs.support.state import IntentGuess

# Verbs of looking at a record: "double-check", "confirm", "verify", "read it back", "tell me", "what's", "which".
LOOKING = re.compile(r"\b(?:double[\s-]?check|check|confirm|verify|read\s+(?:it\s+|that\s+|them\s+|me\s+)?(?:back|out)"
                     r"|read\s+me|tell\s+me|show\s+me|let\s+me\s+(?:see|know)|look\s+up|what(?:'s|\s+is|\s+was)|"
                     r"which|where\s+(?:is\s+it|it's)\s+(?:going|being\s+sent|headed))\b", re.IGNORECASE)
# Words that name a change, or a reason for one: the customer wants the record changed, not only seen.
CHANGING = re.compile(r"\b(?:chang\w*|updat\w*|correct\w*|fix\w*|mov\w*|switch\w*|redirect\w*|amend\w*|edit\w*|"
                      r"replac\w*|new|different|wrong|instead|mistake\w*|typo\w*|incorrect|outdated|old)\b",
                      re.IGNORECASE)


def with_record_shown(intents: list[IntentGuess], words: str, entities: Entities) -> list[IntentGuess]:
    """The router's intents, with a request only to see what the main one would change read as the request that
    shows it (see the module)."""
    if not intents:
        return intents
    main = intents[0]
    shown = get_flow(main["intent"]).shown_by
    if shown is None or entities.get("addresses") or not LOOKING.search(words) or CHANGING.search(words):
        return intents
    return [{"intent": shown, "confidence": main["confidence"]},
            *(i for i in intents[1:] if i["intent"] != shown)]
