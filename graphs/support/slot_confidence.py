"""How sure the slot filling of a write is: where the ids and amounts the write would use come from.

The pre-write check (nodes/act.py) takes the lower of the router's confidence in the request and this one, so a
write runs on values the system can account for, never on a number a model chose. Each id or amount argument of
the write gets the level of its best source:

- ``typed``: the customer wrote it as what it is ("order 10234", "#10234", "INV 20001", "$90", an email), read by
  the entity extractor, or it is the verified customer's own record;
- ``read``: a tool returned it in this conversation (an order's total, the charge a lookup found), or it is the
  price of some of a record's units (an order line's unit price × a count up to its quantity: "those two");
- ``said``: the customer wrote the bare number ("90", "10234" as an answer), typed only by the context;
- ``guessed``: nowhere in what the customer said or a tool returned (a model's computed or invented value).

The write's slot confidence is the lowest level among its arguments (1.0 for a write without such arguments).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graphs.reasoners.local.entities import extract_entities

LEVELS = {"typed": 1.0, "read": 0.85, "said": 0.75, "guessed": 0.3}
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d{1,2})?(?![\w])")
_WORD = re.compile(r"[a-z0-9][a-z0-9_]*(?:-[a-z0-9_]+)*")


@dataclass(frozen=True)
class SlotConfidence:
    confidence: float
    weakest: str | None = None  # "amount 60.0 (guessed)": the argument that set it, for the reviewer
    level: str = "typed"


def is_slot_argument(name: str) -> bool:
    """The arguments a write identifies its objects and money by: ids and amounts."""
    return name.endswith(("_id", "_ids")) or name == "amount" or name.endswith("_amount")


def slot_confidence(
    args: Mapping[str, Any],
    *,
    said: Sequence[str],
    results: Iterable[Any],
    customer: Mapping[str, Any] | None,
    now: datetime,
) -> SlotConfidence:
    """The write's slot confidence from its arguments, the customer's messages and the tools' results."""
    slots = {k: v for k, v in args.items() if is_slot_argument(k) and v is not None and v != []}
    if not slots:
        return SlotConfidence(1.0)
    sources = {
        "typed": _typed(said, customer, now),
        "read": set().union(*(_scalars(r) for r in results)),
        "said": set().union(
            *(_forms(w) for text in said for w in _WORD.findall(text.lower())),
            *(_forms(n) for text in said for n in _NUMBER.findall(text)),
        ),
    }
    worst = SlotConfidence(1.0)
    for name, value in slots.items():
        for item in value if isinstance(value, list) else [value]:
            forms = _forms(item)
            level = next((lvl for lvl, found in sources.items() if forms & found), "guessed")
            if LEVELS[level] < worst.confidence:
                worst = SlotConfidence(LEVELS[level], f"{name} {item} ({level})", level)
    return worst


def _typed(said: Sequence[str], customer: Mapping[str, Any] | None, now: datetime) -> set[str]:
    found: set[str] = set()
    for text in said:
        entities = extract_entities(text, now=now)
        for key, values in entities.items():
            if key in {"dates", "products", "accounts", "addresses"}:
                continue  # not ids or amounts a write could take
            for value in values if isinstance(values, list) else [values]:
                value = value.get("value") if isinstance(value, dict) else value
                if value is not None:
                    found |= _forms(value)
    if customer and customer.get("verified"):
        found |= _forms(customer.get("customer_id"))
    return found


def _scalars(data: Any, key: str = "") -> set[str]:
    """Every scalar of a tool's result, in its comparable forms (cents also as dollars)."""
    if isinstance(data, Mapping):
        return set().union(*(_scalars(v, str(k)) for k, v in data.items()), _units_priced(data))
    if isinstance(data, list | tuple):
        return set().union(*(_scalars(v, key) for v in data))
    if isinstance(data, str) and data[:1] in "[{":
        try:
            return _scalars(json.loads(data), key)
        except ValueError:
            pass
    forms = _forms(data)
    if key.endswith("cents") and isinstance(data, int) and not isinstance(data, bool):
        forms |= _forms(data / 100)
    return forms


def _units_priced(record: Mapping[str, Any]) -> set[str]:
    """The prices of some of a record's units: its unit price times each count from 1 to its quantity."""
    price, quantity = record.get("unit_price"), record.get("quantity")
    if not isinstance(price, int | float) or not isinstance(quantity, int) or isinstance(quantity, bool):
        return set()
    return set().union(*(_forms(price * n) for n in range(1, min(quantity, 100) + 1)))


def _forms(value: Any) -> set[str]:
    """How a value may be compared: lower-case text; a number as its integer and its two-decimal form."""
    if value is None or isinstance(value, bool):
        return set()
    if isinstance(value, int | float):
        number = round(float(value), 2)
        return {f"{number:.2f}"} | ({str(int(number))} if number.is_integer() else set())
    text = str(value).strip().lower()
    if not text:
        return set()
    try:
        return {text} | _forms(float(text.replace(",", ".")))
    except ValueError:
        return {text}
