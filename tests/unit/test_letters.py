"""Long messages and letters: the closing and signature are no request, indirect asks and listed questions are."""

from __future__ import annotations

import numpy as np
import pytest

from graphs.reasoners.local.letters import body
from graphs.reasoners.local.router import IntentModel
from graphs.reasoners.local.segments import ask_pieces, asks, speech_act, split_clauses

STORY = "I bought a desk lamp from you last month and the switch has stopped working."


@pytest.mark.parametrize(("text", "expected"), [
    (f"{STORY} Could you replace it? Kind regards, Priya Nair Nair Dental Ltd | 020 7946 0311",
     f"{STORY} Could you replace it?"),
    (f"{STORY} Please refund it. Thanks so much, Jo", f"{STORY} Please refund it."),
    (f"{STORY} Yours sincerely, Harold Finch (retired)", STORY),
    (f"{STORY} Thank you for your help!", STORY),
    # what follows the thanks asks or reports something: it is no signature
    (f"{STORY} Thanks, but can you also refund it", f"{STORY} Thanks, but can you also refund it"),
    (f"{STORY} Thanks. Also, is order 10233 on its way?", f"{STORY} Thanks. Also, is order 10233 on its way?"),
    # "Thanks" opening a message closes nothing; "Best" before a lower-case word is no valediction
    ("Thanks, can you cancel order 10233 for me please", "Thanks, can you cancel order 10233 for me please"),
    (f"{STORY} Best case it is fixed by Friday", f"{STORY} Best case it is fixed by Friday"),
])
def test_a_letters_closing_and_signature_are_cut_and_nothing_that_asks(text: str, expected: str) -> None:
    assert body(text) == expected


@pytest.mark.parametrize("piece", [
    "so I am afraid I must ask you to cancel mine",
    "I'd be grateful if the old card came off my account",
    "$40 back would be nice",
])
def test_indirect_requests_ask(piece: str) -> None:
    assert asks(piece)


@pytest.mark.parametrize(("text", "piece"), [
    # a comma splice before what the customer wants
    ("can you check my account, I want the plus membership", "I want the plus membership"),
])
def test_an_ask_is_cut_from_what_runs_on_after_it(text: str, piece: str) -> None:
    assert piece in ask_pieces(text), ask_pieces(text)


def test_numbered_and_lettered_questions_are_clauses_of_their_own() -> None:
    text = "Two things: (a) is there a discount for ten of them and (b) can it all ship in one box"
    assert split_clauses(text)[-2:] == ["is there a discount for ten of them", "can it all ship in one box"]
    assert split_clauses("Quick ones 1) where is order 10233 2) do you ship to Alaska")[-2:] == [
        "where is order 10233", "do you ship to Alaska"]


class _Scripted(IntentModel):
    """Probabilities per text; a text without a script reads as out of scope."""

    def __init__(self, script: dict[str, list[float]]) -> None:
        self.classes = ["get_refund", "contact_customer_service", "cancel_order", "out_of_scope"]
        self.script = script

    def text_probabilities(self, texts: list[str]) -> np.ndarray:
        return np.array([self.script.get(t, [0.0, 0.0, 0.0, 1.0]) for t in texts], dtype=np.float32)


def test_the_router_reads_a_letter_without_its_signature() -> None:
    request = f"{STORY} Please refund it."
    text = f"{request} Thanks, Sam Okafor Okafor IT Services | 612-555-0134"
    model = _Scripted({request: [0.9, 0.05, 0.0, 0.05], text: [0.4, 0.5, 0.0, 0.1],
                       "Please refund it": [0.95, 0.0, 0.0, 0.05]})
    assert [i.intent for i in model.detect(text)[0]] == ["get_refund"]


def test_a_clause_that_asks_indirectly_adds_its_request() -> None:
    text = "My grandson got him one already, so I must ask you to cancel mine. How much is the fee?"
    story, fee = split_clauses(text)
    model = _Scripted({text: [0.1, 0.0, 0.8, 0.1], story: [0.0, 0.0, 0.93, 0.07],
                       fee: [0.99, 0.0, 0.0, 0.01]})
    assert {i.intent for i in model.detect(text)[0]} == {"cancel_order", "get_refund"}


@pytest.mark.parametrize(("piece", "order"), [
    ("Get me someone who can sort this out TODAY or I'm cancelling", "Get me someone who can sort this out TODAY"),
    ("Refund the duplicate, otherwise I'll go to my bank", "Refund the duplicate"),
    ("I might cancel or I'll just keep it", "I might cancel or I'll just keep it"),  # no order, no threat
])
def test_a_threat_after_an_order_is_no_request_of_its_own(piece: str, order: str) -> None:
    assert speech_act(piece) == order
