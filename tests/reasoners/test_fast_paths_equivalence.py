"""The shortcuts of entity extraction and sentiment give exactly what the plain library calls give.

``match_products`` only scores catalogue names that pass an exact substring test, ``extract_entities`` skips patterns
that cannot match, and ``analyse_sentiment`` skips VADER where it cannot score anything and matches its cues on
lower-cased ASCII text: each is compared here with the reference code (the whole catalogue through rapidfuzz, every
pattern, VADER on every text, cues ignoring case) over the project's examples, the bench's generated messages and
texts naming the catalogue's products with typos.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import NamedTuple

import pytest
from rapidfuzz import fuzz, process
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from evals.latency_router import generated_messages
from graphs.reasoners.local import entities, products, sentiment
from graphs.reasoners.local.examples import load_examples
from service.triage.rows import _entities_json
from tools.store.demo_catalogue import PRODUCTS

CATALOGUE = tuple(name for name, _family, _price in PRODUCTS)
_LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789 "


def _typo(name: str, rng: random.Random) -> str:
    """``name`` with up to three random single-letter edits, in random case."""
    chars = list(name)
    for _ in range(rng.randint(0, 3)):
        at = rng.randrange(len(chars) + 1)
        edit = rng.choice(("drop", "add", "swap"))
        if edit == "drop" and at < len(chars):
            del chars[at]
        elif edit == "add":
            chars.insert(at, rng.choice(_LETTERS))
        elif at < len(chars):
            chars[at] = rng.choice(_LETTERS)
    out = "".join(chars)
    return rng.choice((out, out.lower(), out.upper()))


def _corpus() -> list[str]:
    rng = random.Random(3)
    base = [e.text for e in load_examples()] + [e.text for e in load_examples(shifted=True)]
    named = []
    for _ in range(3000):
        words = rng.choice(base).split()
        at = rng.randrange(len(words) + 1)
        names = [_typo(rng.choice(CATALOGUE), rng) for _ in range(rng.choice((1, 1, 2)))]
        if rng.random() < 0.3:  # a fragment of a name only
            names = [" ".join(rng.sample(n.split(), max(1, len(n.split()) - 1))) for n in names]
        named.append(" ".join(words[:at] + names + words[at:]))
    odd = ["", "tv", "4k", "hdmi", "Nimbus", "a", "Ｌｕｍｅｎ 4K TV", "laſt week the tv broke 😡", "ok 👍 thanks",
           "THIS IS RIDICULOUS!!!", "no good", "not bad at all", "kind of ok", "I can't stand it :(", "meh :)",
           "It came YESTERDAY", "two weeks Ago", "LAST TUESDAY", "order ١٢٣٤٥ ago", "ZIP 10115, card ending in 4242",
           "INV-12345 and T-1234 for C1234", "maya@example.com wrote on 2025-06-01", "£12,50 on 3/4/25",
           "order #10023 on march 3rd", "the 5th of May", "laſt week", "ＬＡＳＴ week", "I want a HUMAN",
           "Speak To Someone now", "this is a SCAM!", "aſap please", "a real perſon", "URGENT: café broken",
           "Ridiculous, get me a Manager ASAP", "the agent was useless 😡"]
    return base + generated_messages(3000, seed=5) + named + odd


CORPUS = _corpus()


# --- the reference: match_products before the substring shortlist ---------------------------------------------


class _Mention(NamedTuple):
    name: str
    matched: tuple[str, ...]
    total: int
    at: frozenset[int]
    inside: frozenset[int] = frozenset()


def _reference_products(text: str, catalogue: Sequence[str], threshold: float = 85.0) -> list[str]:
    lowered = text.lower()
    hits = process.extract(lowered, [c.lower() for c in catalogue], scorer=fuzz.partial_token_set_ratio,
                           limit=None, score_cutoff=threshold)
    words = [m.span() for m in re.finditer(r"[a-z0-9]+", lowered)]
    mentions = [m for _, _, index in hits if (m := _reference_mention(catalogue[index], lowered, words)) is not None]
    kept = [m for m in mentions if not any(_reference_outdone(m, other) for other in mentions)]
    kept = [m for m in kept if not _reference_borrowed(m, kept)]
    lines: dict[frozenset[int], list[_Mention]] = {}
    for m in kept:
        lines.setdefault(m.at, []).append(m)
    found = [(sorted(at), same[0].name if len(same) == 1 else " ".join(same[0].matched))
             for at, same in lines.items()]
    return list(dict.fromkeys(name for _, name in sorted(found)))


def _reference_mention(name: str, text: str, words: Sequence[tuple[int, int]]) -> _Mention | None:
    own = [w for w in re.findall(r"[A-Za-z0-9]+", name) if len(w) > 1]
    matched: list[str] = []
    at: set[int] = set()
    inside: set[int] = set()
    for word in own:
        if word.isdigit() and not re.search(rf"(?<!\d){word}(?!\d)", text):
            continue  # a model number is a number of its own, not digits of a longer one
        found = fuzz.partial_ratio_alignment(word.lower(), text)
        if found is not None and found.score >= 85:
            matched.append(word)
            spans = {i for i, (start, end) in enumerate(words) if start < found.dest_end and found.dest_start < end}
            at |= spans
            alone = any(fuzz.ratio(word.lower(), text[a:b]) >= 85 for a, b in words)
            inside |= {i for i in spans if word.isalpha() and not alone
                       and len(word) < 0.75 * (words[i][1] - words[i][0])}
    if not own or len(matched) / len(own) < 0.6:
        return None
    return _Mention(name, tuple(matched), len(own), frozenset(at), frozenset(inside))


def _reference_borrowed(mention: _Mention, kept: Sequence[_Mention]) -> bool:
    taken = {i for other in kept if other is not mention for i in other.at - other.inside}
    borrowed = mention.inside & taken
    return bool(borrowed) and len(mention.at - borrowed) / mention.total < 0.6


def _reference_outdone(mention: _Mention, other: _Mention) -> bool:
    return other is not mention and mention.at <= other.at and (
        len(other.matched) / other.total > len(mention.matched) / mention.total
        or (mention.at < other.at and len(other.matched) > len(mention.matched)))


def test_the_corpus_names_products() -> None:
    """Guards the comparison below against a corpus that names nothing (it would then prove nothing)."""
    named = sum(bool(_reference_products(t, CATALOGUE)) for t in CORPUS)
    assert named > 1500, named


@pytest.mark.parametrize("catalogue", [CATALOGUE, CATALOGUE[:7], ("HDMI Cable 2m", "TV", "x", "USB-C Charger 65W")])
def test_match_products_gives_what_the_whole_catalogue_scored_gives(catalogue: tuple[str, ...]) -> None:
    differ = [(t, new, old) for t in CORPUS
              if (new := products.match_products(t, catalogue)) != (old := _reference_products(t, catalogue))]
    assert not differ, f"{len(differ)} texts differ, e.g. {differ[:3]}"


def test_a_word_found_in_a_text_leaves_one_of_its_pieces_whole_there() -> None:
    """The lemma the shortlist rests on, on random words and edited copies of them inside random text."""
    rng = random.Random(11)
    checked = 0
    for _ in range(20_000):
        word = "".join(rng.choice(_LETTERS[:-1]) for _ in range(rng.randint(2, 14)))
        copy = _typo(word, rng).lower()
        text = "".join(rng.choice(_LETTERS) for _ in range(rng.randint(0, 8))) + copy + " and more words"
        if len(text) > len(word) and fuzz.partial_ratio(word, text) >= 85:
            checked += 1
            assert any(p in text for p in products._pieces(word)), (word, text, products._pieces(word))
    assert checked > 5_000, checked


def test_extract_entities_gives_what_running_every_pattern_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    """The digit and day-word guards skip patterns that cannot match; the reference runs them all."""
    now = datetime(2025, 6, 5, 12, 0, tzinfo=UTC)
    new = [list(entities.extract_entities(t, now=now, catalogue=CATALOGUE).items()) for t in CORPUS]
    assert sum(not entities._DIGIT.search(t) for t in CORPUS) > 2000, "too few texts without a digit to compare"
    assert sum("dates" in dict(found) for found in new) > 50, "too few dates to compare"
    monkeypatch.setattr(entities, "_DIGIT", re.compile(""))  # every text "has a digit"
    monkeypatch.setattr(entities, "may_name_a_day", lambda text: True)
    monkeypatch.setattr(entities, "match_products", _reference_products)
    old = [list(entities.extract_entities(t, now=now, catalogue=CATALOGUE).items()) for t in CORPUS]
    differ = [(t, a, b) for t, a, b in zip(CORPUS, new, old, strict=True) if a != b]
    assert not differ, f"{len(differ)} texts differ, e.g. {differ[:3]}"
    # and triage writes them as json.dumps did
    assert all(_entities_json(dict(found)) == json.dumps(dict(found), ensure_ascii=False, sort_keys=True)
               for found in new)


# --- sentiment ---------------------------------------------------------------------------------------------


def _reference_sentiment(text: str) -> dict[str, object]:
    """analyse_sentiment before its shortcuts: VADER on every text, the cues matched ignoring case."""
    score = float(_VADER.polarity_scores(text)["compound"])
    letters = sum(map(str.isalpha, text))
    shouting = letters >= 12 and sum(map(str.isupper, filter(str.isalpha, text))) / letters > 0.7
    if sentiment._ANGRY.search(text) or shouting:
        score = min(score, -0.6) if score < 0.2 else score - 0.5
    score = max(-1.0, min(1.0, score))
    label = "negative" if score <= -0.3 else "positive" if score >= 0.3 else "neutral"
    urgency = "high" if sentiment._URGENT.search(text) or text.count("!") >= 3 or shouting else "normal"
    return {"score": round(score, 3), "label": label, "urgency": urgency,
            "asks_for_human": bool(sentiment._HUMAN.search(text))}


_VADER = SentimentIntensityAnalyzer()


def test_analyse_sentiment_gives_what_vader_on_every_text_gives() -> None:
    texts = CORPUS + [t.upper() for t in CORPUS[:500]] + [t + "!!!" for t in CORPUS[:500]]
    skipped = [t for t in texts if sentiment._scores_nothing(t)]
    assert 0.05 * len(texts) < len(skipped) < len(texts), f"VADER skipped for {len(skipped)} of {len(texts)} texts"
    assert all(_VADER.polarity_scores(t)["compound"] == 0.0 for t in skipped)
    cues = sum(bool(sentiment._HUMAN.search(t) or sentiment._URGENT.search(t) or sentiment._ANGRY.search(t))
               for t in texts)
    assert cues > 500, f"only {cues} texts with an urgency, anger or ask-for-a-person cue"
    differ = [(t, new, old) for t in texts
              if (new := sentiment.analyse_sentiment(t)) != (old := _reference_sentiment(t))]
    assert not differ, f"{len(differ)} texts differ, e.g. {differ[:3]}"
