"""Tokens and cost of model calls: measured by the server when it says, else counted with tiktoken offline."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.utils.function_calling import convert_to_openai_tool

from foundation.tokens import count_tokens
from graphs.reasoners.llm.model import cost_usd

# OpenAI's chat format spends a few tokens per message on roles and separators.
TOKENS_PER_MESSAGE = 4


def tool_schemas(tools: Sequence[Any]) -> list[dict[str, Any]]:
    """The tools (pydantic models or LangChain tools) as the function schemas sent with a request."""
    return [convert_to_openai_tool(t) for t in tools]


def prompt_tokens(messages: Sequence[BaseMessage], tools: Sequence[Any]) -> int:
    """Prompt tokens of a request: the messages plus the JSON schemas of the bound tools (o200k_base)."""
    total = 0
    for message in messages:
        content = message.content if isinstance(message.content, str) else json.dumps(message.content)
        total += TOKENS_PER_MESSAGE + count_tokens(content)
    return total + sum(_schema_tokens(tool) for tool in tools)


# Tokens of a tool's schema, per tool object: the tools bound to the model are long-lived (schema classes and
# graphs/reasoners/llm/tool_selection.py's cached LangChain tools), so every plan call after the first reuses
# the count for the whole tool set. The tool is kept with its count, so its id cannot be reused meanwhile.
_SCHEMA_TOKENS: dict[int, tuple[Any, int]] = {}
SCHEMA_TOKENS_KEPT = 1024


def _schema_tokens(tool: Any) -> int:
    kept = _SCHEMA_TOKENS.get(id(tool))
    if kept is not None and kept[0] is tool:
        return kept[1]
    tokens = count_tokens(json.dumps(convert_to_openai_tool(tool), separators=(",", ":")))
    if len(_SCHEMA_TOKENS) >= SCHEMA_TOKENS_KEPT:
        _SCHEMA_TOKENS.clear()
    _SCHEMA_TOKENS[id(tool)] = (tool, tokens)
    return tokens


@dataclass
class CallRecord:
    """One model call, as the audit log keeps it."""

    node: str
    model: str
    attempt: int
    tools: list[str]
    prompt_tokens: int
    completion_tokens: int
    measured: bool  # True: the server reported usage; False: counted with tiktoken
    cost_usd: float
    latency_ms: float
    counted_prompt_tokens: int = 0  # tiktoken count with the bound tools, comparable with the next field
    prompt_tokens_all_tools: int | None = None  # tiktoken count had every tool been bound
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        data = asdict(self)
        data["cost_usd"] = round(self.cost_usd, 8)
        data["latency_ms"] = round(self.latency_ms, 1)
        return data


def usage_of(reply: AIMessage | None, messages: Sequence[BaseMessage], tools: Sequence[Any]) -> tuple[int, int, bool]:
    """(prompt, completion, measured) tokens of a reply: the server's usage, else a tiktoken count."""
    usage = reply.usage_metadata if reply is not None else None
    if usage and usage.get("input_tokens"):
        return int(usage["input_tokens"]), int(usage.get("output_tokens", 0)), True
    completion = 0
    if reply is not None:
        text = reply.content if isinstance(reply.content, str) else json.dumps(reply.content)
        completion = count_tokens(text) + sum(count_tokens(json.dumps(c["args"])) for c in reply.tool_calls)
    return prompt_tokens(messages, tools), completion, False


def record(node: str, model: str, attempt: int, tools: Sequence[Any], reply: AIMessage | None,
           messages: Sequence[BaseMessage], latency_ms: float, *, error: str | None = None,
           all_tools: Sequence[Any] | None = None) -> CallRecord:
    prompt, completion, measured = usage_of(reply, messages, tools)
    names = [s["function"]["name"] for s in tool_schemas(tools)]
    return CallRecord(
        node=node, model=model, attempt=attempt, tools=names, prompt_tokens=prompt,
        completion_tokens=completion, measured=measured, cost_usd=cost_usd(prompt, completion),
        latency_ms=latency_ms, error=error, counted_prompt_tokens=prompt_tokens(messages, tools),
        prompt_tokens_all_tools=prompt_tokens(messages, all_tools) if all_tools is not None else None,
    )


def audit_calls(audit: Any, thread_id: str, turn: int, calls: Sequence[CallRecord], at: Any) -> None:
    """One ``llm_call`` audit event per model call: tokens, cost, bound tools, attempt, refusal reason."""
    for call in calls:
        audit.record(thread_id, turn, "llm_call", call.payload(), latency_ms=call.latency_ms, at=at)


def turn_usage(events: Sequence[dict[str, Any]], turn: int) -> dict[str, Any]:
    """Totals of a turn's ``llm_call`` events: calls, tokens, cost and the tokens the tool selection saved."""
    calls = [e["payload"] for e in events if e["kind"] == "llm_call" and e["turn"] == turn]
    saved = sum(c["prompt_tokens_all_tools"] - c["counted_prompt_tokens"] for c in calls
                if c.get("prompt_tokens_all_tools") is not None)
    return {"calls": len(calls), "prompt_tokens": sum(c["prompt_tokens"] for c in calls),
            "completion_tokens": sum(c["completion_tokens"] for c in calls),
            "cost_usd": round(sum(c["cost_usd"] for c in calls), 8), "prompt_tokens_saved_by_tool_selection": saved}
