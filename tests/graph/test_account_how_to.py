"""Asking how to change one's own account details is a general question (policy 1): answered from the help centre
with no identity check and nothing of the account read; asking for a change to be made verifies the customer first.
On each checkpointer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from service.conversations import SupportService
from tests.graph.conftest import scenario_shop

NOW = datetime(2026, 6, 12, 14, 0, tzinfo=UTC)
DATA: dict[str, list[dict[str, Any]]] = {
    "customers": [
        {"id": "C8801", "name": "Ravi Menon", "email": "ravi.menon@example.com", "zip_code": "10027",
         "card_last4": "7781"},
    ],
}


@pytest.fixture
def shop(database_url: str) -> Iterator[SupportService]:
    yield from scenario_shop(database_url, DATA, NOW)


@pytest.mark.parametrize("message", [
    "once I've got an account, how would I go about changing the phone number on it?",
    "quick q - could I edit my delivery name in my profile myself or do you have to do it?",
    "if my mobile number changes, am I able to put the new one in online?",
])
def test_a_how_to_about_account_details_needs_no_identity_check(shop: SupportService, message: str) -> None:
    report = shop.send("howto", message)
    tools = [s["tool"] for s in report.plan]
    assert "verify_identity" not in tools and "get_customer" not in tools, report.plan
    assert "email address on your account" not in " ".join(report.replies), report.replies


def test_a_change_asked_for_verifies_first(shop: SupportService) -> None:
    report = shop.send("change", "please change the email on my account to ravi.m.home@example.com")
    assert "email address on your account" in " ".join(report.replies), report.replies
