"""States of a finished turn for the escalation tests: one step, a plan that only reads, a message and its
sentiment; and the route of a sure turn that only read the records."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage

from graphs.support.escalation import Escalation, decide
from graphs.support.state import State, Step


def step(status: str = "done", *, intent: str = "get_refund", hold: str | None = None) -> Step:
    return {"id": f"{intent}.refund", "intent": intent, "tool": "refund_order", "args": {"order_id": 10004},
            "depends_on": [], "why": "refund", "writes": True, "status": status,  # type: ignore[typeddict-item]
            "result": None, "error": None, "hold_reason": hold, "approved_by": None, "confirmed": False}


def state(*, intents: tuple[str, ...] = ("get_refund",), plan: list[Step] | None = None, sentiment: float = 0.0,
           asks_for_human: bool = False, failures: int = 0, asking: list[str] | None = None,
           low_turns: int = 0, message: str = "I'd like a refund for order 10004", stage: str = "done") -> State:
    return State(
        messages=[AIMessage("How can I help?"), HumanMessage(message)],
        turn=1,
        flow={"intents": list(intents), "confidences": dict.fromkeys(intents, 0.95), "slots": {"order_id": 10004},
              "stage": stage, "asking": asking or [], "low_confidence_turns": low_turns},
        plan=plan if plan is not None else [step()],
        sentiment={"score": sentiment, "label": "neutral", "urgency": "normal", "asks_for_human": asks_for_human},
        verification_failures=failures,
    )


def read_only() -> list[Step]:
    return [{**step(), "tool": "get_order", "writes": False}]  # type: ignore[list-item]


def on_read_only(text: str, intent: str = "get_refund") -> Escalation:
    """The route of a sure turn whose plan only read the records, for ``text``."""
    return decide(state(intents=(intent,), message=text, plan=read_only()), confidence=0.95, threshold=0.7,
                  max_verification_attempts=3)
