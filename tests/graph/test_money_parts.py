"""Money asked in pieces, figures and counts (policy 2), through the whole graph on each checkpointer, on this file's
own store: the approval limit applies to what a request comes to in all, not to each part of it; a figure named in
reply to an offer that the offer does not move is no yes; a unit named by its place is one unit; "just" the one
item narrows a "both"; and a refund of nothing is never a call to make."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from service.conversations import SupportService, TurnReport
from tests.graph.conftest import refunds_of, scenario_shop

NOW = datetime(2026, 9, 14, 10, 0, tzinfo=UTC)
DATA: dict[str, list[dict[str, Any]]] = {
    "customers": [
        {"id": "C6610", "name": "Ines Varga", "email": "ines.varga@example.com", "zip_code": "60614",
         "card_last4": "4410"},
        {"id": "C6611", "name": "Bo Lund", "email": "bo.lund@example.com", "zip_code": "60615", "card_last4": "4411"},
    ],
    "orders": [
        {"id": 66101, "customer": "C6610", "status": "delivered", "placed_days_ago": 8, "delivered_days_ago": 4,
         "items": [{"product": "Sentry Video Doorbell"}]},
        {"id": 66102, "customer": "C6610", "status": "delivered", "placed_days_ago": 8, "delivered_days_ago": 4,
         "items": [{"product": "Wireless Mouse"}, {"product": "Mechanical Keyboard"}]},
        {"id": 66103, "customer": "C6610", "status": "delivered", "placed_days_ago": 8, "delivered_days_ago": 4,
         "items": [{"product": "Glow Smart Bulb 4-pack"}]},
        {"id": 66104, "customer": "C6610", "status": "delivered", "placed_days_ago": 8, "delivered_days_ago": 4,
         "items": [{"product": "HDMI Cable 2m", "quantity": 3}, {"product": "Soundbar 300"}]},
        {"id": 66105, "customer": "C6611", "status": "delivered", "placed_days_ago": 8, "delivered_days_ago": 4,
         "items": [{"product": "HDMI Cable 2m", "quantity": 3}, {"product": "Soundbar 300"}]},
    ],
    "refunds": [{"order": 66103, "amount": 10.00, "days_ago": 2, "reason": "late delivery"},
                {"order": 66105, "amount": 285.00, "days_ago": 2, "reason": "soundbar faulty"}],
}
INES, BO = "C6610", "C6611"


@pytest.fixture
def shop(database_url: str) -> Iterator[SupportService]:
    yield from scenario_shop(database_url, DATA, NOW)


def amounts(url: str, order_id: int) -> list[float]:
    return [r["amount"] for r in refunds_of(url, order_id)]


def held(report: TurnReport) -> bool:
    return report.review_request is not None


def test_a_refund_asked_in_parts_is_held_when_the_parts_come_to_more_than_the_limit(shop: SupportService,
                                                                                     database_url: str) -> None:
    later = shop.send("later", "Hello, order 66101: the doorbell keeps dropping wifi. Please send $85 back now and "
                               "the remainder once I have posted it.", customer_id=INES)
    assert held(later), later.plan
    assert amounts(database_url, 66101) == [], "no part is refunded before a person approves the whole"
    two = shop.send("two", "for 66101 please refund $70 this week and another $70 next week", customer_id=INES)
    assert held(two), two.plan
    assert amounts(database_url, 66101) == []


def test_a_part_with_the_rest_kept_is_no_piece_of_more(shop: SupportService, database_url: str) -> None:
    kept = shop.send("kept", "66101: the doorbell's faceplate is scuffed. refund me $25 for that and I'll keep the "
                             "rest as it is", customer_id=INES)
    assert not held(kept), kept.plan
    assert amounts(database_url, 66101) == [25.0]


def test_another_figure_in_reply_to_an_offer_is_no_yes(shop: SupportService, database_url: str) -> None:
    offer = shop.send("figure", "what refund would I get if I returned the bulbs from 66103?", customer_id=INES)
    assert "49.99" in offer.replies[-1], offer.replies
    other = shop.send("figure", "alright, the remaining $59.99 then", customer_id=INES)
    assert amounts(database_url, 66103) == [10.0], "a figure the offer does not move is no yes"
    assert "49.99" in other.replies[-1] and "59.99" in other.replies[-1], other.replies
    shop.send("figure", "fine, go ahead", customer_id=INES)
    assert amounts(database_url, 66103) == [10.0, 49.99]


def test_a_yes_naming_another_figure_is_no_yes(shop: SupportService, database_url: str) -> None:
    shop.send("yes", "what refund would I get if I returned the bulbs from 66103?", customer_id=INES)
    other = shop.send("yes", "yes, $59.99 please", customer_id=INES)
    assert amounts(database_url, 66103) == [10.0], other.replies
    assert not held(other) and "49.99" in other.replies[-1], other.replies


def test_the_figure_offered_named_back_is_a_yes(shop: SupportService, database_url: str) -> None:
    shop.send("same", "what refund would I get if I returned the bulbs from 66103?", customer_id=INES)
    shop.send("same", "alright, the remaining $49.99 then", customer_id=INES)
    assert amounts(database_url, 66103) == [10.0, 49.99]


def test_a_unit_named_by_its_place_is_one_unit(shop: SupportService, database_url: str) -> None:
    shop.send("place", "66104 came with three hdmi cables and two will do, so I'm mailing the third one back for a "
                       "refund", customer_id=INES)
    assert amounts(database_url, 66104) == [14.99]


def test_just_one_item_narrows_a_both_said_before(shop: SupportService, database_url: str) -> None:
    told = shop.send("narrow", "66102 had a mouse and a keyboard. I meant to return both. Just refund the mouse "
                               "please.", customer_id=INES)
    assert not held(told), told.plan
    assert amounts(database_url, 66102) == [29.99]
    asked = shop.send("narrow2", "can I send the mouse and the keyboard of 66102 back? hm, actually only the "
                                 "keyboard", customer_id=INES)
    assert "89.99" in asked.replies[-1] and "119.98" not in asked.replies[-1], asked.replies


def test_a_refund_of_nothing_is_never_a_call(shop: SupportService, database_url: str) -> None:
    shop.send("nothing", "I'm returning all 3 hdmi cables from 66104, wrong type. please refund them",
              customer_id=INES)
    assert amounts(database_url, 66104) == [44.97]
    again = shop.send("nothing", "and refund the cables from 66104, I binned their boxes", customer_id=INES)
    refund = [s for s in again.plan if s["tool"] == "refund_order"]
    assert all(s["status"] != "failed" for s in refund), refund
    assert amounts(database_url, 66104) == [44.97]
    assert "Nothing is refunded" in again.replies[-1], again.replies


def test_less_left_than_a_unit_offers_what_is_left(shop: SupportService, database_url: str) -> None:
    short = shop.send("short", "order 66105: one of the hdmi cables is broken, please refund it", customer_id=BO)
    assert all(s["status"] != "failed" for s in short.plan), short.plan
    assert "8.97" in short.replies[-1], short.replies
    assert amounts(database_url, 66105) == [285.0]


def test_the_third_one_of_an_order_is_of_the_line_that_has_three(shop: SupportService, database_url: str) -> None:
    shop.send("third", "I'm returning two of the three hdmi cables from 66104, they're spares",
              customer_id=INES)
    shop.send("third", "on reflection, please return the third one as well", customer_id=INES)
    assert amounts(database_url, 66104) == [29.98, 14.99], "one cable, not the cable and the soundbar"


def test_a_refund_on_record_named_in_a_remark_proposes_nothing(shop: SupportService, database_url: str) -> None:
    shop.send("remark", "what refund would I get if I returned the bulbs from 66103?", customer_id=INES)
    shop.send("remark", "ah, there was that $10 you gave me already. yes please, the $49.99 left then",
              customer_id=INES)
    assert amounts(database_url, 66103) == [10.0, 49.99]
    shop.send("remark2", "what refund would I get if I returned the bulbs from 66103?", customer_id=INES)
    shop.send("remark2", "ok, $30 then", customer_id=INES)
    assert amounts(database_url, 66103) == [10.0, 49.99], "another figure is not refunded unasked"
