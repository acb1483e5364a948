"""A request named in its flow's own words (issue 15): when the router reads a new message unsurely, the flow
whose ``named_by`` slots a sentence that asks names is chosen among its readings; a sure reading stands."""

from __future__ import annotations

import pytest

from graphs.reasoners.local.router import IntentScore
from graphs.support.flow_spec import FlowSpec
from graphs.support.flows import get_flow, waits_for_yes
from graphs.support.named_flows import CANDIDATE, UNSURE, named_flow, with_flow_named
from graphs.support.remedies import NAMED_REMEDY
from graphs.support.state import IntentGuess

STORY = "Got a bit carried away at lunch, five tins of the coffee beans won't fit in the cupboard."
READINGS = [IntentScore("out_of_scope", 0.3), IntentScore("technical_issue", 0.25), IntentScore("change_order", 0.2),
            IntentScore("get_refund", 0.15)]


def _guess(*pairs: tuple[str, float]) -> list[IntentGuess]:
    return [{"intent": i, "confidence": c} for i, c in pairs]


@pytest.mark.parametrize("ask", [
    "Could you bring that down to three?",
    "Can you lower the number a bit, please?",
    "I only need four, can you sort that?",
])
def test_a_change_of_quantity_asked_chooses_the_change_among_unsure_readings(ask: str) -> None:
    seen = {r.intent: r.confidence for r in READINGS}
    intents = with_flow_named(_guess(("out_of_scope", 0.3)), f"{STORY} {ask}", READINGS, seen)
    assert [i["intent"] for i in intents] == ["change_order"], ask
    assert seen["change_order"] == intents[0]["confidence"] == NAMED_REMEDY


def test_other_requests_read_beside_it_are_kept_and_out_of_scope_dropped() -> None:
    intents = with_flow_named(_guess(("out_of_scope", 0.3), ("track_order", 0.58)),
                              f"{STORY} Could you bring that down to three?", READINGS, {})
    assert [i["intent"] for i in intents] == ["change_order", "track_order"]


@pytest.mark.parametrize(("intents", "words", "readings"), [
    # a sure reading is never overruled by the words
    (_guess(("get_refund", UNSURE)), f"{STORY} Could you bring that down to three?", READINGS),
    # the quantity only told, nothing asked
    (_guess(("out_of_scope", 0.3)), "I brought it down to three last week and it was fine.", READINGS),
    # the flow has too small a share of the message for its words to choose it
    (_guess(("out_of_scope", 0.3)), f"{STORY} Could you bring that down to three?",
     [IntentScore("out_of_scope", 0.6), IntentScore("change_order", CANDIDATE / 2)]),
])
def test_no_flow_is_chosen_where_the_router_is_sure_nothing_is_asked_or_the_flow_is_unlikely(
        intents: list[IntentGuess], words: str, readings: list[IntentScore]) -> None:
    assert with_flow_named(intents, words, readings, {}) == intents


def test_only_flows_that_name_their_words_are_candidates() -> None:
    assert named_flow("Could you bring that down to three?", [IntentScore("technical_issue", 0.5)]) is None
    assert get_flow("change_order").named_by == ["fewer", "quantity"]


def test_a_flow_is_named_only_by_its_own_text_slots() -> None:
    with pytest.raises(ValueError, match="none of its text slots"):
        FlowSpec(intent="x", reply="x", named_by=["missing"])


PLAN_READINGS = [IntentScore("out_of_scope", 0.7), IntentScore("switch_account", 0.14),
                 IntentScore("billing_dispute", 0.05)]


def test_a_plan_moved_to_in_a_sentence_that_tells_names_the_switch_over_out_of_scope() -> None:
    # out of scope is no reading of a request: "put me on plus" tells the agent, in the switch's own words
    intents = with_flow_named(_guess(("out_of_scope", 0.7)), "hm, pricey. move me down to plus", PLAN_READINGS, {})
    assert [i["intent"] for i in intents] == ["switch_account"]
    # told about, not asked: no switch; a sure reading of another request still stands
    told = _guess(("out_of_scope", 0.7))
    assert with_flow_named(told, "I moved to plus last year and it was fine.", PLAN_READINGS, {}) == told
    sure = _guess(("billing_dispute", 0.7))
    assert with_flow_named(sure, "hm, pricey. move me down to plus", PLAN_READINGS, {}) == sure


def test_a_switch_named_by_a_question_still_waits_for_the_yes() -> None:
    change = next(s for s in get_flow("switch_account").steps if s.tool == "change_plan")
    assert named_flow("hmm. could I move to plus?", PLAN_READINGS) == "switch_account"
    assert waits_for_yes(change, "hmm. could I move to plus?", "hmm. could I move to plus?")
    assert not waits_for_yes(change, "hm, pricey. move me down to plus", "hm, pricey. move me down to plus")
