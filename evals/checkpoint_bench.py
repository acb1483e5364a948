"""``supportgraph bench checkpoint``: how much a conversation writes to the checkpointer, what the latest
checkpoint keeps, and how long resuming an interrupted thread takes (in process, SQLite and Postgres).

Bytes are what the checkpointer's own tables hold for the thread after each turn (SQLite: ``checkpoints`` and
``writes``; Postgres: ``checkpoints``, ``checkpoint_blobs`` and ``checkpoint_writes``), so a turn's figure is
everything it added: every checkpoint of every step, and the writes between them. A benchmark: it prints.
"""

from __future__ import annotations

import json
import statistics
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from service.checkpoint_serde import plain_bytes
from service.conversations import SupportService, open_service
from service.demo import CONVERSATIONS

# Signed-in customer C0001, twenty turns that never wait for a reviewer: tracking, questions, a cancellation
# asked and withdrawn.
CONVERSATION: tuple[str, ...] = (
    "Where is my order 10003?", "How long does standard delivery take?", "What payment methods do you accept?",
    "Please cancel order 10001", "no, leave it", "Do you ship abroad?", "where is order 10003 now?",
    "what is your return policy?", "I forgot my password", "How do I change my email address?",
    "Where is my order 10003?", "Can I pay with PayPal?", "thanks, and how long do refunds take?",
    "What's the warranty on headphones?", "Where is my order 10003?", "Do you have a student discount?",
    "How long does express delivery take?", "What payment methods do you accept?", "where is order 10003?",
    "thanks, that's all",
)
# The demo's upset customer asking for a person (C0002): the thread waits for a reviewer, who answers.
INTERRUPTING = CONVERSATIONS[3].messages[0]
ANSWER = {"decisions": [{"type": "respond", "message": "Hi, this is Sam from customer care: I'm calling you now.",
                         "reviewer": "bench"}]}


@dataclass
class CheckpointReport:
    database: str
    turns: int
    bytes_per_turn: list[int]  # what each turn added to the thread's checkpoint tables
    latest_bytes: int  # the latest checkpoint of the thread, as JSON of its values
    state_keys: dict[str, int] = field(default_factory=dict)  # state key → its JSON bytes in the latest values
    resume_ms: list[float] = field(default_factory=list)
    turn_ms: list[float] = field(default_factory=list)
    checkpoints: int = 0  # checkpoints the conversation wrote
    read_ms: list[float] = field(default_factory=list)  # reads of the conversation's state at its end
    channels: dict[str, int] = field(default_factory=dict)  # channel_bytes of the conversation

    @property
    def median_bytes(self) -> float:
        return statistics.median(self.bytes_per_turn) if self.bytes_per_turn else 0.0

    @property
    def resume_p50_ms(self) -> float:
        return statistics.median(self.resume_ms) if self.resume_ms else 0.0

    def lines(self) -> list[str]:
        """The report as the benchmark prints it."""
        per_turn = ", ".join(f"{b / 1024:.1f}" for b in self.bytes_per_turn)
        return [
            f"{self.database}: {self.turns} turns · checkpoint KB per turn: median {self.median_bytes / 1024:.1f} · "
            f"max {max(self.bytes_per_turn) / 1024:.1f} · total {sum(self.bytes_per_turn) / 1024:.1f} ({per_turn})",
            f"  {self.checkpoints / self.turns:.1f} checkpoints per turn · KB per turn by channel (writes and blobs; "
            "checkpoints: the rows): " + ", ".join(f"{k} {v / self.turns / 1024:.2f}"
                                                   for k, v in self.channels.items() if v >= 16 * self.turns),
            f"  latest state {self.latest_bytes / 1024:.1f} KB as JSON: " + ", ".join(
                f"{k} {v / 1024:.1f}" for k, v in self.state_keys.items() if v >= 64),
            f"  turn p50 {statistics.median(self.turn_ms):.1f} ms · state read at the end p50 "
            f"{statistics.median(self.read_ms):.1f} ms · resume of an interrupted thread: p50 "
            f"{self.resume_p50_ms:.1f} ms over {len(self.resume_ms)}",
        ]


def thread_bytes(service: SupportService, thread_id: str) -> int:
    """Bytes the checkpointer holds for ``thread_id`` (every checkpoint, blob and write)."""
    saver: Any = service.graph.checkpointer
    if service.context.database_url.startswith("sqlite:///"):
        conn = saver.conn
        with saver.lock:
            one = conn.execute("SELECT coalesce(sum(length(checkpoint) + length(metadata)), 0) FROM checkpoints "
                               "WHERE thread_id = ?", (thread_id,)).fetchone()[0]
            two = conn.execute("SELECT coalesce(sum(length(value)), 0) FROM writes WHERE thread_id = ?",
                               (thread_id,)).fetchone()[0]
        return int(one) + int(two)
    with saver._cursor() as cur:
        total = 0
        for sql in ("SELECT coalesce(sum(pg_column_size(checkpoint) + pg_column_size(metadata)), 0) AS n "
                    "FROM checkpoints WHERE thread_id = %s",
                    "SELECT coalesce(sum(octet_length(blob)), 0) AS n FROM checkpoint_blobs WHERE thread_id = %s",
                    "SELECT coalesce(sum(octet_length(blob)), 0) AS n FROM checkpoint_writes WHERE thread_id = %s"):
            cur.execute(sql, (thread_id,))
            total += int(cur.fetchone()["n"])
        return total


def channel_bytes(service: SupportService, thread_id: str) -> dict[str, int]:
    """``thread_bytes`` split by where it goes: the checkpoint rows (SQLite: each with every value but the
    messages'; Postgres: versions and inline values), and per channel its writes and (Postgres) blobs."""
    saver: Any = service.graph.checkpointer
    sizes: dict[str, int] = {}
    if service.context.database_url.startswith("sqlite:///"):
        with saver.lock:
            rows = [("(checkpoints)", saver.conn.execute(
                "SELECT coalesce(sum(length(checkpoint) + length(metadata)), 0) FROM checkpoints WHERE thread_id = ?",
                (thread_id,)).fetchone()[0])]
            rows += saver.conn.execute("SELECT channel, sum(length(value)) FROM writes WHERE thread_id = ? "
                                       "GROUP BY channel", (thread_id,)).fetchall()
    else:
        with saver._cursor() as cur:
            cur.execute("SELECT coalesce(sum(pg_column_size(checkpoint) + pg_column_size(metadata)), 0) AS n "
                        "FROM checkpoints WHERE thread_id = %s", (thread_id,))
            rows = [("(checkpoints)", cur.fetchone()["n"])]
            for table in ("checkpoint_blobs", "checkpoint_writes"):
                cur.execute(f"SELECT channel, sum(octet_length(blob)) AS n FROM {table} WHERE thread_id = %s "
                            "GROUP BY channel", (thread_id,))
                rows += [(r["channel"], r["n"]) for r in cur.fetchall()]
    for channel, n in rows:
        sizes[channel] = sizes.get(channel, 0) + int(n or 0)
    return dict(sorted(sizes.items(), key=lambda kv: -kv[1]))


def checkpoint_count(service: SupportService, thread_id: str) -> int:
    saver: Any = service.graph.checkpointer
    return sum(1 for _ in saver.list({"configurable": {"thread_id": thread_id}}))


def stored_payloads(service: SupportService, thread_id: str) -> dict[tuple[str, ...], bytes]:
    """Every payload the checkpointer holds for ``thread_id``, by its key: each checkpoint (SQLite: with its
    values; Postgres: the row, its inline values), each channel blob (Postgres) and each write, as the
    serializer's plain bytes (inflated where stored compressed)."""
    saver: Any = service.graph.checkpointer
    found: dict[tuple[str, ...], bytes] = {}
    if service.context.database_url.startswith("sqlite:///"):
        with saver.lock:
            for cid, type_, blob in saver.conn.execute("SELECT checkpoint_id, type, checkpoint FROM checkpoints "
                                                       "WHERE thread_id = ?", (thread_id,)):
                found[("checkpoint", cid)] = plain_bytes(type_, bytes(blob))
            for cid, task, idx, channel, type_, value in saver.conn.execute(
                    "SELECT checkpoint_id, task_id, idx, channel, type, value FROM writes WHERE thread_id = ?",
                    (thread_id,)):
                found[("write", cid, task, str(idx), channel)] = plain_bytes(type_ or "", bytes(value or b""))
        return found
    with saver._cursor() as cur:
        cur.execute("SELECT checkpoint_id, checkpoint::text AS body FROM checkpoints WHERE thread_id = %s",
                    (thread_id,))
        found.update({("checkpoint", r["checkpoint_id"]): r["body"].encode() for r in cur.fetchall()})
        cur.execute("SELECT channel, version, type, blob FROM checkpoint_blobs WHERE thread_id = %s", (thread_id,))
        found.update({("blob", r["channel"], r["version"]): plain_bytes(r["type"], bytes(r["blob"] or b""))
                      for r in cur.fetchall()})
        cur.execute("SELECT checkpoint_id, task_id, idx, channel, type, blob FROM checkpoint_writes "
                    "WHERE thread_id = %s", (thread_id,))
        found.update({("write", r["checkpoint_id"], r["task_id"], str(r["idx"]), r["channel"]):
                      plain_bytes(r["type"] or "", bytes(r["blob"] or b"")) for r in cur.fetchall()})
    return found


def state_sizes(values: dict[str, Any]) -> dict[str, int]:
    """JSON bytes of each state key (messages as their content and kind), largest first."""
    sizes = {}
    for key, value in values.items():
        if key == "messages":
            value = [{"type": m.type, "content": m.content, "id": m.id} for m in value]
        sizes[key] = len(json.dumps(value, default=str))
    return dict(sorted(sizes.items(), key=lambda kv: -kv[1]))


def bench_checkpoint(database_url: str, *, turns: int = 20, resumes: int = 10) -> CheckpointReport:
    """A ``turns``-turn conversation (CONVERSATION, repeated if longer), then ``resumes`` interrupted threads
    resumed by a reviewer, timed."""
    run = uuid.uuid4().hex[:6]
    thread = f"bench-ckpt-{run}"
    with open_service(database_url) as service:
        service.warm_up()
        added, turn_ms = [], []
        before = thread_bytes(service, thread)
        for n in range(turns):
            started = time.perf_counter()
            service.send(thread, CONVERSATION[n % len(CONVERSATION)], customer_id="C0001")
            if service.pending_review(thread) is not None:  # held for a person: a reviewer answers in the turn
                service.resume(thread, ANSWER)
            turn_ms.append((time.perf_counter() - started) * 1000)
            after = thread_bytes(service, thread)
            added.append(after - before)
            before = after
        values = service.graph.get_state({"configurable": {"thread_id": thread}}).values
        sizes = state_sizes(values)
        checkpoints, channels = checkpoint_count(service, thread), channel_bytes(service, thread)
        read_ms = []
        for _ in range(10):  # what every turn of the thread pays at its start (and every read of the thread)
            started = time.perf_counter()
            service.graph.get_state({"configurable": {"thread_id": thread}})
            read_ms.append((time.perf_counter() - started) * 1000)
        resume_ms = []
        for n in range(resumes):
            waiting = f"bench-resume-{run}-{n}"
            service.send(waiting, INTERRUPTING, customer_id="C0002")
            if service.pending_review(waiting) is None:
                continue
            started = time.perf_counter()
            service.resume(waiting, ANSWER)
            resume_ms.append((time.perf_counter() - started) * 1000)
    label = database_url.split("@")[-1] if "@" in database_url else "sqlite"
    return CheckpointReport(label, turns, added, sum(sizes.values()), sizes, resume_ms, turn_ms,
                            checkpoints=checkpoints, channels=channels, read_ms=read_ms)
