"""The slot filler's confidence in a write's ids and amounts (issue 17): typed by the customer, read by a tool,
said as a bare number, or guessed — a value no one but a model produced is the least sure."""

from __future__ import annotations

from datetime import UTC, datetime

from graphs.support.slot_confidence import LEVELS, slot_confidence

NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)
MAYA = {"customer_id": "C0001", "name": "Maya", "plan": "pro", "verified": True, "verified_by": "identity_check"}


def sure(args: dict[str, object], said: list[str], results: list[object] = (), customer=MAYA) -> tuple[float, str]:
    found = slot_confidence(args, said=said, results=list(results), customer=customer, now=NOW)
    return found.confidence, found.level


def test_ids_and_amounts_the_customer_typed_are_sure() -> None:
    said = ["Please refund $90 of order 10002, the headphones arrived broken."]
    assert sure({"order_id": 10002, "amount": 90, "reason": "damaged"}, said) == (1.0, "typed")
    assert sure({"order_id": 10002, "amount": 90.0}, ["refund 90 dollars on #10002"]) == (1.0, "typed")
    assert sure({"invoice_id": "INV-20001"}, ["invoice no. 20001 charged me twice"]) == (1.0, "typed")


def test_the_verified_customers_own_id_is_sure_and_anothers_is_not() -> None:
    assert sure({"customer_id": "C0001"}, ["hi"]) == (1.0, "typed")
    assert sure({"customer_id": "C0002"}, ["hi"]) == (LEVELS["guessed"], "guessed")
    assert sure({"customer_id": "C0001"}, ["hi"], customer=None) == (LEVELS["guessed"], "guessed")


def test_a_value_a_tool_returned_is_read_and_cents_count_as_dollars() -> None:
    order = {"order_id": 10002, "total_cents": 34999, "charges": [{"charge_id": "CH-1", "amount_cents": 34999}]}
    assert sure({"order_id": 10002, "amount": 349.99}, ["my headphones came broken"], [order]) == (
        LEVELS["read"],
        "read",
    )
    assert sure({"charge_id": "CH-1"}, ["refund it"], [order]) == (LEVELS["read"], "read")


def test_a_bare_number_is_only_said_and_a_number_nobody_gave_is_guessed() -> None:
    assert sure({"order_id": 10002, "amount": 60}, ["refund 60 on order 10002 please"]) == (LEVELS["said"], "said")
    guessed = slot_confidence(
        {"order_id": 10002, "amount": 60}, said=["refund part of order 10002"], results=[], customer=MAYA, now=NOW
    )
    assert (guessed.confidence, guessed.weakest) == (LEVELS["guessed"], "amount 60 (guessed)")
    assert sure({"order_id": 10020}, ["order 10002 is late"]) == (LEVELS["guessed"], "guessed")


def test_a_write_without_ids_or_amounts_has_nothing_to_doubt() -> None:
    assert sure({"plan": "pro", "reason": "asked"}, ["switch me to pro"]) == (1.0, "typed")
    assert sure({"order_id": None, "amount": None}, ["hello"]) == (1.0, "typed")
    assert LEVELS["guessed"] < LEVELS["said"] < LEVELS["read"] < LEVELS["typed"]


def test_the_price_of_some_of_a_lines_units_is_read_not_guessed() -> None:
    """ "Those two" of three plugs at 24.99: 49.98 comes from the order line, not from a model."""
    order = {"order_id": 10002, "items": [{"name": "Smart Plug", "quantity": 3, "unit_price": 24.99}]}
    assert sure({"order_id": 10002, "amount": 49.98}, ["I want those two refunded"], [order]) == (
        LEVELS["read"], "read")
    assert sure({"order_id": 10002, "amount": 99.96}, ["refund them"], [order])[1] == "guessed"  # more than bought
