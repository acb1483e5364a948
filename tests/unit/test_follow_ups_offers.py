"""After a step finished, without a graph: connectives, go-aheads and offers accepted, and which finished request a
follow-up follows up (graphs/support/affirmation.py, dialogue.py, utterance.py)."""

from __future__ import annotations

import pytest

from graphs.reasoners.local.entities import extract_entities
from graphs.reasoners.local.segments import split_clauses
from graphs.support.affirmation import accepts, affirmation_of
from graphs.support.descriptions import described_in, matches
from graphs.support.dialogue import amendable, asked_of, closing_flow, followed, unheard
from graphs.support.dialogue_acts import read_act
from graphs.support.flows import get_flow
from graphs.support.instruction import tells_value
from graphs.support.state import ActiveFlow, State
from graphs.support.utterance import follows_up
from tests.unit.follow_up_cases import NOW, done_state


def test_plus_the_plan_is_no_connective() -> None:
    assert split_clauses("I'd like to step down from Pro to Plus please. I never use next-day shipping") == [
        "I'd like to step down from Pro to Plus please", "I never use next-day shipping"]
    assert split_clauses("return the hub plus where is order 10877 now?") == [
        "return the hub", "where is order 10877 now?"]


@pytest.mark.parametrize(("said", "affirmation"), [
    ("oh that 19.99 was you? I thought it was my bank. ok so just the rest then, go ahead", "yes"),
    ("right, that makes sense. yes please do", "yes"),
    ("hmm. how do I do it?", None),  # a question, not a go-ahead
    ("I see. that was the old card", None),
    ("no, don't cancel. just take the mouse off", "no"),
    ("alright sure, go ahead", "yes"),  # an acknowledgement before the yes
    ("right, no thanks", "no"),
    ("alright where is my order then", None),
    # a long explanation that ends in an explicit go-ahead: the last sentence decides, as it says it
    ("ah wait, that must be the speaker then, we ordered it in the same week as the lamp and I mixed the two up "
     "completely. Yes, send the extra payment back please.", "yes"),
    ("ah wait, that must be the speaker then, we ordered it in the same week as the lamp and I mixed the two up "
     "completely. Yes, but only half of it.", None),
    ("ah wait, that must be the speaker then, we ordered it in the same week as the lamp and I mixed the two up "
     "completely. Yes, can you make it a gift card?", None),
])
def test_a_go_ahead_that_ends_a_reply_after_a_remark_is_a_yes(said: str, affirmation: str | None) -> None:
    assert affirmation_of(said) == affirmation


def test_a_text_slot_s_default_is_no_retelling() -> None:
    """"Back to the card please" names no return: get_refund's ``returning`` (default false) is not retold."""
    returning = get_flow("get_refund").slots["returning"]
    assert returning.named_in("Back to the card please. And how long before it shows?") is None
    assert not tells_value(returning, "Back to the card please. And how long before it shows?")
    assert returning.named_in("I'd rather just return them") is True


def test_a_bare_go_ahead_after_the_request_was_done_closes_it() -> None:
    """The switch ran on the customer's outright request; "Yes, please do it." then adds nothing to do."""
    state = done_state("switch_account", plan="pro")
    text = "Yes, please do it."
    reading = read_act(text, asked_of(state), {}, affirmation_of(text), {"intent": "switch_account",
                       "confidence": 0.7}, [], ["switch_account"])
    assert reading["act"] == "close", reading


@pytest.mark.parametrize(("said", "glad"), [
    ("amazing.", True),
    ("yay. and it'll ship to the same place the mouse went to, right?", False),  # a question keeps it pending
    ("perfect, thank you", True),
    ("great but can it be the black one instead?", False),  # the "but" takes it back
    ("is it great for gaming?", False),
    # delight said of the offer itself is a yes like the word alone; what follows still decides
    ("that'd be wonderful, cheers", True),
    ("it would be really fantastic", True),
    ("That sounds perfect", True),
    ("this would be brilliant but only for the cable", False),
    ("it is excellent. will it reach me by friday?", False),
])
def test_delight_at_the_offer_is_a_yes_to_it(said: str, glad: bool) -> None:
    assert accepts(said) is glad


def test_trading_an_item_in_for_another_is_an_exchange() -> None:
    swapping = get_flow("change_order").slots["swapping"]
    assert swapping.named_in("is it possible to trade the mouse in and get the keyboard instead?") is True
    assert swapping.named_in("can I just get my money back instead?") is None


@pytest.mark.parametrize(("said", "settled"), [
    ("Oh, so only what's left on it? ok, then refund whatever's left.", True),
    ("fine then, do that", True),
    ("ok, then where is my order?", False),  # asks something else
    ("ok thanks", False),
    # the remainder offered, by its amount, after a remark
    ("Oh right, you already paid $25 of it back. Fine, the remaining $64.99 then, cheers.", True),
    ("sure, the remaining amount then", True),
    ("ok the remaining $64.99 is still too little", False),  # the amount is judged, not taken
    ("the remaining one is broken too", False),
    ("ok, the remaining $64.99 then, but not yet", False),
])
def test_an_acknowledgement_and_then_settles_on_the_offer(said: str, settled: bool) -> None:
    assert accepts(said) is settled


def _offered(refunded: float) -> State:
    """A refund of $64.99 offered on an order that had $25 refunded before (get_refund_status's record)."""
    done = {"id": "get_refund.refunds", "intent": "get_refund", "tool": "get_refund_status",
            "args": {"order_id": 27741}, "depends_on": [], "why": "", "writes": False, "status": "done",
            "result": {"ok": True, "data": {"refunded": refunded, "remaining_refundable": 64.99}}, "error": None,
            "hold_reason": None, "approved_by": None, "confirmed": False}
    offer = {**done, "id": "get_refund.refund", "tool": "refund_order", "status": "awaiting_confirmation",
             "args": {"order_id": 27741, "amount": 64.99}, "result": None, "writes": True}
    return State(plan=[done, offer])  # type: ignore[list-item]


def test_a_value_the_records_show_is_heard_only_when_records_count() -> None:
    """"you already paid $25 of it back" repeats a refund on record; a new $30 is new either way."""
    assert unheard({"amounts": [25.0, 64.99]}, _offered(25.0), records=True) == {}
    assert unheard({"amounts": [25.0, 64.99]}, _offered(25.0)) == {"amounts": [25.0, 64.99]}
    assert unheard({"amounts": [30.0, 64.99]}, _offered(25.0), records=True) == {"amounts": [30.0, 64.99]}


@pytest.mark.parametrize(("said", "affirmation", "accepted"), [
    ("fine then, never mind it", "no", False),  # an opener, then a refusal
    ("ok then, I don't want that anymore", None, False),  # a negation after the opener
    ("alright then, let me talk to my wife first", None, False),  # a deferral
    ("brilliant, I'll mull it over and let you know", None, False),
    ("lovely, I'd rather not decide today", None, False),
    ("wonderful, will I get an email when it's done?", None, False),  # a question
    ("ok, I'll think it over", None, False),  # a yes word that defers is no yes either
    ("sure, no problem", "yes", False),
    ("fantastic, thanks a lot", None, True),  # the opener and thanks
    ("alright then, just cancel it", None, True),  # the rest orders the offered action
    ("excellent, go ahead", None, True),
])
def test_after_an_opener_the_rest_of_the_reply_decides(said: str, affirmation: str | None, accepted: bool) -> None:
    assert affirmation_of(said) == affirmation
    assert accepts(said) is accepted


@pytest.mark.parametrize("said, follows", [
    ("right, got it. and my newest one?", True),
    ("fair enough. what about mine then?", True),
    ("cheers - and October's as well please", True),
    ("could you do the same for my other account?", True),
    ("ok. and can you also cancel it", False),
    ("thanks, so when will I see the money", False),
    ("cheers. could I have the one from May too?", True),
])
def test_a_follow_up_may_open_with_an_acknowledgement_and_name_a_month_or_mine(said: str, follows: bool) -> None:
    assert follows_up(said) is follows


def test_a_follow_up_asks_a_finished_lookup_again_but_never_a_refund() -> None:
    """An invoice listing is asked for again, for another month, whatever the router reads in the few words; a
    finished refund is not (a follow-up that moves money must name its record, and reads as a request of its own)."""
    text = "thanks! and October's as well please"
    entities = extract_entities(text, now=NOW)
    listing = done_state("get_invoice")
    reading = read_act(text, asked_of(listing), entities, affirmation_of(text),
                       {"intent": "out_of_scope", "confidence": 0.7}, [], ["get_invoice"],
                       amendable(listing, entities, text))
    assert reading["act"] == "new_request" and reading.get("again") == ["get_invoice"], reading
    refund = done_state("get_refund", order_id=40217)
    reading = read_act(text, asked_of(refund), entities, affirmation_of(text),
                       {"intent": "out_of_scope", "confidence": 0.7}, [], ["get_refund"],
                       amendable(refund, entities, text))
    assert "again" not in reading, reading


@pytest.mark.parametrize(("said", "follows"), [
    ("ok, no worries, he can write in. would you look at ours instead? 51230", True),
    ("right. can you track mine while you're there", True),
    ("a mate of mine says it's usually quick", False),
    ("mine came with a scratch on the lid", False),
])
def test_the_customer_s_own_record_as_what_a_verb_takes_follows_up(said: str, follows: bool) -> None:
    """"look at ours" after someone else's order was looked up: the same request, about the customer's own record."""
    assert follows_up(said) is follows


@pytest.mark.parametrize(("said", "follows"), [
    ("ok thanks. and I get far too many texts from you, turn them off", False),
    ("it got there too late to use it", False),
    ("the charger too, thanks", True),
    ("and the case too and the cable", True),
])
def test_too_before_the_word_it_grades_is_no_addition(said: str, follows: bool) -> None:
    assert follows_up(said) is follows


def test_a_second_request_after_a_finished_one_is_not_that_one_again_for_a_too_that_grades() -> None:
    """After a password reset, "cheers. also, can the texts stop, I get too many of them" is read by the router
    (the newsletter): "too many" adds nothing to the finished request, so it is not asked again."""
    state = done_state("recover_password", email="a@b.com")
    text = "cheers. one more thing, turn off the promo texts, there are too many of them"
    entities = extract_entities(text, now=NOW)
    reading = read_act(text, asked_of(state), entities, affirmation_of(text),
                       {"intent": "newsletter_subscription", "confidence": 0.95}, [], ["recover_password"],
                       amendable(state, entities, text))
    assert reading["act"] == "new_request" and "again" not in reading, reading


def test_the_most_recent_one_is_the_record_dated_last() -> None:
    lookup = get_flow("track_order").slots["order_id"].resolve
    assert lookup is not None
    orders = [{"order_id": 1, "placed_at": "2026-02-01", "products": ["Mechanical Keyboard"]},
              {"order_id": 2, "placed_at": "2026-02-20", "products": ["Lumen 4K TV 55in"]},
              {"order_id": 3, "placed_at": "2026-02-11", "products": ["HDMI Cable 2m"]}]
    text = "ok and what about my most recent one?"
    entities = extract_entities(text, now=NOW)
    assert [o["order_id"] for o in matches(orders, lookup, described_in(text, entities, NOW))] == [2]
    assert amendable(done_state("track_order", order_id=40217), entities, text) == ["order_id"]
    assert len(matches(orders, lookup, described_in("where is my order?", {}, NOW))) == 3


def test_after_a_closing_thanks_the_request_before_it_is_the_one_followed_up() -> None:
    tracked = done_state("track_order", order_id=40217).flow
    assert tracked is not None
    thanks = closing_flow(["out_of_scope"], tracked)
    assert thanks is not None and thanks["intents"] == ["track_order"], thanks
    closing: ActiveFlow = {**tracked, "intents": ["out_of_scope"], "slots": {}, "earlier": thanks}
    assert followed(closing) == thanks and followed(tracked) is tracked
    assert closing_flow(["out_of_scope"], closing) == thanks  # a second thanks keeps it
    assert closing_flow(["get_refund"], tracked) is None  # a request of its own starts afresh


def test_a_follow_up_with_no_verb_of_its_own_follows_up_whatever_the_router_guesses() -> None:
    """"how about mine then, the newest one?" after a finished tracking: the router may be sure of another intent
    from those few words, but nothing in them asks for anything else; "and the keyboard, can you refund it?" does."""
    state = done_state("track_order", order_id=40217)
    text = "right. how about mine then, the newest one?"
    entities = extract_entities(text, now=NOW)
    reading = read_act(text, asked_of(state), entities, affirmation_of(text),
                       {"intent": "place_order", "confidence": 0.9}, [], ["track_order"],
                       amendable(state, entities, text))
    assert reading["act"] == "correct" and reading.get("amends") == ["order_id"], reading


def test_a_question_answered_from_the_help_centre_is_not_asked_again_by_a_follow_up() -> None:
    state = done_state("check_cancellation_fee")
    text = "ok. and the refund window - does it start when I order?"
    entities = extract_entities(text, now=NOW)
    reading = read_act(text, asked_of(state), entities, affirmation_of(text),
                       {"intent": "check_refund_policy", "confidence": 0.8}, [], ["check_cancellation_fee"],
                       amendable(state, entities, text))
    assert "again" not in reading, reading


def test_a_follow_up_that_describes_its_record_may_find_the_one_found_last_time() -> None:
    """"and the wall mount?" after a tracking that found the wall mount's order: its words decide, and they may
    point at that order again; only "the other one" (or a correction) rules it out."""
    state = done_state("track_order", order_id=36001)
    catalogue = ["TV Wall Mount", "Lumen 4K TV 43in"]
    for text, same in (("ok. and the wall mount? no use without it", True),
                       ("and the other one? the wall mount", False)):
        entities = extract_entities(text, now=NOW, catalogue=catalogue)
        reading = read_act(text, asked_of(state), entities, affirmation_of(text),
                           {"intent": "track_order", "confidence": 0.9}, [], ["track_order"],
                           amendable(state, entities, text))
        assert reading["act"] == "correct" and reading.get("same_record", False) is same, (text, reading)


@pytest.mark.parametrize("done, text, top", [
    ("get_refund", "thanks. and the charger refund from last month, has that gone through?", "track_refund"),
    ("cancel_order", "yes 40217 the phone one. all of it, the case too", "cancel_order"),
])
def test_a_follow_up_after_a_request_that_moved_money_is_read_by_the_router(done: str, text: str, top: str) -> None:
    state = done_state(done, order_id=40217)
    entities = extract_entities(text, now=NOW, catalogue=["USB-C Charger 65W", "Phone Case Clear"])
    reading = read_act(text, asked_of(state), entities, affirmation_of(text), {"intent": top, "confidence": 0.9},
                       [], [done], amendable(state, entities, text))
    assert reading["act"] == "new_request" and "again" not in reading and "amends" not in reading, reading
