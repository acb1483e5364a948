"""A question about a record the conversation acted on is answered from that record's state: the refund's
destination, the order's total now (prompts/replies/track_refund.j2, track_order.j2)."""

from __future__ import annotations

from graphs.support.replies import clean_error
from prompts import render_reply


def test_a_refund_s_status_names_where_the_money_goes() -> None:
    refunds = {"status": "done", "result": {"data": {
        "order_id": 30581, "refunds": [{"amount": 18.5, "created_at": "2026-01-04T10:00:00", "status": "succeeded"}],
        "paid_with": ["card ending 7710"]}}}
    text = render_reply("track_refund", steps={"refunds": refunds}, clean_error=clean_error)
    assert "card ending 7710" in text and "5–10 business days" in text, text


def test_an_order_not_shipped_yet_shows_its_total_now() -> None:
    order = {"status": "done", "result": {"data": {"order_id": 30581, "status": "pending", "total": 64.2,
                                                   "estimated_delivery": None}}}
    text = render_reply("track_order", steps={"order": order}, clean_error=clean_error)
    assert "$64.20" in text, text
