"""Slots per request (graphs/support/requests.py) and slots a lookup step resolves (lookups.py), without the router."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from graphs.reasoners.local.router import IntentModel, split_clauses
from graphs.support import requests
from graphs.support.descriptions import described_in, matches
from graphs.support.flow_spec import Lookup
from graphs.support.flows import load_flows
from graphs.support.lookups import answer_choices, pending_lookups, resolve_known, settle_lookup
from graphs.support.requests import drop_covered, request_of, slots_for, split_requests
from graphs.support.state import ActiveFlow, Step

INVOICES = Lookup(step="invoices", items="invoices", value="invoice_id",
                  match={"amounts": "amount", "dates": "issued_at"})
RECORDS = [
    {"invoice_id": "INV-1", "amount": 9.99, "issued_at": "2026-04-01T10:00:00+00:00"},
    {"invoice_id": "INV-2", "amount": 9.99, "issued_at": "2026-05-01T10:00:00+00:00"},
    {"invoice_id": "INV-3", "amount": 59.99, "issued_at": "2026-05-03T10:00:00+00:00"},
]


def _flow(intents: list[str], **slots: Any) -> ActiveFlow:
    return {"intents": intents, "confidences": dict.fromkeys(intents, 0.9), "slots": dict(slots),
            "stage": "executing", "asking": [], "low_confidence_turns": 0}


def _step(step_id: str, intent: str, tool: str, args: dict[str, Any], status: Any = "pending") -> Step:
    return {"id": step_id, "intent": intent, "tool": tool, "args": args, "depends_on": [], "why": "",
            "writes": False, "status": status, "result": None, "error": None, "hold_reason": None,
            "approved_by": None, "confirmed": False}


@pytest.mark.parametrize(("described", "expected"), [
    ({"amounts": [59.99]}, ["INV-3"]),
    ({"amounts": [9.99]}, ["INV-1", "INV-2"]),
    ({"amounts": [9.99], "dates": ["2026-05-02"]}, ["INV-2"]),  # a day off: what the bank app showed
    ({"amounts": [9.99], "dates": ["2026-05-20"]}, ["INV-1", "INV-2"]),  # a date fitting none only fails to narrow
    ({"amounts": [12.5]}, []),
    ({}, ["INV-1", "INV-2", "INV-3"]),
    # two amounts named (the disputed one and the one paid as usual): the record on the day named, not two days off
    ({"amounts": [59.99, 9.99], "dates": ["2026-05-03"]}, ["INV-3"]),
])
def test_candidates_fit_every_described_criterion(described: dict[str, list[Any]], expected: list[str]) -> None:
    assert [c["invoice_id"] for c in matches(RECORDS, INVOICES, described)] == expected


def test_prices_are_described_with_or_without_a_currency() -> None:
    described = described_in("two 9.99s on the 27th and a 59,99 one, plus $5", {"amounts": [
        {"value": 5.0, "currency": "USD"}]})
    assert sorted(described["amounts"]) == [5.0, 9.99, 59.99]
    assert not {"amounts", "dates", "products"} & set(described_in("order 10234 please", {})), \
        "an order number is no price"


def test_dates_written_with_numbers_only_are_read_against_the_clock() -> None:
    now = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    assert described_in("you have taken 59,99 USD the 14.02", {}, now)["dates"] == ["2026-02-14"]
    assert described_in("two 9.99s on the 27th", {}, now)["dates"] == ["2026-02-27"]
    assert described_in("on the 1st", {}, now)["dates"] == ["2026-03-01"]
    assert "dates" not in described_in("a 9.99 charge", {}, now), "a price is no date"
    # the customer's amount and day pick one of two invoices of different amounts
    both = [{"invoice_id": "INV-A", "amount": 59.99, "issued_at": "2026-02-14T09:00:00+00:00"},
            {"invoice_id": "INV-B", "amount": 9.99, "issued_at": "2026-01-14T09:00:00+00:00"}]
    described = described_in("you took 59,99 the 14.02, normally I pay 9,99", {}, now)
    assert [c["invoice_id"] for c in matches(both, INVOICES, described)] == ["INV-A"]


def test_a_lookup_resolves_the_slot_into_the_steps_that_wait_for_it() -> None:
    flow = _flow(["billing_dispute"])
    request_of(flow, "billing_dispute")["described"] = {"amounts": [59.99]}
    lookup = _step("billing_dispute.invoices", "billing_dispute", "list_invoices", {}, "done")
    lookup["result"] = {"ok": True, "data": {"invoices": RECORDS}}
    dispute = _step("billing_dispute.dispute", "billing_dispute", "open_billing_dispute",
                    {"invoice_id": "$slots.invoice_id", "reason": "never asked for pro"})
    settle_lookup(flow, [lookup, dispute], lookup)
    assert dispute["args"] == {"invoice_id": "INV-3", "reason": "never asked for pro"}
    assert dispute["status"] == "pending" and flow["asking"] == []
    assert slots_for(flow, "billing_dispute")["invoice_id"] == "INV-3"


def test_two_fitting_records_hold_the_steps_and_ask_which_then_the_answer_picks_one() -> None:
    flow = _flow(["billing_dispute"])
    request_of(flow, "billing_dispute")["described"] = {"amounts": [9.99]}
    lookup = _step("billing_dispute.invoices", "billing_dispute", "list_invoices", {}, "done")
    lookup["result"] = {"ok": True, "data": {"invoices": RECORDS}}
    dispute = _step("billing_dispute.dispute", "billing_dispute", "open_billing_dispute",
                    {"invoice_id": "$slots.invoice_id", "reason": "x"})
    settle_lookup(flow, [lookup, dispute], lookup)
    assert dispute["status"] == "skipped", dispute
    assert flow["asking"] == ["invoice_id"] and flow["stage"] == "collecting"
    offered = request_of(flow, "billing_dispute")["choices"]["invoice_id"]
    assert [c["invoice_id"] for c in offered] == ["INV-1", "INV-2"]

    answer_choices(flow, "the one from may 1st", {"dates": ["2026-05-01"]})
    assert slots_for(flow, "billing_dispute")["invoice_id"] == "INV-2"
    assert request_of(flow, "billing_dispute")["choices"] == {}


def test_an_answer_that_fits_every_offered_record_decides_nothing() -> None:
    flow = _flow(["billing_dispute"])
    request_of(flow, "billing_dispute")["choices"] = {"invoice_id": [{"_candidate": r} for r in RECORDS[:2]]}
    answer_choices(flow, "the 9.99 one", {})
    assert "invoice_id" not in slots_for(flow, "billing_dispute")
    assert request_of(flow, "billing_dispute")["choices"], "the question stands"


def test_the_only_record_offered_is_picked_by_a_reply_that_describes_it_not_by_any_reply() -> None:
    """"On your account I can see order 80315 (Glow Smart Plug)" — "fine. when are the plugs coming?" picks it;
    a reply that describes nothing does not."""
    order = {"order_id": 80315, "products": ["Glow Smart Plug"], "placed_at": "2026-02-26"}
    for said, picked in (("fine. when are the plugs coming?", 80315), ("hmm, when is it coming then?", None)):
        flow = _flow(["track_order"])
        request_of(flow, "track_order")["choices"] = {"order_id": [{"_candidate": order}]}
        answer_choices(flow, said, {})
        assert slots_for(flow, "track_order").get("order_id") == picked, said


def test_a_named_item_list_is_resolved_from_the_order() -> None:
    flow = _flow(["get_refund"], order_id=18101, products=["Power Bank 20000mAh"])
    request_of(flow, "get_refund")["described"] = {"products": ["Power Bank 20000mAh"]}
    order = _step("get_refund.order", "get_refund", "get_order", {"order_id": 18101}, "done")
    order["result"] = {"ok": True, "data": {"items": [
        {"product_id": "P034", "name": "Power Bank 20000mAh", "unit_price": 49.99},
        {"product_id": "P038", "name": "Mechanical Keyboard", "unit_price": 89.99}]}}
    ret = _step("get_refund.return", "get_refund", "return_items", {"order_id": 18101, "items": "$slots.items"})
    settle_lookup(flow, [order, ret], order)
    assert ret["args"]["items"] == [{"product_id": "P034", "quantity": 1}]


def test_slots_a_lookup_will_fill_stay_references_until_it_does() -> None:
    flows = load_flows()
    assert pending_lookups(flows["billing_dispute"], {}) == {"invoice_id"}
    assert pending_lookups(flows["billing_dispute"], {"invoice_id": "INV-20001"}) == set()
    assert pending_lookups(flows["get_refund"], {"amount": {"value": 20.0}}) == {"items", "order_id"}
    assert pending_lookups(flows["get_refund"], {"amount": {"value": 20.0}, "order_id": 10234}) == {"items"}
    args = {"invoice_id": "$slots.invoice_id", "reason": "$message", "amount": "$slots.amount.value"}
    scope = {"slots": {"amount": {"value": 5.0}}, "message": "never asked for it"}
    assert resolve_known(args, scope, {"invoice_id"}) == {
        "invoice_id": "$slots.invoice_id", "reason": "never asked for it", "amount": 5.0}


ORDER_ITEMS = [{"product_id": "P034", "name": "Power Bank 20000mAh", "unit_price": 49.99},
               {"product_id": "P032", "name": "Mechanical Keyboard", "unit_price": 89.99}]


@pytest.mark.parametrize(("products", "expected"), [
    (["Power Bank 20000mAh"], {"value": 49.99}),  # one item of two: its price
    (["Power Bank 20000mAh", "Mechanical Keyboard"], None),  # all of the order: everything still refundable
    ([], None),  # nothing named
])
def test_the_price_of_named_items_is_refunded_not_the_whole_order(products: list[str], expected: Any) -> None:
    flow = _flow(["get_refund"], order_id=18101)
    request_of(flow, "get_refund")["described"] = {"products": products} if products else {}
    order = _step("get_refund.order", "get_refund", "get_order", {"order_id": 18101}, "done")
    order["result"] = {"ok": True, "data": {"items": ORDER_ITEMS}}
    refund = _step("get_refund.refund", "get_refund", "refund_order", {"order_id": 18101,
                                                                        "amount": "$slots.amount.value"})
    settle_lookup(flow, [order, refund], order)
    assert refund["args"]["amount"] == (expected["value"] if expected else None), refund["args"]
    assert refund["status"] == "pending"


def test_each_request_keeps_the_id_of_its_own_clause(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "return the keyboard from order 18101, and has order 18102 shipped yet?"
    assert len(split_clauses(text)) == 2
    monkeypatch.setattr(requests, "assign_clauses", lambda _t, _i: {"get_refund": 0, "track_order": 1})
    flow = _flow(["get_refund", "track_order"], order_id=18101)
    split_requests(flow, text, {"order_ids": [18101, 18102]}, now=datetime(2026, 5, 1, tzinfo=UTC),
                   catalogue=["Mechanical Keyboard"])
    assert slots_for(flow, "get_refund")["order_id"] == 18101
    assert slots_for(flow, "track_order")["order_id"] == 18102
    assert request_of(flow, "get_refund")["text"] == "return the keyboard from order 18101"


def test_an_id_only_a_later_request_names_is_not_borrowed(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "return the scratched tablet, and has order 18102 shipped yet?"
    monkeypatch.setattr(requests, "assign_clauses", lambda _t, _i: {"get_refund": 0, "track_order": 1})
    flow = _flow(["get_refund", "track_order"], order_id=18102)
    split_requests(flow, text, {"order_ids": [18102]}, now=datetime(2026, 5, 1, tzinfo=UTC), catalogue=[])
    assert slots_for(flow, "get_refund")["order_id"] is None, "the tracking question's order is not the return's"
    assert slots_for(flow, "track_order")["order_id"] == 18102


@pytest.mark.parametrize(("text", "pieces"), [
    ("return the tablet from 10877 and has 10901 shipped?", 2),
    ("please unsubscribe me from the newsletter and switch me to the basic plan", 2),
    ("I ordered a keyboard and a mouse last week", 0),  # one request: "and a mouse" continues a noun phrase
    ("my keyboard and mouse stopped working", 0),
    ("return the cable plus track my order 10023 please", 2),
    # "plus" as a plan's name joins nothing: "to Plus", "Plus is plenty"
    ("I'd like to step down from Pro to Plus please. Honestly I never use next-day shipping, Plus is plenty.", 2),
])
def test_and_splits_requests_not_noun_phrases(text: str, pieces: int) -> None:
    assert len(split_clauses(text)) == pieces, split_clauses(text)
    if "Plus please" in text:
        assert "to Plus please" in split_clauses(text)[0], split_clauses(text)


def test_a_request_another_one_fulfils_is_not_planned_twice() -> None:
    flow = _flow(["cancel_order", "get_refund", "track_order"])
    requests.drop_covered(flow)
    assert flow["intents"] == ["cancel_order", "track_order"], "cancelling already refunds the order"
    alone = _flow(["get_refund"])
    requests.drop_covered(alone)
    assert alone["intents"] == ["get_refund"]


class _Scripted(IntentModel):
    def __init__(self, script: dict[str, list[float]]) -> None:
        self.classes = ["get_refund", "track_order", "complaint", "out_of_scope"]
        self.script = script

    def text_probabilities(self, texts: list[str]) -> np.ndarray:
        return np.array([self.script[t] for t in texts], dtype=np.float32)


def test_a_clause_of_backstory_adds_no_request_the_whole_message_does_not_support() -> None:
    text = "the box came dented and crushed. please refund order 18103"
    backstory, request = split_clauses(text)
    model = _Scripted({text: [0.95, 0.005, 0.004, 0.041], backstory: [0.1, 0.0, 0.7, 0.2],
                       request: [0.99, 0.0, 0.0, 0.01]})
    assert [i.intent for i in model.detect(text)[0]] == ["get_refund"], "the dented box is no complaint request"
    model.script[text] = [0.9, 0.005, 0.02, 0.075]  # the whole message does lean towards a complaint
    assert [i.intent for i in model.detect(text)[0]] == ["get_refund", "complaint"]


def test_two_sure_clauses_outvote_a_blended_reading_of_the_whole_message() -> None:
    text = "can you track 18102 and please refund order 18103"
    track, refund = split_clauses(text)
    model = _Scripted({text: [0.3, 0.001, 0.6, 0.099], track: [0.05, 0.9, 0.0, 0.05],
                       refund: [0.99, 0.0, 0.0, 0.01]})
    assert [i.intent for i in model.detect(text)[0]] == ["track_order", "get_refund"]


def test_a_value_said_outside_the_requests_own_clause_is_still_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    # The change is asked for in the last clause; the new quantity was said in the first.
    text = "just one keyboard please, not two. order 18101 has shipped? can you fix it"
    assert len(split_clauses(text)) == 3, split_clauses(text)
    monkeypatch.setattr(requests, "assign_clauses", lambda _t, _i: {"change_order": 2, "track_order": 1})
    flow = _flow(["change_order", "track_order"], order_id=18101)
    split_requests(flow, text, {"order_ids": [18101]}, now=datetime(2026, 5, 1, tzinfo=UTC), catalogue=[])
    assert slots_for(flow, "change_order")["quantity"] == "1", request_of(flow, "change_order")


def test_what_a_request_asks_for_now_wins_over_what_its_clause_tells_of_the_past(
        monkeypatch: pytest.MonkeyPatch) -> None:
    text = "last spring I unsubscribed from the newsletter. please add me back to it. where do I save an address?"
    assert len(split_clauses(text)) == 3, split_clauses(text)
    monkeypatch.setattr(requests, "assign_clauses",
                        lambda _t, _i: {"newsletter_subscription": 0, "set_up_shipping_address": 2})
    flow = _flow(["newsletter_subscription", "set_up_shipping_address"])
    split_requests(flow, text, {}, now=datetime(2026, 5, 1, tzinfo=UTC), catalogue=[])
    assert slots_for(flow, "newsletter_subscription")["subscribed"] is True, request_of(flow, "newsletter_subscription")


@pytest.mark.parametrize(("said", "kept"), [
    ("make it one mouse and refund the difference", ["change_order"]),
    ("swap the mouse for the keyboard and refund the difference", ["change_order"]),
    ("change the delivery slot for 10233 and refund the shipping fee", ["change_order", "get_refund"]),
])
def test_a_change_covers_a_refund_only_when_it_changes_what_was_bought(said: str, kept: list[str]) -> None:
    flow = _flow(["change_order", "get_refund"])
    drop_covered(flow, said)
    assert flow["intents"] == kept


def test_the_product_swapped_for_is_what_the_customer_describes_not_the_item_they_send_back() -> None:
    """"can i swap the lite earbuds": the one earbuds product of the catalogue is not taken for the one wanted (the
    earbuds name what goes back); "for the sport ones" picks it."""
    for described, replacement in (
            ({"products": ["Aurora Lite Earbuds"], "wanted_words": ["can", "swap", "the", "lite", "earbuds"]}, None),
            ({"products": ["Aurora Lite Earbuds"], "wanted_words": ["swap", "lite", "earbuds", "for", "sport"]}, "P2")):
        flow = _flow(["change_order"], order_id=46650, swapping=True)
        request_of(flow, "change_order")["described"] = described
        order = _step("change_order.order", "change_order", "get_order", {}, "done")
        order["result"] = {"ok": True, "data": {"items": [{"product_id": "P1", "name": "Aurora Lite Earbuds"}]}}
        catalogue = _step("change_order.catalogue", "change_order", "find_products", {}, "done")
        catalogue["result"] = {"ok": True, "data": {"products": [{"product_id": "P2", "name": "Aurora Sport Earbuds",
                                                                  "price": 89.99}]}}
        exchange = _step("change_order.exchange", "change_order", "exchange_item",
                         {"order_id": 46650, "new_product_id": "$slots.replacement"})
        settle_lookup(flow, [order, catalogue, exchange], catalogue)
        assert slots_for(flow, "change_order").get("replacement") == replacement, described
        assert (exchange["status"] == "skipped" and flow["asking"] == ["replacement"]) == (replacement is None)


def test_a_clause_that_tells_another_request_its_value_is_that_request_s_words(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """"Plus is too dear for me now. Put me on the free tier instead." read as a plan switch and a refund (the second
    clause alone reads like money back): that clause tells the switch its plan and names nothing a refund takes, so
    there is one request, a switch to basic, not to the plan named in its first clause."""
    text = "Plus is too dear for me now. Put me on the free tier instead."
    assert len(split_clauses(text)) == 2, split_clauses(text)
    monkeypatch.setattr(requests, "assign_clauses", lambda _t, _i: {"switch_account": 0, "get_refund": 1})
    flow = _flow(["switch_account", "get_refund"])
    flow["confidences"] = {"switch_account": 0.94, "get_refund": 0.62}
    split_requests(flow, text, {}, now=datetime(2026, 5, 1, tzinfo=UTC), catalogue=[])
    assert flow["intents"] == ["switch_account"], flow
    said = request_of(flow, "switch_account")["text"]
    assert said == text and load_flows()["switch_account"].slots["plan"].read_text(said) == "basic", said


def test_a_second_request_naming_its_own_record_is_kept_beside_a_value_told(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "put me on the pro plan. and refund order 18101 onto the free one"
    monkeypatch.setattr(requests, "assign_clauses", lambda _t, _i: {"switch_account": 0, "get_refund": 1})
    flow = _flow(["switch_account", "get_refund"])
    split_requests(flow, text, {"order_ids": [18101]}, now=datetime(2026, 5, 1, tzinfo=UTC), catalogue=[])
    assert flow["intents"] == ["switch_account", "get_refund"], flow


def test_a_request_read_as_surely_as_the_one_its_clause_tells_a_value_of_is_kept(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """"my tablet's screen cracked on its own. refund it all, no repair for me": the refund is the
    main reading, so the repair its clause speaks of does not take it over."""
    text = "my tablet's screen cracked on its own. refund it all, no repair for me"
    monkeypatch.setattr(requests, "assign_clauses", lambda _t, _i: {"technical_issue": 0, "get_refund": 1})
    flow = _flow(["get_refund", "technical_issue"])
    flow["confidences"] = {"get_refund": 1.0, "technical_issue": 0.99}
    split_requests(flow, text, {}, now=datetime(2026, 5, 1, tzinfo=UTC), catalogue=[])
    assert flow["intents"] == ["get_refund", "technical_issue"], flow


def _two_lines(**slots: Any) -> tuple[ActiveFlow, Step]:
    """A pending order of four tins and one grinder, its modify step waiting for the item: after the lookup."""
    flow = _flow(["change_order"], order_id=18101, quantity="2", **slots)
    request_of(flow, "change_order")["described"] = {"products": ["Coffee Tin", "Burr Grinder"]}
    order = _step("change_order.order", "change_order", "get_order", {"order_id": 18101}, "done")
    order["result"] = {"ok": True, "data": {"items": [
        {"product_id": "P1", "name": "Coffee Tin", "unit_price": 9.99, "quantity": 4},
        {"product_id": "P2", "name": "Burr Grinder", "unit_price": 49.99, "quantity": 1}]}}
    modify = _step("change_order.modify", "change_order", "modify_order",
                   {"order_id": 18101, "product_id": "$slots.item.product_id", "quantity": "2"})
    settle_lookup(flow, [order, modify], order)
    return flow, modify


def test_a_reduction_is_not_of_an_item_that_already_has_no_more_than_that() -> None:
    """"four tins is too many, bring it down to two" beside a grinder the order holds one of: the tins are meant, not
    the grinder (two grinders would be more, not fewer), whatever else the message names."""
    flow, modify = _two_lines(fewer=True)
    assert modify["args"]["product_id"] == "P1" and flow["asking"] == []


def test_without_fewer_asked_an_item_with_less_is_still_a_candidate() -> None:
    """"make it two" alone could raise the grinder or lower the tins: which one is asked."""
    flow, _ = _two_lines()
    assert flow["asking"] == ["item"]


def test_a_request_that_points_back_is_described_by_the_story_around_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """"the power bank I got in march stopped holding charge. refund it please": the refund's own words name no record;
    the clause before it, which asks nothing, tells which (the other request's clause, read as a problem report)."""
    text = "the power bank I got in march stopped holding charge. refund it please"
    monkeypatch.setattr(requests, "assign_clauses", lambda _t, _i: {"technical_issue": 0, "get_refund": 1})
    flow = _flow(["get_refund", "technical_issue"])
    split_requests(flow, text, {"products": ["Power Bank 20000mAh"]}, now=datetime(2026, 5, 1, tzinfo=UTC),
                   catalogue=["Power Bank 20000mAh", "Mechanical Keyboard"])
    assert request_of(flow, "get_refund")["described"].get("products") == ["Power Bank 20000mAh"]


def test_a_request_that_describes_its_own_record_is_not_given_the_story_s(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "the power bank stopped holding charge. refund the keyboard please"
    monkeypatch.setattr(requests, "assign_clauses", lambda _t, _i: {"technical_issue": 0, "get_refund": 1})
    flow = _flow(["get_refund", "technical_issue"])
    split_requests(flow, text, {"products": ["Power Bank 20000mAh", "Mechanical Keyboard"]},
                   now=datetime(2026, 5, 1, tzinfo=UTC), catalogue=["Power Bank 20000mAh", "Mechanical Keyboard"])
    described = request_of(flow, "get_refund")["described"]
    assert "products" not in described and "keyboard" in described["wanted_words"], described
