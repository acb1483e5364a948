"""Prompt tokens saved by binding only the relevant tools to the planner: ``supportgraph bench tokens``.

For the same conversations — the project's held-out intent examples (one per message, gold intent) and the
seed's multi-step cases (several intents) — the planning request is built exactly as the LLM reasoner builds
it, once with the relevant tools bound and once with every tool, and both are counted with tiktoken
(o200k_base, offline). Nothing is sent to a model.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.messages import HumanMessage

from evals.intents import held_out_examples
from graphs.reasoners.llm.accounting import prompt_tokens
from graphs.reasoners.llm.model import cost_usd
from graphs.reasoners.llm.planning import PlanRequest, planning_messages
from graphs.reasoners.llm.schemas import SupportPlan
from graphs.reasoners.llm.tool_selection import all_tools, langchain_tools, relevant_tools
from graphs.support.state import ActiveFlow, Customer

# The seed's hard cases: several systems, several intents in one message.
MULTI_STEP = [
    (["account_migration"], "I have two accounts, old one is maya.old@example.com, please merge it into this one "
                            "with my orders, subscription and saved cards"),
    (["billing_dispute"], "Invoice INV-000123 charged me twice for the same month, I want it fixed and refunded"),
    (["technical_issue"], "My Aurora ANC Headphones won't pair and the USB-C Charger 65W gets hot; I may need a "
                          "replacement"),
    (["track_order", "get_refund", "recover_password"],
     "Where is order 10003, can I get a refund for 10002, and I also can't log in"),
]
CUSTOMER: Customer = {"customer_id": "C0001", "name": "Maya Chen", "plan": "plus", "verified": True,
                      "verified_by": "channel"}


@dataclass(frozen=True)
class TokenFigures:
    conversations: int
    relevant_mean: float
    all_mean: float
    relevant_tools_mean: float
    all_tools: int

    @property
    def saved_mean(self) -> float:
        return self.all_mean - self.relevant_mean

    @property
    def saved_share(self) -> float:
        return self.saved_mean / self.all_mean if self.all_mean else 0.0


def _flow(intents: Sequence[str]) -> ActiveFlow:
    return {"intents": list(intents), "confidences": dict.fromkeys(intents, 1.0), "slots": {},
            "stage": "executing", "asking": [], "low_confidence_turns": 0}


def measure(cases: Sequence[tuple[Sequence[str], str]]) -> TokenFigures:
    everything = langchain_tools(all_tools())
    relevant_counts, all_counts, bound = [], [], []
    for intents, text in cases:
        request = PlanRequest(intents=list(intents), flow=_flow(intents), customer=CUSTOMER, kept=[])
        messages = planning_messages([HumanMessage(content=text)], request)
        tools = relevant_tools(intents)
        relevant_counts.append(prompt_tokens(messages, [SupportPlan, *langchain_tools(tools)]))
        all_counts.append(prompt_tokens(messages, [SupportPlan, *everything]))
        bound.append(len(tools))
    return TokenFigures(len(cases), statistics.fmean(relevant_counts), statistics.fmean(all_counts),
                        statistics.fmean(bound), len(everything))


def benchmark() -> dict[str, TokenFigures]:
    single = [([e.intent], e.text) for e in held_out_examples()]
    return {"held-out single-intent messages": measure(single), "multi-step seed cases": measure(MULTI_STEP)}


def per_turn_cost(figures: TokenFigures) -> tuple[float, float]:
    """Prompt cost of one planning call (USD at the configured prices): relevant tools, all tools."""
    return cost_usd(round(figures.relevant_mean), 0), cost_usd(round(figures.all_mean), 0)
