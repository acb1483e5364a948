"""Plan changes: account credit for a downgrade nothing refundable paid for, and concurrent changes billed once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Connection, func, select

from tests.tools.conftest import REFERENCE_TIME, make_ctx
from tests.tools.helpers import Call, assert_replay_is_idempotent
from tools.base import ToolResult
from tools.common import idempotent_write
from tools.payments.sql_payments import SqlPayments
from tools.registry import get_tool
from tools.store import BusinessStore
from tools.store.schema import account_credits, customers, invoices, refunds, subscriptions


def _credits(store: BusinessStore, customer_id: str) -> list[tuple[str, int, int]]:
    with store.db.begin() as conn:
        rows = conn.execute(
            select(account_credits.c.id, account_credits.c.amount_cents, account_credits.c.remaining_cents)
            .where(account_credits.c.customer_id == customer_id)
            .order_by(account_credits.c.id)
        )
        return [tuple(r) for r in rows]


def _credit_used_matches_invoices(store: BusinessStore, customer_id: str) -> bool:
    """Credit used up (issued minus remaining) equals the credit the customer's invoices record."""
    with store.db.begin() as conn:
        used = conn.execute(
            select(func.coalesce(func.sum(account_credits.c.amount_cents - account_credits.c.remaining_cents), 0))
            .where(account_credits.c.customer_id == customer_id)
        ).scalar_one()
        applied = conn.execute(
            select(func.coalesce(func.sum(invoices.c.credit_applied_cents), 0)).where(
                invoices.c.customer_id == customer_id
            )
        ).scalar_one()
    return int(used) == int(applied)


def test_a_downgrade_nothing_refundable_paid_for_becomes_credit_the_next_invoice_uses(
    call: Call, store: BusinessStore
) -> None:
    # C0003 is on basic with no membership payments: plus is invoiced (open, unpaid), so going back to
    # basic has no payment to refund the unused period to.
    up = call("change_plan", make_ctx("C0003"), plan="plus")
    assert up.ok and up.data is not None and up.data["prorated_difference"] == 9.99 and "credit_applied" not in up.data
    down = assert_replay_is_idempotent(call, store, "change_plan", "C0003", plan="basic")  # the replay adds no row
    assert down.data is not None and "refunds" not in down.data
    assert down.data["credit"] == {
        "credit_id": "CR-00001",
        "amount": 9.99,
        "note": "credited against the next membership invoice",
    }
    assert _credits(store, "C0003") == [("CR-00001", 999, 999)]
    # The backend deduplicates the key on its own too: the same key records no second credit.
    payments = SqlPayments(store)
    with store.db.begin() as conn:
        again = payments.add_credit(
            "C0003", 999, reason="again", tx=conn, key="thread-1:replay-change_plan", now=REFERENCE_TIME
        )
    assert again == "CR-00001" and len(_credits(store, "C0003")) == 1
    sub = call("get_subscription", make_ctx("C0003"))
    assert sub.data is not None and sub.data["account_credit"] == 9.99

    # The next membership invoice (basic -> pro, a new full period: 59.99) uses the credit first.
    pro = call("change_plan", make_ctx("C0003"), plan="pro")
    assert pro.ok and pro.data is not None
    assert (pro.data["prorated_difference"], pro.data["credit_applied"], pro.data["invoice_amount"]) == (
        59.99,
        9.99,
        50.00,
    )
    assert _credits(store, "C0003") == [("CR-00001", 999, 0)]
    listed = call("list_invoices", make_ctx("C0003"))
    assert listed.data is not None
    newest = listed.data["invoices"][0]
    assert (newest["invoice_id"], newest["amount"], newest["credit_applied"], newest["status"]) == (
        pro.data["invoice_id"],
        50.00,
        9.99,
        "open",
    )
    invoice = call("get_invoice", make_ctx("C0003"), invoice_id=pro.data["invoice_id"])
    assert invoice.data is not None and [line["amount"] for line in invoice.data["lines"]] == [59.99, -9.99]
    sub = call("get_subscription", make_ctx("C0003"))
    assert sub.data is not None and sub.data["account_credit"] == 0.0

    # Credit covering an invoice in full pays it: pro -> plus (unpaid, so credit 50.00), then plus -> pro.
    plus = call("change_plan", make_ctx("C0003"), plan="plus")
    assert plus.data is not None and plus.data["credit"]["amount"] == 50.00
    back = call("change_plan", make_ctx("C0003"), plan="pro")
    assert back.data is not None and (back.data["credit_applied"], back.data["invoice_amount"]) == (50.00, 0.0)
    with store.db.begin() as conn:
        settled = conn.execute(select(invoices).where(invoices.c.id == back.data["invoice_id"])).one()
    assert (settled.status, settled.amount_cents, settled.paid_at) == ("paid", 0, REFERENCE_TIME)
    assert _credits(store, "C0003") == [("CR-00001", 999, 0), ("CR-00002", 5000, 0)]
    assert _credit_used_matches_invoices(store, "C0003")
    paid_by_credit = back.data["invoice_id"]
    disputed = call("open_billing_dispute", make_ctx("C0003"), invoice_id=paid_by_credit, reason="never agreed")
    assert disputed.error == (
        f"Error: invoice {paid_by_credit} was paid in full with account credit; nothing was charged to "
        "dispute."
    )


def test_a_downgrade_with_a_refundable_payment_refunds_and_records_no_credit(call: Call, store: BusinessStore) -> None:
    down = call("change_plan", make_ctx("C0002"), plan="plus")  # pro, with a paid membership invoice
    assert down.ok and down.data is not None and down.data["refunds"] and "credit" not in down.data
    assert _credits(store, "C0002") == []


def test_credit_moves_with_a_merged_account(call: Call, store: BusinessStore) -> None:
    call("change_plan", make_ctx("C0004"), plan="plus")
    assert call("change_plan", make_ctx("C0004"), plan="basic").ok
    assert len(_credits(store, "C0004")) == 1
    merged = call("migrate_account", make_ctx("C0003", approved_by="reviewer.ana"), other_customer_id="C0004")
    assert merged.ok and merged.data is not None and merged.data["moved"]["account_credits"] == 1
    assert _credits(store, "C0004") == [] and len(_credits(store, "C0003")) == 1


def test_two_invoices_never_use_the_same_credit(store: BusinessStore) -> None:
    payments = SqlPayments(store)
    with store.db.begin() as conn:
        payments.add_credit("C0003", 1000, reason="goodwill", tx=conn, key="credit-race", now=REFERENCE_TIME)
        sub_id = payments.start_subscription(
            "C0003", "plus", renews_at=REFERENCE_TIME, tx=conn, key="credit-race", now=REFERENCE_TIME
        )
    barrier = threading.Barrier(2)

    def _invoice(n: int) -> None:
        # As the tools write: inside idempotent_write, whose operation row comes first. On SQLite that first write
        # makes the writers queue up (so they meet before it); on Postgres (different keys) they meet inside their
        # transactions and really race for the credit rows.
        racing = store.db.dialect == "postgresql"

        def body(conn: Connection) -> ToolResult:
            if racing:
                barrier.wait()
            invoice_id = payments.create_invoice(
                customer_id="C0003",
                subscription_id=sub_id,
                amount_cents=800,
                due_at=REFERENCE_TIME,
                tx=conn,
                key=f"credit-race-{n}",
                now=REFERENCE_TIME,
            )
            return ToolResult.success({"invoice_id": invoice_id})

        if not racing:
            barrier.wait()
        assert idempotent_write(store, make_ctx("C0003", step=f"credit-race-{n}"), "create_invoice", body).ok

    threads = [threading.Thread(target=_invoice, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with store.db.begin() as conn:
        made = conn.execute(
            select(invoices.c.amount_cents, invoices.c.credit_applied_cents).where(invoices.c.subscription_id == sub_id)
        ).all()
    assert sorted(tuple(r) for r in made) == [(0, 800), (600, 200)]
    assert _credits(store, "C0003")[0][2] == 0 and _credit_used_matches_invoices(store, "C0003")


def _state(store: BusinessStore, customer_id: str) -> tuple[str, list[str], set[str], int]:
    """The customer's plan, current subscription plans, invoice ids and refund count."""
    with store.db.begin() as conn:
        plan = conn.execute(select(customers.c.plan_id).where(customers.c.id == customer_id)).scalar_one()
        subs = conn.execute(
            select(subscriptions.c.plan_id).where(
                subscriptions.c.customer_id == customer_id, subscriptions.c.status != "cancelled"
            )
        )
        ids = conn.execute(select(invoices.c.id).where(invoices.c.customer_id == customer_id))
        made = conn.execute(select(func.count()).select_from(refunds).where(refunds.c.reason.like("plan change%")))
        return str(plan), list(subs.scalars()), set(ids.scalars()), int(made.scalar_one())


@pytest.mark.parametrize(
    ("targets", "same_key"),
    [(("pro",) * 4, False), (("pro",) * 4, True), (("pro", "basic", "pro", "basic"), False)],
    ids=["same-plan", "same-key", "up-and-down"],
)
def test_concurrent_plan_changes_are_billed_once_from_the_plan_they_change(
    store: BusinessStore, targets: tuple[str, ...], same_key: bool
) -> None:
    """Four conversations change C0001's plan (plus) at the same moment: each change that goes through
    starts from the plan the previous one left, so no change is billed twice or from a stale plan."""
    tool = get_tool("change_plan")
    _, _, invoices_before, refunds_before = _state(store, "C0001")
    results: list[ToolResult] = []
    barrier = threading.Barrier(len(targets))

    def _change(n: int) -> None:
        ctx = make_ctx("C0001", step="same" if same_key else f"plan-race-{n}")
        barrier.wait()
        results.append(tool.run(store, {"plan": targets[n]}, ctx))

    threads = [threading.Thread(target=_change, args=(n,)) for n in range(len(targets))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    plan, current_subs, invoices_after, refunds_after = _state(store, "C0001")
    ok = [r.data for r in results if r.ok and r.data is not None]
    if same_key:
        assert len(ok) == len(targets) and all(d == ok[0] for d in ok)
        ok = ok[:1]
    # The changes that went through form one chain from the original plan: none was prorated from a plan
    # another change had already left.
    chain, at = [], "plus"
    while (step := next((d for d in ok if d["previous_plan"] == at and d not in chain), None)) is not None:
        chain.append(step)
        at = step["plan"]
    assert len(chain) == len(ok), [(d["previous_plan"], d["plan"]) for d in ok]
    assert plan == at and current_subs in ([at], [])
    refused = [r.error for r in results if not r.ok]
    assert all("already on the" in (e or "") for e in refused), refused
    # Exactly one invoice per upgrade that went through, one refund per downgrade.
    assert len(invoices_after - invoices_before) == sum(1 for d in ok if "invoice_id" in d)
    assert refunds_after - refunds_before == sum(1 for d in ok if "refunds" in d)
    if targets == ("pro",) * 4:
        assert len(ok) == 1 and len(invoices_after - invoices_before) == 1
