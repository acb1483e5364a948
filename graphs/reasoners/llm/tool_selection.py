"""Which tools the planner sees: those of the understood intents' flows, their related tools, and the tool of a
step being replanned — never the whole registry (fewer prompt tokens, fewer wrong choices)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache, lru_cache
from importlib import resources

import yaml

from graphs.support.flows import get_flow, own_steps
from tools.base import SupportTool
from tools.registry import TOOLS, tool_names

# Verification is the graph's own first step, never the model's.
GRAPH_ONLY = {"verify_identity"}


@lru_cache(maxsize=1)
def related_tools() -> dict[str, list[str]]:
    raw = yaml.safe_load(resources.files("graphs.reasoners.llm").joinpath("related_tools.yaml").read_text("utf-8"))
    known = set(tool_names())
    for intent, names in raw.items():
        unknown = set(names) - known
        if unknown:
            raise ValueError(f"related_tools.yaml: {intent} names unknown tools {sorted(unknown)}")
    return {str(k): list(v) for k, v in raw.items()}


@cache
def tool_intents(tool: str) -> list[str]:
    """The intents a tool belongs to: those whose flows run it, then those that may need it (related_tools.yaml)."""
    named = [flow.intent for flow, _ in own_steps(tool)]
    named += [intent for intent, tools in related_tools().items() if tool in tools]
    return list(dict.fromkeys(named))


def relevant_tools(intents: Iterable[str], also: Iterable[str] = ()) -> list[SupportTool]:
    """The tools bound for these intents (plus ``also``, e.g. a failed step's tool), in registry order."""
    wanted: set[str] = set(also)
    for intent in intents:
        wanted.update(step.tool for step in get_flow(intent).steps)
        wanted.update(related_tools().get(intent, []))
    wanted -= GRAPH_ONLY
    return [t for t in TOOLS if t.name in wanted]


def all_tools() -> list[SupportTool]:
    return [t for t in TOOLS if t.name not in GRAPH_ONLY]


def langchain_tools(tools: Iterable[SupportTool]) -> list[object]:
    """The tools as LangChain tools, built once per tool (so their schemas' token counts are kept too)."""
    return [_langchain_tool(t) for t in tools]


@lru_cache(maxsize=256)
def _langchain_tool(tool: SupportTool) -> object:
    return tool.as_langchain_tool()

