"""The pre-write check uses confidence the model cannot set (issue 17): the lower of the router's and the slot
filler's. An amount the customer never gave is a model's guess: the write waits for a reviewer, whatever
confidence the model reports; the amount the customer typed goes through."""

from __future__ import annotations

from tests.graph.conftest import refunds_of
from tests.llm.conftest import LlmService
from tests.llm.scripted import planned, scripted, step, understood

MAYA = "C0001"  # order 10002 delivered 5 days ago ($349.99)


def refund_plan(amount: float) -> list:
    return [
        understood("get_refund", order_ids=[10002], confidence=0.99),
        planned(
            step(
                "refund",
                "get_refund",
                "refund_order",
                {"order_id": 10002, "amount": amount, "reason": "arrived broken"},
            )
        ),
    ]


def test_an_amount_the_customer_never_gave_waits_for_a_reviewer(llm_service: LlmService, database_url: str) -> None:
    service = llm_service(scripted(*refund_plan(60)))
    report = service.send(
        "t-guess", "Please refund part of order 10002, the headphones arrived broken.", customer_id=MAYA
    )
    refund = next(s for s in report.plan if s["tool"] == "refund_order")
    assert refund["status"] == "needs_approval", refund
    assert "amount 60" in (refund["hold_reason"] or "") and "guessed" in refund["hold_reason"], refund["hold_reason"]
    assert refunds_of(database_url, 10002) == [], "a refund ran on an amount only the model chose"
    assert "guessed" not in " ".join(report.replies), "the agent's doubt is for reviewers only"


def test_the_amount_the_customer_typed_goes_through(llm_service: LlmService, database_url: str) -> None:
    service = llm_service(scripted(*refund_plan(60)))
    service.send("t-typed", "Please refund $60 of order 10002, the headphones arrived broken.", customer_id=MAYA)
    assert [r["amount"] for r in refunds_of(database_url, 10002)] == [60.0]
