"""The floor of ``supportgraph bench serve``: a trivial 3-node graph, served by the same server kind (Aegra) with
the same checkpointer (its Postgres saver) as the support graph, so the difference is what supportgraph adds.

Each node does next to nothing: the figures of this graph are what the server and the checkpointer cost.
"""

# No `from __future__ import annotations`: Aegra loads this file outside sys.modules, where LangGraph could not
# resolve the state's string annotations.
from typing import Annotated, Any

from langchain_core.messages import AIMessage, AnyMessage
from langgraph.graph import END, START, StateGraph, add_messages
from typing_extensions import TypedDict


class FloorState(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    seen: int
    reply: str


def _read(state: FloorState) -> dict[str, Any]:
    return {"seen": len(state.get("messages", []))}


def _decide(state: FloorState) -> dict[str, Any]:
    return {"reply": f"{state.get('seen', 0)} message(s) read"}


def _answer(state: FloorState) -> dict[str, Any]:
    return {"messages": [AIMessage(content=state.get("reply", ""))]}


builder = StateGraph(FloorState)
builder.add_node("read", _read)
builder.add_node("decide", _decide)
builder.add_node("answer", _answer)
builder.add_edge(START, "read")
builder.add_edge("read", "decide")
builder.add_edge("decide", "answer")
builder.add_edge("answer", END)
graph = builder.compile(name="floor")
