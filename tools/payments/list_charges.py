"""list_charges: the charges (and what was refunded of each) for an order or the whole customer.

A charge that repeats an earlier one of the same order (same amount) while the order was charged more than its
total and is still owed that back (``ledger.overcharge_cents``: a refund for the goods does not settle it) is
listed among ``duplicates``: the order was charged twice for the same thing, however
many days apart (a difference charged for a changed order is no duplicate: the order's total took it). Two equal
charges for two different orders, taken within a few days of each other (as they look alike on a statement), are
``separate_orders``: two orders, each charged once. Only
the charges the customer describes are read so: the order's (``order_id``, paired with the other orders' equal
charges) and those of the amount they name (``amount``); a membership invoice's charge never is one of them.
``separate`` lists those charges with their order's status (only a pending order can still be cancelled).
When the order named was not charged twice but another order of the customer was, that other order's duplicate
charges are ``elsewhere`` (``duplicated_elsewhere``): found, not reported, so a refund of them is only offered.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import OrderId, iso, money
from tools.orders.backend import orders_backend
from tools.orders.queries import not_found
from tools.payments.backend import Charge, PaymentsBackend, payments_backend
from tools.payments.ledger import overcharge_cents
from tools.store import BusinessStore


class ListChargesArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: OrderId | None = Field(None, description="Only the charges of this order.")
    limit: int = Field(20, ge=1, le=50, description="How many charges, newest first.")
    amount: float | None = Field(None, gt=0, description="The amount the customer says was taken twice: only "
                                 "equal charges of it are read as two separate orders.")


def list_charges(store: BusinessStore, args: ListChargesArgs, ctx: ToolContext) -> ToolResult:
    customer_id = str(ctx.customer_id)
    if args.order_id is not None and orders_backend(store).get_order(args.order_id, customer_id) is None:
        return ToolResult.refuse(not_found(args.order_id))
    found = payments_backend(store).charges(customer_id=customer_id, order_id=args.order_id)
    newest = sorted(found, key=lambda c: (c.created_at, c.charge_id), reverse=True)[: args.limit]
    data = [_row(c) for c in newest]
    orders = orders_backend(store)
    totals = {o: order.total_cents for o in {c.order_id for c in found if c.order_id is not None}
              if (order := orders.get_order(o, customer_id)) is not None}
    duplicates = _duplicates(payments_backend(store), found, totals)
    elsewhere = [] if duplicates or args.order_id is None else _elsewhere(store, customer_id, args.order_id)
    described = [c for c in payments_backend(store).charges(customer_id=customer_id, order_id=None)
                 if args.amount is None or c.amount_cents == round(args.amount * 100)]
    separate = [] if duplicates else _separate_orders(described, args.order_id)
    statuses: dict[int | None, str] = {c.order_id: order.status for c in separate
                if c.order_id is not None and (order := orders.get_order(c.order_id, customer_id)) is not None}
    return ToolResult.success({"charges": data, "count": len(data), "duplicated": bool(duplicates),
                               "duplicates": [c for c in data if c["charge_id"] in duplicates],
                               "duplicated_elsewhere": bool(elsewhere), "elsewhere": elsewhere,
                               "separate_orders": bool(separate),
                               "separate": [{"charge_id": c.charge_id, "order_id": c.order_id,
                                             "amount": money(c.amount_cents), "created_at": iso(c.created_at),
                                             "order_status": statuses.get(c.order_id)} for c in separate]})


LOOK_ALIKE_WITHIN = timedelta(days=3)


def _elsewhere(store: BusinessStore, customer_id: str, order_id: int) -> list[dict[str, object]]:
    """The duplicate charges of the customer's orders other than ``order_id``, newest first."""
    payments, orders = payments_backend(store), orders_backend(store)
    others = [c for c in payments.charges(customer_id=customer_id, order_id=None)
              if c.order_id is not None and c.order_id != order_id]
    totals = {o: order.total_cents for o in {c.order_id for c in others if c.order_id is not None}
              if (order := orders.get_order(o, customer_id)) is not None}
    repeats = set(_duplicates(payments, others, totals))
    return [_row(c) for c in sorted(others, key=lambda c: (c.created_at, c.charge_id), reverse=True)
            if c.charge_id in repeats]


def _row(c: Charge) -> dict[str, object]:
    return {"charge_id": c.charge_id, "order_id": c.order_id, "amount": money(c.amount_cents),
            "refunded": money(c.refunded_cents), "status": c.status, "created_at": iso(c.created_at),
            "payment_method": c.payment_method}


def _duplicates(payments: PaymentsBackend, charges: list[Charge], totals: dict[int, int]) -> list[str]:
    """Ids of the charges that repeat an earlier charge of the same order (the later of each pair, refunds for
    the goods or not), while the order was charged beyond its total and is still owed that back (ledger.py)."""
    kept = sorted((c for c in charges if c.order_id is not None and c.status == "succeeded" and c.amount_cents > 0),
                  key=lambda c: (c.created_at, c.charge_id))
    repeats: list[Charge] = []
    for i, later in enumerate(kept):
        if any(earlier.order_id == later.order_id and earlier.amount_cents == later.amount_cents
               and all(earlier.charge_id != r.charge_id for r in repeats)
               for earlier in kept[:i]):
            repeats.append(later)
    owed = {order_id: overcharge_cents([c for c in charges if c.order_id == order_id], totals[order_id],
                                       payments.refunds(order_id))
            for order_id in {c.order_id for c in repeats if c.order_id in totals}}
    return [c.charge_id for c in repeats if owed.get(c.order_id or 0, 0) > 0]


def _separate_orders(charges: list[Charge], order_id: int | None) -> list[Charge]:
    """The equal charges, within a few days of each other, taken for two different orders (one of them
    ``order_id`` when given), oldest first: what looks like being charged twice on a statement is then two orders,
    each charged once. Invoice charges (no order) are never among them."""
    kept = sorted((c for c in charges if c.order_id is not None and c.status == "succeeded" and c.amount_cents > 0),
                  key=lambda c: (c.created_at, c.charge_id))
    pairs = [(earlier, later) for i, later in enumerate(kept) for earlier in kept[:i]
             if earlier.order_id != later.order_id and earlier.amount_cents == later.amount_cents
             and later.created_at - earlier.created_at <= LOOK_ALIKE_WITHIN
             and order_id in (None, earlier.order_id, later.order_id)]
    ids = {c.charge_id for pair in pairs for c in pair}
    return [c for c in kept if c.charge_id in ids]


tool = SupportTool(
    name="list_charges",
    system="payments",
    description="List the verified customer's charges (one order's or all, newest first) with refunds.",
    args_schema=ListChargesArgs,
    fn=list_charges,
)
