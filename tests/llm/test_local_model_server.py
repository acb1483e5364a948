"""The real ChatOpenAI over real HTTP against a local OpenAI-compatible fake server: the production path from
run settings (model name, base_url, timeout, retries) to tool calls, structured output, malformed replies and
timeouts. Real hosted-model calls stay forbidden; this test only talks to loopback."""

from __future__ import annotations

import pytest

from foundation.audit import forget_audit_log, open_audit_log
from service.conversations import open_service
from tests.graph.conftest import tools_run
from tests.llm.fake_openai_server import Reply, fake_openai_server, tool_reply
from tools.store import close_store

UNDERSTOOD = {"intents": [{"intent": "track_order", "confidence": 0.93}], "entities": {"order_ids": [10003]},
              "sentiment": "neutral", "missing": [], "rationale": "Asks for the status of order 10003."}
PLAN = {"steps": [{"id": "order", "intent": "track_order", "tool": "get_order", "args": {"order_id": 10003},
                   "depends_on": [], "why": "read the tracking"}], "rationale": "One lookup answers it."}


@pytest.mark.local_model_server
def test_chat_openai_against_a_local_server(database_url: str) -> None:
    with fake_openai_server() as server:
        server.script.extend([
            tool_reply("CustomerUnderstanding", UNDERSTOOD),
            tool_reply("SupportPlan", '{"steps": [{"id": "order", "tool": '),  # malformed JSON arguments
            tool_reply("SupportPlan", PLAN),
            Reply(content="too slow", delay=3.0),  # longer than the client's timeout
        ])
        with open_service(database_url, reasoner="llm", model="fake-gpt", base_url=server.url, timeout=1.5,
                          max_retries=0) as service:
            service.warm_up()
            report = service.send("http-1", "where is my order 10003?", customer_id="C0001")
            assert report.understanding is not None and report.understanding["source"] == "llm"
            assert tools_run(report.plan) == ["get_order"], report.plan
            assert "1Z999AA10123456784" in report.replies[-1], report.replies

            first, plan, retry = server.requests[:3]
            assert first["model"] == "fake-gpt" and first["temperature"] == 0.0, first
            assert first["tool_choice"] == {"type": "function", "function": {"name": "CustomerUnderstanding"}}
            bound = [t["function"]["name"] for t in plan["tools"]]
            assert bound[0] == "SupportPlan" and "get_order" in bound and "delete_account" not in bound, bound
            assert "not valid JSON" in str(retry["messages"][-1]["content"]), retry["messages"][-1]

            calls = [e["payload"] for e in open_audit_log(database_url).events("http-1") if e["kind"] == "llm_call"]
            assert [(c["node"], c["attempt"], c["measured"]) for c in calls] == [
                ("understand", 1, True), ("plan", 1, True), ("plan", 2, True)], calls
            assert calls[0]["prompt_tokens"] == 1001 and calls[0]["completion_tokens"] == 50, calls[0]
            assert calls[0]["model"] == "fake-gpt"

            slow = service.send("http-2", "where is my order 10003?", customer_id="C0001")
            assert slow.understanding is not None and slow.understanding["source"] == "local", slow.understanding
            assert "could not be reached" in slow.understanding["rationale"]
            assert tools_run(slow.plan) == ["get_order"], "the local reasoner must carry the turn"
            errors = [e["payload"]["error"] for e in open_audit_log(database_url).events("http-2")
                      if e["kind"] == "llm_call"]
            assert errors and "Timeout" in errors[0], errors
    close_store(database_url)
    forget_audit_log(database_url)
