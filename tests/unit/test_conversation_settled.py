"""A conversation passes iff its last turn is right (the labelling rule), and one whose last reply asks the customer
something has left its outcome to a message that never came: the conversation map reads it (``settled``,
graphs/support/conversation_map.py) from what the agent sent (graphs/support/reply_signals.py ``sent_signals``)."""

from __future__ import annotations

import random

from evals.confidence_fit import LabelledTurn, fit
from evals.first_contact import with_reply_signals
from graphs.support import conversation_map
from graphs.support.reply_signals import sent_signals
from prompts import render_reply

ANSWER = "Order 10234 was delivered on 2026-01-23."
QUESTION = "Could you tell me the order number?"


def test_a_reply_that_ends_on_a_question_asks_the_customer() -> None:
    assert sent_signals([QUESTION]) == {"asks_customer": 1.0}
    assert sent_signals([ANSWER]) == {"asks_customer": 0.0}
    assert sent_signals([f"{ANSWER}\n\n{render_reply('csat_ask')}"]) == {"asks_customer": 0.0}  # the rating aside
    assert sent_signals([QUESTION, ANSWER]) == {"asks_customer": 0.0}  # what it ends on
    assert sent_signals([]) == {"asks_customer": 0.0}


def test_settled_reads_the_last_turn_and_is_unknown_without_replies() -> None:
    asked = [{"asks_customer": 0.0}, {"asks_customer": 1.0}]
    assert conversation_map.features([0.9, 0.8], asked)["settled"] == 0.0
    assert conversation_map.features([0.9, 0.8], asked[::-1])["settled"] == 1.0
    assert conversation_map.features([0.9, 0.8], [{}, {}])["settled"] == conversation_map.UNKNOWN_SETTLED
    assert conversation_map.features([0.9, 0.8])["settled"] == conversation_map.UNKNOWN_SETTLED


def test_records_get_asks_customer_from_the_replies_they_kept() -> None:
    kept = LabelledTurn("c#0", "x", "x", {}, True, "c/1", True, replies=(QUESTION,))
    lost = LabelledTurn("d#0", "x", "x", {}, True, "d/1", True)
    out = with_reply_signals([kept, lost])
    assert out[0].signals["asks_customer"] == 1.0
    assert "asks_customer" not in out[1].signals


def _conversations(n: int = 160, seed: int = 3) -> list[LabelledTurn]:
    """Conversations of 1-3 turns decided by their last turn: right with probability pattern_recognition, and
    mostly wrong when its reply asks the customer something (a question left unanswered), however sure it was."""
    rng = random.Random(seed)
    turns = []
    for c in range(n):
        patterns = [rng.uniform(0.3, 1.0) for _ in range(rng.randint(1, 3))]
        asks = rng.random() < 0.25
        right = rng.random() < (0.15 if asks else patterns[-1])
        for k, pattern in enumerate(patterns):
            last = k == len(patterns) - 1
            signals = {"pattern_recognition": pattern, "margin": pattern,
                       "asks_customer": float(asks) if last else float(rng.random() < 0.5)}
            turns.append(LabelledTurn(f"w{c % 8}-c{c}#{k}", "x", "x", signals, right if last else True,
                                      f"w{c % 8}-c{c}/1", right, f"evals/scenarios/blind/dev{c % 2 + 3}"))
    return turns


def test_the_fit_lowers_a_conversation_that_ends_on_a_question() -> None:
    """Offered beside the turns' confidences, ``settled`` is chosen with a weight of at least 0: of two
    conversations with the same turn confidences, the one that ends on a question scores lower."""
    model = fit(_conversations(), c=1.0).model
    assert model.conversation.get("settled", 0.0) > 0, model.conversation
    assert all(w >= 0 for k, w in model.conversation.items() if k != "bias"), model.conversation
    open_, settled = ({"asks_customer": 1.0}, {"asks_customer": 0.0})
    low = model.conversation_score([0.9, 0.8], [settled, open_])
    high = model.conversation_score([0.9, 0.8], [open_, settled])
    assert low is not None and high is not None and low < high - 0.1, (low, high)
