"""exchange_item: swap an item of a delivered order for another product; a linked replacement order ships."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from tools.base import BackendRefusal, SupportTool, ToolContext, ToolResult
from tools.common import OrderId, dollars, idempotent_write, lock_customer, money
from tools.orders.backend import Order, OrderLine, Product, ReturnRecord, orders_backend
from tools.orders.queries import not_found
from tools.orders.returns import PRODUCT_ID, outside_window, returnable_items
from tools.payments.backend import PaymentsBackend, payments_backend
from tools.payments.ledger import authorize, issue_refund, money_effect, refund_parts, refundable_cents
from tools.store import BusinessStore


class ExchangeItemArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: OrderId
    product_id: str = Field(pattern=PRODUCT_ID, description="Product id of the item sent back, e.g. P007.")
    new_product_id: str = Field(pattern=PRODUCT_ID, description="Product id the customer wants instead.")
    quantity: int = Field(1, ge=1, le=100, description="How many units to exchange.")


def _prepare(store: BusinessStore, args: ExchangeItemArgs, ctx: ToolContext,
             conn: Connection) -> ToolResult | tuple[Order, OrderLine, Product, int]:
    """The order, the line sent back, the new product and the price difference (per all units), or the refusal."""
    orders = orders_backend(store)
    order = orders.lock_order(args.order_id, str(ctx.customer_id), tx=conn)
    if order is None:
        return ToolResult.refuse(not_found(args.order_id))
    refusal = outside_window(order, ctx, "exchanged")
    if refusal:
        return ToolResult.refuse(refusal)
    available = returnable_items(order)
    if args.product_id not in available:
        return ToolResult.refuse(f"Error: product {args.product_id} is not on order {order.order_id}.")
    line, left = available[args.product_id]
    if args.quantity > left:
        return ToolResult.refuse(
            f"Error: only {left} of {line.product_name} on order {order.order_id} can still be exchanged."
        )
    new = orders.get_product(args.new_product_id)
    if new is None or not new.active:
        return ToolResult.refuse(f"Error: product {args.new_product_id} does not exist or is not sold any more.")
    if new.product_id == line.product_id:
        return ToolResult.refuse("Error: that is the same product; a faulty item is returned, not exchanged.")
    return order, line, new, (new.price_cents - line.unit_price_cents) * args.quantity


def _effect_of(payments: PaymentsBackend, ctx: ToolContext, conn: Connection, order: Order,
               difference: int) -> dict[str, object]:
    charges = payments.charges(order_id=order.order_id, tx=conn)
    refund = max(0, -difference)
    if refund > refundable_cents(charges):
        raise BackendRefusal(f"Error: the exchange would refund {dollars(refund)}, more than is left to refund on "
                             f"order {order.order_id}.")
    effect = money_effect(payments, conn, ctx, customer_id=order.customer_id, order_id=order.order_id,
                          parts=refund_parts(charges, refund), to_gift_card=False,
                          reason_code="exchange_difference")
    # a dearer product's difference is charged: money the offer moves too ("$40, fine" to it names its figure)
    return {**effect, "charged": money(max(0, difference))}


def exchange_effect(store: BusinessStore, args: ExchangeItemArgs, ctx: ToolContext) -> ToolResult:
    """The refund of the price difference this exchange would make (none for a dearer product), moving nothing."""
    payments = payments_backend(store)
    with store.db.begin() as conn:
        prepared = _prepare(store, args, ctx, conn)
        if isinstance(prepared, ToolResult):
            return prepared
        order, _, _, difference = prepared
        return ToolResult.success(_effect_of(payments, ctx, conn, order, difference))


def exchange_item(store: BusinessStore, args: ExchangeItemArgs, ctx: ToolContext) -> ToolResult:
    orders, payments = orders_backend(store), payments_backend(store)
    key = ctx.idempotency_key

    def body(conn: Connection) -> ToolResult:
        lock_customer(store, conn, str(ctx.customer_id))
        prepared = _prepare(store, args, ctx, conn)
        if isinstance(prepared, ToolResult):
            return prepared
        order, line, new, difference = prepared
        refusal = authorize(ctx, _effect_of(payments, ctx, conn, order, difference))
        if refusal is not None:
            return refusal
        replacement_id = orders.create_replacement(order, new, args.quantity, tx=conn, key=key, now=ctx.now)
        settlement: dict[str, object] = {"difference": money(difference)}
        if difference > 0:
            charge_id = payments.charge(
                customer_id=order.customer_id,
                order_id=replacement_id,
                payment_method_id=order.payment_method_id,
                amount_cents=difference,
                tx=conn,
                key=key,
                now=ctx.now,
            )
            settlement["charged"] = {"charge_id": charge_id, "amount": money(difference)}
        elif difference < 0:
            charges = payments.charges(order_id=order.order_id, tx=conn)
            settlement["refunds"] = issue_refund(
                payments, conn, ctx, charges, -difference, reason=f"exchange for {new.name}: price difference",
                reason_code="exchange_difference",
            )
        record = ReturnRecord(
            order_id=order.order_id,
            lines=((line.line_id, args.quantity),),
            kind="exchange",
            status="exchanged",
            reason=f"exchanged for {new.name}",
            amount_cents=max(0, -difference),
            refund_to="original" if difference < 0 else None,
            replacement_order_id=replacement_id,
        )
        return_id = orders.record_return(record, tx=conn, key=key, now=ctx.now)
        return ToolResult.success(
            {
                "return_id": return_id,
                "order_id": order.order_id,
                "replacement_order_id": replacement_id,
                "returned": {"product_id": line.product_id, "name": line.product_name, "quantity": args.quantity},
                "sent": {"product_id": new.product_id, "name": new.name, "quantity": args.quantity},
                **settlement,
            }
        )

    return idempotent_write(store, ctx, "exchange_item", body)


tool = SupportTool(
    name="exchange_item",
    system="orders",
    description=(
        "Exchange an item of one of the verified customer's delivered orders (within the return window) for "
        "another product: a replacement order linked to the original ships the new product; a dearer product "
        "is charged the difference, a cheaper one refunds it."
    ),
    args_schema=ExchangeItemArgs,
    fn=exchange_item,
    writes=True,
    moves_money="item_refund",
    effect=exchange_effect,
)
