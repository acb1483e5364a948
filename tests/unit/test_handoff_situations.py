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
    "The Glow Smart Plug from order 40010 sparked and my husband got an electric shock from it. He's okay now. A "
    "refund would be good, thanks.",
    "Our power bank overheated and a child got blistered by it. I'd like my money back for order 10004.",
    # a negation or question elsewhere in the message does not hide the harm told
    "Nobody warned us it runs hot and it burnt my son's hand. Can I return it?",
    "I didn't get shocked myself, but my partner got an electric shock from the plug. Refund please.",
    # the part of the body named further into the clause, or by one of its own parts
    "The hand warmer leaked and burned the tips of both his thumbs. He's fine now, but I'd like my money back.",
    "Our travel kettle spat and scalded the inside of my partner's forearm, so please take it back.",
    "She grabbed the adapter and it blistered her fingerpads. Can we return order 10004?",
    "the foot spa overheated and burnt the pads of her toes, refund order 10004 please",
    # the body named before the burn it was left with
    "The curling wand slipped and left her neck with a long pink burn. She's fine, but a refund for order 10004?",
    "his wrist came away with two sore blisters after the strap heated up, can I send order 10004 back",
    # the person the product hurt named as its object
    "the desk lamp from order 10004 zapped my daughter when she changed the bulb, a refund please",
    "the travel adapter shocked my husband pretty badly yesterday. can I return order 10004?",
    "the kettle scalded him as he poured, I'd like to send order 10004 back",
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
    # a harm that ends where it is told, a body part of another clause
    "The fuse burned out again and my hands are full with the baby, can I return order 10004?",
    "The signal cut off and then my eyes were glued to the screen for an hour, refund order 10004 please.",
    # shocked as a feeling, by a bill or by how we treated them
    "the invoice total shocked my partner badly, can I cancel order 10004?",
    "honestly it shocked me that nobody answered, where is order 10004?",
])
def test_a_device_that_overheated_or_a_figure_of_speech_hurts_no_one(text: str) -> None:
    decision = _decide(_state(message=text, plan=[_step()], sentiment=-0.2))
    assert decision.route == "respond" and decision.reasons == [], decision


@pytest.mark.parametrize("text", [
    # a harm negated
    "The power bank from order 40011 swelled up and got hot. Thankfully nobody was injured. I want a refund.",
    "No injuries, thank goodness, but the Glow plug from order 40010 melted at the socket. Refund please.",
    "It got scorching hot but my daughter wasn't burnt, luckily. Refund order 10004 please.",
    # a question about safety before buying
    "Does the Glow Smart Plug have any protection against electric shock? I'm thinking of buying two.",
    "Could the heater burn a toddler's hand if they touch it? Thinking about order 10004.",
    # a burn on a thing, not a person
    "The power bank from order 40011 left a little burn on my desk when charging. Refund order 40011 please.",
    # an injury our product did not cause
    "I have a bad burn from cooking so typing is slow, sorry. Where is order 40012?",
    "The courier said their driver was injured last week, so where is order 40012 now?",
    "I was injured in a car crash so I missed the return window, can I still send order 10004 back?",
    # a figure of speech
    "my hands are cut off from the internet until the router arrives, where is order 10004?",
])
def test_an_injury_not_caused_by_the_product_or_not_told_as_happened_asks_for_no_one(text: str) -> None:
    """The injury cue reads the situation, not its words: a person hurt, by the product, told as having happened."""
    assert "injury" not in [c.name for c in cues_in(text)], text
    decision = _decide(_state(message=text, plan=[_step()], sentiment=0.0))
    assert not any("hurt" in r for r in decision.reasons), decision


def test_a_question_about_how_work_under_way_stands_asks_for_no_person() -> None:
    text = "Is someone in your returns team dealing with my mouse from order 40002 yet, or should I post it?"
    assert "person" not in [c.name for c in cues_in(text)], text
    decision = _decide(_state(intents=("track_order",), message=text, plan=_read_only()))
    assert decision.route == "respond" and decision.reasons == [], decision


@pytest.mark.parametrize("text", [
    "The receipt must carry our firm's registered name. Is anyone in accounts able to redo it?",
    "It has to show our tax ID. Can someone in billing reissue it that way?",
    "Our company needs invoice INV-50001 redone with our VAT number on it. Could someone in your finance team amend "
    "it?",
    "Would anyone from your finance team be able to correct the invoice?",
])
def test_a_person_of_a_team_asked_for_by_what_they_could_do_is_asked_for(text: str) -> None:
    assert any(c.name == "person" for c in cues_in(text))
    decision = _decide(_state(intents=("billing_dispute",), message=text, plan=_read_only()))
    assert decision.route == "human_review" and decision.queue == "billing", decision


def test_an_exception_goes_to_the_queue_of_what_it_excepts_though_the_flow_was_misread() -> None:
    """A late return asked as a favour excepts the return window (billing), though the router read a tracking
    request (general) on the customer's own order."""
    message = ("I realise the thirty days have gone by. I was away caring for my mother and never got to send it. "
               "Would you consider an exception for me?")
    state = _state(intents=("track_order",), plan=_read_only(), message=message)
    state.messages = [HumanMessage("The headphones stopped holding a charge. I'd like to return them, order 29931."),
                      AIMessage("I can't refund that order: it is outside the return window."),
                      HumanMessage(message)]
    decision = _decide(state)
    assert decision.route == "human_review" and decision.queue == "billing", decision
    delivery = _decide(_state(intents=("track_order",), plan=_read_only(),
                              message="I know you don't deliver on Sundays, but could you make an exception?"))
    assert delivery.route == "human_review" and delivery.queue == "general", delivery


@pytest.mark.parametrize("money", ["every dollar back", "each cent back", "all my money back"])
def test_money_back_in_any_unit_as_an_ultimatums_alternative_does_not_choose_the_queue(money: str) -> None:
    message = (f"Utterly unacceptable, your couriers have let me down yet again. Where is my speaker? If it hasn't "
               f"turned up by Saturday I want {money}, and I'm done buying from you.")
    decision = _decide(_state(intents=("track_order", "get_refund", "complaint"), plan=_read_only(),
                              sentiment=-0.9, message=message))
    assert decision.route == "human_review" and decision.queue == "general", decision
    asked = _decide(_state(intents=("track_order", "get_refund"), plan=_read_only(), sentiment=-0.9,
                           message=f"Useless, utterly useless. It's late again, I want {money}."))
    assert asked.queue == "billing", asked
