"""One BLAS thread in a process that runs the support graph.

A turn's numeric work is small products: the message's MiniLM vector against the router's ~2,800 training
examples (graphs/support/familiarity.py), the router heads' logits. Multi-threaded OpenBLAS (numpy's and
scipy's, one thread per core by default) wakes and spins its pool for each of them: on the shared 2-core
machine a (2810×384)·(384) product cost 3–8 ms of CPU with two threads against 0.2 ms with one, ~30 ms of CPU a
turn in all (72 → 44 ms in process, 132 → 104 ms a served run). Turns run in parallel across server workers and
their threads, never inside one product, so a second BLAS thread only contends. Model training keeps its own
``threadpool_limits(1)`` blocks (graphs/reasoners/local); triage's worker processes set the same limit.
"""

from __future__ import annotations


def one_blas_thread() -> None:
    """Limit this process's BLAS libraries to one thread (idempotent; numpy and scipy may be loaded already)."""
    # inside: threadpoolctl inspects the loaded libraries when called, so numpy must be importable first
    import numpy  # noqa: F401  (loads numpy's OpenBLAS, so the limit reaches it)
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")
