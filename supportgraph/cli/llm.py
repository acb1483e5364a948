"""``supportgraph bench tokens``: prompt tokens saved by binding only the relevant tools to the planner."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from foundation.settings import get_settings
from supportgraph.cli.common import CliError, console

# Commands import service/, evals/ and graphs/ inside the function: they load LangGraph, the router and torch
# (~2 s) that `supportgraph --help` and the other commands need not pay.


def bench_tokens() -> None:
    """Planner prompt tokens with the relevant tools vs every tool, on the same conversations (tiktoken, offline)."""
    from evals.tool_selection_tokens import benchmark, per_turn_cost

    for name, f in benchmark().items():
        relevant_cost, all_cost = per_turn_cost(f)
        console.print(
            f"[bold]{name}[/] ({f.conversations} conversations): {f.relevant_mean:,.0f} prompt tokens with the "
            f"relevant tools ({f.relevant_tools_mean:.1f} of {f.all_tools} bound) vs {f.all_mean:,.0f} with all "
            f"tools — {f.saved_mean:,.0f} saved per planning call ({f.saved_share:.0%}); prompt cost "
            f"${relevant_cost:.6f} vs ${all_cost:.6f} per call")


ModelOpt = Annotated[str | None, typer.Option(
    "--model", help="Reason with this chat model (LLM reasoner), e.g. gpt-4o-mini; default SUPPORTGRAPH_MODEL.")]
BaseUrlOpt = Annotated[str | None, typer.Option(
    "--base-url", help="OpenAI-compatible endpoint of the model (vLLM, Ollama, llama.cpp); default "
                       "SUPPORTGRAPH_BASE_URL, else OpenAI.")]


def model_context(model: str | None, base_url: str | None) -> dict[str, Any]:
    """Run settings for ``--model``/``--base-url`` (nothing given: the configured reasoner)."""
    if base_url is not None and not base_url.startswith(("http://", "https://")):
        raise CliError(f"--base-url must be an http(s) URL, got {base_url[:60]!r}")
    if base_url is not None and not (model or get_settings().model):
        raise CliError("--base-url needs a model: pass --model NAME or set SUPPORTGRAPH_MODEL")
    settings = get_settings()
    if model is not None and not (base_url or settings.base_url) and settings.api_key is None:
        raise CliError("--model needs an API key (OPENAI_API_KEY or SUPPORTGRAPH_API_KEY) or a local --base-url")
    context: dict[str, Any] = {}
    if model is not None:
        if not model.strip():
            raise CliError("--model needs a model name")
        context |= {"reasoner": "llm", "model": model.strip()}
    if base_url is not None:
        context |= {"reasoner": "llm", "base_url": base_url}
    return context
