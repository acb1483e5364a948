"""Which of a run's checkpointer commits wait for the disk (Postgres).

A run with ``durability="sync"`` commits each task's writes and each step's checkpoint before it goes on, and on
Postgres each such commit waited for its log record to reach the disk (an fsync, 4–8 ms on this machine's disk,
where the statements take ~1 ms): a review's resume made five of them, a plain turn eight to ten.

Only the commit that ends a run needs to wait. Postgres flushes its log in order, so a commit that waits for the
disk makes every commit before it durable too, from any session of the server. The others commit with
``synchronous_commit`` off for their own transaction: they are visible at once and survive the process that made
them (they are committed), and only a crash of the database server itself within a fraction of a second can lose
them — and then only together with everything after them, up to the next commit that waited. What the thread
then keeps is an earlier checkpoint of the same run, with its tasks still to run: what a process killed at that
point leaves, which the next touch of the thread finishes (service/recovery.py; the run's business writes are
idempotent per turn and step). A business write commits waiting for the disk, so a step's refund is never
durable without the checkpoint its step started from (the plan it carries out), as before.

What waits: a checkpoint after which the run stops (no node is triggered and no ``Send`` pending: the turn's
last), and the writes that end a run (an interrupt: the thread waits for a reviewer, who is told so; an error).
What does not: the writes of a task whose step's checkpoint follows, every checkpoint with work left after it (the
input, the start, a step before another), the review claim a resume makes before it runs
(foundation/audit.py), and the clean-up of applied writes (service/review_index.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langgraph.checkpoint.base import Checkpoint

# Run first in a write's transaction (a pipeline's implicit one, or an explicit one): its commit does not wait.
NO_WAIT_SQL = "SELECT set_config('synchronous_commit', 'off', true)"

_RUN_ENDS = ("__interrupt__", "__error__")  # langgraph's INTERRUPT and ERROR channels
_START = "__start__"
_TRIGGER = "branch:to:"  # the channel that triggers node X is "branch:to:X" (and START's is "__start__")
_SENDS = "__pregel_tasks"  # langgraph's TASKS: Sends waiting to run


def writes_end_run(writes: Sequence[tuple[str, Any]]) -> bool:
    """Do these task writes end the run (an interrupt or an error), with no checkpoint after them?"""
    return any(channel in _RUN_ENDS for channel, _ in writes)


def checkpoint_ends_run(checkpoint: Checkpoint) -> bool:
    """Is ``checkpoint`` the last of its run: no node triggered (its trigger channel holds a value, of a version
    the node has not seen), no Send pending? LangGraph's own rule for the next tasks, read from the checkpoint; a
    channel it cannot place counts as no trigger, the safe side: that commit waits."""
    values, versions, seen = checkpoint["channel_values"], checkpoint["channel_versions"], checkpoint["versions_seen"]
    if values.get(_SENDS):
        return False
    for channel, version in versions.items():
        if channel not in values:  # empty (a trigger is emptied when its node runs)
            continue
        if channel == _START:
            node = _START
        elif channel.startswith(_TRIGGER):
            node = channel[len(_TRIGGER):]
        else:
            continue
        last_seen = seen.get(node, {}).get(channel)
        if last_seen is None or _newer(version, last_seen):
            return False
    return True


def _newer(version: Any, than: Any) -> bool:
    if type(version) is type(than):
        return bool(version > than)
    return str(version).split(".")[0].zfill(32) > str(than).split(".")[0].zfill(32)
