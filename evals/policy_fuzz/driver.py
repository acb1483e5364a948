"""Play a generated scenario through the support graph (LLM reasoner, scripted model) and check the store after
every customer turn and every reviewer decision."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from evals.policy_fuzz import invariants as inv
from evals.policy_fuzz.model import FuzzChatModel
from evals.policy_fuzz.plans import Decision, Scenario, Turn
from evals.policy_fuzz.world import World
from foundation.policy import Policy
from graphs.support.review import REPLY_ACTION, InvalidDecision
from service.conversations import SupportError, SupportService
from tools.crm.backend import crm_backend
from tools.store import open_store

YES, NO = "yes, go ahead", "no, don't do that"
REVIEWS_PER_TURN = 3
_IDS = re.compile(r"^(?:\d{5,8}|INV-\d+|ch_\d+|T-\d+|DSP-\d+|P\d{3}|C\d{4})$")


@dataclass
class Stats:
    turns: int = 0
    plans: int = 0
    reviews: int = 0
    writes: int = 0
    rows: int = 0
    refused: int = 0  # turns the service refused before running (a deleted account signing in)
    ran: Counter[str] = field(default_factory=Counter)  # writes that went through, by tool


def _ids(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [i for v in value.values() for i in _ids(v)]
    if isinstance(value, list):
        return [i for v in value for i in _ids(v)]
    text = str(value)
    return [text] if not isinstance(value, bool) and _IDS.match(text) else []


def message(turn: Turn, scenario: Scenario, world: World, verified: bool) -> str:
    if turn.kind == "yes":
        return YES
    if turn.kind == "no":
        return NO
    ids = sorted({i for plan in turn.plans for s in plan for i in _ids(s["args"])}) if turn.named else []
    text = turn.says.rstrip(".!?") + (". Order " + ", ".join(ids) if ids else ".")
    if turn.credentials and not verified:
        me = world.people[scenario.customer]
        text += f" I'm {me.email}, zip {'99999' if scenario.wrong_zip[turn.thread] else me.zip_code}."
    return text


def understanding(turn: Turn, text: str) -> dict[str, Any]:
    order_ids = sorted({int(i) for i in re.findall(r"\b[1-9]\d{4,7}\b", text)})
    emails = re.findall(r"[\w.]+@[\w.]+\.\w+", text)
    return {"intents": [{"intent": i, "confidence": c} for i, c in turn.intents],
            "entities": {"order_ids": order_ids, "emails": emails}, "sentiment": "neutral", "missing": [],
            "rationale": "fuzzed"}


class Driver:
    def __init__(self, service: SupportService, model: FuzzChatModel, url: str, world: World, policy: Policy,
                 template: inv.Snapshot, prefix: str = "f") -> None:
        self.service, self.model, self.url, self.world, self.policy = service, model, url, world, policy
        self.ledger = inv.Ledger()
        self.stats = Stats()
        self.prefix = prefix
        self.seen_ops: dict[str, str] = {}
        self.template = template
        self.changes = inv.Changes()
        self.ledger.baseline_refunds = set(template["refunds"])
        self.ledger.baseline_credits = set(template["account_credits"])

    def play(self, scenario: Scenario) -> Stats:
        for turn in scenario.turns:
            thread = f"{self.prefix}-t{turn.thread}"
            if self.service.exists(thread) and self.service.pending_review(thread) is not None:
                self._review(thread, turn.decisions)
                continue
            self._send(thread, turn, scenario)
        for i in range(len(scenario.channel)):  # reviews still open at the end are decided too
            thread = f"{self.prefix}-t{i}"
            if self.service.exists(thread) and self.service.pending_review(thread) is not None:
                self._review(thread, scenario.turns[-1].decisions)
        return self.stats

    def _send(self, thread: str, turn: Turn, scenario: Scenario) -> None:
        first = not self.service.exists(thread)
        channel = scenario.channel[turn.thread]
        if first:
            self.ledger.customers[thread] = scenario.customer if channel else None
        text = message(turn, scenario, self.world, self.ledger.customers[thread] is not None)
        self.model.script(CustomerUnderstanding=[understanding(turn, text)],
                          SupportPlan=[{"steps": plan, "rationale": "fuzzed"} for plan in turn.plans])
        self.model.calls.clear()
        self.ledger.said[thread].append(text)
        try:
            report = self.service.send(thread, text, customer_id=scenario.customer if first and channel else None)
        except SupportError:
            if not (first and channel and self._deleted(scenario.customer)):
                raise
            # An earlier turn deleted the account this new thread signs in as: the service refuses the turn
            # before anything runs, which is right; nothing was said on the thread.
            self.ledger.said[thread].pop()
            self.stats.refused += 1
            self._check(thread)
            return
        self.stats.turns += 1
        self.stats.plans += self.model.calls.get("SupportPlan", 0)
        self._note_verification(thread, report.customer)
        self._check(thread)
        self._review(thread, turn.decisions)

    def _deleted(self, customer_id: str) -> bool:
        return crm_backend(open_store(self.url)).get_ref(customer_id) is None

    def _note_verification(self, thread: str, customer: dict[str, Any] | None) -> None:
        if not customer or not customer.get("verified") or self.ledger.customers.get(thread):
            return
        who = self.world.people.get(str(customer["customer_id"]))
        said = " ".join(self.ledger.said[thread])
        if who is None or who.email not in said or (who.zip_code not in said and who.card_last4 not in said):
            raise inv.ForeignAccess(f"thread {thread} was verified as {customer['customer_id']} without that "
                                    f"customer's credentials: {said!r}")
        self.ledger.customers[thread] = who.customer_id

    def _review(self, thread: str, decisions: list[Decision]) -> None:
        for _ in range(REVIEWS_PER_TURN):
            request = self.service.pending_review(thread)
            if request is None:
                return
            turn = int(request["context"]["turn"])
            values = self.service.graph.get_state({"configurable": {"thread_id": thread}}).values
            held = [s for s in values.get("plan", []) if s["status"] == "needs_approval"]
            payload, keys = [], []
            for n, action in enumerate(request["action_requests"]):
                decision = decisions[n % len(decisions)]
                if action["name"] == REPLY_ACTION:
                    payload.append({"type": "approve"})
                    continue
                keys.append(f"{thread}:{turn}:{held.pop(0)['id']}")
                payload.append(self._decide(keys[-1], action, decision))
            try:
                self.service.resume(thread, {"decisions": payload, "reviewer": "fuzz-reviewer"})
            except (SupportError, InvalidDecision):  # a decision the service refuses: the reviewer rejects instead
                for key in keys:
                    self.ledger.decisions[key] = ("reject", None)
                rejected = [{"type": "reject", "message": "no"} if a["name"] != REPLY_ACTION else {"type": "approve"}
                            for a in request["action_requests"]]
                self.service.resume(thread, {"decisions": rejected, "reviewer": "fuzz-reviewer"})
            self.stats.reviews += 1
            self._check(thread)

    def _decide(self, key: str, action: Mapping[str, Any], decision: Decision) -> dict[str, Any]:
        """The reviewer's decision, and the amount it names (what the review showed, or the edited amount)."""
        kind = decision.kind
        if action["name"] == "migrate_account":
            kind = "reject"  # approving a merge is a person moving another account's objects on purpose
        if kind == "edit" and "amount" not in action["args"]:
            kind = "approve"
        if kind == "reject":
            self.ledger.decisions[key] = ("reject", None)
            return {"type": "reject", "message": "declined by the fuzzer's reviewer"}
        if kind == "edit":
            args = {**action["args"], "amount": decision.amount}
            self.ledger.decisions[key] = ("edit", _cents(decision.amount))
            return {"type": "edit", "edited_action": {"name": action["name"], "args": args}}
        effect = action.get("effect")
        named = effect["amount"] if effect else action["args"].get("amount")
        self.ledger.decisions[key] = ("approve", _cents(named))
        return {"type": "approve"}

    def _check(self, thread: str) -> None:
        self.stats.rows += inv.check_writes(self.url, self.template, thread, self.ledger, self.changes)
        inv.check_reads(self.url, self.template, self.ledger)
        ops = inv.check_confirmations(self.url, thread, self.seen_ops, self.ledger)
        self.stats.writes += len(ops.keys() - self.seen_ops.keys())
        self.stats.ran.update(tool for key, tool in ops.items() if key not in self.seen_ops)
        self.seen_ops = ops
        inv.check_money(self.url, self.ledger, self.policy)
        inv.check_overdraw(self.url)


def _cents(amount: Any) -> int | None:
    try:
        return round(float(amount) * 100)
    except (TypeError, ValueError):
        return None


Check = Callable[[Scenario], Stats]
