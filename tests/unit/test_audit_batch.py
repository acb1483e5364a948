"""A turn's audit records are written together when the turn ends (foundation/audit.py ``AuditLog.batched``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from foundation.audit import open_audit_log


def _kinds(url: str, thread: str) -> list[str]:
    with open_audit_log(url).db.begin() as conn:  # a read that does not flush what a batch holds
        from sqlalchemy import select

        from foundation.audit_tables import audit_events
        return [r[0] for r in conn.execute(select(audit_events.c.kind).where(audit_events.c.thread_id == thread)
                                           .order_by(audit_events.c.id))]


def test_a_batch_writes_its_records_at_its_end_in_order(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    log = open_audit_log(url)
    with log.batched():
        log.record("t", 1, "ingest", {})
        with log.batched():  # an inner block joins the outer one
            log.record("t", 1, "understand", {})
        log.record("t", 1, "plan", {})
        assert _kinds(url, "t") == [], "the records were written one by one"
    assert _kinds(url, "t") == ["ingest", "understand", "plan"]
    log.record("t", 2, "ingest", {})  # outside a batch: at once
    assert _kinds(url, "t")[-1] == "ingest"


def test_a_read_of_the_log_sees_what_the_batch_holds(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    log = open_audit_log(url)
    with log.batched():
        log.record("t", 1, "plan", {"steps": 1})
        assert [e["kind"] for e in log.events("t")] == ["plan"]
        log.record("t", 1, "respond", {})
    assert [e["kind"] for e in log.events("t")] == ["plan", "respond"]


def test_a_failing_block_still_writes_its_records_and_raises_its_own_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    log = open_audit_log(url)
    with pytest.raises(KeyError), log.batched():
        log.record("t", 1, "ingest", {})
        raise KeyError("the turn failed")
    assert _kinds(url, "t") == ["ingest"]


@pytest.mark.postgres
def test_a_batch_on_postgres_is_one_round_trip_that_commits_without_waiting_for_the_disk_and_only_itself(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its records are durable with the step's checkpoint, which waits for the disk after them; the setting is
    the batch's transaction's alone, so the pooled connection's next transaction waits again. The setting and
    the insert go to the server as one query (one round trip, one transaction)."""
    from datetime import UTC, datetime
    from typing import Any

    import psycopg

    log = open_audit_log(pg_url)
    sent: list[str] = []
    execute = psycopg.ClientCursor.execute

    def noted(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(str(query))
        return execute(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.ClientCursor, "execute", noted)
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with log.batched():
        log.record("t", 1, "ingest", {"text": "it's 'quoted' \\ and 100%"}, latency_ms=1.5, at=at)
        log.record("t", 1, "plan", {"steps": [1, None, {"ok": True}]})
    assert len(sent) == 1 and sent[0].startswith("SET LOCAL synchronous_commit TO OFF; INSERT INTO audit_events"), sent
    with log.db.begin() as conn:
        assert conn.exec_driver_sql("SHOW synchronous_commit").scalar_one() == "on"
    assert _kinds(pg_url, "t") == ["ingest", "plan"]
    first, second = log.events("t")
    assert first["payload"] == {"text": "it's 'quoted' \\ and 100%"} and first["latency_ms"] == 1.5
    assert first["created_at"] == at and second["payload"] == {"steps": [1, None, {"ok": True}]}
