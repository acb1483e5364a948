"""What a support flow is made of (flows.yaml's schema): slots, the lookups that resolve them, conditions, steps
and the flows themselves, validated by pydantic; and ``resolve``, which fills ``$a.b.c`` references. Loading the
flows and asking them questions is graphs/support/flows.py."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from graphs.reasoners.local.normalise import read_form
from graphs.support.state import Queue


class Lookup(BaseModel):
    """How a step's result resolves a slot the customer described instead of naming ("the 59.99 charge from
    feb 1", "the cracked hub"): the candidates are a list in that step's result, kept when they match what the
    customer described (graphs/support/lookups.py)."""

    model_config = ConfigDict(extra="forbid")

    step: str = Field(description="the flow step whose result holds the candidates")
    items: str = Field(description="the list of candidates in that result")
    match: dict[str, str] = Field(description="described entity (amounts, dates, products) → the candidate's field")
    value: str | None = Field(None, description="the candidate's field that becomes the slot; none: the candidates")
    keep: list[str] = Field(default_factory=list, description="with pick all: the fields kept of each candidate")
    show: list[str] = Field(default_factory=list, description="fields that tell two candidates apart when asking")
    total: str | None = Field(None, description="the slot is an amount: this field summed over the matches")
    partial: bool = Field(False, description="with total: no value when every candidate matches (all of it)")
    differs: dict[str, str] = Field(default_factory=dict, description="candidate field → slot: a candidate whose "
                                    "field already holds the slot's value is none (a change to it changes nothing)")
    lowers: str | None = Field(None, description="with differs: a slot that, given, says the customer wants less "
                               "(\"too many\"): a candidate whose field is no more than the slot's value already is "
                               "none either (two of an item they have one of is no reduction)")
    some: str | None = Field(None, description="with pick all or total: a slot that, given, says the customer means "
                             "only some of the candidates (\"part of my order\"); when nothing they described tells "
                             "which, they are asked rather than all being taken")
    every: str | None = Field(None, description="with pick all or total: a slot that, given, says the customer means "
                              "every candidate (\"everything from order 36928\"), whatever else they name")
    units: str | None = Field(None, description="with pick all or total: the candidate's field saying how many units "
                              "it holds; each counts the units the customer's words ask for (\"one of the three "
                              "cables\", graphs/support/units.py), else every unit not yet returned")
    paid_back: str | None = Field(None, description="with total and units: \"step.field\" of the money still "
                                  "refundable on the order; a line counts no more units than that money pays back "
                                  "at its price (units refunded before without a return)")
    but: str | None = Field(None, description="with pick all or total: a slot that, given, says the customer names "
                            "what is left out (\"everything but the case\"): every other candidate is taken; when "
                            "they name none or all of them, they are asked")
    asks: bool = Field(True, description="False: when what the customer described singles out no one record, the "
                       "slot stays empty and the steps run without it, instead of the customer being asked which")
    instead_of: str | None = Field(None, description="the slot whose record this one replaces (an exchange's item): "
                                   "only what the customer describes fills it, never the one candidate left, and "
                                   "the words that name the record replaced do not describe it")


class Condition(BaseModel):
    """The value at ``ref`` (a result a step fetched, or a slot) is one of ``in`` (when given) and none of ``not_in``
    (``not_in: [null, []]``: the slot has a value)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    ref: str
    allowed: list[Any] | None = Field(None, alias="in")
    excluded: list[Any] = Field(default_factory=list, alias="not_in")

    @model_validator(mode="after")
    def _some_values(self) -> Condition:
        if self.allowed is None and not self.excluded:
            raise ValueError("a condition needs `in` or `not_in`")
        return self

    def applies(self, scope: dict[str, Any]) -> bool:
        value = resolve(self.ref, scope)
        return (self.allowed is None or value in self.allowed) and value not in self.excluded


class SlotSpec(BaseModel):
    """A piece of information a flow needs: an extracted entity, or a value read off the message's words, or
    found in a step's result from what the customer described (``resolve``)."""

    entity: str | None = None
    pick: Literal["first", "last", "all"] = Field("first", description="which of several extracted values")
    text: dict[str, str] = Field(default_factory=dict, description="value → regex; first match wins")
    acts: dict[str, Any] = Field(default_factory=dict, description="dialogue act of the reply → value "
                                 "(graphs/support/dialogue.py): a closing thanks is 'thanks' whatever its words")
    default: Any = None
    resolve: Lookup | None = None
    other_than: str | None = Field(None, description="with text values: the customer's field holding the current "
                                   "value; the one other value named by its bare word is the slot's")
    decides: bool = Field(False, description="with text values: a value read from a message that tells the agent "
                          "to act (not a question about it, not a hedge) is the customer's go-ahead for the "
                          "steps of its request that would ask for a yes")
    ask_when: Condition | None = Field(None, description="asked for only once the records fetched show it can be "
                                       "used (a new address only for an order that has not shipped)")
    flips: str | None = Field(None, description="with text values true/false: STEP.FIELD, where a step of the "
                              "flow finds the current value; a request whose words name neither value asks to "
                              "change it (\"you send me far too many emails\" to a subscriber is off)")

    redirected: bool = Field(False, description="set only by another flow's redirect (its ``instead`` slots), "
                             "never read off the words: what the records showed the request to be")

    @model_validator(mode="after")
    def _one_source(self) -> SlotSpec:
        if not self.entity and not self.text and not self.acts and not self.resolve and not self.redirected:
            raise ValueError("a slot needs an entity, text patterns, dialogue acts, a lookup or a redirect")
        return self

    def take(self, values: Any) -> Any:
        """The slot's value out of an extracted entity (a list for most entities)."""
        if not isinstance(values, list):
            return values
        return values if self.pick == "all" else values[-1] if self.pick == "last" else values[0]

    def read_text(self, message: str, customer: Mapping[str, Any] | None = None) -> Any:
        """The value whose pattern the message matches, as written or as its words are read ("unsubscrieb", "dont":
        normalise.py); with ``other_than``, else the one value the message names by its bare word that is not the
        customer's current one ("Pro isn't worth it, Plus would do" for a Pro member)."""
        texts = list(dict.fromkeys((message, read_form(message))))
        current = _current(customer, self.other_than) if self.other_than else ""
        for text in texts:
            found = {value: m.start() for value, pattern in self.text.items()
                     if (m := re.search(pattern, text, re.IGNORECASE))}
            matched = sorted(found, key=found.__getitem__) if self.other_than else list(found)
            # A change is to a value the customer is not on: "they upgraded us to pro, put it back to basic" from
            # a Pro member is basic; the current value alone is still read ("move me to plus" from a Plus member:
            # the flow says they are on it already). Not knowing it, the one named first ("switch me to the free
            # one, I'll come back to pro in summer").
            moved = [value for value in matched if value.casefold() != current] if len(matched) > 1 else matched
            if moved:
                return yaml.safe_load(moved[0])
        if self.other_than:
            named = {value for value in self.text for text in texts
                     if re.search(rf"\b{re.escape(value)}\b", text, re.IGNORECASE)}
            others = [value for value in named if value.casefold() != current]
            if len(others) == 1:
                return yaml.safe_load(others[0])
        return self.default

    def named_in(self, message: str, customer: Mapping[str, Any] | None = None) -> Any:
        """The value the message's words give (``read_text``), None when they give none (not the default)."""
        value = self.read_text(message, customer)
        return None if value == self.default else value

    @property
    def required(self) -> bool:
        return self.entity is not None and self.default is None and not self.optional

    optional: bool = False


def _current(customer: Mapping[str, Any] | None, field: str) -> str:
    """The customer's current value of ``field``, as the slot's values name it: a record read from the CRM ({"id":
    "pro", "name": "Pro", ...}) by its id."""
    value = (customer or {}).get(field)
    if isinstance(value, Mapping):
        value = value.get("id") or value.get("name")
    return str(value or "").casefold()


class Precondition(BaseModel):
    """A step runs only if the value at ``ref`` is one of ``allowed`` (when given) and none of ``excluded`` (values
    or references to what the flow fetched: a plan switch to the plan the records show the customer is on is no
    change); otherwise ``message`` says why not."""

    model_config = ConfigDict(populate_by_name=True)

    ref: str
    allowed: list[Any] | None = Field(None, alias="in")
    excluded: list[Any] = Field(default_factory=list, alias="not_in")
    message: str

    @model_validator(mode="after")
    def _some_condition(self) -> Precondition:
        if self.allowed is None and not self.excluded:
            raise ValueError("a precondition needs `in` or `not_in`")
        return self

    def unmet(self, scope: dict[str, Any]) -> str | None:
        value = resolve(self.ref, scope)
        if (self.allowed is None or value in self.allowed) and value not in resolve(self.excluded, scope):
            return None
        # The message may name the slots and any field of the record the value is read from ("order {order_id}"
        # of $steps.order.status: the order's id also when a lookup, not a slot of the flow, found it).
        record = resolve(self.ref.rsplit(".", 1)[0], scope)
        fields = {**(record if isinstance(record, dict) else {}), **scope.get("slots", {})}
        known = _Fields({k: v for k, v in fields.items() if v is not None} | {"value": value})
        return self.message.format_map(known)


class _Fields(dict[str, Any]):
    """Fields a message names; one that is not known reads as "it" rather than failing the run."""

    def __missing__(self, key: str) -> str:
        return "it"


class Instead(Condition):
    """The records decide between close intents: when the value at ``ref`` (a result the flow already fetched, or
    a slot) is one of ``in``, the request is the other intent's ("refund it again" on an order already refunded
    in full is a question about that refund; "cancel" of a delivered order is a return). The step and the rest
    of its request are not run; the other flow's steps are planned with the request's slots (and ``slots``),
    and any write among them waits for the customer's yes unless ``asked`` (graphs/support/redirects.py)."""

    intent: str
    slots: dict[str, Any] = Field(default_factory=dict, description="slot values the other flow plans with")
    # The customer's words asked for what the other intent's writes do, in other terms: money back for a charge the
    # records show was taken twice, asked as a refund or a dispute of it. Those writes then wait as the other
    # flow's own steps do for those words (``waits_for_yes``), not for a yes of their own.
    asked: bool = False
    why: str
    when: Condition | list[Condition] | None = Field(None, description="further conditions that must hold too: "
                                                     "what the customer said to do if the records say so (slots)")
    beside: str | None = Field(None, description="a slot: when the request has it (a return asked for, on an "
                               "order also charged twice), the request stays and the other intent's steps are "
                               "planned beside it; both are done")

    def keeps_request(self, scope: dict[str, Any]) -> bool:
        """Does the request stay, the other intent's steps planned beside it (``beside``)?"""
        return bool(self.beside and (scope.get("slots") or {}).get(self.beside))

    def applies(self, scope: dict[str, Any]) -> bool:
        more = self.when if isinstance(self.when, list) else [self.when] if self.when else []
        return super().applies(scope) and all(condition.applies(scope) for condition in more)


class StepSpec(BaseModel):
    id: str
    tool: str
    args: dict[str, Any] = Field(default_factory=dict)
    depends_on: list[str] = Field(default_factory=list)
    # True: the customer's yes is asked for first. "asked": only when the request asks whether it can be done
    # ("could I move to pro?", "is it possible to ...?"); a request that says what to do ("move me to plus", "can
    # you drop us to the no-cost tier?") is its own yes.
    confirm: bool | Literal["asked"] = False
    precondition: Precondition | None = None
    policy: list[str] = Field(default_factory=list)
    when: str | None = Field(default=None, description="plan this step only if this slot has a value")
    unless: str | list[str] | None = Field(default=None, description="plan this step only if this slot (each of "
                                           "these slots) has no value")
    instead: list[Instead] = Field(default_factory=list, description="the first that applies decides")
    reported_by: str | None = Field(default=None, description="a text slot whose reading in the request's words "
                                    "reports what this write puts right (a charge taken twice)")
    why: str = ""

    def allowed_by(self, slots: Mapping[str, Any]) -> bool:
        """Do the slots allow this step (its ``when`` slot has a value, no ``unless`` slot has one)?"""
        unless = [self.unless] if isinstance(self.unless, str) else self.unless or []
        return not (self.when and not slots.get(self.when)) and not any(slots.get(name) for name in unless)

    @field_validator("instead", mode="before")
    @classmethod
    def _one_or_more(cls, value: Any) -> Any:
        return [value] if isinstance(value, dict) else value


class FlowSpec(BaseModel):
    intent: str
    queue: Queue = "general"
    threshold: float = Field(0.7, ge=0.0, le=1.0)
    needs_verification: bool = False
    verify_when: str | None = Field(None, description="a slot that, given, makes the flow verify the customer first "
                                    "(a charge reported taken twice: their charges are looked at)")
    slots: dict[str, SlotSpec] = Field(default_factory=dict)
    steps: list[StepSpec] = Field(default_factory=list)
    review_reason: str | None = None
    # The order's total is at stake even though no step of the flow moves money itself (an order change made by
    # people): see money_at_stake.
    money_at_stake: bool = False
    # The reply asks the customer something when a slot holds one of these values (a greeting is answered with
    # "how can I help?"), so the conversation stays open instead of counting as resolved.
    open_when: dict[str, list[str]] = Field(default_factory=dict)
    # ``open_when`` holds only when this is the message's one request: beside another request it is an aside, answered
    # in a sentence, and the other request's reply says whether anything is left to ask (out of scope: "and are you
    # hiring?" beside a tracked order asks nothing back).
    open_alone: bool = False
    # Requests this flow fulfils itself (a cancellation refunds the order): read in the same message as this one,
    # they are not planned again.
    covers: list[str] = Field(default_factory=list)
    covers_when: list[str] = Field(default_factory=list, description="text slots of which one must be named in "
                                   "the message for ``covers`` to apply (a change of quantity or a swap refunds the "
                                   "difference itself; a delivery-slot change does not refund a fee)")
    named_by: list[str] = Field(default_factory=list, description="text slots whose value, read in a sentence that "
                                "asks something, names this flow's request: when the router is unsure of a new "
                                "message, its reading of this flow is chosen (graphs/support/named_flows.py)")
    # The flow only brings what the customer said to a person (a complaint to customer care): a conversation handed
    # over brings it there itself, so the flow's steps still waiting for the customer's yes are dropped then.
    carried_by_handoff: bool = False
    # Asked about a record the conversation holds ("when's it getting here?"), the question is this intent's.
    of_record: str | None = None
    # Asked about the record this request has just acted on ("did that go through?", "which card is it going back
    # to?", "what's the total now?"), the question is this intent's, which reads what the action left on the record
    # (graphs/support/references.py).
    checked_by: str | None = None
    # Asked only to see what this flow would change ("what address does it show for that parcel?"), the request is this
    # intent's, which shows the record (graphs/support/viewing.py).
    shown_by: str | None = None
    # The request this question's rule governs: asked as an exception to the rule, the question is that request
    # (graphs/support/excepted.py).
    rule_of: str | None = None
    reply: str

    def leaves_open(self, slots: Mapping[str, Any], intents: Sequence[str]) -> bool:
        """Does this request's reply ask the customer something (``open_when``), among the flow's ``intents``?"""
        if self.open_alone and len(intents) > 1:
            return False
        return any(slots.get(slot) in values for slot, values in self.open_when.items())

    def verifies(self, slots: Mapping[str, Any]) -> bool:
        """Does this request, with these slots, verify the customer before any step runs?"""
        return self.needs_verification or bool(self.verify_when and slots.get(self.verify_when))

    @model_validator(mode="after")
    def _dependencies_exist(self) -> FlowSpec:
        ids = [s.id for s in self.steps]
        for step in self.steps:
            unknown = set(step.depends_on) - set(ids[: ids.index(step.id)])
            if unknown:
                raise ValueError(f"{self.intent}.{step.id} depends on unknown or later steps {sorted(unknown)}")
        for step in self.steps:
            if any(i.intent == self.intent for i in step.instead):
                raise ValueError(f"{self.intent}.{step.id} turns the request into its own intent")
        for name in self.named_by:
            if not (name in self.slots and self.slots[name].text):
                raise ValueError(f"{self.intent} is named by {name!r}, which is none of its text slots")
        for name, slot in self.slots.items():
            if slot.resolve and slot.resolve.step not in ids:
                raise ValueError(f"{self.intent}.{name} is resolved by an unknown step {slot.resolve.step!r}")
        return self


def resolve(value: Any, scope: dict[str, Any]) -> Any:
    """Replace ``$a.b.c`` references by what they point to in ``scope``.

    A reference whose root is not in ``scope`` stays as it is (resolved later, when that part exists); one
    whose root is there but whose path is not resolves to None. A number picks a list item
    (``$steps.order.items.0.product_id``).
    """
    if isinstance(value, str) and value.startswith("$"):
        if value[1:].split(".", 1)[0] not in scope:
            return value
        current: Any = scope
        for part in value[1:].split("."):
            if isinstance(current, dict):
                current = current.get(part)
            elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
                current = current[int(part)]
            else:
                return None
        return current
    if isinstance(value, dict):
        return {k: resolve(v, scope) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, scope) for v in value]
    return value
