"""Which implementation of a business system's interface the tools call, chosen by configuration.

Every system (crm, orders, payments, ticketing, kb) has a ``typing.Protocol`` in ``tools/<system>/backend.py``
and an SQL implementation on the supportgraph store, the default. ``SUPPORTGRAPH_<SYSTEM>_BACKEND`` set to
``package.module:factory`` names a callable that takes the :class:`~tools.store.BusinessStore` and returns
the company's own implementation. It is read on every tool call, so nothing lives in process memory that a
second worker would need. See docs/plugging-in-your-systems.md.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from tools.base import System
    from tools.store import BusinessStore

Backend = TypeVar("Backend")


class BackendConfigError(RuntimeError):
    """The configured backend cannot be loaded: an outage of the deployment, not an answer for a customer."""


def backend_env(system: System) -> str:
    """The environment variable that names ``system``'s implementation, e.g. SUPPORTGRAPH_ORDERS_BACKEND."""
    return f"SUPPORTGRAPH_{system.upper()}_BACKEND"


def configured_backend(
    store: BusinessStore, system: System, default: Callable[[BusinessStore], Backend]
) -> Backend:
    """The implementation configured for ``system``, or ``default(store)`` when none is."""
    env = backend_env(system)
    spec = os.environ.get(env, "").strip()
    if not spec:
        return default(store)
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise BackendConfigError(f"{env}={spec!r}: expected 'package.module:factory'")
    try:
        factory: Any = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise BackendConfigError(f"{env}={spec!r}: {exc}") from exc
    backend: Backend = factory(store)
    return backend
