"""LangGraph Studio: `langgraph dev` serves the support graph offline, and its graph endpoint (what Studio draws)
has every node and every conditional edge of the graph as compiled in-process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.server.running import free_port
from tests.studio.drawing import compiled, drawn

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
OFFLINE = {"LANGGRAPH_CLI_NO_ANALYTICS": "1", "LANGGRAPH_NO_VERSION_CHECK": "true", "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1", "LANGSMITH_TRACING": "false"}


@pytest.fixture(scope="module")
def studio_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    workdir = tmp_path_factory.mktemp("studio")
    # langgraph dev resolves graph paths from its cwd and keeps state files in ./.langgraph_api: run it in a
    # scratch directory on the project's langgraph.json with its paths made absolute.
    config = json.loads((ROOT / "langgraph.json").read_text(encoding="utf-8"))
    config["graphs"] = {name: str(ROOT / path) for name, path in config["graphs"].items()}
    config["dependencies"] = [str(ROOT / dep) for dep in config.get("dependencies", [])]
    (workdir / "langgraph.json").write_text(json.dumps(config), encoding="utf-8")
    log = (workdir / "langgraph-dev.log").open("wb")
    command = [str(Path(sys.executable).with_name("langgraph")), "dev", "--no-browser", "--no-reload",
               "--host", "127.0.0.1", "--port", str(port), "--config", str(workdir / "langgraph.json")]
    process = subprocess.Popen(command, cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
                               env={**os.environ, **OFFLINE})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, (workdir / "langgraph-dev.log").read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "langgraph dev did not answer within 180 s"
            try:
                if httpx.get(url + "/ok", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


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
    assert {("ingest", "understand"), ("assess", "human_review"), ("assess", "respond"),
            ("human_review", "act"), ("human_review", "respond")} <= conditional, conditional
