"""The intent router: test-split accuracy, multi-intent detection, calibrated probabilities."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from graphs.reasoners.local.embedder import embed
from graphs.reasoners.local.examples import TEST, in_split, load_examples
from graphs.reasoners.local.router import load_router, mask

MIN_TEST_ACCURACY = 0.88
MAX_TEST_ECE = 0.08


def test_test_split_accuracy() -> None:
    held = in_split(load_examples(), TEST)
    assert len(held) >= 100, f"only {len(held)} test examples"
    router = load_router()
    ranked = router.classify([e.text for e in held])
    correct = sum(r[0].intent == e.intent for r, e in zip(ranked, held, strict=True))
    accuracy = correct / len(held)
    print(f"\nintent router test-split accuracy: {accuracy:.3f} ({correct}/{len(held)})")
    assert accuracy >= MIN_TEST_ACCURACY, f"test-split accuracy {accuracy:.3f} < {MIN_TEST_ACCURACY}"


def test_two_intents_in_one_message() -> None:
    intents, margin = load_router().detect("cancel my order, and my password doesn't work either")
    names = [i.intent for i in intents]
    assert sorted(names) == ["cancel_order", "recover_password"], f"detected {intents}"
    assert 0.0 <= margin <= 1.0, margin
    single, _ = load_router().detect("where is my order?")
    assert [i.intent for i in single] == ["track_order"], single


def test_probabilities_sum_to_one() -> None:
    router = load_router()
    texts = ["where is my order?", "I want my money back", "asdf qwerty", "cancel my order and reset my password"]
    for probs in (router.full.probabilities(embed(texts)), router.fast.text_probabilities(texts),
                  router.text_probabilities(texts)):
        assert probs.shape == (len(texts), len(router.classes)), probs.shape
        assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5), probs.sum(axis=1)
        assert (probs >= 0).all(), "negative probability"
    for scores in router.classify(texts):
        assert abs(sum(s.confidence for s in scores) - 1.0) < 1e-5, scores
        assert [s.confidence for s in scores] == sorted((s.confidence for s in scores), reverse=True)
    assert router.fast.temperature > 0 and router.full.temperature > 0


def test_test_split_calibration_and_report_fields(tmp_path: Path) -> None:
    from evals.intents import evaluate, save_reliability_diagram, test_examples

    report = evaluate(load_router(), test_examples(), dataset="project test")
    print(f"\ntest-split accuracy {report.accuracy:.3f} · macro-F1 {report.macro_f1:.3f} · "
          f"ECE {report.expected_calibration_error:.3f}")
    assert report.expected_calibration_error <= MAX_TEST_ECE, report.expected_calibration_error
    data = report.to_json()
    for key in ("dataset", "n", "accuracy", "macro_f1", "expected_calibration_error", "per_intent_recall",
                "per_intent_support", "confusions", "reliability"):
        assert key in data, key
    assert sum(b["count"] for b in data["reliability"]) == report.n, data["reliability"]
    assert set(data["per_intent_recall"]) == set(data["per_intent_support"])
    assert all(0.0 <= r <= 1.0 for r in data["per_intent_recall"].values())
    assert all(g != p and n > 0 for g, p, n in data["confusions"])
    json.dumps(data)
    png = save_reliability_diagram(report, tmp_path / "reliability.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_masking_removes_ids_and_emails() -> None:
    assert mask("order 10234 for sam@example.com cost $59.99") == "order number for email address cost $number"
    router = load_router()
    a, b = router.classify(["where is order 10234", "where is order 18871"])
    assert [s.confidence for s in a] == [s.confidence for s in b], "different ids must not change the answer"


def test_detect_many_matches_detect() -> None:
    router = load_router()
    texts = ["cancel my order, and my password doesn't work either", "where is my order?", "asdf"]
    many = router.detect_many(texts)
    for text, (intents, margin) in zip(texts, many, strict=True):
        single, single_margin = router.detect(text)
        assert [i.intent for i in intents] == [i.intent for i in single], text
        assert abs(margin - single_margin) < 1e-5, text


def test_the_minilm_heads_fingerprint_follows_the_int8_graphs_recipe(monkeypatch: pytest.MonkeyPatch) -> None:
    """A head trained on one graph's vectors is not reused with another's (float32, another quantisation, another
    ONNX Runtime); the fast head, which does not read MiniLM's vectors, keeps its key."""
    import onnxruntime

    from foundation import minilm_onnx
    from graphs.reasoners.local.router import STATIC, fingerprint

    examples = load_examples()[:50]
    minilm, static = fingerprint(examples), fingerprint(examples, STATIC)
    monkeypatch.setattr(minilm_onnx, "INT8_RECIPE", "another-quantisation")
    assert fingerprint(examples) != minilm and fingerprint(examples, STATIC) == static
    monkeypatch.undo()
    monkeypatch.setattr(onnxruntime, "__version__", "0.0.0")
    assert fingerprint(examples) != minilm


def test_a_main_intent_named_alone_by_a_clause_keeps_that_clauses_confidence() -> None:
    """Two requests in one message split the whole message's probability; the main one's confidence is then the
    best of its clause's, as the secondary one's is (else a clear request looks unsure and waits for a human)."""
    from graphs.reasoners.local.router import IntentModel

    rows = {"cancel order 16002, and unsubscribe me from the newsletter": [0.35, 0.6, 0.05],
            "cancel order 16002": [0.97, 0.02, 0.01], "unsubscribe me from the newsletter": [0.01, 0.98, 0.01],
            "I ordered a speaker. unsubscribe me from the newsletter": [0.1, 0.6, 0.3],
            "I ordered a speaker": [0.2, 0.1, 0.7]}

    class Scripted(IntentModel):
        def __init__(self) -> None:
            self.classes = ["cancel_order", "newsletter_subscription", "out_of_scope"]

        def text_probabilities(self, texts: list[str]) -> np.ndarray:
            return np.array([rows[t] for t in texts])

    intents, margin = Scripted().detect("cancel order 16002, and unsubscribe me from the newsletter")
    assert [(i.intent, round(i.confidence, 2)) for i in intents] == [("newsletter_subscription", 0.98),
                                                                     ("cancel_order", 0.97)], intents
    assert margin == pytest.approx(0.25)
    single, _ = Scripted().detect("I ordered a speaker. unsubscribe me from the newsletter")
    assert [(i.intent, round(i.confidence, 2)) for i in single] == [("newsletter_subscription", 0.98)], \
        "one request: the piece that asks for it is the better evidence"


def test_the_piece_that_asks_names_the_main_intent_over_the_story_around_it() -> None:
    """A message whose backstory or pasted text outweighs its request ("the laptop will not power on. I want a
    refund") is read by the piece that asks; a piece that asks less surely than the whole message names its own
    intent, or one the whole message gives no weight, changes nothing."""
    from graphs.reasoners.local.router import IntentModel

    rows = {"Laptop 14 will not power on. I went through the guide twice. I want a full refund.": [0.3, 0.6, 0.1],
            "Laptop 14 will not power on": [0.02, 0.95, 0.03], "I went through the guide twice": [0.2, 0.5, 0.3],
            "I want a full refund.": [0.97, 0.02, 0.01],
            "The laptop is broken. Please help.": [0.1, 0.85, 0.05], "Please help": [0.6, 0.3, 0.1],
            "Order: 1234\nStatus: shipped\nCancel it.": [0.005, 0.7, 0.295], "Order: 1234": [0.1, 0.2, 0.7],
            "Status: shipped": [0.1, 0.6, 0.3], "Cancel it": [0.9, 0.05, 0.05]}

    class Scripted(IntentModel):
        def __init__(self) -> None:
            self.classes = ["get_refund", "technical_issue", "out_of_scope"]

        def text_probabilities(self, texts: list[str]) -> np.ndarray:
            return np.array([rows[t] for t in texts])

    story = "Laptop 14 will not power on. I went through the guide twice. I want a full refund."
    intents, margin = Scripted().detect(story)
    assert [(i.intent, round(i.confidence, 2)) for i in intents] == [("get_refund", 0.97), ("technical_issue", 0.95)]
    assert margin == pytest.approx(0.95)
    unsure, _ = Scripted().detect("The laptop is broken. Please help.")
    assert [i.intent for i in unsure] == ["technical_issue"], "an ask less sure than the whole changes nothing"
    pasted, _ = Scripted().detect("Order: 1234\nStatus: shipped\nCancel it.")
    assert [i.intent for i in pasted] == ["technical_issue"], "an intent the whole message gives no weight stays out"


def test_a_second_request_read_less_surely_counts_when_the_whole_message_agrees() -> None:
    """A clause that asks, read below the secondary threshold, adds its intent when the whole message gives that
    intent a real share too (``CORROBORATED``); without that share, or when the clause only tells a story, not."""
    from graphs.reasoners.local.router import IntentModel

    rows = {"Please unsubscribe me. And where is the cable I paid for?": [0.5, 0.4, 0.1],
            "Please unsubscribe me": [0.98, 0.01, 0.01], "And where is the cable I paid for?": [0.3, 0.5, 0.2],
            "Please unsubscribe me. And where did I put the cable?": [0.85, 0.05, 0.1],
            "And where did I put the cable?": [0.3, 0.5, 0.2],
            "Please unsubscribe me. The cable I paid for came today.": [0.5, 0.4, 0.1],
            "The cable I paid for came today.": [0.3, 0.5, 0.2], "The cable I paid for came today": [0.3, 0.5, 0.2]}

    class Scripted(IntentModel):
        def __init__(self) -> None:
            self.classes = ["newsletter_subscription", "track_order", "out_of_scope"]

        def text_probabilities(self, texts: list[str]) -> np.ndarray:
            return np.array([rows[t] for t in texts])

    both, _ = Scripted().detect("Please unsubscribe me. And where is the cable I paid for?")
    assert [i.intent for i in both] == ["newsletter_subscription", "track_order"], both
    alone, _ = Scripted().detect("Please unsubscribe me. And where did I put the cable?")
    assert [i.intent for i in alone] == ["newsletter_subscription"], "the whole message gives it no share"
    story, _ = Scripted().detect("Please unsubscribe me. The cable I paid for came today.")
    assert [i.intent for i in story] == ["newsletter_subscription"], "a clause that only tells adds nothing"


def test_a_clause_that_only_tells_asks_for_no_change() -> None:
    """A clause that reports ("the lamp from 16005 came broken") may add a problem as a second request, never a
    change to make (``ASKED_ONLY``); the same clause asking for it ("please change order 16005") does."""
    from graphs.reasoners.local.router import IntentModel

    rows = {"The lamp from 16005 came broken. Refund me now.": [0.75, 0.15, 0.1],
            "The lamp from 16005 came broken": [0.05, 0.7, 0.25], "Refund me now": [0.97, 0.02, 0.01],
            "Refund me now. Please change order 16005 too.": [0.75, 0.15, 0.1],
            "Please change order 16005 too": [0.05, 0.7, 0.25]}

    class Scripted(IntentModel):
        def __init__(self) -> None:
            self.classes = ["get_refund", "change_order", "technical_issue"]

        def text_probabilities(self, texts: list[str]) -> np.ndarray:
            return np.array([rows[t] if t in rows else rows[t.rstrip(".")] for t in texts])

    told, _ = Scripted().detect("The lamp from 16005 came broken. Refund me now.")
    assert [i.intent for i in told] == ["get_refund"], told
    asked, _ = Scripted().detect("Refund me now. Please change order 16005 too.")
    assert [i.intent for i in asked] == ["get_refund", "change_order"], asked


class _Scripted:
    """A scripted intent model: each text's probabilities from ``rows`` (without its closing full stop too), else
    out of scope."""

    @staticmethod
    def model(classes: list[str], rows: dict[str, list[float]]) -> object:
        from graphs.reasoners.local.router import IntentModel

        default = [0.0] * (len(classes) - 1) + [1.0]

        class Scripted(IntentModel):
            def __init__(self) -> None:
                self.classes = classes

            def text_probabilities(self, texts: list[str]) -> np.ndarray:
                return np.array([rows.get(t, rows.get(t.rstrip("."), default)) for t in texts])

        return Scripted()


def test_of_several_pieces_that_ask_the_one_the_whole_message_backs_is_the_main_request() -> None:
    """A piece that points back at the request ("please action it now") reads as anything on its own; when it and
    the piece that names the request are both surer than the whole message, the whole message's weight decides."""
    text = "Hello from the finance team. Refund order 1234 to the card. Please action it now."
    model = _Scripted.model(["get_refund", "cancel_order", "billing_dispute", "out_of_scope"], {
        text: [0.3, 0.02, 0.5, 0.18],
        "Refund order 1234 to the card": [0.75, 0.05, 0.1, 0.1],
        "Please action it now": [0.05, 0.85, 0.05, 0.05],
    })
    intents, _ = model.detect(text)  # type: ignore[attr-defined]
    assert intents[0].intent == "get_refund", intents


def test_a_change_asked_for_very_surely_needs_no_share_of_the_whole_message() -> None:
    """The whole message's reading goes to one request and gives a second, asked for in a sentence of its own, next
    to nothing; a change asked for that surely counts all the same (``ASKED_ALONE``). A question asked that surely
    still needs the whole message's share (it often elaborates on the main request), as does a change asked for
    less surely."""
    classes = ["edit_account", "newsletter_subscription", "delivery_period", "out_of_scope"]
    change = "how can I fix the spelling of my first name? And kindly stop sending me promo mails."
    question = "how can I fix the spelling of my first name? And how long does that usually take?"
    unsure = "how can I fix the spelling of my first name? And kindly stop the mails, maybe."
    model = _Scripted.model(classes, {
        change: [0.9995, 0.0003, 0.0001, 0.0001],
        "how can I fix the spelling of my first name?": [0.99, 0.003, 0.003, 0.004],
        "And kindly stop sending me promo mails": [0.01, 0.98, 0.0, 0.01],
        question: [0.9995, 0.0001, 0.0003, 0.0001],
        "And how long does that usually take?": [0.01, 0.0, 0.98, 0.01],
        unsure: [0.9995, 0.0003, 0.0001, 0.0001],
        "And kindly stop the mails, maybe": [0.1, 0.85, 0.0, 0.05],
    })
    asked, _ = model.detect(change)  # type: ignore[attr-defined]
    assert [i.intent for i in asked] == ["edit_account", "newsletter_subscription"], asked
    elaborated, _ = model.detect(question)  # type: ignore[attr-defined]
    assert [i.intent for i in elaborated] == ["edit_account"], elaborated
    hesitant, _ = model.detect(unsure)  # type: ignore[attr-defined]
    assert [i.intent for i in hesitant] == ["edit_account"], hesitant


def test_a_conjunct_governed_by_the_want_before_it_asks_too() -> None:
    """"we'd like the renewals halted and the login shut down": the second conjunct has no verb of its own and asks
    through "we'd like", so the change it names counts (and, read surer than the whole message, is the main request);
    a conjunct with a verb of its own ("and the login was shut down") only tells."""
    classes = ["delete_account", "cancel_order", "billing_dispute", "out_of_scope"]
    gapped = "Dad's gone now. He kept being billed. we'd like the renewals halted and the login shut down."
    told = "Dad's gone now. He kept being billed. we'd like the renewals halted and the login was shut down."
    model = _Scripted.model(classes, {
        gapped: [0.6, 0.01, 0.3, 0.09],
        told: [0.6, 0.01, 0.3, 0.09],
        "He kept being billed": [0.02, 0.03, 0.85, 0.1],
        "we'd like the renewals halted": [0.05, 0.84, 0.06, 0.05],
        "the login shut down": [0.97, 0.01, 0.01, 0.01],
        "the login was shut down": [0.97, 0.01, 0.01, 0.01],
    })
    asked, _ = model.detect(gapped)  # type: ignore[attr-defined]
    assert asked[0].intent == "delete_account" and asked[0].confidence == pytest.approx(0.97), asked
    assert "delete_account" in [i.intent for i in asked]
    only_told, _ = model.detect(told)  # type: ignore[attr-defined]
    assert "delete_account" not in [i.intent for i in only_told][1:], only_told
    assert only_told[0].intent != "delete_account" or only_told[0].confidence < 0.9, only_told
