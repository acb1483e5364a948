"""Where a refund goes and how much it takes, as the customer set it (policy 2), through the whole graph on each
checkpointer: a conditional yes that rules out where the offer sends the money is no yes (the offer is made again
to the other destination and waits), a figure asked for one item never takes more than that item was paid, a
lowered amount is said, and a refund offer declined is answered as declined."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from service.conversations import SupportService
from tests.graph.conftest import refunds_of, scenario_shop
from tools.store import open_store
from tools.store.tables.payments import refunds

NOW = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
DATA: dict[str, list[dict[str, Any]]] = {
    "customers": [
        {"id": "C8801", "name": "Rui Okafor", "email": "rui.okafor@example.com", "zip_code": "60614",
         "card_last4": "7310"},
    ],
    "orders": [
        {"id": 88011, "customer": "C8801", "status": "delivered", "placed_days_ago": 9, "delivered_days_ago": 6,
         "items": [{"product": "Wireless Mouse"}]},
        {"id": 88012, "customer": "C8801", "status": "delivered", "placed_days_ago": 9, "delivered_days_ago": 6,
         "items": [{"product": "Glow Smart Plug", "quantity": 2}, {"product": "Nimbus Mini Speaker"}]},
    ],
}
ASK = "would it be possible to get my money back for the wireless mouse from order 88011?"


@pytest.fixture
def shop(database_url: str) -> Iterator[SupportService]:
    yield from scenario_shop(database_url, DATA, NOW)


def _refund_step(plan: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((s for s in plan if s["tool"] == "refund_order" and s["status"] != "skipped"), None)


def _offered(shop: SupportService, thread: str) -> None:
    """The mouse's refund asked about (ASK): offered to the card, waiting for the customer's yes."""
    asked = shop.send(thread, ASK, customer_id="C8801")
    assert (step := _refund_step(asked.plan)) is not None and step["status"] == "awaiting_confirmation"


def _to_gift_card(url: str, order_id: int) -> list[bool]:
    with open_store(url).db.begin() as conn:
        rows = conn.execute(select(refunds.c.destination_pm_id).where(refunds.c.order_id == order_id))
        return [r[0] is not None for r in rows]


@pytest.mark.parametrize("reply", [
    "fine, so long as it isn't going onto my card",
    "alright, provided you won't send it to the visa",
])
def test_a_yes_ruling_out_the_card_offered_refunds_nothing_and_offers_store_credit(
        shop: SupportService, database_url: str, reply: str) -> None:
    _offered(shop, "not-card")
    again = shop.send("not-card", reply)
    assert refunds_of(database_url, 88011) == [], f"refunded to a destination ruled out: {again.plan}"
    step = _refund_step(again.plan)
    assert step is not None and step["status"] == "awaiting_confirmation", again.plan
    assert step["args"]["to_gift_card"] is True, step["args"]
    shop.send("not-card", "yes, do that")
    assert _to_gift_card(database_url, 88011) == [True]


@pytest.mark.parametrize("reply", [
    "hmm ok, but could it be loaded onto a gift card, not my card?",
    "fine, though can the amount be issued as store credit, not to the mastercard?",
])
def test_asking_for_store_credit_in_place_of_the_card_offered_is_no_yes(
        shop: SupportService, database_url: str, reply: str) -> None:
    # a reply that asks for the offer changed sets no condition and says no yes: the offer is made again, to the
    # store credit asked for, and waits
    shop.send("other-way", ASK, customer_id="C8801")
    again = shop.send("other-way", reply)
    assert refunds_of(database_url, 88011) == [], f"refunded before a yes: {again.plan}"
    step = _refund_step(again.plan)
    assert step is not None and step["status"] == "awaiting_confirmation", again.plan
    assert step["args"]["to_gift_card"] is True, step["args"]
    shop.send("other-way", "great, go ahead")
    assert _to_gift_card(database_url, 88011) == [True]


def test_a_yes_ruling_out_the_store_credit_offered_refunds_nothing(shop: SupportService, database_url: str) -> None:
    shop.send("not-voucher", "could the mouse on order 88011 be refunded as store credit?", customer_id="C8801")
    again = shop.send("not-voucher", "okay, as long as it doesn't end up as a gift card")
    assert refunds_of(database_url, 88011) == [], again.plan
    step = _refund_step(again.plan)
    assert step is not None and step["status"] == "awaiting_confirmation" and not step["args"]["to_gift_card"]


def test_a_declined_refund_offer_is_answered_as_declined(shop: SupportService, database_url: str) -> None:
    shop.send("keep", ASK, customer_id="C8801")
    kept = shop.send("keep", "on second thought I'll just keep it the way it is")
    assert refunds_of(database_url, 88011) == []
    assert "can't refund" not in " ".join(kept.replies), kept.replies


def test_a_round_figure_for_one_item_takes_only_what_it_cost(shop: SupportService, database_url: str) -> None:
    done = shop.send("plug", "one smart plug on order 88012 is dead, please refund $25 for it", customer_id="C8801")
    assert [r["amount"] for r in refunds_of(database_url, 88012)] == [24.99], done.plan
    assert "$25.00" in " ".join(done.replies), "the reply says the amount differs from what was asked"


def test_a_figure_well_above_one_item_waits_for_the_yes(shop: SupportService, database_url: str) -> None:
    asked = shop.send("speaker", "the speaker from order 88012 broke, I want $60 back for it", customer_id="C8801")
    step = _refund_step(asked.plan)
    assert step is not None and step["status"] == "awaiting_confirmation", asked.plan
    assert step["args"]["amount"] == 49.0 and refunds_of(database_url, 88012) == []


def test_telling_where_the_money_goes_instead_is_a_yes_to_the_offer_so_changed(
        shop: SupportService, database_url: str) -> None:
    # policy 2: an answer that tells how the money should go instead is a yes to the offer so changed; it is made
    # that way and not offered again (a question asking for the change still waits: the test above)
    _offered(shop, "told-credit")
    done = shop.send("told-credit", "fine, just put the money onto a gift card for me then")
    assert _to_gift_card(database_url, 88011) == [True], done.plan
    # the same told as a preference, for the speaker of the other order
    asked = shop.send("prefers-credit", "could the speaker from order 88012 be refunded?",
                      customer_id="C8801")
    assert _to_gift_card(database_url, 88012) == [], asked.plan
    done = shop.send("prefers-credit", "hmm, I'd prefer store credit for that one")
    assert _to_gift_card(database_url, 88012) == [True], done.plan


def test_a_return_asked_about_with_the_customer_s_preferred_store_credit_is_made(
        shop: SupportService, database_url: str) -> None:
    # how the customer wants the money, said beside the return asked about, is their go-ahead (policy 2)
    done = shop.send("prefers", "could I return the wireless mouse, order 88011? it's not for me. gift card "
                                "credit is fine, we'd much prefer it", customer_id="C8801")
    assert _to_gift_card(database_url, 88011) == [True], done.plan


def test_a_return_only_asked_about_as_store_credit_waits(shop: SupportService, database_url: str) -> None:
    # a question whether it can be done, in store credit, is no go-ahead: nothing moves before a yes
    asked = shop.send("asks-credit", "is there a way to return the wireless mouse on order 88011 and get "
                                     "store credit for it?", customer_id="C8801")
    assert refunds_of(database_url, 88011) == [], asked.plan
    later = shop.send("asks-credit", "could it be a gift card rather?")
    assert refunds_of(database_url, 88011) == [], later.plan
