"""Requests phrased as questions and consent in shades (issue 15: money safety).

A request's clause asks whether, rather than instructs, by its grammar: interrogative (auxiliary first, a question
word, or a question mark) with the customer or nobody in particular as its subject; a question whose subject is
the agent ("could you ...?") is a polite instruction. After the agent offers something, a reluctant yes is a yes;
a yes with a condition, a yes to less or to something else than offered, and a yes taken back are not."""

from __future__ import annotations

from typing import Any

import pytest

from graphs.support.affirmation import affirmation_of, condition_of, narrows
from graphs.support.dialogue import asked_of, condition_holds
from graphs.support.dialogue_acts import read_act
from graphs.support.flows import get_flow, waits_for_yes
from graphs.support.instruction import asks_whether, hedges_action, performs, tells
from graphs.support.state import ActiveFlow, State
from graphs.support.units import narrowed_to


@pytest.mark.parametrize("words", [
    "Is there still time to cancel my lamp order before it leaves the warehouse?",
    "Would it still be possible to return the blender if I've opened it?",
    "If I send the kettle back, do I pay the postage myself?",
    "what becomes of my money if I cancel",
    "Am I still able to send back the kettle from order 10001?",
    "can I have a refund if the box is already opened?",
    "could you let me know whether it's too late to cancel?",
])
def test_a_question_about_the_action_with_the_customer_or_nobody_as_subject_asks(words: str) -> None:
    assert asks_whether(words), words


@pytest.mark.parametrize("words", [
    "could you cancel the lamp order?",
    "can somebody cancel order 10001 for me",
    "yes, do the exchange",
    "cancel the kettle order. how soon will I see the money?",
    "could I have my money back for the kettle?",
    "can the second payment be refunded?",
    "the lamp went through twice. could I get the other payment back?",
    "when you get a moment, refund the kettle",
])
def test_a_polite_or_plain_instruction_does_not_ask(words: str) -> None:
    assert not asks_whether(words), words


def _step(intent: str, tool: str) -> Any:
    return next(s for s in get_flow(intent).steps if s.tool == tool)


def test_a_cancel_asked_about_before_verification_still_waits_after_it() -> None:
    # the request's own words are read, not the message with the verification details that came after them
    cancel = _step("cancel_order", "cancel_order")
    assert waits_for_yes(cancel, "Is there still time to cancel order 10001?", "sam@example.com, zip 10001")
    assert not waits_for_yes(cancel, "please cancel order 10001", "sam@example.com, zip 10001")


def test_a_return_or_refund_asked_about_waits_asked_for_runs() -> None:
    # policy 2: a refund asked for is made, one asked about waits for the customer's yes
    returns, refund = _step("get_refund", "return_items"), _step("get_refund", "refund_order")
    assert waits_for_yes(returns, "Am I still able to send back the kettle from order 10001?")
    assert waits_for_yes(refund, "can I have a refund if the box is already opened?")
    assert not waits_for_yes(returns, "I'd like to send back the kettle from order 10001")
    assert not waits_for_yes(refund, "could I have my money back for the kettle?")


@pytest.mark.parametrize(("said", "reading"), [
    ("meh, fine, I suppose, go ahead", "yes"),  # reluctant, still a yes
    ("ugh ok fine", "yes"),
    ("ok sure. actually, hold off", "no"),  # taken back: nothing is done
    ("go ahead... on second thought, not yet", "no"),
    ("yes, provided the money lands on my card", None),  # a condition: no yes to the offer as made
    ("sure, cancel the other one instead", None),  # a yes to something else than offered
    ("yes, but onto the gift card", None),
])
def test_consent_in_shades(said: str, reading: str | None) -> None:
    assert affirmation_of(said) == reading, said


def test_a_conditional_yes_gives_its_condition_and_a_narrowed_yes_is_seen() -> None:
    assert condition_of("yes, provided the money lands on my card") == "provided the money lands on my card"
    assert condition_of("yes please") is None
    assert narrows("sure, only the charger") and narrows("yes but just the one cable")
    assert not narrows("yes please, go ahead")


def _awaiting(intent: str, **slots: Any) -> State:
    flow: ActiveFlow = {"intents": [intent], "confidences": {intent: 0.9}, "slots": slots, "stage": "executing",
                        "asking": ["confirmation"], "low_confidence_turns": 0}  # type: ignore[typeddict-item]
    return State(flow=flow)


def test_a_yes_to_less_than_offered_does_not_confirm_the_offer() -> None:
    state = _awaiting("get_refund", order_id=10001, returning=True, store_credit=False)
    text = "sure, only the charger"
    reading = read_act(text, asked_of(state), {}, affirmation_of(text), None, ["get_refund"])
    assert reading["act"] != "confirm", reading


def test_a_conditional_yes_holds_only_when_the_request_already_meets_the_condition() -> None:
    card = _awaiting("get_refund", order_id=10001, returning=True, store_credit=False)
    gift_card = _awaiting("get_refund", order_id=10001, returning=True, store_credit=True)
    said = "ok, as long as it goes back onto my card"
    assert condition_holds(card, said, {})
    assert not condition_holds(gift_card, said, {})
    assert not condition_holds(card, "ok, as long as it arrives by friday", {})  # nothing the agent can check


def test_weighing_a_request_that_names_no_action_waits() -> None:
    # no verb to scope the hedge to: the whole request is weighed ("I suppose Basic would be enough")
    change = _step("switch_account", "change_plan")
    words = "Honestly not sure Pro pays for itself any more. I suppose Basic would be enough for me."
    assert waits_for_yes(change, words, words)
    assert not waits_for_yes(change, "put me on basic please", "put me on basic please")


def _offered(*names: str) -> State:
    items = [{"product_id": f"P{i}", "name": name} for i, name in enumerate(names)]
    done = {"id": "get_refund.order", "tool": "get_order", "status": "done", "args": {},
            "result": {"data": {"items": items}}}
    waiting = {"id": "get_refund.return", "tool": "return_items", "status": "awaiting_confirmation",
               "args": {"items": [{"product_id": item["product_id"]} for item in items]}, "result": None}
    state = _awaiting("get_refund", order_id=10001, returning=True)
    return State(flow=state.flow, plan=[done, waiting])  # type: ignore[list-item]


def test_a_yes_naming_all_that_was_offered_is_no_narrowing() -> None:
    from graphs.support.dialogue import offers_more

    assert offers_more(_offered("Kettle", "Toaster"), {"products": ["Kettle"]})
    assert not offers_more(_offered("Kettle"), {"products": ["Kettle"]})
    assert offers_more(_offered("Kettle"), {})  # nothing named: the offer may take in more


def test_misreadings_of_refund_requests_seen_on_the_dev_sets_are_gone() -> None:
    refund = _step("get_refund", "refund_order")
    # advice reported about something else is no hold-back of the refund asked for
    words = "I did all the steps your emails told me to do. I want my money back for order 10001."
    assert not waits_for_yes(refund, words, words)
    assert not waits_for_yes(refund, "could I quickly get my money back for the kettle?")
    assert waits_for_yes(refund, "could I still get my money back for the kettle?")
    assert not waits_for_yes(refund, "Good evening - could I get a refund on the kettle? it leaks")  # a greeting first
    # a condition after an acknowledgement alone; the card named beside "rather than" is not the card chosen
    assert condition_of("alright, but only if it goes back to the card") == "only if it goes back to the card"
    store_credit = get_flow("get_refund").slots["store_credit"]
    assert store_credit.read_text("gift card please, rather than money back on the card") is True
    assert store_credit.read_text("ok if it goes back to my card") is False


def test_a_negation_in_another_clause_after_a_dash_does_not_hold_the_action_back() -> None:
    """A dash opens another clause: the reason before it ("I won't pay for what I didn't pick") does not negate the
    instruction after it."""
    assert not hedges_action("I won't pay for a plan I didn't pick \u2014 dispute it.", "dispute")
    assert not hedges_action("I won't pay for a plan I didn't pick - open a dispute.", "dispute")
    assert hedges_action("please don't dispute it yet", "dispute")
    # keeping the goods holds back no dispute of a charge
    assert not hedges_action("The lamp from that week I'm keeping. I dispute the 14.99 charge.", "dispute")


@pytest.mark.parametrize(("words", "told"), [
    ("That subscription was never mine. I'd like to dispute it.", True),
    ("please open the dispute", True),
    ("what would a dispute involve?", False),
    ("not sure I want to dispute it", False),
])
def test_telling_the_offered_action_in_its_own_words(words: str, told: bool) -> None:
    assert tells(words, "dispute") is told, words


@pytest.mark.parametrize(("words", "asks"), [
    ("Why is there an INV-20999?? We never upgraded. We dispute this charge.", False),
    ("Why was I billed 19.99 twice? I'm formally disputing the second one.", False),
    ("What is INV-20999? Should I dispute it?", True),
    ("What is INV-20999?? If I dispute it, what happens?", True),
    ("What is INV-20999?? I disputed one like it last year.", True),
    ("What is INV-20999?? I'm not disputing it yet.", True),
])
def test_a_dispute_the_customer_makes_by_saying_so_is_no_question(words: str, asks: bool) -> None:
    """"I'm disputing this" takes the action by saying it (``instruction.performs``): beside a question about the
    charge, the dispute is told, not asked about; a condition, a past dispute or a negated one still asks."""
    assert asks_whether(words, "dispute") is asks, words


def test_a_refund_told_as_putting_the_charge_back_runs_beside_a_hedged_question() -> None:
    """"please put the extra one back" tells the refund; a "might" in another request's sentence beside it ("we
    might want more of these later; do you do discounts?") does not hold it back."""
    text = ("Order 12345 took my money two times. Please put the extra one back. Separately, our club might order "
            "a dozen more next season; is there a bulk price?")
    assert not asks_whether(text, "refund") and not hedges_action(text, "refund")
    assert hedges_action("We might put the second one back on the shelf, not sure yet.", "refund")


@pytest.mark.parametrize(("words", "verb"), [
    ("Could I cancel order 12002?", "cancel"),
    ("could I move to pro mid-month or do I have to wait till it renews?", "change"),
    ("Could I dispute INV-20999?", "dispute"),
    ("What is INV-20999?? I cancel things like this all the time.", "cancel"),
])
def test_only_an_objection_said_outright_is_taken_by_saying_it(words: str, verb: str) -> None:
    """A question whose subject is the customer ("could I cancel …?") still asks, and saying "I cancel" takes no
    action: only a dispute is made by saying so (``instruction.PERFORMED``)."""
    assert asks_whether(words, verb), words


def test_a_worry_beside_a_reported_double_charge_asks_nothing_about_its_refund() -> None:
    # policy 2: a duplicate charge reported is refunded without asking again; a question about something else
    # (fraud worries) is no question about the refund, but one about the refund or its money still waits
    refund = _step("payment_issue", "refund_order")
    worried = ("My statement shows the desk lamp billed twice, $34.50 each time on Tuesday. Could a stranger be "
               "using my card?")
    assert not waits_for_yes(refund, worried, worried)
    for asked in ("I was charged twice for my bulbs. Is it possible to refund it?",
                  "I was charged twice for my bulbs. Can I have a refund if the box is already opened?",
                  "Was I charged twice for the bulbs?", "the bulbs. Did they take the payment twice?"):
        assert waits_for_yes(refund, asked, asked)
    # a step no report puts right reads every question as before
    returns = _step("get_refund", "return_items")
    assert waits_for_yes(returns, "The kettle leaks. Should I be worried?", "The kettle leaks. Should I be worried?")


@pytest.mark.parametrize("words", [
    # review 17 (rv-dispute-that-question): a claim disputed, then a question about disputing and another way out
    "I dispute that I ever signed up for Pro. Can I raise a dispute on INV-30001, or would cancelling be smarter?",
    # the charge disputed outright, but the next sentence asks how to, or weighs another way
    "I dispute this charge. How would I go about opening a dispute on INV-30001?",
    "We contest the invoice. Should we open a dispute, or is it wiser to move down to basic?",
])
def test_a_dispute_beside_a_question_about_disputing_waits_for_a_yes(words: str) -> None:
    # policy 3a: a question waits for a yes, even beside words that sound like the dispute itself
    assert asks_whether(words, "dispute"), words


@pytest.mark.parametrize(("clause", "performed"), [
    ("we dispute this charge", True),
    ("I'm formally disputing the second one", True),
    ("I'm disputing this", True),
    ("I contest INV-30001", True),
    ("I dispute that I ever signed up for Pro", False),  # a claim, not the charge
    ("we're contesting nothing here", False),
    ("I'm challenging whether the plan is worth keeping", False),
    ("I'm not disputing it", False),
    ("I disputed it in the spring", False),
])
def test_only_the_charge_disputed_outright_is_a_dispute_made(clause: str, performed: bool) -> None:
    assert performs(clause, "dispute") is performed, clause


@pytest.mark.parametrize("words", [
    "we're contesting nothing, I only want to know what INV-30001 is for?",
    "I'm challenging whether staying on pro makes sense. What does INV-30001 cover?",
])
def test_no_dispute_said_leaves_a_question_about_the_invoice_asking(words: str) -> None:
    assert asks_whether(words, "dispute"), words


def test_a_contrast_after_a_refund_reported_done_holds_no_new_one_back() -> None:
    # the "but" follows the earlier refund, told as done; the request after it is an instruction
    text = "We were refunded for the lamp in March, lovely, but now the kettle leaks. Refund the kettle please."
    assert not hedges_action(text, "refund")
    assert hedges_action("Refund the kettle please, but only if the lamp stays.", "refund")
    assert hedges_action("I'd like it refunded, though maybe not yet.", "refund")


def test_what_the_words_report_of_a_thing_narrows_nothing() -> None:
    assert not narrows("yes, just the outer sleeve got scuffed, the headset is fine")
    assert not narrowed_to("ok, only the lid was dented in the post")
    assert narrows("ok but just the headset") and narrows("yes, only the one that hums")


@pytest.mark.parametrize("words", [
    "I'm wanting to return the kettle - can I get that as store credit instead of the card?",
    "we're needing to send the blender back, it leaks",
])
def test_a_want_in_the_progressive_instructs_as_the_simple_one_does(words: str) -> None:
    assert not asks_whether(words, "return"), words
    assert asks_whether("I'm wanting to know if I can return the kettle", "return")


@pytest.mark.parametrize(("words", "told"), [
    ("can I send the lamp back? store credit suits me, I'd prefer it", True),
    ("no refund yet. I'd rather go with store credit via a gift card", True),
    ("I'd rather not receive a gift card for it", False),
    ("would it be better to prefer store credit?", False),
    ("could the money come as store credit rather?", False),
])
def test_a_stated_preference_tells_where_the_money_goes(words: str, told: bool) -> None:
    from graphs.support.instruction import tells_value

    assert tells_value(get_flow("get_refund").slots["store_credit"], words) is told, words


@pytest.mark.parametrize(("words", "verb"), [
    ("tried resetting them twice, no joy. tbh just swap them for the sport model", "exchange"),
    ("honestly, just trade the kettle for the steel one", "exchange"),
    ("fine just refund what's left over then", "refund"),
])
def test_an_instruction_after_a_discourse_marker_tells_the_action(words: str, verb: str) -> None:
    assert tells(words, verb), words
    assert not asks_whether(words, verb), words


@pytest.mark.parametrize(("words", "verb"), [
    ("tbh can I swap these for the sport version?", "exchange"),
    ("fine, but can I still get the rest refunded if I wait?", "refund"),
])
def test_a_question_after_a_discourse_marker_still_asks(words: str, verb: str) -> None:
    assert not tells(words, verb), words


def test_a_value_named_only_as_what_is_not_preferred_is_not_told() -> None:
    from graphs.support.instruction import tells_value

    repair = get_flow("technical_issue").slots["repair"]
    assert not tells_value(repair, "the doorbell is dead. I'd prefer my money back, not a repair")
    assert tells_value(repair, "the doorbell is dead. I'd prefer a repair, not my money back")
