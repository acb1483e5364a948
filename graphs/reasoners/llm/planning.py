"""Planning with a chat model: a graph of steps (tool, arguments, depends_on, why) over the relevant tools.

The model sees only the tools of the understood intents (graphs/reasoners/llm/tool_selection.py). Its plan is
checked before anything runs: known tools only, arguments valid for the tool, dependencies that exist and come
first, references to earlier results that exist, and no identifier that appears nowhere in the conversation or
in results (a made-up order id). A plan that fails the checks is sent back once with the reasons; a second bad
plan goes to a human and none of it runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import ValidationError

from foundation.policy import Policy
from foundation.settings import get_settings
from graphs.reasoners.llm.asking import Answer, ask
from graphs.reasoners.llm.prompting import render_problem, render_prompt
from graphs.reasoners.llm.schemas import PlannedStep, SupportPlan
from graphs.reasoners.llm.tool_selection import all_tools, langchain_tools, relevant_tools
from graphs.support.flow_spec import StepSpec, resolve
from graphs.support.flows import get_flow, intent_of, step_waits
from graphs.support.policy import written_policy
from graphs.support.requests import text_for
from graphs.support.state import ActiveFlow, Customer, Step
from tools.registry import get_tool

HISTORY = 8
_REF = re.compile(r"^\$steps\.([a-z][a-z0-9_]*)\.")
_TOKEN = re.compile(r"[a-z0-9][a-z0-9_]*(?:-[a-z0-9_]+)*")
# How the usual steps show what the flow fills in itself, as values the plan checker accepts (a literal).
_FILLED_BY_FLOW = {"$message": "<a brief note in your words>"}
RESULT_CHARS = 600  # of an earlier result shown to the model when replanning


@dataclass
class PlanRequest:
    intents: list[str]
    flow: ActiveFlow
    customer: Customer | None
    kept: list[Step]  # steps already in the plan, kept as they are
    reason: str | None = None  # why a replan was asked for
    also_tools: tuple[str, ...] = ()
    # The run's policy (Context.policy()); the deployment's when not given.
    policy: Policy = field(default_factory=lambda: get_settings().policy())
    verify_first: bool = False
    message: str = ""  # the customer's message of this turn (a request's own words are kept in flow["requests"])


@dataclass
class ModelPlan:
    answer: Answer[SupportPlan]
    steps: list[Step]
    tools: list[str]


def local_id(step_id: str) -> str:
    return step_id.split(".", 1)[-1]


def plan_with_model(model: BaseChatModel, history: Sequence[AnyMessage], request: PlanRequest) -> ModelPlan:
    """Ask the model for the steps still needed; returns them as graph Steps (not yet run)."""
    tools = relevant_tools(request.intents, request.also_tools)
    bound = {t.name for t in tools}
    messages = planning_messages(history, request)
    said = " ".join(str(m.content) for m in history if isinstance(m, HumanMessage))
    evidence = tokens(" ".join([said, json.dumps(request.flow["slots"], default=str),
                                json.dumps(request.customer or {}, default=str),
                                *(json.dumps(s["result"], default=str) for s in request.kept if s["result"])]))
    kept_ids = {local_id(s["id"]) for s in request.kept}

    def check(plan: SupportPlan) -> list[str]:
        return plan_problems(plan, bound=bound, intents=set(request.intents), kept_ids=kept_ids, evidence=evidence)

    answer = ask(model, messages, SupportPlan, node="plan", tools=langchain_tools(tools), check=check,
                 all_tools=langchain_tools(all_tools()))
    steps = to_steps(answer.value, request) if answer.value is not None else []
    return ModelPlan(answer, steps, sorted(bound))


def planning_messages(history: Sequence[AnyMessage], request: PlanRequest) -> list[BaseMessage]:
    """The messages of a planning request (system prompt, then the recent conversation)."""
    facts = {k: v for k, v in request.flow["slots"].items() if v is not None}
    usual = {intent: [example_step(s, facts) for s in get_flow(intent).steps] for intent in request.intents}
    records = instance_records(request.flow)
    kept = [{"id": local_id(s["id"]), "status": s["status"], "tool": s["tool"], "args": s["args"],
             "result": _short((s["result"] or {}).get("data")), "error": s["error"]} for s in request.kept]
    system = render_prompt(
        "plan", intents=request.intents, customer=request.customer if request.customer else None,
        facts=facts, usual=usual, kept=kept, records=records,
        reason=request.reason, refund_limit=f"${request.policy.refund_approval_limit:,.2f}",
        policy=written_policy(request.policy))
    messages: list[BaseMessage] = [SystemMessage(content=system)]
    for message in list(history)[-HISTORY:]:
        if isinstance(message, HumanMessage | AIMessage) and isinstance(message.content, str):
            messages.append(type(message)(content=message.content))
    return messages


def instance_records(flow: Any) -> dict[str, list[dict[str, Any]]]:
    """Intent → each request instance's own values, for an intent asked for several records (requests.py
    ``spread_instances``): the model plans the intent's steps once per record, as the flow does."""
    keys = list(flow.get("intents") or [])
    out: dict[str, list[dict[str, Any]]] = {}
    for intent in dict.fromkeys(intent_of(k) for k in keys):
        mine = [k for k in keys if intent_of(k) == intent]
        if len(mine) > 1:
            requests = flow.get("requests") or {}
            out[intent] = [{n: v for n, v in (requests.get(k) or {}).get("slots", {}).items() if v is not None}
                           for k in mine]
    return out


def example_step(spec: StepSpec, facts: dict[str, Any]) -> StepSpec:
    """A flow step as the plan prompt shows it: ``$slots.X`` as the known fact (or ``<X>``), ``$message`` as a
    note to write; only ``$steps.ID.FIELD`` references stay, the one kind a plan may use."""

    def shown(value: Any) -> Any:
        if isinstance(value, str) and value in _FILLED_BY_FLOW:
            return _FILLED_BY_FLOW[value]
        if isinstance(value, str) and value.startswith("$slots."):
            known = resolve(value, {"slots": facts})
            return known if known is not None else f"<{value.split('.', 1)[1]}>"
        if isinstance(value, dict):
            return {k: shown(v) for k, v in value.items()}
        if isinstance(value, list):
            return [shown(v) for v in value]
        return value

    return spec.model_copy(update={"args": shown(spec.args)})


def _short(data: Any) -> Any:
    if data is None:
        return None
    text = json.dumps(data, default=str)
    return data if len(text) <= RESULT_CHARS else text[:RESULT_CHARS] + "…"


def tokens(text: str) -> set[str]:
    """The identifier-like words of ``text``, lower case: an id must be one of them exactly (order 1000 is not in
    "order 10001")."""
    return set(_TOKEN.findall(text.lower()))


def plan_problems(plan: SupportPlan, *, bound: set[str], intents: set[str], kept_ids: set[str],
                  evidence: set[str]) -> list[str]:
    """Everything wrong with a proposed plan, as sentences the model can act on (empty: it may run)."""
    problems: list[str] = []
    seen: set[str] = set()
    ancestors: dict[str, set[str]] = {}
    for step in plan.steps:
        ancestors[step.id] = set(step.depends_on).union(*(ancestors.get(d, set()) for d in step.depends_on))
        if step.id in seen or step.id in kept_ids:
            problems.append(render_problem("step_id_used", step=step.id))
        if step.tool not in bound:
            problems.append(render_problem("step_unknown_tool", step=step.id, tool=step.tool, tools=sorted(bound)))
        if step.intent not in intents:
            problems.append(render_problem("step_unknown_intent", step=step.id, intent=step.intent,
                                           intents=sorted(intents)))
        for dep in step.depends_on:
            if dep not in seen and dep not in kept_ids:
                problems.append(render_problem("step_unknown_dependency", step=step.id, dependency=dep))
        if step.tool in bound:
            problems += _argument_problems(step, ancestors[step.id] | kept_ids, evidence)
        seen.add(step.id)
    return problems


def _argument_problems(step: PlannedStep, allowed: set[str], evidence: set[str]) -> list[str]:
    tool = get_tool(step.tool)
    refs = {k for k, v in step.args.items() if isinstance(v, str) and v.startswith("$")}
    problems = []
    for key in refs:
        match = _REF.match(step.args[key])
        if not match:
            problems.append(render_problem("step_bad_reference", step=step.id, argument=key, value=step.args[key]))
        elif match.group(1) not in allowed:
            problems.append(render_problem("step_unrelated_reference", step=step.id, argument=key,
                                           referenced=match.group(1)))
    literal = {k: v for k, v in step.args.items() if k not in refs}
    try:
        tool.args_schema.model_validate(literal)
    except ValidationError as exc:
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "arguments"
            if field in refs and err["type"] == "missing":
                continue
            if not err["loc"] and refs:
                continue  # a check across fields (exactly one of invoice_id, charge_id) waits for the references
            problems.append(render_problem("step_invalid_argument", step=step.id, tool=tool.name, field=field,
                                           message=err["msg"]))
    for key, value in literal.items():
        if key.endswith(("_id", "_ids")):
            for item in value if isinstance(value, list) else [value]:
                if str(item).lower() not in evidence:
                    problems.append(render_problem("step_invented_id", step=step.id, argument=key, value=item))
    return problems


def to_steps(plan: SupportPlan, request: PlanRequest) -> list[Step]:
    full = {local_id(s["id"]): s["id"] for s in request.kept}
    for p in plan.steps:
        full[p.id] = f"{p.intent}.{p.id}"
    steps: list[Step] = []
    for p in plan.steps:
        tool = get_tool(p.tool)
        depends = [full[d] for d in p.depends_on]
        if request.verify_first and "verify" not in depends:
            depends.insert(0, "verify")
        steps.append({
            "id": full[p.id], "intent": p.intent, "tool": p.tool, "args": dict(p.args), "depends_on": depends,
            "why": p.why, "writes": tool.writes,
            # The tool decides whether the customer's yes is needed, never the intent label the model chose; a step
            # confirmed when asked reads the customer's own words, as the local flow does.
            "status": "awaiting_confirmation" if step_waits(
                p.tool, p.intent, text_for(request.flow, p.intent, request.message), request.message) else "pending",
            "result": None, "error": None, "hold_reason": None, "approved_by": None, "confirmed": False,
        })
    return steps
