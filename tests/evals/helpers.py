"""Hand-made scenarios and transcripts for the scoring tests."""

from __future__ import annotations

from typing import Any

from evals.scenario_files import parse_document
from evals.scenario_format import Scenario
from evals.scenario_play import Transcript

REFUND_SCENARIO: dict[str, Any] = {
    "id": "refund-small",
    "title": "A small refund is made without a reviewer",
    "flow": "get_refund",
    "signed_in_as": "C9001",
    "data": {
        "customers": [{"id": "C9001", "name": "Test Person", "email": "test.person@example.com",
                       "zip_code": "10001", "card_last4": "1111"}],
        "orders": [{"id": 19001, "customer": "C9001", "status": "delivered", "placed_days_ago": 6,
                    "delivered_days_ago": 3, "items": [{"product": "Aurora Sport Earbuds", "unit_price": 59.99}]}],
    },
    "messages": ["Please refund order 19001, the earbuds are broken."],
    "expect": {
        "intents": ["get_refund"],
        "escalated": False,
        "outcome": "resolved",
        "data": [{"refund": {"order": 19001, "amount": 59.99}}, {"order": {"id": 19001, "status": "delivered"}}],
        "forbidden_tools": ["cancel_order"],
        "required_tools": ["refund_order"],
        "reply_contains": ["59.99"],
    },
}


def scenario(**changes: Any) -> Scenario:
    raw = {**REFUND_SCENARIO, **changes}
    return parse_document({"scenarios": [raw]}, "hand-made.yaml")[0]


def facts(*, refunds: list[dict[str, Any]] | None = None, order_status: str = "delivered") -> dict[str, Any]:
    return {
        "orders": {"19001": {"status": order_status, "customer": "C9001"}},
        "refunds": refunds if refunds is not None else [
            {"order": 19001, "invoice": None, "amount": 59.99, "approved_by": None, "new": True}],
        "tickets": [], "disputes": [], "invoices": {},
        "customers": {"C9001": {"status": "active", "merged_into": None, "newsletter": False, "plan": "basic",
                                "deletion_requested": False}},
        "subscriptions": {}, "orders_per_customer": {"C9001": 1},
    }


def transcript(**changes: Any) -> Transcript:
    values: dict[str, Any] = {
        "scenario_id": "refund-small", "trial": 1, "outcome": "resolved", "escalated": False, "queues": [],
        "escalation_reasons": [], "intents": ["get_refund"], "confidences": [0.93, 0.88],
        "tools": [{"tool": "get_order", "ok": True, "error": None},
                  {"tool": "refund_order", "ok": True, "error": None}],
        "replies": ["I've refunded $59.99 to your card."], "last_replies": ["I've refunded $59.99 to your card."],
        "reviews_applied": [], "unsent": [], "unreviewed": [], "facts": facts(),
    }
    values.update(changes)
    return Transcript(**values)
