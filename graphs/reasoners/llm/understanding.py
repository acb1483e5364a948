"""Understanding with a chat model: intents, entities, sentiment, missing information and a rationale.

The local router has already run; the model's reading replaces its intents, and how far the two agree is kept
as ``agreement`` for the confidence model. Identifiers the model reports must occur in what the customer wrote.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, BaseMessage, HumanMessage, SystemMessage

from graphs.reasoners.llm.asking import Answer, ask
from graphs.reasoners.llm.prompting import render_problem, render_prompt
from graphs.reasoners.llm.schemas import CustomerUnderstanding
from graphs.support.flows import load_flows
from graphs.support.state import Customer, DialogueState, IntentGuess

HISTORY = 8  # messages of the conversation the model reads


@dataclass
class ModelReading:
    answer: Answer[CustomerUnderstanding]
    messages: list[BaseMessage]


def read_customer(model: BaseChatModel, history: Sequence[AnyMessage], customer: Customer | None,
                  flow_intents: Sequence[str], dialogue: DialogueState | None = None) -> ModelReading:
    """Ask the model what the customer wants, checked against the intent list and the customer's own words.

    ``dialogue`` is the dialogue state the local reading found (graphs/support/dialogue.py): what the agent
    asked, what is on record and the reply's dialogue act; the model reads the reply against the same state."""
    verified = customer if customer and customer["verified"] else None
    system = render_prompt("understand", intents=sorted(load_flows()), customer=verified,
                           flow_intents=list(flow_intents), dialogue=dialogue)
    messages: list[BaseMessage] = [SystemMessage(content=system)]
    for message in list(history)[-HISTORY:]:
        if isinstance(message, HumanMessage | AIMessage) and isinstance(message.content, str):
            messages.append(type(message)(content=message.content))
    said = " ".join(str(m.content) for m in history if isinstance(m, HumanMessage))
    answer = ask(model, messages, CustomerUnderstanding, node="understand", check=lambda u: _problems(u, said))
    return ModelReading(answer, messages)


def _problems(reading: CustomerUnderstanding, said: str) -> list[str]:
    known = load_flows()
    problems = [render_problem("unknown_intent", intent=i.intent) for i in reading.intents if i.intent not in known]
    digits = set(re.findall(r"\d+", said))
    lowered = said.lower()
    problems += [render_problem("unsaid_order_id", order_id=o) for o in reading.entities.order_ids
                 if str(o) not in digits]
    problems += [render_problem("unsaid_invoice_id", invoice_id=i) for i in reading.entities.invoice_ids
                 if i.lower() not in lowered]
    problems += [render_problem("unsaid_email", email=e) for e in reading.entities.emails if e.lower() not in lowered]
    return problems


def intents_of(reading: CustomerUnderstanding) -> list[IntentGuess]:
    seen: dict[str, float] = {}
    for choice in reading.intents:
        seen.setdefault(choice.intent, round(choice.confidence, 4))
    return [{"intent": name, "confidence": confidence} for name, confidence in seen.items()]


def agreement(model_intents: Sequence[IntentGuess], router_intents: Sequence[IntentGuess]) -> float:
    """Share of the model's intents that the local router also found (1.0: full agreement)."""
    if not model_intents:
        return 0.0
    router = {i["intent"] for i in router_intents}
    return sum(i["intent"] in router for i in model_intents) / len(model_intents)


def entities_of(reading: CustomerUnderstanding) -> dict[str, object]:
    """The model's entities in the local extractor's shape (keys present only when something was found)."""
    found = reading.entities.model_dump(exclude_none=True)
    return {k: v for k, v in found.items() if v not in ([], "", None)}
