"""Named policy checks that flows attach to steps; each returns why a human must approve, or None.

The tools enforce the same rules themselves (a refund above the limit is refused without an approver); the
graph checks first so that it asks a reviewer instead of collecting a refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tools.base import Policy

PolicyCheck = Callable[[dict[str, Any], dict[str, Any], Policy], "str | None"]


def refund_limit(args: dict[str, Any], scope: dict[str, Any], policy: Policy) -> str | None:
    """Refunds above the approval limit go to a human (amount given, or what the order can still refund)."""
    amount = args.get("amount")
    if amount is None:
        order = scope.get("steps", {}).get("order") or {}
        amount = order.get("refundable_amount", order.get("total"))
    if amount is None:
        return None
    if float(amount) > policy.refund_approval_limit:
        return (f"a refund of ${float(amount):,.2f} is above the ${policy.refund_approval_limit:,.2f} "
                "limit and needs a human's approval")
    return None


CHECKS: dict[str, PolicyCheck] = {"refund_limit": refund_limit}


def hold_reasons(names: list[str], args: dict[str, Any], scope: dict[str, Any], policy: Policy) -> list[str]:
    """The reasons, from the named checks, for which a step must wait for a human."""
    reasons = []
    for name in names:
        check = CHECKS.get(name)
        if check is None:
            raise ValueError(f"flows.yaml names an unknown policy check {name!r}; known: {sorted(CHECKS)}")
        reason = check(args, scope, policy)
        if reason:
            reasons.append(reason)
    return reasons
