"""The units a request of a several-request message means, read through split_requests and settle_lookup (not on
the whole string): the count may sit in a sentence another request was read from; an item the customer keeps is
not asked for; a refund done before is a report, not the request; a count may stand alone ("send two back")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from graphs.support import requests
from graphs.support.flows import get_flow
from graphs.support.instruction import hedges_action
from graphs.support.lookups import settle_lookup
from graphs.support.requests import split_requests
from graphs.support.state import ActiveFlow, Step
from graphs.support.units import asking, both_said, units_meant

LAMP = "Desk Lamp LED"
NOW = datetime(2026, 5, 1, tzinfo=UTC)


def _flow(intents: list[str], **slots: Any) -> ActiveFlow:
    return {"intents": intents, "confidences": dict.fromkeys(intents, 0.9), "slots": dict(slots),
            "stage": "executing", "asking": [], "low_confidence_turns": 0}


def _step(step_id: str, tool: str, args: dict[str, Any], status: Any = "pending") -> Step:
    return {"id": step_id, "intent": "get_refund", "tool": tool, "args": args, "depends_on": [], "why": "",
            "writes": False, "status": status, "result": None, "error": None, "hold_reason": None,
            "approved_by": None, "confirmed": False}


def _refunded(monkeypatch: pytest.MonkeyPatch, text: str, owners: dict[str, int],
              items: list[dict[str, Any]]) -> Any:
    """The amount the refund step gets when ``text`` is split among ``owners`` (intent → clause)."""
    monkeypatch.setattr(requests, "assign_clauses", lambda _t, _i: owners)
    flow = _flow(list(owners), order_id=52001)
    split_requests(flow, text, {"order_ids": [52001]}, now=NOW, catalogue=[i["name"] for i in items])
    order = _step("get_refund.order", "get_order", {"order_id": 52001}, "done")
    order["result"] = {"ok": True, "data": {"items": items}}
    refund = _step("get_refund.refund", "refund_order", {"order_id": 52001, "amount": "$slots.amount.value"})
    settle_lookup(flow, [order, refund], order)
    return refund["args"]["amount"]


FOUR_LAMPS = [{"product_id": "P070", "name": LAMP, "quantity": 4, "returned": 0, "unit_price": 20.0}]


@pytest.mark.parametrize(("text", "owners", "amount"), [
    # the count is told in the sentence the troubleshooting request was read from
    ("A single one of my four desk lamps flickers non-stop on order 52001. Can I get my money back for it?",
     {"technical_issue": 0, "get_refund": 1}, 20.0),
    # both requests were read from the asking sentence: the telling one is nobody's, and tells the count
    ("Three of the four desk lamps on 52001 arrived cracked. What is your policy, can you refund them?",
     {"check_refund_policy": 1, "get_refund": 1}, 60.0),
])
def test_the_count_told_beside_another_request_is_the_units_meant(
        monkeypatch: pytest.MonkeyPatch, text: str, owners: dict[str, int], amount: float) -> None:
    assert _refunded(monkeypatch, text, owners, FOUR_LAMPS) == amount


def test_an_item_kept_in_the_asking_clause_is_not_refunded(monkeypatch: pytest.MonkeyPatch) -> None:
    items = [{"product_id": "P071", "name": "Aero Fan Mini", "quantity": 2, "returned": 0, "unit_price": 15.0},
             {"product_id": "P072", "name": "Desk Lamp LED", "quantity": 1, "returned": 0, "unit_price": 25.0}]
    text = "The two aero fans on 52001 won't spin at all. Money back for those please, the lamp is perfect."
    assert _refunded(monkeypatch, text, {"technical_issue": 0, "get_refund": 1}, items) == 30.0


@pytest.mark.parametrize(("text", "count"), [
    ("I bought four desk lamps but I only use two. Could you refund two?", 2),
    ("I have four of these lamps and one is enough. Send three back for me.", 3),
    ("Four lamps came and I'll keep them all but one. Return one please", 1),
])
def test_a_count_standing_alone_after_the_action_is_the_units_meant(text: str, count: int) -> None:
    assert units_meant(text, LAMP, 4) == count


@pytest.mark.parametrize("text", [
    "Refund 15 dollars on the lamps please",
    "I want to return 2 weeks after delivery, is that ok",
    "refund 19.50 for the lamps",
])
def test_an_amount_or_a_time_after_the_action_is_no_count(text: str) -> None:
    assert units_meant(text, LAMP, 4) is None


@pytest.mark.parametrize(("text", "asks"), [
    ("You already refunded two lamps last month.", False),
    ("I was reimbursed for one of them.", False),
    ("We got money back for a lamp before.", False),
    ("Could the other lamps be refunded too?", True),
    ("I returned one lamp; please refund it.", True),
    ("Can I have them refunded?", True),
])
def test_a_past_refund_is_a_report_not_an_asking_sentence(text: str, asks: bool) -> None:
    assert bool(asking(text)) is asks


def test_the_rest_after_an_earlier_refund_is_not_the_count_reported() -> None:
    text = "Order 52001: your team refunded two lamps earlier. The others flicker as well, so refund the rest."
    assert units_meant(text, LAMP, 4) is None  # every unit still refundable (the step's own default)


@pytest.mark.parametrize(("text", "amount"), [
    ("Two lamps of 52001 were refunded already. Now refund all but one of the lamps.", 20.0),
    ("Please refund the remaining lamps on 52001.", None),  # every unit not yet paid back: the step's default
    ("Refund three of the lamps on 52001.", None),  # more than the money left pays back: all of what is left
])
def test_units_refunded_before_without_a_return_are_not_counted_again(text: str, amount: Any) -> None:
    flow = _flow(["get_refund"], order_id=52001)
    split_requests(flow, text, {"order_ids": [52001]}, now=NOW, catalogue=[LAMP])
    order = _step("get_refund.order", "get_order", {"order_id": 52001}, "done")
    order["result"] = {"ok": True, "data": {"items": FOUR_LAMPS}}
    refunds = _step("get_refund.refunds", "get_refund_status", {"order_id": 52001}, "done")
    refunds["result"] = {"ok": True, "data": {"refunded": 40.0, "remaining_refundable": 40.0}}
    refund = _step("get_refund.refund", "refund_order", {"order_id": 52001, "amount": "$slots.amount.value"})
    settle_lookup(flow, [order, refunds, refund], order)
    assert refund["args"]["amount"] == amount


@pytest.mark.parametrize(("text", "hedged"), [
    ("Please refund everything but one of the lamps, I'm holding on to the working one.", False),
    ("Refund all except two, but only after the courier picks them up.", True),
    ("refund every one but the first lamp", False),
    ("refund the lamps but let me check with my partner first", True),
])
def test_but_after_a_whole_leaves_units_out_it_does_not_hedge(text: str, hedged: bool) -> None:
    assert hedges_action(text, "refund") is hedged


def test_units_reported_refunded_are_not_the_rest_of_a_line_of_several() -> None:
    items = [{"product_id": "P071", "name": "Aero Fan Mini", "quantity": 3, "returned": 0, "unit_price": 15.0},
             {"product_id": "P072", "name": "Desk Lamp LED", "quantity": 1, "returned": 0, "unit_price": 25.0}]
    flow = _flow(["get_refund"], order_id=52001)
    split_requests(flow, "Your colleague refunded me two fans on 52001 on Monday. Please refund the remaining fans.",
                   {"order_ids": [52001]}, now=NOW, catalogue=["Aero Fan Mini", "Desk Lamp LED"])
    order = _step("get_refund.order", "get_order", {"order_id": 52001}, "done")
    order["result"] = {"ok": True, "data": {"items": items}}
    refunds = _step("get_refund.refunds", "get_refund_status", {"order_id": 52001}, "done")
    refunds["result"] = {"ok": True, "data": {"refunded": 30.0, "remaining_refundable": 40.0}}
    refund = _step("get_refund.refund", "refund_order", {"order_id": 52001, "amount": "$slots.amount.value"})
    settle_lookup(flow, [order, refunds, refund], order)
    assert refund["args"]["amount"] == 15.0  # the one fan not yet paid back, not three


def test_a_count_in_an_asking_sentence_another_request_was_read_from_bounds_the_units(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Both requests were read from the sentence asking for the money on the card: the one lamp the sentence
    before (nobody's own) sends back bounds the refund, not every lamp on the line."""
    text = "Three of the four desk lamps in order 52001 cover every desk we have, so I'm returning one. " \
           "The refund can go back on my card."
    assert _refunded(monkeypatch, text, {"track_refund": 1, "get_refund": 1}, FOUR_LAMPS) == 20.0


CASE_AND_BANK = [{"product_id": "P081", "name": "Phone Case Clear", "quantity": 1, "returned": 0, "unit_price": 19.99},
                 {"product_id": "P082", "name": "Power Bank 20000mAh", "quantity": 1, "returned": 0,
                  "unit_price": 49.99}]
CABLES_AND_SPEAKER = [{"product_id": "P083", "name": "HDMI Cable 2m", "quantity": 2, "returned": 0,
                       "unit_price": 14.99},
                      {"product_id": "P084", "name": "Nimbus Smart Speaker", "quantity": 1, "returned": 0,
                       "unit_price": 99.0}]


def _returned(text: str, items: list[dict[str, Any]], **slots: Any) -> tuple[Any, ActiveFlow]:
    """The items the return step gets for ``text`` on an order of ``items`` (and the flow: what it asks)."""
    flow = _flow(["get_refund"], order_id=52001, returning=True, **slots)
    split_requests(flow, text, {"order_ids": [52001]}, now=NOW, catalogue=[i["name"] for i in items])
    order = _step("get_refund.order", "get_order", {"order_id": 52001}, "done")
    order["result"] = {"ok": True, "data": {"items": items}}
    back = _step("get_refund.return", "return_items", {"order_id": 52001, "items": "$slots.items"})
    settle_lookup(flow, [order, back], order)
    return back["args"]["items"], flow


def test_both_of_two_items_the_message_names_returns_both() -> None:
    # a later word naming one of them ("phone" of the case) does not narrow "both" to it
    text = "The clear case won't fit my next handset and the power bank is too bulky. " \
           "Please return both, I'll put the credit towards a new phone."
    items, _ = _returned(text, CASE_AND_BANK)
    assert [i["product_id"] for i in items] == ["P081", "P082"]


@pytest.mark.parametrize("text", [
    "Both cables on 52001 are dead. Please return both.",  # both units of the one line named
    "The speaker is great. Please return both cables.",
    "I have the speaker and two cables from 52001; please send back both cables.",
])
def test_both_of_the_units_of_one_line_returns_no_other_item(text: str) -> None:
    items, _ = _returned(text, CABLES_AND_SPEAKER)
    assert [(i["product_id"], i["quantity"]) for i in items] == [("P083", 2)]


@pytest.mark.parametrize(("text", "said"), [
    ("Please return both, store credit is fine", True),
    ("can you send them both back", True),
    ("please send back both cables", False),  # the units of one line
    ("The speaker and the cables both work, please return the cables", False),  # no object of the return
    # review 17: "both" returned before, or as a return the customer would make but does not
    ("I returned both in March, now refund the speaker please", False),
    ("I'd post both back but I still use the cable, so just refund the speaker", False),
    ("if I return both, do I pay the postage?", False),
    ("I'd like to return both", True),
])
def test_both_is_what_the_return_takes(text: str, said: bool) -> None:
    assert both_said(text, ["HDMI Cable 2m", "Nimbus Smart Speaker"]) is said


@pytest.mark.parametrize(("text", "part"), [
    ("hi, I need to send something back", True),
    ("I'm returning something from order 52001", True),
    ("something is wrong with order 52001, I want to return it", None),  # the order, not an unnamed thing of it
])
def test_sending_something_back_is_part_of_the_order(text: str, part: Any) -> None:
    assert get_flow("get_refund").slots["part"].named_in(text) is part


def test_part_of_an_order_of_several_items_named_by_nothing_asks_which() -> None:
    """Nothing named but "something": one thing, not the whole order (no refund of every item)."""
    items, flow = _returned("hi, I need to send something back from order 52001", CABLES_AND_SPEAKER, part=True)
    assert items == "$slots.items" and flow["asking"] == ["items"]


def test_a_reported_refund_counts_only_what_its_own_clause_names() -> None:
    from graphs.support.units import units_reported
    text = "You refunded the strap yesterday, although the watch from that order is dead now. Refund the watch."
    assert units_reported(text, "Smart Watch", 1) == 0, "the watch comes after the contrast: not refunded before"
    assert units_reported("You refunded the watch yesterday.", "Smart Watch", 1) == 1


@pytest.mark.parametrize(("text", "count"), [
    ("Please refund the second and the fourth one, they hum.", 2),
    ("The 1st, 2nd and 3rd lamps flicker, so I'm sending them back.", 3),
    ("Refund the third one please.", 1),
])
def test_places_listed_together_count_a_unit_each(text: str, count: int) -> None:
    assert units_meant(text, LAMP, 4) == count


def test_a_unit_reported_refunded_before_a_contrast_is_no_count_asked() -> None:
    # one of four adapters was paid back already; the rest died too: "them" is every unit left, not one
    context = ("Last week you refunded one of my travel adapters, but the remaining three stopped working too. "
               "Can you refund them as well?")
    assert units_meant("Can you refund them as well?", "Travel Adapter", 3, 1, context) is None
