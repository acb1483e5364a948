"""Which checkpointer commits wait for the disk (service/flush_order.py): on Postgres only the one that ends a run
(its last checkpoint, or the interrupt that leaves the thread waiting for a reviewer); the rule read from a
checkpoint agrees with LangGraph's own next tasks on both checkpointers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from evals.checkpoint_bench import ANSWER, INTERRUPTING
from service import review_index
from service.conversations import SupportService
from service.flush_order import NO_WAIT_SQL, checkpoint_ends_run, writes_end_run

PLAIN = "Where is my order 10003?"


def test_a_checkpoint_ends_its_run_exactly_when_langgraph_has_nothing_next(service: SupportService) -> None:
    service.send("plain", PLAIN, customer_id="C0001")
    service.send("held", INTERRUPTING, customer_id="C0002")
    service.resume("held", ANSWER)
    saver: Any = service.graph.checkpointer
    seen = 0
    for thread in ("plain", "held"):
        for snapshot in service.graph.get_state_history({"configurable": {"thread_id": thread}}):
            stored = saver.get_tuple(snapshot.config)
            assert checkpoint_ends_run(stored.checkpoint) == (not snapshot.next), (thread, snapshot.metadata)
            seen += 1
    assert seen >= 8


def test_interrupts_and_errors_end_a_run_other_writes_do_not() -> None:
    assert writes_end_run([("__interrupt__", ())]) and writes_end_run([("__error__", "boom")])
    assert not writes_end_run([("__resume__", {}), ("review", {}), ("branch:to:respond", None)])


@pytest.fixture
def waits(service: SupportService, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, bool]]]:
    """Each write the saver makes, in order, with whether its commit waits for the disk."""
    if not service.context.database_url.startswith("postgresql"):
        pytest.skip("synchronous_commit is Postgres'")
    made: list[tuple[str, bool]] = []
    _last_no_wait: list[bool | None] = [None]  # set by the write's batch (its cursor) as it is sent
    saver = review_index.IndexingPostgresSaver

    def spying(name: str, original: Any) -> Any:
        def spy(self: Any, *args: Any) -> Any:
            result = original(self, *args)
            kind = name if name == "put" else "writes:" + ",".join(sorted(c for c, _ in args[1]))
            made.append((kind, _last_no_wait[0] is False))
            return result
        return spy
    for name in ("put", "put_writes"):
        monkeypatch.setattr(saver, name, spying(name, getattr(saver, name)))
    original = saver._cursor

    def cursor(self: Any, *, pipeline: bool = False) -> Any:
        _last_no_wait[0] = review_index._no_wait.get() if pipeline else _last_no_wait[0]
        return original(self, pipeline=pipeline)
    monkeypatch.setattr(saver, "_cursor", cursor)
    indexed = saver._put_writes_indexed

    def put_indexed(self: Any, *args: Any) -> Any:
        _last_no_wait[0] = review_index._no_wait.get()
        return indexed(self, *args)
    monkeypatch.setattr(saver, "_put_writes_indexed", put_indexed)
    yield made


def test_only_the_commit_that_ends_a_run_waits_for_the_disk(service: SupportService,
                                                             waits: list[tuple[str, bool]]) -> None:
    service.send("plain", PLAIN, customer_id="C0001")
    assert [w for _, w in waits].count(True) == 1 and waits[-1] == ("put", True), waits
    waits.clear()
    service.send("held", INTERRUPTING, customer_id="C0002")  # ends waiting for a reviewer
    assert [k for k, w in waits if w] == ["writes:__interrupt__"], waits
    waits.clear()
    service.resume("held", ANSWER)
    assert len(waits) >= 4 and [w for _, w in waits].count(True) == 1 and waits[-1] == ("put", True), waits


def test_a_write_that_need_not_wait_commits_without_waiting_in_its_own_transaction(
        service: SupportService) -> None:
    if not service.context.database_url.startswith("postgresql"):
        pytest.skip("synchronous_commit is Postgres'")
    saver: Any = service.graph.checkpointer
    token = review_index._no_wait.set(True)
    try:
        with saver._cursor(pipeline=True) as cur:
            cur.execute("SELECT current_setting('synchronous_commit') AS s")
            inside = cur.fetchone()["s"]
    finally:
        review_index._no_wait.reset(token)
    with saver._cursor() as cur:
        cur.execute("SELECT current_setting('synchronous_commit') AS s")
        after = cur.fetchone()["s"]
    assert (inside, after) == ("off", "on")
    assert "synchronous_commit" in NO_WAIT_SQL


def test_a_review_claim_commits_without_waiting(service: SupportService) -> None:
    """The claim's UPDATE turns the wait off for its own transaction: the session's setting is untouched."""
    if not service.context.database_url.startswith("postgresql"):
        pytest.skip("synchronous_commit is Postgres'")
    from foundation.audit import open_audit_log

    service.send("held", INTERRUPTING, customer_id="C0002")
    turn = int(service.pending_review("held")["context"]["turn"])  # type: ignore[index]
    audit = open_audit_log(service.context.database_url)
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)
    event.listen(audit.db.engine, "before_cursor_execute", record)
    try:
        assert audit.claim_review_or_reason("held", turn, "sam") is None
    finally:
        event.remove(audit.db.engine, "before_cursor_execute", record)
    claim = [s for s in statements if s.lstrip().upper().startswith("UPDATE REVIEW_QUEUE")]
    assert claim and "set_config" in claim[0], statements
    with audit.db.single() as conn:
        assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
