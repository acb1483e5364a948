"""The project's train / calibration / test split and the fast path's training augmentation."""

from __future__ import annotations

import random

from graphs.reasoners.local.augment import augment, load_vocabulary, typo
from graphs.reasoners.local.examples import CALIBRATION, TEST, TRAIN, Example, in_split, load_examples


def test_splits_are_disjoint_cover_everything_and_have_the_intended_sizes() -> None:
    examples = load_examples()
    parts = {name: in_split(examples, name) for name in (TRAIN, CALIBRATION, TEST)}
    texts = {name: {e.text for e in part} for name, part in parts.items()}
    assert not texts[TRAIN] & texts[CALIBRATION] and not texts[TRAIN] & texts[TEST]
    assert not texts[CALIBRATION] & texts[TEST]
    assert sum(len(p) for p in parts.values()) == len(examples)
    shares = {name: len(p) / len(examples) for name, p in parts.items()}
    assert 0.75 < shares[TRAIN] < 0.85 and 0.06 < shares[CALIBRATION] < 0.14 and 0.06 < shares[TEST] < 0.14, shares


def test_an_example_keeps_its_split_when_others_are_added() -> None:
    example = Example("where is my parcel", "track_order")
    before = example.split
    grown = [example, *(Example(f"new example {i}", "track_order") for i in range(50))]
    assert grown[0].split == before == Example("where is my parcel", "other_label").split
    assert {e.split for e in grown} == {TRAIN, CALIBRATION, TEST}


def test_augmentation_is_deterministic_and_per_text() -> None:
    texts = ["cancel my order", "I forgot my password and cannot log in"]
    first = augment(texts, 6, seed=3)
    assert first == augment(texts, 6, seed=3)
    assert first[1] == augment(texts[1:], 6, seed=3)[0], "a text's variants must not depend on the other texts"
    assert first != augment(texts, 6, seed=4)
    for text, variants in zip(texts, first, strict=True):
        assert 1 <= len(variants) <= 6 and text not in variants, variants
        assert len(set(variants)) == len(variants)


def test_augmentation_pads_and_misspells() -> None:
    vocab = load_vocabulary()
    assert vocab.openers and vocab.closers and vocab.neutral_clauses and vocab.id_templates
    variants = augment(["please reset the password of my account"], 40, seed=0)[0]
    assert any(len(v) > len("please reset the password of my account") + 3 for v in variants), variants
    assert any(v.isupper() for v in variants) or any(v.islower() for v in variants)
    rng = random.Random(0)
    slips = {typo("password", rng) for _ in range(30)}
    assert "password" not in slips or len(slips) > 1
    assert all(abs(len(s) - len("password")) <= 1 for s in slips), slips
    assert typo("to", rng) == "to" and typo("10234", rng) == "10234"


def test_shifted_examples_are_never_trained_on_and_split_in_half() -> None:
    shifted = [Example(f"a differently phrased message {i}", "track_order", shifted=True) for i in range(400)]
    splits = [e.split for e in shifted]
    assert TRAIN not in splits
    assert 0.4 < splits.count(CALIBRATION) / len(splits) < 0.6, splits.count(CALIBRATION)
    shipped = load_examples(shifted=True)
    assert all(e.shifted for e in shipped)
    assert not {e.text.lower() for e in shipped} & {e.text.lower() for e in load_examples()}, \
        "a shifted message also in the training examples would be trained on"


def test_augmentation_frames_shorthand_and_runs_words_together() -> None:
    from graphs.reasoners.local.augment import add_frame, run_together, shorthand

    vocab = load_vocabulary()
    rng = random.Random(0)
    text = "Could you please tell me what you charge for express delivery?"
    framed = {add_frame(text, rng, vocab) for _ in range(40)}
    assert len(framed) > 5 and all("tell me what you charge for express delivery" in f for f in framed), framed
    assert any(f.startswith("could you please") or " could you please" in f for f in framed), framed
    short = shorthand(text, random.Random(1), vocab)
    assert short != text and set(short.split()) & {"u", "pls", "4", "wat"}, short
    assert shorthand("your order", random.Random(1), vocab) in {"your order", "ur order"}
    assert shorthand("yourself", random.Random(1), vocab) == "yourself", "only whole words are shortened"
    joined = run_together("where is my parcel", random.Random(2))
    assert len(joined.split()) == 3 and joined.replace(" ", "") == "whereismyparcel", joined
    variants = augment([text], 60, seed=0)[0]
    assert any(any(f.split("{text}")[0].strip() and v.lower().startswith(f.split("{text}")[0].strip().lower())
                   for f in vocab.frames) for v in variants), "the frames take part in the variants"


def test_the_varied_held_out_set_is_never_trained_on_and_covers_every_intent() -> None:
    examples = load_examples()
    held_out = load_examples(heldout=True)
    assert len(held_out) >= 300
    assert {e.intent for e in held_out} == {e.intent for e in examples}
    trained = {e.text.lower() for e in examples} | {e.text.lower() for e in load_examples(shifted=True)}
    assert not [e.text for e in held_out if e.text.lower() in trained]
