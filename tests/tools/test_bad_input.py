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
]


@pytest.mark.parametrize(("name", "args"), CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_bad_arguments_are_refused_without_writes(
    call: Call, store: BusinessStore, name: str, args: dict[str, Any]
) -> None:
    before = row_counts(store)
    r = call(name, make_ctx("C0001"), **args)
    assert not r.ok and (r.error or "").startswith(f"Error: invalid arguments for {name}:")
    assert len(r.error or "") < 2000
    assert row_counts(store) == before


def test_sql_metacharacters_that_pass_validation_are_just_data(call: Call, store: BusinessStore) -> None:
    before = row_counts(store)
    r = call("find_customer", make_ctx(None), email="o'brien+test@example.com")
    assert r.error == "Error: no customer with that email address was found."
    assert row_counts(store) == before
