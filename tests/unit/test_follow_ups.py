"""After a step finished, without a graph: which slots of the finished request a correction amends, the offer a
refusal makes, and a plan named by its bare word (graphs/support/dialogue.py, nodes/plan.py, flows.py)."""

from __future__ import annotations

import pytest

from graphs.reasoners.local.entities import extract_entities
from graphs.support.affirmation import affirmation_of
from graphs.support.dialogue import amend, amendable, asked_of
from graphs.support.dialogue_acts import read_act
from graphs.support.flows import get_flow, waits_for_yes
from graphs.support.instruction import tells_value
from graphs.support.nodes.plan import offered_tools
from graphs.support.state import State, Step
from tests.unit.follow_up_cases import ADDRESS, NOW, done_state


def test_a_corrected_zip_amends_the_address_of_a_finished_change() -> None:
    state = done_state("change_shipping_address", order_id=10001, address=dict(ADDRESS), zip_code="94107")
    text = "oops wrong zip, it's 62701"
    entities = extract_entities(text, now=NOW)
    amends = amendable(state, entities)
    assert amends == ["address"], amends
    reading = read_act(text, asked_of(state), entities, affirmation_of(text), {"intent": "out_of_scope",
                       "confidence": 0.3}, [], ["change_shipping_address"], amends)
    assert reading["act"] == "correct" and reading.get("amends") == ["address"], reading
    assert state.flow is not None
    slots = dict(state.flow["slots"])
    amend(slots, amends, entities, ["change_shipping_address"])
    assert slots["address"] == {**ADDRESS, "zip_code": "62701"} and slots["order_id"] == 10001, slots


def test_nothing_is_amended_without_a_correction_or_while_the_request_is_open() -> None:
    state = done_state("change_shipping_address", order_id=10001, address=dict(ADDRESS))
    text = "thanks, and is 62701 in your delivery area?"
    entities = extract_entities(text, now=NOW)
    reading = read_act(text, asked_of(state), entities, affirmation_of(text), None, [], ["change_shipping_address"],
                       amendable(state, entities))
    assert reading["act"] != "correct" and "amends" not in reading, reading
    open_flow = State(flow={**state.flow, "stage": "executing"})  # type: ignore[typeddict-item]
    assert amendable(open_flow, extract_entities("oops, 62701", now=NOW)) == []


def test_a_refusal_that_names_another_tool_offers_it() -> None:
    failed: Step = {"id": "change_order.modify", "intent": "change_order", "tool": "modify_order", "args": {},
                    "depends_on": [], "why": "", "writes": True, "status": "failed", "result": None,
                    "error": "Error: X is the only item of order 1; removing it would leave an empty order. Cancel "
                             "the order instead (cancel_order).", "hold_reason": None, "approved_by": None,
                    "confirmed": False}
    assert offered_tools([failed]) == {"cancel_order"}
    assert offered_tools([{**failed, "error": "Error: see (the notes)"}]) == set()  # type: ignore[typeddict-item]


def test_a_plan_named_by_its_bare_word_is_the_one_the_customer_is_not_on() -> None:
    plan = get_flow("switch_account").slots["plan"]
    said = "Pro isn't really worth it for me any more, I suppose Plus would do me perfectly well"
    assert plan.read_text(said, {"plan": "pro"}) == "plus"
    assert plan.read_text("please move me to basic", {"plan": "pro"}) == "basic"
    assert plan.read_text("what's the difference between plus and pro?", {"plan": "basic"}) is None
    assert plan.read_text("how do plans work?", {"plan": "pro"}) is None


def test_a_plan_change_is_to_a_plan_the_customer_is_not_on() -> None:
    """The CRM's record of the plan ({"id": "pro", ...}) is the current one; Basic is the free plan; not knowing
    the current plan, the one named first."""
    plan = get_flow("switch_account").slots["plan"]
    said = "my son upgraded us to Pro last week. Can you put it back to the free plan?"
    assert plan.read_text(said, {"plan": {"id": "pro", "name": "Pro"}}) == "basic"
    assert plan.read_text("Pro isn't worth it, Plus would do", {"plan": {"id": "pro", "name": "Pro"}}) == "plus"
    assert plan.read_text("switch me to the free one, I'll come back to Pro in summer", None) == "basic"


@pytest.mark.parametrize(("said", "tells"), [
    ("ok then just put me on the free one", True),
    ("can you move me down to Basic?", True),
    ("I'd like to step down from Pro to Plus please.", True),
    ("oh I thought I was still on the free one. when does it renew?", False),
    ("should I move to plus?", False),
    ("thinking of moving to pro, is it worth it?", False),
    ("the pro tier. move me up today", True),
    # an instruction about something else beside the question is no go-ahead for the plan
    ("Can I go up to Pro? The perks look handy. By the way, your drone page gives two flight times, you might "
     "want to correct it.", False),
])
def test_a_plan_named_in_a_request_to_act_is_the_customer_s_go_ahead(said: str, tells: bool) -> None:
    assert tells_value(get_flow("switch_account").slots["plan"], said, None) is tells


@pytest.mark.parametrize(("said", "subscribed"), [
    ("I unsubscribed last month and your mails keep coming", False),
    ("opting out of the newsletter, please", False),
    ("I've stopped wanting those promo emails", False),
    ("please sign me up for the newsletter", True),
    # What they did before is not what they ask for now.
    ("I unsubscribed a while back by mistake, could you sign me back up?", True),
    ("unsubscribe me please", False),
])
def test_any_form_of_the_words_for_off_turns_the_newsletter_off(said: str, subscribed: bool) -> None:
    assert get_flow("newsletter_subscription").slots["subscribed"].read_text(said) is subscribed


def test_the_other_one_after_a_finished_request_finds_the_record_again_but_not_the_last_one() -> None:
    state = done_state("track_order", order_id=40217)
    text = "ok and the other one? the keyboard, I ordered it the day after"
    entities = extract_entities(text, now=NOW, catalogue=["Mechanical Keyboard", "Lumen 4K TV 55in"])
    amends = amendable(state, entities, text)
    assert amends == ["order_id"], amends
    reading = read_act(text, asked_of(state), entities, affirmation_of(text),
                       {"intent": "change_order", "confidence": 0.8}, [], ["track_order"], amends)
    assert reading["act"] == "correct" and reading.get("amends") == ["order_id"], reading
    assert state.flow is not None
    slots = dict(state.flow["slots"])
    assert amend(slots, amends, entities, ["track_order"]) == {"order_id": 40217} and "order_id" not in slots


def test_a_follow_up_with_a_request_of_its_own_is_a_new_request() -> None:
    state = done_state("track_order", order_id=40217)
    text = "and the keyboard, can you refund it?"
    entities = extract_entities(text, now=NOW, catalogue=["Mechanical Keyboard"])
    reading = read_act(text, asked_of(state), entities, affirmation_of(text),
                       {"intent": "get_refund", "confidence": 0.9}, [], ["track_order"],
                       amendable(state, entities, text))
    assert reading["act"] == "new_request" and "amends" not in reading, reading


def test_of_two_plans_moved_to_the_one_the_customer_is_not_on_else_the_first_said() -> None:
    plan = get_flow("switch_account").slots["plan"]
    assert plan.read_text("they upgraded us to pro, put us back on the free plan", {"plan": "pro"}) == "basic"
    assert plan.read_text("switch me to the free one for now, I'll come back to pro in the summer") == "basic"
    assert plan.read_text("please step down from Pro to Plus") == "plus"


def test_a_plan_switch_asked_about_waits_for_a_yes_one_asked_for_does_not() -> None:
    change = next(s for s in get_flow("switch_account").steps if s.tool == "change_plan")
    assert waits_for_yes(change, "could I move to pro? what would it cost")
    assert waits_for_yes(change, "is it possible to switch to plus mid-month?")
    assert not waits_for_yes(change, "move me down to basic please")
    assert not waits_for_yes(change, "can you put us back on the free plan?")



def test_a_cancellation_told_runs_one_asked_about_waits_for_a_yes() -> None:
    # policy 3: "cancel it" is the go-ahead; a question about cancelling waits, in its own clause or the message's
    cancel = next(s for s in get_flow("cancel_order").steps if s.tool == "cancel_order")
    assert not waits_for_yes(cancel, "cancel order 10001")
    assert not waits_for_yes(cancel, "please cancel it, I bought it on impulse")
    assert waits_for_yes(cancel, "could I still cancel order 10001?")
    assert waits_for_yes(cancel, "can I cancel if it hasn't shipped?")
    assert waits_for_yes(cancel, "what happens if we cancel it now")
    assert waits_for_yes(cancel, "cancel the wall mount", "my grandad ordered a wall mount. cancel the wall mount, "
                                                          "or could I just return it?")


def test_whether_it_is_still_possible_asks() -> None:
    # "is it still possible to ...?" asks whether, as "is it possible" does: the cancel waits for a yes
    cancel = next(s for s in get_flow("cancel_order").steps if s.tool == "cancel_order")
    assert waits_for_yes(cancel, "is it even possible to cancel order 10001 at this point?")
    assert waits_for_yes(cancel, "would it still be possible to cancel the order before it ships?")
    assert waits_for_yes(cancel, "is there still a way to cancel it?")


def test_a_cancellation_negated_kept_weighed_or_contrasted_waits_for_a_yes() -> None:
    # only an unhedged instruction is the go-ahead: a negation reaching the verb, keeping, deliberation, advice
    # reported or a "but" after it holds the cancellation back for the customer's yes
    cancel = next(s for s in get_flow("cancel_order").steps if s.tool == "cancel_order")
    for words in ("do not cancel 10001, I only want the delivery date",
                  "no need to cancel anything, where is order 10001?",
                  "I'll hold on to order 10001 after all",
                  "maybe cancel 10001? it's taking ages",
                  "I might cancel order 10001, it depends when it arrives",
                  "torn on whether to cancel order 10001",
                  "my son told me to cancel order 10001",
                  "cancel 10001... though actually it might be useful",
                  "I'm not really sure about cancelling order 10001"):
        assert waits_for_yes(cancel, words, words), words
    # a negation in another clause is the reason for the instruction, not a hedge of it
    for words in ("I don't want it any more, cancel order 10001",
                  "please cancel order 10001, I no longer need it",
                  "I don't need it so cancel order 10001"):
        assert not waits_for_yes(cancel, words, words), words
