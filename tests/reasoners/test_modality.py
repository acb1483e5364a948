"""The mood of the asking piece: a conditional's condition names an action the customer weighs, its main clause
the speech act; and the MiniLM head averaged over its C grid (stable retrains)."""

from __future__ import annotations

import numpy as np
import pytest

from graphs.reasoners.local.examples import Example
from graphs.reasoners.local.router import IntentModel
from graphs.reasoners.local.segments import ask_pieces, asks, asks_in, contemplated, speech_act


@pytest.mark.parametrize(("text", "weighed"), [
    ("If I return it, how long until the money is back?", ["I return it"]),
    ("what if I sent the speaker back, would you still take it?", ["I sent the speaker back"]),
    ("Thinking about cancelling order 5512 to be honest. Is there a fee?", ["cancelling order 5512 to be honest"]),
    ("how long does the refund take if I send the blender back?", ["I send the blender back"]),
    ("If I return something after 30 days, do I still get a refund?", []),  # indefinite: policy only
    ("Hypothetically, if I cancelled my order, would I pay a fee?", []),  # the customer says: only asking
    ("If it arrives broken, what do I do?", []),  # the customer is not the condition's subject
    ("I'm worried that if I touch it the whole order gets cancelled.", []),  # a fear, no question
])
def test_the_condition_of_a_question_names_the_action_the_customer_weighs(text: str, weighed: list[str]) -> None:
    assert contemplated(text) == weighed


def test_a_conditional_order_asks_by_its_main_clause() -> None:
    """"If not, just put it back on my card" orders something: it asks, read without its condition."""
    assert speech_act("If not, just put it back on my card.") == "just put it back on my card"
    assert asks("If not, just put it back on my card.")
    assert not asks("If not, that is a shame.")
    assert ask_pieces("Store credit is fine. If not, refund the card.") == ["refund the card"]


_ROWS = {
    "If I cancel order 4410, is there a fee?": [0.05, 0.9, 0.05],
    "I cancel order 4410": [0.97, 0.02, 0.01],
    "If I cancel an order, is there a fee?": [0.05, 0.9, 0.05],
    "If I cancel order 4410, is there a fee? Something only the story names.": [0.0, 0.9, 0.1],
    "If I cancel order 4410, is there a fee": [0.05, 0.9, 0.05],
    "Something only the story names.": [0.2, 0.3, 0.5],
}


class _Scripted(IntentModel):
    def __init__(self) -> None:
        self.classes = ["cancel_order", "check_cancellation_fee", "out_of_scope"]

    def text_probabilities(self, texts: list[str]) -> np.ndarray:
        return np.array([_ROWS[t] for t in texts])


def test_an_action_weighed_in_a_policy_question_is_a_second_request_never_the_main_one() -> None:
    """"If I cancel order N, is there a fee?" asks about the fee (main) and weighs cancelling N (second), even though
    a cancellation must be asked for (``ASKED_ONLY``); about "an order" it is a policy question only; an action the
    whole message gives no weight stays out."""
    intents, _ = _Scripted().detect("If I cancel order 4410, is there a fee?")
    assert [(i.intent, round(i.confidence, 2)) for i in intents] == [("check_cancellation_fee", 0.9),
                                                                     ("cancel_order", 0.97)]
    general, _ = _Scripted().detect("If I cancel an order, is there a fee?")
    assert [i.intent for i in general] == ["check_cancellation_fee"]
    unsupported, _ = _Scripted().detect("If I cancel order 4410, is there a fee? Something only the story names.")
    assert [i.intent for i in unsupported] == ["check_cancellation_fee"]


def test_the_minilm_head_is_the_mean_of_its_fits_over_the_c_grid() -> None:
    """One linear model whose weights are the mean of the fits at each C (so no C is chosen, and no flip between
    neighbouring ones when examples change)."""
    from sklearn.linear_model import LogisticRegression

    from graphs.reasoners.local.training import train_router

    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 8))
    texts = [f"text {chr(97 + i % 26)}{chr(97 + i // 26)}" for i in range(90)]
    vectors = {t: centres[i % 3] + rng.normal(scale=0.8, size=8) for i, t in enumerate(texts)}
    examples = [Example(t, ["a", "b", "c"][i % 3]) for i, t in enumerate(texts)]

    def embedder(masked: list[str]) -> np.ndarray:
        return np.array([vectors[t] for t in masked])

    grid = (0.5, 5.0)
    router = train_router(examples, embedder=embedder, grid=grid)
    train = [e for e in examples if e.split == "train"]
    x, y = embedder([e.text for e in train]), [e.intent for e in train]
    fits = [LogisticRegression(C=c, max_iter=3000).fit(x, y) for c in grid]
    assert np.allclose(router.coef, np.mean([f.coef_ for f in fits], axis=0), atol=1e-5)
    assert np.allclose(router.intercept, np.mean([f.intercept_ for f in fits], axis=0), atol=1e-5)
    assert router.temperature > 0


def test_a_request_set_off_by_a_dash_asks() -> None:
    # the story, then a dash, then the request: the clause asks (a second request like cancel_order is added)
    clause = "Second, my husband has an order 77120 - if it hasn't shipped, cancel it for him"
    assert not asks(clause)
    assert asks_in(clause)
    assert not asks_in("my order 77120 - the one with the blue case - arrived yesterday")


@pytest.mark.parametrize("piece", ["only remove the toaster", "frankly just trade it in for the blue one",
                                   "ok then cancel the second one", "tbh, just refund it"])
def test_an_imperative_after_a_softening_word_or_two_asks(piece: str) -> None:
    assert asks(piece)


def test_an_imperative_deeper_in_a_statement_is_no_order() -> None:
    assert not asks("I bought it last week and honestly the colour is nicer than I thought")
