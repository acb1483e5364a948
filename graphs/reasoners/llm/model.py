"""The chat model of a run, built from the run's context (never a process-wide instance)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from langchain_core.language_models import BaseChatModel
from pydantic import SecretStr

from foundation.settings import get_settings

if TYPE_CHECKING:
    from graphs.support.context import Context


class ModelNotConfigured(ValueError):
    """The LLM reasoner was chosen but no model was named."""


def chat_model_for(context: Context) -> BaseChatModel:
    """The model given in the context, else ChatOpenAI for the context's model name, endpoint and limits.

    The API key comes from the settings (SUPPORTGRAPH_API_KEY or OPENAI_API_KEY) and never travels in the
    context; a local OpenAI-compatible server that needs none gets a placeholder.
    """
    if context.chat_model is not None:
        if not isinstance(context.chat_model, BaseChatModel):
            raise TypeError(f"context.chat_model must be a chat model, not {type(context.chat_model).__name__}")
        return context.chat_model
    if not context.model:
        raise ModelNotConfigured("the llm reasoner needs a model: set SUPPORTGRAPH_MODEL or pass --model")
    key = get_settings().api_key
    api_key = key.get_secret_value() if key is not None else ("not-needed" if context.base_url else None)
    return _chat_openai(context.model, context.base_url, api_key, context.temperature, context.timeout,
                        context.max_retries)


@lru_cache(maxsize=16)
def _chat_openai(model: str, base_url: str | None, api_key: str | None, temperature: float, timeout: float,
                 max_retries: int) -> BaseChatModel:
    """One ChatOpenAI (and its HTTP connection pool) per model configuration, shared by the calls that use it."""
    # inside: langchain_openai (and openai) load only when an LLM run builds a model
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(model=model, base_url=base_url, api_key=SecretStr(api_key) if api_key is not None else None,
                      temperature=temperature, timeout=timeout, max_retries=max_retries)


def model_name(model: BaseChatModel) -> str:
    """The model's name for the audit log."""
    for attribute in ("model_name", "model"):
        value = getattr(model, attribute, None)
        if isinstance(value, str):
            return value
    return type(model).__name__


def cost_usd(prompt_tokens: int, completion_tokens: int) -> float:
    """What a call cost at the configured per-token prices."""
    s = get_settings()
    return (prompt_tokens * s.input_cost_per_million + completion_tokens * s.output_cost_per_million) / 1e6
