"""A process that runs the support graph multiplies small matrices on one BLAS thread (foundation/blas.py): on a
busy 2-core machine a second thread only spun (the served turn's CPU fell ~30 ms without it)."""

from __future__ import annotations

from pathlib import Path

from threadpoolctl import threadpool_info, threadpool_limits

from foundation.blas import one_blas_thread
from service.conversations import open_service


def _blas_threads() -> set[int]:
    return {int(lib["num_threads"]) for lib in threadpool_info() if lib["user_api"] == "blas"}


def test_a_service_runs_the_graph_on_one_blas_thread(tmp_path: Path) -> None:
    threadpool_limits(2, user_api="blas")  # as numpy starts on a 2-core machine
    assert _blas_threads(), "numpy's BLAS is not loaded"
    with open_service(f"sqlite:///{tmp_path / 'blas.db'}"):
        assert _blas_threads() == {1}


def test_the_limit_can_be_set_again() -> None:
    one_blas_thread()
    one_blas_thread()
    assert _blas_threads() == {1}
