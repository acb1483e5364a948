"""Replanning with the LLM reasoner: a failed step or an unexpected result sends the turn back to the model,
which plans around it while what succeeded stays; replans are bounded; writes wait for their consequences."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select

from foundation.audit import open_audit_log
from tests.graph.conftest import order_status
from tests.llm.conftest import LlmService
from tests.llm.scripted import planned, scripted, step, understood
from tools.store import open_store
from tools.store.schema import charges, refunds


def test_a_failed_step_is_replanned_and_what_succeeded_is_kept(llm_service: LlmService, database_url: str) -> None:
    model = scripted(
        understood("track_order", order_ids=[10003, 99998]),
        planned(step("track", "track_order", "get_order", {"order_id": 10003}),
                step("other", "track_order", "get_order", {"order_id": 99998})),
        planned(step("orders", "track_order", "list_orders", {}, why="find the order they mean")),
    )
    service = llm_service(model)
    report = service.send("t-replan", "where are my orders 10003 and 99998?", customer_id="C0001")
    states = [(s["id"], s["tool"], s["status"]) for s in report.plan]
    assert states == [("track_order.track", "get_order", "done"), ("track_order.other", "get_order", "failed"),
                      ("track_order.orders", "list_orders", "done")], states
    assert report.values["replans"] == 1, report.values["replans"]
    replan_prompt = str(model.prompts[2][0].content)
    assert "99998" in replan_prompt and "failed" in replan_prompt, "the model must see what failed"
    assert "track [done]" in replan_prompt, "the model must see what already succeeded"
    kinds = [e["kind"] for e in open_audit_log(database_url).events("t-replan")]
    assert kinds.count("replan") == 1 and kinds.count("tool_call") == 3, kinds
    assert model.left == 0


def test_an_unexpected_result_triggers_a_replan_and_replans_are_bounded(llm_service: LlmService,
                                                                        database_url: str) -> None:
    failing = step("other", "track_order", "get_order", {"order_id": 99998})
    model = scripted(
        understood("track_refund", order_ids=[10003]),
        planned(step("order", "track_refund", "get_order", {"order_id": 10003}),
                step("refunds", "track_refund", "get_refund_status", {"order_id": "$steps.order.refund_order_id"},
                     ["order"])),
        planned(step("status", "track_refund", "get_refund_status", {"order_id": 10003})),
        understood("track_order", order_ids=[99998]),
        planned(failing),
        planned({**failing, "id": "again"}),
        planned({**failing, "id": "third"}),
    )
    service = llm_service(model)
    report = service.send("t-unexpected", "any refund on order 10003?", customer_id="C0001")
    by_id = {s["id"]: s for s in report.plan}
    assert by_id["track_refund.refunds"]["status"] == "failed", by_id
    assert "unexpected result" in (by_id["track_refund.refunds"]["error"] or ""), by_id["track_refund.refunds"]
    assert by_id["track_refund.order"]["status"] == "done" and by_id["track_refund.status"]["status"] == "done"

    report = service.send("t-bounded", "where is my order 99998?", customer_id="C0001")
    assert model.left == 0, "the model was asked more or less often than one plan and two replans"
    assert report.values["replans"] == 2
    assert [s["status"] for s in report.plan] == ["failed", "failed", "failed"], report.plan
    assert report.assessment is not None


def test_cancelling_an_order_with_a_refund_in_flight_waits_for_a_person(llm_service: LlmService,
                                                                        database_url: str) -> None:
    store = open_store(database_url)
    with store.db.begin() as conn:
        charge = conn.execute(select(charges).where(charges.c.order_id == 10001)).mappings().first()
        assert charge is not None
        conn.execute(insert(refunds).values(
            id="re_inflight", charge_id=charge["id"], order_id=10001, amount_cents=1000, reason="goodwill",
            status="pending", approved_by=None, operation_key=None, created_at=datetime.now(UTC),
            destination_pm_id=None))
    model = scripted(
        understood("cancel_order", order_ids=[10001]),
        planned(step("order", "cancel_order", "get_order", {"order_id": 10001}),
                step("cancel", "cancel_order", "cancel_order", {"order_id": 10001}, ["order"])),
    )
    service = llm_service(model)
    # An instruction to cancel is the customer's go-ahead (policy 3), with the model planning as without it.
    decided = service.send("t-inflight", "cancel order 10001", customer_id="C0001")
    cancel = next(s for s in decided.plan if s["tool"] == "cancel_order")
    assert cancel["status"] == "needs_approval", cancel
    assert "in flight" in (cancel["hold_reason"] or ""), cancel["hold_reason"]
    assert decided.review_request is not None, "a person must decide"
    assert order_status(database_url, 10001) == "pending", "cancelled despite a refund in flight"
