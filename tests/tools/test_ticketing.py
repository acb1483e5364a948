"""Ticketing tools: creation with SLA, updates and handoffs recorded as events, access rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from foundation.policy import Policy
from tests.tools.conftest import REFERENCE_TIME, make_ctx, row_counts
from tools.base import ToolResult
from tools.store import BusinessStore
from tools.store.schema import ticket_events, tickets

Call = Callable[..., ToolResult]


def _events(store: BusinessStore, ticket_id: str) -> list[str]:
    with store.db.begin() as conn:
        return list(
            conn.execute(
                select(ticket_events.c.kind)
                .where(ticket_events.c.ticket_id == ticket_id)
                .order_by(ticket_events.c.id)
            ).scalars()
        )


def test_create_ticket_unverified_with_sla(call: Call, store: BusinessStore) -> None:
    r = call(
        "create_ticket",
        make_ctx(None, thread="t-anon"),
        subject="Cannot log in",
        description="The reset email never arrives.",
        queue="accounts",
        priority="high",
    )
    assert r.ok and r.data is not None
    assert r.data["ticket_id"].startswith("T-") and r.data["status"] == "open"
    assert r.data["sla_due_at"] == (REFERENCE_TIME + timedelta(hours=4)).isoformat()
    with store.db.begin() as conn:
        row = conn.execute(select(tickets).where(tickets.c.id == r.data["ticket_id"])).one()
    assert row.customer_id is None and row.queue == "accounts" and row.thread_id == "t-anon"
    assert _events(store, row.id) == ["created"]
    second = call(
        "create_ticket", make_ctx("C0001"), subject="Where is my order?", description="10003 is late"
    )
    assert second.data is not None and int(second.data["ticket_id"][2:]) == int(row.id[2:]) + 1


def test_the_runs_sla_hours_set_and_reset_a_tickets_due_time(call: Call) -> None:
    policy = Policy(sla_hours_urgent=3, sla_hours_high=6, sla_hours_normal=30, sla_hours_low=96)
    created = call("create_ticket", replace(make_ctx("C0001"), policy=policy), subject="Broken hinge",
                   description="The laptop hinge cracked", queue="technical", priority="high")
    assert created.ok and created.data is not None
    assert created.data["sla_due_at"] == (REFERENCE_TIME + timedelta(hours=6)).isoformat()
    later = replace(make_ctx("C0001", now=REFERENCE_TIME + timedelta(hours=1)), policy=policy)
    lowered = call("update_ticket", later, ticket_id=created.data["ticket_id"], priority="low")
    assert lowered.ok and lowered.data is not None
    assert lowered.data["sla_due_at"] == (REFERENCE_TIME + timedelta(hours=96)).isoformat(), "due from creation"


def test_update_ticket_and_handoff(call: Call, store: BusinessStore) -> None:
    created = call(
        "create_ticket",
        make_ctx("C0001"),
        subject="Headphones will not pair",
        description="Tried twice",
        queue="technical",
        priority="low",
    )
    assert created.data is not None
    tid = created.data["ticket_id"]
    upd = call(
        "update_ticket", make_ctx("C0001"), ticket_id=tid, priority="urgent", note="Customer is travelling"
    )
    assert upd.ok and upd.data is not None and upd.data["priority"] == "urgent"
    assert upd.data["sla_due_at"] == (REFERENCE_TIME + timedelta(hours=1)).isoformat()
    hand = call(
        "handoff_to_queue", make_ctx("C0001"), ticket_id=tid, queue="general", reason="needs a replacement"
    )
    assert hand.ok and hand.data is not None and hand.data["previous_queue"] == "technical"
    assert _events(store, tid) == ["created", "priority", "note", "handoff"]
    status = call("update_ticket", make_ctx("C0001"), ticket_id=tid, status="resolved")
    assert status.data is not None and status.data["status"] == "resolved"


def test_handoff_without_ticket_opens_one(call: Call, store: BusinessStore) -> None:
    r = call(
        "handoff_to_queue",
        make_ctx(None),
        queue="accounts",
        reason="3 failed verification attempts",
        priority="high",
    )
    assert r.ok and r.data is not None
    assert _events(store, r.data["ticket_id"]) == ["created", "handoff"]


def test_ticket_access_and_refusals(call: Call, store: BusinessStore) -> None:
    created = call(
        "create_ticket",
        make_ctx("C0001", thread="t-maya"),
        subject="Charged twice",
        description="Two charges",
        queue="billing",
    )
    assert created.data is not None
    tid = created.data["ticket_id"]
    before = row_counts(store)
    other = call("update_ticket", make_ctx("C0002", thread="t-jonas"), ticket_id=tid, note="hi")
    assert other.error == f"Error: ticket {tid} was not found."
    assert (
        call(
            "handoff_to_queue", make_ctx(None, thread="t-x"), ticket_id=tid, queue="billing", reason="x" * 10
        ).error
        == f"Error: ticket {tid} was not found."
    )
    nothing = call("update_ticket", make_ctx("C0001"), ticket_id=tid)
    assert not nothing.ok and "give a status, a priority or a note" in (nothing.error or "")
    bad_queue = call("create_ticket", make_ctx("C0001"), subject="x" * 5, description="y" * 5, queue="sales")
    assert not bad_queue.ok
    assert row_counts(store) == before
