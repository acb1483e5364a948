"""Dialogue acts, what the agent asked, and identity arguments (graphs/support/dialogue.py), without a graph."""

from __future__ import annotations

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
from graphs.support.state import IntentGuess, State
from graphs.support.utterance import residual
from tests.unit.dialogue_cases import NOTHING, NOW, act_of, asked_identity, flow_of


def test_asked_identity_expects_identifiers_and_secrets() -> None:
    asked = asked_identity()
    assert asked["kind"] == "information" and asked["slots"] == ["identity"], asked
    assert {"emails", "customer_ids", "zip_code", "card_last4"} <= set(asked["expects"]), asked


def test_asked_confirmation_and_nothing() -> None:
    assert asked_of(State(flow=flow_of(["cancel_order"], ["confirmation"], "confirming")))["kind"] == "confirmation"
    assert asked_of(State(flow=flow_of(["track_order"], [], "done")))["kind"] == "nothing"
    assert asked_of(State())["kind"] == "nothing"


def test_an_order_flow_expects_an_order_id_when_it_asks_for_one() -> None:
    asked = asked_of(State(flow=flow_of(["get_refund"], ["order_id"])))
    assert asked["expects"] == ["order_ids"], asked
    assert "order_ids" in expected_entities(["cancel_order"]), expected_entities(["cancel_order"])


@pytest.mark.parametrize("text", ["94110", "my card's last digits: 1234", "it's ella@corp.io", "C0042 5555"])
def test_a_bare_value_answers_the_identity_question(text: str) -> None:
    assert act_of(text, asked_identity(), top=("check_payment_methods", 0.95), flow=("track_order",)) == "answer"


@pytest.mark.parametrize("text", ["whoops, 94111", "sorry typo, zip is 94111", "no wait the card is 9911"])
def test_a_new_value_with_a_correction_word_is_a_correction(text: str) -> None:
    assert act_of(text, asked_identity(), top=("out_of_scope", 0.9), flow=("track_order",)) == "correct"


def test_an_answer_with_a_request_of_its_own_is_a_new_request() -> None:
    text = "ella@corp.io zip 94110 - and can you also cancel my order 10001 please?"
    assert act_of(text, asked_identity(), top=("cancel_order", 0.93), flow=("track_order",)) == "new_request"


@pytest.mark.parametrize("text", ["brilliant, ta", "cool that fixed it, many thanks", "ok", "all good now cheers",
                                  "right, I'll give that a go then. thanks!",
                                  # "did it" after its subject states what fixed it; it asks nothing
                                  "great, that did it, the printer shows up again. cheers"])
def test_thanks_and_acknowledgements_close(text: str) -> None:
    assert act_of(text, NOTHING, top=("recover_password", 0.97), done=("technical_issue",)) == "close"


@pytest.mark.parametrize("text", [
    "thanks, but can you check order 10002 as well?",
    "Much appreciated. However I would rather talk to one of your staff about the broken screen, it has been "
    "weeks and nothing has happened",
    "thank you! how long is the reset link valid",
])
def test_thanks_that_lead_to_a_request_do_not_close(text: str) -> None:
    assert act_of(text, NOTHING, top=("contact_human_agent", 0.9)) == "new_request"


def test_a_yes_to_the_pending_confirmation_confirms_and_a_no_denies() -> None:
    asked = asked_of(State(flow=flow_of(["switch_account"], ["confirmation"], "confirming")))
    assert act_of("sure, do it", asked, top=("switch_account", 0.5), flow=("switch_account",)) == "confirm"
    assert act_of("nope, leave it", asked, top=("out_of_scope", 0.5), flow=("switch_account",)) == "deny"


def test_never_mind_with_nothing_pending_drops_the_request() -> None:
    assert act_of("never mind, leave everything as it is", NOTHING, top=("change_order", 0.7)) == "deny"


@pytest.mark.parametrize("text", [
    "hang on, checked my bank app again: the other one was a supermarket. sorry, never mind",
    "oh it turned up this morning, all good then",
    "we sorted it ourselves, so no need for the refund after all",
])
def test_taking_back_a_request_that_waits_for_an_answer_drops_it(text: str) -> None:
    asked = asked_of(State(flow=flow_of(["billing_dispute"], ["invoice_id"])))
    assert act_of(text, asked, top=("billing_dispute", 0.8), flow=("billing_dispute",)) == "deny"


def test_taking_back_a_request_with_a_new_value_or_a_new_request_is_no_withdrawal() -> None:
    asked = asked_of(State(flow=flow_of(["billing_dispute"], ["invoice_id"])))
    assert act_of("never mind that one, it's INV-20044", asked, top=("billing_dispute", 0.8),
                flow=("billing_dispute",)) != "deny"
    assert act_of("forget it, can you cancel my order 10001 instead?", asked, top=("cancel_order", 0.95),
                flow=("billing_dispute",)) == "new_request"


@pytest.mark.parametrize("text", ["nah its fine then", "naw, leave it", "forget it, not worth it"])
def test_a_casual_no_drops_the_request_after_its_answer(text: str) -> None:
    # "nah its fine then" after the agent said the keyboard is past the return window: nothing more to do
    assert affirmation_of(text) == "no"
    assert act_of(text, NOTHING, top=("out_of_scope", 0.57), done=("out_of_scope",)) == "deny"


@pytest.mark.parametrize(("text", "top"), [
    ("oh hang on, the repeat payment is my gym membership. sorry, never mind", ("billing_dispute", 0.97)),
    ("oh wait I found it in my other account, forget it", ("change_order", 0.35)),
])
def test_taking_back_a_request_just_answered_closes_it(text: str, top: tuple[str, float]) -> None:
    """After the request was answered, a message that ends by taking it back opens nothing, whatever topic the
    router reads in the explanation before it."""
    assert act_of(text, NOTHING, top=top, done=("payment_issue",)) == "close"
    assert act_of("never mind that, can you cancel order 10001?", NOTHING, top=("cancel_order", 0.95),
                done=("payment_issue",)) == "new_request"


def test_a_yes_to_what_was_just_done_closes_it() -> None:
    assert act_of("yes transfer all of it", NOTHING, top=("account_migration", 0.95),
                done=("account_migration",)) == "close"


def test_the_other_one_corrects_the_flow_in_progress() -> None:
    asked = asked_of(State(flow=flow_of(["billing_dispute"], ["invoice_id"])))
    assert act_of("no, the other one", asked, top=("check_invoice", 0.8), flow=("billing_dispute",)) == "correct"


def test_residual_drops_values_and_their_cue_words() -> None:
    assert residual("my email is ella@corp.io and the zip code is 94110") == ""
    assert residual("customer C0042, card ending 5555") == ""


def test_identity_args_need_an_identifier_and_a_secret() -> None:
    assert identity_args({"email": "a@b.co"}) is None
    assert identity_args({"zip_code": "94110"}) is None
    assert identity_args({"customer_id": "C0042", "card_last4": "5555", "order_id": 1}) == {
        "customer_id": "C0042", "card_last4": "5555"}


def test_slots_on_record_carry_to_a_confident_new_request_only() -> None:
    state = State(flow=flow_of(["cancel_order"], [], "done", order_id=10002, address={"zip_code": "94110"}))
    assert carried_slots(state, [{"intent": "track_order", "confidence": 0.9}]) == {"order_id": 10002}
    assert carried_slots(state, [{"intent": "get_refund", "confidence": 0.4}]) == {}


def test_who_the_customer_said_they_are_carries_to_any_new_request() -> None:
    """An email and a ZIP code given before any request ("ella@corp.io", "94110", then "where is my order?") are
    not asked again, however unsure the router is of the request; a secret a failed check used is."""
    state = State(flow=flow_of(["out_of_scope"], [], "done", email="ella@corp.io", zip_code="94110", order_id=10002))
    assert carried_slots(state, [{"intent": "track_order", "confidence": 0.5}]) == {
        "email": "ella@corp.io", "zip_code": "94110"}
    failed = State(flow=state.flow, plan=[{"id": "verify", "status": "failed"}])  # type: ignore[list-item]
    assert carried_slots(failed, [{"intent": "track_order", "confidence": 0.9}]) == {
        "email": "ella@corp.io", "order_id": 10002}


def test_a_bare_number_after_an_identifier_alone_is_its_secret() -> None:
    """"ella@corp.io", then "94110" with nothing asked: the ZIP code that goes with the email, not an order."""
    state = State(flow=flow_of(["contact_customer_service"], [], "done", email="ella@corp.io"))
    assert set(secret_awaited(state, "94110")) == {"zip_code", "card_last4"}
    assert secret_awaited(state, "where is order 94110?") == []
    assert secret_awaited(State(flow=flow_of(["out_of_scope"], [], "done")), "94110") == []


def test_a_bare_number_beside_an_identifier_in_a_message_of_nothing_else_is_its_secret() -> None:
    """"sure, ella@corp.io / 94110" with nothing asked is a login: the number is the ZIP code, not an order."""
    state = State(flow=flow_of(["check_refund_policy"], [], "done"))
    assert set(secret_awaited(state, "sure, ella@corp.io / 94110", names_account=True)) == {"zip_code", "card_last4"}
    assert secret_awaited(state, "ella@corp.io, where is 94110?", names_account=True) == []
    assert secret_awaited(state, "94110") == []


def test_a_yes_restating_what_was_just_done_closes_it() -> None:
    """"Yes, please dispute it." after the dispute was opened: nothing more to do, and no new dispute to find."""
    assert act_of("Yes, please dispute it.", NOTHING, top=("billing_dispute", 0.7),
                  done=("billing_dispute",)) == "close"
    assert act_of("yes please, and dispute the other one too", NOTHING, top=("billing_dispute", 0.7),
                  done=("billing_dispute",)) != "close"
    assert act_of("yes, can you dispute it?", NOTHING, top=("billing_dispute", 0.7),
                  done=("billing_dispute",)) != "close"


def test_a_yes_with_request_words_still_answers_the_pending_confirmation() -> None:
    asked = asked_of(State(flow=flow_of(["switch_account"], ["confirmation"], "confirming")))
    assert act_of("Yes, please go ahead and do it.", asked, top=("cancel_order", 0.9),
                flow=("switch_account",)) == "confirm"


def test_restating_the_pending_request_confirms_it() -> None:
    asked = asked_of(State(flow=flow_of(["switch_account"], ["confirmation"], "confirming")))
    assert act_of("Move me to Basic then.", asked, top=("switch_account", 0.93), flow=("switch_account",)) == "confirm"


def test_restating_an_intent_only_a_model_read_into_the_request_does_not_confirm_it() -> None:
    """Found by the policy fuzzer: 'merge accounts', read by the chat model as a plan switch too, waited for a yes
    to change_plan; the next message 'switch plan.' was taken as restating the pending request and the write ran."""
    flow = flow_of(["account_migration", "switch_account"], ["confirmation"], "confirming")
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
    asked = asked_of(State(flow=flow_of(["switch_account"], ["confirmation"], "confirming")))
    assert act_of(text, asked, top=("switch_account", 0.93), flow=("switch_account",)) != "confirm"
    assert act_of("can you switch me to plus", asked, top=("switch_account", 0.93),
                  flow=("switch_account",)) == "confirm"


@pytest.mark.parametrize(("text", "answer"), [("Sí, por favor", "yes"), ("oui merci", "yes"), ("nein, danke", "no")])
def test_yes_and_no_in_other_languages(text: str, answer: str) -> None:
    assert affirmation_of(text) == answer


def test_a_no_to_an_information_question_does_not_drop_the_request() -> None:
    asked = asked_of(State(flow=flow_of(["cancel_order"], ["order_id"])))
    assert act_of("no I don't have it to hand", asked, top=("cancel_order", 0.7), flow=("cancel_order",)) != "deny"


@pytest.mark.parametrize("text", [
    "Nope. Leave the order alone, just drop the charger from it.",
    "no, the kettle stays, only remove the toaster",
    "No thanks, I'd like the delivery moved to Friday instead.",
])
def test_a_no_that_goes_on_to_ask_for_something_else_is_that_request(text: str) -> None:
    asked = asked_of(State(flow=flow_of(["cancel_order"], ["confirmation"], "confirming")))
    assert act_of(text, asked, top=("change_order", 0.9), flow=("cancel_order",)) == "new_request"


@pytest.mark.parametrize(("text", "top"), [
    ("no, on second thought it stays with me", ("change_order", 0.9)),  # keeps: asks for nothing else
    ("nope, don't cancel it, leave it", ("cancel_order", 0.9)),  # the offered request itself, declined
    ("no, drop the charger from it", ("change_order", 0.4)),  # the router unsure of another request
])
def test_a_no_without_another_sure_request_still_declines(text: str, top: tuple[str, float]) -> None:
    asked = asked_of(State(flow=flow_of(["cancel_order"], ["confirmation"], "confirming")))
    assert act_of(text, asked, top=top, flow=("cancel_order",)) == "deny"


def test_a_verified_customers_request_expects_no_identity_secrets() -> None:
    assert {"zip_code", "card_last4"} <= set(expected_entities(["cancel_order"]))
    assert not {"zip_code", "card_last4"} & set(expected_entities(["cancel_order"], verified=True))
