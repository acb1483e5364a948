"""The request bodies the guard reads, typed: runs, thread creation, history and checkpoint reads.

Each model declares what the Agent Protocol lets a client send (as Aegra 0.6 and langgraph-sdk, Python and
JavaScript, send it) and nothing more is trusted: the guard decides on these fields, and a run body it lets
through is this model dumped back (``exclude_unset``), so what Aegra reads is what was checked.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from graphs.support.messages import InvalidMessage, check_message


class PayloadError(ValueError):
    """A body that does not fit its model: the HTTP status and the reason."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Body(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class CheckpointRef(BaseModel):
    """A checkpoint as clients name one (``ThreadState.checkpoint``; useStream drops ``thread_id``)."""

    model_config = ConfigDict(extra="forbid")

    checkpoint_id: str | None = None
    checkpoint_ns: str | None = ""
    thread_id: str | None = None
    checkpoint_map: dict[str, Any] | None = None

    def is_head_of(self, thread_id: str, head: str | None) -> bool:
        """Whether this names ``head``, the thread's latest checkpoint, in the thread's root namespace."""
        return (head is not None and self.checkpoint_id == head and not self.checkpoint_ns
                and self.thread_id in (None, thread_id) and not self.checkpoint_map)


class TextPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str = "text"
    text: str = ""


class MessageIn(BaseModel):
    """One input message, in any of the dict forms langgraph accepts (``role`` or ``type``)."""

    model_config = ConfigDict(extra="allow")

    role: str | None = None
    type: str | None = None
    content: str | list[TextPart | str] = ""
    id: str | None = None

    @property
    def is_customers(self) -> bool:
        return (self.role or self.type) in ("user", "human")

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        return " ".join(part if isinstance(part, str) else part.text for part in self.content)

    def check(self) -> None:
        """The customer's text as the CLI checks it (graphs/support/messages.py): empty 422, too long 413."""
        try:
            check_message(self.text())
        except InvalidMessage as exc:
            raise PayloadError(413 if "too long" in str(exc) else 422, str(exc)) from None


class RunInput(_Body):
    """``input`` of a run: the conversation's new messages (and, set by the guard, the signed-in customer)."""

    messages: list[MessageIn | str] | None = None
    customer_id: str | None = None

    def customer_messages(self) -> list[MessageIn]:
        return [MessageIn(role="user", content=m) if isinstance(m, str) else m for m in self.messages or []]


class CommandIn(_Body):
    resume: Any = None
    goto: Any = None
    update: Any = None


# Run fields a client may send that change nothing about what runs or what it can see.
TRANSPORT_FIELDS = frozenset({
    "stream_mode", "stream_subgraphs", "stream_resumable", "on_disconnect", "on_completion", "multitask_strategy",
    "metadata", "feedback_keys", "if_not_exists", "after_seconds", "durability", "checkpoint_during", "stream",
})
# Run fields that steer the graph itself: an admin's.
STEERING_FIELDS = ("context", "config", "interrupt_before", "interrupt_after", "webhook")


class RunRequest(_Body):
    """``POST /threads/{id}/runs[/stream|/wait]``."""

    assistant_id: str
    input: RunInput | None = None
    command: CommandIn | None = None
    checkpoint: CheckpointRef | None = None
    checkpoint_id: str | None = None
    stream_mode: str | list[str] | None = None

    def stream_modes(self) -> list[str]:
        if self.stream_mode is None:
            return ["values"]
        return [self.stream_mode] if isinstance(self.stream_mode, str) else list(self.stream_mode)

    def unexpected_fields(self) -> list[str]:
        return sorted(set(self.model_extra or {}) - TRANSPORT_FIELDS - set(STEERING_FIELDS))

    def body(self) -> bytes:
        return self.model_dump_json(exclude_unset=True, by_alias=True).encode()


class ThreadCreateRequest(_Body):
    """``POST /threads`` (langgraph-sdk sends ``thread_id``/``if_exists``; Aegra also reads the camelCase aliases)."""

    thread_id: str | None = Field(None, alias="threadId")
    if_exists: Literal["raise", "do_nothing"] | None = Field(None, alias="ifExists")
    metadata: dict[str, Any] | None = None


class HistoryRequest(_Body):
    """``POST /threads/{id}/history``: ``checkpoint`` may narrow it within the thread, never name another."""

    checkpoint: CheckpointRef | None = None
    before: str | dict[str, Any] | None = None

    @field_validator("before")
    @classmethod
    def _no_other_thread(cls, value: str | dict[str, Any] | None) -> str | dict[str, Any] | None:
        if isinstance(value, dict) and "thread_id" in (value.get("configurable") or value):
            raise ValueError("'before' names a checkpoint of this thread, without a thread_id")
        return value


class CheckpointRequest(_Body):
    """``POST /threads/{id}/state/checkpoint``."""

    checkpoint: CheckpointRef


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], value: Any) -> M:
    """``value`` as ``model``, or a PayloadError (422) naming the first field at fault."""
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise PayloadError(422, f"invalid request at {where}: {first['msg']}") from None
