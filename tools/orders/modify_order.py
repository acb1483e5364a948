"""modify_order: change the quantity of an item of a pending order, or remove it; the charge adjusts."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import OrderId, idempotent_write, money
from tools.orders.backend import orders_backend
from tools.orders.queries import not_found, order_detail
from tools.orders.returns import PRODUCT_ID
from tools.payments.backend import payments_backend
from tools.payments.ledger import issue_refund
from tools.store import BusinessStore


class ModifyOrderArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: OrderId
    product_id: str = Field(pattern=PRODUCT_ID, description="Product id of the item to change, e.g. P001.")
    quantity: int = Field(ge=0, le=100, description="The new quantity of that item; 0 removes it.")


def modify_order(store: BusinessStore, args: ModifyOrderArgs, ctx: ToolContext) -> ToolResult:
    orders, payments = orders_backend(store), payments_backend(store)
    customer_id, key = str(ctx.customer_id), ctx.idempotency_key

    def body(conn: Connection) -> ToolResult:
        order = orders.lock_order(args.order_id, customer_id, tx=conn)
        if order is None:
            return ToolResult.refuse(not_found(args.order_id))
        if order.status != "pending":
            return ToolResult.refuse(
                f"Error: order {order.order_id} is {order.status}; only pending orders can be changed."
                + (" After delivery, items can be returned or exchanged." if order.status == "delivered" else "")
            )
        line = next((ln for ln in order.items if ln.product_id == args.product_id), None)
        if line is None:
            return ToolResult.refuse(f"Error: product {args.product_id} is not on order {order.order_id}.")
        if args.quantity == line.quantity:
            return ToolResult.refuse(
                f"Error: order {order.order_id} already has {line.quantity} of {line.product_name}."
            )
        if args.quantity == 0 and len(order.items) == 1:
            return ToolResult.refuse(
                f"Error: {line.product_name} is the only item of order {order.order_id}; removing it would "
                "leave an empty order. Cancel the order instead (cancel_order)."
            )
        delta = (args.quantity - line.quantity) * line.unit_price_cents
        orders.set_quantity(order.order_id, line.line_id, args.quantity, tx=conn, key=key)
        adjustment: dict[str, object]
        if delta > 0:
            charge_id = payments.charge(
                customer_id=order.customer_id,
                order_id=order.order_id,
                payment_method_id=order.payment_method_id,
                amount_cents=delta,
                tx=conn,
                key=key,
                now=ctx.now,
            )
            adjustment = {"charged": money(delta), "charge_id": charge_id}
        else:
            charges = payments.charges(order_id=order.order_id, tx=conn)
            made = issue_refund(payments, conn, ctx, charges, -delta, reason="order changed: fewer items",
                                reason_code="order_changed")
            adjustment = {"refunded": money(-delta), "refunds": made}
        changed = orders.get_order(order.order_id, customer_id, tx=conn)
        assert changed is not None
        return ToolResult.success({"order": order_detail(changed), **adjustment})

    return idempotent_write(store, ctx, "modify_order", body)


tool = SupportTool(
    name="modify_order",
    system="orders",
    description=(
        "Change the quantity of an item on one of the verified customer's pending orders, or remove it "
        "(quantity 0). A smaller order is partly refunded, a larger one charged the difference. The last "
        "item cannot be removed: cancel the order instead."
    ),
    args_schema=ModifyOrderArgs,
    fn=modify_order,
    writes=True,
    moves_money="adjustment",
)
