"""Policy holds carry their kind: the graph decides by the kind, never by words in the reason."""

from __future__ import annotations

from graphs.support.policy import Hold, policy_holds
from tools.base import Policy


def test_a_refund_above_the_limit_is_an_amount_limit_hold() -> None:
    policy = Policy(refund_approval_limit=100.0)
    assert policy_holds(["refund_limit"], {"amount": 120.0}, {}, policy) == [
        Hold("amount_limit", "a refund of $120.00 is above the $100.00 limit and needs a human's approval")]
    assert policy_holds(["refund_limit"], {"amount": 80.0}, {}, policy) == []
    # No amount given: what the order can still refund, from the earlier lookup.
    order = {"steps": {"order": {"refundable_amount": 349.99, "total": 400.0}}}
    [hold] = policy_holds(["refund_limit"], {}, order, policy)
    assert hold.kind == "amount_limit" and "$349.99" in hold.reason
