"""Dialogue state: every customer reply is read against what the agent just asked and what is already known.

Like a collect step in a dialogue manager (Rasa CALM) or a dialogue-state tracker, the thread knows what its
last reply asked: information (slots, or identity), a confirmation, a choice between intents (a clarifying
question), or an open "how can I help?". The customer's reply is then read as a dialogue act before any intent
routing decides a new topic:

- ``answer``: it gives what was asked ("60614" after the zip was asked);
- ``confirm`` / ``deny``: a yes or a no to a pending confirmation (a no with nothing pending drops the request);
- ``correct``: it replaces something given before ("oops, 60615", "no wait, the other card: 7314", "no, the
  other one"); after a failed identity check it is a new attempt;
- ``close``: thanks, goodbye or a bare acknowledgement without a request of its own ("alright I'll try that,
  cheers"); it opens no intent;
- ``smalltalk``: a greeting only;
- ``new_request``: anything else — the router's intents decide, and a request with its own evidence replaces
  the flow in progress even when it also gives what was asked (an earlier turn's intents never stick to it).

An entity alone is never a request: what is left of the message once the values and their cue words are taken
out must carry the request's words.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Literal

from graphs.reasoners.local.entities import Entities
from graphs.reasoners.local.router import SECONDARY_THRESHOLD
from graphs.support.affirmation import ACK_OPENER, condition_of, narrows
from graphs.support.choices import chosen_option
from graphs.support.descriptions import RECENT
from graphs.support.flows import get_flow, money_at_stake
from graphs.support.instruction import CONTRAST, tells_value
from graphs.support.state import ActiveFlow, Asked, DialogueAct, DialogueState, IntentGuess, State
from graphs.support.utterance import (
    ABOUT_IT,
    ACK_WORDS,
    ACTING,
    CORRECTION,
    DESCRIBING,
    ELLIPSIS,
    EXPLICIT_YES,
    GO_AHEAD_WORDS,
    GREETING,
    MORE,
    OTHER,
    QUESTION,
    THANKS,
    TRAILING_FILLER,
    WITHDRAW,
    asks,
    core_of,
    follows_up,
    requests,
    requests_in_sentence,
    residual,
    says_yes,
)

# Identity: an identifier (email or customer id) and a secret (zip code or the card's last four).
IDENTIFIERS = {"emails": "email", "customer_ids": "customer_id"}
SECRETS = {"zip_code": "zip_code", "card_last4": "card_last4"}
IDENTITY_ENTITIES = (*IDENTIFIERS, *SECRETS)
# Slots a later request of the same conversation may use without asking again (who the customer said they are,
# the secret too, until a check with it fails).
CARRIED_SLOTS = ("order_id", "invoice_id", "email", "customer_id")
CARRIED_SECRETS = tuple(SECRETS.values())
# A new request needs the router this sure of it when the reply also answers what was asked; a slot on record
# fills a new request only when the router is this sure of it (an unsure reading asks, and can be corrected).
NEW_REQUEST_CONFIDENCE = 0.6
# Thanks in a longer message, or followed by "but", introduce something else ("I appreciate that, but ...").
CLOSING_MAX_WORDS = 15
def followed(flow: ActiveFlow | None) -> ActiveFlow | None:
    """The flow a reply is read against: the request finished before a turn that only closed or greeted ("ok
    cool thanks", then "and the other one? the camera"), else the flow itself."""
    earlier = flow.get("earlier") if flow is not None else None
    if (flow is not None and earlier is not None and flow["stage"] == "done"
            and set(flow["intents"]) <= {"out_of_scope"}):
        # what the closing turns gave on their own (an email, a ZIP code) stays on record
        return {**earlier, "slots": {**earlier["slots"], **flow["slots"]}}
    return flow


def closing_flow(intents: Sequence[str], previous: ActiveFlow | None) -> ActiveFlow | None:
    """The finished request a new flow that opens no intent (thanks, a greeting) keeps as ``earlier``."""
    before = followed(previous)
    if not intents or not set(intents) <= {"out_of_scope"} or before is None or before["stage"] != "done" \
            or set(before["intents"]) <= {"out_of_scope"}:
        return None
    return {k: v for k, v in before.items() if k != "earlier"}  # type: ignore[return-value]


def asked_of(state: State) -> Asked:
    """What the agent's last reply asked, read off the flow (and the last assessment, for a clarification)."""
    flow = state.flow
    nothing: Asked = {"kind": "nothing", "slots": [], "expects": [], "options": []}
    if flow is None:
        return nothing
    asking = list(flow["asking"])
    if "confirmation" in asking:
        return {"kind": "confirmation", "slots": asking, "expects": [], "options": []}
    if asking and flow["stage"] != "done":
        return {"kind": "information", "slots": asking, "expects": expected_entities(flow["intents"], asking),
                "options": []}
    assessment = state.assessment
    if (flow["low_confidence_turns"] and assessment and assessment["route"] == "respond"
            and assessment["confidence"] < assessment["threshold"]):
        return {**nothing, "kind": "choice", "options": list(flow["intents"][:2])}
    if any(flow["slots"].get(slot) in values for intent in flow["intents"]
           for slot, values in get_flow(intent).open_when.items()):
        return {**nothing, "kind": "open"}
    return nothing


def expected_entities(intents: Sequence[str], asking: Collection[str] | None = None) -> list[str]:
    """Entity kinds that would give what the intents' flows ask for (all they need, when ``asking`` is None)."""
    kinds: list[str] = []
    for intent in intents:
        spec = get_flow(intent)
        wanted = set(spec.slots) if asking is None else set(asking)
        if ("identity" in wanted or (asking is None and spec.needs_verification)):
            kinds += [k for k in IDENTITY_ENTITIES if k not in kinds]
        kinds += [s.entity for name, s in spec.slots.items()
                  if name in wanted and s.entity and s.required and s.entity not in kinds]
    return kinds


def carried_slots(state: State, intents: Sequence[IntentGuess]) -> dict[str, Any]:
    """The slots on record a new request starts with: only when the router is sure of that request, except who
    the customer said they are. A secret given before ("jess@x.com", then "30318", then "where are my earbuds?")
    is carried too, unless the identity check with it failed."""
    failed = any(s["id"] == "verify" and s["status"] == "failed" for s in state.plan)
    identity = (*IDENTIFIERS.values(), *(() if failed else CARRIED_SECRETS))
    if not intents or intents[0]["confidence"] < NEW_REQUEST_CONFIDENCE:
        # who the customer said they are does not depend on which request they make
        identity = () if not intents else identity
        return {k: v for k, v in known_slots(state).items() if k in identity}
    return {k: v for k, v in known_slots(state).items() if k in (*CARRIED_SLOTS, *identity)}


def secret_awaited(state: State, text: str) -> list[str]:
    """Entity kinds a bare value is read as although the agent asked for none: the secret that goes with the
    identifier a customer not verified yet gave on its own ("jess@x.com", then "30318"). Only a message that is
    nothing but the value."""
    if (state.customer and state.customer["verified"]) or residual(text).strip():
        return []
    known = known_slots(state)
    if not any(known.get(name) for name in IDENTIFIERS.values()) or any(known.get(name) for name in SECRETS.values()):
        return []
    return list(SECRETS)


def known_slots(state: State) -> dict[str, Any]:
    """Slot values on record in this conversation: the flow's, and the verified customer's id."""
    flow = followed(state.flow)
    slots = flow["slots"] if flow is not None else {}
    known = {k: v for k, v in slots.items() if v is not None}
    if state.customer and state.customer["verified"]:
        known["customer_id"] = state.customer["customer_id"]
    return known


def unheard(entities: Entities, state: State) -> Entities:
    """The reply's values the conversation does not already hold (in the flow's slots, a request's own slots or
    the plan's arguments): "it says $129, just refund what's left" repeats the $129 and brings nothing new."""
    flow = state.flow
    held = [flow["slots"], *[r["slots"] for r in (flow.get("requests") or {}).values()]] if flow else []
    held += [s["args"] for s in state.plan]
    on_record = set(_leaves(held))
    out: dict[str, Any] = {}
    for kind, value in entities.items():
        if not set(_leaves([value])) <= on_record:
            out[kind] = value
    return out  # type: ignore[return-value]


def holds(held: Any, value: Any) -> bool:
    """Is every scalar of ``value`` one of ``held``'s (an address given again, the same order number)?"""
    return set(_leaves([value])) <= set(_leaves([held]))


def _leaves(values: Any) -> list[str]:
    """Every scalar inside ``values`` as text (numbers as numbers: 129 and 129.0 are the same)."""
    if isinstance(values, dict):
        return [leaf for k, v in values.items() if k != "currency" for leaf in _leaves(v)]
    if isinstance(values, (list, tuple)):
        return [leaf for v in values for leaf in _leaves(v)]
    if isinstance(values, (int, float)) and not isinstance(values, bool):
        return [repr(float(values))]
    return [] if values is None else [str(values)]


def condition_holds(state: State, text: str, entities: Entities) -> bool:
    """Does the condition of a conditional yes to a pending confirmation hold ("ok, as long as it goes back on my
    card" to a refund to the card)? Only when the condition names a value of one of the request's text slots, each
    one it names is the value the request already has, and it brings no value the conversation does not hold: a
    condition the agent cannot check is no yes, and one naming another value is the request retold (``retold``)."""
    condition = condition_of(text)
    flow = state.flow
    if condition is None or flow is None or "confirmation" not in flow["asking"] or unheard(entities, state):
        return False
    named = 0
    for intent in flow["intents"]:
        own = (flow.get("requests") or {}).get(intent)
        for name, spec in get_flow(intent).slots.items():
            if not spec.text or spec.entity:
                continue
            if not any(re.search(pattern, condition, re.I) for pattern in spec.text.values()):
                continue
            value = spec.read_text(condition, state.customer)  # "on my card" names the default too
            current = own["slots"].get(name) if own is not None and name in own["slots"] else flow["slots"].get(name)
            if (spec.default if current is None else current) != value:
                return False
            named += 1
    return named > 0


# Words of a product's name that name no product on their own.
_NOT_A_NAME = frozenset({"the", "and", "for", "with", "of", "in", "to", "my", "one", "it"})


def offers_more(state: State, entities: Entities, text: str = "") -> bool:
    """Does the offer waiting for a yes take in more than the products the reply names ("yes but only the cable" to
    the return of the cable and the TV)? An item offered is named when the reply names its product or a word of its
    name ("yes, just the cable" to the return of the HDMI Cable 2m). When the items offered are not known, it may: a
    narrowed yes is then no yes to the offer."""
    named = {str(p).casefold() for p in entities.get("products") or []}
    said = set(re.findall(r"[a-z0-9]{2,}", text.casefold())) - _NOT_A_NAME
    fetched = {str(item.get("product_id")): str(item.get("name", "")).casefold()
               for step in state.plan if step["status"] == "done" and step["result"]
               for item in ((step["result"].get("data") or {}).get("items") or []) if isinstance(item, dict)}
    offered = [item for step in state.plan if step["status"] == "awaiting_confirmation"
               for item in (step["args"].get("items") or []) if isinstance(item, dict)]
    names = [fetched.get(str(item.get("product_id")), "") for item in offered]
    return not names or any(not name or (name not in named and not said & set(re.findall(r"[a-z0-9]{2,}", name)))
                            for name in names)


def supplied(asked: Asked, entities: Entities) -> list[str]:
    """The asked information this reply gives. An identifier answers the identity question when that is asked, and
    otherwise a slot it is the value of (the other account's email of a merge)."""
    out = []
    identity = "identity" in asked["slots"]
    for slot in asked["slots"]:
        if slot == "identity":
            if any(k in entities for k in IDENTITY_ENTITIES):
                out.append(slot)
        elif any(k in entities for k in asked["expects"] if not (identity and k in IDENTITY_ENTITIES)):
            out.append(slot)
    return out


def amendable(state: State, entities: Entities, text: str = "") -> list[str]:
    """Slots of the request just finished that this reply would replace: a slot filled from an entity kind the
    reply gives, or one whose value has a part of that kind (the ZIP code of an address); after an elliptical
    follow-up ("and the keyboard?", "the other one"), also a record the request found from a description, to be
    found again from the new one."""
    flow = state.flow
    if flow is None or flow["stage"] != "done":
        return []
    other = follows_up(text) and (any(k in entities for k in DESCRIBING) or OTHER.search(text) is not None
                                  or RECENT.search(text) is not None)
    found: list[str] = []
    for intent in flow["intents"]:
        for name, spec in get_flow(intent).slots.items():
            value = flow["slots"].get(name)
            own = (flow.get("requests") or {}).get(intent)
            if value is None and own is not None:
                value = own["slots"].get(name)
            if value is None or name in found:
                continue
            if (spec.entity and spec.entity in entities) or (
                    isinstance(value, dict) and any(part in entities for part in value)) or (
                    other and spec.resolve is not None and spec.required):
                found.append(name)
    return found


def retold(state: State, text: str) -> list[str]:
    """Text slots of the request just finished, or waiting for the customer's yes, that the reply's words give
    another value ("ok then just put me on the free one" after the agent offered to move them to Plus): the
    request again, with the new value, whatever else the router reads in the words around it."""
    flow = state.flow
    if flow is None or not (flow["stage"] == "done" or "confirmation" in flow["asking"]):
        return []
    found: list[str] = []
    for intent in flow["intents"]:
        own = (flow.get("requests") or {}).get(intent)
        for name, spec in get_flow(intent).slots.items():
            value = own["slots"].get(name) if own is not None and own["slots"].get(name) is not None \
                else flow["slots"].get(name)
            if not spec.text or spec.entity or value is None or name in found:
                continue
            new = spec.named_in(text, state.customer)
            if new is not None and new != value and tells_value(spec, text, state.customer):
                found.append(name)
    return found


def amend(flow_slots: dict[str, Any], names: Sequence[str], entities: Entities,
          intents: Sequence[str], text: str = "", customer: Any = None,
          sets: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Replace the amended slots' values (or the parts of them) with what the correction gives (a text slot: what
    its words now read, or the value ``sets`` gives it); a record slot the reply only describes is cleared for its
    lookup to find again. Returns the cleared slots' old values."""
    cleared: dict[str, Any] = {}
    for intent in intents:
        for name, spec in get_flow(intent).slots.items():
            value = flow_slots.get(name)
            if sets and name in names and name in sets:
                flow_slots[name] = sets[name]
                continue
            if name not in names or value is None:
                continue
            if spec.text and not spec.entity:
                new = spec.named_in(text, customer)
                if new is not None:
                    flow_slots[name] = new
            elif spec.entity and spec.entity in entities:
                flow_slots[name] = spec.take(entities[spec.entity])  # type: ignore[literal-required]
            elif isinstance(value, dict) and any(k in entities for k in value):
                flow_slots[name] = {**value, **{k: entities[k] for k in value if k in entities}}  # type: ignore[literal-required]
            elif spec.resolve is not None:
                cleared[name] = flow_slots.pop(name)
    return cleared


def asked_for(flow: ActiveFlow) -> list[str]:
    """The flow's intents the customer's own words asked for, by the local router's reading of the message that
    opened it: its main reading, or one it read as surely as it detects a second request. An intent only the chat
    model read into that message is not among them."""
    router = flow.get("router_confidences") or {}
    main = max(router, key=lambda intent: router[intent], default=None)
    return [i for i in flow["intents"] if i == main or router.get(i, 0.0) >= SECONDARY_THRESHOLD]


def read_act(text: str, asked: Asked, entities: Entities, affirmation: Literal["yes", "no"] | None,
             top: IntentGuess | None, flow_intents: Sequence[str], done_intents: Sequence[str] = (),
             amends: Sequence[str] = (), restatable: Sequence[str] | None = None,
             fresh: Entities | None = None, after_question: bool = False,
             retells: Sequence[str] = (), narrower: bool = True) -> DialogueState:
    """The dialogue act of the customer's reply, read against what was asked (see the module's docstring).

    ``flow_intents`` are the intents of the flow in progress, ``done_intents`` those of the flow just finished,
    ``amends`` the finished flow's slots this reply's values would replace (``amendable``), ``restatable`` the flow's
    intents the customer's own words asked for (``asked_for``; all of ``flow_intents`` when not given): restating
    one of those answers a pending confirmation, restating an intent only a model read into the request does not;
    ``fresh`` the reply's values the conversation does not hold yet (``unheard``; all of ``entities`` when not
    given): a restatement may repeat a value on record, not bring a new one; ``after_question``: the customer's
    previous message was a question (asking about a request, then asking for it, is a decision); ``retells`` the
    text slots of the request finished or awaiting a yes that the reply gives another value (``retold``);
    ``narrower``: a yes that names only some things ("yes, just the cable") names fewer than the offer waiting for
    it takes in (``offers_more``), so it is no yes to that offer."""
    fresh = entities if fresh is None else fresh
    gives = supplied(asked, entities)
    rest = residual(text)
    request = requests(text)
    words = re.findall(r"[a-z']+", text.lower())
    cues: list[str] = []
    # A request with evidence of its own: request words beyond the values, and the router sure of a new topic.
    # Beside an answer to what was asked, a sentence of the reply asks or requests: a remark around the answer ("it's
    # n.x@mail.com. I don't remember its password, if that's what you need") gives, and asks nothing.
    new_topic = (top is not None and top["confidence"] >= NEW_REQUEST_CONFIDENCE and top["intent"] not in flow_intents
                 and top["intent"] != "out_of_scope" and len(rest.split()) >= 2 and request
                 and (not gives or requests_in_sentence(text)))

    def state(act: DialogueAct) -> DialogueState:
        return {"asked": asked, "known": [], "act": act, "supplies": gives, "cues": cues}

    chosen = chosen_option(text, asked)
    if chosen is not None:
        cues.append(f"picks {chosen} of the options offered")
        return {**state("answer"), "chosen": chosen}

    if retells and (done_intents or asked["kind"] == "confirmation"):
        # "ok then just put me on the free one" after the offer of Plus: that request, with another value
        cues.append(f"retells the request with another {', '.join(retells)}")
        return {**state("correct"), "amends": list(retells)}
    # "ok then, where is that order?" acknowledges the offer and asks something else: no yes to it
    acknowledges_only = (affirmation == "yes" and new_topic and ACK_OPENER.match(text) is not None
                         and asks(text) and EXPLICIT_YES.search(text) is None)
    if asked["kind"] == "confirmation" and affirmation == "yes" and narrows(text) and narrower:
        # "yes but only the cable": consent to less than the offer is no yes to all of it; the offer stays pending
        cues.append("a yes to less than was offered")
        return state("new_request")
    if asked["kind"] == "confirmation" and affirmation is not None and not acknowledges_only:
        # "yes, please do it" is no new request
        cues.append(f"a {affirmation} to the pending confirmation")
        return state("confirm" if affirmation == "yes" else "deny")
    restatable = flow_intents if restatable is None else restatable
    if (asked["kind"] == "confirmation" and affirmation is None and top is not None and top["intent"] in restatable
            and top["confidence"] >= NEW_REQUEST_CONFIDENCE and not fresh and not QUESTION.search(text)):
        # A question about the request ("how do I upgrade?") asks; it does not decide.
        cues.append(f"restates the pending {top['intent']} request")
        return {**state("confirm"), "restates": top["intent"]}
    if (asked["kind"] == "information" and after_question and top is not None and top["intent"] in restatable
            and top["confidence"] >= NEW_REQUEST_CONFIDENCE and not asks(text) and not gives):
        # The customer asked about the request, then asks for it ("ok, switch me to pro then"): a decision is
        # progress, though the agent still needs what it asked for.
        cues.append(f"decides on the {top['intent']} request asked about")
        return {**state("new_request"), "decides": top["intent"]}
    if (asked["kind"] == "information" and after_question and flow_intents and affirmation == "yes" and not gives
            and not asks(text) and not entities and (top is None or top["intent"] in flow_intents
                                                     or top["confidence"] < NEW_REQUEST_CONFIDENCE
                                                     or top["intent"] == "out_of_scope")):
        # A bare go-ahead after a question ("ok then let's do it"): the request asked about, decided.
        cues.append(f"decides on the {flow_intents[0]} request asked about")
        return {**state("confirm"), "decides": flow_intents[0]}
    correction = CORRECTION.search(text)
    # A follow-up's own request words would be a new topic the router is sure of ("and the mouse, can you refund
    # it?"), unless it says it means another record of the same request ("the other one") or has no verb of its
    # own ("how about mine then, the newest?": the router's guess from a few words is no request) and the request
    # finished moves no money (a question about another refund is never that refund again, nor is "the case too"
    # after a cancellation that cancellation again).
    moved_money = any(money_at_stake(i) for i in done_intents)
    follow_up = follows_up(text, additive=not moved_money) and (
        not new_topic or OTHER.search(text) is not None
        or (ACTING.search(text) is None and bool(done_intents) and not moved_money))
    if amends and done_intents and ((correction and not new_topic) or follow_up):
        cue = correction or OTHER.search(text) or ELLIPSIS.search(text) or ABOUT_IT.search(text)
        cues.append(f"corrects {', '.join(amends)} of the finished {' + '.join(done_intents)}"
                    + (f" with {cue.group(0)!r}" if cue else ""))
        # Only "the other one" or a correction rules out the record found last time; a follow-up that describes a
        # record ("and the wall mount?", "it's for the speaker") is found from its words, which may be that one.
        describes_it = not correction and OTHER.search(text) is None
        corrected: DialogueState = {**state("correct"), "amends": list(amends)}
        if describes_it:
            corrected["same_record"] = True
        return corrected
    if (follow_up and done_intents and not correction and not moved_money
            and all(get_flow(i).needs_verification for i in done_intents)):
        # "and January's as well?", "the same for my other account": the request about the customer's records just
        # finished, again, though no value of it is replaced (it listed, or looked up, without one); never one that
        # moves money, which a follow-up must name a record for, nor a question answered from the help centre
        # ("and the return window?" is a question of its own).
        cues.append(f"asks the finished {' + '.join(done_intents)} again")
        return {**state("new_request"), "again": list(done_intents)}
    if gives and correction and not new_topic:
        cues.append(f"corrects with {correction.group(0)!r}")
        return state("correct")
    if gives and not new_topic:
        cues.append("gives what was asked: " + ", ".join(gives))
        return state("answer")
    if (flow_intents and asked["kind"] in ("information", "choice") and WITHDRAW.search(text) and not entities
            and not new_topic and not gives):
        # "oh, the other charge was another shop's. never mind": the request waiting for an answer is taken back
        cues.append(f"withdraws the request with {WITHDRAW.search(text).group(0)!r}")  # type: ignore[union-attr]
        return state("deny")
    if flow_intents and asked["kind"] in ("information", "choice") and correction and not request and not new_topic:
        cues.append(f"corrects with {correction.group(0)!r}, no new request")
        return state("correct")
    acknowledgement = bool(words) and all(w in ACK_WORDS for w in words)
    thanks = THANKS.search(text)
    unsure = top is None or top["confidence"] < NEW_REQUEST_CONFIDENCE or top["intent"] == "out_of_scope"
    # Thanks close a conversation; in its first message they are politeness around a request the router is sure
    # of ("um, I can't log in, I forgot my password. thx in advance"). A greeting with filler is a greeting.
    core = core_of(text)
    opening = not flow_intents and not done_intents and asked["kind"] == "nothing"
    # After the customer's question was answered, thanks that end a longer remark close it too ("hm ok, not worth
    # it for me. I'll stay on the free one, thanks").
    signs_off = after_question and TRAILING_FILLER.search(text) is not None
    closing = (thanks is not None and (len(words) <= CLOSING_MAX_WORDS or signs_off)
               and not CONTRAST.search(text, thanks.end())
               and (unsure or not opening or all(w in ACK_WORDS for w in re.findall(r"[a-z']+", core.lower()))))
    if GREETING.fullmatch(core) and GREETING.search(text) is None and not request and not entities:
        cues.append("a greeting with filler around it")
        return state("smalltalk")
    if (closing or acknowledgement) and not request and not entities:
        cues.append("thanks or an acknowledgement, no request of its own")
        return state("close")
    if (affirmation == "yes" and done_intents and asked["kind"] in ("nothing", "open") and not entities
            and bool(words) and all(w in ACK_WORDS or w in GO_AHEAD_WORDS for w in words)):
        # "Yes, please do it." after the request was done without waiting for it: nothing more to do
        cues.append("a go-ahead for what was just done")
        return state("close")
    if (affirmation == "yes" and says_yes(text) and asked["kind"] in ("nothing", "open") and top is not None
            and top["intent"] in done_intents and not fresh and not asks(text) and not MORE.search(text)):
        # "Yes, please dispute it." after the dispute was opened without waiting for it: the same request, nothing
        # new in it, is that go-ahead too (an outright yes: "please refund $90 of it" again is the request again)
        cues.append(f"a go-ahead that restates the {top['intent']} just done")
        return state("close")
    if ACK_OPENER.search(text) and unsure and not request and not entities:
        cues.append("an acknowledgement and a remark the router finds no request in")
        return state("close")
    if (affirmation == "yes" and asked["kind"] == "nothing" and top is not None and top["intent"] in done_intents
            and not request and (not entities or (set(entities) <= set(DESCRIBING) and not MORE.search(text)))):
        # "yea just the mount, keep the tv": a yes that describes again what was just done adds nothing to it.
        cues.append("a yes to what was just done")
        return state("close")
    if affirmation == "no" and asked["kind"] in ("nothing", "open", "choice") and not request and not entities:
        cues.append("drops the request (a no with nothing pending)")
        return state("deny")
    if GREETING.search(text) and not request and not entities:
        cues.append("a greeting")
        return state("smalltalk")
    cues.append("a request of its own" if new_topic else "no answer to what was asked")
    return state("new_request")


def identity_args(slots: dict[str, Any]) -> dict[str, Any] | None:
    """verify_identity's arguments when the slots hold an identifier and a secret; None otherwise."""
    if not (slots.get("email") or slots.get("customer_id")) or not (slots.get("zip_code") or slots.get("card_last4")):
        return None
    return {k: slots[k] for k in ("customer_id", "email", "zip_code", "card_last4") if slots.get(k)}
