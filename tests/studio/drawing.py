"""The support graph as a drawing: what Studio and the graph endpoint of either server show."""

from __future__ import annotations

from typing import Any

from graphs.support.graph import graph


def drawn(graph_json: dict[str, Any]) -> tuple[set[str], set[tuple[str, str, bool]]]:
    """Nodes and (source, target, conditional) edges of a graph as the Agent Protocol's graph endpoint sends it."""
    nodes = {str(n["id"]) for n in graph_json["nodes"]}
    edges = {(str(e["source"]), str(e["target"]), bool(e.get("conditional", False))) for e in graph_json["edges"]}
    return nodes, edges


def compiled() -> tuple[set[str], set[tuple[str, str, bool]]]:
    drawable = graph.get_graph()
    return set(drawable.nodes), {(e.source, e.target, bool(e.conditional)) for e in drawable.edges}
