"""LangGraph Studio: `langgraph dev` serves the support graph offline, and its graph endpoint (what Studio draws)
has every node and every conditional edge of the graph as compiled in-process."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.studio.drawing import compiled, drawn
from tests.studio.langgraph_dev import langgraph_dev

pytestmark = pytest.mark.slow

@pytest.fixture(scope="module")
def studio_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with langgraph_dev(tmp_path_factory.mktemp("studio")) as (url, _log):
        yield url


def test_studio_draws_every_node_and_conditional_edge(studio_url: str) -> None:
    assistants = httpx.post(studio_url + "/assistants/search", json={"graph_id": "support"}, timeout=30).json()
    assert [a["graph_id"] for a in assistants] == ["support"], assistants
    response = httpx.get(f"{studio_url}/assistants/{assistants[0]['assistant_id']}/graph", timeout=60)
    assert response.status_code == 200, response.text
    nodes, edges = drawn(response.json())
    want_nodes, want_edges = compiled()
    assert nodes == want_nodes, f"Studio's nodes {sorted(nodes)} differ from the graph's {sorted(want_nodes)}"
    assert edges == want_edges, f"Studio's edges differ: missing {want_edges - edges}, extra {edges - want_edges}"
    conditional = {(s, t) for s, t, c in edges if c}
    # ingest reads and plans in its step, act assesses and replies in its step (graphs/support/steps.py)
    assert {("ingest", "act"), ("ingest", "human_review"), ("act", "plan"), ("act", "human_review"),
            ("assess", "human_review"), ("human_review", "act"),
            ("human_review", "respond")} <= conditional, conditional
