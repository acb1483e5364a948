"""What the model must answer, as pydantic models bound to it as tools (structured output by tool calling)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class IntentChoice(BaseModel):
    intent: str = Field(description="One intent name from the list in the instructions.")
    confidence: float = Field(ge=0.0, le=1.0, description="How sure you are that the customer asks for this.")


class ExtractedEntities(BaseModel):
    """Identifiers and facts quoted in the conversation; never invent one."""

    model_config = ConfigDict(extra="forbid")

    order_ids: list[int] = Field(default_factory=list, description="Order numbers the customer wrote.")
    invoice_ids: list[str] = Field(default_factory=list, description="Invoice ids, e.g. INV-000123.")
    emails: list[str] = Field(default_factory=list)
    products: list[str] = Field(default_factory=list, description="Product names from the catalogue.")
    zip_code: str | None = None
    card_last4: str | None = None


class CustomerUnderstanding(BaseModel):
    """Record what the customer wants. Call this exactly once."""

    intents: list[IntentChoice] = Field(min_length=1, max_length=4, description="Most likely first.")
    entities: ExtractedEntities = Field(default_factory=ExtractedEntities)
    sentiment: Literal["negative", "neutral", "positive"]
    missing: list[str] = Field(default_factory=list, description="Information still needed to help.")
    rationale: str = Field(max_length=600, description="Why, in one or two sentences (for the audit trail).")


class PlannedStep(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,30}$", description="Short unique step id, e.g. order.")
    intent: str = Field(description="Which of the understood intents this step serves.")
    tool: str = Field(description="Name of one of the tools offered to you.")
    args: dict[str, Any] = Field(
        default_factory=dict,
        description="Arguments of the tool; a value may be $steps.ID.FIELD, a field of an earlier step's result.")
    depends_on: list[str] = Field(default_factory=list, description="Ids of steps that must succeed first.")
    why: str = Field(max_length=300, description="Why this step, in a few words.")


class SupportPlan(BaseModel):
    """Submit the plan: the steps to run. Call this exactly once."""

    steps: list[PlannedStep] = Field(max_length=12)
    rationale: str = Field(max_length=600, description="Why this plan (for the audit trail).")
