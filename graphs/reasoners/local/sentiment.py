"""Customer sentiment and urgency, from VADER's lexicon plus a few support-specific cues."""

from __future__ import annotations

import re
import string
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
# The same cues, case-sensitive, for lower-cased ASCII text (where they match alike, about twice as fast): only ASCII,
# because IGNORECASE also matches a few non-ASCII letters to these ("K" Kelvin sign to "k").
_URGENT_LOWER, _HUMAN_LOWER, _ANGRY_LOWER = (re.compile(p.pattern) for p in (_URGENT, _HUMAN, _ANGRY))


class Sentiment(TypedDict):
    score: float  # -1 (very negative) … +1 (very positive)
    label: Literal["negative", "neutral", "positive"]
    urgency: Literal["low", "normal", "high"]
    asks_for_human: bool


@lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


@lru_cache(maxsize=1)
def _emoji_free_ascii() -> bool:
    """Whether VADER's emoji table leaves ASCII text alone (its keys are all non-ASCII: it does in 3.3.2)."""
    return not any(key.isascii() for key in _analyzer().emojis)


def _scores_nothing(text: str) -> bool:
    """Whether VADER's compound score of ``text`` is 0 without running it: no emoji and no lexicon word.

    VADER gives a word a valence only when the word, lower-cased and stripped of surrounding punctuation unless
    that leaves two characters or fewer, is in its lexicon; with none such, every valence is 0, and so is the
    compound (punctuation emphasis only amplifies a non-zero sum). Non-ASCII text may hold emoji VADER spells out
    in words, so it always goes through VADER.
    """
    if not text.isascii() or not _emoji_free_ascii():
        return False
    lexicon = _analyzer().lexicon
    for token in text.lower().split():
        stripped = token.strip(string.punctuation)
        if (stripped if len(stripped) > 2 else token) in lexicon:
            return False
    return True


def analyse_sentiment(text: str) -> Sentiment:
    """Polarity in [-1, 1], a label, an urgency level and whether the customer asks for a person."""
    score = 0.0 if _scores_nothing(text) else float(_analyzer().polarity_scores(text)["compound"])
    letters = sum(map(str.isalpha, text))  # counted in C: a Python loop over the characters cost ~20 % here
    shouting = letters >= 12 and sum(map(str.isupper, filter(str.isalpha, text))) / letters > 0.7
    if text.isascii():
        cue_text, urgent, human, angry = text.lower(), _URGENT_LOWER, _HUMAN_LOWER, _ANGRY_LOWER
    else:
        cue_text, urgent, human, angry = text, _URGENT, _HUMAN, _ANGRY
    if angry.search(cue_text) or shouting:
        score = min(score, -0.6) if score < 0.2 else score - 0.5
    score = max(-1.0, min(1.0, score))
    label: Literal["negative", "neutral", "positive"] = (
        "negative" if score <= -0.3 else "positive" if score >= 0.3 else "neutral"
    )
    urgency: Literal["low", "normal", "high"] = (
        "high" if urgent.search(cue_text) or text.count("!") >= 3 or shouting else "normal"
    )
    return {"score": round(score, 3), "label": label, "urgency": urgency,
            "asks_for_human": bool(human.search(cue_text))}
