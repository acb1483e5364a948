"""The deployed graph API end to end: langgraph-sdk against `supportgraph serve` (Aegra on Postgres) on loopback.

A customer streams a conversation that reaches a human review; a reviewer finds it with
threads.search(status="interrupted") and resumes it with each decision of the review request.
"""

from __future__ import annotations

from typing import Any

import pytest

from supportgraph.server.rules import OWN_ASSISTANT
from tests.graph.conftest import refunds_of
from tests.server.conftest import ApiServer
from tests.server.helpers import (
    ASSISTANT,
    REFUND_TEXT,
    customer_message,
    last_reply,
    open_review,
    resume,
    review_request,
)
from tests.studio.drawing import compiled, drawn

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_a_streamed_conversation_reaches_a_review_that_reviewers_find(api_server: ApiServer) -> None:
    maya = api_server.client("maya")
    thread_id = str(maya.threads.create()["thread_id"])
    updates: list[str] = []
    events: list[str] = []
    interrupts: list[Any] = []
    for part in maya.runs.stream(thread_id, ASSISTANT, input=customer_message(REFUND_TEXT),
                                 stream_mode=["updates", "values"]):
        events.append(part.event)
        if isinstance(part.data, dict):
            interrupts.extend(part.data.get("__interrupt__", []))
            if part.event == "updates":
                updates.extend(k for k in part.data if k != "__interrupt__")
    assert "error" not in events, f"the run failed: {events}"
    assert updates == ["ingest", "act"], updates  # understand and plan run in ingest's step, assess in act's
    # The customer learns that its conversation waits for a person, not what the reviewer will read.
    assert interrupts and interrupts[0]["value"] == {"awaiting": "human_review"}, f"interrupts streamed: {interrupts}"

    sam = api_server.client("sam")  # billing reviewer
    waiting = [t["thread_id"] for t in sam.threads.search(status="interrupted", limit=100)]
    assert thread_id in waiting, f"{thread_id} missing from the billing reviewer's search {waiting}"
    request = review_request(sam, thread_id)
    assert [a["name"] for a in request["action_requests"]] == ["refund_order"], request["action_requests"]
    assert request["action_requests"][0]["args"]["order_id"] == 10002, request["action_requests"]
    assert request["review_configs"][0]["allowed_decisions"] == ["approve", "edit", "reject", "respond"]
    context = request["context"]
    assert context["customer"]["customer_id"] == "C0001" and context["queue"] == "billing", context
    assert thread_id in [t["thread_id"] for t in maya.threads.search(limit=100)], "the customer sees its thread"
    jonas = api_server.client("jonas")
    assert thread_id not in [t["thread_id"] for t in jonas.threads.search(limit=100)], "another customer sees it"


@pytest.fixture(scope="module")
def refund_reviews(api_server: ApiServer) -> dict[str, str]:
    """One waiting refund thread per decision, all opened before any refund is made."""
    maya = api_server.client("maya")
    return {decision: open_review(maya, REFUND_TEXT) for decision in ("reject", "respond", "edit", "approve")}


def _decide(api_server: ApiServer, thread_id: str, decision: dict[str, Any]) -> str:
    sam = api_server.client("sam")
    resume(sam, thread_id, {"decisions": [decision]})
    assert sam.threads.get(thread_id)["status"] == "idle", "the thread must leave the review queue"
    assert thread_id not in [t["thread_id"] for t in sam.threads.search(status="interrupted", limit=100)]
    return last_reply(sam, thread_id)


def test_reject_tells_the_customer_why_and_refunds_nothing(api_server: ApiServer,
                                                           refund_reviews: dict[str, str]) -> None:
    reason = "the damage is not covered by the warranty"
    reply = _decide(api_server, refund_reviews["reject"], {"type": "reject", "message": reason})
    assert reason in reply, reply
    assert refunds_of(api_server.database_url, 10002) == [], "a rejected refund was made"


def test_respond_sends_the_reviewers_own_words(api_server: ApiServer, refund_reviews: dict[str, str]) -> None:
    text = "Hi Maya, could you send us a photo of the headphones? Then we refund you right away."
    assert _decide(api_server, refund_reviews["respond"], {"type": "respond", "message": text}) == text
    assert refunds_of(api_server.database_url, 10002) == [], "a 'respond' decision made a refund"


def test_edit_refunds_the_edited_amount(api_server: ApiServer, refund_reviews: dict[str, str]) -> None:
    sam = api_server.client("sam")
    action = review_request(sam, refund_reviews["edit"])["action_requests"][0]
    edited = {"name": action["name"], "args": {**action["args"], "amount": 100.0}}
    reply = _decide(api_server, refund_reviews["edit"], {"type": "edit", "edited_action": edited})
    assert "\\$100.00" in reply, reply  # served as markdown: "$" escaped
    rows = refunds_of(api_server.database_url, 10002)
    assert [(r["amount"], r["approved_by"]) for r in rows] == [(100.0, "sam")], rows


def test_approve_after_another_refund_reviews_again_then_refunds_what_is_left(
        api_server: ApiServer, refund_reviews: dict[str, str]) -> None:
    """The review was opened for the whole $349.99; the edit test refunded $100 of the order since. Approving
    the old review would now move something else than it showed: nothing moves and the review comes back with
    the tool's refusal (issue 17: what a reviewer approves is what moves); the reviewer edits it to what is left,
    and exactly that moves."""
    sam = api_server.client("sam")
    thread_id = refund_reviews["approve"]
    before = refunds_of(api_server.database_url, 10002)
    assert sum(r["amount"] for r in before) == 100.0, "the edit test runs first and refunds $100"
    resume(sam, thread_id, {"decisions": [{"type": "approve"}]})
    assert refunds_of(api_server.database_url, 10002) == before, "moved more than the review showed"
    again = review_request(sam, thread_id)
    assert "249.99" in str(again["context"]), again["context"]
    action = again["action_requests"][0]
    edited = {"name": action["name"], "args": {**action["args"], "amount": 249.99}}
    reply = _decide(api_server, thread_id, {"type": "edit", "edited_action": edited})
    rows = refunds_of(api_server.database_url, 10002)
    assert [(r["amount"], r["approved_by"]) for r in rows][-1] == (249.99, "sam"), rows
    assert "\\$249.99" in reply, reply


def test_the_api_draws_the_same_graph_as_studio(api_server: ApiServer) -> None:
    ops = api_server.client("ops")  # only an admin lists assistants
    assistant = next(a["assistant_id"] for a in ops.assistants.search(graph_id=ASSISTANT, limit=100)
                     if a["assistant_id"] in OWN_ASSISTANT)
    sam = api_server.client("sam")  # any key reads the graph's own drawing
    assert drawn(dict(sam.assistants.get_graph(assistant))) == compiled()
