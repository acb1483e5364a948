"""Payment tools: refunds within the window and the approval limit, idempotency, concurrency, look-ups."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from foundation.policy import Policy
from tests.tools.conftest import make_ctx, row_counts
from tools.base import ToolResult
from tools.registry import get_tool
from tools.store import BusinessStore
from tools.store.schema import refunds

Call = Callable[..., ToolResult]


def _refunded(store: BusinessStore, order_id: int) -> int:
    with store.db.begin() as conn:
        return int(
            conn.execute(
                select(func.coalesce(func.sum(refunds.c.amount_cents), 0)).where(
                    refunds.c.order_id == order_id
                )
            ).scalar_one()
        )


def test_refund_within_window_and_limit(call: Call, store: BusinessStore) -> None:
    r = call("refund_order", make_ctx("C0001"), order_id=10004, reason="cable arrived damaged")
    assert r.ok and r.data is not None
    assert r.data["refunded"] == 14.99 and r.data["remaining_refundable"] == 0.0
    assert _refunded(store, 10004) == 1499
    status = call("get_refund_status", make_ctx("C0001"), order_id=10004)
    assert status.ok and status.data is not None
    assert (
        status.data["total_refunded"] == 14.99
        and status.data["refunds"][0]["reason"] == "cable arrived damaged"
    )
    again = call("refund_order", make_ctx("C0001"), order_id=10004, reason="again")
    assert again.error == "Error: order 10004 has already been refunded in full."


def test_refund_above_limit_needs_human_approval(call: Call, store: BusinessStore) -> None:
    before = row_counts(store)
    r = call("refund_order", make_ctx("C0001"), order_id=10002, reason="noise cancelling broken")
    assert not r.ok
    assert r.error == (
        "Error: a refund of $349.99 is above the $100.00 limit; a human reviewer must approve it "
        "before it can be issued."
    )
    assert row_counts(store) == before
    partial = call("refund_order", make_ctx("C0001"), order_id=10002, amount="50.00", reason="goodwill")
    assert partial.ok and partial.data is not None and partial.data["remaining_refundable"] == 299.99
    approved = call(
        "refund_order",
        make_ctx("C0001", approved_by="reviewer.ana"),
        order_id=10002,
        reason="noise cancelling broken",
    )
    assert approved.ok and approved.data is not None and approved.data["refunded"] == 299.99
    with store.db.begin() as conn:
        who = (
            conn.execute(
                select(refunds.c.approved_by).where(refunds.c.order_id == 10002).order_by(refunds.c.id)
            )
            .scalars()
            .all()
        )
    assert who == [None, "reviewer.ana"]
    too_much = call(
        "refund_order", make_ctx("C0001", approved_by="reviewer.ana"), order_id=10002, amount=1, reason="more"
    )
    assert too_much.error == "Error: order 10002 has already been refunded in full."


def test_refund_refusals(call: Call, store: BusinessStore) -> None:
    before = row_counts(store)
    old = call("refund_order", make_ctx("C0002"), order_id=10005, reason="changed my mind")
    assert not old.ok and "outside the refund window" in (old.error or "") and "30 days" in (old.error or "")
    pending = call("refund_order", make_ctx("C0001"), order_id=10001, reason="changed my mind")
    assert not pending.ok and "order 10001 is pending" in (pending.error or "")
    shipped = call("refund_order", make_ctx("C0001"), order_id=10003, reason="late")
    assert not shipped.ok and "order 10003 is shipped" in (shipped.error or "")
    others = call("refund_order", make_ctx("C0002"), order_id=10004, reason="not mine")
    assert others.error == "Error: order 10004 was not found on your account."
    over = call("refund_order", make_ctx("C0001"), order_id=10004, amount="15.00", reason="too much")
    assert over.error == "Error: only $14.99 of order 10004 is still refundable; $15.00 is too much."
    assert row_counts(store) == before


def test_refund_is_idempotent_per_step(call: Call, store: BusinessStore) -> None:
    ctx = make_ctx("C0001", step="refund-step")
    first = call("refund_order", ctx, order_id=10004, amount="5.00", reason="scratch")
    second = call("refund_order", ctx, order_id=10004, amount="5.00", reason="scratch")
    assert first.ok and second == first
    with store.db.begin() as conn:
        assert len(conn.execute(select(refunds).where(refunds.c.order_id == 10004)).all()) == 1


@pytest.mark.parametrize("same_key", [False, True])
def test_concurrent_refunds_never_exceed_the_charge(store: BusinessStore, same_key: bool) -> None:
    tool = get_tool("refund_order")
    results: list[ToolResult] = []
    barrier = threading.Barrier(4)

    def _refund(n: int) -> None:
        ctx = make_ctx("C0001", approved_by="reviewer", step="same" if same_key else f"concurrent-{n}")
        barrier.wait()
        results.append(tool.run(store, {"order_id": 10002, "amount": "200.00", "reason": "race"}, ctx))

    threads = [threading.Thread(target=_refund, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _refunded(store, 10002) == 20000
    ok = [r for r in results if r.ok]
    if same_key:
        assert len(ok) == 4 and all(r == ok[0] for r in ok)
    else:
        assert len(ok) == 1
        assert all("still refundable" in (r.error or "") for r in results if not r.ok)


@pytest.mark.read_only
def test_list_charges_invoices_payment_methods(call: Call) -> None:
    charges = call("list_charges", make_ctx("C0001"), order_id=10002)
    assert charges.ok and charges.data is not None
    assert [(c["order_id"], c["amount"], c["refunded"]) for c in charges.data["charges"]] == [
        (10002, 349.99, 0.0)
    ]
    assert charges.data["charges"][0]["payment_method"] == "card ending 4242"
    all_charges = call("list_charges", make_ctx("C0001"))
    # 4 orders and 3 paid membership invoices
    assert all_charges.data is not None and all_charges.data["count"] == 7
    assert call("list_charges", make_ctx("C0002"), order_id=10002).error == (
        "Error: order 10002 was not found on your account."
    )
    invoices = call("list_invoices", make_ctx("C0002"))
    assert invoices.data is not None
    assert [(i["invoice_id"], i["status"], i["amount"]) for i in invoices.data["invoices"]] == [
        ("INV-20001", "open", 59.99),
        ("INV-20002", "paid", 59.99),
    ]
    open_only = call("list_invoices", make_ctx("C0002"), status="open")
    assert open_only.data is not None and open_only.data["count"] == 1
    methods = call("list_payment_methods", make_ctx("C0001"))
    assert methods.data is not None and methods.data["payment_methods"][0]["last4"] == "4242"
    assert call("get_refund_status", make_ctx("C0003"), order_id=10001).error == (
        "Error: order 10001 was not found on your account."
    )


def test_refunds_add_up_to_the_approval_limits_per_order_and_per_customer(call: Call, store: BusinessStore) -> None:
    """Issue 17: three $90.00 refunds of one order are not three refunds under the $100.00 limit."""
    first = call("refund_order", make_ctx("C0001", step="sum-1"), order_id=10002, amount=90, reason="goodwill")
    assert first.ok, first.error
    second = call("refund_order", make_ctx("C0001", step="sum-2"), order_id=10002, amount=90, reason="goodwill")
    assert not second.ok and "brings the refunds of order 10002 in 30 days to $180.00" in (second.error or "")
    approved = call("refund_order", make_ctx("C0001", step="sum-3", approved_by="reviewer.ana"), order_id=10002,
                    amount=90, reason="goodwill")
    assert approved.ok, approved.error
    # The customer's total counts every order (and returns too): with a $100.00 customer limit, $14.99 more on
    # another order is too much.
    tight = dataclasses.replace(make_ctx("C0001", step="sum-4"), policy=Policy(customer_refund_limit=100.0))
    other = call("return_items", tight, order_id=10004, items=[{"product_id": "P004"}], reason="not needed")
    assert not other.ok and "the customer's refunds and credit in 30 days to $194.99" in (other.error or ""), other
    assert _refunded(store, 10002) == 18000 and _refunded(store, 10004) == 0


def test_a_refund_note_is_redacted_and_carries_a_reason_code(call: Call, store: BusinessStore) -> None:
    done = call("refund_order", make_ctx("C0001", step="note"), order_id=10002, amount=20,
                reason="maya.chen@example.com zip 94107 card 4242 says it broke", reason_code="damaged_or_defective")
    assert done.ok, done.error
    with store.db.begin() as conn:
        row = conn.execute(select(refunds.c.reason, refunds.c.reason_code).where(refunds.c.order_id == 10002)).one()
    assert row.reason_code == "damaged_or_defective", row
    assert not any(secret in row.reason for secret in ("maya.chen@example.com", "94107", "4242")), row.reason
