"""Model token counts and costs carried by audit events, wherever a recorder put them.

An event may carry ``usage: {input_tokens, output_tokens}`` (LangChain's ``UsageMetadata``),
``token_usage: {prompt_tokens, completion_tokens}`` (the OpenAI response), ``tokens: {input, output}``, or
top-level ``prompt_tokens`` / ``completion_tokens`` with the ``cost_usd`` the call was charged at (the LLM
reasoner's ``llm_call`` event, one per model call). Events without any of them simply add nothing; the report
says whether any event carried tokens.

``llm_usage`` events are left out: each repeats the totals of its turn's ``llm_call`` events (once more when a
turn resumes after a review), so counting them would count every call twice or more.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func

INPUT_PATHS = (("usage", "input_tokens"), ("token_usage", "prompt_tokens"), ("tokens", "input"),
               ("prompt_tokens",))
OUTPUT_PATHS = (("usage", "output_tokens"), ("token_usage", "completion_tokens"), ("tokens", "output"),
                ("completion_tokens",))
COST_PATH = ("cost_usd",)
SUMMARY_KINDS = ("llm_usage",)


def token_columns(payload: Any) -> tuple[Any, Any]:
    """SQL expressions for an event's input and output tokens (NULL when the event carries none)."""
    return (func.coalesce(*[payload[path].as_integer() for path in INPUT_PATHS]),
            func.coalesce(*[payload[path].as_integer() for path in OUTPUT_PATHS]))


def recorded_cost(payload: Any) -> Any:
    """SQL expression for the dollars an event says its model call cost (NULL when it says nothing)."""
    return payload[COST_PATH].as_float()


def counted(kind: Any) -> ColumnElement[bool]:
    """Whether an event of this kind counts toward the token totals (summaries of other events do not)."""
    return kind.not_in(SUMMARY_KINDS)
