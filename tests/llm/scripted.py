"""A scripted chat model (langgraph's test pattern) and builders of the answers the LLM reasoner expects."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

_ids = itertools.count(1)


class ScriptedChatModel(GenericFakeChatModel):
    """Answers with the scripted messages in order; an exception in the script is raised instead.

    ``bind_tools`` returns the model itself and remembers which tools each call was offered; ``prompts`` keeps
    the messages of every call.
    """

    bound: list[list[str]] = Field(default_factory=list)
    prompts: list[list[BaseMessage]] = Field(default_factory=list)

    def bind_tools(self, tools: Sequence[Any], **_: Any) -> BaseChatModel:  # type: ignore[override]
        names = []
        for tool in tools:
            names.append(getattr(tool, "name", None) or getattr(tool, "__name__", str(tool)))
        self.bound.append(names)
        return self

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        self.prompts.append(list(messages))
        item = next(self.messages)
        if isinstance(item, BaseException):
            raise item
        message = item if isinstance(item, AIMessage) else AIMessage(content=str(item))
        return ChatResult(generations=[ChatGeneration(message=message)])

    @property
    def left(self) -> int:
        """How many scripted answers were not used (a test checks the model was asked what it expected)."""
        rest = list(self.messages)
        self.messages = iter(rest)
        return len(rest)


def scripted(*answers: AIMessage | BaseException) -> ScriptedChatModel:
    return ScriptedChatModel(messages=iter(answers))


def call(name: str, args: dict[str, Any]) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": f"call_{next(_ids)}",
                                              "type": "tool_call"}])


def understood(*intents: str, confidence: float = 0.9, rationale: str = "The customer says so.",
               sentiment: str = "neutral", **entities: Any) -> AIMessage:
    return call("CustomerUnderstanding", {
        "intents": [{"intent": i, "confidence": confidence} for i in intents],
        "entities": entities, "sentiment": sentiment, "missing": [], "rationale": rationale})


def step(id: str, intent: str, tool: str, args: dict[str, Any] | None = None, depends_on: Sequence[str] = (),
         why: str = "needed") -> dict[str, Any]:
    return {"id": id, "intent": intent, "tool": tool, "args": args or {}, "depends_on": list(depends_on),
            "why": why}


def planned(*steps: dict[str, Any], rationale: str = "Look it up, then act.") -> AIMessage:
    return call("SupportPlan", {"steps": list(steps), "rationale": rationale})


def not_json(name: str = "SupportPlan") -> AIMessage:
    return AIMessage(content="", invalid_tool_calls=[{"name": name, "args": '{"steps": [', "id": "call_bad",
                                                      "error": "Expecting value", "type": "invalid_tool_call"}])
