"""The serializer every checkpointer of the service uses: LangGraph's own, with large payloads compressed.

A checkpoint's values and a step's writes are msgpack (LangGraph's ``JsonPlusSerializer``); the payloads of
``MIN_SIZE`` bytes or more are stored deflated (zlib) under the type ``"<type>+zlib"``, the ``"<type>+<name>"``
form LangGraph's ``EncryptedSerializer`` gives a transformed payload, and the smaller ones as they are. SQLite
stores each checkpoint whole (every channel's value, ~3.7 KB of msgpack that deflates to ~1.7), so this halves
what a turn writes there; on Postgres it shrinks the channel blobs and writes (a step's plan, the flow, the
review request).

Reading takes both forms: payloads written before this serializer (plain ``"msgpack"``) load as they always did,
so existing threads go on. A payload is never inflated past ``MAX_SIZE``: the database is trusted, but a
corrupt or hostile row must not take the process's memory. It subclasses the serializer it wraps so that
LangGraph's strict-msgpack allowlist (``LANGGRAPH_STRICT_MSGPACK``), which clones the serializer with
``copy.copy``, keeps applying to what is read.
"""

from __future__ import annotations

import zlib
from typing import Any

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

CODEC = "zlib"
MIN_SIZE = 256  # below this deflate saves too little to be worth a step on every read
MAX_SIZE = 64 * 1024 * 1024  # the most one payload may inflate to
LEVEL = 6


class PayloadTooLarge(ValueError):
    """A stored payload that would inflate past ``MAX_SIZE``."""


class CompressingSerializer(JsonPlusSerializer):
    """``JsonPlusSerializer`` whose payloads of ``MIN_SIZE`` bytes or more are stored deflated."""

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        type_, data = super().dumps_typed(obj)
        if len(data) < MIN_SIZE:
            return type_, data
        packed = zlib.compress(data, LEVEL)
        if len(packed) >= len(data):
            return type_, data
        return f"{type_}+{CODEC}", packed

    def loads_typed(self, data: tuple[str, bytes]) -> Any:
        type_, payload = data
        base, _, codec = type_.partition("+")
        if codec == CODEC:
            return super().loads_typed((base, inflate(payload)))
        return super().loads_typed(data)


def inflate(payload: bytes) -> bytes:
    """``payload`` deflated back, refused once it would pass ``MAX_SIZE``."""
    stream = zlib.decompressobj()
    out = stream.decompress(payload, MAX_SIZE)
    if stream.unconsumed_tail:
        raise PayloadTooLarge(f"a checkpoint payload inflates past {MAX_SIZE} bytes")
    return out


def plain_bytes(type_: str, payload: bytes) -> bytes:
    """What ``payload`` (stored under ``type_``) holds as msgpack, compressed or not (for tools that read the
    tables themselves)."""
    return inflate(payload) if type_.partition("+")[2] == CODEC else payload


def checkpoint_serde() -> CompressingSerializer:
    return CompressingSerializer()
