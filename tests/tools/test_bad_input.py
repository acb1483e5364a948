"""Hostile or malformed arguments end in a clean refusal and write nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.tools.conftest import make_ctx, row_counts
from tools.base import ToolResult
from tools.store import BusinessStore

Call = Callable[..., ToolResult]
BIG = "x" * 100_000

CASES: list[tuple[str, dict[str, Any]]] = [
    ("refund_order", {"order_id": 10004, "amount": -5, "reason": "negative"}),
    ("refund_order", {"order_id": 10004, "amount": 0, "reason": "zero"}),
    ("refund_order", {"order_id": 10004, "amount": "1.005", "reason": "three decimals"}),
    ("refund_order", {"order_id": 10004, "amount": 1.999, "reason": "three decimals"}),
    ("refund_order", {"order_id": 10004, "amount": "NaN", "reason": "nan"}),
    ("refund_order", {"order_id": 10004, "reason": BIG}),
    ("refund_order", {"order_id": "10004 OR 1=1", "reason": "sql"}),
    ("refund_order", {"order_id": 10004, "reason": "extra", "approved_by": "me"}),
    ("cancel_order", {"order_id": -1}),
    ("find_customer", {"email": "x' OR '1'='1'; DROP TABLE customers; --@example.com"}),
    ("find_customer", {"email": BIG + "@example.com"}),
    ("verify_identity", {"email": "maya.chen@example.com' --", "zip_code": "94107"}),
    ("verify_identity", {"customer_id": "C0001"}),
    ("verify_identity", {"customer_id": "C0001", "zip_code": "9410'"}),
    ("create_ticket", {"subject": "hello", "description": BIG}),
    ("create_ticket", {"subject": "line\nbreak", "description": "fine text"}),
    ("change_shipping_address", {"order_id": 10001, "line1": BIG, "city": "SF", "zip_code": "94107"}),
    ("search_articles", {"query": BIG}),
    ("update_ticket", {"ticket_id": "T-1'; DELETE FROM tickets; --", "note": "x"}),
    ("refund_order", {"order_id": 10004, "reason": "gift", "to_gift_card": "maybe"}),
    ("modify_order", {"order_id": 10001, "product_id": "P001", "quantity": -1}),
    ("modify_order", {"order_id": 10001, "product_id": "P001", "quantity": "two"}),
    ("modify_order", {"order_id": 10001, "product_id": "P001' OR 1=1 --", "quantity": 1}),
    ("modify_order", {"order_id": 10001, "product_id": "P001", "quantity": 1.5}),
    ("return_items", {"order_id": 10004, "items": [], "reason": "empty"}),
    ("return_items", {"order_id": 10004, "items": [{"product_id": "P004", "quantity": 0}], "reason": "zero"}),
    ("return_items", {"order_id": 10004, "items": [{"product_id": "P004", "quantity": -2}], "reason": "neg"}),
    ("return_items", {"order_id": 10004, "items": [{"product_id": "P004"}], "reason": BIG}),
    ("return_items", {"order_id": 10004, "items": [{"product_id": "P004"}] * 21, "reason": "too many"}),
    ("return_items", {"order_id": 10004, "items": "P004", "reason": "not a list"}),
    ("exchange_item", {"order_id": 10004, "product_id": "P004", "new_product_id": "'; DROP TABLE orders; --"}),
    ("exchange_item", {"order_id": 10004, "product_id": "P004", "new_product_id": "P035", "quantity": 0}),
    ("get_invoice", {"invoice_id": "INV-20001' OR '1'='1"}),
    ("open_billing_dispute", {"invoice_id": "INV-20001", "reason": BIG}),
    ("open_billing_dispute", {"reason": "no target at all"}),
    ("open_billing_dispute", {"charge_id": "ch_1; DELETE FROM charges", "reason": "sql in id"}),
    ("resolve_billing_dispute", {"dispute_id": "DSP-1", "outcome": "maybe", "note": "bad outcome"}),
    ("change_plan", {"plan": "platinum"}),
    ("change_plan", {"plan": "pro", "price": 0}),
    ("request_account_deletion", {"reason": "ok\x00nul"}),
    ("migrate_account", {"other_customer_id": "C0004' OR 1=1"}),
    ("migrate_account", {"other_customer_id": 4}),
    ("search_articles", {"query": "refund", "mode": "psychic"}),
    ("troubleshoot", {"products": ["a" * 81]}),
    ("troubleshoot", {"products": ["tv"] * 6}),
    ("get_subscription", {"customer_id": "C0002"}),
    ("delete_account", {"customer_id": "C0002"}),
]


@pytest.mark.read_only
def test_bad_arguments_are_refused_without_writes(call: Call, store: BusinessStore) -> None:
    # One store for all cases (a refusal writes nothing, so the cases cannot affect each other).
    before = row_counts(store)
    for n, (name, args) in enumerate(CASES):
        r = call(name, make_ctx("C0001"), **args)
        assert not r.ok and (r.error or "").startswith(f"Error: invalid arguments for {name}:"), (n, name, r)
        assert len(r.error or "") < 2000, (n, name)
        assert row_counts(store) == before, (n, name)


@pytest.mark.read_only
def test_sql_metacharacters_that_pass_validation_are_just_data(call: Call, store: BusinessStore) -> None:
    before = row_counts(store)
    r = call("find_customer", make_ctx(None), email="o'brien+test@example.com")
    assert r.error == "Error: no customer with that email address was found."
    assert row_counts(store) == before
