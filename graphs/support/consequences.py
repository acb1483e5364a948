"""Consequences checked before a write, whoever planned it: what else is in flight on the same order.

Cancelling an order refunds what is left on it; with a refund of that order still in flight (issued but not
settled by the processor, or waiting for a reviewer's approval in this very plan) the customer could be refunded
twice, so the step waits for a person. A refund without an amount refunds everything still refundable: the
approval limit is checked against that amount, read with the refund-status tool. A return or an exchange for a
cheaper product refunds money too: above the limit it waits for a reviewer instead of being refused by the tool.
"""

from __future__ import annotations

from typing import Any

from graphs.support.policy import Hold, amount_above_limit
from graphs.support.state import Step
from tools.base import Policy, ToolContext
from tools.orders.backend import orders_backend
from tools.registry import get_tool
from tools.store import BusinessStore

SETTLED_REFUNDS = {"succeeded", "failed", "cancelled", "canceled"}
UNSETTLED_STEPS = {"pending", "awaiting_confirmation", "needs_approval", "approved"}


def consequence_holds(store: BusinessStore, ctx: ToolContext, plan: list[Step], step: Step, policy: Policy,
                      *, check_amount: bool) -> list[Hold]:
    """Why a write must wait for a human because of what it would do to other money movements."""
    tool = get_tool(step["tool"])
    money = tool.moves_money
    if money == "item_refund":
        return _return_refund_holds(store, ctx, step, policy) if check_amount else []
    if money != "order_refund":
        return []
    order_id = step["args"].get("order_id")
    if not isinstance(order_id, int):
        return []
    holds = []
    others = [s for s in plan if s["id"] != step["id"] and s["status"] in UNSETTLED_STEPS
              and get_tool(s["tool"]).moves_money == "order_refund" and s["args"].get("order_id") == order_id]
    if others:
        holds.append(Hold("refund_in_flight", f"{step['tool'].replace('_', ' ')} of order {order_id} would refund it "
                          f"again while {others[0]['tool'].replace('_', ' ')} of the same order is still in flight"))
    status = get_tool("get_refund_status").run(store, {"order_id": order_id}, ctx)
    data: dict[str, Any] = status.data if status.ok and isinstance(status.data, dict) else {}
    in_flight = [r for r in data.get("refunds", []) if str(r.get("status")) not in SETTLED_REFUNDS]
    if in_flight:
        amount = sum(float(r.get("amount") or 0) for r in in_flight)
        holds.append(Hold("refund_in_flight", f"order {order_id} has a refund of ${amount:,.2f} still in flight; "
                          f"{step['tool'].replace('_', ' ')} could refund the customer twice"))
    # An order refund that takes an amount refunds everything still refundable when it is given none.
    if check_amount and "amount" in tool.args_schema.model_fields and step["args"].get("amount") is None and data:
        above = amount_above_limit(float(data.get("remaining_refundable") or 0), policy)
        holds += [above] if above else []
    return holds


def _return_refund_holds(store: BusinessStore, ctx: ToolContext, step: Step, policy: Policy) -> list[Hold]:
    """A return (the items' price) or an exchange for a cheaper product (the difference) above the limit."""
    args = step["args"]
    order_id = args.get("order_id")
    orders = orders_backend(store)
    order = orders.get_order(order_id, str(ctx.customer_id)) if isinstance(order_id, int) else None
    if order is None:
        return []  # the tool refuses it with the reason
    price = {line.product_id: line.unit_price_cents for line in order.items}
    if "new_product_id" in get_tool(step["tool"]).args_schema.model_fields:  # an exchange: refunds the difference
        new = orders.get_product(str(args.get("new_product_id")))
        old = price.get(str(args.get("product_id")))
        if new is None or old is None:
            return []
        cents = (old - new.price_cents) * int(args.get("quantity", 1))
    else:
        items = [i for i in args.get("items") or [] if isinstance(i, dict)]
        cents = sum(price.get(str(i.get("product_id")), 0) * int(i.get("quantity", 1)) for i in items)
    above = amount_above_limit(cents / 100, policy)
    return [above] if above else []
