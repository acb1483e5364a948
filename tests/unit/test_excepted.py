"""A question about a rule, asked as an exception to it, is the request the rule governs (support/excepted.py)."""

from __future__ import annotations

import pytest

from graphs.support.excepted import with_rule_excepted
from graphs.support.state import IntentGuess


def _guess(*pairs: tuple[str, float]) -> list[IntentGuess]:
    return [{"intent": i, "confidence": c} for i, c in pairs]


@pytest.mark.parametrize("text", [
    "I understand the window closed last week, but could you still take the blender back? Order 77311.",
    "Could you bend the rule this once so the lamp from order 77311 can come back?",
])
def test_an_exception_asked_to_the_refund_rule_asks_for_the_refund(text: str) -> None:
    seen = {"check_refund_policy": 0.9, "get_refund": 0.2}
    intents = with_rule_excepted(_guess(("check_refund_policy", 0.9), ("get_refund", 0.6)), text, seen)
    assert intents == _guess(("get_refund", 0.9))
    assert seen["get_refund"] == 0.9


def test_a_question_about_the_rule_without_an_exception_stays_a_question() -> None:
    intents = _guess(("check_refund_policy", 0.9))
    text = "How many days do I have to send the blender back if it's unopened?"
    assert with_rule_excepted(intents, text, {}) == intents


def test_an_exception_beside_a_request_with_no_rule_question_changes_nothing() -> None:
    intents = _guess(("get_refund", 0.8), ("track_order", 0.6))
    text = "I know it's past 30 days, but could you still refund the blender?"
    assert with_rule_excepted(intents, text, {}) == intents
