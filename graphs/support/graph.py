"""The support graph, wired. Compiled without a checkpointer: each host attaches its own."""

from langgraph.graph import END, START, StateGraph

from graphs.support.changes import changes_only
from graphs.support.context import Context
from graphs.support.nodes.act import act
from graphs.support.nodes.assess import assess
from graphs.support.nodes.human_review import human_review
from graphs.support.nodes.ingest import ingest
from graphs.support.nodes.plan import plan
from graphs.support.nodes.respond import respond
from graphs.support.nodes.understand import understand
from graphs.support.routing import after_act, after_assess, after_ingest, after_plan
from graphs.support.state import InputState, State

builder = StateGraph(State, input_schema=InputState, context_schema=Context)
builder.add_node("ingest", changes_only(ingest))
builder.add_node("understand", changes_only(understand))
builder.add_node("plan", changes_only(plan))
builder.add_node("act", changes_only(act))
builder.add_node("assess", changes_only(assess))
builder.add_node("respond", changes_only(respond))
builder.add_node("human_review", changes_only(human_review))
builder.add_edge(START, "ingest")
builder.add_conditional_edges("ingest", after_ingest)
builder.add_edge("understand", "plan")
builder.add_conditional_edges("plan", after_plan)
builder.add_conditional_edges("act", after_act)
builder.add_conditional_edges("assess", after_assess)
builder.add_edge("respond", END)

graph = builder.compile(name="support")
