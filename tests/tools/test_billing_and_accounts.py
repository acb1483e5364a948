"""Invoices, subscriptions, disputes, plan changes, deletion and account merges: success, refusals, replay."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.tools.conftest import make_ctx, row_counts
from tests.tools.helpers import Call, assert_replay_is_idempotent, dangling_references
from tools.crm.sql_merge import OWNED
from tools.store import BusinessStore
from tools.store.schema import customers, disputes, invoices, orders, subscriptions, tickets


def _invoice_status(store: BusinessStore, invoice_id: str) -> str:
    with store.db.begin() as conn:
        return str(conn.execute(select(invoices.c.status).where(invoices.c.id == invoice_id)).scalar_one())


@pytest.mark.read_only
def test_get_invoice_and_subscription(call: Call) -> None:
    inv = call("get_invoice", make_ctx("C0002"), invoice_id="INV-20002")
    assert inv.ok and inv.data is not None and inv.data["status"] == "paid"
    assert inv.data["lines"][0]["description"] == "Pro membership, monthly"
    assert [c["amount"] for c in inv.data["charges"]] == [59.99]
    assert call("get_invoice", make_ctx("C0001"), invoice_id="INV-20002").error == (
        "Error: invoice INV-20002 was not found on your account."
    )
    sub = call("get_subscription", make_ctx("C0001"))
    assert sub.ok and sub.data is not None and sub.data["plan"]["id"] == "plus"
    assert sub.data["subscription"]["status"] == "active"
    assert {p["id"] for p in sub.data["other_plans"]} == {"basic", "pro"}
    assert call("get_subscription", make_ctx(None)).error == (
        "Error: get_subscription needs a verified customer; verify the customer's identity first."
    )


def test_dispute_upheld_refunds_a_paid_invoice(call: Call, store: BusinessStore) -> None:
    opened = assert_replay_is_idempotent(
        call, store, "open_billing_dispute", "C0002", invoice_id="INV-20002", reason="charged after I cancelled"
    )
    assert opened.data is not None and opened.data["amount"] == 59.99
    assert _invoice_status(store, "INV-20002") == "disputed"
    dispute_id, ticket_id = opened.data["dispute_id"], opened.data["ticket"]["ticket_id"]
    twice = call("open_billing_dispute", make_ctx("C0002"), invoice_id="INV-20002", reason="again please")
    assert twice.error == "Error: invoice INV-20002 is already disputed; a billing specialist is reviewing it."
    unapproved = call(
        "resolve_billing_dispute",
        make_ctx("C0002"),
        dispute_id=dispute_id,
        outcome="upheld",
        note="double billing confirmed",
    )
    assert unapproved.error == (
        "Error: resolve_billing_dispute always needs a human reviewer's approval; hold this step for review and "
        "run it again once a reviewer has approved it."
    )
    r = assert_replay_is_idempotent(
        call,
        store,
        "resolve_billing_dispute",
        "C0002",
        dispute_id=dispute_id,
        outcome="upheld",
        note="double billing confirmed",
    )
    assert r.data is not None and r.data["refunded"] == 59.99 and r.data["ticket_status"] == "closed"
    assert _invoice_status(store, "INV-20002") == "paid"
    with store.db.begin() as conn:
        assert conn.execute(select(tickets.c.status).where(tickets.c.id == ticket_id)).scalar_one() == "closed"
        assert conn.execute(select(disputes.c.resolved_by)).scalar_one() == "reviewer.ana"
    done = call(
        "resolve_billing_dispute",
        make_ctx("C0002", approved_by="x"),
        dispute_id=dispute_id,
        outcome="rejected",
        note="changed mind",
    )
    assert done.error == f"Error: dispute {dispute_id} was already resolved (upheld)."


def test_dispute_rejected_restores_the_invoice_and_charge_disputes(call: Call, store: BusinessStore) -> None:
    opened = call("open_billing_dispute", make_ctx("C0002"), invoice_id="INV-20001", reason="I never ordered pro")
    assert opened.ok and opened.data is not None
    r = call(
        "resolve_billing_dispute",
        make_ctx("C0002", approved_by="reviewer.ana"),
        dispute_id=opened.data["dispute_id"],
        outcome="rejected",
        note="plan was used all month",
    )
    assert r.ok and r.data is not None and r.data["invoice"]["status"] == "open"
    assert _invoice_status(store, "INV-20001") == "open"
    charge = call("open_billing_dispute", make_ctx("C0001"), charge_id="ch_000002", reason="headphones charged twice")
    assert charge.ok and charge.data is not None and charge.data["amount"] == 349.99
    upheld = call(
        "resolve_billing_dispute",
        make_ctx("C0001", approved_by="reviewer.ana"),
        dispute_id=charge.data["dispute_id"],
        outcome="upheld",
        note="refund it",
    )
    assert upheld.ok and upheld.data is not None and upheld.data["refunded"] == 349.99
    before = row_counts(store)
    assert call("open_billing_dispute", make_ctx("C0001"), charge_id="ch_000002", reason="more money").error == (
        "Error: charge ch_000002 has already been refunded in full."
    )
    assert call("open_billing_dispute", make_ctx("C0002"), charge_id="ch_000002", reason="not mine").error == (
        "Error: charge ch_000002 was not found on your account."
    )
    both = call(
        "open_billing_dispute", make_ctx("C0002"), charge_id="ch_000002", invoice_id="INV-20001", reason="both at once"
    )
    assert not both.ok and "exactly one of invoice_id or charge_id" in (both.error or "")
    assert (
        call(
            "resolve_billing_dispute",
            make_ctx("C0002", approved_by="x"),
            dispute_id="DSP-99999",
            outcome="upheld",
            note="nope",
        ).error
        == "Error: dispute DSP-99999 was not found on your account."
    )
    assert row_counts(store) == before


def test_change_plan_prorates_and_refuses_the_current_plan(call: Call, store: BusinessStore) -> None:
    up = assert_replay_is_idempotent(call, store, "change_plan", "C0001", plan="pro")
    assert up.data is not None and up.data["previous_plan"] == "plus" and up.data["plan"] == "pro"
    assert 0 < up.data["prorated_difference"] <= 50.00 and up.data["invoice_id"].startswith("INV-")
    with store.db.begin() as conn:
        assert conn.execute(select(customers.c.plan_id).where(customers.c.id == "C0001")).scalar_one() == "pro"
        open_amount = conn.execute(select(invoices.c.amount_cents).where(invoices.c.id == up.data["invoice_id"]))
        assert open_amount.scalar_one() == round(up.data["prorated_difference"] * 100)
    before = row_counts(store)
    assert call("change_plan", make_ctx("C0001"), plan="pro").error == (
        "Error: the customer is already on the Pro plan; nothing to change."
    )
    assert not call("change_plan", make_ctx("C0001"), plan="gold").ok
    assert row_counts(store) == before
    down = call("change_plan", make_ctx("C0001"), plan="basic")
    assert down.ok and down.data is not None and down.data["prorated_difference"] < 0
    fresh = call("change_plan", make_ctx("C0003"), plan="plus")
    assert fresh.ok and fresh.data is not None and fresh.data["prorated_difference"] == 9.99
    with store.db.begin() as conn:
        sub = conn.execute(select(subscriptions).where(subscriptions.c.id == fresh.data["subscription_id"])).one()
    assert sub.customer_id == "C0003" and sub.status == "active" and sub.plan_id == "plus"


def test_deletion_is_requested_then_approved_and_scrubs_pii(call: Call, store: BusinessStore) -> None:
    req = assert_replay_is_idempotent(call, store, "request_account_deletion", "C0002", reason="moving abroad")
    assert req.data is not None and req.data["ticket"]["queue"] == "accounts"
    assert call("request_account_deletion", make_ctx("C0002")).error == (
        f"Error: account deletion was already requested (ticket {req.data['ticket']['ticket_id']}); a human agent "
        "will confirm it."
    )
    assert "always needs a human reviewer's approval" in (call("delete_account", make_ctx("C0002")).error or "")
    busy = call("delete_account", make_ctx("C0001", approved_by="reviewer.ana"))
    assert busy.error == (
        "Error: orders 10001, 10003 are still in progress; cancel them or wait until they are delivered before "
        "deleting the account."
    )
    r = assert_replay_is_idempotent(call, store, "delete_account", "C0002")
    assert r.data is not None and r.data["status"] == "deleted" and r.data["orders_kept_for_accounting"] == 1
    with store.db.begin() as conn:
        row = conn.execute(select(customers).where(customers.c.id == "C0002")).one()
        order = conn.execute(select(orders).where(orders.c.id == 10005)).one()
    assert row.status == "deleted" and "jonas" not in row.email and row.name == "Deleted customer"
    assert order.customer_id == "C0002" and order.ship_name == "Deleted customer"
    assert call("find_customer", make_ctx(None), email="jonas.weber@example.com").error == (
        "Error: no customer with that email address was found."
    )
    assert not call("verify_identity", make_ctx(None), customer_id="C0002", zip_code="00000").ok
    assert dangling_references(store) == []


def _owned_counts(store: BusinessStore, *customer_ids: str) -> dict[str, int]:
    with store.db.begin() as conn:
        return {
            t.name: conn.execute(select(func.count()).where(t.c.customer_id.in_(customer_ids))).scalar_one()
            for t in OWNED
        }


def test_migrate_account_moves_everything_and_orphans_nothing(call: Call, store: BusinessStore) -> None:
    call("create_ticket", make_ctx("C0004"), subject="old account", description="a ticket on the second account")
    both = _owned_counts(store, "C0003", "C0004")
    assert "always needs a human" in (call("migrate_account", make_ctx("C0003"), other_customer_id="C0004").error or "")
    r = assert_replay_is_idempotent(call, store, "migrate_account", "C0003", other_customer_id="C0004")
    assert r.data is not None and r.data["merged_account"] == "C0004" and r.data["moved"]["tickets"] == 1
    assert _owned_counts(store, "C0003") == both
    assert all(n == 0 for n in _owned_counts(store, "C0004").values())
    with store.db.begin() as conn:
        gone = conn.execute(select(customers).where(customers.c.id == "C0004")).one()
        if store.db.dialect == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    assert gone.status == "merged" and gone.merged_into == "C0003"
    assert dangling_references(store) == []
    assert call("verify_identity", make_ctx(None), customer_id="C0004", zip_code="60601").error == (
        "Error: those details do not match our records."
    )
    before = row_counts(store)
    stranger = call("migrate_account", make_ctx("C0003", approved_by="a"), other_customer_id="C0001")
    assert stranger.error == (
        "Error: account C0001 does not belong to the same person (name and zip code or card must match); accounts "
        "of different people are never merged."
    )
    again = call("migrate_account", make_ctx("C0003", approved_by="a"), other_customer_id="C0004")
    assert again.error == "Error: account C0004 was not found or was already merged or deleted."
    itself = call("migrate_account", make_ctx("C0003", approved_by="a"), other_customer_id="C0003")
    assert itself.error == "Error: that is the verified account itself; give the other account's id."
    assert row_counts(store) == before


def test_migrate_keeps_the_better_plan(call: Call, store: BusinessStore) -> None:
    assert call("change_plan", make_ctx("C0004"), plan="pro").ok
    assert call("change_plan", make_ctx("C0003"), plan="plus").ok
    r = call("migrate_account", make_ctx("C0003", approved_by="reviewer.ana"), other_customer_id="C0004")
    assert r.ok and r.data is not None and r.data["plan"] == "pro"
    with store.db.begin() as conn:
        active = (
            conn.execute(
                select(subscriptions.c.plan_id).where(
                    subscriptions.c.customer_id == "C0003", subscriptions.c.status != "cancelled"
                )
            )
            .scalars()
            .all()
        )
    assert active == ["pro"]


def test_an_upheld_dispute_moves_exactly_the_effect_a_reviewer_approved(call: Call, store: BusinessStore) -> None:
    """The policy fuzzer's breach: an upheld dispute refunded money its review never showed. Now the review
    shows the refund (tool.preview) and the tool moves only that, refusing anything else."""
    from dataclasses import replace

    from tools.registry import get_tool

    opened = call("open_billing_dispute", make_ctx("C0002"), invoice_id="INV-20002", reason="charged twice")
    assert opened.data is not None
    args = {"dispute_id": opened.data["dispute_id"], "outcome": "upheld", "note": "confirmed"}
    shown = get_tool("resolve_billing_dispute").preview(store, args, make_ctx("C0002"))
    assert shown is not None and shown.ok and isinstance(shown.data, dict)
    assert shown.data["amount"] == 59.99 and [m["amount"] for m in shown.data["movements"]] == [59.99]
    other = {**shown.data, "amount": 9.99, "movements": [{**shown.data["movements"][0], "amount": 9.99}]}
    refused = call("resolve_billing_dispute", replace(make_ctx("C0002", approved_by="sam"), approved_effect=other),
                   **args)
    assert refused.code == "effect_changed" and "$59.99" in str(refused.error)
    assert _invoice_status(store, "INV-20002") == "disputed"
    done = call("resolve_billing_dispute", replace(make_ctx("C0002", approved_by="sam"), approved_effect=shown.data),
                **args)
    assert done.ok and done.data is not None and done.data["refunded"] == 59.99
