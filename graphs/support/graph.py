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
from graphs.support.routing import after_plan
from graphs.support.state import InputState, State
from graphs.support.steps import (
    after_acting,
    after_assessing,
    after_reading,
    always,
    assesses_now,
    in_one_step,
    own_step,
    reads_on,
    replies_now,
)

builder = StateGraph(State, input_schema=InputState, context_schema=Context)
# Nodes that run one after another run as one step (graphs/support/steps.py): ingest, understand and plan; act,
# assess and respond. A plain turn writes four checkpoints, not eight. Every step, of one node or several, writes
# its audit records in one insert (a reviewer's resume: human_review's and respond's).
builder.add_node("ingest", in_one_step(changes_only(ingest), (reads_on, changes_only(understand)),
                                       (always, changes_only(plan))))
builder.add_node("plan", own_step(changes_only(plan)))
builder.add_node("act", in_one_step(changes_only(act), (assesses_now, changes_only(assess)),
                                    (replies_now, changes_only(respond))))
builder.add_node("assess", in_one_step(changes_only(assess), (replies_now, changes_only(respond))))
builder.add_node("respond", own_step(changes_only(respond)))
builder.add_node("human_review", own_step(changes_only(human_review)))
builder.add_edge(START, "ingest")
builder.add_conditional_edges("ingest", after_reading)
builder.add_conditional_edges("plan", after_plan)
builder.add_conditional_edges("act", after_acting)
builder.add_conditional_edges("assess", after_assessing)
builder.add_edge("respond", END)

graph = builder.compile(name="support")
