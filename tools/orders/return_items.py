"""return_items: return items of a delivered order within the window, refunded to the card or a gift card."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import OrderId, brief, idempotent_write, lock_customer, money
from tools.orders.backend import Order, OrderLine, ReturnRecord, orders_backend
from tools.orders.queries import not_found
from tools.orders.returns import ItemQuantity, outside_window, returnable_items
from tools.payments.backend import Charge, PaymentsBackend, payments_backend
from tools.payments.ledger import authorize, issue_refund, money_effect, note, refund_parts, refundable_cents
from tools.store import BusinessStore


class ReturnItemsArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: OrderId
    items: list[ItemQuantity] = Field(
        min_length=1, max_length=20, description="The items to return and how many of each."
    )
    reason: Annotated[str, brief(500)] = Field(
        min_length=3, max_length=500, description="Why the customer returns them, in brief."
    )
    to_gift_card: bool = Field(
        False, description="True to refund as store credit on a gift card instead of the original method."
    )


def _prepare(store: BusinessStore, payments: PaymentsBackend, args: ReturnItemsArgs, ctx: ToolContext,
             conn: Connection) -> ToolResult | tuple[Order, list[tuple[OrderLine, int]], list[Charge], int]:
    """The order, the lines returned, the order's charges and the refund, or the refusal."""
    order = orders_backend(store).lock_order(args.order_id, str(ctx.customer_id), tx=conn)
    if order is None:
        return ToolResult.refuse(not_found(args.order_id))
    refusal = outside_window(order, ctx, "returned")
    if refusal:
        return ToolResult.refuse(refusal)
    available = returnable_items(order)
    wanted: dict[str, int] = {}
    for item in args.items:
        wanted[item.product_id] = wanted.get(item.product_id, 0) + item.quantity
    lines = []
    for product_id, qty in wanted.items():
        if product_id not in available:
            return ToolResult.refuse(f"Error: product {product_id} is not on order {order.order_id}.")
        line, left = available[product_id]
        if qty > left:
            return ToolResult.refuse(
                f"Error: only {left} of {line.product_name} on order {order.order_id} can still be "
                f"returned; {qty} is too many."
            )
        lines.append((line, qty))
    value = sum(line.unit_price_cents * qty for line, qty in lines)
    # Earlier partial refunds (goodwill, price match) reduce what is left to give back.
    charges = payments.charges(order_id=order.order_id, tx=conn)
    return order, lines, charges, min(value, refundable_cents(charges))


def _effect_of(payments: PaymentsBackend, args: ReturnItemsArgs, ctx: ToolContext, conn: Connection,
               order: Order, charges: list[Charge], amount: int) -> dict[str, object]:
    return money_effect(payments, conn, ctx, customer_id=order.customer_id, order_id=order.order_id,
                        parts=refund_parts(charges, amount), to_gift_card=args.to_gift_card,
                        reason_code="items_returned")


def return_effect(store: BusinessStore, args: ReturnItemsArgs, ctx: ToolContext) -> ToolResult:
    """The refund returning these items would make, moving nothing."""
    payments = payments_backend(store)
    with store.db.begin() as conn:
        prepared = _prepare(store, payments, args, ctx, conn)
        if isinstance(prepared, ToolResult):
            return prepared
        order, _, charges, amount = prepared
        return ToolResult.success(_effect_of(payments, args, ctx, conn, order, charges, amount))


def return_items(store: BusinessStore, args: ReturnItemsArgs, ctx: ToolContext) -> ToolResult:
    orders, payments = orders_backend(store), payments_backend(store)
    customer_id = str(ctx.customer_id)

    def body(conn: Connection) -> ToolResult:
        # The customer, then the order: concurrent refunds of the customer wait and then see ours.
        lock_customer(store, conn, customer_id)
        prepared = _prepare(store, payments, args, ctx, conn)
        if isinstance(prepared, ToolResult):
            return prepared
        order, lines, charges, amount = prepared
        refusal = authorize(ctx, _effect_of(payments, args, ctx, conn, order, charges, amount))
        if refusal is not None:
            return refusal
        made = (
            issue_refund(
                payments,
                conn,
                ctx,
                charges,
                amount,
                reason=f"items returned: {args.reason}",
                reason_code="items_returned",
                to_gift_card_of=order.customer_id if args.to_gift_card else None,
            )
            if amount > 0
            else []
        )
        refund_to = "gift_card" if args.to_gift_card else "original"
        record = ReturnRecord(
            order_id=order.order_id,
            lines=tuple((line.line_id, qty) for line, qty in lines),
            kind="return",
            status="refunded",
            reason=note(args.reason),
            amount_cents=amount,
            refund_to=refund_to,
        )
        return_id = orders.record_return(record, tx=conn, key=ctx.idempotency_key, now=ctx.now)
        after = orders.get_order(order.order_id, customer_id, tx=conn)
        return ToolResult.success(
            {
                "return_id": return_id,
                "order_id": order.order_id,
                "status": "refunded",
                "items": [{"product_id": ln.product_id, "name": ln.product_name, "quantity": q} for ln, q in lines],
                "refunded": money(amount),
                "refund_to": refund_to,
                "refunds": made,
                "order_status": after.status if after is not None else order.status,
            }
        )

    return idempotent_write(store, ctx, "return_items", body)


tool = SupportTool(
    name="return_items",
    system="orders",
    description=(
        "Return items of one of the verified customer's delivered orders within the return window: the "
        "items' price is refunded to the original payment method, or to a gift card (store credit) with "
        "to_gift_card. The order becomes 'returned' once every item is returned."
    ),
    args_schema=ReturnItemsArgs,
    fn=return_items,
    writes=True,
    moves_money="item_refund",
    effect=return_effect,
)
