"""What responses may show, in process: the customer's view, error bodies, streamed events, markdown-safe amounts."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.types import Message

from supportgraph.server import views
from supportgraph.server.guard import Shaper

REVIEWED = {
    "messages": [{"type": "human", "content": "Refund order 10002", "id": "h1"},
                 {"type": "ai", "content": "Refunded $349.99 (limit $100.00).", "id": "a1"}],
    "customer_id": "C0001", "customer": {"customer_id": "C0001", "name": "Maya"}, "status": "resolved",
    "review": {"reviewer": "sam", "reasons": ["above the limit"]}, "human_owner": "sam",
    "plan": [{"hold_reason": "refund above $100.00", "approved_by": "sam"}], "assessment": {"queue": "billing"},
    "__interrupt__": [{"id": "i1", "value": {"action_requests": [], "context": {"queue": "billing"}}}],
}


def test_markdown_safe_escapes_each_dollar_once() -> None:
    assert views.markdown_safe("$349.99 … $100.00") == "\\$349.99 … \\$100.00"
    assert views.markdown_safe("already \\$5") == "already \\$5"
    assert views.markdown_safe("no amounts") == "no amounts"


def test_a_customer_sees_the_conversation_and_a_reviewer_everything() -> None:
    customer = views.values(REVIEWED, True, "r1")
    assert set(customer) == {"messages", "customer_id", "customer", "status", "__interrupt__"}
    assert customer["__interrupt__"] == [{"id": "i1", "value": views.AWAITING_REVIEW}]
    assert "sam" not in json.dumps(customer)
    assert customer["messages"][0]["content"] == "Refund order 10002", "the customer's own words are not escaped"
    assert customer["messages"][1]["content"] == "Refunded \\$349.99 (limit \\$100.00)."
    reviewer = views.values(REVIEWED, False, "r1")
    assert reviewer["review"]["reviewer"] == "sam" and reviewer["__interrupt__"] == REVIEWED["__interrupt__"]
    state = views.state({"values": REVIEWED, "tasks": [{"id": "t", "name": "human_review", "result": {"x": 1},
                                                        "interrupts": REVIEWED["__interrupt__"], "error": None}],
                         "interrupts": REVIEWED["__interrupt__"], "metadata": {"step": 3, "source": "loop",
                                                                               "langgraph_auth_user": "sam"}},
                        True, "r1")
    assert "sam" not in json.dumps(state) and state["metadata"] == {"step": 3, "source": "loop"}
    run = views.run({"output": REVIEWED, "config": {"configurable": {"a": 1}}, "context": {"limit": 100000},
                     "error_message": "INSERT INTO checkpoints … (%s)", "input": {"messages": []}}, True, "r2")
    assert run["config"] == {} and run["context"] == {} and "INSERT" not in json.dumps(run)


def test_streamed_events_are_shaped_whole_even_when_split_across_chunks() -> None:
    stream = views.EventStream(customer=True, request_id="r3")
    update = json.dumps({"human_review": {"review": {"reviewer": "sam"}, "status": "resolved"}})
    raw = ("event: metadata\ndata: {\"run_id\": \"x\"}\n\n"
           f"event: values\ndata: {json.dumps(REVIEWED)}\n\n"
           f"event: updates\ndata: {update}\n\n"
           "event: error\ndata: {\"error\": \"UniqueViolation\", \"message\": \"INSERT INTO x VALUES (%s)\"}\n\n")
    encoded = raw.encode()
    out = b"".join(stream.feed(encoded[i:i + 37], last=i + 37 >= len(encoded)) for i in range(0, len(encoded), 37))
    events = [block for block in out.decode().split("\n\n") if block]
    assert len(events) == 4 and events[0] == 'event: metadata\ndata: {"run_id": "x"}'
    values = json.loads(events[1].split("data: ", 1)[1])
    assert set(values) <= views.CUSTOMER_KEYS | {"__interrupt__"} and "sam" not in events[1]
    assert json.loads(events[2].split("data: ", 1)[1]) == {"human_review": {"status": "resolved"}}
    error = json.loads(events[3].split("data: ", 1)[1])
    assert "INSERT" not in events[3] and "r3" in error["message"], events[3]


def _through_shaper(view: str | None, customer: bool, start: Message, body: bytes) -> list[Message]:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def play() -> None:
        shaper = Shaper(send, view, customer, "req-9")
        await shaper(start)
        await shaper({"type": "http.response.body", "body": body[:10], "more_body": True})
        await shaper({"type": "http.response.body", "body": body[10:], "more_body": False})

    asyncio.run(play())
    return sent


def test_a_5xx_answers_with_the_request_id_only() -> None:
    body = json.dumps({"error": "internal_error", "message": "Error retrieving thread history",
                       "details": {"exception": "INSERT INTO checkpoint_writes VALUES (%s) Traceback"}}).encode()
    start: Message = {"type": "http.response.start", "status": 500,
                      "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]}
    sent = _through_shaper(None, False, start, body)
    answered: dict[str, Any] = json.loads(b"".join(m.get("body", b"") for m in sent[1:]))
    assert answered == views.internal_error("req-9")
    assert dict(sent[0]["headers"])[b"content-length"] == str(len(json.dumps(answered))).encode()


def test_a_json_response_goes_through_its_view() -> None:
    body = json.dumps({"values": REVIEWED, "tasks": [], "interrupts": []}).encode()
    start: Message = {"type": "http.response.start", "status": 200,
                      "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]}
    sent = _through_shaper("state", True, start, body)
    shown = json.loads(b"".join(m.get("body", b"") for m in sent[1:]))
    assert set(shown["values"]) <= views.CUSTOMER_KEYS | {"__interrupt__"} and "sam" not in json.dumps(shown)
