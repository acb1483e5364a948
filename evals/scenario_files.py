"""Loading scenario files: YAML or JSON under evals/scenarios/, validated against the schema generated from the
format (evals/scenario_format.py), then checked for what a schema cannot see (references between fixtures,
products, tools, flows).

A file holds ``scenarios: [...]``; YAML anchors may share fixtures between the scenarios of one file, but once
loaded every scenario carries all it needs. Loading refuses a file with one line that names the file, the
scenario and the place of the first problem (:class:`ScenarioError`).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from evals.scenario_format import SCENARIOS_DIR, SCHEMA_PATH, Scenario, ScenarioError, file_schema
from graphs.support.flows import load_flows
from graphs.support.review import REPLY_ACTION
from tools.registry import TOOLS
from tools.store.demo_catalogue import PRODUCTS

SUFFIXES = (".yaml", ".yml", ".json")
# Conversations written blind by independent writers (evals/scenarios/blind/README.md): played only when asked
# for by path, so the default run stays "our own scenarios" and the blind test half is never scored by accident.
BLIND_DIR = SCENARIOS_DIR / "blind"


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(file_schema())


def _where(error: ValidationError, document: Any) -> str:
    """'scenario refund-small (#3), expect.data[0]' for an error deep inside a file."""
    path = list(error.absolute_path)
    if len(path) >= 2 and path[0] == "scenarios" and isinstance(path[1], int):
        raw = document["scenarios"][path[1]]
        name = raw.get("id") if isinstance(raw, dict) else None
        head = f"scenario {name} (#{path[1] + 1})" if isinstance(name, str) else f"scenario #{path[1] + 1}"
        rest = path[2:]
    else:
        head, rest = "top level", path
    spelled = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in rest).lstrip(".")
    return f"{head}, {spelled}" if spelled else head


def parse_document(document: Any, source: str) -> list[Scenario]:
    """Validate an already-parsed file against the schema and the catalogue; the scenarios it holds."""
    error = best_match(_validator().iter_errors(document))
    if error is not None:
        message = error.message if len(error.message) <= 200 else error.message[:197] + "..."
        raise ScenarioError(f"{source}: {_where(error, document)}: {message}")
    scenarios = [Scenario.from_json(raw, source) for raw in document["scenarios"]]
    for scenario in scenarios:
        problem = consistency_problem(scenario)
        if problem:
            raise ScenarioError(f"{source}: scenario {scenario.id}: {problem}")
    return scenarios


def consistency_problem(scenario: Scenario) -> str | None:
    """What the schema cannot see: references between fixtures, products, duplicate ids."""
    flows = load_flows()
    if scenario.flow not in flows:
        return f"flow {scenario.flow!r} is not a flow of graphs/support/flows.yaml"
    unknown_intents = [i for i in scenario.expect.get("intents", []) if i not in flows]
    if unknown_intents:
        return f"expect.intents names {unknown_intents[0]!r}, which is not a flow of graphs/support/flows.yaml"
    tool_names = {t.name for t in TOOLS}
    for key in ("forbidden_tools", "required_tools"):
        unknown_tools = [t for t in scenario.expect.get(key, []) if t not in tool_names]
        if unknown_tools:
            return f"expect.{key} names {unknown_tools[0]!r}, which is not a tool of tools/registry.py"
    products = {name for name, _family, _price in PRODUCTS}
    data = scenario.data
    customers = [c["id"] for c in data.get("customers", [])]
    if len(set(customers)) != len(customers):
        return "a customer id appears twice in data.customers"
    known = set(customers)
    if scenario.signed_in_as and scenario.signed_in_as not in known:
        return f"signed_in_as {scenario.signed_in_as} is not among data.customers"
    order_ids = [o["id"] for o in data.get("orders", [])]
    if len(set(order_ids)) != len(order_ids):
        return "an order id appears twice in data.orders"
    for kind in ("orders", "subscriptions", "invoices", "charges", "tickets"):
        for n, row in enumerate(data.get(kind, [])):
            if row["customer"] not in known:
                return f"data.{kind}[{n}] belongs to {row['customer']}, who is not among data.customers"
    for n, order in enumerate(data.get("orders", [])):
        for item in order["items"]:
            if item["product"] not in products:
                return f"data.orders[{n}]: {item['product']!r} is not a product of the catalogue"
    for n, refund in enumerate(data.get("refunds", [])):
        if refund["order"] not in order_ids:
            return f"data.refunds[{n}] is on order {refund['order']}, which is not among data.orders"
    subscriptions = {s["id"] for s in data.get("subscriptions", [])}
    for n, invoice in enumerate(data.get("invoices", [])):
        if invoice.get("subscription") and invoice["subscription"] not in subscriptions:
            return f"data.invoices[{n}] names subscription {invoice['subscription']}, not among data.subscriptions"
    for n, decision in enumerate(scenario.reviewer):
        if "action" in decision and decision["action"] not in tool_names | {REPLY_ACTION}:
            return f"reviewer[{n}].action {decision['action']!r} is not a tool of tools/registry.py"
        if decision["type"] == "edit" and "args" not in decision:
            return f"reviewer[{n}]: an edit needs args"
        if decision["type"] == "respond" and "message" not in decision:
            return f"reviewer[{n}]: a respond decision needs a message"
    return None


def load_file(path: Path) -> list[Scenario]:
    """The scenarios of one YAML or JSON file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read it ({exc.__class__.__name__})") from None
    try:
        document = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise ScenarioError(f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {first}") from None
    return parse_document(document, str(path))


def load_scenarios(path: Path | None = None, *, only: list[str] | None = None) -> list[Scenario]:
    """Every scenario of a file, or of the scenario files in a folder (default: evals/scenarios/ without blind/).

    ``only`` keeps the scenarios with these ids or tags (an unknown one is an error). Scenario ids are unique
    across the files loaded together.
    """
    root = path or SCENARIOS_DIR
    if not root.exists():
        raise ScenarioError(f"no such file or folder: {root}")
    files = ([root] if root.is_file()
             else sorted(p for p in root.rglob("*") if p.suffix in SUFFIXES and p.name != SCHEMA_PATH.name
                         and (path is not None or not p.is_relative_to(BLIND_DIR))))
    if not files:
        raise ScenarioError(f"no scenario files (.yaml, .yml, .json) in {root}")
    scenarios: list[Scenario] = []
    seen: dict[str, str] = {}
    for file in files:
        for scenario in load_file(file):
            if scenario.id in seen:
                raise ScenarioError(f"{file}: scenario id {scenario.id} is already used in {seen[scenario.id]}")
            seen[scenario.id] = str(file)
            scenarios.append(scenario)
    if only:
        wanted = set(only)
        unknown = wanted - {s.id for s in scenarios} - {t for s in scenarios for t in s.tags}
        if unknown:
            raise ScenarioError(f"no scenario has the id or tag {sorted(unknown)[0]!r}")
        scenarios = [s for s in scenarios if s.id in wanted or wanted & set(s.tags)]
    return scenarios
