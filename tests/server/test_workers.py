"""Scale-out and durability: server processes over one Postgres share every thread.

A conversation started on one server process is resumed on another, and a thread interrupted before the
server restarted is resumed by the new process: nothing a second worker needs is kept in process memory.
"""

from __future__ import annotations

import pytest

from service.conversations import open_service
from tests.server.conftest import ApiServer
from tests.server.helpers import (
    ASSISTANT,
    PERSON_TEXT,
    client,
    customer_message,
    last_reply,
    open_review,
    resume,
    review_request,
)
from tests.server.running import running_server

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_a_thread_moves_between_workers_and_survives_a_restart(api_server: ApiServer) -> None:
    first = api_server.server
    jonas = client(first.base_url, api_server.keys["jonas"])
    moving = open_review(jonas, PERSON_TEXT)
    surviving = open_review(jonas, PERSON_TEXT)
    before = review_request(client(first.base_url, api_server.keys["gil"]), surviving)

    with running_server(api_server.database_url, api_server.keys_path) as second:
        assert second.process.pid != first.process.pid
        # Started on the first worker, found and resumed on the second.
        gil_second = client(second.base_url, api_server.keys["gil"])
        assert moving in [t["thread_id"] for t in gil_second.threads.search(status="interrupted", limit=100)]
        text = "Hi Jonas, Gil here: I have your messages and I'm calling you now."
        resume(gil_second, moving, {"decisions": [{"type": "respond", "message": text}]})
        assert last_reply(client(first.base_url, api_server.keys["gil"]), moving) == text

    # Every process that saw `surviving` interrupt is gone; the restarted server resumes it.
    api_server.restart()
    assert first.process.poll() is not None and api_server.server.process.pid != first.process.pid
    gil = api_server.client("gil")
    assert gil.threads.get(surviving)["status"] == "interrupted"
    assert review_request(gil, surviving) == before, "the review request changed across the restart"
    resume(gil, surviving, {"decisions": [{"type": "reject", "message": "we answer by phone instead"}]})
    assert "we answer by phone instead" in last_reply(gil, surviving)
    assert gil.threads.get(surviving)["status"] == "idle"


def test_a_thread_the_cli_reviewed_goes_on_through_the_api(api_server: ApiServer) -> None:
    """A CLI process on the same database checkpoints with the service's own serializer (large payloads
    compressed, service/checkpoint_serde.py); the server reads and continues what it wrote."""
    jonas = client(api_server.base_url, api_server.keys["jonas"])
    thread = open_review(jonas, PERSON_TEXT)
    text = "Hi Jonas, Gil here: I read your messages and I'm calling you now."
    with open_service(api_server.database_url) as cli:
        cli.resume(thread, {"decisions": [{"type": "respond", "message": text}], "reviewer": "gil"})
    assert last_reply(api_server.client("gil"), thread) == text
    jonas.runs.wait(thread, ASSISTANT, input=customer_message("Where is my order 10003?"))
    assert jonas.threads.get(thread)["status"] == "idle"
    assert "10003" in last_reply(jonas, thread)
