"""Run settings of the support graph (LangGraph ``context_schema``), falling back to the environment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from foundation.policy import Policy
from foundation.settings import get_settings
from graphs.reasoners.llm.model import chat_model_for

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel



def _policy_field(name: str) -> Any:
    """A run setting for the policy value ``name``: the deployment's value (settings/env) unless the run sets it."""
    return field(default_factory=lambda: getattr(get_settings(), name),
                 metadata={"description": Policy.model_fields[name].description})


def _default_reasoner() -> Literal["local", "llm"]:
    return "llm" if get_settings().model else "local"


@dataclass(kw_only=True)
class Context:
    """What a run may vary. Every field has a default, so Studio and API servers can run the graph bare."""

    database_url: str = field(
        default_factory=lambda: get_settings().resolved_database_url(),
        metadata={"description": "Business store and audit log (SUPPORTGRAPH_DATABASE_URL, else SQLite)."},
    )
    reasoner: Literal["local", "llm"] = field(
        default_factory=_default_reasoner,
        metadata={"description": "Which reasoner understands and plans: 'local' (offline router and flow plans) "
                                 "or 'llm' (a chat model, checked by the router; default when a model is set)."},
    )
    model: str | None = field(
        default_factory=lambda: get_settings().model,
        metadata={"description": "Chat model of the LLM reasoner (SUPPORTGRAPH_MODEL), e.g. gpt-4o-mini."},
    )
    base_url: str | None = field(
        default_factory=lambda: get_settings().base_url,
        metadata={"description": "OpenAI-compatible endpoint (SUPPORTGRAPH_BASE_URL); unset = OpenAI."},
    )
    temperature: float = field(
        default_factory=lambda: get_settings().temperature,
        metadata={"description": "Sampling temperature of the chat model (SUPPORTGRAPH_TEMPERATURE)."},
    )
    timeout: float = field(
        default_factory=lambda: get_settings().timeout,
        metadata={"description": "Seconds to wait for one model reply (SUPPORTGRAPH_TIMEOUT)."},
    )
    max_retries: int = field(
        default_factory=lambda: get_settings().max_retries,
        metadata={"description": "HTTP-level retries of a failed model request (SUPPORTGRAPH_MAX_RETRIES)."},
    )
    max_replans: int = field(
        default=2, metadata={"description": "How often one turn may replan after a failed or unexpected step."}
    )
    chat_model: Any = field(
        default=None, repr=False,
        metadata={"description": "A ready chat model to use instead of building one from the fields above "
                                 "(hosts embedding supportgraph, scripted models in tests)."},
    )
    # The support policy (foundation/policy.py), one field per value and under the same name.
    refund_approval_limit: float = _policy_field("refund_approval_limit")
    customer_refund_limit: float = _policy_field("customer_refund_limit")
    limit_window_days: int = _policy_field("limit_window_days")
    refund_window_days: int = _policy_field("refund_window_days")
    max_verification_attempts: int = _policy_field("max_verification_attempts")
    verification_window_hours: int = _policy_field("verification_window_hours")
    sla_hours_urgent: int = _policy_field("sla_hours_urgent")
    sla_hours_high: int = _policy_field("sla_hours_high")
    sla_hours_normal: int = _policy_field("sla_hours_normal")
    sla_hours_low: int = _policy_field("sla_hours_low")
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

    def llm_enabled(self) -> bool:
        """Whether this run reasons with a chat model (one is given, or a model name is configured)."""
        return self.reasoner == "llm" and (self.chat_model is not None or bool(self.model))

    def build_chat_model(self) -> BaseChatModel:
        """The run's chat model: the one given, else a ChatOpenAI built from the run settings."""
        return chat_model_for(self)

    def policy(self) -> Policy:
        """The run's policy: the deployment's values with what this run's context overrides (validated once per
        set of values: a turn asks for it at every tool call)."""
        return _policy(tuple(getattr(self, name) for name in Policy.model_fields))


@lru_cache(maxsize=64)
def _policy(values: tuple[Any, ...]) -> Policy:
    """The policy of these values, in ``Policy.model_fields`` order (a frozen model: one copy serves every run that
    has them)."""
    return Policy(**dict(zip(Policy.model_fields, values, strict=True)))
