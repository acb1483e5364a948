"""Policy holds carry their kind: the graph decides by the kind, never by words in the reason."""

from __future__ import annotations

from datetime import UTC, datetime

from foundation.policy import Policy
from graphs.support.policy import Hold, policy_holds


def test_a_refund_above_the_limit_is_an_amount_limit_hold() -> None:
    policy = Policy(refund_approval_limit=100.0)
    assert policy_holds(["refund_limit"], {"amount": 120.0}, {}, policy) == [
        Hold("amount_limit", "a refund of $120.00 is above the $100.00 limit and needs a human's approval")]
    assert policy_holds(["refund_limit"], {"amount": 80.0}, {}, policy) == []
    # No amount given: what the order can still refund, from the earlier lookup.
    order = {"steps": {"order": {"refundable_amount": 349.99, "total": 400.0}}}
    [hold] = policy_holds(["refund_limit"], {}, order, policy)
    assert hold.kind == "amount_limit" and "$349.99" in hold.reason


def test_a_part_of_a_refund_asked_in_parts_is_held_by_what_the_parts_come_to() -> None:
    policy = Policy(refund_approval_limit=100.0)
    order = {"total": 150.0, "items": [{"unit_price": 150.0, "line_total": 150.0}]}
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the graph's time (act passes d.now)
    scope = {"request": "send $60 back now and the remainder later", "steps": {"order": order}, "now": now}
    [hold] = policy_holds(["refund_limit"], {"amount": 60.0}, scope, policy)
    assert hold.kind == "amount_limit" and "$150.00" in hold.reason
    effect = {"amount": 60.0, "order_total_in_window": 60.0, "over_limit": None}
    assert policy_holds(["refund_limit"], {"amount": 60.0}, {**scope, "effect": effect}, policy) != []
    alone = {"request": "send $60 back now please", "steps": {"order": order}, "now": now}
    assert policy_holds(["refund_limit"], {"amount": 60.0}, {**alone, "effect": effect}, policy) == []


def test_money_moving_tools_and_money_at_stake_come_from_the_registry_and_the_flows() -> None:
    from graphs.support.flows import load_flows, money_at_stake
    from tools.registry import TOOLS

    moves = {t.name: t.moves_money for t in TOOLS if t.moves_money}
    assert {n for n, kind in moves.items() if kind == "order_refund"} == {"refund_order", "cancel_order"}
    assert {n for n, kind in moves.items() if kind == "item_refund"} == {"return_items", "exchange_item"}
    assert all(t.writes for t in TOOLS if t.moves_money), "a tool that moves money writes"
    # The flows whose order totals count as money at stake: those whose tools move money (payment_issue refunds
    # a duplicate charge; check_invoice opens the dispute it offers on a yes), and change_order (made by people
    # through a ticket), which flows.yaml marks.
    assert {i for i in load_flows() if money_at_stake(i)} == {
        "get_refund", "cancel_order", "change_order", "billing_dispute", "switch_account", "payment_issue",
        "check_invoice"}
