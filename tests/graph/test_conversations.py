"""Customer conversations through the whole graph, on each checkpointer: multi-turn flows, confirmations,
refused preconditions, autonomous refunds, several intents in one message, hand-overs and the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from foundation.audit import open_audit_log
from service.conversations import SupportService
from tests.graph.conftest import order_status, refunds_of, tools_run
from tools.store import open_store
from tools.store.schema import tickets

MAYA_EMAIL = "maya.chen@example.com"


def _intents(report: object) -> list[str]:
    understanding = getattr(report, "understanding", None) or {}
    return [i["intent"] for i in understanding.get("intents", [])]


def test_anonymous_tracking_asks_for_identity_then_answers_and_remembers_the_customer(
    service: SupportService, database_url: str
) -> None:
    first = service.send("track", "where is my order?")
    assert first.status == "awaiting_customer", f"status {first.status!r}, expected awaiting_customer"
    assert tools_run(first.plan) == [], f"no tool may run before the customer is verified, ran {first.plan}"
    assert first.customer is None, f"nobody is verified yet, got {first.customer}"
    asked = first.replies[-1].lower()
    assert "email" in asked and ("zip" in asked or "card" in asked), f"reply does not ask for identity: {asked!r}"
    # The order is found among the verified customer's orders (flows.yaml order_id lookup): not asked up front.
    assert "order number" not in asked, f"asked for what the records will say: {asked!r}"

    second = service.send("track", f"it's order 10003, my email is {MAYA_EMAIL} and zip 94107")
    assert tools_run(second.plan) == ["verify_identity", "get_order"], f"tools run: {second.plan}"
    assert all(s["status"] == "done" for s in second.plan), f"a step did not succeed: {second.plan}"
    assert "1Z999AA10123456784" in second.replies[-1], f"tracking number missing from {second.replies!r}"
    assert second.customer is not None and second.customer["customer_id"] == "C0001", second.customer
    assert second.customer["verified"] and second.customer["verified_by"] == "identity_check", second.customer

    third = service.send("track", "and could I still cancel order 10001?")
    assert third.customer is not None and third.customer["verified"], f"verification was lost: {third.customer}"
    assert "verify_identity" not in [s["tool"] for s in third.plan], f"verified again: {third.plan}"
    assert _intents(third) == ["cancel_order"], f"intents {_intents(third)}"
    statuses = {s["tool"]: s["status"] for s in third.plan}
    assert statuses == {"get_order": "done", "cancel_order": "awaiting_confirmation"}, statuses
    reply = third.replies[-1].lower()
    assert "shall i go ahead" in reply or "confirm" in reply, f"no confirmation asked: {reply!r}"
    assert "email" not in reply, f"asked for identity again: {reply!r}"
    assert third.status == "awaiting_customer", third.status
    assert order_status(database_url, 10001) == "pending", "nothing may be cancelled before the customer says yes"


def test_cancel_pending_order_told_runs_at_once(service: SupportService, database_url: str) -> None:
    # policy 3: an instruction to cancel a pending order is the customer's go-ahead
    done = service.send("cancel-told", "please cancel order 10001", customer_id="C0001")
    assert [s["status"] for s in done.plan if s["tool"] == "cancel_order"] == ["done"], done.plan
    assert order_status(database_url, 10001) == "cancelled", "the order was not cancelled when told to"
    assert [r["amount"] for r in refunds_of(database_url, 10001)] == [39.99]
    assert done.status == "resolved", done.status
    assert "go ahead" not in done.replies[-1].lower(), f"asked again: {done.replies!r}"


def test_cancel_pending_order_after_the_customer_confirms(service: SupportService, database_url: str) -> None:
    # a question about cancelling waits for the customer's yes
    asked = service.send("cancel", "can I still cancel order 10001?", customer_id="C0001")
    assert asked.status == "awaiting_customer", asked.status
    assert [s["status"] for s in asked.plan if s["tool"] == "cancel_order"] == ["awaiting_confirmation"], asked.plan
    assert "go ahead" in asked.replies[-1].lower(), f"no confirmation question in {asked.replies!r}"
    assert order_status(database_url, 10001) == "pending", "cancelled before the customer confirmed"
    assert refunds_of(database_url, 10001) == [], "refunded before the customer confirmed"

    done = service.send("cancel", "yes, go ahead")
    assert done.understanding is not None and done.understanding["affirmation"] == "yes", done.understanding
    assert order_status(database_url, 10001) == "cancelled", "the order was not cancelled after a yes"
    refunds = refunds_of(database_url, 10001)
    assert [r["amount"] for r in refunds] == [39.99], f"expected one refund of 39.99, got {refunds}"
    assert done.status == "resolved", done.status
    assert "cancelled" in done.replies[-1] and "$39.99" in done.replies[-1], done.replies


def test_cancel_pending_order_declined_leaves_it_pending(service: SupportService, database_url: str) -> None:
    service.send("cancel-no", "could I cancel order 10001?", customer_id="C0001")
    declined = service.send("cancel-no", "no")
    assert declined.understanding is not None and declined.understanding["affirmation"] == "no"
    cancel = [s for s in declined.plan if s["tool"] == "cancel_order"]
    assert [s["status"] for s in cancel] == ["skipped"], f"cancel step should be skipped: {cancel}"
    assert order_status(database_url, 10001) == "pending", "a 'no' must leave the order pending"
    assert refunds_of(database_url, 10001) == [], "a 'no' must not refund"
    assert declined.status == "resolved", declined.status


def test_cancel_of_a_shipped_order_is_refused_without_asking(service: SupportService, database_url: str) -> None:
    report = service.send("cancel-shipped", "please cancel order 10003", customer_id="C0001")
    cancel = [s for s in report.plan if s["tool"] == "cancel_order"]
    assert len(cancel) == 1 and cancel[0]["status"] == "skipped", f"cancel step: {cancel}"
    reply = report.replies[-1]
    assert "only pending orders can be cancelled" in reply, f"reply does not explain the refusal: {reply!r}"
    assert "go ahead" not in reply.lower(), f"asked for a confirmation anyway: {reply!r}"
    assert report.status != "awaiting_customer", "nothing to confirm, the thread must not wait for the customer"
    assert order_status(database_url, 10003) == "shipped", "the shipped order changed"
    assert refunds_of(database_url, 10003) == [], "a refused cancel wrote a refund"
    kinds = [e["payload"]["tool"] for e in open_audit_log(database_url).events("cancel-shipped")
             if e["kind"] == "tool_call"]
    assert kinds == ["get_order"], f"only the look-up may run, audit says {kinds}"


def test_an_order_not_on_the_account_is_answered_not_left_open(service: SupportService) -> None:
    # the records' refusal ("not found on your account") is the answer: nothing is asked, the thread is resolved
    report = service.send("not-mine", "can you check on order 48822? it's my husband's", customer_id="C0001")
    assert [s["status"] for s in report.plan if s["tool"] == "get_order"] == ["failed"], report.plan
    assert "not found on your account" in report.replies[-1], report.replies
    assert report.status == "resolved", report.status


def test_an_order_id_given_as_their_own_and_refused_is_asked_again(service: SupportService) -> None:
    # a mistyped id of the customer's own order: the refusal is no answer, the thread stays open for the right id
    report = service.send("typo", "where is my order 48822?", customer_id="C0001")
    assert [s["status"] for s in report.plan if s["tool"] == "get_order"] == ["failed"], report.plan
    assert report.status == "awaiting_customer", report.status
    assert "rating" not in report.replies[-1], report.replies
    # said to be someone else's in a later message, the same refusal is the answer to them
    again = service.send("typo", "it's my wife's order actually, can't you just tell me where 48822 is?")
    assert again.status == "resolved", again.status


def test_cancel_unless_shipped_tracks_a_shipped_order_instead(service: SupportService, database_url: str) -> None:
    # the customer's own fallback: "if it has shipped, just tell me when it'll get here" (flows.yaml instead/when)
    report = service.send("cancel-unless", "cancel order 10003 unless it's already on its way. If it has shipped, "
                          "just tell me when it'll get here", customer_id="C0001")
    assert [s["status"] for s in report.plan if s["tool"] == "cancel_order"] == ["skipped"], report.plan
    assert "1Z999AA10123456784" in report.replies[-1], report.replies
    assert order_status(database_url, 10003) == "shipped"
    assert report.status == "resolved", report.status
    plain = service.send("cancel-plain", "please cancel order 10003", customer_id="C0001")
    assert "only pending orders can be cancelled" in plain.replies[-1], plain.replies  # no fallback asked for


def test_small_refund_runs_without_review(service: SupportService, database_url: str) -> None:
    report = service.send("small-refund", "I'd like a refund for order 10004", customer_id="C0001")
    assert report.review_request is None, f"a $14.99 refund needs no reviewer: {report.review_request}"
    assert report.assessment is not None and report.assessment["route"] == "respond", report.assessment
    refund = [s for s in report.plan if s["tool"] == "refund_order"]
    assert [s["status"] for s in refund] == ["done"], refund
    assert refund[0]["approved_by"] is None, refund
    rows = refunds_of(database_url, 10004)
    assert [(r["amount"], r["approved_by"]) for r in rows] == [(14.99, None)], rows
    assert "$14.99" in report.replies[-1], report.replies
    assert report.status == "resolved", report.status


def test_two_intents_in_one_message_are_both_planned(service: SupportService, database_url: str) -> None:
    report = service.send("multi", "can I cancel order 10001? also my password doesn't work", customer_id="C0001")
    intents = _intents(report)
    assert set(intents) == {"cancel_order", "recover_password"}, f"intents {intents}"
    planned = {s["intent"]: s["tool"] for s in report.plan}
    assert {s["intent"] for s in report.plan} == {"cancel_order", "recover_password"}, report.plan
    assert "send_password_reset" in planned.values(), report.plan
    assert {s["tool"] for s in report.plan if s["intent"] == "cancel_order"} == {"get_order", "cancel_order"}
    statuses = {s["tool"]: s["status"] for s in report.plan}
    assert statuses["send_password_reset"] == "done", f"the reset does not wait for the cancel: {statuses}"
    assert statuses["cancel_order"] == "awaiting_confirmation", statuses
    assert "password-reset link" in report.replies[-1] and "go ahead" in report.replies[-1], report.replies

    done = service.send("multi", "yes")
    assert order_status(database_url, 10001) == "cancelled", "the confirmed cancel did not run"
    calls = [e["payload"]["tool"] for e in open_audit_log(database_url).events("multi") if e["kind"] == "tool_call"]
    assert calls.count("send_password_reset") == 1, f"the reset link was sent again: {calls}"
    assert calls.count("cancel_order") == 1, calls
    assert done.status == "resolved", done.status


def _guides(report: object) -> list[tuple[str, str]]:
    plan = getattr(report, "plan", [])
    return [(g["product"], g["article_id"]) for s in plan if s["tool"] == "troubleshoot" and s["status"] == "done"
            for g in s["result"]["data"]["guides"]]


def test_each_product_and_problem_of_one_message_gets_its_own_guide(service: SupportService) -> None:
    """Products named by name (one by its product line, whatever its size), and problems named by a kind of
    product only ("my camera"), each get their guide once, in the order of the message."""
    two = service.send("tv-and-headphones", "My Lumen 4K TV shows no signal from the HDMI input, and my Aurora "
                       "ANC Headphones won't pair over Bluetooth either.")
    assert _intents(two) == ["technical_issue"], _intents(two)
    assert _guides(two) == [("Lumen 4K TV", "KB-131"), ("Aurora ANC Headphones", "KB-103")], two.plan
    assert "Lumen 4K TV" in two.replies[-1] and "Aurora ANC Headphones" in two.replies[-1], two.replies

    three = service.send("three-devices", "After the power cut my camera says memory card error, the Nimbus "
                         "Smart Speaker is offline and my phone won't charge.")
    assert _intents(three) == ["technical_issue"], _intents(three)
    assert _guides(three) == [("Camera", "KB-132"), ("Nimbus Smart Speaker", "KB-130"), ("Phone", "KB-129")]
    reply = three.replies[-1]
    assert "Nimbus Mini Speaker" not in reply and reply.count("(KB-130)") == 1, reply
    assert "memory card" in reply and "(KB-129)" in reply, reply


@pytest.mark.parametrize("customer_id", ["C0001", None], ids=["signed-in", "anonymous"])
def test_asking_for_a_person_goes_to_the_general_queue(service: SupportService, database_url: str,
                                                       customer_id: str | None) -> None:
    report = service.send("human", "I want to talk to a real person", customer_id=customer_id)
    assert _intents(report) == ["contact_human_agent"], _intents(report)
    assert report.assessment is not None
    assert (report.assessment["route"], report.assessment["queue"]) == ("human_review", "general"), report.assessment
    assert report.status == "awaiting_review", report.status
    assert report.review_request is not None, "the thread should wait for a reviewer"
    names = [a["name"] for a in report.review_request["action_requests"]]
    assert names == ["reply_to_customer"], f"actions {names}"
    assert report.review_request["action_requests"][0]["args"]["message"], "the drafted reply is empty"
    items = open_audit_log(database_url).review_items()
    assert [(i.thread_id, i.queue) for i in items] == [("human", "general")], items


def _tickets(url: str) -> list[tuple[str, str]]:
    with open_store(url).db.begin() as conn:
        return [(r.queue, r.subject) for r in conn.execute(select(tickets.c.queue, tickets.c.subject))]


def _fail_verification_three_times(service: SupportService, message: str) -> list:
    first = service.send("verify", "where is my order 10003?")
    assert first.status == "awaiting_customer", first.status
    return [service.send("verify", message) for _ in range(3)]


def test_three_failed_verifications_go_to_the_accounts_queue(service: SupportService, database_url: str) -> None:
    reports = _fail_verification_three_times(service, f"it's order 10003, my email is {MAYA_EMAIL} and zip 11111")
    failures = [r.values["verification_failures"] for r in reports]
    assert failures == [1, 2, 3], f"verification failures per turn: {failures}"
    routes = [r.assessment["route"] if r.assessment else None for r in reports]
    assert routes == ["respond", "respond", "human_review"], f"routes per turn: {routes}"
    last = reports[-1]
    assert last.assessment is not None and last.assessment["queue"] == "accounts", last.assessment
    assert last.review_request is not None and last.status == "awaiting_review", last.status
    assert last.customer is None, "nobody may be verified by wrong details"
    assert "get_order" not in tools_run(last.plan), "the order must not be looked up for an unverified customer"
    assert [i.queue for i in open_audit_log(database_url).review_items()] == ["accounts"]
    # A person must verify the customer outside the chat (policy §1): the hand-off opens an accounts ticket, once.
    opened = [t for t in _tickets(database_url) if t[1] == "Identity verification failed"]
    assert opened == [("accounts", "Identity verification failed")], opened


def test_three_failed_verifications_with_only_identity_details(service: SupportService) -> None:
    reports = _fail_verification_three_times(service, f"my email is {MAYA_EMAIL} zip 11111")
    assert [r.values["verification_failures"] for r in reports] == [1, 2, 3], [r.plan for r in reports]
    last = reports[-1]
    assert last.assessment is not None and last.assessment["route"] == "human_review", last.assessment
    assert last.assessment["queue"] == "accounts", last.assessment


def test_identity_only_reply_continues_the_tracking_flow(service: SupportService) -> None:
    service.send("verify-ok", "where is my order 10003?")
    report = service.send("verify-ok", f"my email is {MAYA_EMAIL} zip 94107")
    assert report.understanding is not None and report.understanding["continues_flow"], report.understanding
    assert tools_run(report.plan) == ["verify_identity", "get_order"], report.plan
    assert "1Z999AA10123456784" in report.replies[-1], report.replies


def test_audit_log_records_every_stage_of_a_turn(service: SupportService, database_url: str) -> None:
    service.send("audit", "can I still cancel order 10001?", customer_id="C0001")
    service.send("audit", "yes, go ahead")
    events = open_audit_log(database_url).events("audit")
    for turn in (1, 2):
        kinds = [e["kind"] for e in events if e["turn"] == turn]
        for kind in ("ingest", "understand", "plan", "tool_call", "assess", "respond"):
            assert kind in kinds, f"turn {turn} has no {kind!r} event; events: {kinds}"
        order = [k for k in kinds if k != "tool_call"]
        assert order == ["ingest", "understand", "plan", "assess", "respond"], f"turn {turn} order: {order}"
    assert {e["turn"] for e in events} == {1, 2}, f"turn numbers {sorted({e['turn'] for e in events})}"
    calls = [(e["turn"], e["payload"]["tool"], e["payload"]["ok"]) for e in events if e["kind"] == "tool_call"]
    assert calls == [(1, "get_order", True), (2, "cancel_order", True)], f"tool calls {calls}"
    ingest = next(e for e in events if e["kind"] == "ingest")
    assert "10001" not in ingest["payload"]["text"], f"ingest must redact long numbers: {ingest['payload']}"


def test_a_continued_flow_does_not_repeat_writes_of_earlier_turns(service: SupportService, database_url: str) -> None:
    first = service.send("no-repeat", "change something in my order 10001, and I want to dispute a charge on my "
                                      "invoice", customer_id="C0001")
    assert "invoice_id" in (first.values["flow"] or {}).get("asking", []), first.values["flow"]
    service.send("no-repeat", "it is INV-20001")
    tickets = [e for e in open_audit_log(database_url).events("no-repeat")
               if e["kind"] == "tool_call" and e["payload"]["tool"] == "create_ticket" and e["payload"]["ok"]]
    assert len(tickets) == 1, f"create_ticket ran {len(tickets)} times: {[t['turn'] for t in tickets]}"


def test_a_successful_verification_clears_earlier_failures(service: SupportService) -> None:
    service.send("verify-reset", "where is my order 10003?")
    failed = service.send("verify-reset", f"my email is {MAYA_EMAIL} zip 11111")
    assert failed.values["verification_failures"] == 1
    passed = service.send("verify-reset", f"sorry, my email is {MAYA_EMAIL} and zip 94107")
    assert passed.values["verification_failures"] == 0 and passed.values["customer"]["verified"], passed.values


def test_a_greeting_leaves_the_conversation_open_and_thanks_close_it(service: SupportService) -> None:
    hello = service.send("greet", "Hi there!")
    assert _intents(hello) == ["out_of_scope"], _intents(hello)
    assert "how can i help" in hello.replies[-1].lower(), hello.replies
    assert hello.status == "awaiting_customer", f"a greeting answered with a question is not resolved: {hello.status}"
    bye = service.send("greet", "thanks, bye!")
    assert bye.status == "resolved", f"status {bye.status!r} after the customer says goodbye"


def test_a_plan_switch_asked_about_is_confirmed_then_made_once(service: SupportService) -> None:
    # A switch asked about waits for a yes; one asked for is made at once (policy 3a, flows.yaml confirm: asked).
    ask = service.send("plan", "Could I switch my membership from Plus to Pro?", customer_id="C0001")
    assert [s["tool"] for s in ask.plan if s["status"] == "awaiting_confirmation"] == ["change_plan"], ask.plan
    assert "Pro plan" in ask.replies[-1] and "go ahead" in ask.replies[-1], ask.replies
    done = service.send("plan", "Yes, please do it.")
    [change] = [s for s in done.plan if s["tool"] == "change_plan"]
    assert change["status"] == "done" and change["result"]["data"]["plan"] == "pro", change
    assert "now on the Pro plan" in done.replies[-1], done.replies
    assert done.status == "resolved", done.status
