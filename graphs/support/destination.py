"""Where the money of a refund offer goes, and whether a condition the customer sets on it holds.

A yes on a condition ("ok, as long as it goes back to PayPal", "fine if it's not a voucher") is a yes only when
the offer already meets it (prompts/policy.md §2). The offer waiting for the yes refunds either to a gift card
(store credit) or to the method the order was paid with (get_refund_status's ``paid_with``). A condition that
names where the money should or should not go is checked against that; one naming no destination, or an offer
whose destination the records do not show, is not decided here.
"""

from __future__ import annotations

import re
from typing import Any

from graphs.support.affirmation import condition_of
from graphs.support.flows import get_flow, load_flows
from graphs.support.state import Step
from graphs.support.utterance import NEGATION

# The kinds of destination, by the words customers use for them; the first that matches a mention is its kind.
_KINDS = (
    ("gift_card", r"gift ?card|store credit|shop credit|voucher|credit note|(account|site) credit"),
    ("paypal", r"pay ?pal"),
    ("card", r"(credit |debit )?card|visa|master ?card|amex|bank( account)?"),
)
_MENTION = re.compile(r"\b(?:" + "|".join(f"(?P<{k}>{p})" for k, p in _KINDS) + r")\b", re.I)
# Words that put the destination after them in place of another ("rather than a voucher", "instead of my card").
_IN_PLACE_OF = re.compile(r"\b(?:rather than|instead of|over|other than|except)\b", re.I)
# How far back from a mention its negation reaches: "doesn't go back on my card", "won't be a voucher".
_SCOPE = 5
_REFUNDS = frozenset({"refund_order", "return_items"})


def kind_of(method: str) -> str | None:
    """The kind of a payment method as the records write it ("card ending 4242", "paypal", "gift_card")."""
    text = method.replace("_", " ")
    return next((kind for kind, pattern in _KINDS if re.search(rf"\b({pattern})\b", text, re.I)), None)


def offered_destination(plan: list[Step]) -> str | None:
    """Where the refund waiting for the customer's yes would go: gift_card, or the kind of method the order was
    paid with (one kind only); None when no refund waits or the records do not say."""
    step = _waiting(plan)
    if step is None:
        return None
    if step["args"].get("to_gift_card"):
        return "gift_card"
    paid = _paid_with(plan, step)
    return paid.pop() if len(paid) == 1 else None


def _waiting(plan: list[Step]) -> Step | None:
    waiting = [s for s in plan if s["status"] == "awaiting_confirmation" and s["tool"] in _REFUNDS]
    return waiting[0] if len(waiting) == 1 else None


def _paid_with(plan: list[Step], step: Step) -> set[str | None]:
    """The kinds of method the order of ``step`` was paid with, as get_refund_status found them."""
    paid: set[str | None] = set()
    for s in plan:
        data: dict[str, Any] = ((s["result"] or {}).get("data") or {}) if s["status"] == "done" else {}
        if s["tool"] == "get_refund_status" and str(data.get("order_id")) == str(step["args"].get("order_id")):
            paid |= {kind_of(str(m)) for m in data.get("paid_with") or []}
    return paid


def offer_instead(refused: list[str], plan: list[Step]) -> dict[str, bool]:
    """The slot value that sends the refund waiting elsewhere than the destination a conditional yes ruled out:
    store credit in place of the method paid with, that method in place of store credit ({"store_credit": True}).
    Read from the flow step the offer came from (its ``to_gift_card`` argument); {} when there is none."""
    step = _waiting(plan)
    if not refused or step is None or "." not in step["id"] or step["intent"] not in load_flows():
        return {}
    local = step["id"].split(".", 1)[1]
    spec = next((s for s in get_flow(step["intent"]).steps if s.id == local), None)
    ref = str((spec.args if spec is not None else {}).get("to_gift_card") or "")
    if not ref.startswith("$slots."):
        return {}
    return {ref.removeprefix("$slots."): refused != ["gift_card"]}


def destination_condition(text: str, plan: list[Step]) -> bool | None:
    """Does the condition of a conditional yes about where the money goes hold for the offer waiting ("as long as
    it goes back to PayPal and not some voucher" to a refund to PayPal: True; to a card: False)? None when the
    reply sets no such condition; False too when the offer's destination is not known (a condition the agent
    cannot check is no yes)."""
    condition = condition_of(text)
    if condition is None:
        return None
    wanted, refused = destinations_named(condition)
    if not wanted and not refused:
        return None
    destination = offered_destination(plan)
    return destination is not None and wanted <= {destination} and destination not in refused


def refused_offer(text: str, plan: list[Step]) -> list[str]:
    """The destination of the offer waiting that a conditional yes rules out ("as long as it doesn't go back on my
    card" to a refund to the card: ["card"]), else []."""
    condition = condition_of(text)
    destination = offered_destination(plan) if condition else None
    return [destination] if condition and destination in destinations_named(condition)[1] else []


def proposed_instead(text: str, plan: list[Step]) -> list[str]:
    """The destination of the offer waiting that a reply setting no condition puts another in place of ("fine,
    but can you load it onto store credit rather than my mastercard?" to a refund to the card: ["card"]), else []. The
    reply asks for the offer changed, not for the offer: it is no yes (prompts/policy.md §2), and the offer is made
    again to where the customer wants the money, which only the store credit or the method paid with can be (any
    other is the unmet destination of ``unmet_destinations``)."""
    if condition_of(text) is not None:
        return []
    step = _waiting(plan)
    destination = offered_destination(plan)
    if step is None or destination is None:
        return []
    wanted = destinations_named(text)[0]
    possible = {"gift_card", *(k for k in _paid_with(plan, step) if k)}
    if destination in wanted or not wanted or not wanted <= possible:
        return []
    return [destination]


def destinations_named(text: str) -> tuple[set[str], set[str]]:
    """The kinds of destination the words want the money to go to, and those they refuse ("not a voucher")."""
    wanted: set[str] = set()
    refused: set[str] = set()
    start = 0
    for m in _MENTION.finditer(text):
        kind = next(k for k, _ in _KINDS if m.group(k))
        (refused if _negated(text[start:m.start()]) else wanted).add(kind)
        start = m.end()
    return wanted, refused


def _negated(before: str) -> bool:
    """Do the words before a mention (since the previous one) refuse it: a negation (utterance.NEGATION, the one
    reading of a no, contractions included) among its last few words, or words putting another in its place
    anywhere in its clause ("rather than crediting my mastercard")?"""
    clause = re.split(r"[,;.!?]| but | and ", before)[-1]
    near = " ".join(clause.split()[-_SCOPE:])
    return bool(NEGATION.search(near) or _IN_PLACE_OF.search(clause))


def unmet_destinations(text: str, plan: list[Step]) -> list[str]:
    """Where a conditional yes wants the money that no refund of the order waiting can send it: neither the method
    it was paid with nor store credit (["paypal"] for an order paid by card)."""
    condition = condition_of(text)
    step = _waiting(plan)
    paid = _paid_with(plan, step) if step is not None else set()
    if condition is None or not paid or None in paid:
        return []
    return sorted(destinations_named(condition)[0] - {"gift_card", *(k for k in paid if k)})
