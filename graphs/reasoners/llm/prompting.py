"""Prompt templates of the LLM reasoner: Jinja in markdown files under prompts/llm/, rendered by name."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("prompts", "llm"), undefined=StrictUndefined, autoescape=False,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["json"] = lambda v: json.dumps(v, default=str, ensure_ascii=False)
    env.filters["repr"] = repr
    return env


def render_prompt(name: str, /, **values: Any) -> str:
    """Render ``prompts/llm/NAME.md`` with ``values`` (a missing value is an error, not an empty string)."""
    return _environment().get_template(f"{name}.md").render(**values).strip()


def render_problem(kind: str, /, **values: Any) -> str:
    """One sentence of the feedback sent back after a bad answer: the macro ``kind`` of prompts/llm/problems.md."""
    macro = getattr(_environment().get_template("problems.md").module, kind, None)
    if macro is None:
        raise KeyError(f"prompts/llm/problems.md has no problem {kind!r}")
    return str(macro(**values)).strip()
