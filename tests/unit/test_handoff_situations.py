"""Hand-offs that follow the customer's situation, not their tone (prompts/policy.md §5a): a product that hurt
someone goes to a person however calmly it is told, a device that only overheated does not; a person of a team
asked for by what they could do; an exception goes to the queue of what it excepts."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from graphs.support.escalation import Escalation, decide
from graphs.support.handoff import cues_in
from graphs.support.state import State
from tests.unit.escalation_states import read_only as _read_only
from tests.unit.escalation_states import state as _state
from tests.unit.escalation_states import step as _step


def _decide(state: State) -> Escalation:
    return decide(state, confidence=0.95, threshold=0.7, max_verification_attempts=3)


@pytest.mark.parametrize("text", [
    "The kettle tipped while boiling and scalded my daughter's hand. She's alright now. I'd like a refund please.",
    "The hair dryer's plug sparked and gave my wife an electric shock. Could I return it?",
    "When I picked the charger up it burned my fingers, nothing serious, a small blister. Can I send it back?",
    "the heater got so hot that my toddler's arm was burnt when he brushed past it",
])
def test_a_product_that_hurt_someone_goes_to_technical_with_a_ticket_however_calmly_told(text: str) -> None:
    """The refund is made as usual (the plan ran); a person follows the injury up (policy §5a)."""
    decision = _decide(_state(message=text, plan=[_step()], sentiment=0.3))
    assert decision.route == "human_review" and decision.queue == "technical", decision
    assert any("hurt" in r for r in decision.reasons), decision
    assert decision.ticket is not None and decision.ticket["queue"] == "technical", decision


@pytest.mark.parametrize("text", [
    "The 65W charger started smoking last night and smelled like burnt plastic. Just my money back please.",
    "the battery in my laptop is swelling and the lid won't close, i'm scared to charge it. full refund please",
    "My phone gets really hot when it charges, is that normal?",
    "I got burned last time with a late delivery, so where is order 10004?",
    "The price gave me a shock, can I still cancel order 10004?",
    "Please send the replacement in a blister pack, the last box was crushed.",
    "The call cut off twice, I'd like a refund for order 10004",
    "My OLED TV already has a burn-in on the left side, can I return it?",
    "The toaster left a burn mark on the worktop, I'd like a refund for order 10004.",
    "I got burned on that deal last year, so just cancel order 10004 please.",
])
def test_a_device_that_overheated_or_a_figure_of_speech_hurts_no_one(text: str) -> None:
    decision = _decide(_state(message=text, plan=[_step()], sentiment=-0.2))
    assert decision.route == "respond" and decision.reasons == [], decision


@pytest.mark.parametrize("text", [
    "Our accountant needs the company name on it. Is someone in billing able to reissue it like that?",
    "It has to show our tax ID. Can someone in billing reissue it that way?",
    "Would anyone from your finance team be able to correct the invoice?",
])
def test_a_person_of_a_team_asked_for_by_what_they_could_do_is_asked_for(text: str) -> None:
    assert any(c.name == "person" for c in cues_in(text))
    decision = _decide(_state(intents=("billing_dispute",), message=text, plan=_read_only()))
    assert decision.route == "human_review" and decision.queue == "billing", decision


def test_an_exception_goes_to_the_queue_of_what_it_excepts_though_the_flow_was_misread() -> None:
    """"I know it's past the 30 days ... could someone make an exception?" excepts the return window (billing),
    though the router read a tracking request (general) on the customer's own order."""
    message = ("I know it's past the 30 days. I was in hospital for most of February and couldn't get to a post "
               "office. Could someone make an exception just this once?")
    state = _state(intents=("track_order",), plan=_read_only(), message=message)
    state.messages = [HumanMessage("The headphones stopped holding a charge. I'd like to return them, order 29931."),
                      AIMessage("I can't refund that order: it is outside the return window."),
                      HumanMessage(message)]
    decision = _decide(state)
    assert decision.route == "human_review" and decision.queue == "billing", decision
    delivery = _decide(_state(intents=("track_order",), plan=_read_only(),
                              message="I know you don't deliver on Sundays, but could you make an exception?"))
    assert delivery.route == "human_review" and delivery.queue == "general", delivery


@pytest.mark.parametrize("money", ["every penny back", "every cent back", "all my money back"])
def test_money_back_in_any_unit_as_an_ultimatums_alternative_does_not_choose_the_queue(money: str) -> None:
    message = (f"This is completely ridiculous, third time your company has pulled this on me. Where's my TV? If it "
               f"isn't at my door by Friday I want {money} and I'm finished with you people.")
    decision = _decide(_state(intents=("track_order", "get_refund", "complaint"), plan=_read_only(),
                              sentiment=-0.9, message=message))
    assert decision.route == "human_review" and decision.queue == "general", decision
    asked = _decide(_state(intents=("track_order", "get_refund"), plan=_read_only(), sentiment=-0.9,
                           message=f"Useless, utterly useless. It's late again, I want {money}."))
    assert asked.queue == "billing", asked
