"""A chat model that answers whatever schema it is asked for from this turn's script (the fuzzer's model).

The LLM reasoner asks for a ``CustomerUnderstanding`` (new topics) and a ``SupportPlan`` (plans, retries after a
refused plan, replans after a failed step), each by binding the schema as the required tool. The fuzzer cannot
know in advance how many of each a turn asks for, so the model keeps a queue per schema: each call takes the next
scripted answer and, once the queue is empty, repeats the last one (a model that insists on its mistake).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

_ids = itertools.count(1)


def tool_call(name: str, args: dict[str, Any]) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": f"call_{next(_ids)}",
                                              "type": "tool_call"}])


class FuzzChatModel(BaseChatModel):
    """Answers each schema from its own queue; ``calls`` counts what was asked, per schema."""

    answers: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)
    last: dict[str, dict[str, Any]] = Field(default_factory=dict)
    calls: dict[str, int] = Field(default_factory=dict)
    asking: str = ""

    @property
    def _llm_type(self) -> str:
        return "policy-fuzz"

    def script(self, **answers: list[dict[str, Any]]) -> None:
        """This turn's answers by schema name (``CustomerUnderstanding=[...]``, ``SupportPlan=[...]``)."""
        self.answers = {name: list(items) for name, items in answers.items()}
        self.last = {}

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: Any = None, **_: Any) -> BaseChatModel:
        first = tools[0] if tools else None
        self.asking = str(tool_choice or getattr(first, "__name__", ""))
        return self

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        name = self.asking
        self.calls[name] = self.calls.get(name, 0) + 1
        queue = self.answers.get(name, [])
        if queue:
            self.last[name] = queue.pop(0)
        args = self.last.get(name)
        message = tool_call(name, args) if args is not None else AIMessage(content="I cannot help with that.")
        return ChatResult(generations=[ChatGeneration(message=message)])
