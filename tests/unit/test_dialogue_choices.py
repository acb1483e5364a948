"""Dialogue acts (graphs/support/dialogue.py): replies to a choice, filler around a reply, thanks, keeping things
as they are, without a graph."""

from __future__ import annotations

import pytest

from graphs.reasoners.local.entities import extract_entities
from graphs.support.dialogue import asked_of
from graphs.support.dialogue_acts import read_act
from graphs.support.nodes.understand import affirmation_of
from graphs.support.state import Asked, IntentGuess, State
from graphs.support.utterance import asks, core_of
from tests.unit.dialogue_cases import NOTHING, NOW, act_of, asked_identity, flow_of


def _choice() -> Asked:
    flow = flow_of(["get_refund", "change_order"], [], "executing")
    flow["low_confidence_turns"] = 1
    return asked_of(State(flow=flow, assessment={"confidence": 0.4, "threshold": 0.7, "signals": {},
                                                 "route": "respond", "reasons": [], "queue": "billing"}))


def test_a_clarifying_question_is_a_choice_between_its_intents() -> None:
    asked = _choice()
    assert asked["kind"] == "choice" and asked["options"] == ["get_refund", "change_order"], asked


def test_an_out_of_scope_aside_is_no_option_of_a_clarifying_question() -> None:
    """"is this about technical issue, or out of scope?" offers the customer nothing: the aside is no reading."""
    from graphs.support.replies import compose_reply

    flow = flow_of(["technical_issue", "out_of_scope"], [], "done")
    flow["low_confidence_turns"] = 1
    assessment = {"confidence": 0.4, "threshold": 0.7, "signals": {}, "route": "respond", "reasons": [],
                  "queue": "technical"}
    asked = asked_of(State(flow=flow, assessment=assessment))  # type: ignore[arg-type]
    assert asked["options"] == ["technical_issue"], asked
    understanding = {"intents": [{"intent": "technical_issue", "confidence": 0.5},
                                 {"intent": "out_of_scope", "confidence": 0.55}]}
    flow["low_confidence_turns"] = 0
    reply = compose_reply(State(flow=flow, assessment=assessment, understanding=understanding))  # type: ignore[arg-type]
    assert "out of scope" not in reply and "tell me a little more" in reply, reply


@pytest.mark.parametrize(("text", "option"), [
    ("the first one", "get_refund"), ("the latter please", "change_order"),
    ("I just want my money refunded", "get_refund"), ("changing it, not money back", "change_order"),
])
def test_the_reply_to_a_choice_picks_an_option(text: str, option: str) -> None:
    entities = extract_entities(text, now=NOW)
    dialogue = read_act(text, _choice(), entities, affirmation_of(text), {"intent": "check_invoice", "confidence": 0.8},
                        ["get_refund", "change_order"])
    assert dialogue.get("chosen") == option and dialogue["act"] == "answer", dialogue


def test_an_unclear_reply_to_a_choice_picks_nothing() -> None:
    dialogue = read_act("hmm not sure", _choice(), {}, None, None, ["get_refund", "change_order"])
    assert "chosen" not in dialogue, dialogue


@pytest.mark.parametrize(("text", "core"), [
    ("good morning! Yes, please do it. thanks", "Yes, please do it"),
    ("ok so No, wait, keep it. thanks", "No, wait, keep it"),
    ("hello, hope you're well. I want to cancel order 12002. many thanks for your help.",
     "I want to cancel order 12002"),
    ("ok", "ok"),
    ("thanks!", "thanks!"),
])
def test_filler_around_a_reply_is_not_what_it_says(text: str, core: str) -> None:
    assert core_of(text) == core


def test_a_yes_or_no_inside_filler_answers_the_confirmation() -> None:
    confirming = asked_of(State(flow=flow_of(["cancel_order"], ["confirmation"], "confirming")))
    assert act_of("good morning! Yes, please go ahead. thanks", confirming) == "confirm"
    assert act_of("ok so No, wait, keep it. thanks", confirming) == "deny"


def test_thanks_around_a_first_request_do_not_close_it() -> None:
    text = "um, I can't log in, I forgot my password. thx in advance"
    assert act_of(text, NOTHING, top=("recover_password", 0.97)) == "new_request"


def test_a_greeting_inside_filler_is_a_greeting() -> None:
    assert act_of("um, Hi there! cheers!", NOTHING, top=("out_of_scope", 0.9)) == "smalltalk"


def test_asking_for_the_request_asked_about_is_a_decision() -> None:
    """"what's the difference between plus and pro?" then "ok switch me to pro then": the customer decides; the
    identity still asked for is not given, but the reply is progress."""
    asked = asked_identity("switch_account")
    text = "ok bet switch me to pro then"
    entities = extract_entities(text, now=NOW, expecting=asked["expects"])
    top: IntentGuess = {"intent": "switch_account", "confidence": 0.9}
    state = read_act(text, asked, entities, affirmation_of(text), top, ["switch_account"], after_question=True)
    assert state.get("decides") == "switch_account", state
    again = read_act(text, asked, entities, affirmation_of(text), top, ["switch_account"], after_question=False)
    assert "decides" not in again, again  # asking for it again is no new decision
    question = "ok and can I switch back later?"
    asked_again = read_act(question, asked, {}, None, top, ["switch_account"], after_question=True)
    assert "decides" not in asked_again, asked_again


def test_thanks_ending_a_longer_remark_after_a_question_close_it() -> None:
    asked = asked_identity("switch_account")
    text = "hm ok. I don't order enough to make it worth it honestly. I'll stay on the free one, thanks"
    top: IntentGuess = {"intent": "change_order", "confidence": 0.69}
    closed = read_act(text, asked, {}, affirmation_of(text), top, ["switch_account"], after_question=True)
    assert closed["act"] == "close", closed
    opened = read_act(text, asked, {}, affirmation_of(text), top, ["switch_account"], after_question=False)
    assert opened["act"] != "close", opened


def test_also_in_a_thank_you_adds_no_request() -> None:
    assert act_of("thanks, and also for the quick reply!", NOTHING, ("track_order", 0.7),
                done=("track_order",)) == "close"
    assert act_of("great, also can you cancel 10001", NOTHING, ("cancel_order", 0.9),
                done=("track_order",)) == "new_request"


def test_a_bare_go_ahead_after_a_question_decides_on_the_request_asked_about() -> None:
    asked = asked_identity("switch_account")
    text = "ok then let's do it"
    state = read_act(text, asked, {}, affirmation_of(text), {"intent": "out_of_scope", "confidence": 0.7},
                     ["switch_account"], after_question=True)
    assert state["act"] == "confirm" and state.get("decides") == "switch_account", state


def test_a_remark_about_the_record_just_discussed_finds_it_again() -> None:
    """"it's for the speaker I sent back" after a finished request: it describes the same record, not another."""
    text = "its for the nimbus speaker i sent back"
    entities = extract_entities(text, now=NOW, catalogue=["Nimbus Smart Speaker"])
    state = read_act(text, NOTHING, entities, None, {"intent": "get_refund", "confidence": 0.66}, [],
                     ["track_refund"], ["order_id"])
    assert state["act"] == "correct" and state.get("same_record") is True, state
    other = read_act("the other one", NOTHING, {}, None, None, [], ["track_refund"], ["order_id"])
    assert other["act"] == "correct" and not other.get("same_record"), other


def test_a_yes_describing_again_what_was_just_done_closes() -> None:
    catalogue = ["Wall Mount", "Lumen 4K TV 43in", "HDMI Cable 2m"]
    assert affirmation_of("yea just the mount. keep the tv n the cable") == "yes"
    text = "yea just the wall mount. keep the tv n the cable"
    entities = extract_entities(text, now=NOW, catalogue=catalogue)
    assert entities.get("products"), entities
    top: IntentGuess = {"intent": "change_order", "confidence": 0.65}
    assert read_act(text, NOTHING, entities, "yes", top, [], ["change_order"])["act"] == "close"
    more = "yes and the hdmi cable too"
    entities = extract_entities(more, now=NOW, catalogue=catalogue)
    assert read_act(more, NOTHING, entities, "yes", top, [], ["change_order"])["act"] != "close"


def test_a_question_typed_without_its_apostrophe_is_a_question() -> None:
    assert asks("whats the diff between plus and pro fr") and asks("hows that work")
    assert not asks("switch me to pro then")


@pytest.mark.parametrize("text", [
    "Sure it's ella@corp.io. I never set a password on that one, in case that's what comes next.",
    "ella@corp.io — same name on both. I can't log into it anymore, which is why I'm writing.",
])
def test_an_answer_with_a_remark_that_asks_nothing_answers(text: str) -> None:
    asked = asked_of(State(flow=flow_of(["account_migration"], ["other_email"])))
    asked = {**asked, "expects": ["emails"]}
    assert act_of(text, asked, top=("recover_password", 0.85), flow=("account_migration",)) == "answer"


@pytest.mark.parametrize("text", [
    "it's ella@corp.io. also, what's the status of my refund",
    "ella@corp.io, and can you reset my password too",
])
def test_an_answer_with_a_clause_that_asks_is_a_new_request(text: str) -> None:
    asked = {**asked_of(State(flow=flow_of(["account_migration"], ["other_email"]))), "expects": ["emails"]}
    assert act_of(text, asked, top=("recover_password", 0.85), flow=("account_migration",)) == "new_request"


@pytest.mark.parametrize("text", [
    "hm, that's steep. think I'll remain as I am",
    "ok no worries. let's just leave things the way they are for the moment",
    "Thanks for checking. I'm happy with what I have, cheers",
])
def test_keeping_things_as_they_are_declines_the_offer(text: str) -> None:
    asked = asked_of(State(flow=flow_of(["switch_account"], ["confirmation"], "confirming")))
    assert act_of(text, asked, top=("switch_account", 0.8), flow=("switch_account",)) == "deny"


@pytest.mark.parametrize("text", ["yes please, and keep my address the way it is", "should I stay where I am?"])
def test_keeping_something_beside_a_yes_or_asking_about_it_is_no_decline(text: str) -> None:
    asked = asked_of(State(flow=flow_of(["change_order"], ["confirmation"], "confirming")))
    assert act_of(text, asked, top=("change_order", 0.8), flow=("change_order",)) != "deny"


@pytest.mark.parametrize("text", ["my account number: c 3019, zip 90210", "Customer ID is C 3019 and card 1234",
                                  "client no. C 3019", "zip 90210 and C 3019 is the account number"])
def test_a_customer_id_typed_with_a_space_after_words_that_name_it(text: str) -> None:
    assert extract_entities(text, now=NOW).get("customer_ids") == ["C3019"], extract_entities(text, now=NOW)


@pytest.mark.parametrize("text", ["the usb c 3019 adapter", "see section C 3019"])
def test_a_letter_c_and_four_digits_alone_are_no_customer_id(text: str) -> None:
    assert "customer_ids" not in extract_entities(text, now=NOW)


@pytest.mark.parametrize("text", ["pricey. I'll stick with whatever I have for a while, ta",
                                  "hmm that's more than I hoped. keeping whatever I have for now, thanks"])
def test_keeping_what_one_has_does_not_confirm_the_pending_request(text: str) -> None:
    """Found on para11: "I'll keep what I've got", read as the pending switch restated, ran it without a yes."""
    asked = asked_of(State(flow=flow_of(["switch_account"], ["confirmation"], "confirming")))
    assert act_of(text, asked, top=("switch_account", 0.87), flow=("switch_account",)) == "deny"
    assert act_of("ok move me to pro", asked, top=("switch_account", 0.87), flow=("switch_account",)) == "confirm"
