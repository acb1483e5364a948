"""The records decide what the agent does: exchanges, item changes after delivery, refunds already made, duplicate
charges, addresses of shipped orders and repair requests, through the whole graph on each checkpointer.

Every new write waits for the customer's yes and runs only for the verified customer, within the policy the tools
enforce. The store holds only this file's own fixtures (not the demo company).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from graphs.support.flows import get_flow
from service.conversations import SupportService
from tests.graph.conftest import order_status, refunds_of, scenario_shop
from tools.store import open_store
from tools.store.schema import charges, orders, tickets

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
DATA: dict[str, list[dict[str, Any]]] = {
    "customers": [
        {"id": "C8101", "name": "Nora Vance", "email": "nora.vance@example.com", "zip_code": "30301",
         "card_last4": "7310"},
        {"id": "C8102", "name": "Eli Brandt", "email": "eli.brandt@example.com", "zip_code": "80202",
         "card_last4": "5120"},
        {"id": "C8103", "name": "Mina Osei", "email": "mina.osei@example.com", "zip_code": "60614",
         "card_last4": "4411"},
        {"id": "C8104", "name": "Ravi Kapoor", "email": "ravi.kapoor@example.com", "zip_code": "98101",
         "card_last4": "2604"},
        {"id": "C8105", "name": "Tess Morrow", "email": "tess.morrow@example.com", "zip_code": "55401",
         "card_last4": "8817"},
    ],
    "orders": [
        # Nora: earbuds delivered 4 days ago (inside the window), a delivered two-item order, a shipped order.
        {"id": 28101, "customer": "C8101", "status": "delivered", "placed_days_ago": 9, "delivered_days_ago": 4,
         "items": [{"product": "Aurora Lite Earbuds"}]},
        {"id": 28102, "customer": "C8101", "status": "delivered", "placed_days_ago": 8, "delivered_days_ago": 5,
         "items": [{"product": "Lumen 4K TV 43in"}, {"product": "TV Wall Mount"}]},
        {"id": 28103, "customer": "C8101", "status": "shipped", "placed_days_ago": 3, "shipped_days_ago": 1,
         "carrier": "USPS", "tracking": "9400111899220000000001", "arrives_in_days": 2,
         "items": [{"product": "Mechanical Keyboard"}]},
        # Eli: earbuds delivered 60 days ago (outside the window), a pending order, a refunded order.
        {"id": 28201, "customer": "C8102", "status": "delivered", "placed_days_ago": 65, "delivered_days_ago": 60,
         "items": [{"product": "Aurora Lite Earbuds"}]},
        {"id": 28202, "customer": "C8102", "status": "pending", "placed_days_ago": 0.5,
         "items": [{"product": "Aurora Sport Earbuds"}, {"product": "HDMI Cable 2m"}]},
        {"id": 28203, "customer": "C8102", "status": "delivered", "placed_days_ago": 16, "delivered_days_ago": 12,
         "items": [{"product": "HDMI Cable 2m", "quantity": 2}]},
        # Mina: a smart plug charged twice.
        {"id": 28301, "customer": "C8103", "status": "delivered", "placed_days_ago": 4, "delivered_days_ago": 1,
         "items": [{"product": "Glow Smart Plug"}]},
        # ... and a bulb pack charged once.
        {"id": 28302, "customer": "C8103", "status": "delivered", "placed_days_ago": 14, "delivered_days_ago": 10,
         "items": [{"product": "Glow Smart Bulb 4-pack"}]},
        # Ravi: a pending order of one line (two of one product).
        {"id": 28401, "customer": "C8104", "status": "pending", "placed_days_ago": 0.2,
         "items": [{"product": "HDMI Cable 2m", "quantity": 2}]},
        # Tess: the cheaper earbuds delivered 3 days ago (an exchange for the dearer ones charges the difference).
        {"id": 28501, "customer": "C8105", "status": "delivered", "placed_days_ago": 6, "delivered_days_ago": 3,
         "items": [{"product": "Aurora Sport Earbuds"}]},
    ],
    "charges": [{"customer": "C8103", "order": 28301, "amount": 24.99, "days_ago": 4}],
    "refunds": [{"order": 28203, "amount": 29.98, "days_ago": 8, "reason": "damaged"}],
}


@pytest.fixture
def shop(database_url: str) -> Iterator[SupportService]:
    """The graph on a store holding only ``DATA``, at a fixed clock."""
    yield from scenario_shop(database_url, DATA, NOW)


def _replacements(url: str, order_id: int) -> list[int]:
    with open_store(url).db.begin() as conn:
        return [int(r) for r in conn.execute(select(orders.c.id).where(orders.c.replaces_order_id == order_id))
                .scalars()]


def _charged(url: str, order_id: int) -> list[float]:
    with open_store(url).db.begin() as conn:
        return [c / 100 for c in conn.execute(select(charges.c.amount_cents).where(charges.c.order_id == order_id))
                .scalars()]


def _tickets(url: str) -> list[dict[str, Any]]:
    with open_store(url).db.begin() as conn:
        return [dict(r) for r in conn.execute(select(tickets)).mappings()]


def _step(plan: list[dict[str, Any]], tool: str) -> dict[str, Any] | None:
    return next((s for s in plan if s["tool"] == tool), None)


def _live(plan: list[dict[str, Any]], tool: str) -> dict[str, Any] | None:
    """The step running ``tool`` that was not left for another reading of the request."""
    return next((s for s in plan if s["tool"] == tool and s["status"] != "skipped"), None)


def test_an_exchange_waits_for_the_yes_then_ships_the_other_product(shop: SupportService, database_url: str) -> None:
    first = shop.send("swap", "can I swap my Aurora Lite Earbuds for the Aurora Sport Earbuds?", customer_id="C8101")
    exchange = _step(first.plan, "exchange_item")
    assert exchange is not None and exchange["status"] == "awaiting_confirmation", first.plan
    assert _replacements(database_url, 28101) == [] and refunds_of(database_url, 28101) == []
    assert "Aurora Sport Earbuds" in first.replies[-1], first.replies
    second = shop.send("swap", "yes please", customer_id="C8101")
    exchange = _step(second.plan, "exchange_item")
    assert exchange is not None and exchange["status"] == "done", second.plan
    assert len(_replacements(database_url, 28101)) == 1, "a linked replacement order ships the new product"
    assert [r["amount"] for r in refunds_of(database_url, 28101)] == [40.0], "the cheaper product refunds $40"
    assert _tickets(database_url) == [], "an exchange is made, not ticketed"


def test_an_exchange_told_after_a_symptom_is_made_without_asking_again(shop: SupportService,
                                                                     database_url: str) -> None:
    # policy 3: the exchange asked for is the request, the symptom before it its reason; told, it is made at once
    report = shop.send("told-swap", "My Aurora Lite Earbuds won't stay put on my morning jog. Please trade them for "
                       "the Aurora Sport Earbuds.", customer_id="C8101")
    exchange = _step(report.plan, "exchange_item")
    assert exchange is not None and exchange["status"] == "done", report.plan
    assert len(_replacements(database_url, 28101)) == 1
    assert [r["amount"] for r in refunds_of(database_url, 28101)] == [40.0]


def test_a_swap_told_in_refund_words_is_made_and_one_asked_about_waits(shop: SupportService,
                                                                      database_url: str) -> None:
    """Policy 3: "not my money back, just trade them for X" reads like a refund, but the swap is in the customer's
    words: the exchange the refund turns into runs as told; asked about ("could they be swapped?"), it waits."""
    asked = shop.send("refund-swap-asked", "Instead of a refund on my Aurora Lite Earbuds, could they be swapped "
                      "for the Aurora Sport Earbuds?", customer_id="C8101")
    exchange = _step(asked.plan, "exchange_item")
    assert exchange is not None and exchange["status"] == "awaiting_confirmation", asked.plan
    assert _replacements(database_url, 28101) == []
    told = shop.send("refund-swap", "Forget the money back on my Aurora Lite Earbuds, trade those in for the Aurora "
                     "Sport Earbuds.", customer_id="C8101")
    exchange = _step(told.plan, "exchange_item")
    assert exchange is not None and exchange["status"] == "done", told.plan
    assert len(_replacements(database_url, 28101)) == 1


def test_an_exchange_outside_the_window_is_refused_and_moves_nothing(shop: SupportService,
                                                                    database_url: str) -> None:
    shop.send("late-swap", "I'd like to exchange my Aurora Lite Earbuds for the Aurora Sport Earbuds, order 28201",
              customer_id="C8102")
    report = shop.send("late-swap", "yes", customer_id="C8102")
    exchange = _step(report.plan, "exchange_item")
    assert exchange is None or exchange["status"] != "done", report.plan
    assert _replacements(database_url, 28201) == [] and refunds_of(database_url, 28201) == []


def test_an_exchange_on_a_pending_order_is_not_made(shop: SupportService, database_url: str) -> None:
    report = shop.send("pending-swap", "can I swap the Aurora Sport Earbuds on order 28202 for the Aurora Lite "
                       "Earbuds?", customer_id="C8102")
    exchange = _step(report.plan, "exchange_item")
    assert exchange is None or exchange["status"] == "skipped", report.plan
    assert _replacements(database_url, 28202) == [] and refunds_of(database_url, 28202) == []
    assert order_status(database_url, 28202) == "pending"


def test_an_unverified_exchange_runs_nothing(shop: SupportService, database_url: str) -> None:
    first = shop.send("anon-swap", "can I swap my Aurora Lite Earbuds for the Aurora Sport Earbuds? order 28101")
    assert [s["tool"] for s in first.plan if s["status"] == "done"] == [], first.plan
    second = shop.send("anon-swap", "nora.vance@example.com, zip 99999")
    assert _step(second.plan, "exchange_item") is None or _step(second.plan, "exchange_item")["status"] != "done"
    shop.send("anon-swap", "yes")
    assert _replacements(database_url, 28101) == [] and refunds_of(database_url, 28101) == []


def test_a_refund_asked_again_on_a_refunded_order_shows_that_refund(shop: SupportService,
                                                                    database_url: str) -> None:
    report = shop.send("again", "you said you refunded order 28203 but I don't see it, can you just refund it "
                       "again", customer_id="C8102")
    tools = [s["tool"] for s in report.plan if s["status"] == "done"]
    assert "get_refund_status" in tools and "refund_order" not in tools, report.plan
    assert [r["amount"] for r in refunds_of(database_url, 28203)] == [29.98], "nothing is refunded twice"
    assert "$29.98" in report.replies[-1], report.replies


def test_a_duplicate_charge_reported_for_an_order_is_refunded_once(shop: SupportService, database_url: str) -> None:
    # Policy 2: a duplicate the customer reports for the order they describe (the smart plug's) is refunded without
    # asking again; a yes after it refunds nothing more.
    first = shop.send("twice", "you charged me twice for my smart plug, two charges of $24.99",
                      customer_id="C8103")
    refund = _live(first.plan, "refund_order")
    assert refund is not None and refund["status"] == "done", first.plan
    assert refund["args"]["amount"] == 24.99 and refund["args"]["order_id"] == 28301, refund["args"]
    shop.send("twice", "yes please", customer_id="C8103")
    assert [r["amount"] for r in refunds_of(database_url, 28301)] == [24.99], "only the duplicate, once"
    assert refunds_of(database_url, 28302) == []
    assert _charged(database_url, 28301) == [24.99, 24.99]


def test_a_duplicate_charge_the_customer_asks_back_is_refunded_without_another_yes(shop: SupportService,
                                                                                  database_url: str) -> None:
    # "Refund the extra one" asks for the refund the records then find (policy 2): it is not asked for twice.
    report = shop.send("extra", "I was charged twice for my smart plug, two charges of $24.99. Can you refund the "
                       "extra one?", customer_id="C8103")
    refund = _live(report.plan, "refund_order")
    assert refund is not None and refund["status"] == "done", report.plan
    assert [r["amount"] for r in refunds_of(database_url, 28301)] == [24.99], "only the duplicate is refunded"


def test_a_duplicate_charge_asked_about_waits_for_the_yes(shop: SupportService, database_url: str) -> None:
    report = shop.send("maybe", "My smart plug order went through twice, two charges of $24.99. Would it "
                       "be possible to refund the second one?", customer_id="C8103")
    refund = _live(report.plan, "refund_order")
    assert refund is not None and refund["status"] == "awaiting_confirmation", report.plan
    assert refunds_of(database_url, 28301) == [], "nothing moves before the customer's yes"


def test_a_duplicate_charge_on_another_order_than_the_one_named_is_not_refunded(shop: SupportService,
                                                                              database_url: str) -> None:
    # 28302 was charged once; 28301 (not named) twice: the customer did not ask for 28301's money back.
    report = shop.send("other", "I was charged twice for order 28302, please refund the extra charge",
                       customer_id="C8103")
    refund = _live(report.plan, "refund_order")
    assert refund is None or refund["status"] != "done", report.plan
    assert refunds_of(database_url, 28301) == [] and refunds_of(database_url, 28302) == []


def test_an_order_named_that_was_charged_once_is_said_so(shop: SupportService, database_url: str) -> None:
    report = shop.send("once", "order 28302 shows two payments on my bank statement, what's going on?",
                       customer_id="C8103")
    reply = " ".join(report.replies)
    assert "order 28302" in reply and "none of your orders" not in reply, reply
    assert refunds_of(database_url, 28301) == [] and refunds_of(database_url, 28302) == []


def test_the_second_charge_of_an_order_is_its_duplicate(shop: SupportService, database_url: str) -> None:
    # "The second charge" is one of two equal charges, not the order's whole price.
    report = shop.send("second", "could I get the second charge on order 28301 back?", customer_id="C8103")
    refund = _live(report.plan, "refund_order")
    assert refund is not None and refund["args"]["amount"] == 24.99, report.plan
    assert refunds_of(database_url, 28301) == [], "asked about: it waits for the yes"
    shop.send("second", "yes please", customer_id="C8103")
    assert [r["amount"] for r in refunds_of(database_url, 28301)] == [24.99], "only the duplicate is refunded"


def test_cancelling_a_delivered_order_offers_a_return(shop: SupportService, database_url: str) -> None:
    first = shop.send("late-cancel", "please cancel order 28102", customer_id="C8101")
    assert _step(first.plan, "cancel_order") is None or _step(first.plan, "cancel_order")["status"] != "done"
    ret = _step(first.plan, "return_items")
    assert ret is not None and ret["status"] == "awaiting_confirmation", first.plan
    assert refunds_of(database_url, 28102) == []
    shop.send("late-cancel", "no thanks", customer_id="C8101")
    assert refunds_of(database_url, 28102) == [] and order_status(database_url, 28102) == "delivered"


def test_removing_an_item_of_a_delivered_order_offers_its_return(shop: SupportService, database_url: str) -> None:
    first = shop.send("late-remove", "please take the TV Wall Mount off order 28102, I don't need it",
                      customer_id="C8101")
    assert _step(first.plan, "modify_order") is None or _step(first.plan, "modify_order")["status"] != "done"
    ret = _step(first.plan, "return_items")
    assert ret is not None and ret["status"] == "awaiting_confirmation", first.plan
    shop.send("late-remove", "yes", customer_id="C8101")
    assert [r["amount"] for r in refunds_of(database_url, 28102)] == [49.99], "only the mount comes back"


def test_removing_the_only_line_of_a_pending_order_offers_its_cancellation(shop: SupportService,
                                                                           database_url: str) -> None:
    first = shop.send("emptied", "drop the HDMI cables from order 28401 altogether, I found some in a drawer",
                      customer_id="C8104")
    assert _step(first.plan, "modify_order") is None or _step(first.plan, "modify_order")["status"] != "done"
    cancel = _step(first.plan, "cancel_order")
    assert cancel is not None and cancel["status"] == "awaiting_confirmation", first.plan
    assert order_status(database_url, 28401) == "pending", "nothing is cancelled before the customer's yes"
    shop.send("emptied", "fine, cancel it", customer_id="C8104")
    assert order_status(database_url, 28401) == "cancelled"


def test_a_trouble_report_that_ends_in_a_swap_told_to_the_agent_makes_the_exchange(shop: SupportService,
                                                                                   database_url: str) -> None:
    # After the guide, an imperative opened by an adverb (no "please", no question) tells the agent to swap them.
    shop.send("swap-after-guide", "the Aurora Lite Earbuds I got on 28101 lose the bluetooth link every few "
                                  "minutes", customer_id="C8101")
    report = shop.send("swap-after-guide", "followed each step, the connection still drops after a minute. "
                                           "frankly, just exchange the pair for Aurora Sport Earbuds",
                       customer_id="C8101")
    exchange = _step(report.plan, "exchange_item")
    assert exchange is not None and exchange["status"] == "done", report.plan
    assert len(_replacements(database_url, 28101)) == 1


def test_the_words_of_an_identity_answer_do_not_widen_the_request(shop: SupportService, database_url: str) -> None:
    # The answer to the identity question is about the card: "pretty much everything" there is no "the whole order".
    shop.send("identity-words", "the TV Wall Mount on 28102 arrived bent. refund just the mount please, the TV "
                                "is staying")
    shop.send("identity-words", "nora.vance@example.com, card 1111")
    shop.send("identity-words", "ah that's the joint card we put pretty much everything on. my own is 7310")
    assert [r["amount"] for r in refunds_of(database_url, 28102)] == [49.99], "only the mount is refunded"


def test_a_shipped_order_is_not_asked_for_a_new_address(shop: SupportService) -> None:
    report = shop.send("shipped", "the street on order 28103 is misspelled, can you fix the address?",
                       customer_id="C8101")
    reply = report.replies[-1]
    assert "9400111899220000000001" in reply, reply
    assert "new delivery address" not in reply, "asked for an address the shipped order cannot take"


def test_a_technician_request_opens_a_technical_ticket(shop: SupportService, database_url: str) -> None:
    shop.send("repair", "my Volt Laptop 14 won't turn on, I did every step, I need a technician to repair it",
              customer_id="C8101")
    assert "technical" in [t["queue"] for t in _tickets(database_url)], _tickets(database_url)


def test_records_that_turn_a_request_back_into_one_it_left_end_the_turn(shop: SupportService,
                                                                        database_url: str) -> None:
    # A removal on a delivered order is a return; a return "swapped" for another product is an exchange; that
    # exchange's removal is a return again: a turn goes back to no intent it left, so it ends and moves nothing.
    report = shop.send("loop", "please take the TV Wall Mount off order 28102 and swap it for the Aurora Sport "
                               "Earbuds", customer_id="C8101")
    assert len(report.plan) < 20, report.plan
    assert refunds_of(database_url, 28102) == [], "nothing is refunded before the customer's yes"


def test_a_card_declined_twice_is_no_duplicate_charge() -> None:
    duplicate = get_flow("payment_issue").slots["duplicate"]
    assert duplicate.read_text("tried to order a case and the card got declined twice") is None
    assert duplicate.read_text("my bank app shows 2 charges for the speaker, both $49") is True
    assert duplicate.read_text("my statement says I paid you $129.00 twice on one day") is True, "a decimal point"


def test_a_return_the_customer_wants_as_store_credit_goes_to_a_gift_card(shop: SupportService,
                                                                        database_url: str) -> None:
    report = shop.send("credit", "the smart plug from order 28301 flickers. I'd like to send the plug back, as "
                                 "credit on a gift card rather than on my card please", customer_id="C8103")
    ret = _step(report.plan, "return_items")
    assert ret is not None and ret["args"]["to_gift_card"] is True, report.plan
    if ret["status"] == "awaiting_confirmation":
        report = shop.send("credit", "yes", customer_id="C8103")
        ret = _step(report.plan, "return_items")
    assert ret is not None and ret["status"] == "done", report.plan
    assert ret["result"]["data"]["refund_to"] == "gift_card" and "gift card" in report.replies[-1], report.replies


def test_taking_an_unnamed_item_off_a_one_line_order_offers_no_cancellation(shop: SupportService,
                                                                             database_url: str) -> None:
    # The only line found by elimination is no request to empty the order: "remove something" names no item.
    first = shop.send("unnamed", "I need to remove something from one of my orders please", customer_id="C8104")
    assert _step(first.plan, "cancel_order") is None, first.plan
    shop.send("unnamed", "order 28401, the HDMI cables", customer_id="C8104")
    assert order_status(database_url, 28401) == "pending", "nothing is cancelled unasked"
    shop.send("unnamed", "right, then just cancel the whole thing", customer_id="C8104")
    assert order_status(database_url, 28401) == "cancelled"


def test_the_difference_an_exchange_charges_named_back_is_a_yes(shop: SupportService, database_url: str) -> None:
    # A dearer product charges the difference: the figure named back is the offer's own, not another one proposed.
    first = shop.send("dearer", "is it possible to swap the Aurora Sport Earbuds on 28501 for the Aurora Lite Earbuds?",
                      customer_id="C8105")
    exchange = _step(first.plan, "exchange_item")
    assert exchange is not None and exchange["status"] == "awaiting_confirmation", first.plan
    second = shop.send("dearer", "right, paying $40 more is fine. please go ahead", customer_id="C8105")
    exchange = _step(second.plan, "exchange_item")
    assert exchange is not None and exchange["status"] == "done", second.plan
    assert len(_replacements(database_url, 28501)) == 1, second.replies
