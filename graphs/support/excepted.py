"""A question about a rule, asked as an exception to it, is the request the rule governs.

"the window closed last week, though could you still take it back?" reads, word for word, like a question about the
return policy, and the router reads it so; but a customer who asks for an exception (the ``exception`` cue of
graphs/support/handoff.yaml: a limit conceded and asked past, an exception or a one-off asked for) already knows
the rule and asks for what it forbids: the return itself. A reading of the rule's question (``rule_of`` in
flows.yaml: the refund policy governs refunds) is then the request it governs, as sure as either was read; the
hand-off the exception asks for still goes to a person (prompts/policy.md §5a), now with the request they decide.
"""

from __future__ import annotations

from graphs.support.flows import get_flow
from graphs.support.handoff import cues_in
from graphs.support.state import IntentGuess

EXCEPTION_CUE = "exception"


def with_rule_excepted(intents: list[IntentGuess], text: str, seen: dict[str, float]) -> list[IntentGuess]:
    """The router's intents, each question about a rule read as the request the rule governs when the message asks
    for an exception to it (see the module). ``seen``, the router's readings, gets the request's too."""
    if not any(get_flow(i["intent"]).rule_of for i in intents):
        return intents
    if not any(c.name == EXCEPTION_CUE for c in cues_in(text)):
        return intents
    out: list[IntentGuess] = []
    for guess in intents:
        governed = get_flow(guess["intent"]).rule_of
        if governed is not None:
            sure = max(guess["confidence"], seen.get(governed, 0.0))
            seen[governed] = max(seen.get(governed, 0.0), sure)
            guess = {"intent": governed, "confidence": sure}
        known = next((i for i in out if i["intent"] == guess["intent"]), None)
        if known is None:
            out.append(guess)
        elif guess["confidence"] > known["confidence"]:
            known["confidence"] = guess["confidence"]
    return out
