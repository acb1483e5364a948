"""Told (not asked), an exchange above the limit goes to review at once; after approval the customer hears it."""

from __future__ import annotations

from tests.llm.conftest import LlmService
from tests.llm.scripted import planned, scripted, step, understood

MAYA = "C0001"


def test_a_told_exchange_above_the_limit_is_reported_after_approval(llm_service: LlmService) -> None:
    model = scripted(
        understood("technical_issue", order_ids=[10002], products=["Aurora ANC Headphones", "Aurora Lite Earbuds"],
                   sentiment="negative"),
        planned(
            step("order", "technical_issue", "get_order", {"order_id": 10002}, why="the headphones' order"),
            step("exchange", "technical_issue", "exchange_item",
                 {"order_id": "$steps.order.order_id", "product_id": "$steps.order.items.0.product_id",
                  "new_product_id": "P007"},
                 ["order"], why="swap for the earbuds the customer chose"),
            rationale="Exchange the headphones for the earbuds asked for.",
        ),
    )
    service = llm_service(model)
    first = service.send("t-told", "The headphones from order 10002 won't pair. Exchange them for the Aurora Lite "
                         "Earbuds, product P007.", customer_id=MAYA)
    exchange = next(s for s in first.plan if s["tool"] == "exchange_item")
    # Told, not asked (policy 2): no yes is awaited; the $220.00 difference is above the limit, so a person decides.
    assert exchange["status"] == "needs_approval", exchange
    assert "above the $100.00 limit" in first.replies[-1], first.replies
    resumed = service.resume("t-told", {"decisions": [{"type": "approve"}], "reviewer": "sam"})
    exchange = next(s for s in resumed.plan if s["tool"] == "exchange_item")
    assert exchange["status"] == "done" and exchange["approved_by"] == "sam", exchange
    told = resumed.replies[-1]
    assert f"replacement order {exchange['result']['data']['replacement_order_id']}" in told, told
    assert "$220.00" in told and "Aurora Lite Earbuds" in told, told
    assert model.left == 0
