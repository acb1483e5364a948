"""act: run the plan's ready steps — independent ones in parallel — and record results and obstacles.

A step runs when everything it depends on is done. Before a write, its precondition and policy checks are
evaluated: an unmet precondition skips it with the reason, a policy check holds it for human approval. Steps
that depend on a failed one are skipped. Results and refusals go into the plan and the audit log.

Consequences (graphs/support/consequences.py) are checked before writes too. With the LLM reasoner, a step that
failed, or whose reference to an earlier result found nothing there, asks plan for a bounded replan.
"""

from __future__ import annotations

import copy
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime

from graphs.reasoners.llm.tool_selection import tool_intents
from graphs.support.consequences import consequence_holds, moves_nothing
from graphs.support.context import Context
from graphs.support.deps import Deps, deps
from graphs.support.flow_spec import StepSpec, resolve
from graphs.support.flows import get_flow, request_key, tool_policy, waits_for_yes
from graphs.support.lookups import items_bound, settle_lookup
from graphs.support.policy import Hold, policy_holds, reserved_for_humans
from graphs.support.progress import ask_after_records, deps_done, settle, skip_blocked
from graphs.support.redirects import audit_payload, redirect
from graphs.support.reported import reported
from graphs.support.requests import slots_for, text_for, words_around
from graphs.support.slot_confidence import slot_confidence
from graphs.support.state import ActiveFlow, Customer, State, Step
from tools.base import ToolContext
from tools.common import stored_result
from tools.payments.ledger import binding, describe
from tools.registry import get_tool

RUNNABLE = {"pending", "approved"}


_TOOL_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="act-tools")  # shared by every turn


def act(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    d = deps(runtime)
    steps = copy.deepcopy(state.plan)
    flow = copy.deepcopy(state.flow)
    customer = state.customer
    failures = state.verification_failures
    text = state.customer_message
    by_id = {s["id"]: s for s in steps}
    trouble: list[str] = []
    left: set[str] = set()  # the intents this turn's records turned into others
    if flow is not None:
        for done in [s for s in steps if s["status"] == "done"]:
            # A step planned this turn ("only 2 of them", once asked how many) may need a slot a lookup of an
            # earlier turn finds (which item of the order fetched then).
            settle_lookup(flow, steps, done)
    while True:
        skip_blocked(steps, by_id)
        ready = [s for s in steps if s["status"] in RUNNABLE | {"awaiting_confirmation"} and deps_done(s, by_id)]
        runnable, refused = [], []
        redirected = False
        for step in ready:
            if step["status"] == "skipped":  # its request turned into another one a moment ago
                continue
            scope = _scope(state, customer, flow, steps, step, text)
            spec = _spec(step)
            instead = next((i for i in spec.instead if i.intent not in left and i.applies(scope)), None) if (
                spec and _own_step(step, spec) and flow is not None and step["status"] != "approved") else None
            if instead is not None and flow is not None and instead.keeps_request(scope) and (
                    instead.intent in flow["intents"]):
                instead = None  # the other intent's steps are planned beside this request already: it runs
            if instead is not None and flow is not None:
                # The records say the request is another intent's: its steps replace this request's (or join it,
                # ``beside``, once). A turn never goes back to an intent it left (a return that is an exchange that
                # is a return would loop).
                if not instead.keeps_request(scope):
                    left.add(step["intent"])
                new = redirect(flow, steps, step, instead, text, verified=bool(customer and customer["verified"]),
                               scope=scope)
                by_id.update({s["id"]: s for s in new})
                d.audit.record(d.thread_id, state.turn, "redirect", audit_payload(step, instead, new), at=d.now)
                redirected = True
                continue
            if spec and spec.precondition and _own_step(step, spec) and (
                    why := spec.precondition.unmet(scope)):
                step["status"], step["error"] = "skipped", why
                continue
            missing = _missing_results(step["args"], scope)
            step["args"] = resolve(step["args"], scope)
            if missing:
                step["status"], step["error"] = "failed", f"Error: unexpected result: {missing}"
                trouble.append(f"step {step['id']}: {missing}")
                continue
            if step["status"] in ("pending", "awaiting_confirmation") and (nothing := moves_nothing(step)):
                step["status"], step["error"] = "skipped", nothing  # a refund of $0 is no call to make
                continue
            if step["status"] == "awaiting_confirmation":
                continue
            if step["status"] == "pending":
                offer = _above_items(flow, steps, step)  # more than the items named cost: that much is offered
                ctx = d.tool_context(state.turn, customer, step["id"])
                preview = get_tool(step["tool"]).preview(d.store, step["args"], ctx)
                if (preview is not None and not preview.ok and step["writes"]
                        and _rounded(step["args"], preview.instead)):
                    # The customer's round figure ("it was like $40") for what is left ($39.99) asks for that.
                    step["lowered"] = {"asked": step["args"]["amount"], "to": "order"}
                    step["args"] = {**step["args"], **(preview.instead or {})}
                    preview = get_tool(step["tool"]).preview(d.store, step["args"], ctx)
                if preview is not None and not preview.ok:
                    # The tool refuses the call as it stands (outside the window, more than was paid, refunded
                    # already, its system down): there is nothing to confirm or approve, and the agent declines
                    # without calling it; the step fails with the tool's own reason. Only a step that already ran
                    # (a turn retried after a crash mid-write) runs again, to replay what it did.
                    if not get_tool(step["tool"]).needs_approval and stored_result(d.store, ctx) is not None:
                        runnable.append(step)
                        continue
                    if not (preview.instead and step["writes"]):
                        refused.append((step, (preview.model_dump(), 0.0)))
                        continue
                    # What the tool would do instead (refund what is left) is offered: the customer's yes runs it,
                    # with every check a write has (below).
                    step["args"] = {**step["args"], **preview.instead}
                    step["confirmed"], step["declined"], offer = False, str(preview.error), True
                    preview = get_tool(step["tool"]).preview(d.store, step["args"], ctx)
                    if preview is not None and not preview.ok:
                        step["status"] = "awaiting_confirmation"
                        continue
                effect = preview.data if preview is not None and isinstance(preview.data, dict) else None
                if effect is not None:
                    scope["effect"] = effect
                holds = _policy_holds(d, step, spec, scope)
                unsure, ask_customer = _unsure_reason(d, state, customer, flow, steps, step, spec)
                if step["writes"]:
                    holds += [h for h in consequence_holds(
                        d.store, ctx, steps, step, d.context.policy(), check_amount=True, effect=effect)
                        if h not in holds]
                reasons = [h.reason for h in holds]
                # An offer in place of what was asked waits for the customer's yes, unless a person must approve it
                # anyway (what is left, above the limit): then it goes to them now, not a yes later (policy §2, §5a).
                if offer and not reasons:
                    step["status"], step["effect"] = "awaiting_confirmation", effect
                    continue
                if ask_customer and not reasons:
                    # Whether the customer asked for it is the customer's to say: they are asked to confirm
                    # what it would do (a yes runs it, policy checks and all), no person is asked.
                    step["status"], step["effect"] = "awaiting_confirmation", effect
                    continue
                if reasons or unsure:
                    _hold(step, "; ".join(reasons + unsure), effect)
                    if reasons:  # policy sentences the customer may hear; the agent's doubt is for reviewers
                        step["customer_reason"] = "; ".join(reasons)
                    continue
            elif step["status"] == "approved" and (why := _approval_no_longer_fits(d, state.turn, customer, step)):
                _hold(step, why, step.get("effect"))
                continue
            runnable.append(step)
        if not runnable and not refused and not redirected:
            break
        outcomes = list(refused)
        if runnable:
            call = partial(_run, d, state.turn, customer)
            # One step runs here; several at once on the process's pool (a pool per call cost its threads' start).
            outcomes += zip(runnable, [call(runnable[0])] if len(runnable) == 1 else _TOOL_POOL.map(call, runnable),
                            strict=True)
        declined = {id(step) for step, _ in refused}
        for step, (result, _latency) in outcomes:
            # every result of the wave is on record before any lookup settles (the money still refundable, read
            # beside the order, bounds the units a refund counts)
            step["status"] = "done" if result["ok"] else "failed"
            step["result"], step["error"] = result, result.get("error")
        for step, (result, latency_ms) in outcomes:
            # A call the tool's preview refused never reached the tool: recorded as declined, not as a call.
            kind = "tool_declined" if id(step) in declined else "tool_call"
            d.audit.record(d.thread_id, state.turn, kind, {
                "step": step["id"], "tool": step["tool"], "args": step["args"], "ok": result["ok"],
                "error": result.get("error"), "approved_by": step["approved_by"],
            }, latency_ms=latency_ms, at=d.now)
            if not result["ok"] and step["approved_by"]:
                # What a reviewer approved (or edited) was refused: it goes back to them with the refusal, and
                # the customer hears nothing until they decide again.
                _hold(step, f"the tool refused it after approval: {result.get('error')}", step.get("effect"))
                step["result"] = None
                continue
            if result["ok"] and flow is not None:
                settle_lookup(flow, steps, step)  # a lookup's result may resolve a slot later steps need
            if not result["ok"] and step["tool"] != "verify_identity":
                trouble.append(f"step {step['id']} ({step['tool']}) failed: {result.get('error')}")
            if step["tool"] == "verify_identity":
                if result["ok"]:
                    customer = _verified_customer(result.get("data") or {})
                    failures = 0
                else:
                    failures += 1
    if flow is not None:
        ask_after_records(flow, steps)
        settle(flow, steps, by_id)
    update: dict[str, Any] = {"plan": steps, "flow": flow, "customer": customer, "verification_failures": failures}
    if trouble and d.context.llm_enabled() and state.replans < d.context.max_replans:
        update["replan"] = "; ".join(trouble)
    return update


# A whole-dollar amount this little above what the tool would do instead is the customer's round figure for it.
ROUNDING = 0.5


def _rounded(args: dict[str, Any], instead: dict[str, Any] | None) -> bool:
    """Is the amount asked a round figure for the amount the tool offers instead ("$40" for the $39.99 left)?
    Never more money than asked: the amount offered is below it by less than ``ROUNDING``."""
    asked, left = args.get("amount"), (instead or {}).get("amount")
    if not isinstance(asked, int | float) or not isinstance(left, int | float) or set(instead or {}) != {"amount"}:
        return False
    return float(asked).is_integer() and 0 < asked - left < ROUNDING


def _above_items(flow: ActiveFlow | None, steps: list[Step], step: Step) -> bool:
    """A figure asked for the items the request names is bounded by what they were paid ("$25 for the plug" on a
    $24.99 plug: 24.99, lookups.items_bound), never what is left on the whole order: a round figure for it asks for
    that, a larger one is offered at that (True: it waits for the customer's yes unless a person must approve it).
    The step keeps what was asked (``lowered``) for the reply to say the amount differs."""
    asked = step["args"].get("amount")
    if flow is None or not step["writes"] or not isinstance(asked, int | float) or "." not in step["id"]:
        return False
    bound = items_bound(flow, steps, step)
    if bound is None or asked <= bound:
        return False
    step["args"] = {**step["args"], "amount": bound}
    step["lowered"] = {"asked": asked, "to": "items"}
    return not (_rounded({"amount": asked}, {"amount": bound}) or step["confirmed"])


def _missing_results(args: Any, scope: dict[str, Any]) -> str | None:
    """A reference to an earlier step's result that finds nothing there (the result was not what was expected)."""
    if isinstance(args, str) and args.startswith("$steps.") and resolve(args, scope) is None:
        return f"{args[1:]} is not in that step's result"
    if isinstance(args, dict):
        return next((m for v in args.values() if (m := _missing_results(v, scope))), None)
    if isinstance(args, list):
        return next((m for v in args if (m := _missing_results(v, scope))), None)
    return None


def _run(d: Deps, turn: int, customer: Customer | None, step: Step) -> tuple[dict[str, Any], float]:
    started = time.perf_counter()
    ctx = d.tool_context(turn, customer, step["id"], approved_by=step["approved_by"],
                         approved_effect=step.get("effect") if step["approved_by"] else None)
    result = get_tool(step["tool"]).run(d.store, step["args"], ctx)
    return result.model_dump(), (time.perf_counter() - started) * 1000


def _effect(d: Deps, ctx: ToolContext, step: Step) -> dict[str, Any] | None:
    """The money the step would move (the tool works it out), or None: it moves none, or the tool refuses it."""
    preview = get_tool(step["tool"]).preview(d.store, step["args"], ctx)
    return preview.data if preview is not None and preview.ok and isinstance(preview.data, dict) else None


def _hold(step: Step, reason: str, effect: dict[str, Any] | None) -> None:
    """Hold the step for a reviewer with the exact money it would move bound into its arguments: an order
    refund "without amount" becomes the amount the reviewer sees."""
    step["status"], step["hold_reason"], step["approved_by"] = "needs_approval", reason, None
    step["effect"] = effect
    if effect:
        step["args"] = {**step["args"], **effect.get("binds", {})}


def _approval_no_longer_fits(d: Deps, turn: int, customer: Customer | None, step: Step) -> str | None:
    """Why an approved step must go back to review before it moves money: what it would move now is not what
    the reviewer saw (the state changed), or an edit left the amount open. None: run it."""
    ctx = d.tool_context(turn, customer, step["id"])
    now = _effect(d, ctx, step)
    if now is None:
        return None  # moves no money, or the tool refuses it: the run says why
    bound = step.get("effect")
    if bound is None:  # the reviewer edited the arguments
        open_args = {k: v for k, v in now.get("binds", {}).items() if step["args"].get(k) is None}
        if open_args:
            step["effect"] = now
            return f"the edit leaves the amount open; it would move {describe(now)}: approve that or edit it"
        step["effect"] = now
        return None
    if binding(bound) != binding(now):
        step["effect"] = now
        return (f"what it would move changed since the review: {describe(bound)} was approved, it would now move "
                f"{describe(now)}")
    return None


def _policy_holds(d: Deps, step: Step, spec: StepSpec | None, scope: dict[str, Any]) -> list[Hold]:
    """Why policy makes a step wait for a human: tools reserved for humans and the policy checks of the flows
    that run the step's tool (whatever intent the step is labelled with)."""
    holds = []
    if get_tool(step["tool"]).needs_approval:
        holds.append(reserved_for_humans(step["tool"]))
    names = list(dict.fromkeys([*(spec.policy if spec else []), *tool_policy(step["tool"])]))
    holds += policy_holds(names, step["args"], {**scope, "now": d.now}, d.context.policy())
    return holds


def _unsure_reason(d: Deps, state: State, customer: Customer | None, flow: ActiveFlow | None, steps: list[Step],
                   step: Step, spec: StepSpec | None = None) -> tuple[list[str], bool]:
    """Why the agent is unsure of a write, and whether the customer is to be asked (True) rather than a person.

    A write the agent is not sure the customer asked for waits for the customer's confirmation; one whose ids or
    amounts it is not sure of waits for a human (said to reviewers only).

    How sure: the lower of the local router's probability for the tool's own intents (those whose flows run it
    or may use it, related_tools.yaml; the step's label only for a tool no intent names) and the slot filler's
    confidence in the write's ids and amounts (graphs/support/slot_confidence.py); the customer's words reporting
    what the write puts right stand for the router's (graphs/support/reported.py). None is a number a model
    sets: a model's self-reported confidence never lets a write through.
    """
    if not get_tool(step["tool"]).writes or step["confirmed"] or flow is None:
        return [], False
    intents = tool_intents(step["tool"]) or [step["intent"]]
    if step.get("asked_as"):  # asked for as another request the records showed to be this one's (redirects.py)
        intents = [*intents, step["asked_as"]]
    router = flow.get("router_confidences") or flow["confidences"]
    best = max(intents, key=lambda intent: router.get(intent, 0.0))
    threshold = get_flow(best).threshold
    # The reading that asks for this write, on its own: two readings of a message are never added up to let a write
    # through without the customer's yes. Words that report what the write puts right ask for it (reported.py).
    asked = 1.0 if reported(flow, step, spec, state.customer_message) else router.get(best, 0.0)
    said = [str(m.content) for m in state.messages if isinstance(m, HumanMessage)]
    results = [(s["result"] or {}).get("data") for s in steps if s["status"] == "done" and s is not step]
    slots = slot_confidence(step["args"], said=said, results=results, customer=customer, now=d.now)
    sure = min(asked, slots.confidence)
    if sure >= threshold:
        return [], False
    if slots.confidence < asked:
        return [f"the agent is not sure of the values this write would use ({slots.weakest}: "
                f"{slots.confidence:.2f} < {threshold:.2f})"], False
    return [f"the agent is not sure the customer asked for this ({best} {sure:.2f} < {threshold:.2f})"], True


def _spec(step: Step) -> StepSpec | None:
    """The flow step this step comes from; for a step the model planned, the flow's step with the same tool
    (its policy checks apply; its precondition only to the flow's own step id)."""
    if "." not in step["id"]:
        return None
    local = step["id"].split(".", 1)[1]
    steps = get_flow(step["intent"]).steps
    return next((s for s in steps if s.id == local), None) or next((s for s in steps if s.tool == step["tool"]), None)


def _own_step(step: Step, spec: StepSpec | None) -> bool:
    """Is this the flow's own step (not a model's step that merely uses the same tool)?"""
    return spec is not None and step["id"] == f"{request_key(step)}.{spec.id}"


def _scope(state: State, customer: Customer | None, flow: ActiveFlow | None, steps: list[Step], step: Step,
           text: str) -> dict[str, Any]:
    # Results by step id; a step of the same intent wins over a namesake of another intent.
    done = sorted((s for s in steps if "." in s["id"] and s["status"] == "done"),
                  key=lambda s: request_key(s) == request_key(step))
    results = {s["id"].split(".", 1)[1]: (s["result"] or {}).get("data") for s in done}
    spec = _spec(step)  # "asks": the request's words ask about the step rather than tell the agent to take it
    asks = flow is not None and spec is not None and spec.confirm == "asked" and waits_for_yes(
        spec, text_for(flow, request_key(step), text), text)
    return {"slots": slots_for(flow, request_key(step)) if flow else {}, "customer": dict(customer) if customer else {},
            "message": text, "request": words_around(flow, request_key(step), text) if flow else text,
            "steps": results, "asks": asks}


def _verified_customer(data: dict[str, Any]) -> Customer:
    return {"customer_id": str(data["customer_id"]), "name": str(data.get("name", "")), "plan": data.get("plan"),
            "verified": True, "verified_by": "identity_check"}
