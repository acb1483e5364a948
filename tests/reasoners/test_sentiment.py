"""Sentiment, urgency and requests for a person."""

from __future__ import annotations

import pytest

from graphs.reasoners.local.sentiment import analyse_sentiment


@pytest.mark.parametrize("text", [
    "THIS IS RIDICULOUS, WHERE IS MY ORDER",
    "This is unacceptable, I want my money back immediately!!!",
])
def test_angry_or_shouting_is_negative_and_urgent(text: str) -> None:
    s = analyse_sentiment(text)
    assert s["label"] == "negative" and s["score"] <= -0.3, f"{text!r} -> {s}"
    assert s["urgency"] == "high", f"{text!r} -> {s}"
    assert not s["asks_for_human"], s


@pytest.mark.parametrize("text", ["can I speak to a human", "I want to talk to a real person",
                                  "get me your manager"])
def test_asks_for_a_human(text: str) -> None:
    s = analyse_sentiment(text)
    assert s["asks_for_human"], f"{text!r} -> {s}"


def test_calm_messages() -> None:
    neutral = analyse_sentiment("where is my order?")
    assert (neutral["label"], neutral["urgency"], neutral["asks_for_human"]) == ("neutral", "normal", False), neutral
    happy = analyse_sentiment("thanks, that was really helpful")
    assert happy["label"] == "positive" and happy["score"] >= 0.3, happy
    for s in (neutral, happy):
        assert -1.0 <= s["score"] <= 1.0, s
