"""The newsletter: a request that names neither on nor off ("you send me far too many emails") changes what the
profile shows, for a signed-in customer and for a visitor verified on a later message; never a guess that
subscribes. Whole graph, each checkpointer; the store holds only this file's own fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from service.conversations import SupportService
from tests.graph.conftest import scenario_shop, step_of

NOW = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
DATA: dict[str, list[dict[str, Any]]] = {
    "customers": [
        {"id": "C8401", "name": "Maren Solberg", "email": "maren.s@example.com", "zip_code": "55402",
         "card_last4": "4410", "plan": "basic", "newsletter": True},
        {"id": "C8402", "name": "Tomasz Wolny", "email": "t.wolny@example.com", "zip_code": "60614",
         "card_last4": "1234", "plan": "basic", "newsletter": False},
    ],
}


@pytest.fixture
def shop(database_url: str) -> Iterator[SupportService]:
    yield from scenario_shop(database_url, DATA, NOW)


def test_a_subscriber_who_names_neither_value_is_taken_off(shop: SupportService) -> None:
    report = shop.send("too-many", "you lot send me far too many emails", customer_id="C8401")
    change = step_of(report.plan, "set_newsletter_subscription")
    assert change["status"] == "done" and change["args"] == {"subscribed": False}, report.plan


def test_someone_not_subscribed_who_names_neither_value_is_signed_up(shop: SupportService) -> None:
    report = shop.send("wants-it", "I'd like to get your newsletter with the deals", customer_id="C8402")
    assert step_of(report.plan, "set_newsletter_subscription")["args"] == {"subscribed": True}, report.plan


def test_a_visitor_verified_on_a_later_message_is_changed_from_their_profile(shop: SupportService) -> None:
    shop.send("visitor", "about your marketing emails, there are way too many of them")
    report = shop.send("visitor", "maren.s@example.com, zip 55402")
    change = step_of(report.plan, "set_newsletter_subscription")
    assert change["status"] == "done" and change["args"] == {"subscribed": False}, report.plan


def test_off_said_in_any_words_wins_over_the_profile() -> None:
    from graphs.support.flows import get_flow

    slot = get_flow("newsletter_subscription").slots["subscribed"]
    assert slot.read_text("please take me off your mailing list") is False
    assert slot.read_text("what's in your newsletter?") is None  # neither: the profile decides


def test_asked_again_for_the_opposite_is_a_new_request_not_the_one_just_done(shop: SupportService) -> None:
    """The request just finished asked for again keeps its outcome only when the new words give the same values:
    "sign me back up" after "take me off" flips it back."""
    shop.send("flip", "please take me off your mailing list", customer_id="C8401")
    report = shop.send("flip", "hmm actually, sign me back up to the mailing list please", customer_id="C8401")
    change = step_of(report.plan, "set_newsletter_subscription")
    assert change["status"] == "done" and change["args"] == {"subscribed": True}, report.plan
