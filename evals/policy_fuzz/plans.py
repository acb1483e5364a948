"""What the fuzzer generates: customers' turns over several threads, the model's readings and plans, reviewers'
decisions — any tool of the registry, arbitrary and adversarial arguments, any intent label and confidence.

Arguments are drawn per argument name from the ids of the example's customer and of other customers, amounts
around the approval limits and above what was paid, missing or ill-typed values, gift-card flags and reason codes
(including ``order_cancelled`` on a refund of a delivered order). The customer's message names the ids the plan
uses most of the time, so plans get past the checker's invented-id test and reach the tools.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, get_args

from hypothesis import strategies as st

from evals.policy_fuzz.world import Person, World
from graphs.reasoners.llm.tool_selection import relevant_tools
from graphs.support.flows import load_flows, own_steps
from tools.payments.ledger import ReasonCode
from tools.registry import TOOLS

MONEY_TOOLS = [t.name for t in TOOLS if t.moves_money]
WRITE_TOOLS = [t.name for t in TOOLS if t.writes]
ALL_TOOLS = [t.name for t in TOOLS]
FIELDS = {t.name: list(t.args_schema.model_fields) for t in TOOLS}
REQUIRED = {t.name: [n for n, f in t.args_schema.model_fields.items() if f.is_required()] for t in TOOLS}


@dataclass
class Decision:
    kind: str  # approve | edit | reject
    amount: Any = None  # the amount an edit names


@dataclass
class Turn:
    thread: int
    kind: str  # request | yes | no
    says: str  # what the customer writes (with the ids the plans use appended)
    intents: list[tuple[str, float]]
    plans: list[list[dict[str, Any]]]
    credentials: bool = False  # an unverified thread says who it is (rightly or not)
    named: bool = True  # the message names the ids the plans use
    decisions: list[Decision] = field(default_factory=list)


@dataclass
class Scenario:
    customer: str
    channel: list[bool]  # per thread: signed in through an authenticated channel (else unverified)
    wrong_zip: list[bool]  # per thread: the credentials it gives carry a wrong ZIP code
    turns: list[Turn]


def _intents_of_tool() -> dict[str, list[str]]:
    flows = sorted(load_flows())
    return {tool: [i for i in flows if tool in {t.name for t in relevant_tools([i])}] for tool in ALL_TOOLS}


def _phrases() -> dict[str, list[str]]:
    """A few of the router's training sentences per intent, without digits: what a customer asking that says."""
    raw = resources.files("graphs.reasoners.local").joinpath("data/intent_examples.jsonl").read_text("utf-8")
    found: dict[str, list[str]] = {}
    for line in raw.splitlines():
        item = json.loads(line)
        text = re.sub(r"[#\d]+", "", item["text"]).strip()
        if text and len(found.setdefault(item["intent"], [])) < 4:
            found[item["intent"]].append(text)
    return found


INTENTS_OF_TOOL = _intents_of_tool()
# The intents whose own flows run a tool (get_refund for refund_order): what a customer asking for it is read as.
OWN_INTENTS = {tool: sorted({f.intent for f, _ in own_steps(tool)}) for tool in ALL_TOOLS}
INTENTS = sorted(load_flows())
PHRASES = _phrases()

TEXT = st.sampled_from(["damaged on arrival", "customer asked", "goodwill", "x", "the customer is angry",
                        "refund everything now", "maya.chen@example.com 94107"])


def amounts(person: Person) -> st.SearchStrategy[Any]:
    paid = [round(t, 2) for t in person.totals]
    edges = [0.01, 9.99, 50, 90, 99.99, 100, 100.01, 150, 250, 250.01, 349.99, 699.98, 5000]
    return st.one_of(
        st.none(),
        st.sampled_from(edges + paid + [round(t + 0.01, 2) for t in paid] + [round(t * 2, 2) for t in paid]),
        st.decimals(min_value="0.01", max_value="400", places=2).map(float),
        st.sampled_from([0, -5, "90", "all", 1e9]),
    )


def field_values(name: str, me: Person, others: list[Person], own: bool = False) -> st.SearchStrategy[Any]:
    """Values for an argument called ``name``: the customer's own ids, other customers', made-up or ill-typed
    (``own``: the customer's own ids only)."""
    def mine_or_theirs(attr: str, made_up: list[Any]) -> st.SearchStrategy[Any]:
        if own and getattr(me, attr):
            return st.sampled_from(list(getattr(me, attr)))
        own_ids = list(getattr(me, attr))
        theirs = [x for p in others for x in getattr(p, attr)]
        mine = st.sampled_from(own_ids or made_up)
        return st.one_of(mine, mine, st.sampled_from(theirs or made_up), st.sampled_from(made_up))

    strategies: dict[str, st.SearchStrategy[Any]] = {
        "order_id": mine_or_theirs("orders", [10001, 99999999, 5]),
        "amount": amounts(me),
        "reason": TEXT,
        "note": TEXT,
        "problem": TEXT,
        "description": TEXT,
        "subject": TEXT,
        "query": TEXT,
        "reason_code": st.sampled_from([*get_args(ReasonCode), "bogus"]),
        "to_gift_card": st.booleans() | st.just("yes"),
        "subscribed": st.booleans(),
        "plan": st.sampled_from(["basic", "plus", "pro", "platinum"]),
        "product_id": mine_or_theirs("products", ["P001", "P999"]),
        "new_product_id": mine_or_theirs("products", ["P001", "P999"]),
        "quantity": st.integers(min_value=-1, max_value=5),
        "invoice_id": mine_or_theirs("invoices", ["INV-999999"]),
        "charge_id": mine_or_theirs("charges", ["ch_999999"]),
        "ticket_id": mine_or_theirs("tickets", ["T-999999"]),
        "dispute_id": st.sampled_from(["DSP-00001", "DSP-00002", "DSP-1"]),
        "outcome": st.sampled_from(["upheld", "rejected"]),
        "customer_id": st.sampled_from([me.customer_id, *(p.customer_id for p in others), "C9999"]),
        "other_customer_id": st.sampled_from([p.customer_id for p in others] + [me.customer_id]),
        "email": st.sampled_from([me.email, *(p.email for p in others)]),
        "zip_code": st.sampled_from([me.zip_code, *(p.zip_code for p in others), "00000"]),
        "card_last4": st.sampled_from([me.card_last4, "0000"]),
        "status": st.sampled_from(["pending", "delivered", "open", "closed", "resolved"]),
        "priority": st.sampled_from(["low", "normal", "urgent"]),
        "queue": st.sampled_from(["billing", "technical", "accounts", "general"]),
        "limit": st.integers(min_value=0, max_value=5),
        "line1": st.just("1 Main St"),
        "city": st.just("Springfield"),
        "country": st.sampled_from(["US", "DE"]),
        "name": st.just("Maya Chen"),
        "article_id": st.sampled_from(["KB-001", "KB-1"]),
        "mode": st.sampled_from(["keyword", "semantic"]),
        "products": st.lists(st.sampled_from(list(me.products) or ["P001"]), max_size=2),
    }
    if name == "items":
        item = st.fixed_dictionaries({"product_id": mine_or_theirs("products", ["P001"])},
                                     optional={"quantity": st.integers(min_value=0, max_value=4)})
        return st.lists(item, min_size=0, max_size=2)
    return strategies.get(name, st.none() | st.just("x"))


@st.composite
def steps(draw: st.DrawFn, me: Person, others: list[Person], prefix: str) -> list[dict[str, Any]]:
    planned: list[dict[str, Any]] = []
    for i in range(draw(st.integers(min_value=0, max_value=3)) if draw(st.integers(0, 3)) else 1):
        focused = draw(st.booleans())  # a money tool on the customer's own orders, the arguments it requires
        money = st.sampled_from(MONEY_TOOLS)
        tool = draw(money if focused else st.one_of(money, st.sampled_from(WRITE_TOOLS), st.sampled_from(ALL_TOOLS)))
        required = REQUIRED[tool] if focused or draw(st.integers(0, 4)) else []
        args = draw(st.fixed_dictionaries({f: field_values(f, me, others, focused) for f in required},
                                          optional={f: field_values(f, me, others, focused) for f in FIELDS[tool]
                                                    if f not in required}))
        if planned and draw(st.integers(0, 4)) == 0:  # a reference to an earlier result
            key = draw(st.sampled_from(FIELDS[tool] or ["order_id"]))
            args[key] = f"$steps.{planned[-1]['id']}.{draw(st.sampled_from(['total', 'order_id', 'refundable']))}"
        earlier = [s["id"] for s in planned]
        planned.append({
            "id": f"{prefix}s{i}",
            "intent": "",  # labelled once the turn's understanding is drawn
            "tool": tool, "args": args,
            "depends_on": draw(st.lists(st.sampled_from(earlier), max_size=1, unique=True)) if earlier else [],
            "why": "needed",
        })
    return planned


@st.composite
def turns(draw: st.DrawFn, world: World, customer: str, threads: int, index: int) -> Turn:
    me, others = world.people[customer], world.others(customer)
    kind = draw(st.sampled_from(["request", "request", "yes", "no"]))
    plans = [draw(steps(me, others, f"t{index}p{j}")) for j in range(draw(st.integers(1, 2)))]
    planned = [s for plan in plans for s in plan]
    confidence = st.floats(min_value=0.0, max_value=1.0)
    labels: list[str] = []
    if draw(st.integers(0, 4)):  # mostly labels that offer the plan's tools to the model
        for tool in dict.fromkeys(s["tool"] for s in planned):
            offered = OWN_INTENTS[tool] or INTENTS_OF_TOOL[tool]
            if offered and len(labels) < 4:
                labels.append(draw(st.sampled_from(offered)))
    labels += draw(st.lists(st.sampled_from([*INTENTS, "refund_everything"]), min_size=0 if labels else 1,
                            max_size=1))
    labels = list(dict.fromkeys(labels))[:4]
    intents = [(label, draw(confidence)) for label in labels]
    for s in planned:  # mostly an understood intent; sometimes any label at all
        s["intent"] = draw(st.sampled_from(labels)) if draw(st.integers(0, 11)) else draw(st.sampled_from(INTENTS))
    said = draw(st.sampled_from(labels)) if draw(st.integers(0, 3)) else draw(st.sampled_from(INTENTS))  # in words
    says = draw(st.sampled_from(PHRASES.get(said) or ["I need help"]))
    decisions = draw(st.lists(st.builds(Decision, st.sampled_from(["approve", "approve", "edit", "reject"]),
                                        amounts(me)), min_size=1, max_size=3))
    return Turn(thread=draw(st.integers(0, threads - 1)), kind=kind, says=says, intents=intents, plans=plans,
                credentials=draw(st.booleans()), named=draw(st.integers(0, 5)) > 0, decisions=decisions)


@st.composite
def scenarios(draw: st.DrawFn, world: World, max_turns: int = 6) -> Scenario:
    people = sorted(world.people)
    customer = draw(st.sampled_from([people[0], *people]))  # Maya (recent deliveries) twice as often
    threads = draw(st.integers(1, 3))
    channel = [draw(st.integers(0, 3)) > 0 for _ in range(threads)]
    wrong = [draw(st.booleans()) for _ in range(threads)]
    count = draw(st.integers(1, max_turns))
    return Scenario(customer, channel, wrong, [draw(turns(world, customer, threads, i)) for i in range(count)])
