"""The policy fuzzer (issue 17): generated plans — any tool, adversarial arguments, any intent label and
self-reported confidence, over several turns and threads, with reviewers' decisions — never break the store's
invariants, on SQLite and Postgres.

A bounded run here (SUPPORTGRAPH_FUZZ_EXAMPLES, default 15 per database); the long run is
``supportgraph fuzz policy --examples N``. The other tests show that each invariant does fail when the policy it
guards is switched off or the store is tampered with, so a clean run means something.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update

from evals.policy_fuzz import invariants as inv
from evals.policy_fuzz.driver import Driver
from evals.policy_fuzz.model import FuzzChatModel
from evals.policy_fuzz.plans import Decision, Scenario, Turn
from evals.policy_fuzz.runner import fuzz, play
from evals.policy_fuzz.world import Copies, World, load_world, prepare_template, release
from service.conversations import open_service
from tools.store import open_store
from tools.store.schema import orders, refunds

EXAMPLES = int(os.environ.get("SUPPORTGRAPH_FUZZ_EXAMPLES", "15"))
MAYA = "C0001"  # 10001 pending ($39.99), 10002 delivered 5 days ago ($349.99)


def test_generated_plans_never_break_the_policy(database_url: str, tmp_path: Path) -> None:
    result = fuzz(database_url, tmp_path, EXAMPLES)
    assert not result.breaches, "\n\n".join(f"{b.invariant}: {b.detail}\n{b.example}" for b in result.breaches)
    assert result.examples >= EXAMPLES and result.turns >= EXAMPLES, result.summary()


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[tuple[Copies, World, inv.Snapshot]]:
    prepare_template(database_url)
    loaded, template = load_world(database_url), inv.snapshot(database_url)
    release(database_url)
    yield Copies(database_url, tmp_path), loaded, template


def step(tool: str, intent: str, **args: object) -> dict[str, object]:
    return {"id": "t0p0s0", "intent": intent, "tool": tool, "args": args, "depends_on": [], "why": "fuzzed"}


# The customer names the order and the amount, so the slot filler is sure of them: what holds a write here is the
# policy under test, not the doubt about a value only the model gave.
SAYS = {"get_refund": "I want $150 back for order 10002, the headphones arrived broken",
        "cancel_order": "Could I still cancel order 10001?"}


def asked(intent: str, plan: list[dict[str, object]], kind: str = "request") -> Turn:
    return Turn(thread=0, kind=kind, says=SAYS[intent], intents=[(intent, 0.95)], plans=[plan],
                decisions=[Decision("approve")])


def test_a_refund_above_the_limit_without_a_reviewer_is_a_breach(world: tuple[Copies, World, inv.Snapshot],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    copies, people, template = world
    # a model-planned refund waits for the customer's yes (flows.needs_confirmation: get_refund's confirm: asked)
    scenario = Scenario(MAYA, [True], [False], [asked("get_refund", [step(
        "refund_order", "get_refund", order_id=10002, amount=150, reason="damaged on arrival")]),
        asked("get_refund", [], "yes")])
    play(copies, people, template, scenario)  # held for a reviewer, approved at $150.00: no breach
    monkeypatch.setattr("tools.payments.ledger._over_limit", lambda *_: None)  # the limits switched off
    with pytest.raises(inv.MoneyAboveLimit, match=r"moved \$150.00 without a reviewer"):
        play(copies, people, template, scenario)


def test_a_write_without_the_customers_yes_is_a_breach(world: tuple[Copies, World, inv.Snapshot],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    copies, people, template = world
    cancel = [step("cancel_order", "cancel_order", order_id=10001, reason="changed my mind")]
    waits = Scenario(MAYA, [True], [False], [asked("cancel_order", cancel)])
    stats = play(copies, people, template, waits)
    assert stats.ran["cancel_order"] == 0, "cancelled before the customer said yes"
    confirmed = Scenario(MAYA, [True], [False], [asked("cancel_order", cancel), asked("cancel_order", [], "yes")])
    assert play(copies, people, template, confirmed).ran["cancel_order"] == 1
    monkeypatch.setattr("graphs.reasoners.llm.planning.step_waits", lambda *_args: False)
    with pytest.raises(inv.WriteWithoutYes, match="cancel_order ran"):
        play(copies, people, template, waits)


def test_the_checks_see_what_was_tampered_with_in_the_store(world: tuple[Copies, World, inv.Snapshot]) -> None:
    copies, people, template = world
    refund = [step("refund_order", "get_refund", order_id=10002, amount=150, reason="damaged on arrival")]
    with copies.fresh() as url:
        model = FuzzChatModel()
        with open_service(url, reasoner="llm", chat_model=model) as service:
            driver = Driver(service, model, url, people, service.context.policy(), template)
            driver.play(Scenario(MAYA, [True], [False], [asked("get_refund", refund), asked("get_refund", [], "yes")]))
            [key] = [k for k, d in driver.ledger.decisions.items() if d[0] == "approve"]
            assert driver.ledger.decisions[key] == ("approve", 15000)
            driver.ledger.decisions[key] = ("approve", 10000)  # as if the reviewer had seen $100.00
            with pytest.raises(inv.ApprovedAmountDiffers, match=r"moved \$150.00 .* named \$100.00"):
                inv.check_money(url, driver.ledger, driver.policy)
            store = open_store(url)
            with store.db.begin() as conn:  # another customer's order changes during Maya's turn
                conn.execute(update(orders).where(orders.c.id == people.people["C0002"].orders[0])
                             .values(ship_city="Elsewhere"))
            with pytest.raises(inv.ForeignAccess, match="of customer C0002"):
                inv.check_writes(url, template, "f-t0", driver.ledger, driver.changes)
            with store.db.begin() as conn:
                charge = conn.execute(select(refunds.c.charge_id).where(refunds.c.order_id == 10002)).scalar_one()
                conn.execute(insert(refunds).values(id="R-TAMPER", charge_id=charge, order_id=10002, amount_cents=30000,
                                                    reason="tampered", status="succeeded",
                                                    created_at=datetime.now(UTC)))
            with pytest.raises(inv.Overdrawn, match="was refunded"):
                inv.check_overdraw(url)


def test_a_deleted_account_signing_in_again_is_refused_not_a_breach(world: tuple[Copies, World, inv.Snapshot]) -> None:
    """Found by the long run (seed 303): an approved deletion, then a new thread signed in as the deleted customer.
    The service refuses that turn with a clear error before anything runs; the fuzzer reported the refusal as a
    breach."""
    copies, people, template = world
    delete = {"id": "t0p0s0", "intent": "account_migration", "tool": "delete_account", "args": {},
              "depends_on": [], "why": "needed"}
    change = {"id": "t1p0s0", "intent": "account_migration", "tool": "change_plan", "args": {},
              "depends_on": [], "why": "needed"}
    scenario = Scenario("C0002", [True, True], [False, False], [
        Turn(thread=0, kind="request", says="delete my account",
             intents=[("delete_account", 0.0), ("account_migration", 0.0)], plans=[[delete]],
             decisions=[Decision("approve")]),
        Turn(thread=1, kind="request", says="merge accounts", intents=[("account_migration", 0.0)], plans=[[change]],
             decisions=[Decision("approve")])])
    stats = play(copies, people, template, scenario)
    assert stats.ran["delete_account"] == 1, stats
    assert stats.refused == 1, stats
