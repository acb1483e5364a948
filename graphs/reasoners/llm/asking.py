"""One structured question to the model: bind the answer schema (and the relevant tools), parse, check, retry.

The model answers by calling the schema as a tool. An answer that is not valid JSON, does not fit the schema or
fails the caller's checks (an unknown tool, a made-up order id, arguments the tool refuses) is sent back once
with the reason; a second bad answer is a *problem* for a human, and nothing of it runs. An unreachable model
(timeout, connection refused, server error after the HTTP retries) is an *outage*: the caller falls back.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import httpx
import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from pydantic import BaseModel, ValidationError

from graphs.reasoners.llm.accounting import CallRecord, record
from graphs.reasoners.llm.model import model_name
from graphs.reasoners.llm.prompting import render_problem, render_prompt

T = TypeVar("T", bound=BaseModel)
ATTEMPTS = 2  # the first answer, and one retry with the error
OUTAGES = (openai.APIError, httpx.HTTPError, TimeoutError, ConnectionError)


@dataclass
class Answer(Generic[T]):
    value: T | None
    calls: list[CallRecord] = field(default_factory=list)
    problem: str | None = None  # the model answered badly twice
    outage: str | None = None  # the model could not be reached


def ask(model: BaseChatModel, messages: Sequence[BaseMessage], schema: type[T], *, node: str,
        tools: Sequence[Any] = (), check: Callable[[T], list[str]] | None = None,
        all_tools: Sequence[Any] | None = None) -> Answer[T]:
    """Ask ``model`` for a ``schema`` answer; ``tools`` are bound beside it so the model sees their schemas."""
    bound = model.bind_tools([schema, *tools], tool_choice=schema.__name__)
    conversation = list(messages)
    answer: Answer[T] = Answer(None)
    for attempt in range(1, ATTEMPTS + 1):
        started = time.perf_counter()
        try:
            reply = bound.invoke(conversation)
        except OUTAGES as exc:
            answer.outage = f"{type(exc).__name__}: {str(exc)[:200]}"
            answer.calls.append(record(node, model_name(model), attempt, [schema, *tools], None, conversation,
                                       (time.perf_counter() - started) * 1000, error=answer.outage,
                                       all_tools=_with(schema, all_tools)))
            return answer
        latency = (time.perf_counter() - started) * 1000
        if not isinstance(reply, AIMessage):
            reply = AIMessage(content=str(reply.content))
        value, errors = _parse(reply, schema)
        if value is not None and check is not None:
            errors = check(value)
        answer.calls.append(record(node, model_name(model), attempt, [schema, *tools], reply, conversation, latency,
                                   error="; ".join(errors) or None, all_tools=_with(schema, all_tools)))
        if not errors:
            answer.value = value
            return answer
        answer.problem = "; ".join(errors)
        conversation = [*conversation, HumanMessage(content=render_prompt(
            "retry", schema=schema.__name__, errors=errors, previous=_shown(reply)))]
    return answer


def _with(schema: type[BaseModel], all_tools: Sequence[Any] | None) -> list[Any] | None:
    return None if all_tools is None else [schema, *all_tools]


def _parse(reply: AIMessage, schema: type[T]) -> tuple[T | None, list[str]]:
    name = schema.__name__
    for bad in reply.invalid_tool_calls:
        if bad.get("name") in (name, None):
            return None, [render_problem("not_json", schema=name, error=bad.get("error") or "unparsable")]
    calls = [c for c in reply.tool_calls if c["name"] == name]
    if not calls:
        others = sorted({c["name"] for c in reply.tool_calls})
        if others:
            return None, [render_problem("other_tools", schema=name, called=others)]
        return None, [render_problem("text_answer", schema=name)]
    try:
        return schema.model_validate(calls[0]["args"]), []
    except ValidationError as exc:
        return None, [render_problem("schema_error", schema=name, where=".".join(str(p) for p in e["loc"]),
                                     message=e["msg"]) for e in exc.errors()[:6]]


def _shown(reply: AIMessage) -> str:
    if reply.tool_calls:
        return json.dumps([{"name": c["name"], "args": c["args"]} for c in reply.tool_calls])[:1500]
    if reply.invalid_tool_calls:
        return str(reply.invalid_tool_calls[0].get("args") or "")[:1500]
    return str(reply.content)[:1500]
