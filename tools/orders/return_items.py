"""return_items: return items of a delivered order within the window, refunded to the card or a gift card."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import OrderId, dollars, idempotent_write, money
from tools.orders.queries import load_order, not_found
from tools.orders.returns import ItemQuantity, outside_window, record_return, returnable_items
from tools.payments.ledger import issue_refund, refundable_by_charge
from tools.payments.refund_order import cents_limit
from tools.store import BusinessStore


class ReturnItemsArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: OrderId
    items: list[ItemQuantity] = Field(
        min_length=1, max_length=20, description="The items to return and how many of each."
    )
    reason: str = Field(min_length=3, max_length=500, description="Why the customer returns them, in brief.")
    to_gift_card: bool = Field(
        False, description="True to refund as store credit on a gift card instead of the original method."
    )


def return_items(store: BusinessStore, args: ReturnItemsArgs, ctx: ToolContext) -> ToolResult:
    def body(conn: Connection) -> ToolResult:
        # The order row lock serialises concurrent returns and refunds of the same order.
        order = load_order(conn, store, args.order_id, ctx.customer_id, lock=True)
        if order is None:
            return ToolResult.refuse(not_found(args.order_id))
        refusal = outside_window(order, ctx, "returned")
        if refusal:
            return ToolResult.refuse(refusal)
        available = returnable_items(conn, order.id)
        wanted: dict[str, int] = {}
        for item in args.items:
            wanted[item.product_id] = wanted.get(item.product_id, 0) + item.quantity
        lines = []
        for product_id, qty in wanted.items():
            if product_id not in available:
                return ToolResult.refuse(f"Error: product {product_id} is not on order {order.id}.")
            line, left = available[product_id]
            if qty > left:
                return ToolResult.refuse(
                    f"Error: only {left} of {line.product_name} on order {order.id} can still be returned; "
                    f"{qty} is too many."
                )
            lines.append((line, qty))
        value = sum(line.unit_price_cents * qty for line, qty in lines)
        # Earlier partial refunds (goodwill, price match) reduce what is left to give back.
        amount = min(value, sum(left for _, left in refundable_by_charge(conn, order.id)))
        limit = cents_limit(ctx.policy.refund_approval_limit)
        if amount > limit and not ctx.approved_by:
            return ToolResult.refuse(
                f"Error: returning these items refunds {dollars(amount)}, above the {dollars(limit)} limit; "
                "a human reviewer must approve it first."
            )
        made = (
            issue_refund(
                conn,
                order.id,
                amount,
                reason=f"items returned: {args.reason}",
                now=ctx.now,
                approved_by=ctx.approved_by,
                operation_key=ctx.idempotency_key,
                to_gift_card_of=order.customer_id if args.to_gift_card else None,
            )
            if amount > 0
            else []
        )
        refund_to = "gift_card" if args.to_gift_card else "original"
        return_id = record_return(
            conn,
            ctx,
            order,
            lines,
            kind="return",
            status="refunded",
            reason=args.reason,
            amount_cents=amount,
            refund_to=refund_to,
        )
        fully = all(left == 0 for _, left in returnable_items(conn, order.id).values())
        return ToolResult.success(
            {
                "return_id": return_id,
                "order_id": order.id,
                "status": "refunded",
                "items": [{"product_id": ln.product_id, "name": ln.product_name, "quantity": q} for ln, q in lines],
                "refunded": money(amount),
                "refund_to": refund_to,
                "refunds": made,
                "order_status": "returned" if fully else order.status,
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
)
