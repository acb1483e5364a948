"""A conversation's confidence: a fitted function of its turns' confidences and signals.

A conversation goes right only if every turn does, but its turns are not independent (a misread opening stays
misread, one doubtful turn says more than several sure ones), so the product of the turns' confidences is no
probability of its own. The map is sigmoid(bias + Σ weight · feature) over the features below, fitted on the
blind dev conversations against whether they passed (evals/confidence_fit.py); with the weight 1 on ``product``
and nothing else it is the product itself. The fit offers it only the features that rise with the turns'
confidences (product, lowest, last; ``CANDIDATES`` there), each with a weight of at least 0, and ``settled``: a
conversation passes iff its last turn is right, and one whose last reply asks the customer something has left its
outcome to a message that never came (weight at least 0 too: settled never lowers it); ``turns`` and ``repair``
are still read from a model file that has them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

FEATURES = ("product", "lowest", "last", "settled", "turns", "repair")
EXPLAIN = {
    "product": "logit of the product of the turns' confidences",
    "lowest": "logit of the lowest turn confidence",
    "last": "logit of the last turn's confidence (where the end state was reached)",
    "settled": "the last turn's reply does not end on a question to the customer (the outcome is not left to a reply)",
    "turns": "number of turns after the first",
    "repair": "the most dialogue repair in any turn (the agent repeating itself, the customer correcting)",
}
IDENTITY = {"bias": 0.0, "product": 1.0}
# ``settled`` of a conversation whose last turn's replies are unknown (first-contact records of dev6-dev8 kept no
# replies): the share of the recorded conversations whose last reply did not ask (262 of 322, dev9-dev13), so that
# the fit reads them as neither settled nor open. Every play of today's code knows its replies.
UNKNOWN_SETTLED = 0.8
_EPS = 1e-6


def _logit(p: float) -> float:
    p = min(max(p, _EPS), 1 - _EPS)
    return math.log(p / (1 - p))


def features(confidences: Sequence[float], signals: Sequence[dict[str, float]] | None = None) -> dict[str, float]:
    """The map's features of a conversation from its turns' confidences (and signals, where known; ``settled`` reads
    the last turn's ``asks_customer``, graphs/support/reply_signals.py ``sent_signals``)."""
    last = (signals or [{}])[-1]
    return {"product": _logit(math.prod(confidences)), "lowest": _logit(min(confidences)),
            "last": _logit(confidences[-1]),
            "settled": 1.0 - last["asks_customer"] if "asks_customer" in last else UNKNOWN_SETTLED,
            "turns": float(len(confidences) - 1),
            "repair": max((s.get("repair", 0.0) for s in signals or []), default=0.0)}


def score(conversation: dict[str, float], confidences: Sequence[float],
          signals: Sequence[dict[str, float]] | None = None) -> float | None:
    """The probability that every turn of the conversation went right (None: no turn)."""
    if not confidences:
        return None
    values = features(confidences, signals)
    z = conversation.get("bias", 0.0) + sum(conversation.get(k, 0.0) * values[k] for k in FEATURES)
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def from_yaml(raw: dict[str, float] | None) -> dict[str, float]:
    """The map as written in confidence.yaml; the older form {a, b} (a · logit(Π p) + b) is read as product and
    bias."""
    if not raw:
        return dict(IDENTITY)
    if "a" in raw:
        return {"bias": float(raw.get("b", 0.0)), "product": float(raw["a"])}
    unknown = set(raw) - {"bias", *FEATURES}
    if unknown:
        raise ValueError(f"the conversation map has unknown features {sorted(unknown)}")
    return {k: float(v) for k, v in raw.items()}
