"""The review-queue row and the interrupt commit in one transaction, on each checkpointer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from foundation.audit import AuditLog, open_audit_log
from service.conversations import SupportService

THREAD = "indexed-review"
REFUND_TEXT = "I want a refund for order 10002, the headphones arrived broken"


class _InterruptWriteFails(Exception):
    pass


def test_the_checkpointer_indexes_the_interrupt(service: SupportService, database_url: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def _refuse(*_: Any, **__: Any) -> None:
        raise AssertionError("the node wrote the queue row; the checkpointer should have, with the interrupt")

    monkeypatch.setattr(AuditLog, "open_review", _refuse)
    started = datetime.now(UTC)
    report = service.send(THREAD, REFUND_TEXT, customer_id="C0001")
    assert report.review_request is not None, f"expected an interrupt, status {report.status!r}"
    context = report.review_request["context"]
    [item] = open_audit_log(database_url).review_items()
    assert (item.thread_id, item.turn, item.queue, item.status, item.customer_id) == (
        THREAD, 1, "billing", "open", "C0001"), item
    assert item.priority == context["priority"] and item.confidence == context["confidence"], (item, context)
    assert item.reasons == context["reasons"] and item.summary == REFUND_TEXT, item
    assert started - timedelta(seconds=5) <= item.created_at <= datetime.now(UTC), (started, item.created_at)
    assert item.created_at == datetime.fromisoformat(context["requested_at"]), (item.created_at, context)


def test_a_failed_interrupt_write_leaves_no_queue_row(service: SupportService, database_url: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    saver = service.graph.checkpointer
    assert saver is not None
    dumps = saver.serde.dumps_typed

    def _fail_on_interrupts(value: Any) -> tuple[str, bytes]:
        if isinstance(value, list | tuple) and value and type(value[0]).__name__ == "Interrupt":
            raise _InterruptWriteFails("disk full while writing the interrupt")
        return dumps(value)

    # The queue row is inserted first; the interrupt's write then fails inside the same transaction.
    monkeypatch.setattr(saver.serde, "dumps_typed", _fail_on_interrupts)
    with pytest.raises(_InterruptWriteFails):
        service.send(THREAD, REFUND_TEXT, customer_id="C0001")
    monkeypatch.undo()
    assert open_audit_log(database_url).review_items(status=None) == [], "a queue row without its interrupt"
    # The next read finishes the run the failure cut short: the interrupt and its row are now written together.
    assert service.pending_review(THREAD) is not None, "the cut-short run was not resumed"
    [item] = open_audit_log(database_url).review_items()
    assert (item.thread_id, item.turn, item.status) == (THREAD, 1, "open"), item
