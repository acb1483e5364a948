"""The support policy's values: one typed record that tools enforce, the graph checks and prompts/ writes out.

Every value has a default (the demo company's policy) and is overridable per deployment under the same name:
as an environment variable (``SUPPORTGRAPH_REFUND_APPROVAL_LIMIT=150``, through ``Settings``) and as a field of
the graph's run context (``context={"refund_approval_limit": 150}``). The written policy, prompts/policy.md, is
rendered from these values (prompts/policy.md.j2), so the text people and the LLM planner read never contradicts
what the tools enforce.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise
from typing import Literal, Self, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

Priority = Literal["urgent", "high", "normal", "low"]
PRIORITIES: tuple[Priority, ...] = get_args(Priority)  # most urgent first


class Policy(BaseModel):
    """The numbers of the written support policy.

    The approval limits add up: refunds and account credit given back over the last ``limit_window_days``
    count, whichever turn, thread or channel gave them (refunds of cancelled orders excepted). Above
    ``refund_approval_limit`` for one order, or ``customer_refund_limit`` for one customer, a human approves.
    A ticket, and a thread waiting for a reviewer, is due ``sla_hours_<priority>`` hours after it was opened.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    refund_approval_limit: float = Field(
        default=100.00, gt=0,
        description="Refunds above this amount (USD, per order over the limit window) need a human reviewer's "
                    "approval.")
    customer_refund_limit: float = Field(
        default=250.00, gt=0,
        description="Refunds and account credit above this amount (USD, per customer over the limit window) need "
                    "a human reviewer's approval.")
    limit_window_days: int = Field(
        default=30, ge=1, description="Days over which refunds and credit add up toward the approval limits.")
    refund_window_days: int = Field(
        default=30, ge=0,
        description="Days after delivery within which an order may be refunded, returned or exchanged.")
    max_verification_attempts: int = Field(
        default=3, ge=1,
        description="Failed identity checks (within the verification window) before a human must verify the "
                    "customer.")
    verification_window_hours: int = Field(
        default=24, ge=1, description="Hours over which failed identity checks are counted.")
    sla_hours_urgent: int = Field(
        default=1, gt=0, description="Hours from opening an urgent ticket (or review) to its response deadline.")
    sla_hours_high: int = Field(
        default=4, gt=0, description="Hours from opening a high-priority ticket (or review) to its response deadline.")
    sla_hours_normal: int = Field(
        default=24, gt=0,
        description="Hours from opening a normal-priority ticket (or review) to its response deadline.")
    sla_hours_low: int = Field(
        default=72, gt=0, description="Hours from opening a low-priority ticket (or review) to its response deadline.")

    @model_validator(mode="after")
    def _more_urgent_is_sooner(self) -> Self:
        hours = self.sla_hours()
        for sooner, later in pairwise(PRIORITIES):
            if hours[sooner] > hours[later]:
                raise ValueError(f"sla_hours_{sooner} ({hours[sooner]}) must not exceed sla_hours_{later} "
                                 f"({hours[later]}): a more urgent priority is never due later")
        return self

    def sla_hours(self) -> dict[Priority, int]:
        """Hours to the response deadline by priority, most urgent first."""
        return {priority: getattr(self, f"sla_hours_{priority}") for priority in PRIORITIES}

    def sla_due(self, opened_at: datetime, priority: str) -> datetime:
        """The response deadline of a ticket or review of ``priority`` opened at ``opened_at``."""
        if priority not in PRIORITIES:
            raise ValueError(f"unknown priority {priority!r}; known: {', '.join(PRIORITIES)}")
        return opened_at + timedelta(hours=getattr(self, f"sla_hours_{priority}"))
