"""A question about the finished request's record, by a pronoun (graphs/support/references.py), without the router:
its scores are scripted."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from graphs.reasoners.local.entities import extract_entities
from graphs.reasoners.local.router import IntentScore
from graphs.support.dialogue_acts import read_act
from graphs.support.references import followed_records, given_instead, named_again, referred_reading
from graphs.support.state import ActiveFlow, IntentGuess
from tests.unit.dialogue_cases import NOTHING


def _done(intent: str, **slots: Any) -> ActiveFlow:
    return {"intents": [intent], "confidences": {intent: 0.9}, "slots": slots, "stage": "done",  # type: ignore[typeddict-item]
            "asking": [], "low_confidence_turns": 0}


UNSURE = [IntentScore("technical_issue", 0.36), IntentScore("delivery_period", 0.25),
          IntentScore("track_order", 0.12), IntentScore("billing_dispute", 0.11), IntentScore("out_of_scope", 0.05),
          IntentScore("cancel_order", 0.03)]


def test_a_question_about_it_after_a_finished_order_request_is_about_that_order() -> None:
    """After the order's address could not change, "ugh. any idea when it gets here then?" asks about that order:
    of the readings that take an order, the most probable that puts no money at stake (billing_dispute, cancel_order
    do: they must name their record)."""
    flow = _done("change_shipping_address", order_id=40217)
    reading = referred_reading(UNSURE, "ugh. any idea when it gets here then?", flow, {})
    assert reading is not None and reading["intent"] == "track_order", reading
    assert reading["confidence"] > 0.6, reading


def test_the_router_s_reading_stands_when_the_words_do_not_refer_to_the_record() -> None:
    flow = _done("change_shipping_address", order_id=40217)
    said = "ugh. any idea when it gets here then?"
    assert referred_reading(UNSURE, "ugh. how long does delivery take in general?", flow, {}) is None  # no pronoun
    assert referred_reading(UNSURE, "ugh. it gets here late, again.", flow, {}) is None  # no question
    assert referred_reading(UNSURE, said, flow, {"order_ids": [40300]}) is None  # names an order of its own
    assert referred_reading(UNSURE, said, _done("recover_password", email="a@b.com"), {}) is None  # no record held
    sure = [IntentScore("technical_issue", 0.8), *UNSURE[2:]]
    assert referred_reading(sure, said, flow, {}) is None  # the router is sure of what it read
    faint = [IntentScore("technical_issue", 0.5), IntentScore("delivery_period", 0.4), IntentScore("track_order", 0.05)]
    assert referred_reading(faint, said, flow, {}) is None  # no reading that takes the order is plausible
    collecting = {**flow, "stage": "collecting"}
    assert referred_reading(UNSURE, said, collecting, {}) is None  # nothing finished yet  # type: ignore[arg-type]


def test_a_general_question_asked_of_the_order_discussed_is_that_order_s_request() -> None:
    """"right. when's it going to arrive then?" after an order request: the router is sure it asks how long delivery
    takes, but "it" is the order; delivery_period names track_order for a question about a record held."""
    sure = [IntentScore("delivery_period", 0.9), IntentScore("track_order", 0.06), IntentScore("out_of_scope", 0.04)]
    cancelled = _done("cancel_order", order_id=40217)
    reading = referred_reading(sure, "right. when's it going to arrive then?", cancelled, {})
    assert reading == {"intent": "track_order", "confidence": 0.96}, reading
    assert referred_reading(sure, "right. how long does delivery take?", cancelled, {}) is None


def test_a_question_about_it_read_as_out_of_scope_is_read_from_the_shop_topics_beside() -> None:
    """"pity. so what day does it reach me?" after the order's address could not change: the router finds no shop
    topic (out of scope, unsure), but "it" is the order; the shop topics it also read decide, a general delivery
    question counting for the order's tracking, beside the readings that take the order themselves."""
    aside = [IntentScore("out_of_scope", 0.7), IntentScore("change_shipping_address", 0.11),
             IntentScore("delivery_period", 0.1), IntentScore("track_order", 0.04),
             IntentScore("check_refund_policy", 0.02)]
    flow = _done("change_shipping_address", order_id=40217)
    reading = referred_reading(aside, "pity. so what day does it reach me?", flow, {})
    assert reading == {"intent": "track_order", "confidence": 0.56}, reading
    chat = [IntentScore("out_of_scope", 0.97), IntentScore("delivery_period", 0.02), IntentScore("track_order", 0.01)]
    assert referred_reading(chat, "is it sunny where you are?", flow, {}) is None  # sure it is no shop topic
    faint = [IntentScore("out_of_scope", 0.9), IntentScore("technical_issue", 0.06), IntentScore("track_order", 0.04)]
    assert referred_reading(faint, "pity. so what day does it reach me?", flow, {}) is None  # nothing plausible


def test_the_general_question_the_asking_sentence_was_read_as_is_about_the_record() -> None:
    """"meh, fine. and what day will it show up? I'll wait in for it" after the address could not change: the whole
    message reads most like the address change again, but the router's detection read the sentence that asks as how
    long delivery takes; asked of the order discussed, that is its tracking, as sure as that reading."""
    whole = [IntentScore("change_shipping_address", 0.45), IntentScore("track_order", 0.3),
             IntentScore("delivery_period", 0.25)]
    flow = _done("change_shipping_address", order_id=40217)
    said = "meh, fine. and what day will it show up? I'll wait in for it"
    reading = referred_reading(whole, said, flow, {}, {"intent": "delivery_period", "confidence": 0.88})
    assert reading == {"intent": "track_order", "confidence": 0.88}, reading
    assert referred_reading(whole, said, flow, {}) is None  # the whole message's reading takes the order itself
    assert referred_reading(whole, said, flow, {}, {"intent": "change_shipping_address", "confidence": 0.45}) is None


def test_a_bare_number_in_a_follow_up_is_another_of_the_records_the_finished_request_took() -> None:
    """"sure, he'll write himself. could you look at mine? 51230" after an order was looked up: a bare number is
    read where an order number is expected, so the follow-up names that order (a bare number is no order alone)."""
    said = "sure, he'll write himself. could you look at mine? 51230"
    flow = _done("track_order", order_id=40217)
    assert followed_records(flow, said) == ["order_ids"]
    now = datetime(2026, 3, 2, tzinfo=UTC)
    assert extract_entities(said, now=now, expecting=followed_records(flow, said))["order_ids"] == [51230]
    assert followed_records(flow, "sure, he'll write himself. I'm at 51230 these days") == []  # no follow-up
    assert followed_records({**flow, "stage": "collecting"}, said) == []  # type: ignore[arg-type]


def test_a_question_about_what_a_finished_refund_did_reads_the_refund_not_the_order() -> None:
    """"Great, and onto what card does the money land?" after an item was refunded: the router takes it for the
    order's tracking, but the refund the request made is what it asks about (get_refund's checked_by)."""
    tracking = [IntentScore("track_order", 0.7), IntentScore("track_refund", 0.2), IntentScore("out_of_scope", 0.1)]
    refunded = _done("get_refund", order_id=40217)
    reading = referred_reading(tracking, "Great, and onto what card does it land?", refunded, {})
    assert reading == {"intent": "track_refund", "confidence": 0.7}, reading
    # after a request that moved no money, the order's tracking stands; a request that acts is never re-read
    moved = _done("change_shipping_address", order_id=40217)
    assert referred_reading(tracking, "Great, and onto what card does it land?", moved, {}) is None
    acting = [IntentScore("cancel_order", 0.7), IntentScore("track_refund", 0.2), IntentScore("out_of_scope", 0.1)]
    assert referred_reading(acting, "Great, and could you call it off too?", refunded, {}) is None


NOW = datetime(2026, 3, 2, tzinfo=UTC)


def test_a_held_value_named_again_says_what_kind_the_bare_number_beside_it_is() -> None:
    """After the parcel's address was set with ZIP 60614, "the postcode was off - 60622, not 60614": the number
    named again is the ZIP of the address held, so the other bare number is the ZIP that replaces it (no order id,
    and not the old ZIP the "not" takes back)."""
    moved = _done("change_shipping_address", order_id=40217,
                  address={"line1": "18 Elm Rd", "city": "Chicago", "zip_code": "60614"})
    said = "the postcode was off - 60622, not 60614"
    again = named_again(moved, said)
    assert again == {"zip_code": "60614"}, again
    read = given_instead(said, again, lambda text: extract_entities(text, now=NOW, expecting=list(again)))
    assert read.get("zip_code") == "60622" and "order_ids" not in read, read
    assert named_again(moved, "is 60622 near you?") == {}  # names nothing the request holds
    assert named_again({**moved, "stage": "collecting"}, said) == {}  # type: ignore[arg-type]


def test_a_value_then_not_another_keeps_the_first() -> None:
    """"zip 60614, not 60615" keeps 60614: "not" is no "no", which would take the first back."""
    assert extract_entities("zip 60614, not 60615", now=NOW).get("zip_code") == "60614"
    assert extract_entities("zip 60614, no sorry 60615", now=NOW).get("zip_code") == "60615"


def test_a_reply_naming_the_held_value_beside_its_replacement_corrects_the_finished_request() -> None:
    """"the postcode should read 60622 rather than 60614" after the address was set: the router is sure of a change
    of address of its own, but the reply names the ZIP held beside its replacement, so it corrects that address."""
    said = "the postcode should read 60622 rather than 60614"
    sure: IntentGuess = {"intent": "change_shipping_address", "confidence": 0.95}
    entities = extract_entities(said, now=NOW, expecting=["zip_code"])
    args = (said, NOTHING, entities, None, sure, [], ["change_shipping_address"], ["address"])
    assert read_act(*args, replaces=True)["act"] == "correct"
    assert read_act(*args)["act"] == "new_request"
