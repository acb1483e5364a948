"""A second, out-of-scope ask in a message (issue: mixed messages) gets its own short answer while the request
beside it is still done: the router keeps it as an aside when a piece that asks reads it surely, the catalogue tells
a product the shop does not sell, and the aside leaves nothing open for the customer to answer."""

from __future__ import annotations

import numpy as np

from graphs.reasoners.local.router import OUT_OF_SCOPE_ASIDE, IntentModel
from graphs.support.flows import get_flow
from graphs.support.shop_range import unsold_asked, with_unsold_asked
from graphs.support.state import IntentGuess
from prompts import render_reply

CLASSES = ["track_order", "delivery_options", "out_of_scope"]
CATALOGUE = ("Volt Laptop 14", "Nimbus Smart Speaker", "Lumen 4K TV 43in")


class _Scripted(IntentModel):
    def __init__(self, rows: dict[str, list[float]]) -> None:
        self.classes = CLASSES
        self.rows = rows

    def text_probabilities(self, texts: list[str]) -> np.ndarray:
        return np.array([self.rows.get(t, self.rows.get(t.rstrip("."), [0.34, 0.33, 0.33])) for t in texts])


def test_a_piece_that_asks_what_the_shop_does_not_do_is_kept_as_an_aside() -> None:
    asked = "Where is order 12345? Also, do you run cookery classes at the shop?"
    told = "Where is order 12345? I am off to a dinner for two tonight."
    model = _Scripted({
        asked: [0.95, 0.01, 0.04], "Where is order 12345?": [0.97, 0.01, 0.02],
        "Also, do you run cookery classes at the shop?": [0.01, 0.01, 0.98],
        "do you run cookery classes at the shop?": [0.01, 0.01, 0.98],
        told: [0.95, 0.01, 0.04], "I am off to a dinner for two tonight": [0.01, 0.01, 0.98],
    })
    intents, _ = model.detect(asked)
    assert [i.intent for i in intents] == ["track_order", "out_of_scope"], intents
    story, _ = model.detect(told)
    assert [i.intent for i in story] == ["track_order"], "a clause that only tells is no aside"


def test_a_question_that_leans_on_the_message_is_no_aside() -> None:
    """"what do I do?", "is that normal?": read out of scope alone, they ask about the request beside them."""
    for question in ("What do I do?", "Is that normal for these?", "Are you serious?"):
        text = f"My order 12345 is stuck. {question}"
        model = _Scripted({text: [0.95, 0.01, 0.04], "My order 12345 is stuck": [0.97, 0.01, 0.02],
                           question: [0.0, 0.01, 0.99]})
        intents, _ = model.detect(text)
        assert [i.intent for i in intents] == ["track_order"], (question, intents)


def test_an_aside_read_unsurely_is_not_kept() -> None:
    text = "Where is order 12345? Also, do you run cookery classes at the shop?"
    unsure = OUT_OF_SCOPE_ASIDE - 0.1
    model = _Scripted({
        text: [0.95, 0.01, 0.04], "Where is order 12345?": [0.97, 0.01, 0.02],
        "Also, do you run cookery classes at the shop?": [0.0, 1.0 - unsure, unsure],
    })
    intents, _ = model.detect(text)
    assert "out_of_scope" not in [i.intent for i in intents], intents


def test_a_question_about_something_the_catalogue_lacks_is_out_of_scope() -> None:
    assert unsold_asked("Also, do you carry garden furniture at all?", CATALOGUE) == [
        "do you carry garden furniture at all"]
    assert unsold_asked("do you sell laptops?", CATALOGUE) == [], "a word of a product's name may be ours"
    assert unsold_asked("does your store stock the Volt Laptop 14?", CATALOGUE) == []
    assert unsold_asked("do you carry out repairs?", CATALOGUE) == [], "no thing for sale"


def test_the_routers_reading_of_the_unsold_question_is_dropped_and_the_request_kept() -> None:
    text = "Where is order 12345? Also do you carry garden furniture?"
    model = _Scripted({
        "do you carry garden furniture": [0.01, 0.97, 0.02],
        "Where is order 12345? Also": [0.97, 0.01, 0.02],
        "Where is order 12345?": [0.97, 0.01, 0.02],
    })
    guesses: list[IntentGuess] = [{"intent": "track_order", "confidence": 0.95},
                                  {"intent": "delivery_options", "confidence": 0.9}]
    intents = with_unsold_asked(guesses, text, CATALOGUE, model, {})
    assert [i["intent"] for i in intents] == ["track_order", "out_of_scope"], intents
    sold = "Where is order 12345? Also do you carry the Nimbus Smart Speaker?"
    assert with_unsold_asked(guesses, sold, CATALOGUE, model, {}) == guesses


def test_an_aside_beside_another_request_leaves_nothing_open() -> None:
    spec = get_flow("out_of_scope")
    assert spec.leaves_open({"kind": "other"}, ["out_of_scope"])
    assert not spec.leaves_open({"kind": "other"}, ["track_order", "out_of_scope"])
    alone = render_reply("out_of_scope", flow={"intents": ["out_of_scope"], "slots": {"kind": "other"}}, customer={},
                         understanding={})
    aside = render_reply("out_of_scope", flow={"intents": ["track_order", "out_of_scope"], "slots": {"kind": "other"}},
                         customer={}, understanding={})
    assert "Is there something" in alone
    assert "other question" in aside and "Is there something" not in aside
    later = render_reply("out_of_scope", flow={"intents": ["track_order", "out_of_scope"], "slots": {}}, customer={},
                         understanding={"continues_flow": True})
    assert not later.strip(), "the aside is answered once, on the turn it was asked"
