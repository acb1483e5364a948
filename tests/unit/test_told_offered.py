"""A reply that names an offered action in its own words says yes to that action's steps only (report 16 M1):
with a refund and a cancellation offered, "cancel it, I'll think about the refund" confirms the cancellation, not
the refund; a word that names more than one action ("switch": a plan or an exchange) says yes to none of them.
Verbs are read with their inflections ("I'm disputing it" names the dispute; report 16 r16-dispute), and money
wanted back in any words ("I want it back") names the refund (r16-dup-track-words)."""

from __future__ import annotations

from typing import Any

from graphs.support.affirmation import told_offered
from graphs.support.consequences import figures_about
from graphs.support.dialogue_acts import read_act
from graphs.support.flows import get_flow, waits_for_yes
from graphs.support.instruction import hedges_action, tells
from graphs.support.nodes.plan import _apply_confirmation
from graphs.support.nodes.understand import _told_request
from graphs.support.reported import reported

ASKED: Any = {"kind": "confirmation", "expects": [], "slots": [], "options": []}


def _step(tool: str, intent: str = "cancel_order") -> dict[str, Any]:
    return {"id": f"{intent}.{tool}", "intent": intent, "tool": tool, "args": {}, "depends_on": [], "why": "",
            "writes": True, "status": "awaiting_confirmation", "result": None, "error": None, "hold_reason": None,
            "approved_by": None, "confirmed": False}


def _confirmed_by(steps: list[Any], text: str) -> dict[str, str]:
    told = told_offered(steps, text)
    assert told and len(told) < len(steps), told
    request = _told_request(steps, told)
    dialogue = read_act(text, ASKED, {}, None, None, ["cancel_order"], told=request)
    assert dialogue["act"] == "confirm", dialogue
    after = _apply_confirmation(steps, {"affirmation": "yes", "dialogue": dialogue})  # type: ignore[typeddict-item]
    return {s["tool"]: s["status"] for s in after}


def test_a_yes_naming_one_offered_action_confirms_that_action_only() -> None:
    steps = [_step("refund_order"), _step("cancel_order")]
    after = _confirmed_by(steps, "Please cancel it, I will think about the refund.")
    assert after == {"cancel_order": "pending", "refund_order": "awaiting_confirmation"}


def test_a_word_naming_two_actions_is_no_yes_to_an_exchange() -> None:
    steps = [_step("exchange_item", "change_order")]
    assert told_offered(steps, "Actually, switch me to the Plus plan please.") == []
    assert [s["tool"] for s in told_offered(steps, "ok, swap them for the black ones please")] == ["exchange_item"]


def test_verbs_are_read_with_their_inflections() -> None:
    assert not hedges_action("INV-123 should never have been issued. I'm disputing it.", "dispute")
    assert not hedges_action("The invoice should not exist, so I am disputing the charge.", "dispute")
    assert tells("I am disputing this charge please", "dispute")
    assert tells("I need you to be moving me to the basic plan", "change")


def test_money_wanted_back_beside_a_question_where_it_is_does_not_wait() -> None:
    refund = next(s for s in get_flow("payment_issue").steps if s.id == "refund")
    text = "Where has the extra 12.50 you took gone? You charged me twice, I need it back."
    assert not waits_for_yes(refund, text, text)
    assert waits_for_yes(refund, "Where is my refund?", "Where is my refund?")


def test_a_step_offered_as_part_of_the_told_one_goes_with_it_unless_named() -> None:
    opening, deciding = _step("open_billing_dispute", "check_invoice"), _step("resolve_billing_dispute",
                                                                              "check_invoice")
    deciding["depends_on"] = [opening["id"]]
    told = told_offered([opening, deciding], "I never agreed to that charge. I want to dispute it.")
    assert [s["tool"] for s in told] == ["open_billing_dispute", "resolve_billing_dispute"]
    cancel, refund = _step("cancel_order"), _step("refund_order")
    refund["depends_on"] = [cancel["id"]]
    assert told_offered([cancel, refund], "Please cancel it, I will think about the refund.") == [cancel]


def test_a_dispute_offered_is_told_by_the_tool_s_own_action_word() -> None:
    """open_billing_dispute is named by what it does ("dispute", tools.base.SupportTool.verb), not by its name's
    first word: "dispute that one" tells it, beside a plan change it leaves offered."""
    steps = [_step("change_plan", "switch_account"), _step("open_billing_dispute", "check_invoice")]
    told = told_offered(steps, "No, I'm staying where I am. Dispute the earlier one instead, thanks.")
    assert [s["tool"] for s in told] == [], "a qualified reply tells nothing"
    told = told_offered(steps, "I'm staying where I am. Please dispute the earlier one.")
    assert [s["tool"] for s in told] == ["open_billing_dispute"]


def test_the_figure_of_the_record_a_told_dispute_is_about_is_no_other_amount() -> None:
    """"dispute the $14.50 one" to a dispute of a $14.50 invoice offered beside a refund: $14.50 is the invoice's
    figure (the step the dispute depends on read it), not a counter-figure to the refund offered."""
    invoice = {**_step("get_invoice", "check_invoice"), "status": "done", "writes": False,
               "result": {"ok": True, "data": {"invoice_id": "INV-1", "amount": 14.5, "status": "paid"}}}
    dispute = {**_step("open_billing_dispute", "check_invoice"), "depends_on": [invoice["id"]]}
    refund = _step("change_plan", "switch_account")
    assert figures_about([invoice, dispute, refund], [dispute]) == {14.5}
    assert figures_about([invoice, dispute, refund], [refund]) == set(), "a money step's figure is its offer's"


def test_a_decimal_point_ends_no_sentence_of_a_reported_duplicate() -> None:
    """"... taken 31.50 from me two times??" is one complaint about the duplicate, not a statement and a rising
    "50 from me two times??": the reported duplicate is refunded without a question back."""
    refund = next(s for s in get_flow("payment_issue").steps if s.id == "refund")
    text = "How have you taken 31.50 from me two times?? Only one lamp was ordered."
    assert not waits_for_yes(refund, text, text)
    # a complaint asking why it happened takes it as given; asking whether it happened still waits
    complaint = "How come you billed me 31.50 two times?? Only one lamp was ordered."
    assert not waits_for_yes(refund, complaint, complaint)
    assert waits_for_yes(refund, "Did I pay 31.50 two times by mistake?", "Did I pay 31.50 two times by mistake?")


def test_a_duplicate_reported_beside_the_request_s_own_clause_is_reported() -> None:
    """The request's own clause names the order ("only one plug, order 29301"); the report of the money taken twice
    is in a clause beside it that no other request owns: the words report it, as its slot read them."""
    refund = next(s for s in get_flow("payment_issue").steps if s.id == "refund")
    own = "I only ordered one plug, order 29301"
    flow: Any = {"requests": {"payment_issue": {
        "text": own, "context": f"my statement has two duplicate entries of 24.99\n{own}", "slots": {},
        "described": {}, "choices": {}}}}
    step: Any = {"id": "payment_issue.refund", "intent": "payment_issue"}
    assert reported(flow, step, refund, own)
    flow["requests"]["payment_issue"]["context"] = own
    assert not reported(flow, step, refund, own)
