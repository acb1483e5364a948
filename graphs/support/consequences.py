"""Consequences checked before a write, whoever planned it: what else is in flight, and what money it moves.

Cancelling an order refunds what is left on it; with a refund of that order still in flight (issued but not
settled by the processor, or waiting for a reviewer's approval in this very plan) the customer could be refunded
twice, so the step waits for a person. Every tool that moves money works out its effect first
(``SupportTool.preview``: which charges, how much, where to, and what the order's and the customer's refunds of
the policy's window come to with it); an effect above an approval limit waits for a reviewer instead of being
refused by the tool. The limits add up: refunds settled in earlier turns and threads count.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from foundation.policy import Policy
from graphs.support.policy import Hold
from graphs.support.state import Step
from prompts import render_hold
from tools.base import ToolContext
from tools.registry import get_tool
from tools.store import BusinessStore

SETTLED_REFUNDS = {"succeeded", "failed", "cancelled", "canceled"}
# Why a write that would move no money is not made (prompts/replies/refund.j2 says so to the customer).
NOTHING_LEFT = "nothing of what was asked is left to refund"
UNSETTLED_STEPS = {"pending", "awaiting_confirmation", "needs_approval", "approved"}


def consequence_holds(store: BusinessStore, ctx: ToolContext, plan: list[Step], step: Step, policy: Policy,
                      *, check_amount: bool, effect: dict[str, Any] | None = None) -> list[Hold]:
    """Why a write must wait for a human because of what it would do to money: ``effect`` is the step's money
    effect if already worked out (else the tool's preview is asked here). ``policy`` is ``ctx.policy``'s."""
    tool = get_tool(step["tool"])
    holds = _in_flight_holds(store, ctx, plan, step) if tool.moves_money == "order_refund" else []
    if check_amount and tool.moves_money:
        if effect is None:
            preview = tool.preview(store, step["args"], ctx)
            effect = preview.data if preview is not None and preview.ok and isinstance(preview.data, dict) else None
        if effect is not None and effect.get("over_limit"):
            holds.append(Hold("amount_limit", str(effect["over_limit"])))
    return holds


def moves_nothing(step: Step) -> str | None:
    """Why a money write is not made at all: the amount it was planned with comes to nothing (the units named
    were returned or paid back already). A refund of $0 is never a call to make."""
    amount = step["args"].get("amount")
    if get_tool(step["tool"]).moves_money and isinstance(amount, int | float) and not isinstance(amount, bool) \
            and amount <= 0:
        return NOTHING_LEFT
    return None


def _in_flight_holds(store: BusinessStore, ctx: ToolContext, plan: list[Step], step: Step) -> list[Hold]:
    order_id = step["args"].get("order_id")
    if not isinstance(order_id, int):
        return []
    holds = []
    others = [s for s in plan if s["id"] != step["id"] and s["status"] in UNSETTLED_STEPS
              and get_tool(s["tool"]).moves_money == "order_refund" and s["args"].get("order_id") == order_id]
    if others:
        holds.append(Hold("refund_in_flight", render_hold("refund_again_in_flight", tool=step["tool"],
                                                          order_id=order_id, other_tool=others[0]["tool"])))
    status = get_tool("get_refund_status").run(store, {"order_id": order_id}, ctx)
    data: dict[str, Any] = status.data if status.ok and isinstance(status.data, dict) else {}
    in_flight = [r for r in data.get("refunds", []) if str(r.get("status")) not in SETTLED_REFUNDS]
    if in_flight:
        amount = sum(float(r.get("amount") or 0) for r in in_flight)
        holds.append(Hold("refund_in_flight", render_hold("refund_in_flight", tool=step["tool"], order_id=order_id,
                                                          amount=amount)))
    return holds


def money_offered(store: BusinessStore, plan: list[Step], context_of: Callable[[Step], ToolContext]) -> set[float]:
    """The amounts the offers waiting for the customer's yes would move, either way: each step's money effect, as
    bound when it was offered or as its tool works it out now (an offer of "what is left" moves the records'
    figure); what it charges (an exchange for a dearer product charges the difference) as well as what it refunds."""
    offered = set()
    for step in plan:
        if step["status"] != "awaiting_confirmation" or not get_tool(step["tool"]).moves_money:
            continue
        effect = step.get("effect")
        if effect is None:
            preview = get_tool(step["tool"]).preview(store, step["args"], context_of(step))
            effect = preview.data if preview is not None and preview.ok and isinstance(preview.data, dict) else None
        for key in ("amount", "charged"):
            if effect is not None and isinstance(effect.get(key), int | float) and not isinstance(effect[key], bool):
                offered.add(round(float(effect[key]), 2))
    return offered


def figures_about(plan: list[Step], told: list[Step]) -> set[float]:
    """The figures of the records the told offers that move no money are about (the $9.99 invoice a dispute
    offered is opened on, as the steps it depends on read it): naming them names what the action is taken on
    ("dispute the second $9.99"), no other figure than an offer moves."""
    about = {d for step in told if not get_tool(step["tool"]).moves_money for d in step["depends_on"]}
    figures = set()
    for step in plan:
        data = (step["result"] or {}).get("data") if step["id"] in about else None
        for key in ("amount", "total"):
            if isinstance(data, dict) and isinstance(data.get(key), int | float) and not isinstance(data[key], bool):
                figures.add(round(float(data[key]), 2))
    return figures


def money_given(plan: list[Step]) -> set[float]:
    """The refunds on record that the plan's lookups read (get_refund_status): money given back before."""
    return {round(float(r["amount"]), 2) for step in plan if step["tool"] == "get_refund_status" and step["result"]
            for r in ((step["result"] or {}).get("data") or {}).get("refunds") or []
            if isinstance(r.get("amount"), int | float)}
