"""The published policy's edges as the tools apply them (prompts/policy.md.j2 section 2): the refund window's last
day is inside it, and a refund of exactly the approval limit needs no reviewer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from tools.orders.returns import outside_window
from tools.payments.ledger import _over_limit

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
POLICY = SimpleNamespace(refund_window_days=30, refund_approval_limit=100.0, customer_refund_limit=250.0,
                         limit_window_days=30)
CTX: Any = SimpleNamespace(now=NOW, policy=POLICY)


def _delivered(days_ago: float) -> Any:
    return SimpleNamespace(order_id=24518, status="delivered", delivered_at=NOW - timedelta(days=days_ago))


def test_the_last_day_of_the_window_is_inside_it() -> None:
    assert outside_window(_delivered(29.6), CTX, "returned") is None
    assert outside_window(_delivered(30), CTX, "returned") is None
    assert outside_window(_delivered(30.4), CTX, "returned") is not None


def test_exactly_the_limit_needs_no_reviewer() -> None:
    assert _over_limit(CTX, 10_000, 90127, 10_000, 10_000) is None
    assert _over_limit(CTX, 10_001, 90127, 10_001, 10_001) is not None
