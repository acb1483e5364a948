"""The access guard in process, without a server: what it reads per request, and how it refuses a claim."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from foundation.audit import open_audit_log
from foundation.principals import Principal
from supportgraph.server.guard import AccessGuard, Refusal
from supportgraph.server.threads import ThreadIndex, ThreadSnapshot

MAYA = Principal("maya", "customer", customer_id="C0001")
SAM = Principal("sam", "reviewer", queues=("billing",))


class CountingIndex(ThreadIndex):
    """Thread t-1 belongs to maya and waits for nothing; counts how often its metadata is read."""

    def __init__(self, database_url: str) -> None:
        super().__init__(database_url)
        self.metadata_reads = 0

    async def metadata(self, thread_id: str) -> dict[str, Any] | None:
        self.metadata_reads += 1
        return {"customer_id": "C0001", "graph_id": "support"} if thread_id == "t-1" else None

    async def reviewed_threads(self, queues: tuple[str, ...], *, open_only: bool = False,
                               thread_id: str | None = None) -> set[str]:
        return {"t-1"}


class _Graph:
    async def aget_state(self, config: Any) -> Any:
        return SimpleNamespace(values={}, interrupts=(), config=config)


class _Service:
    @asynccontextmanager
    async def get_graph(self, graph_id: str) -> AsyncIterator[_Graph]:
        assert graph_id == "support"
        yield _Graph()


@pytest.fixture
def index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CountingIndex:
    import aegra_api.services.langgraph_service as service

    monkeypatch.setattr(service, "get_langgraph_service", lambda: _Service())
    return CountingIndex(f"sqlite:///{tmp_path / 'guard.db'}")


def test_a_run_request_reads_the_thread_metadata_once(index: CountingIndex) -> None:
    guard = AccessGuard(app=None, index=index)  # type: ignore[arg-type]
    body = json.dumps({"assistant_id": "support", "input": {"messages": [{"role": "user", "content": "hi"}]}})
    passage = asyncio.run(guard.authorize(MAYA, "POST", "/threads/t-1/runs/wait", body.encode()))
    assert passage.body is not None and json.loads(passage.body)["input"]["customer_id"] == "C0001"
    assert index.metadata_reads == 1
    index.metadata_reads = 0
    with pytest.raises(Refusal) as refused:
        asyncio.run(guard.authorize(MAYA, "POST", "/threads/t-2/runs/wait", body.encode()))
    assert refused.value.status == 404 and index.metadata_reads == 1
    index.metadata_reads = 0
    asyncio.run(guard.authorize(SAM, "GET", "/threads/t-1/state", b""))
    assert index.metadata_reads == 0, "a reviewer's read needs no metadata"


def test_the_guard_refuses_a_claim_with_the_reason_every_host_gives(index: CountingIndex) -> None:
    log = open_audit_log(index.database_url)
    log.open_review(thread_id="t-1", turn=1, queue="billing", priority="normal", customer_id="C0001",
                    summary="refund", reasons=["above the limit"], confidence=0.9, at=datetime.now(UTC))
    guard = AccessGuard(app=None, index=index)  # type: ignore[arg-type]
    asyncio.run(guard.rules.claim("t-1", 1, "sam"))
    for thread_id, turn in (("t-1", 1), ("t-1", 2)):
        with pytest.raises(Refusal) as refused:
            asyncio.run(guard.rules.claim(thread_id, turn, "gil"))
        refusal = log.claim_review_or_reason(thread_id, turn, "gil")
        assert refusal is not None and refused.value.status == 409 and refused.value.message == refusal.reason
    assert log.claim_review_or_reason("t-1", 1, "gil") == type(refusal)(
        "thread 't-1' is already being resumed by sam", in_progress=True)


def test_whoami_answers_who_the_key_is(index: CountingIndex) -> None:
    from supportgraph.server.guard import Answer

    guard = AccessGuard(app=None, index=index)  # type: ignore[arg-type]
    with pytest.raises(Answer) as answered:
        asyncio.run(guard.authorize(SAM, "GET", "/whoami", b""))
    assert answered.value.value == {"name": "sam", "role": "reviewer", "customer_id": None, "queues": ["billing"]}


class HeadIndex(CountingIndex):
    """t-1 (maya's) holds one reply, id a-1, at checkpoint cp-2 (cp-1 before it)."""

    async def snapshot(self, thread_id: str, graph_id: str | None = None) -> ThreadSnapshot:
        return ThreadSnapshot(None, frozenset({"h-1", "a-1"}), "cp-2")

    async def _repair(self, thread_id: str, graph_id: str | None, *, status: str | None = None,
                      unsettled: bool | None = None) -> None:
        """Nothing to repair: the thread is what ``snapshot`` says (the run slot still takes the thread's lock)."""


def _run(guard: AccessGuard, who: Principal, body: dict[str, Any]) -> Any:
    message = {"type": "human", "content": [{"type": "text", "text": "and order 10004?"}], "id": "h-2"}
    payload = {"assistant_id": "support", "input": {"messages": [message]}, **body}
    return asyncio.run(guard.authorize(who, "POST", "/threads/t-1/runs/stream", json.dumps(payload).encode()))


def test_a_run_from_the_latest_checkpoint_is_accepted_and_runs_from_the_head(tmp_path: Path) -> None:
    guard = AccessGuard(app=None, index=HeadIndex(f"sqlite:///{tmp_path / 'g.db'}"))  # type: ignore[arg-type]
    passage = _run(guard, MAYA, {"checkpoint": {"checkpoint_id": "cp-2", "checkpoint_ns": ""},
                                 "stream_mode": ["values", "messages-tuple"], "on_disconnect": "cancel"})
    sent = json.loads(passage.body)
    assert "checkpoint" not in sent and sent["input"]["customer_id"] == "C0001" and passage.view == "stream"
    assert sent["on_disconnect"] == "cancel" and sent["input"]["messages"][0]["id"] == "h-2"
    for body, status in (({"checkpoint": {"checkpoint_id": "cp-1"}}, 403), ({"checkpoint_id": "cp-1"}, 403),
                         ({"assistant_id": "lenient"}, 403), ({"context": {"refund_approval_limit": 1e5}}, 403),
                         ({"stream_mode": "debug"}, 403), ({"surprise": True}, 422)):
        with pytest.raises(Refusal) as refused:
            _run(guard, MAYA, body)
        assert refused.value.status == status, (body, refused.value.message)
    with pytest.raises(Refusal) as refused:
        asyncio.run(guard.authorize(MAYA, "POST", "/threads/t-1/runs/wait", json.dumps(
            {"assistant_id": "support", "input": {"messages": [{"role": "user", "content": "x", "id": "a-1"}]}}
        ).encode()))
    assert refused.value.status == 409 and "already in this thread" in refused.value.message
    for path in ("/assistants/search", "/assistants/abc"):
        with pytest.raises(Refusal):
            asyncio.run(guard.authorize(MAYA, "POST" if path.endswith("search") else "GET", path, b"{}"))
