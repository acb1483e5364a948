"""Dialogue acts, what the agent asked, and identity arguments (graphs/support/dialogue.py), without a graph."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from graphs.reasoners.local.entities import extract_entities
from graphs.support.dialogue import (
    asked_for,
    asked_of,
    carried_slots,
    expected_entities,
    identity_args,
    secret_awaited,
)
from graphs.support.dialogue_acts import read_act
from graphs.support.nodes.understand import affirmation_of
from graphs.support.state import ActiveFlow, Asked, IntentGuess, State
from graphs.support.utterance import asks, core_of, residual

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
NOTHING: Asked = {"kind": "nothing", "slots": [], "expects": [], "options": []}


def _flow(intents: list[str], asking: list[str], stage: str = "collecting", **slots: Any) -> ActiveFlow:
    return {"intents": intents, "confidences": dict.fromkeys(intents, 0.9), "slots": slots,
            "stage": stage, "asking": asking, "low_confidence_turns": 0}  # type: ignore[typeddict-item]


def _asked_identity(intent: str = "track_order") -> Asked:
    return asked_of(State(flow=_flow([intent], ["identity"], "verifying")))


def _act(text: str, asked: Asked, top: tuple[str, float] | None = None, flow: tuple[str, ...] = (),
         done: tuple[str, ...] = ()) -> str:
    entities = extract_entities(text, now=NOW, expecting=asked["expects"])
    guess: IntentGuess | None = {"intent": top[0], "confidence": top[1]} if top else None
    return read_act(text, asked, entities, affirmation_of(text), guess, list(flow), list(done))["act"]


def test_asked_identity_expects_identifiers_and_secrets() -> None:
    asked = _asked_identity()
    assert asked["kind"] == "information" and asked["slots"] == ["identity"], asked
    assert {"emails", "customer_ids", "zip_code", "card_last4"} <= set(asked["expects"]), asked


def test_asked_confirmation_and_nothing() -> None:
    assert asked_of(State(flow=_flow(["cancel_order"], ["confirmation"], "confirming")))["kind"] == "confirmation"
    assert asked_of(State(flow=_flow(["track_order"], [], "done")))["kind"] == "nothing"
    assert asked_of(State())["kind"] == "nothing"


def test_an_order_flow_expects_an_order_id_when_it_asks_for_one() -> None:
    asked = asked_of(State(flow=_flow(["get_refund"], ["order_id"])))
    assert asked["expects"] == ["order_ids"], asked
    assert "order_ids" in expected_entities(["cancel_order"]), expected_entities(["cancel_order"])


@pytest.mark.parametrize("text", ["94110", "my card's last digits: 1234", "it's ella@corp.io", "C0042 5555"])
def test_a_bare_value_answers_the_identity_question(text: str) -> None:
    assert _act(text, _asked_identity(), top=("check_payment_methods", 0.95), flow=("track_order",)) == "answer"


@pytest.mark.parametrize("text", ["whoops, 94111", "sorry typo, zip is 94111", "no wait the card is 9911"])
def test_a_new_value_with_a_correction_word_is_a_correction(text: str) -> None:
    assert _act(text, _asked_identity(), top=("out_of_scope", 0.9), flow=("track_order",)) == "correct"


def test_an_answer_with_a_request_of_its_own_is_a_new_request() -> None:
    text = "ella@corp.io zip 94110 - and can you also cancel my order 10001 please?"
    assert _act(text, _asked_identity(), top=("cancel_order", 0.93), flow=("track_order",)) == "new_request"


@pytest.mark.parametrize("text", ["brilliant, ta", "cool that fixed it, many thanks", "ok", "all good now cheers",
                                  "right, I'll give that a go then. thanks!",
                                  # "did it" after its subject states what fixed it; it asks nothing
                                  "great, that did it, the printer shows up again. cheers"])
def test_thanks_and_acknowledgements_close(text: str) -> None:
    assert _act(text, NOTHING, top=("recover_password", 0.97), done=("technical_issue",)) == "close"


@pytest.mark.parametrize("text", [
    "thanks, but can you check order 10002 as well?",
    "Much appreciated. However I would rather talk to one of your staff about the broken screen, it has been "
    "weeks and nothing has happened",
    "thank you! how long is the reset link valid",
])
def test_thanks_that_lead_to_a_request_do_not_close(text: str) -> None:
    assert _act(text, NOTHING, top=("contact_human_agent", 0.9)) == "new_request"


def test_a_yes_to_the_pending_confirmation_confirms_and_a_no_denies() -> None:
    asked = asked_of(State(flow=_flow(["switch_account"], ["confirmation"], "confirming")))
    assert _act("sure, do it", asked, top=("switch_account", 0.5), flow=("switch_account",)) == "confirm"
    assert _act("nope, leave it", asked, top=("out_of_scope", 0.5), flow=("switch_account",)) == "deny"


def test_never_mind_with_nothing_pending_drops_the_request() -> None:
    assert _act("never mind, leave everything as it is", NOTHING, top=("change_order", 0.7)) == "deny"


@pytest.mark.parametrize("text", [
    "hang on, checked my bank app again: the other one was a supermarket. sorry, never mind",
    "oh it turned up this morning, all good then",
    "we sorted it ourselves, so no need for the refund after all",
])
def test_taking_back_a_request_that_waits_for_an_answer_drops_it(text: str) -> None:
    asked = asked_of(State(flow=_flow(["billing_dispute"], ["invoice_id"])))
    assert _act(text, asked, top=("billing_dispute", 0.8), flow=("billing_dispute",)) == "deny"


def test_taking_back_a_request_with_a_new_value_or_a_new_request_is_no_withdrawal() -> None:
    asked = asked_of(State(flow=_flow(["billing_dispute"], ["invoice_id"])))
    assert _act("never mind that one, it's INV-20044", asked, top=("billing_dispute", 0.8),
                flow=("billing_dispute",)) != "deny"
    assert _act("forget it, can you cancel my order 10001 instead?", asked, top=("cancel_order", 0.95),
                flow=("billing_dispute",)) == "new_request"


@pytest.mark.parametrize("text", ["nah its fine then", "naw, leave it", "forget it, not worth it"])
def test_a_casual_no_drops_the_request_after_its_answer(text: str) -> None:
    # "nah its fine then" after the agent said the keyboard is past the return window: nothing more to do
    assert affirmation_of(text) == "no"
    assert _act(text, NOTHING, top=("out_of_scope", 0.57), done=("out_of_scope",)) == "deny"


@pytest.mark.parametrize(("text", "top"), [
    ("oh hang on, the repeat payment is my gym membership. sorry, never mind", ("billing_dispute", 0.97)),
    ("oh wait I found it in my other account, forget it", ("change_order", 0.35)),
])
def test_taking_back_a_request_just_answered_closes_it(text: str, top: tuple[str, float]) -> None:
    """After the request was answered, a message that ends by taking it back opens nothing, whatever topic the
    router reads in the explanation before it."""
    assert _act(text, NOTHING, top=top, done=("payment_issue",)) == "close"
    assert _act("never mind that, can you cancel order 10001?", NOTHING, top=("cancel_order", 0.95),
                done=("payment_issue",)) == "new_request"


def test_a_yes_to_what_was_just_done_closes_it() -> None:
    assert _act("yes transfer all of it", NOTHING, top=("account_migration", 0.95),
                done=("account_migration",)) == "close"


def test_the_other_one_corrects_the_flow_in_progress() -> None:
    asked = asked_of(State(flow=_flow(["billing_dispute"], ["invoice_id"])))
    assert _act("no, the other one", asked, top=("check_invoice", 0.8), flow=("billing_dispute",)) == "correct"


def test_residual_drops_values_and_their_cue_words() -> None:
    assert residual("my email is ella@corp.io and the zip code is 94110") == ""
    assert residual("customer C0042, card ending 5555") == ""


def test_identity_args_need_an_identifier_and_a_secret() -> None:
    assert identity_args({"email": "a@b.co"}) is None
    assert identity_args({"zip_code": "94110"}) is None
    assert identity_args({"customer_id": "C0042", "card_last4": "5555", "order_id": 1}) == {
        "customer_id": "C0042", "card_last4": "5555"}


def test_slots_on_record_carry_to_a_confident_new_request_only() -> None:
    state = State(flow=_flow(["cancel_order"], [], "done", order_id=10002, address={"zip_code": "94110"}))
    assert carried_slots(state, [{"intent": "track_order", "confidence": 0.9}]) == {"order_id": 10002}
    assert carried_slots(state, [{"intent": "get_refund", "confidence": 0.4}]) == {}


def test_who_the_customer_said_they_are_carries_to_any_new_request() -> None:
    """An email and a ZIP code given before any request ("ella@corp.io", "94110", then "where is my order?") are
    not asked again, however unsure the router is of the request; a secret a failed check used is."""
    state = State(flow=_flow(["out_of_scope"], [], "done", email="ella@corp.io", zip_code="94110", order_id=10002))
    assert carried_slots(state, [{"intent": "track_order", "confidence": 0.5}]) == {
        "email": "ella@corp.io", "zip_code": "94110"}
    failed = State(flow=state.flow, plan=[{"id": "verify", "status": "failed"}])  # type: ignore[list-item]
    assert carried_slots(failed, [{"intent": "track_order", "confidence": 0.9}]) == {
        "email": "ella@corp.io", "order_id": 10002}


def test_a_bare_number_after_an_identifier_alone_is_its_secret() -> None:
    """"ella@corp.io", then "94110" with nothing asked: the ZIP code that goes with the email, not an order."""
    state = State(flow=_flow(["contact_customer_service"], [], "done", email="ella@corp.io"))
    assert set(secret_awaited(state, "94110")) == {"zip_code", "card_last4"}
    assert secret_awaited(state, "where is order 94110?") == []
    assert secret_awaited(State(flow=_flow(["out_of_scope"], [], "done")), "94110") == []


def test_a_bare_number_beside_an_identifier_in_a_message_of_nothing_else_is_its_secret() -> None:
    """"sure, ella@corp.io / 94110" with nothing asked is a login: the number is the ZIP code, not an order."""
    state = State(flow=_flow(["check_refund_policy"], [], "done"))
    assert set(secret_awaited(state, "sure, ella@corp.io / 94110", names_account=True)) == {"zip_code", "card_last4"}
    assert secret_awaited(state, "ella@corp.io, where is 94110?", names_account=True) == []
    assert secret_awaited(state, "94110") == []


def test_a_yes_restating_what_was_just_done_closes_it() -> None:
    """"Yes, please dispute it." after the dispute was opened: nothing more to do, and no new dispute to find."""
    assert _act("Yes, please dispute it.", NOTHING, top=("billing_dispute", 0.7), done=("billing_dispute",)) == "close"
    assert _act("yes please, and dispute the other one too", NOTHING, top=("billing_dispute", 0.7),
                done=("billing_dispute",)) != "close"
    assert _act("yes, can you dispute it?", NOTHING, top=("billing_dispute", 0.7), done=("billing_dispute",)) != "close"


def test_a_yes_with_request_words_still_answers_the_pending_confirmation() -> None:
    asked = asked_of(State(flow=_flow(["switch_account"], ["confirmation"], "confirming")))
    assert _act("Yes, please go ahead and do it.", asked, top=("cancel_order", 0.9),
                flow=("switch_account",)) == "confirm"


def test_restating_the_pending_request_confirms_it() -> None:
    asked = asked_of(State(flow=_flow(["switch_account"], ["confirmation"], "confirming")))
    assert _act("Move me to Basic then.", asked, top=("switch_account", 0.93), flow=("switch_account",)) == "confirm"


def test_restating_an_intent_only_a_model_read_into_the_request_does_not_confirm_it() -> None:
    """Found by the policy fuzzer: 'merge accounts', read by the chat model as a plan switch too, waited for a yes
    to change_plan; the next message 'switch plan.' was taken as restating the pending request and the write ran."""
    flow = _flow(["account_migration", "switch_account"], ["confirmation"], "confirming")
    flow["router_confidences"] = {"account_migration": 0.91, "switch_account": 0.03}
    assert asked_for(flow) == ["account_migration"]
    text, asked = "switch plan.", asked_of(State(flow=flow))
    entities = extract_entities(text, now=NOW, expecting=asked["expects"])
    guess: IntentGuess = {"intent": "switch_account", "confidence": 0.93}
    flow_intents = flow["intents"]
    assert read_act(text, asked, entities, None, guess, flow_intents, restatable=asked_for(flow))["act"] != "confirm"
    assert read_act(text, asked, entities, None, guess, flow_intents)["act"] == "confirm"  # the router read both
    flow["router_confidences"] = {"account_migration": 0.9, "switch_account": 0.6}
    assert asked_for(flow) == ["account_migration", "switch_account"]


@pytest.mark.parametrize("text", ["How do I upgrade my membership from basic to plus?",
                                  "How do I upgrade my membership from basic to plus.", "what does plus cost"])
def test_a_question_about_the_pending_request_does_not_confirm_it(text: str) -> None:
    """Found by the policy fuzzer: the question, read as a restated request, ran the pending write."""
    asked = asked_of(State(flow=_flow(["switch_account"], ["confirmation"], "confirming")))
    assert _act(text, asked, top=("switch_account", 0.93), flow=("switch_account",)) != "confirm"
    assert _act("can you switch me to plus", asked, top=("switch_account", 0.93), flow=("switch_account",)) == "confirm"


@pytest.mark.parametrize(("text", "answer"), [("Sí, por favor", "yes"), ("oui merci", "yes"), ("nein, danke", "no")])
def test_yes_and_no_in_other_languages(text: str, answer: str) -> None:
    assert affirmation_of(text) == answer


def test_a_no_to_an_information_question_does_not_drop_the_request() -> None:
    asked = asked_of(State(flow=_flow(["cancel_order"], ["order_id"])))
    assert _act("no I don't have it to hand", asked, top=("cancel_order", 0.7), flow=("cancel_order",)) != "deny"


def _choice() -> Asked:
    flow = _flow(["get_refund", "change_order"], [], "executing")
    flow["low_confidence_turns"] = 1
    return asked_of(State(flow=flow, assessment={"confidence": 0.4, "threshold": 0.7, "signals": {},
                                                 "route": "respond", "reasons": [], "queue": "billing"}))


def test_a_clarifying_question_is_a_choice_between_its_intents() -> None:
    asked = _choice()
    assert asked["kind"] == "choice" and asked["options"] == ["get_refund", "change_order"], asked


def test_an_out_of_scope_aside_is_no_option_of_a_clarifying_question() -> None:
    """"is this about technical issue, or out of scope?" offers the customer nothing: the aside is no reading."""
    from graphs.support.replies import compose_reply

    flow = _flow(["technical_issue", "out_of_scope"], [], "done")
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
    confirming = asked_of(State(flow=_flow(["cancel_order"], ["confirmation"], "confirming")))
    assert _act("good morning! Yes, please go ahead. thanks", confirming) == "confirm"
    assert _act("ok so No, wait, keep it. thanks", confirming) == "deny"


def test_thanks_around_a_first_request_do_not_close_it() -> None:
    text = "um, I can't log in, I forgot my password. thx in advance"
    assert _act(text, NOTHING, top=("recover_password", 0.97)) == "new_request"


def test_a_greeting_inside_filler_is_a_greeting() -> None:
    assert _act("um, Hi there! cheers!", NOTHING, top=("out_of_scope", 0.9)) == "smalltalk"


def test_asking_for_the_request_asked_about_is_a_decision() -> None:
    """"what's the difference between plus and pro?" then "ok switch me to pro then": the customer decides; the
    identity still asked for is not given, but the reply is progress."""
    asked = _asked_identity("switch_account")
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
    asked = _asked_identity("switch_account")
    text = "hm ok. I don't order enough to make it worth it honestly. I'll stay on the free one, thanks"
    top: IntentGuess = {"intent": "change_order", "confidence": 0.69}
    closed = read_act(text, asked, {}, affirmation_of(text), top, ["switch_account"], after_question=True)
    assert closed["act"] == "close", closed
    opened = read_act(text, asked, {}, affirmation_of(text), top, ["switch_account"], after_question=False)
    assert opened["act"] != "close", opened


def test_also_in_a_thank_you_adds_no_request() -> None:
    assert _act("thanks, and also for the quick reply!", NOTHING, ("track_order", 0.7),
                done=("track_order",)) == "close"
    assert _act("great, also can you cancel 10001", NOTHING, ("cancel_order", 0.9),
                done=("track_order",)) == "new_request"


def test_a_bare_go_ahead_after_a_question_decides_on_the_request_asked_about() -> None:
    asked = _asked_identity("switch_account")
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
    asked = asked_of(State(flow=_flow(["account_migration"], ["other_email"])))
    asked = {**asked, "expects": ["emails"]}
    assert _act(text, asked, top=("recover_password", 0.85), flow=("account_migration",)) == "answer"


@pytest.mark.parametrize("text", [
    "it's ella@corp.io. also, what's the status of my refund",
    "ella@corp.io, and can you reset my password too",
])
def test_an_answer_with_a_clause_that_asks_is_a_new_request(text: str) -> None:
    asked = {**asked_of(State(flow=_flow(["account_migration"], ["other_email"]))), "expects": ["emails"]}
    assert _act(text, asked, top=("recover_password", 0.85), flow=("account_migration",)) == "new_request"


@pytest.mark.parametrize("text", [
    "hm, that's steep. think I'll remain as I am",
    "ok no worries. let's just leave things the way they are for the moment",
    "Thanks for checking. I'm happy with what I have, cheers",
])
def test_keeping_things_as_they_are_declines_the_offer(text: str) -> None:
    asked = asked_of(State(flow=_flow(["switch_account"], ["confirmation"], "confirming")))
    assert _act(text, asked, top=("switch_account", 0.8), flow=("switch_account",)) == "deny"


@pytest.mark.parametrize("text", ["yes please, and keep my address the way it is", "should I stay where I am?"])
def test_keeping_something_beside_a_yes_or_asking_about_it_is_no_decline(text: str) -> None:
    asked = asked_of(State(flow=_flow(["change_order"], ["confirmation"], "confirming")))
    assert _act(text, asked, top=("change_order", 0.8), flow=("change_order",)) != "deny"


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
    asked = asked_of(State(flow=_flow(["switch_account"], ["confirmation"], "confirming")))
    assert _act(text, asked, top=("switch_account", 0.87), flow=("switch_account",)) == "deny"
    assert _act("ok move me to pro", asked, top=("switch_account", 0.87), flow=("switch_account",)) == "confirm"
