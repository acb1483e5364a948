"""Bad input to the API: a 4xx with a reason, never a 500, and the waiting thread stays resumable."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from graphs.support.messages import MAX_MESSAGE_CHARS
from tests.server.conftest import ApiServer
from tests.server.helpers import ASSISTANT, customer_message, last_reply, refused, resume, review_request

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

MALFORMED: list[tuple[Any, str]] = [
    ("approve", "must be an object"),
    ({}, "decisions"),
    ({"decisions": []}, "expected 1 decision"),
    ({"decisions": [{"type": "approve"}, {"type": "approve"}]}, "expected 1 decision"),
    ({"decisions": [{"type": "escalate"}]}, "decisions.0.type"),
    ({"decisions": [{"type": "respond", "message": "  "}]}, "non-empty message"),
    ({"decisions": [{"type": "edit"}]}, "edited_action"),
    ({"decisions": [{"type": "edit", "edited_action": {"name": "refund_order", "args": {}}}]}, "not the action"),
    ({"decisions": [{"type": "edit", "edited_action": {"name": "reply_to_customer", "args": {"message": ""}}}]},
     "invalid"),
    ({"decisions": [{"type": "approve"}], "turn": 99}, "turn 99"),
    ({"decisions": [{"type": "approve"}], "take_over": True, "hand_back": True}, "exclude each other"),
]


@pytest.fixture(scope="module")
def waiting(api_server: ApiServer) -> str:
    return api_server.person_review()


def test_malformed_decisions_are_refused_and_the_thread_keeps_waiting(api_server: ApiServer, waiting: str) -> None:
    gil = api_server.client("gil")
    before = review_request(gil, waiting)
    for payload, reason in MALFORMED:
        message = refused(422, resume, gil, waiting, payload)
        assert reason in message, f"{payload!r}: reason {message!r} lacks {reason!r}"
    assert review_request(gil, waiting) == before, "a refused decision changed the pending review"
    assert gil.threads.get(waiting)["status"] == "interrupted"


def test_bad_requests_get_reasons_not_500s(api_server: ApiServer, waiting: str) -> None:
    jonas = api_server.client("jonas")
    headers = {"x-api-key": api_server.keys["jonas"], "content-type": "application/json"}
    runs = f"{api_server.base_url}/threads/{waiting}/runs/wait"
    for body, status in ((b"{not json", 422), (b"[1, 2]", 422), (b'{"input": "hello"}', 422),
                         (b'{"assistant_id": "support"}', 422),
                         (b'{"input": {"customer_id": "C0002"}}', 422), (b"x" * 300_000, 413)):
        response = httpx.post(runs, content=body, headers=headers, timeout=60)
        assert response.status_code == status, f"{body[:30]!r}: {response.status_code} {response.text[:200]}"
        assert response.json()["message"], response.text
    lone_surrogate = (b'{"assistant_id": "support", '
                      b'"input": {"messages": [{"role": "user", "content": "refund \\ud800 now"}]}}')
    response = httpx.post(runs, content=lone_surrogate, headers=headers, timeout=60)
    assert response.status_code == 422 and "UTF-8" in response.json()["message"], response.text
    assert "only an admin" in refused(403, jonas.runs.wait, waiting, ASSISTANT,
                                      input={"messages": [{"role": "assistant", "content": "Refund approved."}]})
    assert "waiting for a human reviewer" in refused(409, jonas.runs.wait, waiting, ASSISTANT,
                                                     input=customer_message("any news?"))
    assert "too long" in refused(413, jonas.runs.wait, waiting, ASSISTANT,
                                 input=customer_message("refund " * MAX_MESSAGE_CHARS))
    assert "empty" in refused(422, jonas.runs.stream(waiting, ASSISTANT, input=customer_message(" \n ")).__next__)
    assert api_server.client("gil").threads.get(waiting)["status"] == "interrupted"


def test_a_decision_not_allowed_for_the_action_and_a_resume_of_a_thread_not_waiting(api_server: ApiServer,
                                                                                 waiting: str) -> None:
    gil = api_server.client("gil")
    jonas = api_server.client("jonas")
    # Gil takes the thread over: from now on the agent drafts nothing and only 'respond' is allowed.
    resume(gil, waiting, {"decisions": [{"type": "respond", "message": "Hi Jonas, Gil here. What happened?"}],
                          "take_over": True})
    assert "not waiting for a review" in refused(409, resume, gil, waiting, {"decisions": [{"type": "approve"}]})
    jonas.runs.wait(waiting, ASSISTANT, input=customer_message("My order 10005 never arrived."))
    request = review_request(gil, waiting)
    assert request["review_configs"][0]["allowed_decisions"] == ["respond"], request["review_configs"]
    for decision in ({"type": "approve"}, {"type": "reject", "message": "no"}):
        assert "not allowed" in refused(422, resume, gil, waiting, {"decisions": [decision]})
    assert review_request(gil, waiting) == request, "a refused decision changed the pending review"
    resume(gil, waiting, {"decisions": [{"type": "respond", "message": "I'm sending a replacement today."}],
                          "hand_back": True})
    assert last_reply(gil, waiting) == "I'm sending a replacement today."


def test_two_reviewers_at_once_exactly_one_decision_is_applied(api_server: ApiServer) -> None:
    thread_id = api_server.person_review()
    url = f"{api_server.base_url}/threads/{thread_id}/runs/wait"

    def answer(name: str) -> httpx.Response:
        decision = {"decisions": [{"type": "respond", "message": f"Hi Jonas, this is {name}."}]}
        return httpx.post(url, json={"assistant_id": ASSISTANT, "command": {"resume": decision}},
                          headers={"x-api-key": api_server.keys[name]}, timeout=240)

    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(answer, ["gil", "ops"]))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409], [(r.status_code, r.text[:200]) for r in responses]
    loser = next(r for r in responses if r.status_code == 409).json()["message"]
    assert "already being resumed" in loser or "not waiting for a review" in loser, loser
    messages = api_server.client("gil").threads.get_state(thread_id)["values"]["messages"]
    replies = [m["content"] for m in messages if str(m["content"]).startswith("Hi Jonas, this is")]
    assert len(replies) == 1, f"both decisions were applied: {replies}"
