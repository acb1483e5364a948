"""Helpers shared by the tools: money, time, id patterns, row formatting and the idempotent-write runner."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field
from sqlalchemy import Connection, Select, insert, select, update
from sqlalchemy.exc import IntegrityError

from foundation.crash import crash_point
from foundation.thread_lock import check_held
from tools.base import ToolContext, ToolResult
from tools.store import BusinessStore
from tools.store.schema import counters, operations

CUSTOMER_ID = r"^C\d{4,8}$"
TICKET_ID = r"^T-\d{1,9}$"
ARTICLE_ID = r"^KB-\d{1,6}$"
EMAIL = r"^[A-Za-z0-9._%+'\-]{1,64}@[A-Za-z0-9.\-]{1,185}\.[A-Za-z]{2,24}$"
ZIP_CODE = r"^[0-9]{5}$"

OrderId = Annotated[int, Field(ge=10001, le=99_999_999, description="The order number, e.g. 10003.")]
Amount = Annotated[
    Decimal,
    Field(gt=0, le=Decimal("1000000"), max_digits=9, decimal_places=2, description="Dollars, 2 decimals."),
]


# The longest message a customer can send (graphs/support/messages.py refuses longer ones): a note that quotes one
# is cut to its field's size; anything longer is no customer's words and is refused like any oversized argument.
MAX_MESSAGE_CHARS = 8_000


def brief(limit: int) -> BeforeValidator:
    """A note the graph may fill with the customer's own words (a flow step quotes ``$message``): a text longer than
    ``limit`` characters, up to a whole message's, is cut after the last whole word that fits, with "…", instead
    of refused. A long letter asking for a refund is no reason not to make it; the note only records why."""

    def cut(value: Any) -> Any:
        if not isinstance(value, str) or len(value) <= limit or len(value) > MAX_MESSAGE_CHARS:
            return value
        head = value[: limit - 1]
        space = head.rfind(" ")
        return (head[:space] if space > limit // 2 else head).rstrip() + "…"

    return BeforeValidator(cut)


def cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def money(amount_cents: int) -> float:
    """Cents as a JSON number with two decimals."""
    return round(amount_cents / 100, 2)


def dollars(amount_cents: int) -> str:
    return f"${amount_cents / 100:,.2f}"


def iso(value: datetime | None) -> str | None:
    return None if value is None else as_utc(value).isoformat()


def as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def for_update(stmt: Select[Any], store: BusinessStore) -> Select[Any]:
    """Lock the selected rows until commit on Postgres (SQLite serialises writers anyway)."""
    return stmt.with_for_update() if store.db.dialect == "postgresql" else stmt


def lock_customer(store: BusinessStore, conn: Connection, customer_id: str) -> None:
    """Hold the customer until ``conn``'s transaction ends, in the store's own database, whatever the CRM.

    For a check-then-act whose check reads the store (attempts counted, a ticket looked for): a remote CRM's
    ``lock=True`` holds nothing, so without this two conversations would both read before either wrote. Take
    it first, before the CRM's own lock (``get_ref(lock=True)``), so every transaction locks in that order.
    On SQLite the transaction must already hold the write lock (``Database.lock_key``).
    """
    store.db.lock_key(conn, f"customer:{customer_id}")


@contextmanager
def reading(store: BusinessStore, tx: Connection | None) -> Iterator[Connection]:
    """``tx`` when a read belongs to an open transaction (it sees that transaction's writes), else a connection of
    its own for reads (``Database.read``: no transaction on Postgres, where one would add two round trips)."""
    if tx is not None:
        yield tx
    else:
        with store.db.read() as conn:
            yield conn


def next_id(conn: Connection, name: str, fmt: str) -> str:
    """The next value of a named counter (row-locked by the UPDATE, so concurrent callers never collide)."""
    value = conn.execute(
        update(counters)
        .where(counters.c.name == name)
        .values(value=counters.c.value + 1)
        .returning(counters.c.value)
    ).scalar_one()
    return fmt.format(value - 1)


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


class _Refused(Exception):
    def __init__(self, result: ToolResult) -> None:
        super().__init__(result.error)
        self.result = result


def _stored(store: BusinessStore, key: str) -> ToolResult | None:
    with store.db.begin() as conn:
        raw = conn.execute(select(operations.c.result).where(operations.c.key == key)).scalar_one_or_none()
    return None if raw is None else ToolResult.model_validate(json.loads(raw))


def stored_result(store: BusinessStore, ctx: ToolContext) -> ToolResult | None:
    """What a write with this context already did (its idempotency key), or None: it has not run."""
    return _stored(store, ctx.idempotency_key)


def idempotent_write(
    store: BusinessStore, ctx: ToolContext, tool: str, body: Callable[[Connection], ToolResult]
) -> ToolResult:
    """Run ``body`` once per ``ctx.idempotency_key``, in one transaction with its operation record.

    The operation row is inserted first: a concurrent call with the same key waits on its primary key, fails
    once the first commits, and returns the stored result. A refusal rolls everything back (nothing is
    recorded, so the same step may be retried, e.g. after a human approved it).
    """
    key = ctx.idempotency_key
    prior = _stored(store, key)
    if prior is not None:
        return prior
    try:
        with store.db.begin() as conn:
            conn.execute(
                insert(operations).values(key=key, tool=tool, customer_id=ctx.customer_id, created_at=ctx.now)
            )
            result = body(conn)
            if not result.ok:
                raise _Refused(result)
            conn.execute(
                update(operations).where(operations.c.key == key).values(result=result.model_dump_json())
            )
            check_held(ctx.thread_id)  # a turn that lost its thread's lock commits nothing (rolled back)
        crash_point("store")
        return result
    except _Refused as refused:
        return refused.result
    except IntegrityError:
        prior = _stored(store, key)
        if prior is None:
            raise
        return prior
