"""Which queue a hand-off goes to when the trigger has none of its own: the subject of the request, read from the
flow, the message's words, or an earlier message (prompts/policy.md §5a, "the queue of the request")."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage

from graphs.support.escalation import Escalation, decide
from graphs.support.state import State
from tests.unit.escalation_states import read_only as _read_only
from tests.unit.escalation_states import state as _state


def _decide(state: State) -> Escalation:
    return decide(state, confidence=0.95, threshold=0.7, max_verification_attempts=3)


def test_of_the_flows_subjects_the_one_the_message_names_takes_the_hand_off() -> None:
    """A device read beside the refund demanded: "refund me or I'm suing" is billing's, not technical's."""
    decision = _decide(_state(intents=("technical_issue", "get_refund"), plan=_read_only(),
                              message="No more resets. Give me my money back or I'm taking this to small claims."))
    assert decision.route == "human_review" and decision.queue == "billing", decision
    device = _decide(_state(intents=("technical_issue", "get_refund"), plan=_read_only(),
                            message="Still dead after all that. I'm calling my lawyer."))
    assert device.queue == "technical", device


def test_a_request_on_the_customers_order_keeps_its_own_queue_though_money_is_mentioned() -> None:
    """A late parcel is a delivery's (general) even when the customer wants "the phone or my money"."""
    state = _state(intents=("track_order", "complaint"), plan=_read_only(), sentiment=-0.9,
                   message="Twelve days stuck. You people are useless. The phone or my money by tomorrow.")
    state.understanding = {"intents": [], "margin": 0.5, "entities": {}, "continues_flow": False,
                           "affirmation": None, "missing": [], "rationale": "", "source": "local", "agreement": 1.0,
                           "router": {"track_order": 0.6, "get_refund": 0.3}}
    decision = _decide(state)
    assert decision.route == "human_review" and decision.queue == "general", decision


def test_an_exception_asked_for_after_the_subject_was_told_goes_to_its_queue() -> None:
    """A request in pieces: the return window named one message, the exception asked for in the next."""
    state = _state(intents=("out_of_scope",), plan=[], message="any way you could do me an exception? I was away")
    state.messages = [HumanMessage("the blender from last month"), AIMessage("Which order is it?"),
                      HumanMessage("yes I know it's more than 30 days ago"), AIMessage("Order 1 was delivered."),
                      HumanMessage("any way you could do me an exception? I was away")]
    decision = _decide(state)
    assert decision.route == "human_review" and decision.queue == "billing", decision
    told_nothing = _state(intents=("out_of_scope",), plan=[], message="any way you could do me an exception?")
    assert _decide(told_nothing).queue == "general"


def test_a_refund_named_as_an_ultimatums_alternative_does_not_choose_the_queue() -> None:
    """"On my doorstep by Monday or I expect a refund" threatens a refund: the request is the delivery (general), though
    the router read the refund first; a refund asked for outright stays billing's."""
    threat = _decide(_state(intents=("get_refund", "track_order", "complaint"), plan=_read_only(), sentiment=-0.9,
                            message="Your couriers are hopeless, this is a disgrace. Either the sofa turns up by "
                                    "Monday or I expect a full refund."))
    assert threat.route == "human_review" and threat.queue == "general", threat
    conditional = _decide(_state(intents=("get_refund", "track_order"), plan=_read_only(), sentiment=-0.9,
                                 message="Useless, utterly useless. If it hasn't come by Monday I'll want a refund."))
    assert conditional.queue == "general", conditional
    asked = _decide(_state(intents=("get_refund", "track_order"), plan=_read_only(), sentiment=-0.9,
                           message="Useless, utterly useless. It's late again, just give me my money back."))
    assert asked.queue == "billing", asked
