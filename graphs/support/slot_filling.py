"""Slot filling: what the customer's message gives the flow in progress (graphs/support/nodes/plan.py plans with it).

The turn's entities go into the flow's slots, typed by the flows' slot specs (``fill_slots``): identity values
(who the customer says they are) as well as the requests' own values; each request of a several-request message
gets its own slots and description (``place_requests``, graphs/support/requests.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphs.support.affirmation import condition_of
from graphs.support.deps import Deps, catalogue
from graphs.support.dialogue import IDENTIFIERS, SECRETS, amend
from graphs.support.flows import get_flow
from graphs.support.instruction import tells_value, undecided
from graphs.support.lookups import answer_choices
from graphs.support.requests import (
    add_description,
    ask_again,
    fill_answered,
    fill_open_text,
    note_decision,
    read_slot_text,
    request_of,
    split_requests,
)
from graphs.support.state import ActiveFlow, Customer, Understanding
from graphs.support.third_party import others_details


def fill_slots(flow: ActiveFlow, understanding: Understanding, text: str, *, identity_failed: bool = False,
                customer: Customer | None = None) -> None:
    """The turn's entities into the flow's slots, typed by their flow's slot specs.

    After a failed identity check the reply is a new attempt: secrets of the failed one are not sent again
    with the new ones (nor alone), and a new identifier replaces the other kind of identifier. With two accounts
    in one message (a merge), the identity is the account given with a secret, and other slots reading the same
    kind of value take the other account's.
    """
    entities: dict[str, Any] = dict(understanding["entities"])
    slots = flow["slots"]
    amended = understanding.get("dialogue", {}).get("amends")
    sets = understanding.get("dialogue", {}).get("sets") or {}
    if amended:  # a correction of a finished request: only the values it replaces change
        cleared = amend(slots, amended, understanding["entities"], flow["intents"], text, customer, sets)
        for intent in flow["intents"]:
            request = request_of(flow, intent)
            cleared |= amend(request["slots"], [n for n in amended if n in request["slots"] or n in sets],
                             understanding["entities"], [intent], text, customer, sets)
            # A value the reply tells the agent to use ("send it to my gift card instead" to a refund offered to the
            # card) is the customer's go-ahead for the offer so changed; one asked about ("can it be store credit
            # rather?"), set on a condition ("ok, as long as it isn't my card", "store credit if so") or beside
            # doubt or a decision put off ("maybe the gift card? let me think") waits for a yes again (policy 2).
            if not _undecided(text) and any(spec.decides and tells_value(spec, text, customer)
                   for name, spec in get_flow(intent).slots.items() if name in amended):
                request["decided"] = True
            excluded = request.setdefault("excluded", {})
            same = understanding.get("dialogue", {}).get("same_record", False)  # "it's for the speaker": found again
            for name, value in cleared.items():  # "the other one": not the record found last time
                if not same:
                    excluded[name] = [*excluded.get(name, []), value]
                request["described"] = {}
                request.pop("told", None)
        return
    if identity_failed:
        if not any(k in entities for k in (*IDENTIFIERS, *SECRETS)):
            for name in SECRETS.values():
                slots.pop(name, None)
        if sum(k in entities for k in IDENTIFIERS) == 1:
            for entity, name in IDENTIFIERS.items():
                if entity not in entities:
                    slots.pop(name, None)
    if any(k in entities for k in SECRETS) or (not identity_failed and _another_identifier(slots, entities)):
        # A secret goes with the identifier it was given with: another email or customer id on its own does not
        # take the one on record ("jess@x.com", "30318", then "it's on sam@x.com": ask sam's, never check 30318).
        # After a failed check a retyped identifier is a correction (above).
        for name in SECRETS.values():
            slots.pop(name, None)
    identity: dict[str, Any] = {}
    accounts = entities.get("accounts") or []
    own = next((a for a in accounts if "zip_code" in a or "card_last4" in a), None)
    if own is not None:
        identity = dict(own)
    else:
        for entity, name in {**IDENTIFIERS, **SECRETS}.items():
            if entity in entities:
                value = entities[entity]
                identity[name] = value[0] if isinstance(value, list) else value
    for name in others_details(text, identity):  # "his email is ...": it verifies nobody here
        identity.pop(name)
    if any(name in identity for name in IDENTIFIERS.values()) and any(name in identity for name in SECRETS.values()):
        # An identifier given with its secret is who the customer is: one of the other kind given alone before is
        # not checked with it ("an old account on x@gmail.com", then "new account is C6120, zip 94110").
        for name in IDENTIFIERS.values():
            if name not in identity:
                slots.pop(name, None)
    slots.update(identity)
    act = understanding.get("dialogue", {}).get("act")
    for intent in flow["intents"]:
        for name, spec in get_flow(intent).slots.items():
            if spec.entity and spec.entity in entities:
                values = entities[spec.entity]
                verifying = not (customer and customer["verified"])
                if spec.entity == "emails" and identity.get("email") and (
                        len(values) > 1 or (verifying and any(name in identity for name in SECRETS.values()))):
                    # The other account's: the email given with a secret to verify is not it, and does not replace
                    # one given before ("my old one is a@x" — then, asked to verify, "I use b@x, zip ...").
                    values = [v for v in values if v != identity["email"]]
                    if not values:
                        continue
                slots[name] = spec.take(values)
            elif act in spec.acts:
                slots[name] = spec.acts[act]
            elif spec.text and name not in slots:
                slots[name] = read_slot_text(spec, text, customer, request_of(flow, intent))


def _another_identifier(slots: dict[str, Any], entities: Any) -> bool:
    """Does the message name an identifier (emails, customer ids: lists) other than the one on record?"""
    return any(slots.get(name) and entities.get(kind) and slots[name] not in entities[kind]
               for kind, name in IDENTIFIERS.items())


def place_requests(d: Deps, flow: ActiveFlow, understanding: Understanding, text: str,
                    customer: Customer | None = None) -> list[str]:
    """Each request of the message gets its own slots and description (graphs/support/requests.py); a reply to
    the flow adds to them, and may answer which record the customer meant. Returns the requests a detail of the
    reply added a step to (``requests.fill_open_text``): their records are read again."""
    entities = understanding["entities"]
    if not understanding["continues_flow"]:
        split_requests(flow, text, entities, now=d.now, catalogue=list(catalogue(d.store)), customer=customer)
        return []
    add_description(flow, text, entities, d.now)
    dialogue: Mapping[str, Any] = understanding.get("dialogue") or {}
    # A reply to the identity question is read against it (``fill_open_text``).
    answers_identity = "identity" in flow["asking"] and "identity" in (dialogue.get("supplies") or [])
    grown = fill_open_text(flow, text, customer, identity=answers_identity)
    note_decision(flow, dialogue, understanding["affirmation"])
    fill_answered(flow, entities)
    answer_choices(flow, text, entities, d.now)
    ask_again(flow, grown)
    return grown


def _undecided(text: str) -> bool:
    """Does the reply hold the decision back: a condition (``condition_of``), a hypothetical, doubt or a deferral
    anywhere in it (``instruction.undecided``)?"""
    return condition_of(text) is not None or undecided(text)
