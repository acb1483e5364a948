"""Who may do what: API keys with roles, against the real server."""

from __future__ import annotations

import httpx
import pytest

from tests.server.conftest import ApiServer
from tests.server.helpers import ASSISTANT, client, customer_message, refused, resume

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture(scope="module")
def jonas_waiting(api_server: ApiServer) -> str:
    """A thread of customer C0002 waiting in the general queue (the upset customer asking for a person)."""
    return api_server.person_review()


@pytest.mark.parametrize("key", [None, "sg-not-a-key", ""], ids=["no-key", "wrong-key", "empty-key"])
def test_no_key_or_a_wrong_key_is_401(api_server: ApiServer, jonas_waiting: str, key: str | None) -> None:
    stranger = client(api_server.base_url, key)
    assert "API key" in refused(401, stranger.threads.search)
    refused(401, stranger.threads.get_state, jonas_waiting)
    refused(401, stranger.threads.create)
    refused(401, stranger.runs.wait, jonas_waiting, ASSISTANT, command={"resume": {"decisions": [{"type": "approve"}]}})
    refused(401, stranger.assistants.search)
    assert httpx.get(api_server.base_url + "/health").status_code == 200, "health stays public"


def test_another_customers_thread_does_not_exist_for_you(api_server: ApiServer, jonas_waiting: str) -> None:
    maya = api_server.client("maya")
    for call, args in ((maya.threads.get, ()), (maya.threads.get_state, ()), (maya.threads.get_history, ()),
                       (maya.runs.list, ())):
        refused(404, call, jonas_waiting, *args)
    refused(404, maya.runs.wait, jonas_waiting, ASSISTANT, input=customer_message("hello?"))
    refused(404, maya.threads.get, "no-such-thread")
    assert jonas_waiting not in [t["thread_id"] for t in maya.threads.search(limit=100)]
    jonas = api_server.client("jonas")
    assert jonas.threads.get_state(jonas_waiting)["values"]["customer"]["customer_id"] == "C0002"


def test_a_customer_acts_only_as_itself(api_server: ApiServer, jonas_waiting: str) -> None:
    jonas = api_server.client("jonas")
    assert "customer" in refused(403, jonas.runs.wait, jonas_waiting, ASSISTANT,
                                 command={"resume": {"decisions": [{"type": "approve"}]}})
    refused(403, jonas.runs.wait, jonas_waiting, ASSISTANT, input=customer_message("hi"),
            context={"refund_approval_limit": 100000})
    refused(403, jonas.threads.update_state, jonas_waiting, {"status": "resolved"})
    refused(403, jonas.threads.delete, jonas_waiting)
    refused(403, jonas.assistants.create, "support")
    # The signed-in customer is the key's, whatever the request says.
    maya = api_server.client("maya")
    thread_id = str(maya.threads.create(metadata={"customer_id": "C0002"})["thread_id"])
    assert maya.threads.get(thread_id)["metadata"]["customer_id"] == "C0001"
    maya.runs.wait(thread_id, ASSISTANT, input={**customer_message("where is my order 10003?"), "customer_id": "C0002"})
    assert maya.threads.get_state(thread_id)["values"]["customer"]["customer_id"] == "C0001"


def test_a_reviewer_reaches_only_the_threads_of_its_queues(api_server: ApiServer, jonas_waiting: str) -> None:
    gil = api_server.client("gil")  # general queue
    sam = api_server.client("sam")  # billing, accounts
    assert jonas_waiting in [t["thread_id"] for t in gil.threads.search(status="interrupted", limit=100)]
    assert jonas_waiting not in [t["thread_id"] for t in sam.threads.search(status="interrupted", limit=100)]
    refused(404, sam.threads.get_state, jonas_waiting)
    refused(404, sam.runs.wait, jonas_waiting, ASSISTANT, command={"resume": {"decisions": [{"type": "approve"}]}})
    assert "reviewer" in refused(403, gil.threads.create)
    refused(403, gil.runs.wait, jonas_waiting, ASSISTANT, input=customer_message("I am the customer"))
    text = "Hi Jonas, I'm Gil from customer care; I'm calling you within the hour."
    resume(gil, jonas_waiting, {"decisions": [{"type": "respond", "message": text}], "reviewer": "someone-else"})
    state = gil.threads.get_state(jonas_waiting)
    assert state["values"]["messages"][-1]["content"] == text
    assert state["values"]["review"]["reviewer"] == "gil", "the reviewer is the key's name, not the payload's"
    assert gil.threads.get(jonas_waiting)["status"] == "idle"


def test_an_admin_reaches_everything(api_server: ApiServer, jonas_waiting: str) -> None:
    ops = api_server.client("ops")
    assert ops.threads.get(jonas_waiting)["metadata"]["customer_id"] == "C0002"
    everyone = {t["metadata"].get("customer_id") for t in ops.threads.search(limit=100)}
    assert {"C0001", "C0002"} <= everyone, everyone
    assistant = ops.assistants.search(graph_id=ASSISTANT)[0]["assistant_id"]
    assert ops.assistants.get_graph(assistant)["nodes"], "an admin reads the graph"
