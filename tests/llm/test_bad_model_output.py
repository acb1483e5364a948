"""Bad model output is retried once with the reason, then goes to a human; none of it ever runs."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage

from foundation.audit import open_audit_log
from tests.graph.conftest import tools_run
from tests.llm.conftest import LlmService
from tests.llm.scripted import not_json, planned, scripted, step, understood

TRACK = step("order", "track_order", "get_order", {"order_id": 10003})
UNKNOWN_TOOL = step("wipe", "track_order", "drop_database", {})
MADE_UP_ID = step("order", "track_order", "get_order", {"order_id": 55555})
INVALID_ARGS = step("order", "track_order", "get_order", {"order_id": "the third one"})


RETRIED = [
    (not_json(), "not valid JSON"),
    (planned(UNKNOWN_TOOL), "unknown tool 'drop_database'"),
    (planned(MADE_UP_ID), "order_id 55555 appears nowhere"),
    (planned(INVALID_ARGS), "invalid arguments for get_order: order_id"),
    (AIMessage(content="Sure! I will look up your order."), "answered in text"),
]


def test_a_bad_plan_is_retried_with_the_reason_and_then_runs(llm_service: LlmService, database_url: str) -> None:
    script: list[AIMessage] = []
    for bad, _ in RETRIED:
        script += [understood("track_order", order_ids=[10003]), bad, planned(TRACK)]
    model = scripted(*script)
    service = llm_service(model)
    audit = open_audit_log(database_url)
    for n, (_, reason) in enumerate(RETRIED):
        thread = f"t-retry-{n}"
        report = service.send(thread, "where is my order 10003?", customer_id="C0001")
        assert tools_run(report.plan) == ["get_order"], (reason, report.plan)
        retry = str(model.prompts[3 * n + 2][-1].content)
        assert reason in retry, f"the retry does not tell the model {reason!r}: {retry}"
        calls = [e["payload"] for e in audit.events(thread) if e["kind"] == "llm_call"]
        assert [(c["node"], c["attempt"]) for c in calls] == [("understand", 1), ("plan", 1), ("plan", 2)], calls
        assert reason in (calls[1]["error"] or ""), calls[1]
        assert report.assessment is not None and report.assessment["route"] == "respond", report.assessment
    assert model.left == 0


def test_a_plan_refused_twice_goes_to_a_human_and_nothing_runs(llm_service: LlmService, database_url: str) -> None:
    cases = [(planned(UNKNOWN_TOOL), "unknown tool"), (planned(MADE_UP_ID), "never invent identifiers")]
    model = scripted(*[m for bad, _ in cases for m in (understood("track_order", order_ids=[10003]), bad, bad)])
    service = llm_service(model)
    for n, (_, reason) in enumerate(cases):
        report = service.send(f"t-refused-{n}", "where is my order 10003?", customer_id="C0001")
        assert tools_run(report.plan) == [], f"a refused plan ran: {report.plan}"
        assert report.assessment is not None and report.assessment["route"] == "human_review", report.assessment
        assert any(reason in r for r in report.assessment["reasons"]), report.assessment["reasons"]
        assert report.review_request is not None
        events = open_audit_log(database_url).events(f"t-refused-{n}")
        assert not any(e["kind"] == "tool_call" for e in events), events


def test_an_understanding_refused_twice_goes_to_a_human_and_nothing_runs(llm_service: LlmService,
                                                                        database_url: str) -> None:
    invented: dict[str, Any] = {"order_ids": [77777]}
    model = scripted(understood("wire_money", **invented), understood("track_order", **invented))
    report = llm_service(model).send("t-understand", "where is my order 10003?", customer_id="C0001")
    assert model.left == 0, "the plan must not be asked for after a refused understanding"
    assert tools_run(report.plan) == [], report.plan
    assert report.assessment is not None and report.assessment["route"] == "human_review"
    reasons = " ".join(report.assessment["reasons"])
    assert "order id 77777 does not appear" in reasons, reasons
    retry = str(model.prompts[1][-1].content)
    assert "unknown intent 'wire_money'" in retry, retry
