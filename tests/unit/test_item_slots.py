"""What a change or refund request says about an order's items, read off its words (flows.yaml change_order and
get_refund slots): a new quantity, fewer of an item without a number, only part of an order."""

from __future__ import annotations

import pytest

from graphs.support.flows import get_flow


@pytest.mark.parametrize(("text", "quantity"), [
    ("can you make it 2 of the plugs rather than 4?", "2"),
    ("please bring it down to a single keyboard", "1"),
    ("I want one mouse not two", "1"),
    ("lower the cables from 4 to 3", "3"),
    ("I only need 2 of them", "2"),
    ("please take the mouse off my order", "0"),
    ("can you change the colour of the case", None),
])
def test_a_new_quantity_is_read(text: str, quantity: str | None) -> None:
    assert get_flow("change_order").slots["quantity"].read_text(text) == quantity


def test_fewer_without_a_number_is_asked_how_many() -> None:
    slots = get_flow("change_order").slots
    assert slots["fewer"].read_text("i ordered too many of something") is True
    assert slots["quantity"].read_text("i ordered too many of something") is None
    assert slots["quantity"].ask_when is not None and slots["quantity"].ask_when.applies({"slots": {"fewer": True}})
    ticket = next(s for s in get_flow("change_order").steps if s.tool == "create_ticket")
    assert not ticket.allowed_by({"fewer": True}), "a quantity change is asked about, not ticketed"
    assert ticket.allowed_by({"fewer": None, "quantity": None})


@pytest.mark.parametrize(("text", "part"), [
    ("hello I'd like to send back part of an order", True),
    ("I want to return some of the items", True),
    ("return one item from my last order", True),
    ("I want to return my order", None),
    ("one of my orders never came", None),
])
def test_part_of_an_order_is_read(text: str, part: bool | None) -> None:
    assert get_flow("get_refund").slots["part"].read_text(text) is part


@pytest.mark.parametrize("said", [
    "I need one more plug", "I want two more", "I need one of the plugs removed", "take one of the plugs off",
    "remove one of the bulbs",
])
def test_a_change_by_some_units_is_not_a_new_total(said: str) -> None:
    """"One more" or "one of them off" changes the count by some units: never read as the new quantity (which
    would refund three of four plugs, or take all four off)."""
    assert get_flow("change_order").slots["quantity"].read_text(said) is None
