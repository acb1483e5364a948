"""The contract every tool follows.

A tool is a plain function ``fn(store, args, ctx) -> ToolResult`` with a pydantic argument model; the
:class:`SupportTool` record around it validates arguments, enforces identity verification and turns every
refusal into a sentence the reasoner can act on. Tools never raise for business errors: they return
``ToolResult(ok=False, error="...")``. Exceptions mean a bug or an outage.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ValidationError

from foundation.policy import Policy

if TYPE_CHECKING:
    # inside: only the LLM planner binds tools; the local path never loads LangChain's tools
    from langchain_core.tools import StructuredTool

    from tools.store import BusinessStore

System = Literal["crm", "orders", "payments", "ticketing", "kb"]
SYSTEM_NAMES: dict[str, str] = {"crm": "customer accounts", "orders": "orders", "payments": "payments",
                                "ticketing": "ticketing", "kb": "help centre"}
# What a tool does with money: "order_refund" refunds (part of) what an order was charged; "item_refund" refunds
# the price of items taken back or exchanged for cheaper ones; "adjustment" charges or refunds otherwise (an
# order or plan change, a dispute's resolution).
MoneyMove = Literal["order_refund", "item_refund", "adjustment"]


class ToolResult(BaseModel):
    """What a tool hands back: data on success, a sentence the reasoner can act on otherwise."""

    ok: bool
    data: dict[str, Any] | list[Any] | None = None
    error: str | None = None
    # What kind of refusal, when the graph acts on it rather than passing it on: "effect_changed" means the
    # money the call would move is not what a reviewer approved (the step goes back to review).
    code: str | None = None
    # The system behind the tool could not answer (an outage, BackendUnavailable): trying later may succeed.
    unavailable: bool = False
    # Arguments the tool would accept in place of the refused ones (a refund of more than is left: what is left);
    # the agent may offer them to the customer, never run them unasked.
    instead: dict[str, Any] | None = None

    @classmethod
    def success(cls, data: dict[str, Any] | list[Any] | None = None) -> ToolResult:
        return cls(ok=True, data=data)

    @classmethod
    def refuse(cls, error: str, *, code: str | None = None, instead: dict[str, Any] | None = None) -> ToolResult:
        return cls(ok=False, error=error, code=code, instead=instead)


@dataclass(frozen=True, kw_only=True)
class ToolContext:
    """Who is acting and why: passed to every tool call, never taken from globals.

    ``customer_id`` is the customer whose identity the conversation has verified (``None`` until then);
    ``idempotency_key`` is derived from the thread and the plan step so a replayed write never runs twice;
    ``approved_by`` names the human reviewer who approved an action that policy reserves for humans;
    ``approved_effect`` is the money effect (``SupportTool.preview``) the reviewer saw and approved: a tool that
    would now move anything else refuses with ``code="effect_changed"`` instead of moving it.
    """

    thread_id: str
    step_id: str
    now: datetime
    customer_id: str | None = None
    approved_by: str | None = None
    approved_effect: dict[str, Any] | None = None
    policy: Policy = field(default_factory=Policy)

    @property
    def idempotency_key(self) -> str:
        return f"{self.thread_id}:{self.step_id}"


class BackendRefusal(Exception):
    """Raised by a backend (e.g. a company's CRM over HTTP) that declines a request for a business reason.

    ``SupportTool.run`` turns it into ``ToolResult(ok=False, error=message)``: the message must be a
    sentence the reasoner can act on. Outages stay ordinary exceptions.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message if message.startswith("Error:") else f"Error: {message}"


class BackendUnavailable(RuntimeError):
    """Raised by a backend that cannot answer now (a remote system down, hanging, answering 5xx or garbage).

    ``SupportTool.run`` turns it into a failed step whose error says which system is unavailable, so the turn
    goes on: the reasoner tells the customer or hands the thread to a person, with the reason.
    """


ToolFn = Callable[["BusinessStore", Any, ToolContext], ToolResult]
# The money a call would move, worked out without moving it: ToolResult.success(effect) or the tool's refusal.
# An effect is {"amount", "movements": [{"charge_id", "amount", "payment_method", "to"}], "over_limit": str |
# None, "binds": {argument: value}, ...} (tools/payments/ledger.py money_effect).
EffectFn = Callable[["BusinessStore", Any, ToolContext], ToolResult]


@dataclass(frozen=True, kw_only=True)
class SupportTool:
    """A tool of one business system, with its derived argument schema and its policy flags."""

    name: str
    system: System
    description: str
    args_schema: type[BaseModel]
    fn: ToolFn
    writes: bool = False
    requires_verified_customer: bool = True
    # Always needs a human's approval (ctx.approved_by): the graph holds such steps for review first.
    needs_approval: bool = False
    # Moves money, and how (None: it does not); the graph's consequence checks and money at stake read it.
    moves_money: MoneyMove | None = None
    # Works out the money effect of a call without making it (tools that move money): what a review shows.
    effect: EffectFn | None = None
    # The word a customer names what the tool does with ("dispute" of open_billing_dispute), when its name's first
    # word is not it: a reply that tells the agent to take an action offered is read by it (``action``).
    verb: str = ""

    @property
    def action(self) -> str:
        """The customer's word for what the tool does: its ``verb``, else its name's first word ("cancel")."""
        return self.verb or self.name.split("_")[0]

    def _checked(self, args: dict[str, Any], ctx: ToolContext) -> BaseModel | ToolResult:
        try:
            parsed = self.args_schema.model_validate(args)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'arguments'}: {err['msg']}" for err in exc.errors()
            )
            return ToolResult.refuse(f"Error: invalid arguments for {self.name}: {problems}")
        if self.requires_verified_customer and ctx.customer_id is None:
            return ToolResult.refuse(
                f"Error: {self.name} needs a verified customer; verify the customer's identity first."
            )
        return parsed

    def preview(self, store: BusinessStore, args: dict[str, Any], ctx: ToolContext) -> ToolResult | None:
        """The money this call would move (see ``EffectFn``), or None for a tool that moves none."""
        if self.effect is None:
            return None
        parsed = self._checked(args, ctx)
        if isinstance(parsed, ToolResult):
            return parsed
        try:
            return self.effect(store, parsed, ctx)
        except BackendRefusal as refusal:
            return ToolResult.refuse(refusal.message)
        except BackendUnavailable as outage:
            return self._unavailable(outage)

    def run(self, store: BusinessStore, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Validate ``args``, check verification and approval, call the tool; failures are refusal sentences."""
        parsed = self._checked(args, ctx)
        if isinstance(parsed, ToolResult):
            return parsed
        if self.needs_approval and not ctx.approved_by:
            return ToolResult.refuse(
                f"Error: {self.name} always needs a human reviewer's approval; hold this step for review and "
                "run it again once a reviewer has approved it."
            )
        try:
            return self.fn(store, parsed, ctx)
        except BackendRefusal as refusal:
            return ToolResult.refuse(refusal.message)
        except BackendUnavailable as outage:
            return self._unavailable(outage)

    def _unavailable(self, outage: BackendUnavailable) -> ToolResult:
        # The customer may read this sentence; what exactly failed goes to the log.
        logging.getLogger(__name__).warning("%s: the %s system is unavailable: %s", self.name, self.system, outage)
        return ToolResult(ok=False, unavailable=True, error=(
            f"Error: our {SYSTEM_NAMES[self.system]} system is not answering right now, so nothing was changed; "
            "it can be tried again in a little while."))

    def as_langchain_tool(self) -> StructuredTool:
        """The same tool as a LangChain tool (name, description and schema derived, not rewritten)."""
        # inside: only the LLM planner binds tools; the local path never loads LangChain's tools
        from langchain_core.tools import StructuredTool

        def _unbound(**_: Any) -> str:
            raise RuntimeError("supportgraph executes tools itself; bind this schema, do not invoke it")

        return StructuredTool.from_function(
            func=_unbound, name=self.name, description=self.description, args_schema=self.args_schema
        )
