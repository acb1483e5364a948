"""The support graph, wired. Compiled without a checkpointer: each host attaches its own."""

from langgraph.graph import END, START, StateGraph

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
builder.add_node("ingest", ingest)
builder.add_node("understand", understand)
builder.add_node("plan", plan)
builder.add_node("act", act)
builder.add_node("assess", assess)
builder.add_node("respond", respond)
builder.add_node("human_review", human_review)
builder.add_edge(START, "ingest")
builder.add_conditional_edges("ingest", after_ingest)
builder.add_edge("understand", "plan")
builder.add_conditional_edges("plan", after_plan)
builder.add_conditional_edges("act", after_act)
builder.add_conditional_edges("assess", after_assess)
builder.add_edge("respond", END)

graph = builder.compile(name="support")
