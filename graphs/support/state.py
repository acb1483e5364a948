"""The support graph's state: what a thread remembers between turns.

``InputState`` is what a host sends in (messages, and the customer id of an authenticated channel);
``State`` adds what the nodes work out. Nested values are plain JSON-able dicts typed with TypedDicts, so every
checkpointer stores them without custom serialisers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, NotRequired, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph import add_messages

from graphs.reasoners.local.entities import Entities
from graphs.reasoners.local.sentiment import Sentiment

StepStatus = Literal[
    "pending", "awaiting_confirmation", "needs_approval", "approved", "done", "failed", "skipped", "rejected"
]
Route = Literal["respond", "human_review"]
Queue = Literal["billing", "technical", "accounts", "general"]


class Customer(TypedDict):
    customer_id: str
    name: str
    plan: str | None
    verified: bool
    verified_by: Literal["channel", "identity_check", "reviewer"]


class IntentGuess(TypedDict):
    intent: str
    confidence: float


class Understanding(TypedDict):
    intents: list[IntentGuess]
    margin: float
    entities: Entities
    continues_flow: bool
    affirmation: Literal["yes", "no"] | None
    missing: list[str]
    rationale: str
    source: Literal["local", "llm"]
    # Share of the LLM's intents the local router also found; 1.0 when the local reasoner decided alone.
    agreement: float


class Step(TypedDict):
    id: str
    intent: str
    tool: str
    args: dict[str, Any]
    depends_on: list[str]
    why: str
    writes: bool
    status: StepStatus
    result: dict[str, Any] | None
    error: str | None
    hold_reason: str | None
    approved_by: str | None
    confirmed: bool
    customer_reason: NotRequired[str]  # the policy part of hold_reason, which the customer may be told


class RequestState(TypedDict):
    """One request of a flow that serves several (graphs/support/requests.py)."""

    text: str  # the customer's words of the request: its clause of the message that opened it ($message)
    slots: dict[str, Any]  # its own values over the flow's shared slots (None: not this request's, ask)
    described: dict[str, list[Any]]  # what the customer said that may identify a record (amounts, dates, products)
    choices: dict[str, list[dict[str, Any]]]  # slot → the records it may be, when the customer is asked which


class ActiveFlow(TypedDict):
    intents: list[str]
    confidences: dict[str, float]
    slots: dict[str, Any]
    stage: Literal["collecting", "verifying", "confirming", "executing", "done"]
    asking: list[str]
    low_confidence_turns: int
    requests: NotRequired[dict[str, RequestState]]


class Assessment(TypedDict):
    confidence: float
    threshold: float
    signals: dict[str, float]
    route: Route
    reasons: list[str]
    queue: Queue


class Review(TypedDict):
    turn: int
    queue: Queue
    reasons: list[str]
    decision: dict[str, Any] | None
    reviewer: str | None


@dataclass(kw_only=True)
class InputState:
    """What a host sends: the conversation and, from an authenticated channel, who the customer is."""

    messages: Annotated[Sequence[AnyMessage], add_messages] = field(default_factory=list)
    customer_id: str | None = None


@dataclass(kw_only=True)
class State(InputState):
    """Everything the thread keeps across turns."""

    turn: int = 0
    customer: Customer | None = None
    verification_failures: int = 0
    sentiment: Sentiment | None = None
    understanding: Understanding | None = None
    flow: ActiveFlow | None = None
    plan: list[Step] = field(default_factory=list)
    assessment: Assessment | None = None
    review: Review | None = None
    reply: str | None = None
    human_owner: str | None = None
    # LLM reasoner: why this turn must be replanned (set by act), replans so far this turn, and model answers
    # that were refused twice (they send the turn to a human; nothing of them ran).
    replan: str | None = None
    replans: int = 0
    model_problems: list[str] = field(default_factory=list)
    status: Literal["active", "awaiting_customer", "awaiting_review", "resolved", "escalated"] = "active"
