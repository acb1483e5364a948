"""One turn at a time per thread: concurrent messages are all kept, turns and idempotency keys never collide."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select

from foundation.thread_lock import thread_lock
from service.conversations import SupportService, ThreadBusy, open_service
from tests.graph.conftest import refunds_of
from tools.store import open_store
from tools.store.schema import operations

THREAD = "together"
TEXTS = ["I'd like a refund for order 10004", "where is order 10003?", "what is your return policy?"]


def test_messages_sent_at_once_are_all_answered_and_kept(service: SupportService, database_url: str) -> None:
    service.send(THREAD, "hello", customer_id="C0001")
    barrier = threading.Barrier(len(TEXTS))
    outcomes: dict[str, Any] = {}

    def customer(text: str) -> None:
        with open_service(database_url) as own:  # one connection each, as separate processes would have
            barrier.wait()
            try:
                outcomes[text] = own.send(THREAD, text)
            except Exception as exc:
                outcomes[text] = exc

    threads = [threading.Thread(target=customer, args=(t,)) for t in TEXTS]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    failures = {k: v for k, v in outcomes.items() if isinstance(v, Exception)}
    assert not failures, failures
    turns = sorted(outcomes[t].turn for t in TEXTS)
    assert turns == [2, 3, 4], turns
    values = service.graph.get_state({"configurable": {"thread_id": THREAD}}).values
    human = [str(m.content) for m in values["messages"] if m.type == "human"]
    assert sorted(human[1:]) == sorted(TEXTS), human
    ai = [m for m in values["messages"] if m.type == "ai"]
    assert len(ai) >= 4, [m.content for m in values["messages"]]
    for text in TEXTS:
        assert outcomes[text].replies, text
        assert all(r in [str(m.content) for m in ai] for r in outcomes[text].replies), text
    assert len(refunds_of(database_url, 10004)) == 1
    with open_store(database_url).db.begin() as conn:
        keys = list(conn.execute(select(operations.c.key).where(operations.c.key.like(f"{THREAD}:%"))).scalars())
    assert len(keys) == len(set(keys)) == 1, keys


def test_a_turn_that_cannot_get_the_thread_in_time_is_refused_and_records_nothing(
        service: SupportService, database_url: str) -> None:
    service.send(THREAD, "hello", customer_id="C0001")
    service.lock_wait = 0.3
    with thread_lock(database_url, THREAD, wait=1), pytest.raises(ThreadBusy, match="busy"):
        service.send(THREAD, "where is order 10003?")
    values = service.graph.get_state({"configurable": {"thread_id": THREAD}}).values
    assert [m.type for m in values["messages"]] == ["human", "ai"], values["messages"]
