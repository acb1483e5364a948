"""Other languages' support words glossed into English before the English router reads a message."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np

from graphs.reasoners.local.gloss import GLOSS_FILE, fold, gloss
from graphs.reasoners.local.router import IntentModel, mask

# The shipped examples written partly in another language: the only ones the gloss may change.
FOREIGN_EXAMPLES = 3


def test_support_words_of_other_languages_read_as_english() -> None:
    assert gloss("Hallo, wo ist meine Bestellung 40112?") == "hello, where is my order 40112?"
    assert gloss("Quiero cancelar el pedido, la cámara") == "I want cancel el order, la camera"
    assert gloss("le colis n'est jamais arrivé, je voudrais un remboursement") == \
        "le parcel n'est never arrive, I would like un refund"
    assert gloss("mera paisa wapas kab milega?") == "my money back when milega?"
    assert mask("Mon numéro client est C2290, code postal 10025") == \
        "Mon customer number est Cnumber, zip code number"


def test_english_is_left_as_it_is() -> None:
    """No key of the glossary is an English word: every English example the router learns from stays unchanged
    (the few written partly in another language are the only ones glossed)."""
    changed = []
    for name in ("intent_examples.jsonl", "intent_shift.jsonl", "intent_heldout.jsonl"):
        text = resources.files("graphs.reasoners.local").joinpath("data", name).read_text("utf-8")
        changed += [t for line in text.splitlines() if line.strip()
                    if (t := json.loads(line)["text"]) != gloss(t)]
    assert len(changed) == FOREIGN_EXAMPLES, changed
    assert gloss("Plz cancel my order, the telephone cable is a mere detail") == \
        "Plz cancel my order, the telephone cable is a mere detail"


def test_glossary_keys_are_folded_and_lower_case() -> None:
    data = json.loads(resources.files("graphs.reasoners.local").joinpath("data", GLOSS_FILE).read_text("utf-8"))
    for table in ("words", "phrases"):
        assert data[table], table
        assert all(fold(k).lower() == k for k in data[table]), [k for k in data[table] if fold(k).lower() != k]


def test_a_request_after_a_foreign_connective_is_its_own_clause() -> None:
    """"und", "aber", "pero" separate two requests as "and" and "but" do: the second request is found."""
    rows = {"cancel order 40112 and where is order 40113?": [0.6, 0.35, 0.05],
            "cancel order 40112": [0.97, 0.02, 0.01], "where is order 40113?": [0.02, 0.96, 0.02]}

    class Scripted(IntentModel):
        def __init__(self) -> None:
            self.classes = ["cancel_order", "track_order", "out_of_scope"]

        def text_probabilities(self, texts: list[str]) -> np.ndarray:
            return np.array([rows[t] for t in texts])

    intents, _ = Scripted().detect("cancel order 40112 und wo ist order 40113?")
    assert sorted(i.intent for i in intents) == ["cancel_order", "track_order"], intents


def test_words_of_other_languages_are_no_typos() -> None:
    """Typo mending (typos.py) leaves a glossary word alone ("nicht" is no "night"), and a message that uses two
    or more of them is partly in another language: none of its words are mended into English ones."""
    from graphs.reasoners.local.typos import mend_typos

    assert mend_typos("the app says nicht verfügbar, camcel it") == "the app says nicht verfügbar, cancel it"
    french = "Les écouteurs tombent quand je cours, je voudrais un remboursement"
    assert mend_typos(french) == french
    assert gloss(mend_typos("donde esta mi pedido")) == "where is mi order"
