"""What a turn adds to the checkpointer: the new messages, not the transcript rewritten whole (so a turn's bytes
do not grow with the conversation), while the thread still reads back whole, in order, at every checkpoint."""

from __future__ import annotations

from evals.checkpoint_bench import stored_payloads
from service.conversations import SupportService

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
