"""Two tool calls interleaved at one point, deterministically, with real threads and real transactions.

The test patches a backend method to call :meth:`Interleave.checkpoint` at the point where a check-then-act
race would open (after a read, before the write that depends on it). ``run(first, second)`` starts ``first``
and stops it there; then it starts ``second`` and lets ``first`` go on once ``second`` has reached the same
point too (the race: both read before either wrote) or is waiting for a lock ``first`` holds (no race: the
second reads after the first commits). No sleeps decide anything: the wait for ``second`` ends on an event.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import event, text

from tools.store import BusinessStore

T = TypeVar("T")
GIVE_UP_S = 60  # only a hung test ever waits this long
_WRITES = ("INSERT", "UPDATE", "DELETE", "BEGIN IMMEDIATE")


class Interleave:
    """Runs two calls against ``store``; see the module docstring."""

    def __init__(self, store: BusinessStore) -> None:
        self.store = store
        self._roles: dict[int, str] = {}
        self._first_paused = threading.Event()
        self._resume = threading.Event()
        self._second_arrived = threading.Event()
        self._second_writes = threading.Event()

    def checkpoint(self) -> None:
        """The point both calls pass: the first waits here until the second arrived or is blocked by it."""
        role = self._roles.get(threading.get_ident())
        if role == "first" and not self._first_paused.is_set():
            self._first_paused.set()
            if not self._resume.wait(GIVE_UP_S):
                raise RuntimeError("the second call never reached the checkpoint nor waited for the first")
        elif role == "second":
            self._second_arrived.set()

    def _second_waits_for_a_lock(self) -> bool:
        if self.store.db.dialect == "postgresql":
            with self.store.db.begin() as conn:
                waiting = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                ).scalar_one()
            return bool(waiting)
        # SQLite has one writer at a time: a write (or BEGIN IMMEDIATE) waits while the first holds the lock.
        return self._second_writes.is_set()

    def _on_statement(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if self._roles.get(threading.get_ident()) == "second" and statement.lstrip().upper().startswith(_WRITES):
            self._second_writes.set()

    def run(self, first: Callable[[], T], second: Callable[[], T]) -> tuple[T, T]:
        results: dict[str, T] = {}
        errors: list[BaseException] = []

        def _runner(role: str, fn: Callable[[], T]) -> None:
            self._roles[threading.get_ident()] = role
            try:
                results[role] = fn()
            except BaseException as exc:  # re-raised in the test's thread
                errors.append(exc)
                self._first_paused.set()

        engine = self.store.db.engine
        event.listen(engine, "before_cursor_execute", self._on_statement)
        try:
            one = threading.Thread(target=_runner, args=("first", first))
            one.start()
            assert self._first_paused.wait(GIVE_UP_S), "the first call never reached the checkpoint"
            two = threading.Thread(target=_runner, args=("second", second))
            two.start()
            for _ in range(GIVE_UP_S * 100):
                if self._second_arrived.is_set() or not two.is_alive() or self._second_waits_for_a_lock():
                    break
                self._second_arrived.wait(0.01)  # polls the lock view; the event ends it early
            self._resume.set()
            one.join(GIVE_UP_S)
            two.join(GIVE_UP_S)
        finally:
            self._resume.set()
            event.remove(engine, "before_cursor_execute", self._on_statement)
        if errors:
            raise errors[0]
        assert not one.is_alive() and not two.is_alive(), "a call is still running"
        return results["first"], results["second"]
