"""What a response may show, by role: the guard passes every thread state, run and stream event through here.

* Customers see their conversation, not the review's internals: of the state only the conversation and who they
  are (``CUSTOMER_KEYS``); a pending review shows as ``{"awaiting": "human_review"}`` without its request or
  context; a run shows no config or context; checkpoint metadata only its source and step.
* Every role: an error carries no exception text (SQL, parameters, tracebacks) but a request id, the details go to
  the log; the agent's message content is served as markdown, with ``$`` escaped so that "$349.99 … $100.00" is
  not read as LaTeX by clients that render math (the stored text, the CLI and transcripts keep plain ``$``).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

log = logging.getLogger("supportgraph.server")

CUSTOMER_KEYS = frozenset({"messages", "customer_id", "customer", "turn", "status", "reply"})
CUSTOMER_METADATA_KEYS = ("source", "step")
# What a customer may stream (agent-chat-ui asks for values, messages-tuple and custom); "custom" events reach a
# customer empty, as the graph writes none a customer should read.
CUSTOMER_STREAM_MODES = frozenset({"values", "updates", "messages", "messages-tuple", "custom"})
AWAITING_REVIEW = {"awaiting": "human_review"}
INTERRUPT_KEY = "__interrupt__"
ERROR_KEY = "__error__"
_DOLLAR = re.compile(r"(?<!\\)\$")
_AI_TYPES = frozenset({"ai", "AIMessage", "AIMessageChunk"})

Value = Any
Shape = Callable[[Value, bool, str], Value]  # (payload, for a customer, request id) -> payload


def internal_error(request_id: str) -> dict[str, Any]:
    """The body of every 5xx: the request id to quote, nothing of the exception."""
    return {"error": "internal_error", "message": f"internal error (request id {request_id}); the details are in "
            "the server log", "details": {"request_id": request_id}}


def markdown_safe(text: str) -> str:
    """``text`` with every unescaped ``$`` escaped: markdown shows ``$``, math renderers see no delimiter."""
    return _DOLLAR.sub(r"\\$", text)


def _message(message: Value) -> Value:
    if not isinstance(message, dict) or message.get("type") not in _AI_TYPES:
        return message
    content = message.get("content")
    if isinstance(content, str):
        return {**message, "content": markdown_safe(content)}
    if isinstance(content, list):
        parts = [{**p, "text": markdown_safe(p["text"])} if isinstance(p, dict) and isinstance(p.get("text"), str)
                 else p for p in content]
        return {**message, "content": parts}
    return message


def _interrupts(interrupts: Value, customer: bool) -> Value:
    if not customer or not isinstance(interrupts, list):
        return interrupts
    return [{"id": i.get("id"), "value": AWAITING_REVIEW} if isinstance(i, dict) else AWAITING_REVIEW
            for i in interrupts]


def _error(error: Value, request_id: str, where: str) -> Value:
    if error in (None, "", {}):
        return error
    log.error("request %s: %s: %s", request_id, where, error)
    return internal_error(request_id)["message"]


def values(state: Value, customer: bool, request_id: str) -> Value:
    """A state's channel values (``ThreadState.values``, a values event, a run's output, ``runs.wait``)."""
    if not isinstance(state, dict):
        return state
    shown = {k: v for k, v in state.items() if not customer or k in CUSTOMER_KEYS or k in (INTERRUPT_KEY, ERROR_KEY)}
    if isinstance(shown.get("messages"), list):
        shown["messages"] = [_message(m) for m in shown["messages"]]
    if INTERRUPT_KEY in shown:
        shown[INTERRUPT_KEY] = _interrupts(shown[INTERRUPT_KEY], customer)
    if isinstance(shown.get(ERROR_KEY), dict):
        error = shown[ERROR_KEY]
        shown[ERROR_KEY] = {"error": error.get("error", "Error"),
                            "message": _error(error.get("message"), request_id, "run error")}
    return shown


def _task(task: Value, customer: bool, request_id: str) -> Value:
    if not isinstance(task, dict):
        return task
    shown = dict(task)
    shown["interrupts"] = _interrupts(task.get("interrupts", []), customer)
    if task.get("error"):
        shown["error"] = _error(task["error"], request_id, "task error")
    if customer:
        shown.pop("result", None)
        shown.pop("state", None)
    return shown


def state(snapshot: Value, customer: bool, request_id: str) -> Value:
    """A ``ThreadState`` (``GET …/state``, one history entry)."""
    if not isinstance(snapshot, dict):
        return snapshot
    shown = {**snapshot, "values": values(snapshot.get("values"), customer, request_id)}
    shown["tasks"] = [_task(t, customer, request_id) for t in snapshot.get("tasks") or []]
    if "interrupts" in snapshot:
        shown["interrupts"] = _interrupts(snapshot["interrupts"], customer)
    if customer and isinstance(snapshot.get("metadata"), dict):
        shown["metadata"] = {k: snapshot["metadata"][k] for k in CUSTOMER_METADATA_KEYS if k in snapshot["metadata"]}
    return shown


def states(history: Value, customer: bool, request_id: str) -> Value:
    return [state(s, customer, request_id) for s in history] if isinstance(history, list) else history


def run(record: Value, customer: bool, request_id: str) -> Value:
    """A ``Run`` record: its output as state values, its error without the exception's text."""
    if not isinstance(record, dict):
        return record
    shown = {**record, "output": values(record.get("output"), customer, request_id)}
    if record.get("error_message"):
        shown["error_message"] = _error(record["error_message"], request_id, "run error")
    if customer:
        shown["config"], shown["context"] = {}, {}
        if isinstance(record.get("input"), dict):
            shown["input"] = values(record["input"], customer, request_id)
    return shown


def runs(records: Value, customer: bool, request_id: str) -> Value:
    return [run(r, customer, request_id) for r in records] if isinstance(records, list) else records


def event(name: str, data: Value, customer: bool, request_id: str) -> Value:
    """One streamed event's data (``values``, ``updates``, ``messages``…, ``error``), by its mode."""
    mode = name.split("|", 1)[0]
    if mode == "error":
        message = data.get("message") if isinstance(data, dict) else data
        return {"error": "internal_error", "message": _error(message, request_id, "stream error")}
    if mode == "values":
        return values(data, customer, request_id)
    if mode == "custom" and customer:
        return None
    if mode == "updates" and isinstance(data, dict):
        return {node: (_interrupts(update, customer) if node == INTERRUPT_KEY
                       else values(update, customer, request_id)) for node, update in data.items()}
    if mode == "messages" and isinstance(data, list) and len(data) == 2:  # messages-tuple: [message, metadata]
        message, metadata = data
        if customer and isinstance(metadata, dict):
            metadata = {k: metadata[k] for k in ("langgraph_node", "langgraph_step", "run_id") if k in metadata}
        return [_message(message), metadata]
    if mode.startswith("messages/") and isinstance(data, list):
        if mode == "messages/metadata" and customer:
            return {}
        return [_message(m) for m in data]
    return data


class EventStream:
    """Server-sent events rewritten one whole event at a time (``id:``/``event:``/``data:`` lines, blank line)."""

    def __init__(self, customer: bool, request_id: str) -> None:
        self.customer = customer
        self.request_id = request_id
        self.pending = b""

    def feed(self, chunk: bytes, *, last: bool = False) -> bytes:
        self.pending += chunk.replace(b"\r\n", b"\n")
        out: list[bytes] = []
        while b"\n\n" in self.pending:
            raw, self.pending = self.pending.split(b"\n\n", 1)
            out.append(self._event(raw) + b"\n\n")
        if last and self.pending:
            out.append(self._event(self.pending))
            self.pending = b""
        return b"".join(out)

    def _event(self, raw: bytes) -> bytes:
        lines = raw.decode("utf-8", errors="replace").split("\n")
        name = next((line[6:].strip() for line in lines if line.startswith("event:")), "message")
        data_lines = [line[5:].lstrip() if line.startswith("data:") else None for line in lines]
        payload = "\n".join(d for d in data_lines if d is not None)
        if not payload:
            return raw
        try:
            data = json.loads(payload)
        except json.JSONDecodeError:
            if name.split("|", 1)[0] != "error":
                return raw
            data = payload  # an error event's text is an exception's text all the same
        shaped = json.dumps(event(name, data, self.customer, self.request_id), ensure_ascii=False)
        kept = [line for line in lines if not line.startswith("data:")]
        return "\n".join([*kept, f"data: {shaped}"]).encode()


SHAPES: dict[str, Shape] = {"values": values, "state": state, "states": states, "run": run, "runs": runs}
