"""The support graph's wiring, as exported for LangGraph servers and as compiled by the service."""

from __future__ import annotations

from service.conversations import SupportService

NODES = {"ingest", "understand", "plan", "act", "assess", "respond", "human_review"}


def test_graph_structure_and_no_exported_checkpointer(service: SupportService) -> None:
    from graphs.support.graph import graph

    drawn = graph.get_graph()
    nodes = set(drawn.nodes) - {"__start__", "__end__"}
    assert nodes == NODES, f"nodes {sorted(nodes)}"
    edges = {(e.source, e.target) for e in drawn.edges}
    for edge in [("assess", "respond"), ("assess", "human_review"), ("human_review", "act"),
                 ("human_review", "respond"), ("__start__", "ingest"), ("plan", "act"), ("act", "assess"),
                 ("respond", "__end__")]:
        assert edge in edges, f"missing edge {edge}; edges {sorted(edges)}"
    assert graph.checkpointer is None, "the exported graph must leave the checkpointer to its host"
    assert service.graph.checkpointer is not None, "the service must attach the database's checkpointer"
    served = {(e.source, e.target) for e in service.graph.get_graph().edges}
    assert served == edges, "the service compiles a different graph from the exported one"
