"""The scenario file format, defined once: the pydantic models below. evals/scenarios/schema.json is generated
from them, files are validated against that schema (evals/scenario_files.py loads them), and a loaded scenario
is a :class:`Scenario`.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, JsonSchemaValue

SCENARIOS_DIR = Path(__file__).resolve().parent / "scenarios"
SCHEMA_PATH = SCENARIOS_DIR / "schema.json"
SCHEMA_ID = "https://github.com/supportgraph/supportgraph/evals/scenarios/schema.json"


class ScenarioError(ValueError):
    """A scenario file that cannot be used, with one line saying where and why."""


# The format, defined once: these models. evals/scenarios/schema.json is generated from them (``python -m
# evals.scenario_format``, ``make generate``; tests/evals/test_scenario_model.py keeps the committed file equal)
# and files are validated against it, so the messages name the place of a problem as JSON Schema does.
CustomerId = Annotated[str, Field(pattern=r"^C\d{4,8}$")]
OrderId = Annotated[int, Field(ge=10001, le=99999999)]
InvoiceId = Annotated[str, Field(pattern=r"^INV-\d{5}$")]
SubscriptionId = Annotated[str, Field(pattern=r"^SUB-\d{4,8}$")]
Money = Annotated[float, Field(gt=0, le=1000000)]
Days = Annotated[float, Field(ge=0, le=3650)]
Name = Annotated[str, Field(pattern=r"^[a-z_]+$")]
Queue = Literal["billing", "technical", "accounts", "general"]
Plan = Literal["basic", "plus", "pro"]
Outcome = Literal["resolved", "escalated", "awaiting_customer"]
OrderStatus = Literal["pending", "processing", "shipped", "delivered", "cancelled", "returned"]
InvoiceStatus = Literal["paid", "open", "disputed"]
Priority = Literal["low", "normal", "high", "urgent"]
# A field a file may leave out (never null): no default in the schema, and the loader keeps the file's values.
OMITTED: Any = None


def _unique(**field: Any) -> Any:
    return Field(json_schema_extra={"uniqueItems": True}, **field)


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Customer(_Part):
    id: CustomerId
    name: str = Field(min_length=1, max_length=120)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
    zip_code: str = Field(pattern=r"^\d{5}$")
    card_last4: str = Field(pattern=r"^\d{4}$")
    plan: Plan = OMITTED
    newsletter: bool = OMITTED
    created_days_ago: Days = OMITTED
    paypal: bool = Field(OMITTED, description="Also pays with PayPal (under the same email).")
    gift_card_balance: float = Field(OMITTED, ge=0)


class Item(_Part):
    product: str = Field(description="A product name of the catalogue (tools/store/demo_catalogue.py).")
    quantity: int = Field(OMITTED, ge=1, le=50)
    unit_price: Money = Field(OMITTED, description="The price paid, when not the catalogue price.")


class Order(_Part):
    id: OrderId
    customer: CustomerId
    status: OrderStatus
    placed_days_ago: Days = OMITTED
    shipped_days_ago: Days = OMITTED
    delivered_days_ago: Days = OMITTED
    cancelled_days_ago: Days = OMITTED
    arrives_in_days: Days = OMITTED
    carrier: Literal["UPS", "USPS", "FedEx", "DHL"] = OMITTED
    tracking: str = Field(OMITTED, min_length=4, max_length=40)
    paid_with: Literal["card", "paypal", "gift_card"] = OMITTED
    items: list[Item] = Field(min_length=1)


class Subscription(_Part):
    id: SubscriptionId
    customer: CustomerId
    plan: Plan
    status: Literal["active", "past_due", "cancelled"]
    started_days_ago: Days = OMITTED
    renews_in_days: Days = OMITTED


class Invoice(_Part):
    id: InvoiceId
    customer: CustomerId
    subscription: SubscriptionId = OMITTED
    amount: Money
    status: InvoiceStatus
    issued_days_ago: Days = OMITTED


class Charge(_Part):
    """A charge beyond the ones orders and paid invoices bring (e.g. a duplicate charge)."""

    customer: CustomerId
    order: OrderId = OMITTED
    invoice: InvoiceId = OMITTED
    amount: Money
    days_ago: Days = OMITTED


class Refund(_Part):
    """A refund already made before the conversation, on the order's charge."""

    order: OrderId
    amount: Money
    reason: str = Field(OMITTED, max_length=500)
    days_ago: Days = OMITTED


class Ticket(_Part):
    customer: CustomerId
    subject: str = Field(min_length=1, max_length=200)
    description: str = Field(OMITTED, max_length=4000)
    queue: Queue = OMITTED
    priority: Priority = OMITTED
    status: Literal["open", "pending", "resolved", "closed"] = OMITTED
    days_ago: Days = OMITTED


class Data(_Part):
    customers: list[Customer] = OMITTED
    orders: list[Order] = OMITTED
    subscriptions: list[Subscription] = OMITTED
    invoices: list[Invoice] = OMITTED
    charges: list[Charge] = OMITTED
    refunds: list[Refund] = OMITTED
    tickets: list[Ticket] = OMITTED


class Decision(_Part):
    """What a reviewer decides (SupportService.resume) about a proposed action of a review request."""

    type: Literal["approve", "edit", "reject", "respond"]
    action: Name = Field(OMITTED, description="The proposed action (tool name, or reply_to_customer) this decision "
                                              "is for; without it, it answers every action of the next review.")
    message: str = Field(OMITTED, min_length=1, max_length=8000)
    args: dict[str, Any] = Field(OMITTED, description="edit: arguments that replace the proposed action's (merged "
                                                      "over them).")
    reviewer: str = Field(OMITTED, min_length=1, max_length=100)


class OrderFact(_Part):
    id: OrderId
    status: OrderStatus


class RefundFact(_Part):
    """A refund made during the conversation on this order, or on the charge that paid this invoice (of this
    amount, when given)."""

    model_config = ConfigDict(json_schema_extra={"oneOf": [{"required": ["order"]}, {"required": ["invoice"]}]})
    order: OrderId = OMITTED
    invoice: InvoiceId = OMITTED
    amount: Money = OMITTED
    approved_by: str = OMITTED


class NoRefundFact(_Part):
    """No refund made during the conversation (on this order, when given)."""

    order: OrderId = OMITTED


class TicketFact(_Part):
    """A ticket opened during the conversation (in this queue, with this priority, when given)."""

    queue: Queue = OMITTED
    priority: Priority = OMITTED


class Nothing(_Part):
    pass


class InvoiceFact(_Part):
    id: InvoiceId
    status: InvoiceStatus


class DisputeFact(_Part):
    """A dispute opened during the conversation on this invoice (in this state, when given)."""

    invoice: InvoiceId
    status: Literal["open", "upheld", "rejected"] = OMITTED


class CustomerFact(_Part):
    id: CustomerId
    status: Literal["active", "deleted", "merged"] = OMITTED
    merged_into: CustomerId = OMITTED
    newsletter: bool = OMITTED
    plan: Plan = OMITTED
    deletion_requested: bool = OMITTED


class SubscriptionFact(_Part):
    id: str
    status: Literal["active", "past_due", "cancelled"] = OMITTED
    customer: CustomerId = OMITTED


class OrdersOf(_Part):
    """How many orders belong to the customer at the end (account merges move them)."""

    customer: CustomerId
    count: int = Field(ge=0)


class Assertion(_Part):
    """One fact about the business data at the end of the conversation."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1, "maxProperties": 1})
    order: OrderFact = OMITTED
    refund: RefundFact = OMITTED
    no_refund: NoRefundFact = OMITTED
    ticket: TicketFact = OMITTED
    no_ticket: Nothing = OMITTED
    invoice: InvoiceFact = OMITTED
    dispute: DisputeFact = OMITTED
    no_dispute: Nothing = OMITTED
    customer: CustomerFact = OMITTED
    subscription: SubscriptionFact = OMITTED
    orders_of: OrdersOf = OMITTED


class Expect(_Part):
    intents: list[Name] = _unique(default=OMITTED, description="Intents the agent must recognise over the "
                                                                "conversation.")
    escalated: bool = Field(description="Whether the thread must reach a human reviewer at some point.")
    queue: Queue = Field(OMITTED, description="The specialist queue of the (first) review.")
    outcome: Outcome | Annotated[list[Outcome], Field(min_length=2, json_schema_extra={"uniqueItems": True})] = (
        Field(description="Where the thread ends: resolved; escalated (still waiting for a human); awaiting_customer "
                          "(the agent waits for an answer). A list when a good agent may do either."))
    data: list[Assertion] = OMITTED
    forbidden_tools: list[Name] = _unique(default=OMITTED, description="Tools that must not be called at all.")
    required_tools: list[Name] = _unique(default=OMITTED, description="Tools that must have run successfully.")
    reply_contains: list[Annotated[str, Field(min_length=1)]] = Field(
        OMITTED, description="Phrases (case-insensitive) the replies of the last turn must contain.")
    reply_excludes: list[Annotated[str, Field(min_length=1)]] = Field(
        OMITTED, description="Phrases (case-insensitive) no reply of the conversation may contain.")


class ScenarioSpec(_Part):
    """One conversation to play and what must hold at its end, as a file spells it."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{2,79}$")
    title: str = Field(min_length=3, max_length=200)
    flow: Name = Field(description="The support flow (graphs/support/flows.yaml) the scenario exercises; results "
                                   "are grouped by it.")
    tags: list[Annotated[str, Field(pattern=r"^[a-z0-9-]+$")]] = _unique(default=OMITTED)
    why: str = Field(OMITTED, description="What a good support agent does here, and why.")
    clock: str = Field(OMITTED, json_schema_extra={"format": "date-time"},
                       description="The moment the conversation happens (default: the runner's fixed clock); fixture "
                                   "dates count back from it.")
    signed_in_as: CustomerId | None = Field(OMITTED, description="The customer of an authenticated channel; absent "
                                                                 "or null: an anonymous visitor.")
    data: Data = OMITTED
    messages: list[Annotated[str, Field(min_length=1, max_length=4000)]] = Field(min_length=1, max_length=12)
    reviewer: list[Decision] = Field(OMITTED, description="Decisions applied in order, each time the thread waits for "
                                                          "a human; when they run out, the thread stays with the "
                                                          "humans.")
    expect: Expect


class ScenarioFile(_Part):
    """A file holds a list of scenarios. Each scenario is self-contained: it runs on a store that holds only the
    company's catalogue, plans and knowledge base plus the business data listed here, at a fixed clock."""

    scenarios: list[ScenarioSpec] = Field(min_length=1)


class _FileSchema(GenerateJsonSchema):
    """JSON Schema as a file format (see ``_strip``), with the document's own header."""

    def generate(self, schema: Any, mode: JsonSchemaMode = "validation") -> JsonSchemaValue:
        document = super().generate(schema, mode)
        _strip(document)
        return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
                "title": "supportgraph scenario file", **document}


def _strip(node: Any) -> None:
    """Say only what constrains a file: no null defaults, no names, no type beside an enum (so a wrong value is
    reported as not one of the choices), no ``additionalProperties: true``."""
    if isinstance(node, dict):
        if node.get("default", ...) is None:
            del node["default"]
        if "enum" in node and node.get("type") == "string":
            del node["type"]
        if node.get("additionalProperties") is True:
            del node["additionalProperties"]
        if isinstance(node.get("title"), str):  # a model's or a field's name; a property called title is a dict
            del node["title"]
        for value in node.values():
            _strip(value)
    elif isinstance(node, list):
        for value in node:
            _strip(value)


def file_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file, generated from :class:`ScenarioFile`."""
    return ScenarioFile.model_json_schema(schema_generator=_FileSchema)


def schema_text() -> str:
    """What evals/scenarios/schema.json holds: the generated schema, as committed."""
    return json.dumps(file_schema(), indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class Scenario:
    """One conversation to play and what must hold at its end (``ScenarioSpec``'s fields as the file spells them,
    and the file it came from)."""

    id: str
    title: str
    flow: str
    messages: list[str]
    expect: dict[str, Any]
    source: str
    tags: list[str] = field(default_factory=list)
    why: str = ""
    clock: str | None = None
    signed_in_as: str | None = None
    data: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    reviewer: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The scenario as its file spells it (for LangSmith examples and reports)."""
        out: dict[str, Any] = {"id": self.id, "title": self.title, "flow": self.flow, "tags": self.tags,
                               "signed_in_as": self.signed_in_as, "data": self.data, "messages": self.messages,
                               "reviewer": self.reviewer, "expect": self.expect}
        if self.clock:
            out["clock"] = self.clock
        return out

    @classmethod
    def from_json(cls, raw: dict[str, Any], source: str) -> Scenario:
        return cls(id=raw["id"], title=raw["title"], flow=raw["flow"], messages=list(raw["messages"]),
                   expect=dict(raw["expect"]), source=source, tags=list(raw.get("tags", [])),
                   why=raw.get("why", ""), clock=raw.get("clock"), signed_in_as=raw.get("signed_in_as"),
                   data={k: list(v) for k, v in (raw.get("data") or {}).items()},
                   reviewer=list(raw.get("reviewer", [])))


if __name__ == "__main__":  # python -m evals.scenario_format [--check]: (check) evals/scenarios/schema.json
    current = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else ""
    if "--check" in sys.argv[1:]:
        sys.exit(0 if current == schema_text() else f"{SCHEMA_PATH} is out of date: python -m evals.scenario_format")
    if current != schema_text():
        SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
    print(f"{SCHEMA_PATH} {'written' if current != schema_text() else 'is up to date'}")
