"""A request named in its flow's own words: the flow's slot evidence chooses among the router's unsure readings.

The router reads a message by what it resembles. A short request wrapped in a story ("I got carried away this
morning, four tins is more than the shelf takes. Could you bring it down to three?") resembles nothing surely, and
its most probable reading may be none of ours (out of scope) while the flow that does what it asks is only a
runner-up. A flow's ``named_by`` text slots (flows.yaml: change_order's ``fewer`` and ``quantity``) are that flow's
own words for its request: read in a sentence that asks or tells the agent something (one that opens with a verb of
acting: "put me on plus"), they choose that flow among the router's readings that have a real share of the message
(``CANDIDATE``), when the router's own choice is unsure (below ``UNSURE``) or out of scope. The chosen request is as
sure as ``NAMED_REMEDY`` (graphs/support/remedies.py): a write still needs the customer verified and the records to
allow it. A confident reading of a request is never overruled.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from graphs.reasoners.local.router import OUT_OF_SCOPE, IntentScore
from graphs.support.flows import get_flow
from graphs.support.remedies import NAMED_REMEDY
from graphs.support.state import IntentGuess
from graphs.support.utterance import ACTING, requests_in_sentence

# The router's own choice below this is unsure: the flows' own words may decide (understand's NEW_TOPIC_CONFIDENCE).
UNSURE = 0.6
# The least share of the whole message a reading needs for its flow's words to choose it.
CANDIDATE = 0.1
_SENTENCE = re.compile(r"[^.;!?\n]+[.;!?\n]*")


def named_flow(words: str, readings: Sequence[IntentScore]) -> str | None:
    """The most probable of the router's readings (``CANDIDATE`` or more) whose flow's ``named_by`` slots a sentence
    that asks something names, or None."""
    asking = [s for s in _SENTENCE.findall(words) if requests_in_sentence(s) or ACTING.match(s.strip())]
    for reading in readings:
        if reading.confidence < CANDIDATE:
            break
        if reading.intent == OUT_OF_SCOPE:
            continue
        spec = get_flow(reading.intent)
        if any(spec.slots[name].named_in(s) is not None for name in spec.named_by for s in asking):
            return reading.intent
    return None


def with_flow_named(intents: list[IntentGuess], words: str, readings: Sequence[IntentScore],
                    seen: dict[str, float]) -> list[IntentGuess]:
    """The router's intents, with the flow its own words name chosen when the router is unsure (see the module).
    ``readings``: the router's probabilities for the message, best first; ``seen``, the readings that a write's
    authority is read from, gets the chosen one's confidence too."""
    # Out of scope is no reading of a request: a sentence in a flow's own words is one ("that's a lot. put me on plus")
    if not intents or (intents[0]["confidence"] >= UNSURE and intents[0]["intent"] != OUT_OF_SCOPE):
        return intents
    chosen = named_flow(words, readings)
    if chosen is None or chosen == intents[0]["intent"]:
        return intents
    sure = max(seen.get(chosen, 0.0), NAMED_REMEDY)
    seen[chosen] = sure
    rest = [i for i in intents if i["intent"] not in (chosen, OUT_OF_SCOPE)]
    return [{"intent": chosen, "confidence": sure}, *rest]
