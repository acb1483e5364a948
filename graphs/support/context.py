"""Run settings of the support graph (LangGraph ``context_schema``), falling back to the environment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from supportgraph.settings import get_settings
from tools.base import Policy

_policy = Policy()


@dataclass(kw_only=True)
class Context:
    """What a run may vary. Every field has a default, so Studio and API servers can run the graph bare."""

    database_url: str = field(
        default_factory=lambda: get_settings().resolved_database_url(),
        metadata={"description": "Business store and audit log (SUPPORTGRAPH_DATABASE_URL, else SQLite)."},
    )
    reasoner: Literal["local"] = field(
        default="local", metadata={"description": "Which reasoner understands and plans: the offline one."}
    )
    demo_seed: int = field(
        default_factory=lambda: get_settings().demo_seed,
        metadata={"description": "Seed of the demo company generated into an empty store."},
    )
    refund_approval_limit: float = field(
        default=_policy.refund_approval_limit,
        metadata={"description": "Refunds above this amount need a human reviewer's approval."},
    )
    max_verification_attempts: int = field(
        default=_policy.max_verification_attempts,
        metadata={"description": "Failed identity checks before a human must verify the customer."},
    )
    clock: str | None = field(
        default=None,
        metadata={"description": "ISO time to run at instead of the wall clock (repeatable evals and tests)."},
    )

    review_index_by_checkpointer: bool = field(
        default=False,
        metadata={"description": "The host's checkpointer writes the review-queue row in the interrupt's own "
                                 "transaction (supportgraph's savers do); otherwise the human_review node writes it."},
    )

    def now(self) -> datetime:
        """The run's current time: the injected clock if set, else the wall clock (UTC)."""
        if self.clock:
            parsed = datetime.fromisoformat(self.clock)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        return datetime.now(UTC)

    def policy(self) -> Policy:
        return Policy(
            refund_approval_limit=self.refund_approval_limit,
            refund_window_days=_policy.refund_window_days,
            max_verification_attempts=self.max_verification_attempts,
        )
