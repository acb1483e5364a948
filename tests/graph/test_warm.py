"""What a process loads once (graphs/support/warm.py) is loaded by ``warm_up``, before any turn: a turn of each
kind the load benchmark plays loads nothing more. Loaded in a served turn instead, the articles' embeddings and
the tokenizer cost ~3.5 s of CPU, during which the worker's other runs waited (the p99 of ``bench load``)."""

from __future__ import annotations

import functools
import inspect
import sys
from typing import Any

import pytest

from service.conversations import SupportService
from tools.kb import semantic

TURNS = ("Where is my order 10003?", "What payment methods do you accept?", "How long does standard delivery take?",
         "I'd like a refund for order 10003, it arrived damaged.", "thanks, that's all",
         "This is ridiculous, I want to talk to a real person now.")
PACKAGES = ("foundation", "graphs", "prompts", "service", "tools")
KEEP = {"foundation.settings.get_settings"}  # the environment read once, not a load


def once_per_process() -> dict[str, Any]:
    """Every module-level ``lru_cache`` of the project's packages that takes no argument: what loads once."""
    found = {}
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] not in PACKAGES or module is None:
            continue
        for attr, value in vars(module).items():
            if isinstance(value, functools._lru_cache_wrapper) and getattr(value, "__module__", None) == name:
                params = inspect.signature(value).parameters.values()
                if all(p.default is not p.empty for p in params) and f"{name}.{attr}" not in KEEP:
                    found[f"{name}.{attr}"] = value
    return found


def test_a_turn_of_each_kind_loads_nothing_after_warm_up(service: SupportService,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    loaders = once_per_process()
    assert {"foundation.tokens.encoding", "graphs.support.flows.load_flows", "graphs.support.handoff.cues"} <= set(
        loaders)
    for loader in loaders.values():  # as a new process finds them
        loader.cache_clear()
    semantic._cache.clear()
    service.warm_up()
    misses = {name: loader.cache_info().misses for name, loader in loaders.items()}
    embedded: list[int] = []
    real = semantic.embed

    def counting(texts: list[str], **kw: Any) -> Any:
        embedded.append(len(texts))
        return real(texts, **kw)

    monkeypatch.setattr(semantic, "embed", counting)
    for i, text in enumerate(TURNS):
        service.send(f"warm-{i}", text, customer_id="C0001")
    loaded = sorted(name for name, loader in loaders.items() if loader.cache_info().misses > misses[name])
    assert loaded == [], loaded
    assert embedded and max(embedded) == 1, embedded  # the query alone: the articles were embedded before
