"""When a human must look, and when a request is declined: the routing rules of assess, as one pure function.

The hand-off triggers of prompts/policy.md §5, each with its queue and a reason the reviewer reads:
- a step held by policy (refund above the limit, account deletion, migration, …) or a flow that always needs a
  person;
- the customer asking for a person, in any words (the router's contact_human_agent intent, or the ``person`` cue
  of graphs/support/handoff.yaml: "put me through to whoever can approve this");
- a chargeback threat (billing, with a ticket for billing's work outside the chat), a legal or regulatory
  threat, a request for an exception a person could grant (to the queue of the subject the customer's words name:
  the rule it excepts);
- a situation whatever the tone: a product that hurt someone (technical, with a ticket), someone acting for an
  account holder who has died (accounts, with a ticket);
- identity verification failed ``max_verification_attempts`` times (accounts);
- very strong anger: sentiment at or below ``STRONGLY_NEGATIVE`` with the anger aimed at us (blame, insults,
  outrage, an ultimatum), not distress at the customer's own situation;
- no progress: the agent is about to ask again what it already asked although the customer's reply gave none of
  it, or to give the same answer a third time, or confidence stays below the flow's threshold after one
  clarifying question.
A message claiming an approval or an authority the chat cannot accept ("this is head office", "your colleague
already approved it", override codes) is declined instead: nothing it asks for runs and no person is asked, as
no person would grant it. Requests the tools refuse (more than was paid, another customer's order) are refused
by the tools and are not escalated either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from graphs.support.flows import get_flow
from graphs.support.handoff import Cue, cues_in, customer_texts
from graphs.support.state import Queue, Route, State

STRONGLY_NEGATIVE = -0.85
# Anger aimed at us shown in several distinct ways (contempt and an ultimatum, outrage and blame) needs the lexicon's
# sentiment only this negative: VADER scores sarcasm and idiom ("your delivery service is a joke", "I'm done buying
# from you") mildly, and two kinds of anger at us are not worry about one's own situation.
NEGATIVE = -0.5
ANGER_SIGNS = 2
# Three distinct kinds of anger at us (outrage, contempt for the service, an ultimatum) are strong anger whatever the
# lexicon says: VADER reads "your customer service is a joke" as positive (+0.64), and a message of outrage, contempt
# and "never ordering from you again" scored +0.03. On every dev half and our own scenarios each message showing three
# signs expected a hand-off.
ANGER_CLEAR = 3
# The same answer (not a question) this many times over is no progress: the third time, not the second.
NO_PROGRESS_ANSWERS = 2
IDENTITY_STAGES = ("verifying",)
# What the agent's last reply asked that a customer's reply answers (graphs/support/state.py Asked.kind).
ANSWERABLE = ("information", "confirmation", "choice")
# The router's probability from which a reading of the message names its topic's queue when no intent acted on has
# a queue of its own (a misread flow still hands over to the people who know the subject).
TOPIC_READING = 0.1


@dataclass(frozen=True)
class Escalation:
    route: Route
    queue: Queue
    reasons: list[str] = field(default_factory=list)
    clarify: bool = False  # below threshold for the first time: ask the customer instead of escalating
    decline: bool = False  # a request no person would grant: say no, change nothing, hand nothing over
    ticket: dict[str, str] | None = None  # create_ticket arguments: work a person does outside the chat


# Hand-offs whose work happens outside the chat open a ticket for the team (prompts/policy.md §1): a person must
# verify an identity the chat could not. The description is in our words, never the customer's message.
IDENTITY_TICKET = {"subject": "Identity verification failed", "queue": "accounts", "priority": "high",
                   "description": "Identity verification failed {failures} times in the chat: a person must verify "
                                  "the customer before anything on the account is looked at or changed."}


def latest_customer_text(state: State) -> str:
    return state.customer_text()


def topic_queue(state: State) -> Queue:
    """The queue of what the turn is about: the first of the flow's intents whose flow has a queue of its own (not
    general) or works on the customer's records (needs verification), or of those the one the message's words
    name, else the router's most probable such reading of the message when it gives it at least
    ``TOPIC_READING``, else the subject the message's words name (a ``subject`` cue of handoff.yaml: "my money
    back" is billing's), else the subject of the conversation's latest such request (``State.topic``: a person asked for
    once a device's troubleshooting has failed is technical's), else the subject an earlier message's words
    named, else general. A hand-off trigger that is no
    topic of its own (a person asked for, anger, a legal threat, no progress) goes there: to the people who can
    help with the subject, not to those of the trigger."""
    assert state.flow is not None
    found = cues_in(latest_customer_text(state))
    subject = next((c.queue for c in found if c.effect == "subject"), None)
    # A request on the customer's own records (an order tracked, changed, cancelled) is its flow's subject even
    # when that is general's: "where is my phone? the phone or my money" is a delivery's, not billing's.
    queues = [(get_flow(i).queue, get_flow(i).needs_verification) for i in state.flow["intents"]]
    # A refund named without being asked for (an ultimatum's alternative: "here by the weekend or I expect a refund";
    # a return refused: "I'm not sending it back") is not the request: a reading of it chooses no queue while
    # another reading remains.
    threat = "billing" if subject != "billing" and any(c.name == "refund_not_asked" for c in found) else None
    queues = [q for q in queues if q[0] != threat] or queues
    own = [q for q, _ in queues if q != "general"] + [q for q, records in queues if q == "general" and records][:1]
    if own:
        # Of the flow's several subjects, the one the message's words name ("refund me or I'll sue", after a
        # device's troubleshooting was read too) is the one the customer is on about.
        return cast(Queue, subject) if subject in own else own[0]
    readings = state.understanding.get("router", {}) if state.understanding else {}
    topical = sorted(((p, i) for i, p in readings.items()
                      if p >= TOPIC_READING and get_flow(i).queue not in ("general", threat)), reverse=True)
    if topical:
        return get_flow(topical[0][1]).queue
    if subject or state.topic:
        return cast(Queue, subject or state.topic)
    # The subject said in an earlier message of a request told in pieces ("the headphones from january", "I know
    # it's been over 30 days", then "could you make an exception?"): the latest such one.
    return named_subject(state, earlier_only=True) or "general"


def named_subject(state: State, *, earlier_only: bool = False) -> Queue | None:
    """The queue of the subject the customer's words name (a ``subject`` cue of handoff.yaml): this message's, else
    the latest earlier message's naming one; None when none does. ``earlier_only``: earlier messages only."""
    said = customer_texts(state.messages)
    texts = reversed(said[:-1] if earlier_only else [*said[:-1], latest_customer_text(state)])
    found = (c.queue for text in texts for c in cues_in(text) if c.effect == "subject")
    return cast(Queue | None, next(found, None))


@dataclass
class Triggers:
    """What the turn carries towards a person, before a route is chosen: the hand-off reasons found, the queue
    they go to, and the two outcomes that end the search early (a human's decision already made, a claim that is
    declined)."""
    queue: Queue
    reasons: list[str] = field(default_factory=list)
    decided: bool = False  # a human has already decided this turn
    declined: str | None = None  # the reason a claimed approval or authority is declined
    unsure_of_person: bool = False  # a reading of a person the agent is not sure of: asked about, not handed over
    ticket: dict[str, str] | None = None  # see Escalation.ticket


def _held(state: State) -> bool:
    return any(s["status"] == "needs_approval" for s in state.plan)


def strong_anger(state: State, found: Sequence[Cue]) -> str | None:
    """The reason for the strong-anger trigger, or None: a strongly negative message (sentiment at or below
    ``STRONGLY_NEGATIVE``, or ``NEGATIVE`` when ``ANGER_SIGNS`` distinct patterns of the cue match, or any sentiment
    when ``ANGER_CLEAR`` do) whose anger is
    aimed at us (the ``anger_at_us`` cue: blame, insults, outrage, an ultimatum). A customer distressed by their
    own situation ("I panicked", "my bank froze my card") writes as negatively and aims at no one: they are
    helped, not handed over (prompts/policy.md §5a)."""
    sentiment = state.sentiment
    aimed = next((c for c in found if c.name == "anger_at_us"), None)
    if not sentiment or aimed is None:
        return None
    signs = aimed.strength(latest_customer_text(state))
    if signs < ANGER_CLEAR and sentiment["score"] > (STRONGLY_NEGATIVE if signs < ANGER_SIGNS else NEGATIVE):
        return None
    quote = aimed.evidence(latest_customer_text(state))
    if sentiment["score"] <= NEGATIVE:
        return f"the customer is very upset (sentiment {sentiment['score']:.2f}) and angry with us (\"{quote}\")"
    return (f"the customer is angry with us in {signs} ways, though the wording scores mildly (sentiment "
            f"{sentiment['score']:.2f}) (\"{quote}\")")


def collect_triggers(state: State, *, max_verification_attempts: int, repeats: int = 0) -> Triggers:
    """The hand-off triggers of prompts/policy.md §5a the turn in ``state`` carries, each as a reason for the
    reviewer, with the queue they name; pure, no I/O. ``repeats``: see :func:`decide`."""
    assert state.flow is not None
    flow = state.flow
    specs = [get_flow(i) for i in flow["intents"]]
    queue: Queue = specs[0].queue
    held_now = _held(state)
    if state.review and state.review["decision"] is not None and not held_now:
        return Triggers(queue, decided=True)
    queue = topic_queue(state)  # the first flow's own queue, unless the message names another of the flow's
    found = cues_in(latest_customer_text(state))
    claim = next((c for c in found if c.effect == "decline"), None)
    if claim is not None:
        return Triggers(queue, declined=claim.reason)
    reasons: list[str] = []
    for step in state.plan:
        if step["status"] == "needs_approval" and step["hold_reason"]:
            reasons.append(step["hold_reason"])
            queue = get_flow(step["intent"]).queue if step["intent"] in flow["intents"] else queue
    person_cue = any(c.name == "person" for c in found)
    # "Is this a bot?" asks what the agent is, not for a person: a reading of a person on it alone is asked about.
    asks_what = not person_cue and any(c.name == "what_am_i_talking_to" for c in found)
    router = flow.get("router_confidences") or flow["confidences"]
    # A reply to a question the agent asked answers it first: a reading of a person there, on the router alone
    # (no words of a person), is asked about ("The free one. Basic. Please." after "Shall I go ahead?").
    dialogue = state.understanding.get("dialogue") if state.understanding else None
    answering = dialogue is not None and dialogue["asked"]["kind"] in ANSWERABLE
    unsure_of_person = False
    for n, spec in enumerate(specs):
        # A flow that always goes to a person does when it is what the customer mainly asked for, or when the
        # message itself asks for a person (two readings agree); a side reading of the router alone does not,
        # nor a main reading the router is less sure of than the flow's threshold: that one is asked about.
        if spec.review_reason and (n == 0 or person_cue) and spec.review_reason not in reasons:
            if not person_cue and (asks_what or answering or router.get(flow["intents"][n], 1.0) < spec.threshold):
                unsure_of_person = True
                continue
            reasons.append(spec.review_reason)
            # The queue follows what the conversation is about, not the trigger: a person asked for about a
            # charge is billing's, whatever flow carried the asking.
            queue = spec.queue if n == 0 and spec.queue != "general" else queue
    # A model answer refused twice (invalid JSON, unknown tool, made-up id, bad arguments): none of it ran.
    reasons += [p for p in state.model_problems if p not in reasons]
    asked_for_person = (any(spec.review_reason for spec in specs[:1]) and not unsure_of_person) or (
        person_cue and any(s.review_reason for s in specs))
    for cue in found:
        if cue.effect == "queue" and not held_now:
            queue = cast(Queue, cue.queue)  # the kind of person asked for names the queue ("a technician")
        if cue.effect != "escalate" or (cue.name == "person" and asked_for_person):
            continue
        reasons.append(cue.reason)
        if cue.queue and not held_now:
            queue = cast(Queue, cue.queue)
        elif cue.follows_subject and not held_now:
            queue = named_subject(state) or queue  # an exception goes to the people of the rule it excepts
    # A trigger whose work a person does outside the chat opens its ticket (handoff.yaml: a chargeback threat).
    ticket = next((dict(c.ticket) for c in found if c.ticket is not None), None)
    if state.verification_failures >= max_verification_attempts:
        reasons.append(f"identity verification failed {state.verification_failures} times")
        queue = "accounts"
        ticket = {**IDENTITY_TICKET,
                  "description": IDENTITY_TICKET["description"].format(failures=state.verification_failures)}
    if (anger := strong_anger(state, found)) is not None:
        reasons.append(anger)
    # No progress: the same question again although the customer's reply gave nothing of it (``repeats`` is 0
    # when it did), or the same answer a third time (the customer may ask twice and hear the same answer twice).
    if repeats >= (1 if flow["asking"] else NO_PROGRESS_ANSWERS) and not reasons:
        what = "asking for identity details" if flow["stage"] in IDENTITY_STAGES else "saying"
        reasons.append(f"no progress: the agent would be {what} the same thing again ({repeats + 1} times)")
        if flow["stage"] in IDENTITY_STAGES:
            queue = "accounts"
    return Triggers(queue, reasons, unsure_of_person=unsure_of_person, ticket=ticket)


def choose_route(state: State, found: Triggers, confidence: float, threshold: float, *,
                 why_unsure: str = "") -> Escalation:
    """The route for the turn given the triggers it carries and its confidence; pure, no I/O."""
    assert state.flow is not None
    flow = state.flow
    queue = found.queue
    if found.decided:
        return Escalation("respond", queue)
    if found.declined is not None:
        return Escalation("respond", queue, [found.declined], decline=True)
    if found.reasons:
        return Escalation("human_review", queue, list(found.reasons), ticket=found.ticket)
    unsure = f" (lowered most by {why_unsure})" if why_unsure else ""
    if found.unsure_of_person and not flow["asking"]:
        if flow["low_confidence_turns"] >= 1:
            return Escalation("human_review", queue, [f"no progress: the customer may want a person and the agent "
                                                      f"is still unsure after asking{unsure}"])
        return Escalation("respond", queue, clarify=True)
    writes = [s for s in state.plan if s["writes"] and s["status"] == "done"]
    if writes and all(s["confirmed"] for s in writes):
        return Escalation("respond", queue)  # what was changed the customer confirmed: theirs to decide
    if confidence < threshold and not flow["asking"]:
        if flow["low_confidence_turns"] >= 1:
            return Escalation("human_review", queue,
                              [f"no progress: confidence {confidence:.2f} is below the {threshold:.2f} threshold "
                               f"for the second turn running{unsure}"])
        if any(s["writes"] and s["status"] == "done" for s in state.plan):
            # Something was already changed on an uncertain reading: a person checks it, the customer is not
            # asked to rephrase what was acted on.
            return Escalation("human_review", queue,
                              [f"confidence {confidence:.2f} is below the {threshold:.2f} threshold after a change "
                               f"was made{unsure}"])
        return Escalation("respond", queue, clarify=True)
    return Escalation("respond", queue)


def decide(state: State, confidence: float, threshold: float, *, max_verification_attempts: int,
           repeats: int = 0, why_unsure: str = "") -> Escalation:
    """The route for the turn in ``state`` given its confidence; pure, no I/O: the triggers it carries
    (:func:`collect_triggers`), then the route they and the confidence choose (:func:`choose_route`).

    ``repeats``: how many earlier agent messages the reply drafted for this turn repeats (dialogue repair);
    ``why_unsure``: the signals that lowered confidence most, added to a low-confidence reason for the reviewer.
    """
    found = collect_triggers(state, max_verification_attempts=max_verification_attempts, repeats=repeats)
    return choose_route(state, found, confidence, threshold, why_unsure=why_unsure)
