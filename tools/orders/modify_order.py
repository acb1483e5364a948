"""modify_order: change the quantity of an item of a pending order, or remove it; the charge adjusts."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, delete, insert, select, update

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import OrderId, idempotent_write, money, next_id
from tools.orders.queries import load_order, not_found, order_detail
from tools.orders.returns import PRODUCT_ID
from tools.payments.ledger import issue_refund
from tools.store import BusinessStore
from tools.store.schema import charges, order_items, orders


class ModifyOrderArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: OrderId
    product_id: str = Field(pattern=PRODUCT_ID, description="Product id of the item to change, e.g. P001.")
    quantity: int = Field(ge=0, le=100, description="The new quantity of that item; 0 removes it.")


def modify_order(store: BusinessStore, args: ModifyOrderArgs, ctx: ToolContext) -> ToolResult:
    def body(conn: Connection) -> ToolResult:
        order = load_order(conn, store, args.order_id, ctx.customer_id, lock=True)
        if order is None:
            return ToolResult.refuse(not_found(args.order_id))
        if order.status != "pending":
            return ToolResult.refuse(
                f"Error: order {order.id} is {order.status}; only pending orders can be changed."
                + (" After delivery, items can be returned or exchanged." if order.status == "delivered" else "")
            )
        lines = conn.execute(select(order_items).where(order_items.c.order_id == order.id)).all()
        line = next((ln for ln in lines if ln.product_id == args.product_id), None)
        if line is None:
            return ToolResult.refuse(f"Error: product {args.product_id} is not on order {order.id}.")
        if args.quantity == line.quantity:
            return ToolResult.refuse(f"Error: order {order.id} already has {line.quantity} of {line.product_name}.")
        if args.quantity == 0 and len(lines) == 1:
            return ToolResult.refuse(
                f"Error: {line.product_name} is the only item of order {order.id}; removing it would leave an "
                "empty order. Cancel the order instead (cancel_order)."
            )
        delta = (args.quantity - line.quantity) * line.unit_price_cents
        if args.quantity == 0:
            conn.execute(delete(order_items).where(order_items.c.id == line.id))
        else:
            conn.execute(
                update(order_items)
                .where(order_items.c.id == line.id)
                .values(quantity=args.quantity, line_total_cents=args.quantity * line.unit_price_cents)
            )
        conn.execute(update(orders).where(orders.c.id == order.id).values(total_cents=order.total_cents + delta))
        adjustment: dict[str, object]
        if delta > 0:
            charge_id = next_id(conn, "charge", "ch_{:06d}")
            conn.execute(
                insert(charges).values(
                    id=charge_id,
                    customer_id=order.customer_id,
                    order_id=order.id,
                    payment_method_id=order.payment_method_id,
                    amount_cents=delta,
                    status="succeeded",
                    created_at=ctx.now,
                )
            )
            adjustment = {"charged": money(delta), "charge_id": charge_id}
        else:
            made = issue_refund(
                conn,
                order.id,
                -delta,
                reason="order changed: fewer items",
                now=ctx.now,
                approved_by=ctx.approved_by,
                operation_key=ctx.idempotency_key,
            )
            adjustment = {"refunded": money(-delta), "refunds": made}
        changed = load_order(conn, store, order.id, ctx.customer_id)
        assert changed is not None
        return ToolResult.success({"order": order_detail(conn, changed), **adjustment})

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
)
