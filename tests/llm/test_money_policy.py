"""Policy that no reasoner can break (issue 17), with a scripted model that makes mistakes, on each checkpointer.

Confirmation and flow policy follow the tool a step runs, never the intent label the model chose; approval limits
add up over refunds of an order and of a customer, across turns and threads; the pre-write confidence check uses
the local router's confidence, not the model's self-report; an empty plan is not a resolution.
"""

from __future__ import annotations

from sqlalchemy import select

from tests.graph.conftest import order_status, refunds_of
from tests.llm.conftest import LlmService
from tests.llm.scripted import planned, scripted, step, understood
from tools.store import open_store
from tools.store.schema import customers

MAYA = "C0001"  # order 10001 pending ($39.99), 10002 delivered 5 days ago ($349.99), 10004 delivered ($14.99)


def plan_of(url: str, customer_id: str = MAYA) -> str:
    with open_store(url).db.begin() as conn:
        return str(conn.execute(select(customers.c.plan_id).where(customers.c.id == customer_id)).scalar_one())


def test_a_cancellation_labelled_with_another_intent_waits_for_the_customers_yes(llm_service: LlmService,
                                                                                  database_url: str) -> None:
    model = scripted(
        understood("technical_issue", "cancel_order", order_ids=[10001]),
        planned(step("order", "technical_issue", "get_order", {"order_id": 10001}),
                step("cancel", "technical_issue", "cancel_order", {"order_id": 10001}, ["order"])),
    )
    service = llm_service(model)
    asked = service.send("t-label", "My USB-C charger from order 10001 makes a buzzing noise", customer_id=MAYA)
    cancel = next(s for s in asked.plan if s["tool"] == "cancel_order")
    assert cancel["status"] == "awaiting_confirmation", cancel
    assert order_status(database_url, 10001) == "pending", "cancelled without the customer's yes"
    assert "cancel" in asked.replies[-1].lower(), asked.replies
    done = service.send("t-label", "yes, go ahead")
    assert order_status(database_url, 10001) == "cancelled"
    reply = done.replies[-1].lower()
    assert "cancel" in reply and "10001" in reply, f"the reply must mention the cancellation: {reply}"


def test_a_plan_change_labelled_track_order_does_not_switch_a_plan_the_customer_only_asked_about(
        llm_service: LlmService, database_url: str) -> None:
    before = plan_of(database_url)
    model = scripted(
        understood("track_order", "switch_account", confidence=0.95, order_ids=[10003]),
        planned(step("order", "track_order", "get_order", {"order_id": 10003}),
                step("change", "track_order", "change_plan", {"plan": "pro"})),
    )
    service = llm_service(model)
    report = service.send("t-price", "Where is order 10003? And how much does the Pro plan cost per month?",
                          customer_id=MAYA)
    change = next(s for s in report.plan if s["tool"] == "change_plan")
    assert change["status"] in ("awaiting_confirmation", "needs_approval"), change
    assert plan_of(database_url) == before, "the plan was switched on a question about its price"


def test_refunds_of_one_order_add_up_to_the_approval_limit_across_turns_and_threads(llm_service: LlmService,
                                                                                     database_url: str) -> None:
    answers = []
    for _ in range(3):
        answers += [understood("get_refund", order_ids=[10002], confidence=0.95),
                    planned(step("refund", "get_refund", "refund_order",
                                 {"order_id": 10002, "amount": 90, "reason": "goodwill for the broken headphones"}))]
    service = llm_service(scripted(*answers))
    text = "Please refund $90 of order 10002, the headphones arrived broken."
    first = service.send("t-sum-1", text, customer_id=MAYA)
    assert [r["amount"] for r in refunds_of(database_url, 10002)] == [90.0], first.plan
    second = service.send("t-sum-1", text)
    refund = next(s for s in second.plan if s["tool"] == "refund_order")
    assert refund["status"] == "needs_approval", "$180.00 of refunds on one order is above the $100.00 limit"
    assert "limit" in (refund["hold_reason"] or ""), refund["hold_reason"]
    assert "$180.00" in (refund["hold_reason"] or ""), refund["hold_reason"]
    third = service.send("t-sum-2", text, customer_id=MAYA)  # another thread: the settled $90 still counts
    assert third.review_request is not None
    assert [r["amount"] for r in refunds_of(database_url, 10002)] == [90.0], "money moved above the limit"


def test_the_write_check_uses_the_routers_confidence_not_the_models_self_report(llm_service: LlmService,
                                                                                 database_url: str) -> None:
    model = scripted(
        understood("get_refund", order_ids=[10004], confidence=0.95),
        planned(step("refund", "get_refund", "refund_order",
                     {"order_id": 10004, "amount": 10, "reason": "the customer asked"})),
    )
    service = llm_service(model)
    report = service.send("t-sure", "Which cable did I get in order 10004? Is it HDMI 2.1?", customer_id=MAYA)
    refund = next(s for s in report.plan if s["tool"] == "refund_order")
    # The router is not sure the customer asked for a refund (a question about a cable): the write waits for the
    # customer's own yes (policy.md §5a), whatever confidence the model reported.
    assert refund["status"] == "awaiting_confirmation" and not refund["confirmed"], refund
    assert refunds_of(database_url, 10004) == [], "a refund ran on the model's word alone"


def test_an_empty_plan_is_not_a_resolution(llm_service: LlmService, database_url: str) -> None:
    model = scripted(understood("get_refund", order_ids=[10002]), planned(rationale="Nothing to do."))
    service = llm_service(model)
    report = service.send("t-empty", "I want a refund for order 10002, the headphones arrived broken",
                          customer_id=MAYA)
    assert report.status != "resolved", (report.status, report.replies)
    assert refunds_of(database_url, 10002) == []
