"""The human-review request and the reviewer's decisions, in LangChain's human-in-the-loop format.

An interrupt carries ``{"action_requests": [...], "review_configs": [...], "context": {...}}``: one action per
step held for approval (tool name and arguments), or a single ``reply_to_customer`` action with the drafted
reply when nothing is held. A resume carries ``{"decisions": [...], "reviewer": NAME}`` with one decision per
action: ``approve``, ``edit`` (``edited_action`` with name and args, validated against the tool's schema),
``reject`` (optional ``message``) or ``respond`` (``message`` sent to the customer).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any, Literal, TypedDict

from pydantic import BaseModel, Field, ValidationError

from graphs.support.messages import control_character
from graphs.support.state import State, Step
from tools.payments.ledger import describe
from tools.registry import get_tool

REPLY_ACTION = "reply_to_customer"
DecisionType = Literal["approve", "edit", "reject", "respond"]
ALLOWED: list[DecisionType] = ["approve", "edit", "reject", "respond"]
MAX_ARGS_DEPTH = 8  # a tool's arguments are flat records; deeper nesting is a mistake or an attack


class ActionRequest(TypedDict):
    name: str
    args: dict[str, Any]
    description: str


class ReviewConfig(TypedDict):
    action_name: str
    allowed_decisions: list[DecisionType]
    args_schema: dict[str, Any]


class ReviewRequest(TypedDict):
    action_requests: list[ActionRequest]
    review_configs: list[ReviewConfig]
    context: dict[str, Any]


class InvalidDecision(ValueError):
    """A resume payload that does not fit the pending review request."""


class EditedAction(BaseModel):
    name: str
    args: dict[str, Any]


class Decision(BaseModel):
    type: DecisionType
    edited_action: EditedAction | None = None
    message: str | None = Field(default=None, max_length=8000)


class ReviewResponse(BaseModel):
    decisions: list[Decision]
    reviewer: str = Field(default="reviewer", min_length=1, max_length=100)
    turn: int | None = Field(default=None, description="The turn the reviewer saw; a newer pending review is refused.")
    take_over: bool = Field(default=False, description="The reviewer answers this thread from now on.")
    hand_back: bool = Field(default=False, description="The reviewer gives the thread back to the agent.")


class _ReplyArgs(BaseModel):
    message: str = Field(min_length=1, max_length=8000, description="The reply the customer will receive.")


def queue_entry(thread_id: str, context: Mapping[str, Any]) -> dict[str, Any]:
    """The review-queue entry of a request's ``context``: the arguments of AuditLog.open_review.

    The one mapping from a review request to its queue row, whether the human_review node writes the row or a
    checkpointer indexes the interrupt (service/review_index.py).
    """
    customer = context.get("customer") or {}
    requested_at = context.get("requested_at")
    return {
        "thread_id": str(thread_id),
        "turn": int(context.get("turn", 0)),
        "queue": str(context.get("queue", "general")),
        "priority": str(context.get("priority", "normal")),
        "customer_id": customer.get("customer_id"),
        "summary": str(context.get("latest_message", ""))[:300],
        "reasons": list(context.get("reasons", [])),
        "confidence": context.get("confidence"),
        "at": datetime.fromisoformat(requested_at) if requested_at else datetime.now(UTC),
    }


@cache
def _schema_text(model: type[BaseModel]) -> str:
    return json.dumps(model.model_json_schema())


def args_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON schema, a fresh copy (pydantic builds it anew at each call: ~3 ms, at every review request
    and again when the resume re-runs the node up to its interrupt)."""
    return dict(json.loads(_schema_text(model)))


def held_steps(state: State) -> list[Step]:
    return [s for s in state.plan if s["status"] == "needs_approval"]


def build_request(state: State, *, draft_reply: str, context: dict[str, Any]) -> ReviewRequest:
    """The interrupt payload for the current turn."""
    actions: list[ActionRequest] = []
    configs: list[ReviewConfig] = []
    if state.human_owner:
        # A person owns the thread: the agent drafts nothing, the owner answers.
        actions.append({"name": REPLY_ACTION, "args": {"message": ""},
                        "description": f"{state.human_owner} owns this thread: answer the customer "
                                       "(hand it back to the agent when done)."})
        configs.append({"action_name": REPLY_ACTION, "allowed_decisions": ["respond"],
                        "args_schema": args_schema(_ReplyArgs)})
        return {"action_requests": actions, "review_configs": configs, "context": context}
    # context["effects"][i]: the money action i moves, as fields (amount; movements: charge, amount, payment
    # method, destination; the window's totals), or None. Approving runs exactly this. (Beside the actions, which
    # keep LangChain's human-in-the-loop format.)
    effects: list[dict[str, Any] | None] = []
    for step in held_steps(state):
        tool = get_tool(step["tool"])
        effect = step.get("effect")
        moves = f" Moves {describe(effect)}." if effect else ""
        effects.append(effect)
        actions.append({"name": step["tool"], "args": step["args"],
                        "description": f"Proposed: {step['why']}.{moves} Held because {step['hold_reason']}."})
        configs.append({"action_name": step["tool"], "allowed_decisions": ALLOWED,
                        "args_schema": args_schema(tool.args_schema)})
    if not actions:
        actions.append({"name": REPLY_ACTION, "args": {"message": draft_reply},
                        "description": "Send this reply, edit it, answer the customer yourself, or reject it."})
        configs.append({"action_name": REPLY_ACTION, "allowed_decisions": ALLOWED,
                        "args_schema": args_schema(_ReplyArgs)})
        effects.append(None)
    return {"action_requests": actions, "review_configs": configs, "context": {**context, "effects": effects}}


def parse_response(payload: Any, request: ReviewRequest) -> ReviewResponse:
    """Validate a resume payload against the request; raises InvalidDecision with a readable reason."""
    if not isinstance(payload, dict):
        raise InvalidDecision("a review decision must be an object with a 'decisions' list")
    try:
        response = ReviewResponse.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidDecision(f"invalid review decision at {where or 'top level'}: {first['msg']}") from None
    for where, text in _texts(response):
        if problem := control_character(text):
            raise InvalidDecision(f"invalid review decision at {where}: the text {problem}")
    if response.turn is not None and response.turn != request["context"].get("turn"):
        raise InvalidDecision(f"this decision is for turn {response.turn}, but the thread now waits on turn "
                              f"{request['context'].get('turn')}: look at the review again")
    if response.take_over and response.hand_back:
        raise InvalidDecision("take_over and hand_back exclude each other")
    actions = request["action_requests"]
    if len(response.decisions) != len(actions):
        raise InvalidDecision(
            f"expected {len(actions)} decision(s), one per proposed action, got {len(response.decisions)}")
    for decision, action, config in zip(response.decisions, actions, request["review_configs"], strict=True):
        if decision.type not in config["allowed_decisions"]:
            raise InvalidDecision(f"{decision.type!r} is not allowed for {action['name']}")
        if decision.type == "respond" and not (decision.message or "").strip():
            raise InvalidDecision("a 'respond' decision needs a non-empty message for the customer")
        if decision.type == "edit":
            _check_edit(decision, action)
    return response


def _texts(response: ReviewResponse) -> list[tuple[str, str]]:
    """Every text a reviewer wrote into a decision (the customer may read it, the store keeps it), with where."""
    found: list[tuple[str, str]] = [("reviewer", response.reviewer)]
    pending: list[tuple[str, Any, int]] = []
    for i, decision in enumerate(response.decisions):
        if decision.message is not None:
            found.append((f"decisions.{i}.message", decision.message))
        if decision.edited_action is not None:
            found.append((f"decisions.{i}.edited_action.name", decision.edited_action.name))
            pending.append((f"decisions.{i}.edited_action.args", decision.edited_action.args, 1))
    while pending:  # a walk, not a recursion: arguments may nest deeply
        where, value, depth = pending.pop()
        if depth > MAX_ARGS_DEPTH and isinstance(value, dict | list):
            raise InvalidDecision(f"invalid review decision at {where}: arguments nest deeper than "
                                  f"{MAX_ARGS_DEPTH} levels")
        if isinstance(value, str):
            found.append((where, value))
        elif isinstance(value, dict):
            pending += [(f"{where}.{k}", v, depth + 1) for k, v in value.items()]
            found += [(where, str(k)) for k in value]
        elif isinstance(value, list):
            pending += [(f"{where}.{n}", v, depth + 1) for n, v in enumerate(value)]
    return found


def _check_edit(decision: Decision, action: ActionRequest) -> None:
    edited = decision.edited_action
    if edited is None:
        raise InvalidDecision("an 'edit' decision needs edited_action with name and args")
    if edited.name != action["name"]:
        raise InvalidDecision(f"an edit may change the arguments of {action['name']}, not the action itself")
    schema: type[BaseModel] = _ReplyArgs if action["name"] == REPLY_ACTION else get_tool(action["name"]).args_schema
    try:
        schema.model_validate(edited.args)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise InvalidDecision(f"edited arguments for {action['name']} are invalid: {problems}") from None
