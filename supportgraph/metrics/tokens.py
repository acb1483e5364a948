"""Model token counts carried by audit events, wherever a recorder put them.

An event may carry ``usage: {input_tokens, output_tokens}`` (LangChain's ``UsageMetadata``),
``token_usage: {prompt_tokens, completion_tokens}`` (the OpenAI response) or ``tokens: {input, output}``.
Events without any of them simply add nothing; the report says whether any event carried tokens.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func

INPUT_PATHS = (("usage", "input_tokens"), ("token_usage", "prompt_tokens"), ("tokens", "input"))
OUTPUT_PATHS = (("usage", "output_tokens"), ("token_usage", "completion_tokens"), ("tokens", "output"))


def token_columns(payload: Any) -> tuple[Any, Any]:
    """SQL expressions for an event's input and output tokens (NULL when the event carries none)."""
    return (func.coalesce(*[payload[path].as_integer() for path in INPUT_PATHS]),
            func.coalesce(*[payload[path].as_integer() for path in OUTPUT_PATHS]))
