"""What a turn adds to the checkpointer: the new messages, not the transcript rewritten whole (so a turn's bytes
do not grow with the conversation), while the thread still reads back whole, in order, at every checkpoint."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from evals.checkpoint_bench import ANSWER, INTERRUPTING, stored_payloads
from foundation.audit import forget_audit_log
from service.conversations import SupportService, open_service
from tools.store import close_store

THREAD = "long"
FIRST = "How long does standard delivery take?"
LATER = ("Where is my order 10003?", "What payment methods do you accept?")


def test_a_turn_stores_its_own_messages_not_the_earlier_ones(service: SupportService) -> None:
    service.send(THREAD, FIRST, customer_id="C0001")
    service.send(THREAD, LATER[0])
    before = stored_payloads(service, THREAD)
    report = service.send(THREAD, LATER[1])
    assert report.status == "resolved" and report.replies, report
    new = {key: body for key, body in stored_payloads(service, THREAD).items() if key not in before}
    assert any(LATER[1].encode() in body for body in new.values()), "the turn's own message was not stored"
    again = sorted(key for key, body in new.items() if FIRST.encode() in body)
    assert not again, f"the third turn stored the first message again: {again}"


def test_the_transcript_reads_back_whole_at_every_checkpoint(service: SupportService) -> None:
    for text in (FIRST, *LATER):
        service.send(THREAD, text, customer_id="C0001")
    config = {"configurable": {"thread_id": THREAD}}
    latest = service.graph.get_state(config).values["messages"]
    assert [m.type for m in latest] == ["human", "ai"] * 3, latest
    assert [str(m.content) for m in latest[::2]] == [FIRST, *LATER]
    assert len({m.id for m in latest}) == 6 and all(m.id for m in latest), "messages need stable ids"
    again = service.graph.get_state(config).values["messages"]
    assert [m.id for m in again] == [m.id for m in latest], "ids changed between two reads"
    history = list(service.graph.get_state_history(config))
    counts = [len(snapshot.values.get("messages", [])) for snapshot in history]
    assert counts == sorted(counts, reverse=True) and counts[0] == 6 and counts[-1] == 0, counts
    for snapshot in history:  # each checkpoint's transcript is a prefix of the latest one
        ids = [m.id for m in snapshot.values.get("messages", [])]
        assert ids == [m.id for m in latest[:len(ids)]], ids


def test_a_turn_does_not_store_again_what_it_did_not_change(service: SupportService) -> None:
    """The signed-in customer, known since the first turn, is not written (nor stored as a new value) by the
    next turns; what a turn changes is."""
    service.send(THREAD, FIRST, customer_id="C0001")
    before = stored_payloads(service, THREAD)
    report = service.send(THREAD, LATER[0])
    assert report.status == "resolved" and report.customer and report.customer["customer_id"] == "C0001", report
    new = [key for key in stored_payloads(service, THREAD) if key not in before]
    assert not [key for key in new if key[-1] == "customer" or key[:2] == ("blob", "customer")], new
    assert [key for key in new if key[-1] == "plan" or key[:2] == ("blob", "plan")], "the turn's plan was not stored"
    values = service.graph.get_state({"configurable": {"thread_id": THREAD}}).values
    assert values["customer"]["customer_id"] == "C0001" and values["turn"] == 2, values


def test_a_finished_turns_values_are_kept_once(service: SupportService) -> None:
    """A step's changed value is stored as its write and as the next checkpoint's value; once a later turn starts,
    the writes of the finished turns are deleted but the transcript's (which reads replay) and the interrupts'."""
    service.send(THREAD, FIRST, customer_id="C0001")

    def writes_of(channel: str) -> int:
        return sum(1 for key in stored_payloads(service, THREAD) if key[0] == "write" and key[-1] == channel)

    one_turn = writes_of("plan")
    assert one_turn >= 1
    for text in LATER:
        service.send(THREAD, text)
    assert writes_of("plan") == one_turn, "the finished turns' plan writes are still stored"
    assert writes_of("messages") >= 6  # every message of the transcript, as written
    config = {"configurable": {"thread_id": THREAD}}
    latest = service.graph.get_state(config).values
    assert [str(m.content) for m in latest["messages"][::2]] == [FIRST, *LATER] and latest["plan"], latest
    for snapshot in service.graph.get_state_history(config):  # every checkpoint still reads whole
        assert snapshot.values.get("turn", 0) <= 3


def test_a_reviewed_thread_does_not_carry_the_resume_marks_in_every_checkpoint(service: SupportService) -> None:
    """LangGraph notes every channel's version at a resume, for static interrupts (which this graph has none of),
    and would copy that note into every later checkpoint of the thread; the savers leave it out."""
    service.send(THREAD, INTERRUPTING, customer_id="C0002")
    assert service.pending_review(THREAD) is not None, "the bench's interrupting message no longer interrupts"
    service.resume(THREAD, ANSWER)
    report = service.send(THREAD, FIRST)
    assert report.replies, report
    config = {"configurable": {"thread_id": THREAD}}
    stored = [t.checkpoint["versions_seen"] for t in service.graph.checkpointer.list(config)]  # type: ignore[union-attr]
    assert stored and not [seen for seen in stored if "__interrupt__" in seen], stored[0]


def stored_types(service: SupportService, thread_id: str) -> list[str]:
    """The serializer type of every payload stored for ``thread_id`` (checkpoints on SQLite, blobs, writes)."""
    saver: Any = service.graph.checkpointer
    if service.context.database_url.startswith("sqlite"):
        with saver.lock:
            return [str(r[0]) for table in ("checkpoints", "writes")
                    for r in saver.conn.execute(f"SELECT type FROM {table} WHERE thread_id = ?", (thread_id,))]
    with saver._cursor() as cur:
        found = []
        for table in ("checkpoint_blobs", "checkpoint_writes"):
            cur.execute(f"SELECT type FROM {table} WHERE thread_id = %s", (thread_id,))
            found += [str(r["type"]) for r in cur.fetchall()]
        return found


def test_a_turns_large_payloads_are_stored_compressed(service: SupportService) -> None:
    service.send(THREAD, LATER[0], customer_id="C0001")
    types = stored_types(service, THREAD)
    assert "msgpack+zlib" in types, types
    assert set(types) <= {"msgpack", "msgpack+zlib", "null"}, types


def test_a_thread_written_before_compression_goes_on(demo_database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Threads checkpointed with LangGraph's own serializer (before the service compressed) continue: a finished
    conversation takes its next message, and a thread waiting for a reviewer is resumed."""
    url = demo_database_url
    with monkeypatch.context() as patch:
        patch.setattr("service.checkpointer.checkpoint_serde", JsonPlusSerializer)
        with open_service(url) as before:
            before.send(THREAD, FIRST, customer_id="C0001")
            before.send("waits", INTERRUPTING, customer_id="C0002")
            assert before.pending_review("waits") is not None, "the bench's interrupting message no longer waits"
            assert "msgpack+zlib" not in stored_types(before, THREAD) + stored_types(before, "waits")
    try:
        with open_service(url) as after:
            report = after.send(THREAD, LATER[0])
            assert report.status == "resolved" and report.replies, report
            config: RunnableConfig = {"configurable": {"thread_id": THREAD}}
            values = after.graph.get_state(config).values
            assert [str(m.content) for m in values["messages"][::2]] == [FIRST, LATER[0]], values["messages"]
            assert values["turn"] == 2 and values["customer"]["customer_id"] == "C0001", values
            assert all(s.values.get("turn", 0) <= 2 for s in after.graph.get_state_history(config))
            assert "msgpack+zlib" in stored_types(after, THREAD), "the new turn was not stored compressed"
            resumed = after.resume("waits", ANSWER)
            assert after.pending_review("waits") is None and resumed.replies, resumed
    finally:
        close_store(url)
        forget_audit_log(url)
