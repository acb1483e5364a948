"""What a reviewer approves is what moves (issue 17), with the local reasoner on each checkpointer.

An order charged twice and a refund held for review: the review names the exact movements (charges, amount,
destination) as fields and fixes the amount in the arguments; approving moves exactly that. When what the tool
would move changes between the review and the approval, the step goes back to the reviewer instead.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from foundation.audit import open_audit_log
from service.conversations import SupportService, TurnReport
from tests.graph.conftest import refunds_of
from tools.base import ToolContext
from tools.registry import get_tool
from tools.store import open_store
from tools.store.schema import charges, refunds

REFUND_TEXT = "I want a refund for order 10002, the headphones arrived broken"
MAYA = "C0001"


def charge_twice(url: str, order_id: int = 10002) -> str:
    """A second charge of the order's total (the double charge of issue 17's first case); its id."""
    with open_store(url).db.begin() as conn:
        first = dict(conn.execute(select(charges).where(charges.c.order_id == order_id)).mappings().one())
        conn.execute(insert(charges).values({**first, "id": "ch_dup0001",
                                             "created_at": first["created_at"] + timedelta(minutes=1)}))
    return "ch_dup0001"


def held(service: SupportService, thread: str, text: str = REFUND_TEXT) -> TurnReport:
    report = service.send(thread, text, customer_id=MAYA)
    assert report.review_request is not None, f"the refund must wait for a reviewer: {report.plan}"
    return report


def dollars_in(text: str) -> list[float]:
    return [float(m.replace(",", "")) for m in re.findall(r"\$([\d,]+\.\d\d)", text)]


def moved(url: str, order_id: int = 10002) -> float:
    return round(sum(r["amount"] for r in refunds_of(url, order_id)), 2)


def test_a_double_charged_order_refunds_exactly_what_the_reviewer_approved(service: SupportService,
                                                                            database_url: str) -> None:
    duplicate = charge_twice(database_url)
    report = held(service, "double")
    [action] = report.review_request["action_requests"]  # type: ignore[index]
    shown = dollars_in(action["description"])
    service.resume("double", {"decisions": [{"type": "approve"}], "reviewer": "alice"})
    assert moved(database_url) in shown, f"the review said {shown}, {moved(database_url)} was refunded"

    # The review's fields: the amount is fixed in the arguments, the effect names each movement.
    amount = action["args"]["amount"]
    assert amount is not None, "an order refund without an amount must not go to a reviewer"
    effect: dict[str, Any] = report.review_request["context"]["effects"][0]  # type: ignore[index]
    assert effect["amount"] == float(amount) == moved(database_url) == 699.98, effect
    assert {m["charge_id"] for m in effect["movements"]} >= {duplicate}, effect["movements"]
    assert {m["to"] for m in effect["movements"]} == {"original_payment_method"}, effect["movements"]
    assert round(sum(m["amount"] for m in effect["movements"]), 2) == effect["amount"], effect
    assert all(r["approved_by"] == "alice" for r in refunds_of(database_url, 10002))


def test_the_reviewer_edits_the_double_charge_down_to_one_charge(service: SupportService,
                                                                  database_url: str) -> None:
    charge_twice(database_url)
    report = held(service, "double-edit")
    args = {**report.review_request["action_requests"][0]["args"], "amount": 349.99}  # type: ignore[index]
    done = service.resume("double-edit", {"decisions": [{"type": "edit", "edited_action": {
        "name": "refund_order", "args": args}}], "reviewer": "bob"})
    assert moved(database_url) == 349.99, refunds_of(database_url, 10002)
    assert done.review_request is None and "$349.99" in done.replies[-1], done.replies


def test_when_what_would_move_changed_since_the_review_the_step_goes_back_to_the_reviewer(
        service: SupportService, database_url: str) -> None:
    report = held(service, "changed")
    assert report.review_request["action_requests"][0]["args"]["amount"] == 349.99  # type: ignore[index]
    # Meanwhile $50.00 of the order is refunded elsewhere (another channel): $349.99 can no longer be moved.
    other = ToolContext(thread_id="elsewhere", step_id="goodwill", now=datetime.now(UTC), customer_id=MAYA)
    assert get_tool("refund_order").run(open_store(database_url), {
        "order_id": 10002, "amount": 50, "reason": "goodwill gesture"}, other).ok
    again = service.resume("changed", {"decisions": [{"type": "approve"}], "reviewer": "alice"})
    assert moved(database_url) == 50.0, "money moved that differs from what the reviewer approved"
    assert again.review_request is not None, "the changed step must go back to the reviewer"
    [action] = again.review_request["action_requests"]
    assert action["args"]["amount"] == 349.99, "the approved amount is never silently changed"
    assert "only $299.99 of order 10002 is still refundable" in action["description"], action["description"]
    assert again.replies == [], "the customer hears nothing until the reviewer has decided again"
    args = {**action["args"], "amount": 299.99}
    final = service.resume("changed", {"decisions": [{"type": "edit", "edited_action": {
        "name": "refund_order", "args": args}}], "reviewer": "alice"})
    assert moved(database_url) == 349.99, refunds_of(database_url, 10002)
    assert final.review_request is None and final.status == "resolved", final.status


def test_a_refused_reviewer_edit_returns_to_the_reviewer_with_the_refusal(service: SupportService,
                                                                          database_url: str) -> None:
    report = held(service, "refused-edit")
    args = {**report.review_request["action_requests"][0]["args"], "amount": 5000}  # type: ignore[index]
    again = service.resume("refused-edit", {"decisions": [{"type": "edit", "edited_action": {
        "name": "refund_order", "args": args}}], "reviewer": "bob"})
    assert refunds_of(database_url, 10002) == []
    assert again.review_request is not None, "the tool's refusal goes back to the reviewer"
    assert "still refundable" in again.review_request["action_requests"][0]["description"]
    assert again.replies == [], f"the customer must hear nothing yet: {again.replies}"
    fixed = {**args, "amount": 349.99}
    done = service.resume("refused-edit", {"decisions": [{"type": "edit", "edited_action": {
        "name": "refund_order", "args": fixed}}], "reviewer": "bob"})
    assert moved(database_url) == 349.99
    assert done.review_request is None and "$349.99" in done.replies[-1], done.replies


def test_a_refund_stores_a_reason_code_and_a_redacted_note(service: SupportService, database_url: str) -> None:
    held(service, "reason", "I want a refund for order 10002, the headphones arrived broken. I'm "
                            "maya.chen@example.com, zip 94107, card 4242")
    service.resume("reason", {"decisions": [{"type": "approve"}], "reviewer": "alice"})
    with open_store(database_url).db.begin() as conn:
        [row] = conn.execute(select(refunds).where(refunds.c.order_id == 10002)).mappings().all()
    assert row["reason_code"] == "customer_request", row
    for secret in ("maya.chen@example.com", "94107", "4242"):
        assert secret not in row["reason"], row["reason"]


def test_the_tool_itself_refuses_to_move_anything_but_the_approved_effect(service: SupportService,
                                                                         database_url: str) -> None:
    duplicate = charge_twice(database_url)
    store, tool = open_store(database_url), get_tool("refund_order")
    args = {"order_id": 10002, "amount": 150, "reason": "damaged on arrival", "reason_code": "damaged_or_defective"}
    ctx = ToolContext(thread_id="direct", step_id="1:refund", now=datetime.now(UTC), customer_id=MAYA)
    preview = tool.preview(store, args, ctx)
    assert preview is not None and preview.ok, preview
    approved = preview.data
    assert approved["over_limit"] and [m["amount"] for m in approved["movements"]] == [150.0], approved
    # Elsewhere, $250.00 of the first charge goes back: $150.00 would now come from two charges.
    other = ToolContext(thread_id="elsewhere", step_id="1", now=datetime.now(UTC), customer_id=MAYA,
                        approved_by="carol")
    assert tool.run(store, {"order_id": 10002, "amount": 250, "reason": "price match"}, other).ok
    refused = tool.run(store, args, ToolContext(thread_id="direct", step_id="1:refund", now=datetime.now(UTC),
                                                customer_id=MAYA, approved_by="alice", approved_effect=approved))
    assert not refused.ok and refused.code == "effect_changed", refused
    assert moved(database_url) == 250.0
    now = tool.preview(store, args, ctx)
    assert now is not None and now.ok and {m["charge_id"] for m in now.data["movements"]} >= {duplicate}
    done = tool.run(store, args, ToolContext(thread_id="direct", step_id="1:refund", now=datetime.now(UTC),
                                             customer_id=MAYA, approved_by="alice", approved_effect=now.data))
    assert done.ok and moved(database_url) == 400.0, done


def test_a_refund_the_tool_would_refuse_is_not_held_for_a_reviewer(service: SupportService,
                                                                   database_url: str) -> None:
    """Outside the refund window there is nothing a reviewer's approval could move: the step fails with the
    tool's reason at once (an approval would only bring the same review back), and nothing moves."""
    from sqlalchemy import update

    from tools.store.schema import orders

    with open_store(database_url).db.begin() as conn:
        conn.execute(update(orders).where(orders.c.id == 10002).values(
            delivered_at=datetime.now(UTC) - timedelta(days=45)))
    report = service.send("late", REFUND_TEXT, customer_id=MAYA)
    assert report.review_request is None, report.review_request
    [refund] = [s for s in report.plan if s["tool"] == "refund_order"]
    assert refund["status"] == "failed" and "outside the refund window" in (refund["error"] or ""), refund
    assert "refund window" in report.replies[-1], report.replies
    assert refunds_of(database_url, 10002) == []
    # The agent declines without calling the tool: the audit records the declined call, never a call.
    events = open_audit_log(database_url).events("late")
    calls = [e["payload"]["tool"] for e in events if e["kind"] == "tool_call"]
    declined = [e["payload"]["tool"] for e in events if e["kind"] == "tool_declined"]
    assert "refund_order" not in calls and declined == ["refund_order"], (calls, declined)
