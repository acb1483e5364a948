"""The agent never names a record the account does not hold: asking for an invoice number, it shows the number's
form, not a number that looks like one of theirs, and a customer with no invoices is told so and asked for what
their statement shows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from service.conversations import SupportService
from tests.graph.conftest import scenario_shop

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
DATA: dict[str, list[dict[str, Any]]] = {
    "customers": [
        {"id": "C9301", "name": "Ines Varga", "email": "ines.varga@example.com", "zip_code": "60614",
         "card_last4": "3307", "plan": "plus"},
        {"id": "C9302", "name": "Tom Reyes", "email": "tom.reyes@example.com", "zip_code": "73301",
         "card_last4": "9156"},
    ],
    "invoices": [{"id": "INV-93011", "customer": "C9301", "amount": 9.99, "status": "paid", "issued_days_ago": 12},
                 {"id": "INV-93012", "customer": "C9301", "amount": 9.99, "status": "paid", "issued_days_ago": 42}],
}
INVOICE_NUMBER = re.compile(r"\bINV-\d+", re.I)


@pytest.fixture
def shop(database_url: str) -> Iterator[SupportService]:
    yield from scenario_shop(database_url, DATA, NOW)


def test_a_customer_without_invoices_is_never_asked_to_confirm_one(shop: SupportService) -> None:
    report = shop.send("none", "please open a dispute on the bill you charged me, the amount is wrong",
                       customer_id="C9302")
    reply = " ".join(report.replies)
    assert not INVOICE_NUMBER.search(reply), reply
    assert "can't find any invoices" in reply, reply


def test_a_customer_with_invoices_hears_only_their_own_numbers(shop: SupportService) -> None:
    report = shop.send("some", "please open a dispute on the bill you charged me, the amount is wrong",
                       customer_id="C9301")
    reply = " ".join(report.replies)
    assert set(INVOICE_NUMBER.findall(reply)) <= {"INV-93011", "INV-93012"}, reply
    assert "can't find any invoices" not in reply, reply
