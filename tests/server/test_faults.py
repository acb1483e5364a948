"""The API under the faults of issue 22 (S4-S6 of issue 18): control characters refused with a 4xx before
anything is recorded, runs on one thread taken one at a time, and a thread a failed run left behind repaired."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import text

from foundation.db import open_database
from tests.server.conftest import ApiServer
from tests.server.helpers import ASSISTANT, customer_message, last_reply, refused, resume, review_request

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_a_message_with_nul_gets_a_4xx_without_sql_and_the_thread_stays_usable(api_server: ApiServer) -> None:
    jonas = api_server.client("jonas")
    thread_id = str(jonas.threads.create()["thread_id"])
    headers = {"x-api-key": api_server.keys["jonas"]}
    response = httpx.post(f"{api_server.base_url}/threads/{thread_id}/runs/wait", headers=headers, timeout=240,
                          json={"assistant_id": ASSISTANT, "input": customer_message("where is\u0000 my order?")})
    assert response.status_code == 422, response.text
    assert "U+0000" in response.json()["message"], response.text
    assert "INSERT" not in response.text and "SELECT" not in response.text, response.text
    assert jonas.threads.get(thread_id)["status"] == "idle"
    jonas.runs.wait(thread_id, ASSISTANT, input=customer_message("where is order 10005?"))
    assert last_reply(jonas, thread_id)


@pytest.mark.parametrize("decision", [{"type": "reject", "message": "not\u0000 eligible"},
                                      {"type": "respond", "message": "Hello\u0000 Jonas"}], ids=["reject", "respond"])
def test_a_reviewer_decision_with_nul_is_refused_and_the_review_stays_open(api_server: ApiServer,
                                                                           decision: dict[str, str]) -> None:
    thread_id = api_server.person_review()
    gil = api_server.client("gil")
    before = review_request(gil, thread_id)
    assert "U+0000" in refused(422, resume, gil, thread_id, {"decisions": [decision]})
    assert review_request(gil, thread_id) == before
    assert gil.threads.get(thread_id)["status"] == "interrupted"
    [item] = api_server.review_rows(thread_id, "open")
    assert item.status == "open", item
    resume(gil, thread_id, {"decisions": [{"type": "respond", "message": "Hi Jonas, Gil here."}]})
    assert last_reply(gil, thread_id) == "Hi Jonas, Gil here."


def test_messages_sent_at_once_into_one_thread_are_taken_one_at_a_time(api_server: ApiServer) -> None:
    jonas = api_server.client("jonas")
    thread_id = str(jonas.threads.create()["thread_id"])
    jonas.runs.wait(thread_id, ASSISTANT, input=customer_message("hello"))
    texts = ["where is order 10005?", "what is your return policy?", "how do I change my plan?"]

    def send(message: str) -> httpx.Response:
        return httpx.post(f"{api_server.base_url}/threads/{thread_id}/runs/wait", timeout=240,
                          headers={"x-api-key": api_server.keys["jonas"]},
                          json={"assistant_id": ASSISTANT, "input": customer_message(message)})

    with ThreadPoolExecutor(max_workers=len(texts)) as pool:
        responses = list(pool.map(send, texts))
    assert all(r.status_code in (200, 409) for r in responses), [(r.status_code, r.text[:200]) for r in responses]
    accepted = [t for t, r in zip(texts, responses, strict=True) if r.status_code == 200]
    for r in responses:
        if r.status_code == 409:
            assert "in progress" in r.json()["message"] or "busy" in r.json()["message"], r.text
    assert accepted, "every concurrent message was refused"
    messages = jonas.threads.get_state(thread_id)["values"]["messages"]  # type: ignore[index,call-overload]
    said = [m["content"] for m in messages if m["type"] == "human"]
    assert sorted(said[1:]) == sorted(accepted), said
    for i, m in enumerate(messages):
        if m["type"] == "human":
            assert any(n["type"] == "ai" for n in messages[i + 1:]), f"no reply to {m['content']!r}"


def test_a_thread_a_failed_run_left_in_error_is_resumable_with_its_review_open(api_server: ApiServer) -> None:
    thread_id = api_server.person_review()
    # What a resume whose run failed after the node marked the review done leaves behind (issue 22, case 4).
    with open_database(api_server.database_url).begin() as conn:
        conn.execute(text("UPDATE thread SET status = 'error' WHERE thread_id = :t"), {"t": thread_id})
        conn.execute(text("UPDATE review_queue SET status = 'resolved' WHERE thread_id = :t"), {"t": thread_id})
    gil = api_server.client("gil")
    resume(gil, thread_id, {"decisions": [{"type": "respond", "message": "Hi Jonas, sorted."}]})
    assert last_reply(gil, thread_id) == "Hi Jonas, sorted."
    rows = api_server.review_rows(thread_id)
    assert [r.status for r in rows] == ["resolved"], rows
    assert json.dumps(gil.threads.get(thread_id)["status"]) == '"idle"'
