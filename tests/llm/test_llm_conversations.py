"""Whole conversations with the LLM reasoner on a scripted model, on each checkpointer: understanding merged
with the router, plans as step graphs, parallel steps, audit of tokens and cost, model outages."""

from __future__ import annotations

import httpx
import openai

from foundation.audit import open_audit_log
from tests.graph.conftest import order_status, tools_run
from tests.llm.conftest import LlmService
from tests.llm.scripted import planned, scripted, step, understood


def test_tracking_is_understood_and_planned_by_the_model_and_audited(llm_service: LlmService,
                                                                     database_url: str) -> None:
    model = scripted(
        understood("track_order", order_ids=[10003], rationale="Asks where order 10003 is; SECRET-RATIONALE"),
        planned(step("order", "track_order", "get_order", {"order_id": 10003}, why="read the tracking")),
        understood("get_refund", order_ids=[10002]),
        planned(step("refund", "get_refund", "refund_order", {"order_id": 10002, "reason": "changed my mind"})),
    )
    service = llm_service(model)
    report = service.send("t-track", "where is my order 10003?", customer_id="C0001")

    assert report.understanding is not None and report.understanding["source"] == "llm", report.understanding
    assert [i["intent"] for i in report.understanding["intents"]] == ["track_order"]
    assert report.understanding["agreement"] == 1.0, "the router also reads track_order in this message"
    assert [(s["id"], s["tool"], s["status"]) for s in report.plan] == [("track_order.order", "get_order", "done")]
    assert "1Z999AA10123456784" in report.replies[-1], report.replies
    assert all("SECRET-RATIONALE" not in r for r in report.replies), "the rationale reached the customer"
    assert model.bound[0] == ["CustomerUnderstanding"], model.bound[0]
    assert model.bound[1][0] == "SupportPlan" and "get_order" in model.bound[1], model.bound[1]
    assert "delete_account" not in model.bound[1], f"irrelevant tools were bound: {model.bound[1]}"

    events = open_audit_log(database_url).events("t-track")
    understand = [e for e in events if e["kind"] == "understand"]
    assert "SECRET-RATIONALE" in understand[0]["payload"]["rationale"], "the rationale is kept for the audit"
    calls = [e["payload"] for e in events if e["kind"] == "llm_call"]
    assert [c["node"] for c in calls] == ["understand", "plan"], calls
    assert all(c["prompt_tokens"] > 0 and c["cost_usd"] > 0 for c in calls), calls
    usage = [e["payload"] for e in events if e["kind"] == "llm_usage"]
    assert usage == [{"calls": 2, "prompt_tokens": sum(c["prompt_tokens"] for c in calls),
                      "completion_tokens": sum(c["completion_tokens"] for c in calls),
                      "cost_usd": round(sum(c["cost_usd"] for c in calls), 8),
                      "prompt_tokens_saved_by_tool_selection": plan_call_saved(calls)}], usage
    plans = [e["payload"] for e in events if e["kind"] == "plan"]
    assert plans[0]["note"] == "Look it up, then act.", "the model's plan rationale belongs in the audit"
    plan_call = calls[1]
    assert plan_call["prompt_tokens_all_tools"] > plan_call["counted_prompt_tokens"], plan_call

    # A refund above the approval limit, planned by the model, is held for a human all the same.
    limit = service.send("t-limit", "refund order 10002 please", customer_id="C0001")
    held = [s for s in limit.plan if s["status"] == "needs_approval"]
    assert [s["tool"] for s in held] == ["refund_order"], limit.plan
    assert "limit" in (held[0]["hold_reason"] or ""), held[0]
    assert limit.assessment is not None and limit.assessment["route"] == "human_review", limit.assessment
    assert limit.review_request is not None
    assert model.left == 0


def test_several_issues_in_one_message_run_independent_steps_and_a_dependent_write(
        llm_service: LlmService, database_url: str) -> None:
    model = scripted(
        understood("track_order", "get_refund", order_ids=[10003, 10002]),
        planned(
            step("track", "track_order", "get_order", {"order_id": 10003}),
            step("order", "get_refund", "get_order", {"order_id": 10002}),
            step("refund", "get_refund", "refund_order", {"order_id": 10002, "amount": 20.0,
                                                          "reason": "arrived scratched"}, ["order"]),
        ),
    )
    service = llm_service(model)
    # (a wording the local router also reads as both requests: a write needs its confidence too)
    report = service.send("t-multi", "where is my order 10003? and I want my money back for 10002, it arrived "
                          "scratched: refund $20", customer_id="C0001")
    by_id = {s["id"]: s for s in report.plan}
    assert by_id["get_refund.refund"]["depends_on"] == ["get_refund.order"], by_id["get_refund.refund"]
    assert by_id["track_order.track"]["depends_on"] == [], "independent steps must not wait for each other"
    assert tools_run(report.plan) == ["get_order", "get_order", "refund_order"], report.plan
    assert all(s["status"] == "done" for s in report.plan), report.plan
    assert report.understanding is not None and len(report.understanding["intents"]) == 2


def test_account_migration_across_systems_waits_for_a_reviewer_then_runs(llm_service: LlmService,
                                                                         database_url: str) -> None:
    model = scripted(
        understood("account_migration", emails=["amara.o@example.net"]),
        planned(
            step("other", "account_migration", "find_customer", {"email": "amara.o@example.net"}),
            step("orders", "account_migration", "list_orders", {}),
            step("subscription", "account_migration", "get_subscription", {}),
            step("cards", "account_migration", "list_payment_methods", {}),
            step("migrate", "account_migration", "migrate_account",
                 {"other_customer_id": "$steps.other.customer_id"}, ["other", "orders", "subscription", "cards"]),
        ),
    )
    service = llm_service(model)
    report = service.send("t-migrate", "please merge my other account amara.o@example.net into this one, with "
                          "its orders, subscription and cards", customer_id="C0003")
    status = {s["id"].split(".")[1]: s["status"] for s in report.plan}
    assert status == {"other": "done", "orders": "done", "subscription": "done", "cards": "done",
                      "migrate": "needs_approval"}, status
    migrate = report.plan[-1]
    assert migrate["args"] == {"other_customer_id": "C0004"}, "the reference to find_customer was not resolved"
    assert report.review_request is not None
    assert [a["name"] for a in report.review_request["action_requests"]] == ["migrate_account"]

    resumed = service.resume("t-migrate", {"decisions": [{"type": "approve"}], "reviewer": "sam"})
    migrate = resumed.plan[-1]
    assert migrate["status"] == "done" and migrate["approved_by"] == "sam", migrate
    assert model.left == 0


def test_when_the_model_cannot_be_reached_the_local_reasoner_answers(llm_service: LlmService,
                                                                     database_url: str) -> None:
    timeout = openai.APITimeoutError(request=httpx.Request("POST", "http://127.0.0.1:1/v1/chat/completions"))
    model = scripted(timeout)
    service = llm_service(model)
    report = service.send("t-down", "where is my order 10003?", customer_id="C0001")
    assert report.understanding is not None and report.understanding["source"] == "local"
    assert "could not be reached" in report.understanding["rationale"], report.understanding["rationale"]
    assert tools_run(report.plan) == ["get_order"], report.plan
    assert "1Z999AA10123456784" in report.replies[-1], report.replies
    errors = [e["payload"]["error"] for e in open_audit_log(database_url).events("t-down") if e["kind"] == "llm_call"]
    assert len(errors) == 1 and "APITimeoutError" in errors[0], "the plan must not wait for a model that is down"
    assert order_status(database_url, 10003) != "cancelled"


def plan_call_saved(calls: list[dict[str, object]]) -> int:
    plan = calls[1]
    saved = int(str(plan["prompt_tokens_all_tools"])) - int(str(plan["counted_prompt_tokens"]))
    assert saved > 0, plan
    return saved
