"""The support graph's wiring, as exported for LangGraph servers and as compiled by the service."""

from __future__ import annotations

from typing import Any

from service.conversations import SupportService

# understand runs in ingest's step, assess and respond in act's (graphs/support/steps.py)
NODES = {"ingest", "plan", "act", "assess", "respond", "human_review"}


def test_graph_structure_and_no_exported_checkpointer(service: SupportService) -> None:
    from graphs.support.graph import graph

    drawn = graph.get_graph()
    nodes = set(drawn.nodes) - {"__start__", "__end__"}
    assert nodes == NODES, f"nodes {sorted(nodes)}"
    edges = {(e.source, e.target) for e in drawn.edges}
    for edge in [("assess", "__end__"), ("assess", "human_review"), ("ingest", "act"), ("act", "plan"),
                 ("human_review", "act"), ("human_review", "respond"), ("__start__", "ingest"), ("plan", "act"),
                 ("act", "__end__"), ("act", "human_review"), ("respond", "__end__")]:
        assert edge in edges, f"missing edge {edge}; edges {sorted(edges)}"
    assert graph.checkpointer is None, "the exported graph must leave the checkpointer to its host"
    assert service.graph.checkpointer is not None, "the service must attach the database's checkpointer"
    served = {(e.source, e.target) for e in service.graph.get_graph().edges}
    assert served == edges, "the service compiles a different graph from the exported one"


def test_a_plain_turn_takes_two_steps_after_its_input(service: SupportService) -> None:
    """ingest+understand+plan, then act+assess+respond: two steps, so four checkpoints (the input's, the one taking
    the input into the channels, one per step), where a step per node took eight."""
    report = service.send("steps", "Where is my order 10003?", customer_id="C0001")
    assert report.replies, report
    history = list(service.graph.get_state_history({"configurable": {"thread_id": "steps"}}))
    sources = [(h.metadata or {}).get("source") for h in history]
    assert sources.count("loop") == 3 and sources.count("input") == 1, sources


def test_a_step_writes_its_audit_records_in_one_insert(service: SupportService, monkeypatch: Any) -> None:
    """Each step's nodes record into one batch (foundation/audit.py ``batched``): a plain turn's two steps make
    two inserts, where each record (ingest, understand, plan, tool call, assess, respond) made its own. Counted
    where the records leave for the database: SQLAlchemy's statements on SQLite, the one simple query per batch
    that ``AuditLog.flush`` sends on the raw psycopg connection on Postgres."""
    from psycopg import ClientCursor
    from sqlalchemy import event

    from foundation.audit import open_audit_log

    log = open_audit_log(service.context.database_url)
    inserts: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT_EVENTS"):
            inserts.append(statement)

    raw_execute = ClientCursor.execute

    def raw_seen(cursor: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        if "INSERT INTO audit_events" in str(query):
            inserts.append(str(query))
        return raw_execute(cursor, query, *args, **kwargs)

    monkeypatch.setattr(ClientCursor, "execute", raw_seen)
    event.listen(log.db.engine, "before_cursor_execute", seen)
    try:
        service.send("batched", "Where is my order 10003?", customer_id="C0001")
    finally:
        event.remove(log.db.engine, "before_cursor_execute", seen)
    kinds = [e["kind"] for e in log.events("batched")]
    assert {"ingest", "understand", "plan", "tool_call", "assess", "respond"} <= set(kinds), kinds
    assert len(inserts) == 2, f"{len(inserts)} inserts for {kinds}"
