"""The message as its words are read (graphs/reasoners/local/normalise.py): contractions typed without their
apostrophe, typos, and values kept as written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from graphs.reasoners.local.contractions import restore_apostrophes
from graphs.reasoners.local.entities import extract_entities
from graphs.reasoners.local.normalise import read_form
from graphs.reasoners.local.segments import split_clauses
from graphs.reasoners.local.typos import mend_typos
from graphs.support.dialogue import asked_of
from graphs.support.dialogue_acts import read_act
from graphs.support.nodes.understand import affirmation_of
from graphs.support.state import State

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(("typed", "meant"), [
    ("I dont want it", "I don't want it"),
    ("it doesnt fit and I cant log in", "it doesn't fit and I can't log in"),
    ("Wheres it got to", "Where's it got to"),
    ("theyre fine thats the problem", "they're fine that's the problem"),
    ("ok lets do store credit then Ill send them back", "ok let's do store credit then I'll send them back"),
    ("Id just like to return it", "I'd just like to return it"),
    ("it wont turn on", "it won't turn on"),
    # words of their own stay: an illness, an id, a verb, the possessive
    ("I feel ill", "I feel ill"),
    ("my customer id is C1234", "my customer id is C1234"),
    ("the app lets me in", "the app lets me in"),
    ("its battery is dead", "its battery is dead"),
    # values keep their characters
    ("dont@example.com", "dont@example.com"),
])
def test_contractions_get_their_apostrophe_back(typed: str, meant: str) -> None:
    assert restore_apostrophes(typed) == meant


def test_a_word_inside_an_email_is_never_mended() -> None:
    # "refnud" alone is a typo of "refund"; inside an email it is part of the address
    assert mend_typos("email me at refnud.team@example.com") == "email me at refnud.team@example.com"
    assert mend_typos("I want a refnud") == "I want a refund"


def test_read_form_mends_the_words_and_keeps_the_values() -> None:
    assert read_form("I dont want a refnud for order 12001, email jo.refnud@x.com") == (
        "I don't want a refund for order 12001, email jo.refnud@x.com")


def test_a_correction_cue_with_a_typo_is_read_as_a_correction() -> None:
    flow = {"intents": ["track_order"], "confidences": {"track_order": 0.9}, "slots": {}, "stage": "verifying",
            "asking": ["identity"], "low_confidence_turns": 0}
    asked = asked_of(State(flow=flow))  # type: ignore[arg-type]
    text = "acutally its 60615"
    entities = extract_entities(text, now=NOW, expecting=asked["expects"])
    act = read_act(read_form(text), asked, entities, affirmation_of(read_form(text)), None, ["track_order"])["act"]
    assert act == "correct", read_form(text)
    as_typed = read_act(text, asked, entities, affirmation_of(text), None, ["track_order"])["act"]
    assert as_typed == "answer"  # the misspelt cue alone: read as a plain answer


@pytest.mark.parametrize(("text", "clauses"), [
    # a sentence typed without the full stop before it, capitalised or an inverted question
    ("the keyboard is missing a keycap Rather than faff about with it I'd like to return it",
     ["the keyboard is missing a keycap", "Rather than faff about with it I'd like to return it"]),
    ("the sleeve is too tight it barely zips round the laptop can I send it back order 36022",
     ["the sleeve is too tight it barely zips round the laptop", "can I send it back order 36022"]),
    ("Where is my order 16001 Also I forgot my password", ["Where is my order 16001", "Also I forgot my password"]),
    # names, products and a question's own lead-in are no sentence start
    ("the left cup on my Studio Over-Ear headphones rattles", []),
    ("how long can I keep it before it has to go back", []),
    ("I ordered the Volt laptop from January", []),
])
def test_sentences_typed_without_punctuation_are_split(text: str, clauses: list[str]) -> None:
    assert split_clauses(text) == clauses
