"""``langgraph dev`` (the other host of the graph, langgraph.json): a run failing inside a node streams an error
with a request id, never SQL, parameters or a traceback; the details are in the server's log (issue 18)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.graph.session_home import use_session_home
from tests.studio.langgraph_dev import langgraph_dev

pytestmark = pytest.mark.slow

LEAKS = ("INSERT", "SELECT", "psycopg", "Traceback", "sqlalchemy", "audit_events", "[SQL", "[parameters",
         "no such table")


def _events(response: httpx.Response) -> list[tuple[str, Any]]:
    events = []
    for block in response.read().decode().replace("\r\n", "\n").split("\n\n"):
        lines = block.split("\n")
        name = next((line[6:].strip() for line in lines if line.startswith("event:")), None)
        data = "\n".join(line[5:].lstrip() for line in lines if line.startswith("data:"))
        if name:
            events.append((name, data))
    return events


def test_a_run_failing_inside_a_node_streams_a_request_id_not_sql(tmp_path_factory: pytest.TempPathFactory) -> None:
    home = use_session_home(tmp_path_factory)  # the router, built once per test session
    workdir = tmp_path_factory.mktemp("dev-errors")
    database = workdir / "store.db"
    env = {"SUPPORTGRAPH_HOME": str(home), "SUPPORTGRAPH_DATABASE_URL": f"sqlite:///{database}"}
    with langgraph_dev(workdir, env) as (url, log), httpx.Client(base_url=url, timeout=240) as api:
        thread_id = api.post("/threads", json={}).json()["thread_id"]
        message = {"messages": [{"role": "user", "content": "hello"}]}
        first = api.post(f"/threads/{thread_id}/runs/wait", json={"assistant_id": "support", "input": message})
        assert first.status_code == 200, first.text
        with sqlite3.connect(database) as conn:  # every node writes the audit log: the next run fails on SQL
            conn.execute("ALTER TABLE audit_events RENAME TO audit_events_away")
        message = {"messages": [{"role": "user", "content": "where is order 10005?"}]}
        with api.stream("POST", f"/threads/{thread_id}/runs/stream",
                        json={"assistant_id": "support", "input": message, "stream_mode": ["values"]}) as streamed:
            events = _events(streamed)
        errors = [json.loads(data) for name, data in events if name == "error"]
        assert errors, events
        assert not [w for w in LEAKS if w in json.dumps(events)], events
        assert "request id" in errors[0]["message"], errors[0]
        request_id = errors[0]["message"].split("request id ", 1)[1].split(")", 1)[0]
        runs = api.get(f"/threads/{thread_id}/runs")
        assert runs.status_code == 200 and not [w for w in LEAKS if w in runs.text], runs.text[:3000]
        assert request_id in Path(log).read_text(errors="replace"), "the details are not in the log"
