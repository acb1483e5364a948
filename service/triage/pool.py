"""Triage batches in worker processes: entities, sentiment and the intent model are CPU-bound Python and numpy,
so on an n-core machine n processes triage about n times as many rows per second as one.

Each worker builds its own ``Annotator`` once (the router loads from the on-disk cache the parent's run built)
and runs one BLAS/ONNX thread, so the workers do not fight over the cores. At most ``2 × workers`` batches are in
flight, which keeps the run streaming; results come back in input order.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from typing import Any

from graphs.reasoners.local.router import load_router
from service.triage.rows import Annotator, TriageError

Batch = list[tuple[dict[str, Any], str]]
Done = tuple[Batch, list[dict[str, Any]]]
_annotator: Annotator | None = None


def _start_worker(router: str | None, now: datetime, catalogue: tuple[str, ...]) -> None:
    global _annotator
    # Before numpy, torch or ONNX Runtime start their thread pools: one thread each per worker.
    os.environ.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                       "SUPPORTGRAPH_EMBED_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"})
    # inside: in the worker, after the thread variables above are set
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    _annotator = Annotator(router, now=now, catalogue=catalogue)


def _annotate(texts: list[str]) -> list[dict[str, Any]]:
    assert _annotator is not None, "worker not initialised"
    return _annotator.annotate(texts)


class WorkerPool:
    """Ordered, bounded triage of batches in ``workers`` processes."""

    def __init__(self, workers: int, router: str | None, *, now: datetime, catalogue: tuple[str, ...]) -> None:
        if router is None or isinstance(router, str):
            load_router()  # build the caches once here, not in every worker at the same time
        self.executor = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker,
            initargs=(router, now, catalogue),
        )
        self.window = 2 * workers
        self.pending: deque[tuple[Batch, Future[list[dict[str, Any]]]]] = deque()

    def submit(self, batch: Batch) -> Iterator[Done]:
        """Queue ``batch``; yields the oldest finished batches while the window is full."""
        self.pending.append((batch, self.executor.submit(_annotate, [text for _, text in batch])))
        while len(self.pending) >= self.window or (self.pending and self.pending[0][1].done()):
            yield self._oldest()

    def finish(self, batch: Batch) -> Iterator[Done]:
        """Queue the last (possibly empty) batch and yield every outstanding one."""
        if batch:
            self.pending.append((batch, self.executor.submit(_annotate, [text for _, text in batch])))
        while self.pending:
            yield self._oldest()

    def _oldest(self) -> Done:
        batch, future = self.pending.popleft()
        try:
            return batch, future.result()
        except BrokenProcessPool as exc:
            raise TriageError(f"a triage worker process died ({exc}); rerun with --workers 1 to see why") from None

    def close(self) -> None:
        for _, future in self.pending:
            future.cancel()
        self.executor.shutdown(wait=True, cancel_futures=True)
