"""Scoring a scenario play: passing and failing trials with their reasons, pass^k and the run's figures."""

from __future__ import annotations

from typing import Any

import pytest

from evals.scenario_play import choose_decisions, resume_payload
from evals.scenario_scoring import TrialResult, pass_hat_k, score, summarise
from graphs.support.confidence import ConfidenceModel, load_model
from tests.evals.helpers import facts, scenario, transcript


def test_a_play_that_meets_every_expectation_passes() -> None:
    result = score(scenario(), transcript())
    assert result.passed, result.reasons
    assert result.reasons == []
    # the probability that every turn went right: the shipped model's conversation map of the turns
    signals = [t["signals"] for t in result.turns]
    assert result.confidence == pytest.approx(load_model().conversation_score([0.93, 0.88], signals))
    identity = ConfidenceModel(0.0, {})  # unfitted: the product of the turns' confidences
    assert identity.conversation_score([0.93, 0.88]) == pytest.approx(0.93 * 0.88)


def test_wrong_refund_amount_fails_with_the_amounts() -> None:
    play = transcript(facts=facts(refunds=[{"order": 19001, "invoice": None, "amount": 5000.0,
                                            "approved_by": None, "new": True}]))
    result = score(scenario(), play)
    assert not result.passed
    assert result.reasons == ["the refund on order 19001 is 5000.00, expected 59.99"]


def test_a_refund_from_before_the_conversation_does_not_count() -> None:
    play = transcript(facts=facts(refunds=[{"order": 19001, "invoice": None, "amount": 59.99,
                                            "approved_by": None, "new": False}]))
    assert score(scenario(), play).reasons == ["no refund was made on order 19001"]


def test_every_violated_expectation_is_a_reason() -> None:
    play = transcript(
        escalated=True, queues=["billing"], escalation_reasons=["a refund of $59.99 is above the limit"],
        outcome="escalated", intents=["track_order"], facts=facts(refunds=[], order_status="cancelled"),
        tools=[{"tool": "cancel_order", "ok": True, "error": None},
               {"tool": "refund_order", "ok": False, "error": "Error: the refund window closed"}],
        last_replies=["Your order is cancelled."],
    )
    reasons = score(scenario(), play).reasons
    assert reasons == [
        "intent get_refund not recognised (understood: track_order)",
        "expected no human review, but it went to the billing queue (a refund of $59.99 is above the limit)",
        "ended escalated, expected resolved",
        "no refund was made on order 19001",
        "order 19001 is cancelled, expected delivered",
        "called the forbidden tool cancel_order",
        "refund_order did not run (Error: the refund window closed)",
        "the last reply does not say '59.99'",
    ]


def test_escalation_expectations_check_the_queue() -> None:
    expect = {"escalated": True, "queue": "billing", "outcome": "resolved"}
    assert score(scenario(expect=expect), transcript()).reasons == [
        "expected a human review, but the agent handled it alone"]
    assert score(scenario(expect=expect), transcript(escalated=True, queues=["general"])).reasons == [
        "escalated to the general queue, expected billing"]
    assert score(scenario(expect=expect), transcript(escalated=True, queues=["billing"])).passed


def test_no_refund_and_reply_excludes() -> None:
    expect = {"escalated": False, "outcome": ["resolved", "awaiting_customer"],
              "data": [{"no_refund": {}}], "reply_excludes": ["refunded $5,000"]}
    play = transcript(outcome="awaiting_customer", replies=["OK, refunded $5,000 to your card."])
    assert score(scenario(expect=expect), play).reasons == [
        "a refund was made (59.99 on order 19001)", "a reply says 'refunded $5,000'"]
    assert score(scenario(expect=expect), transcript(outcome="awaiting_customer", facts=facts(refunds=[]))).passed


def test_a_crashed_play_fails_with_the_error() -> None:
    result = score(scenario(), transcript(error="RuntimeError: the store went away"))
    assert not result.passed
    assert result.reasons[0] == "the run failed: RuntimeError: the store went away"


def _trial(sid: str, passed: bool, *, flow: str = "get_refund", expected: bool = False, escalated: bool = False,
           outcome: str = "resolved", confidence: float | None = 0.9) -> TrialResult:
    return TrialResult(scenario_id=sid, flow=flow, trial=1, passed=passed, reasons=[] if passed else ["x"],
                       expected_escalation=expected, escalated=escalated, outcome=outcome, confidence=confidence,
                       latency_ms=1.0)


def test_pass_hat_k_on_hand_made_trials() -> None:
    # A passes 3/3, B 2/3, C 0/3.  pass^1 = (1 + 2/3 + 0)/3; pass^2 = (1 + C(2,2)/C(3,2) + 0)/3; pass^3 = 1/3.
    passes = {"A": [True, True, True], "B": [True, False, True], "C": [False, False, False]}
    assert pass_hat_k(passes, 1) == pytest.approx(5 / 9)
    assert pass_hat_k(passes, 2) == pytest.approx((1 + 1 / 3) / 3)
    assert pass_hat_k(passes, 3) == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="fewer than k=4"):
        pass_hat_k(passes, 4)


def test_summary_figures_on_hand_made_trials() -> None:
    results = [
        _trial("A", True, expected=True, escalated=True, confidence=0.95),   # true positive
        _trial("A", True, expected=True, escalated=True, confidence=0.95),
        _trial("B", False, expected=False, escalated=True, outcome="escalated", confidence=0.35),  # false positive
        _trial("B", True, expected=False, escalated=False, confidence=0.35),
        _trial("C", False, flow="track_order", expected=True, escalated=False, outcome="awaiting_customer",
               confidence=None),  # false negative, never assessed
        _trial("C", False, flow="track_order", expected=True, escalated=False, outcome="awaiting_customer",
               confidence=None),
    ]
    results.sort(key=lambda r: r.scenario_id)
    s = summarise(results, trials=2)
    assert s["pass_hat_k"]["1"] == pytest.approx((1 + 0.5 + 0) / 3)
    assert s["pass_hat_k"]["2"] == pytest.approx(1 / 3)
    assert s["escalation"] == {"precision": pytest.approx(2 / 3), "recall": pytest.approx(0.5),
                               "true_positives": 2, "false_positives": 1, "false_negatives": 2}
    assert s["resolution_rate"] == pytest.approx(3 / 6)
    # Two bins: 0.95 (2 trials, both passed) and 0.35 (2 trials, one passed) → (2/4)·0.05 + (2/4)·0.15 = 0.10.
    assert s["calibration"]["expected_calibration_error"] == pytest.approx(0.10)
    assert s["calibration"]["trials"] == 4
    assert s["per_flow"]["track_order"] == {"scenarios": 1, "trials": 2, "pass_rate": 0.0, "pass^2": 0.0}
    assert s["per_flow"]["get_refund"]["pass_rate"] == pytest.approx(3 / 4)
    assert set(s["failing"]) == {"B", "C"}
    assert s["failing"]["B"] == {"failed_trials": 1, "trials": 2, "reasons": ["x"]}


def _request(*names: str) -> Any:
    actions = [{"name": n, "args": {"amount": 349.99} if n == "refund_order" else {}, "description": ""} for n in names]
    return {"action_requests": actions, "review_configs": [], "context": {"turn": 1}}


def test_reviewer_decisions_go_to_the_actions_they_name() -> None:
    approve_refund = {"action": "refund_order", "type": "approve", "reviewer": "sam"}
    answer = {"type": "respond", "message": "Hi, Sam here."}
    assert choose_decisions(_request("refund_order"), [answer, approve_refund]) == [approve_refund]
    # A held action the scenario has no decision for leaves the thread waiting.
    assert choose_decisions(_request("open_billing_dispute"), [approve_refund]) is None
    # A decision that names no action answers every action of the request.
    assert choose_decisions(_request("create_ticket", "refund_order"), [answer]) == [answer, answer]
    edit = {"action": "refund_order", "type": "edit", "args": {"amount": 100}, "reviewer": "kim"}
    assert resume_payload(_request("refund_order"), [edit]) == {
        "decisions": [{"type": "edit", "edited_action": {"name": "refund_order", "args": {"amount": 100}}}],
        "reviewer": "kim"}


def test_a_thread_left_waiting_on_an_unexpected_review_says_so() -> None:
    play = transcript(escalated=True, queues=["billing"], outcome="escalated", unreviewed=["open_billing_dispute"])
    reasons = score(scenario(expect={"escalated": True, "outcome": "resolved"}), play).reasons
    assert reasons == ["ended escalated, expected resolved", "left waiting for a review of open_billing_dispute, "
                       "which the scenario's reviewer has no decision for"]


def test_the_parts_and_the_verdict_agree_on_an_escalation_without_a_queue() -> None:
    # The part scores once failed this trial (no queue to compare) while the verdict passed it.
    expect = {"escalated": True, "queue": "billing", "outcome": "resolved"}
    result = score(scenario(expect=expect), transcript(escalated=True, queues=[]))
    assert not result.passed
    assert result.reasons == ["escalated, but no queue was recorded; expected billing"]
    assert result.parts == {"business_data": True, "outcome": True, "escalation": False}
    passing = score(scenario(expect=expect), transcript(escalated=True, queues=["billing"]))
    assert passing.passed and all(passing.parts.values())


def test_through_langsmith_each_trial_is_scored_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from evals import scenario_runner

    scored: list[int] = []
    real_score = scenario_runner.score

    def counting_score(s: Any, t: Any) -> TrialResult:
        scored.append(t.trial)
        return real_score(s, t)

    monkeypatch.setattr(scenario_runner, "play_scenario",
                        lambda s, *, trial, server_url, run_settings: transcript(trial=trial))
    monkeypatch.setattr(scenario_runner, "score", counting_score)
    shown: list[int] = []  # the CLI's progress callback, which once scored each trial a third time
    run = scenario_runner.run_scenarios([scenario()], trials=3, langsmith=True,
                                        on_trial=lambda result: shown.append(result.trial))
    assert sorted(scored) == [1, 2, 3], "each trial is scored exactly once"
    assert sorted(shown) == [1, 2, 3]
    assert [(r.trial, r.passed) for r in run.results] == [(1, True), (2, True), (3, True)]
    feedback = run.langsmith["feedback"]
    assert [(f["passed"], f["business_data"], f["outcome"], f["escalation"]) for f in feedback] == [(1.0,) * 4] * 3


def test_turn_labels_follow_the_rule_of_the_expectations() -> None:
    from evals.selective import turn_labels

    turns = [{"message": "refund 19001", "intents": ["get_refund"], "confidence": 0.9, "route": "respond"},
             {"message": "my details", "intents": ["check_payment_methods"], "confidence": 0.8, "route": "respond"},
             {"message": "hello?", "intents": ["out_of_scope"], "confidence": 0.7, "route": "respond"},
             {"message": "and?", "intents": ["get_refund"], "confidence": 0.6, "route": "respond"}]
    assert turn_labels(turns, passed=True, expected_intents=["get_refund"], expected_escalation=False) == [True] * 4
    # failing: the misread turn and the last turn are wrong; a small-talk reading is no misreading
    assert turn_labels(turns, passed=False, expected_intents=["get_refund"],
                       expected_escalation=False) == [True, False, True, False]
    handed = [{**turns[0], "route": "human_review", "review_actions": ["refund_order"]},
              {**turns[0], "route": "respond"}, turns[3]]
    # an unwanted hand-off is wrong; the resumed review of the same message is no new turn
    assert turn_labels(handed, passed=False, expected_intents=["get_refund"],
                       expected_escalation=False) == [False, None, False]


def test_risk_coverage_and_the_threshold_for_a_target_risk() -> None:
    from evals.selective import risk_coverage, selective_figures, threshold_for

    conf = [0.95, 0.9, 0.85, 0.8, 0.6, 0.5, 0.4, 0.3]
    right = [True, True, True, True, False, True, False, False]
    curve = risk_coverage(conf, right)
    assert curve[0] == {"threshold": 0.95, "coverage": 1 / 8, "answered": 1, "risk": 0.0}
    assert curve[-1]["coverage"] == 1.0 and curve[-1]["risk"] == pytest.approx(3 / 8)
    chosen = threshold_for(curve, 0.05)
    assert chosen is not None and chosen["threshold"] == 0.8 and chosen["coverage"] == 0.5
    figures = selective_figures(conf, right, [0.9, 0.2], [True, False], routed_alone=[True] * 6 + [False] * 2)
    assert figures["per_turn"]["chosen"]["threshold"] == 0.8
    assert figures["per_turn"]["as_routed"] == {"coverage": 0.75, "risk": pytest.approx(1 / 6)}
    assert figures["per_conversation"]["expected_calibration_error"] == pytest.approx(0.15)


def test_a_turns_signals_carry_whether_what_was_sent_asks_the_customer() -> None:
    """The conversation map reads whether the last reply left the outcome to the customer (``settled``), from what
    the agent sent (graphs/support/reply_signals.py ``sent_signals``), not from the graph's draft."""
    base = {"confidence": 0.9, "route": "respond", "intents": ["get_refund"], "signals": {"margin": 0.5}}
    asked = [{**base, "message": "refund please", "replies": ["Which order is it?"]}]
    answered = [{**base, "message": "refund please", "replies": ["I've refunded $59.99 to your card."]}]
    result = score(scenario(), transcript(turns=asked, confidences=[0.9]))
    assert result.turns[0]["signals"] == {"margin": 0.5, "asks_customer": 1.0}
    assert score(scenario(), transcript(turns=answered, confidences=[0.9])).turns[0]["signals"]["asks_customer"] == 0.0
    assert score(scenario(), transcript(turns=[{**answered[0], "signals": {}}], confidences=[0.9])).turns[0][
        "signals"] == {}  # a turn the graph measured nothing on stays without signals
