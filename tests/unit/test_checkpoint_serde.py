"""The checkpointers' serializer (service/checkpoint_serde.py): large payloads stored deflated, small ones and
those written before it as they are, each read back to the same value."""

from __future__ import annotations

import copy
import zlib

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from service.checkpoint_serde import MAX_SIZE, MIN_SIZE, CompressingSerializer, PayloadTooLarge, plain_bytes

PLAN = [{"id": f"s{n}", "tool": "track_order", "args": {"order_id": 10003}, "status": "done",
         "result": {"status": "shipped", "carrier": "UPS", "eta": "2026-12-09"}, "why": "the customer asked"}
        for n in range(6)]


def test_a_large_payload_is_stored_deflated_and_reads_back() -> None:
    serde = CompressingSerializer()
    type_, data = serde.dumps_typed(PLAN)
    plain = JsonPlusSerializer().dumps_typed(PLAN)
    assert type_ == "msgpack+zlib" and len(data) < len(plain[1]) / 2, (type_, len(data), len(plain[1]))
    assert serde.loads_typed((type_, data)) == PLAN
    assert plain_bytes(type_, data) == plain[1]


def test_a_small_payload_and_none_are_stored_as_langgraph_stores_them() -> None:
    serde, theirs = CompressingSerializer(), JsonPlusSerializer()
    for value in ({"status": "resolved"}, None, 7, "done", b"raw"):
        assert serde.dumps_typed(value) == theirs.dumps_typed(value)
        assert len(serde.dumps_typed(value)[1]) < MIN_SIZE


def test_what_langgraphs_serializer_wrote_before_still_reads() -> None:
    messages = [HumanMessage("Where is my order 10003?", id="h1"), AIMessage("It shipped: " + "x" * 400, id="a1")]
    for value in (PLAN, messages, None, {"turn": 3}):
        assert CompressingSerializer().loads_typed(JsonPlusSerializer().dumps_typed(value)) == value


def test_a_payload_that_would_inflate_past_the_bound_is_refused() -> None:
    bomb = zlib.compress(b"\0" * (MAX_SIZE + 1))
    with pytest.raises(PayloadTooLarge):
        CompressingSerializer().loads_typed(("msgpack+zlib", bomb))


def test_langgraphs_strict_allowlist_keeps_the_compression() -> None:
    """LangGraph derives a serializer with the graph's types allowed (``with_msgpack_allowlist``) by copying it."""
    strict = CompressingSerializer(allowed_msgpack_modules=None)
    derived = strict.with_msgpack_allowlist([("builtins", "dict")])
    assert isinstance(derived, CompressingSerializer) and derived is not strict
    assert derived.dumps_typed(PLAN)[0] == "msgpack+zlib"
    assert copy.copy(strict).loads_typed(strict.dumps_typed(PLAN)) == PLAN
