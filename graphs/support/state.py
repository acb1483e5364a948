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
from langgraph.channels.delta import DeltaChannel
from langgraph.graph.message import _messages_delta_reducer

from graphs.reasoners.local.entities import Entities
from graphs.reasoners.local.sentiment import Sentiment
from graphs.support.messages import normalise

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


DialogueAct = Literal["answer", "confirm", "deny", "correct", "close", "smalltalk", "new_request"]


class Asked(TypedDict):
    """What the agent's last reply asked the customer (graphs/support/dialogue.py reads it off the thread)."""

    kind: Literal["nothing", "information", "confirmation", "choice", "open"]
    slots: list[str]  # the information asked for: slot names, and "identity"
    expects: list[str]  # entity kinds that would answer it (zip_code, card_last4, order_ids, emails, ...)
    options: list[str]  # for a choice: the intents offered


class DialogueState(TypedDict):
    """The reply read against the conversation: what was asked, what is on record, and what the reply does."""

    asked: Asked
    known: list[str]  # slots on record: never asked for again
    act: DialogueAct
    supplies: list[str]  # the asked information this reply gives
    cues: list[str]  # why the act was read so (audit trail)
    chosen: NotRequired[str]  # the option of a choice the reply picks (an intent offered by a clarifying question)
    restates: NotRequired[str]  # the pending request's intent a reply restates (it confirms that intent's tools only)
    amends: NotRequired[list[str]]  # slots of the request just finished that a correction replaces (it runs again)
    same_record: NotRequired[bool]  # a follow-up that describes its record: it may be found again, not excluded
    decides: NotRequired[str]  # the pending request the customer asked about and now asks for ("ok, do it then")
    again: NotRequired[list[str]]  # the finished request a follow-up asks again ("and January's as well?")
    refers: NotRequired[dict[str, Any]]  # slot → the finished request's record a pronoun means ("when's it due?")
    unmet: NotRequired[list[str]]  # where a conditional yes wants the money that the offer does not send it (paypal)
    refused: NotRequired[list[str]]  # where the offer sends the money and a conditional yes rules out (card)
    sets: NotRequired[dict[str, Any]]  # values the reply gives amended slots outright (the other destination)
    proposed: NotRequired[list[float]]  # amounts a reply to an offer names that the offer does not move ($59.99)


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
    dialogue: NotRequired[DialogueState]
    # The local router's probability of each intent (those above 0.01), whichever reasoner decided: what a
    # write's confidence check trusts, since a model cannot set it.
    router: NotRequired[dict[str, float]]


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
    # The money the step would move (SupportTool.preview), bound when it is held for review: approving runs
    # exactly this, and a step that would move anything else goes back to the reviewer.
    effect: NotRequired[dict[str, Any] | None]
    # Why the call as the customer asked for it was refused, when the step now offers what the tool would do
    # instead (ToolResult.instead) and waits for the customer's yes.
    declined: NotRequired[str]
    # The intent whose words asked for this write, when the records made the request another intent's (an asked
    # redirect: "I was billed twice" read as a dispute is the duplicate's refund): its reading is the asking one.
    asked_as: NotRequired[str]
    # The amount the customer asked for when the step takes less ({"asked": 25.0, "to": "items"}: the items named
    # cost less; "order": less is left on the order): the reply says so.
    lowered: NotRequired[dict[str, Any]]
    # The request instance the step serves when it is not its intent's first ("cancel_order#2": the same request
    # for another record named in the message; flows.request_key): its id starts with it.
    request: NotRequired[str]


class RequestState(TypedDict):
    """One request of a flow that serves several (graphs/support/requests.py)."""

    text: str  # the customer's words of the request: its clause of the message that opened it ($message)
    context: NotRequired[str]  # the message's clauses that belong to it: its own, and those that ask for nothing
    slots: dict[str, Any]  # its own values over the flow's shared slots (None: not this request's, ask)
    described: dict[str, list[Any]]  # what the customer said that may identify a record (amounts, dates, products)
    told: NotRequired[dict[str, list[Any]]]  # what the sentences telling the request's action describe of it
    choices: dict[str, list[dict[str, Any]]]  # slot → the records it may be, when the customer is asked which
    excluded: NotRequired[dict[str, list[Any]]]  # slot → records it is not ("the other one": not the last one)
    decided: NotRequired[bool]  # the customer asked for it outright after asking about it ("ok, do it then")


class ActiveFlow(TypedDict):
    # The requests of the flow by key: an intent, or a request instance's key when one request is made of several
    # records ("cancel_order", "cancel_order#2": graphs/support/requests.py ``spread_instances``); ``confidences``
    # and ``requests`` are keyed alike.
    intents: list[str]
    confidences: dict[str, float]
    slots: dict[str, Any]
    stage: Literal["collecting", "verifying", "confirming", "executing", "done"]
    asking: list[str]
    low_confidence_turns: int
    router_confidences: NotRequired[dict[str, float]]  # Understanding.router of the turn that opened the flow
    # The familiarity signals of the message that opened the flow (graphs/support/confidence.py): its replies
    # inherit them, since a misread opening stays misread while the flow goes on.
    reading: NotRequired[dict[str, float]]
    requests: NotRequired[dict[str, RequestState]]
    declined: NotRequired[bool]  # the request was declined (a claimed approval or authority): that is its answer
    # The request finished before this flow, when this one only closed or greeted (thanks, "ok bet"): a follow-up
    # after the thanks ("and the other one?") is about that request (graphs/support/dialogue.py ``followed``).
    earlier: NotRequired[ActiveFlow]


class Assessment(TypedDict):
    confidence: float
    threshold: float
    signals: dict[str, float]
    route: Route
    reasons: list[str]
    queue: Queue
    clarify: NotRequired[bool]  # the agent asks the customer what they need (escalation.py decided so)


class Review(TypedDict):
    turn: int
    queue: Queue
    reasons: list[str]
    decision: dict[str, Any] | None
    reviewer: str | None


@dataclass(kw_only=True)
class InputState:
    """What a host sends: the conversation and, from an authenticated channel, who the customer is."""

    # A DeltaChannel: each checkpoint stores the messages its step added, not the transcript whole (a read
    # replays them; docs/deploying.md, "Checkpoints").
    messages: Annotated[Sequence[AnyMessage], DeltaChannel(_messages_delta_reducer)] = field(default_factory=list)
    customer_id: str | None = None


@dataclass(kw_only=True)
class State(InputState):
    """Everything the thread keeps across turns."""

    turn: int = 0
    # The customer's message of this turn as ingest checked and normalised it (graphs/support/messages.py; ""
    # when it was refused): every node after ingest reads it here instead of cleaning the raw message again.
    customer_message: str = ""
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
    # The queue of the latest request with a subject of its own (billing, technical, accounts): a person asked for
    # later, in a turn about nothing else, goes there (graphs/support/escalation.py ``topic_queue``).
    topic: Queue | None = None
    # LLM reasoner: why this turn must be replanned (set by act), replans so far this turn, and model answers
    # that were refused twice (they send the turn to a human; nothing of them ran).
    replan: str | None = None
    replans: int = 0
    model_problems: list[str] = field(default_factory=list)
    status: Literal["active", "awaiting_customer", "awaiting_review", "resolved", "escalated"] = "active"

    def customer_text(self) -> str:
        """The latest customer message as ingest cleaned it (``customer_message``); a state built without ingest
        (a unit test, a thread checkpointed before the field) normalises its latest human message here."""
        if self.customer_message:
            return self.customer_message
        return normalise(next((str(m.content) for m in reversed(self.messages) if m.type == "human"), ""))
