"""Named policy checks that flows attach to steps; each returns why a human must approve (a Hold), or None.

The tools enforce the same rules themselves (a refund above the limit is refused without an approver); the
graph checks first so that it asks a reviewer instead of collecting a refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from foundation.policy import Policy
from graphs.support.parts import asked_in_all
from prompts import render_document, render_hold

# What kind of rule holds a step for a human: what the graph decides by, where the reason is only for people.
HoldKind = Literal["amount_limit", "reserved_for_humans", "refund_in_flight"]


@dataclass(frozen=True)
class Hold:
    """Why a step waits for a human: the kind of rule (``kind``) and the sentence people read (``reason``)."""

    kind: HoldKind
    reason: str


PolicyCheck = Callable[[dict[str, Any], dict[str, Any], Policy], "Hold | None"]


def written_policy(policy: Policy) -> str:
    """The written support policy (prompts/policy.md) with ``policy``'s values: what people and the planner read."""
    return render_document("policy.md", **policy.model_dump(), sla_hours=policy.sla_hours())


def amount_above_limit(amount: float, policy: Policy) -> Hold | None:
    """A refund of ``amount`` above the approval limit: held for a human's approval."""
    if amount <= policy.refund_approval_limit:
        return None
    return Hold("amount_limit", render_hold("above_limit", amount=amount, limit=policy.refund_approval_limit))


def reserved_for_humans(tool: str) -> Hold:
    """A step of a tool that always needs a human's approval (``SupportTool.needs_approval``)."""
    return Hold("reserved_for_humans", render_hold("reserved_for_humans", tool=tool))


def refund_limit(args: dict[str, Any], scope: dict[str, Any], policy: Policy) -> Hold | None:
    """Refunds above the approval limits go to a human. The tool's own effect decides when act has it
    (``scope["effect"]``: the exact amount, added up with the window's earlier refunds); otherwise the amount
    given, or what the order can still refund. A request asking for the order's money in parts ("$90 now and
    the rest next month") is held when what it comes to in all is above the limit (graphs/support/parts.py)."""
    effect = scope.get("effect")
    if effect is not None and effect.get("over_limit"):
        return Hold("amount_limit", str(effect["over_limit"]))
    steps = scope.get("steps", {})
    order = steps.get("order") or {}
    amount = args.get("amount") if effect is None else effect.get("amount")
    if amount is None:
        amount = order.get("refundable_amount", order.get("total"))
    left = (steps.get("refunds") or {}).get("remaining_refundable", order.get("total"))
    now = scope.get("now")
    in_all = asked_in_all(str(scope.get("request") or scope.get("message") or ""), order, left, now) if isinstance(
        now, datetime) else None
    if amount is not None and in_all is not None and in_all > float(amount):
        before = float(effect["order_total_in_window"]) - float(amount) if effect is not None else 0.0
        if before + in_all > policy.refund_approval_limit:
            return Hold("amount_limit", render_hold("asked_in_parts", amount=float(amount), total=before + in_all,
                                                    limit=policy.refund_approval_limit))
    return None if effect is not None or amount is None else amount_above_limit(float(amount), policy)


CHECKS: dict[str, PolicyCheck] = {"refund_limit": refund_limit}


def policy_holds(names: list[str], args: dict[str, Any], scope: dict[str, Any], policy: Policy) -> list[Hold]:
    """The holds, from the named checks, for which a step must wait for a human."""
    holds = []
    for name in names:
        check = CHECKS.get(name)
        if check is None:
            raise ValueError(f"flows.yaml names an unknown policy check {name!r}; known: {sorted(CHECKS)}")
        hold = check(args, scope, policy)
        if hold:
            holds.append(hold)
    return holds
