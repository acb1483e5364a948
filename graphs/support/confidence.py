"""Confidence: named signals of a turn, combined by a fitted logistic model (``confidence.yaml``).

The signals say how well the agent recognised the request (router probability and margin), how complete and
tool-verified the information is, how complex the case is (intents, systems, steps, money at stake, policy
exceptions), how the customer feels, how the tools fared, how much of the message the understanding accounts for,
dialogue repair, conflicts with the records, and independent readings of the message: its distance from the
router's training examples and their nearest-neighbour vote (familiarity.py), the router's own reading against
the intents acted on, the slot filler's details against what those intents take and, with the LLM reasoner,
whether the chat model and the local router disagree. ``supportgraph fit confidence`` fits the weights on labelled turns
(evals/confidence_fit.py) so that the score is the probability that the agent handled the turn correctly; a
signal the labelled turns never vary (model_disagreement, as they are played by the local reasoner) keeps its
prior weight.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from graphs.reasoners.local.router import OUT_OF_SCOPE, load_thorough_router
from graphs.support import conversation_map
from graphs.support.dialogue import IDENTITY_ENTITIES, reading_decided
from graphs.support.familiarity import load_neighbours
from graphs.support.flows import get_flow, money_at_stake
from graphs.support.handoff import agent_texts, cues_in, customer_repeats
from graphs.support.reply_signals import REPLY_SIGNALS, reply_signals
from graphs.support.state import State
from tools.registry import get_tool

SIGNALS = ("pattern_recognition", "margin", "data_completeness", "complexity", "sentiment", "tool_failures",
           "model_disagreement", "unexplained_content", "unclaimed_entities", "repair", "record_conflict",
           "novelty", "intent_novelty", "neighbour_disagreement", "router_disagreement", "slot_disagreement",
           *REPLY_SIGNALS)
# What each signal measures, for the reviewer and the audit (assess records it with the weight).
EXPLAIN = {
    "pattern_recognition": "how strongly the router recognised the intents (mean probability)",
    "margin": "how far the router's first intent is ahead of the second (1 for a continued flow)",
    "data_completeness": "share of the information the flows need that is present and confirmed by a tool",
    "complexity": "intents, systems, steps, money at stake and held steps of the case",
    "sentiment": "how negative the customer is (0 neutral or better, -1 furious)",
    "tool_failures": "share of the turn's tool calls that failed",
    "model_disagreement": "share of the chat model's intents the local router did not find (LLM reasoner)",
    "unexplained_content": "how much of the message is left over beyond what the recognised requests account for",
    "unclaimed_entities": "share of the order numbers, amounts, emails and dates in the message that no slot took",
    "repair": "dialogue repair: the agent about to repeat itself, the customer repeating or correcting",
    "record_conflict": "share of the turn's look-ups where the records contradict what the customer said",
    "novelty": "how far the message is from everything the router was trained on (1 - cosine of its nearest "
               "examples)",
    "intent_novelty": "how far the message is from the router's training examples of the intent acted on",
    "neighbour_disagreement": "share of the message's nearest training examples that carry another intent than "
                              "the one acted on (a second, nearest-neighbour reading)",
    "router_disagreement": "how much more the router's own reading of the message gives another request than the "
                           "one the dialogue carried on or picked",
    "slot_disagreement": "share of the kinds of detail in the message (order, amount, email, date...) that the "
                         "intent acted on takes nowhere: the slot filler's reading disagrees with the router's",
    "reply_repeat": "the reply says again what the agent said on its previous turn, whatever the customer replied",
    "awaits_confirmation": "the reply offers a write and asks the customer to confirm it before it runs",
}
# The direction each signal moves confidence in by its meaning (+1: more of it, surer). The fit drops a weight of
# the other sign (an artefact of few examples), and the separation report orients each signal's AUC by it.
DIRECTION = {"pattern_recognition": 1, "margin": 1, "data_completeness": 1, "sentiment": 1,
             **{name: -1 for name in SIGNALS if name not in {"pattern_recognition", "margin", "data_completeness",
                                                             "sentiment"}}}
# The signals measured on the message that opens a flow and inherited by the replies that carry it on.
FAMILIARITY = ("novelty", "intent_novelty", "neighbour_disagreement")
# A reply shorter than this is an answer, not a request the router could read on its own.
MIN_REQUEST_WORDS = 4
# The kinds of detail the slot filler finds that a flow may take (products and free text are too common to tell).
DETAIL_KINDS = ("order_ids", "amounts", "emails", "dates", "zip_code", "card_last4", "invoice_ids", "ticket_ids",
                "customer_ids")
# Words a recognised request accounts for; the rest of a message is content the understanding did not explain.
WORDS_PER_INTENT = 18
UNEXPLAINED_SCALE = 80
MODEL_FILE = "confidence.yaml"
_VALUE = re.compile(r"[\w.@+-]+")
_NUMBER = re.compile(r"\d+(\.\d+)?")
# Order totals above this count fully towards the money-at-stake part of complexity.
LARGE_AMOUNT = 1000.0


@dataclass(frozen=True)
class ConfidenceModel:
    """sigmoid(bias + Σ weight·signal); ``fitted`` describes the data and quality of the last fit."""

    bias: float
    weights: dict[str, float]
    fitted: dict[str, Any] = field(default_factory=dict)
    # The confidence is a calibrated probability that the turn is right: below this a wrong answer is at least as
    # likely as a right one, so the agent asks the customer (then hands over) even where a flow's threshold,
    # set before the score was calibrated on conversations written by others, is higher.
    clarify_below: float = 0.5
    # A conversation goes right only if every turn does; its confidence is a map fitted on the dev conversations
    # from its turns' confidences and signals (conversation_map.py; the product of the turns' until fitted).
    conversation: dict[str, float] = field(default_factory=lambda: dict(conversation_map.IDENTITY))

    def score(self, signals: dict[str, float]) -> float:
        z = self.bias + sum(self.weights.get(name, 0.0) * signals.get(name, 0.0) for name in SIGNALS)
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def conversation_score(self, turns: list[float], signals: list[dict[str, float]] | None = None) -> float | None:
        """The probability that every turn of a conversation went right (None: no turn)."""
        return conversation_map.score(self.conversation, turns, signals)

    def to_yaml(self) -> str:
        header = ("# Confidence model: confidence = sigmoid(bias + sum(weight * signal)).\n"
                  "# Written by `supportgraph fit confidence`; edit the labelled data, not these numbers.\n")
        body = {"bias": round(self.bias, 4), "weights": {k: round(self.weights.get(k, 0.0), 4) for k in SIGNALS},
                "clarify_below": self.clarify_below,
                "conversation": {k: round(v, 4) for k, v in self.conversation.items()}, "fitted": self.fitted}
        return header + yaml.safe_dump(body, sort_keys=False)


def weakest(signals: dict[str, float], model: ConfidenceModel, n: int = 2) -> str:
    """The signals that pulled confidence down most, explained: for a reviewer reading a low-confidence hand-off."""
    pulls = sorted(((model.weights.get(k, 0.0) * v, k) for k, v in signals.items()), key=lambda x: x[0])
    named = [f"{k} {signals[k]:.2f} ({EXPLAIN[k]}; weight {model.weights.get(k, 0.0):+.2f})"
             for pull, k in pulls[:n] if pull < 0]
    return "; ".join(named)


def model_path() -> Path:
    return Path(str(resources.files("graphs.support").joinpath(MODEL_FILE)))


@lru_cache(maxsize=1)
def load_model() -> ConfidenceModel:
    raw = yaml.safe_load(model_path().read_text("utf-8"))
    unknown = set(raw["weights"]) - set(SIGNALS)
    if unknown:
        raise ValueError(f"{MODEL_FILE} has weights for unknown signals {sorted(unknown)}")
    return ConfidenceModel(float(raw["bias"]), {k: float(v) for k, v in raw["weights"].items()},
                           dict(raw.get("fitted") or {}), float(raw.get("clarify_below", 1.0)),
                           conversation_map.from_yaml(raw.get("conversation")))


def signals_of(state: State, *, repeats: int = 0, reply: str = "") -> dict[str, float]:
    """The named signals of the turn in ``state`` (each in [0, 1], sentiment in [-1, 0]).

    ``repeats``: how many earlier agent messages the reply drafted for this turn repeats (assess drafts it);
    ``reply``: that draft, read by the reply-side signals (graphs/support/reply_signals.py; none without it).
    """
    understanding = state.understanding
    flow = state.flow
    assert understanding is not None and flow is not None, "signals need an understood turn"
    # An out-of-scope aside beside a request is answered in a sentence: the request's reading is what is weighed.
    intents = [i for i in understanding["intents"] if i["intent"] != OUT_OF_SCOPE] or understanding["intents"]
    pattern = sum(i["confidence"] for i in intents) / len(intents)
    return {
        "pattern_recognition": round(pattern, 4),
        # A reading the dialogue decided (a continuation inherits the flow's intent; a choice picked, a request asked
        # again, a pronoun's record) owes nothing to the router's margin over the bare words.
        "margin": 1.0 if reading_decided(understanding) else round(understanding["margin"], 4),
        "data_completeness": round(_completeness(state), 4),
        "complexity": round(_complexity(state), 4),
        "sentiment": round(min(0.0, state.sentiment["score"]) if state.sentiment else 0.0, 4),
        "tool_failures": round(_tool_failures(state), 4),
        # The LLM's intents that the local router did not find; 0 when the local reasoner decided alone.
        "model_disagreement": round(1.0 - float(understanding.get("agreement", 1.0)), 4)
        if understanding["source"] == "llm" else 0.0,
        "unexplained_content": round(_unexplained(state), 4),
        "unclaimed_entities": round(_unclaimed(state), 4),
        "repair": round(_repair(state, repeats), 4),
        "record_conflict": round(_record_conflict(state), 4),
        **_readings(state),
        **reply_signals(agent_texts(state.messages), reply),
    }


def _readings(state: State) -> dict[str, float]:
    """Signals from independent readings of the latest message: its distance from the router's training examples
    and their nearest-neighbour vote (graphs/support/familiarity.py), the router's own reading against the intents
    the agent acts on, and the slot filler's entities against what those intents take."""
    assert state.understanding is not None
    understanding = state.understanding
    text = _latest_text(state)
    acted = [i["intent"] for i in understanding["intents"]]
    decided = reading_decided(understanding)
    if decided:
        # A reply carrying on the flow ("10234", "yes") is no request, and a reading the dialogue decided (a choice
        # picked, the request asked again, "when's it due?" about the finished request's record) is not the
        # router's reading of the bare words: the doubt about the message whose flow it follows is what stays, so
        # its reading is inherited (plan carries it into the new flow; 0 for a flow opened before readings were
        # kept), and the router's doubt about the few words is no evidence against the reading acted on.
        opening = state.flow.get("reading", {}) if state.flow else {}
        novelty, intent_novelty, neighbours = (opening.get(k, 0.0) for k in FAMILIARITY)
    else:
        novelty, intent_novelty, neighbours = load_neighbours().reading(text, acted) if text else (0.0, 0.0, 0.0)
    return {"novelty": round(novelty, 4), "intent_novelty": round(intent_novelty, 4),
            "neighbour_disagreement": round(neighbours, 4),
            "router_disagreement": 0.0 if decided else round(_router_disagreement(text, acted), 4),
            "slot_disagreement": round(_slot_disagreement(state, acted), 4)}


def _router_disagreement(text: str, acted: list[str]) -> float:
    """How far the router's best other request (not small talk) outweighs the intents acted on, for this message
    alone; 0 for a reply too short to be a request of its own."""
    if len(text.split()) < MIN_REQUEST_WORDS:
        return 0.0
    scores = load_thorough_router().classify([text])[0]
    mine = sum(s.confidence for s in scores if s.intent in acted)
    other = max((s.confidence for s in scores if s.intent not in acted and s.intent != OUT_OF_SCOPE), default=0.0)
    return max(0.0, other - mine)


def _slot_disagreement(state: State, acted: list[str]) -> float:
    """Share of the kinds of detail in the message that no intent acted on (nor the question the agent asked)
    takes: an order number read as a password reset, an amount read as small talk. Amounts the records the turn
    looked at show (the plan's price quoted back, an order's total: "great value at 59.99, put me on basic") are
    the customer citing what the request is about, not a detail no reading took."""
    assert state.understanding is not None
    entities: dict[str, Any] = dict(state.understanding["entities"])
    if entities.get("amounts") and all(a["value"] in _record_numbers(state) for a in entities["amounts"]):
        entities.pop("amounts")
    present = [k for k in DETAIL_KINDS if entities.get(k)]
    if not present:
        return 0.0
    dialogue = state.understanding.get("dialogue")
    taken = set(dialogue["asked"]["expects"]) if dialogue else set()
    for intent in acted:
        spec = get_flow(intent)
        if spec.needs_verification:
            taken |= set(IDENTITY_ENTITIES)
        for slot in spec.slots.values():
            taken |= {slot.entity} if slot.entity else set()
            taken |= set(slot.resolve.match) if slot.resolve else set()
    return sum(k not in taken for k in present) / len(present)


def _record_numbers(state: State) -> set[float]:
    """The numbers in what the turn's steps read or returned from the records."""
    text = " ".join(str(s["result"]) for s in state.plan if s["result"] is not None)
    return {float(m.group(0)) for m in _NUMBER.finditer(text)}


def _latest_text(state: State) -> str:
    return state.customer_text()


def _unexplained(state: State) -> float:
    """Words past what the recognised requests account for, scaled to [0, 1]: a long message read as one
    request has content nobody looked at."""
    assert state.understanding is not None
    words = len(_latest_text(state).split())
    intents = len([i for i in state.understanding["intents"] if i["intent"] != "out_of_scope"])
    return min(1.0, max(0, words - WORDS_PER_INTENT * max(1, intents)) / UNEXPLAINED_SCALE)


def _unclaimed(state: State) -> float:
    """Share of the message's entities (order ids, amounts, emails, dates) no slot or step argument took."""
    assert state.understanding is not None and state.flow is not None
    e = state.understanding["entities"]
    values: list[str | float] = [float(o) for o in e.get("order_ids", [])]
    values += [float(a["value"]) for a in e.get("amounts", [])]
    values += [str(v).lower() for v in (*e.get("emails", []), *e.get("dates", []))]
    if not values:
        return 0.0
    tokens = set(_VALUE.findall((str(state.flow["slots"]) + " ".join(str(s["args"]) for s in state.plan)).lower()))
    taken: set[str | float] = {*tokens, *(float(t) for t in tokens if _NUMBER.fullmatch(t))}
    return sum(v not in taken for v in values) / len(values)


def _repair(state: State, repeats: int) -> float:
    """1 when the agent is about to repeat itself; half for the customer repeating, half for a correction."""
    text = _latest_text(state)
    # A correction needs something to correct: in a thread's first message "again" is what happened to the
    # customer ("charged me again"), not a repair of this dialogue.
    answered = any(m.type == "ai" for m in state.messages)
    corrects = answered and any(c.name == "correction" for c in cues_in(text))
    return min(1.0, float(repeats > 0) + 0.5 * customer_repeats(state.messages) + 0.5 * corrects)


def _record_conflict(state: State) -> float:
    """Look-ups (steps that change nothing) that failed: the order is not on the account, the identity details do
    not match, the invoice does not exist — the records contradict the customer."""
    lookups = [s for s in state.plan if not s["writes"] and s["status"] in {"done", "failed"}]
    return sum(s["status"] == "failed" for s in lookups) / len(lookups) if lookups else 0.0


def _completeness(state: State) -> float:
    """Share of the information the flows need that is present and, where a tool checked it, confirmed."""
    assert state.flow is not None
    needed = 0
    satisfied = 0
    failed_lookups = {s["tool"] for s in state.plan if s["status"] == "failed" and not s["writes"]}
    for intent in state.flow["intents"]:
        spec = get_flow(intent)
        if spec.needs_verification:
            needed += 1
            satisfied += bool(state.customer and state.customer["verified"])
        for name, slot in spec.slots.items():
            if not slot.required:
                continue
            needed += 1
            value_given = state.flow["slots"].get(name) is not None
            # A value the lookup could not find (an order id not on the account) is not complete information.
            checked_by = {s.tool for s in spec.steps if f"$slots.{name}" in str(s.args) and not s.confirm}
            satisfied += value_given and not (checked_by & failed_lookups)
    return 1.0 if needed == 0 else satisfied / needed


def _complexity(state: State) -> float:
    assert state.flow is not None
    intents = max(1, len([i for i in state.flow["intents"] if i != OUT_OF_SCOPE]))  # an aside adds no work
    systems = {get_tool(s["tool"]).system for s in state.plan}
    held = sum(s["status"] == "needs_approval" for s in state.plan)
    amount = 0.0
    for step in state.plan:
        data = (step["result"] or {}).get("data") if step["result"] else None
        if isinstance(data, dict) and isinstance(data.get("total"), int | float) and money_at_stake(step["intent"]):
            amount = max(amount, float(data["total"]))
        if isinstance(step["args"], dict) and isinstance(step["args"].get("amount"), int | float):
            amount = max(amount, float(step["args"]["amount"]))
    return min(1.0, 0.2 * (intents - 1) + 0.05 * max(0, len(systems) - 1) + 0.02 * len(state.plan)
               + 0.3 * min(1.0, amount / LARGE_AMOUNT) + 0.15 * held)


def _tool_failures(state: State) -> float:
    executed = [s for s in state.plan if s["status"] in {"done", "failed"}]
    return sum(s["status"] == "failed" for s in executed) / len(executed) if executed else 0.0
