"""What nodes need at run time, reached through the run's context (never module globals set by a host)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from langchain_core.messages import AnyMessage, HumanMessage
from langgraph.runtime import Runtime

from foundation.audit import AuditLog, open_audit_log
from graphs.support.context import Context
from graphs.support.state import Customer
from tools.base import ToolContext
from tools.kb.backend import kb_backend
from tools.store import BusinessStore, open_store


@dataclass(frozen=True)
class Deps:
    """The business store, the audit log, the clock and the thread, for one node call."""

    context: Context
    store: BusinessStore
    audit: AuditLog
    thread_id: str
    now: datetime

    def tool_context(self, turn: int, customer: Customer | None, step_id: str, *,
                     approved_by: str | None = None,
                     approved_effect: dict[str, Any] | None = None) -> ToolContext:
        """Who acts for this step: the verified customer, the approver, and a per-turn idempotency key."""
        return ToolContext(
            thread_id=self.thread_id,
            step_id=f"{turn}:{step_id}",
            now=self.now,
            customer_id=customer["customer_id"] if customer and customer["verified"] else None,
            approved_by=approved_by,
            approved_effect=approved_effect,
            policy=self.context.policy(),
        )


_catalogues: dict[str, tuple[str, ...]] = {}


def catalogue(store: BusinessStore) -> tuple[str, ...]:
    """Product names of the company's catalogue (through the KB interface), for entity extraction; read once
    per process and store."""
    names = _catalogues.get(store.db.url)
    if names is None:
        names = tuple(sorted(p.name for p in kb_backend(store).catalogue()))
        _catalogues[store.db.url] = names
    return names


def deps(runtime: Runtime[Context]) -> Deps:
    context = runtime.context if runtime.context is not None else Context()
    thread_id = (runtime.execution_info.thread_id if runtime.execution_info else None) or "no-thread"
    return Deps(
        context=context,
        store=open_store(context.database_url),
        audit=open_audit_log(context.database_url),
        thread_id=thread_id,
        now=context.now(),
    )


def last_customer_text(messages: list[AnyMessage] | tuple[AnyMessage, ...]) -> str:
    """The text of the newest customer message ('' when there is none)."""
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            content = message.content
            if isinstance(content, str):
                return content
            return " ".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return ""
