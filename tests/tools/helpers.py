"""Assertions shared by the tool tests: money in the ledger, orphans, replayed writes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, func, select

from tests.tools.conftest import make_ctx, row_counts
from tools.base import ToolResult
from tools.store import BusinessStore
from tools.store.schema import charges, metadata, refunds

Call = Callable[..., ToolResult]


def refunded_cents(store: BusinessStore, order_id: int) -> int:
    with store.db.begin() as conn:
        return int(
            conn.execute(
                select(func.coalesce(func.sum(refunds.c.amount_cents), 0)).where(refunds.c.order_id == order_id)
            ).scalar_one()
        )


def charged_cents(store: BusinessStore, order_id: int) -> int:
    with store.db.begin() as conn:
        return int(
            conn.execute(
                select(func.coalesce(func.sum(charges.c.amount_cents), 0)).where(charges.c.order_id == order_id)
            ).scalar_one()
        )


def dangling_references(store: BusinessStore) -> list[str]:
    """Every foreign key whose value points at no row (the database's own check, done by hand)."""
    found = []
    with store.db.begin() as conn:
        for table in metadata.sorted_tables:
            for fk in table.foreign_keys:
                parent = fk.column.table.alias("parent")  # an alias: some tables refer to themselves
                key = parent.c[fk.column.name]
                missing = conn.execute(
                    select(func.count())
                    .select_from(table.outerjoin(parent, fk.parent == key))
                    .where(and_(fk.parent.is_not(None), key.is_(None)))
                ).scalar_one()
                if missing:
                    found.append(f"{table.name}.{fk.parent.name} -> {fk.column.table.name}: {missing}")
    return found


def assert_replay_is_idempotent(call: Call, store: BusinessStore, name: str, customer: str, **args: Any) -> ToolResult:
    """Run a write, then replay it with the same step: the same result and no further rows."""
    ctx = make_ctx(customer, step=f"replay-{name}", approved_by="reviewer.ana")
    first = call(name, ctx, **args)
    assert first.ok, first.error
    after_first = row_counts(store)
    again = call(name, ctx, **args)
    assert again == first
    assert row_counts(store) == after_first
    return first
