"""Scoring a scenario play as tau2-bench does, and the figures over many plays.

A trial passes when every expectation holds: the final business data (refunds, orders, tickets, invoices, disputes,
customers, subscriptions), the outcome, whether and where it escalated, the intents, the forbidden and required
tools and the reply phrases. A failing trial says which expectations failed, one sentence each.

Over all trials: pass^k (tau-bench: per scenario with n trials and c passes, C(c, k) / C(n, k), averaged over
scenarios — the chance that k plays of a scenario all pass), escalation precision and recall (a trial "escalates"
when the thread reached a human reviewer at any point), the resolution rate (trials that ended resolved), and the
confidence calibration error: each turn's confidence is the probability that the turn is right, so a trial's
confidence is the probability that every turn is (a conversation goes right only if every turn does): the product of
its turns' confidences, through the model's fitted conversation map; its label is whether the trial passed, and the
expected calibration error over ten equal-width bins is sum_b (n_b / N) · |pass rate_b − mean confidence_b|. Per
turn, the same figures and the risk–coverage curve of selective answering come from evals/selective.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from math import comb
from typing import Any

import numpy as np

from evals.intents import expected_calibration_error, reliability_bins
from evals.scenario_format import Scenario
from evals.scenario_play import Transcript
from evals.selective import selective_figures, turn_labels
from graphs.support.confidence import load_model
from graphs.support.reply_signals import sent_signals


@dataclass
class TrialResult:
    scenario_id: str
    flow: str
    trial: int
    passed: bool
    reasons: list[str]
    expected_escalation: bool
    escalated: bool
    outcome: str
    confidence: float | None
    latency_ms: float
    tags: list[str] = field(default_factory=list)
    parts: dict[str, bool] = field(default_factory=dict)  # PARTS: whether each part of the score holds
    # Per played turn: its confidence, route, signals and whether it was right (evals/selective.py's rule).
    turns: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _money(value: float) -> str:
    return f"{value:.2f}"


def _new(facts: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [row for row in facts.get(kind, []) if row["new"]]


def _check_order(facts: dict[str, Any], a: dict[str, Any]) -> str | None:
    order = facts["orders"].get(str(a["id"]))
    if order is None:
        return f"order {a['id']} does not exist"
    return None if order["status"] == a["status"] else f"order {a['id']} is {order['status']}, expected {a['status']}"


def _check_refund(facts: dict[str, Any], a: dict[str, Any]) -> str | None:
    key = "order" if "order" in a else "invoice"
    where = f"{key} {a[key]}"
    made = [r for r in _new(facts, "refunds") if r[key] == a[key]]
    if not made:
        return f"no refund was made on {where}"
    if "amount" in a and not any(abs(r["amount"] - a["amount"]) < 0.005 for r in made):
        return (f"the refund on {where} is {', '.join(_money(r['amount']) for r in made)}, "
                f"expected {_money(a['amount'])}")
    if "approved_by" in a and not any(r["approved_by"] == a["approved_by"] for r in made):
        return f"the refund on {where} was not approved by {a['approved_by']}"
    return None


def _check_no_refund(facts: dict[str, Any], a: dict[str, Any]) -> str | None:
    made = [r for r in _new(facts, "refunds") if "order" not in a or r["order"] == a["order"]]
    if not made:
        return None
    where = f" on order {a['order']}" if "order" in a else ""
    listed = ", ".join(f"{_money(r['amount'])} on order {r['order']}" for r in made)
    return f"a refund was made{where} ({listed})"


def _check_ticket(facts: dict[str, Any], a: dict[str, Any]) -> str | None:
    made = _new(facts, "tickets")
    if any(all(t[k] == v for k, v in a.items()) for t in made):
        return None
    want = " ".join(f"{k} {v}" for k, v in a.items())
    got = "; ".join(f"{t['queue']}/{t['priority']}" for t in made) or "none"
    return f"no new ticket{' with ' + want if want else ''} (new tickets: {got})"


def _check_no_ticket(facts: dict[str, Any], _a: dict[str, Any]) -> str | None:
    made = _new(facts, "tickets")
    return f"a ticket was opened ({made[0]['subject']!r}, {made[0]['queue']})" if made else None


def _check_invoice(facts: dict[str, Any], a: dict[str, Any]) -> str | None:
    status = facts["invoices"].get(a["id"])
    if status is None:
        return f"invoice {a['id']} does not exist"
    return None if status == a["status"] else f"invoice {a['id']} is {status}, expected {a['status']}"


def _check_dispute(facts: dict[str, Any], a: dict[str, Any]) -> str | None:
    made = [d for d in _new(facts, "disputes") if d["invoice"] == a["invoice"]]
    if not made:
        return f"no dispute was opened on invoice {a['invoice']}"
    if "status" in a and not any(d["status"] == a["status"] for d in made):
        return f"the dispute on invoice {a['invoice']} is {made[-1]['status']}, expected {a['status']}"
    return None


def _check_no_dispute(facts: dict[str, Any], _a: dict[str, Any]) -> str | None:
    made = _new(facts, "disputes")
    return f"a dispute was opened on invoice {made[0]['invoice']}" if made else None


def _check_fields(kind: str, table: str) -> Callable[[dict[str, Any], dict[str, Any]], str | None]:
    def check(facts: dict[str, Any], a: dict[str, Any]) -> str | None:
        row = facts[table].get(a["id"])
        if row is None:
            return f"{kind} {a['id']} does not exist"
        wrong = [f"{k} is {row[k]!r}, expected {v!r}" for k, v in a.items() if k != "id" and row.get(k) != v]
        return f"{kind} {a['id']}: {'; '.join(wrong)}" if wrong else None
    return check


def _check_orders_of(facts: dict[str, Any], a: dict[str, Any]) -> str | None:
    count = facts["orders_per_customer"].get(a["customer"], 0)
    return None if count == a["count"] else f"{a['customer']} has {count} orders, expected {a['count']}"


DATA_CHECKS: dict[str, Callable[[dict[str, Any], dict[str, Any]], str | None]] = {
    "order": _check_order,
    "refund": _check_refund,
    "no_refund": _check_no_refund,
    "ticket": _check_ticket,
    "no_ticket": _check_no_ticket,
    "invoice": _check_invoice,
    "dispute": _check_dispute,
    "no_dispute": _check_no_dispute,
    "customer": _check_fields("customer", "customers"),
    "subscription": _check_fields("subscription", "subscriptions"),
    "orders_of": _check_orders_of,
}


# The tau2-style parts of the score, each reported on its own (LangSmith feedback keys); a trial passes only
# when every part, and every other expectation, holds.
PARTS = ("business_data", "outcome", "escalation")


def failures_by_part(scenario: Scenario, t: Transcript) -> dict[str, list[str]]:
    """Every expectation of ``scenario`` that ``t`` violates, one sentence each, by part of the score.

    Parts: ``run`` (the play crashed), ``intents``, ``escalation`` (whether, and to which queue), ``outcome``,
    ``business_data``, ``tools`` (forbidden and required), ``replies``. The one source of what passes:
    :func:`expectation_failures` and the part scores both read it.
    """
    e = scenario.expect
    parts: dict[str, list[str]] = {name: [] for name in ("run", "intents", "escalation", "outcome",
                                                          "business_data", "tools", "replies")}
    if t.error:
        parts["run"].append(f"the run failed: {t.error}")
    missing = [i for i in e.get("intents", []) if i not in t.intents]
    if missing:
        parts["intents"].append(f"intent {', '.join(missing)} not recognised "
                                f"(understood: {', '.join(t.intents) or 'none'})")
    escalation = parts["escalation"]
    if e["escalated"] and not t.escalated:
        escalation.append("expected a human review, but the agent handled it alone")
    elif not e["escalated"] and t.escalated:
        escalation.append(f"expected no human review, but it went to the {t.queues[0] if t.queues else '?'} queue "
                          f"({'; '.join(t.escalation_reasons) or 'no reason recorded'})")
    elif e["escalated"] and "queue" in e and not t.queues:
        escalation.append(f"escalated, but no queue was recorded; expected {e['queue']}")
    elif e["escalated"] and "queue" in e and t.queues[0] != e["queue"]:
        escalation.append(f"escalated to the {t.queues[0]} queue, expected {e['queue']}")
    outcomes = e["outcome"] if isinstance(e["outcome"], list) else [e["outcome"]]
    if t.outcome not in outcomes:
        parts["outcome"].append(f"ended {t.outcome}, expected {' or '.join(outcomes)}")
        if t.unreviewed:
            parts["outcome"].append(f"left waiting for a review of {', '.join(t.unreviewed)}, which the scenario's "
                                    "reviewer has no decision for")
    for assertion in e.get("data", []):
        ((kind, args),) = assertion.items()
        problem = DATA_CHECKS[kind](t.facts, args)
        if problem:
            parts["business_data"].append(problem)
    called = [c["tool"] for c in t.tools]
    for tool in e.get("forbidden_tools", []):
        if tool in called:
            parts["tools"].append(f"called the forbidden tool {tool}")
    ran = {c["tool"] for c in t.tools if c["ok"]}
    for tool in e.get("required_tools", []):
        if tool not in ran:
            why = next((c["error"] for c in t.tools if c["tool"] == tool and c["error"]), None)
            parts["tools"].append(f"{tool} did not run" + (f" ({why})" if why else ""))
    last = " ".join(t.last_replies).lower()
    for phrase in e.get("reply_contains", []):
        if phrase.lower() not in last:
            parts["replies"].append(f"the last reply does not say {phrase!r}")
    everything = " ".join(t.replies).lower()
    for phrase in e.get("reply_excludes", []):
        if phrase.lower() in everything:
            parts["replies"].append(f"a reply says {phrase!r}")
    return parts


def expectation_failures(scenario: Scenario, t: Transcript) -> list[str]:
    """Every expectation of ``scenario`` that ``t`` violates, one sentence each (empty: the trial passes)."""
    return [reason for reasons in failures_by_part(scenario, t).values() for reason in reasons]


def score(scenario: Scenario, t: Transcript) -> TrialResult:
    by_part = failures_by_part(scenario, t)
    reasons = [reason for part in by_part.values() for reason in part]
    labels = turn_labels(t.turns, passed=not reasons, expected_intents=scenario.expect.get("intents", []),
                         expected_escalation=bool(scenario.expect["escalated"]))
    # the signals the graph measured, and what the agent sent read for the conversation map (``sent_signals``)
    turns = [{"turn": n, "confidence": turn["confidence"], "route": turn.get("route"), "right": label,
              "signals": {**turn["signals"], **sent_signals(turn.get("replies") or [])} if turn.get("signals") else {},
              "message": turn.get("message") or "",
              "replies": list(turn.get("replies") or []), "intents": list(turn.get("intents") or [])}
             for n, (turn, label) in enumerate(zip(t.turns, labels, strict=True)) if label is not None]
    return TrialResult(scenario_id=scenario.id, flow=scenario.flow, trial=t.trial, passed=not reasons,
                       reasons=reasons, expected_escalation=bool(scenario.expect["escalated"]),
                       escalated=t.escalated, outcome=t.outcome,
                       confidence=conversation_confidence(t.confidences, [turn["signals"] for turn in turns]),
                       latency_ms=t.latency_ms,
                       tags=list(scenario.tags), parts={name: not by_part[name] for name in PARTS}, turns=turns)


def conversation_confidence(turns: list[float], signals: list[dict[str, float]] | None = None) -> float | None:
    """The probability that every turn went right: the confidence model's conversation map of the turns'
    confidences and signals (graphs/support/conversation_map.py); None: no turn."""
    return load_model().conversation_score(list(turns), signals)


def pass_hat_k(passes: dict[str, list[bool]], k: int) -> float:
    """tau-bench's pass^k: mean over scenarios of C(c, k) / C(n, k) (c passes among n ≥ k trials)."""
    if k < 1:
        raise ValueError("k must be at least 1")
    values = []
    for scenario_id, trials in passes.items():
        n, c = len(trials), sum(trials)
        if n < k:
            raise ValueError(f"scenario {scenario_id} has {n} trials, fewer than k={k}")
        values.append(comb(c, k) / comb(n, k))
    return float(np.mean(values)) if values else 0.0


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def _selective(results: list[TrialResult]) -> dict[str, Any]:
    turns = [t for r in results for t in r.turns]
    scored = [r for r in results if r.confidence is not None]
    return selective_figures([t["confidence"] for t in turns], [bool(t["right"]) for t in turns],
                             [float(r.confidence) for r in scored if r.confidence is not None],
                             [r.passed for r in scored],
                             routed_alone=[t["route"] == "respond" for t in turns],
                             turn_signals=[t["signals"] for t in turns])


def summarise(results: list[TrialResult], trials: int) -> dict[str, Any]:
    """The figures of a run: pass^1..pass^trials, escalation precision/recall, resolution, calibration, per flow."""
    by_scenario: dict[str, list[bool]] = {}
    for r in results:
        by_scenario.setdefault(r.scenario_id, []).append(r.passed)
    tp = sum(r.escalated and r.expected_escalation for r in results)
    fp = sum(r.escalated and not r.expected_escalation for r in results)
    fn = sum(not r.escalated and r.expected_escalation for r in results)
    scored = [r for r in results if r.confidence is not None]
    conf = np.array([r.confidence for r in scored], dtype=float)
    label = np.array([r.passed for r in scored], dtype=float)
    flows: dict[str, dict[str, Any]] = {}
    for flow in sorted({r.flow for r in results}):
        mine = [r for r in results if r.flow == flow]
        passes = {sid: v for sid, v in by_scenario.items() if any(r.scenario_id == sid for r in mine)}
        flows[flow] = {"scenarios": len(passes), "trials": len(mine),
                       "pass_rate": sum(r.passed for r in mine) / len(mine),
                       f"pass^{trials}": pass_hat_k(passes, trials)}
    failing = {}
    for sid, trials_passed in by_scenario.items():
        if not all(trials_passed):
            reasons: list[str] = []
            for r in results:
                if r.scenario_id == sid:
                    reasons.extend(x for x in r.reasons if x not in reasons)
            failing[sid] = {"failed_trials": trials_passed.count(False), "trials": len(trials_passed),
                            "reasons": reasons}
    return {
        "scenarios": len(by_scenario),
        "trials_per_scenario": trials,
        "trials": len(results),
        "pass_hat_k": {str(k): pass_hat_k(by_scenario, k) for k in range(1, trials + 1)},
        "escalation": {"precision": _ratio(tp, tp + fp), "recall": _ratio(tp, tp + fn),
                       "true_positives": tp, "false_positives": fp, "false_negatives": fn},
        "resolution_rate": _ratio(sum(r.outcome == "resolved" for r in results), len(results)),
        "calibration": {
            "expected_calibration_error": expected_calibration_error(conf, label) if len(scored) else None,
            "trials": len(scored),
            "bins": [asdict(b) for b in reliability_bins(conf, label)] if len(scored) else [],
        },
        "selective": _selective(results),
        "per_flow": flows,
        "failing": failing,
    }
