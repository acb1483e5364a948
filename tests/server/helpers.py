"""Conversations the server tests play, through langgraph-sdk as any API client would."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient

from service.demo import CONVERSATIONS

ASSISTANT = "support"
# The demo's refund above the approval limit (C0001, order 10002, $349.99 → billing queue) and the demo's
# upset customer asking for a person (C0002 → general queue).
REFUND_TEXT = CONVERSATIONS[2].messages[0]
PERSON_TEXT = CONVERSATIONS[3].messages[0]


def client(base_url: str, key: str | None) -> SyncLangGraphClient:
    return get_sync_client(url=base_url, api_key=key, timeout=httpx.Timeout(240.0))


def customer_message(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


def open_review(customer: SyncLangGraphClient, text: str) -> str:
    """A new thread of ``customer`` whose first message is held for a human; returns its id."""
    thread_id = str(customer.threads.create()["thread_id"])
    customer.runs.wait(thread_id, ASSISTANT, input=customer_message(text))
    assert customer.threads.get(thread_id)["status"] == "interrupted", "the conversation must wait for a reviewer"
    return thread_id


def review_request(c: SyncLangGraphClient, thread_id: str) -> dict[str, Any]:
    """The review request (HITL action_requests + review_configs + context) the thread waits on."""
    interrupts = c.threads.get_state(thread_id)["interrupts"]
    assert len(interrupts) == 1, f"expected one pending interrupt, got {interrupts}"
    value: dict[str, Any] = interrupts[0]["value"]  # type: ignore[index]
    return value


def resume(c: SyncLangGraphClient, thread_id: str, decision: Any) -> Any:
    return c.runs.wait(thread_id, ASSISTANT, command={"resume": decision})


def last_reply(c: SyncLangGraphClient, thread_id: str) -> str:
    messages = c.threads.get_state(thread_id)["values"]["messages"]  # type: ignore[index,call-overload]
    return str(messages[-1]["content"])


def refused(status: int, call: Any, *args: Any, **kwargs: Any) -> str:
    """Call, expect an HTTP error with ``status``; returns the server's reason."""
    with pytest.raises(httpx.HTTPStatusError) as caught:
        call(*args, **kwargs)
    response = caught.value.response
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.text}"
    return str(response.json().get("message", ""))
