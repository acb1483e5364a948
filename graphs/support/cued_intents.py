"""Intents the hand-off cues of a message decide (graphs/support/handoff.yaml), whatever the router reads: the
request a claimed approval or authority carries, a person asked for, a complaint voiced (prompts/policy.md §5a)."""

from __future__ import annotations

from graphs.reasoners.local.cascade import CascadeRouter
from graphs.reasoners.local.normalise import read_form
from graphs.reasoners.local.router import SECONDARY_THRESHOLD, IntentScore
from graphs.support.escalation import strong_anger
from graphs.support.flows import changes_records
from graphs.support.handoff import cues_in, normalise
from graphs.support.state import IntentGuess, State

# The intent of a request for a person (prompts/policy.md §5a).
PERSON_INTENT = "contact_human_agent"
# The intent of a complaint about us: what a message angry with us says, whatever else it asks.
COMPLAINT_INTENT = "complaint"


def request_under_claim(router: CascadeRouter, text: str) -> tuple[list[IntentScore], float] | None:
    """The request a claimed approval or authority carries (a ``decline`` cue of graphs/support/handoff.yaml), read
    as the customer's request that is declined (prompts/policy.md §5a), or None without a claim. The router reads the
    message without the claim's words ("this is head office", "auth code ..."), which otherwise pull the reading
    towards whatever they resemble; a claim that wants something carried out ("process it", "push it through",
    the ``claimed_action`` cue) asks for a change of the records, so only readings whose flow changes something
    count, the router's most probable such one when none was detected ("refund 5000 to my card" is a refund asked
    for, not one tracked). Nothing a claim asks for runs: this names what is declined."""
    found = cues_in(text)
    claim = next((c for c in found if c.effect == "decline"), None)
    if claim is None:
        return None
    words = read_form(claim.without(normalise(text)))
    detected, margin = router.detect(words)
    if not any(c.name == "claimed_action" for c in found):
        return detected, margin
    acting = [i for i in detected if changes_records(i.intent)]
    best = next((s for s in router.classify([words])[0] if changes_records(s.intent)), None)
    return (acting or ([best] if best is not None else detected)), margin


def with_person_asked(intents: list[IntentGuess], text: str, seen: dict[str, float]) -> list[IntentGuess]:
    """The router's intents, with a request for a person read from the words that ask for one (the ``person`` cue
    of graphs/support/handoff.yaml: "can I talk to a technician?", "could someone on your team ring me?") when the
    router did not read it: the message asks for a person whatever else it asks, and says so."""
    if any(i["intent"] == PERSON_INTENT for i in intents) or not any(c.name == "person" for c in cues_in(text)):
        return intents
    return [*intents, {"intent": PERSON_INTENT, "confidence": max(seen.get(PERSON_INTENT, 0.0), SECONDARY_THRESHOLD)}]


def with_complaint_voiced(intents: list[IntentGuess], state: State, seen: dict[str, float]) -> list[IntentGuess]:
    """The router's intents, with a complaint read from a new request's strong anger at us (the strong-anger trigger
    of graphs/support/escalation.py, prompts/policy.md §5a) when the router did not read it: a message that is
    handed over for its blame, insults or ultimatum complains about us whatever it also asks ("where is my order?
    third time I write, your service is a disgrace, sort it today or I'm gone" tracks an order and complains). So
    does one asking amends for a trouble of ours (the ``amends`` cue: "some credit for the bother seems only right")."""
    found = cues_in(state.customer_text())
    voiced = strong_anger(state, found) is not None or any(c.name == "amends" for c in found)
    if not voiced or any(i["intent"] == COMPLAINT_INTENT for i in intents):
        return intents
    sure = max(seen.get(COMPLAINT_INTENT, 0.0), SECONDARY_THRESHOLD)
    return [*intents, {"intent": COMPLAINT_INTENT, "confidence": sure}]
