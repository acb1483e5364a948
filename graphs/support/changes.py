"""Nodes write what they changed, nothing else.

A node returns its whole update (``{"reply": None, "status": state.status, ...}``): clear to read, but every key
written is a new channel version, so an unchanged value is stored again (Postgres: a write and a blob) and every
checkpoint after it carries one more version to compare. ``changes_only`` drops the keys whose value is what the
state already held when the node started, so a step stores only what it changed; the state the next step reads is
the same. The transcript (``messages``, a reducer: a write appends) is never dropped.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import pickle
from collections.abc import Callable
from dataclasses import fields
from typing import Any, TypeVar

from langgraph.types import Command

from graphs.support.state import State

Out = TypeVar("Out", dict[str, Any], Command[Any])

APPENDED = frozenset({"messages"})  # reducer channels: a write is an addition, never "the same value"


def changes_only(node: Callable[..., Out]) -> Callable[..., Out]:
    """``node`` with the keys of its update (a dict, or a ``Command``'s ``update``) that change nothing removed.

    The values are compared with a snapshot of the state taken before the node ran, so a node that changed a value
    in place and returned it still writes it. Only what a node can change in place is snapshotted (containers,
    pickled: a C-speed walk, where a deep copy of the whole state cost ~3 ms a node); a string or a number is kept
    as it is."""

    @functools.wraps(node)
    def wrapped(state: State, *args: Any, **kwargs: Any) -> Any:
        before = {f.name: _snapshot(getattr(state, f.name)) for f in fields(state) if f.name not in APPENDED}
        out = node(state, *args, **kwargs)
        if isinstance(out, Command):
            if isinstance(out.update, dict):
                return dataclasses.replace(out, update=unchanged_dropped(out.update, before))
            return out
        return unchanged_dropped(out, before)

    return wrapped


def unchanged_dropped(update: dict[str, Any] | None, before: dict[str, Any]) -> dict[str, Any]:
    """``update`` without the keys whose value equals ``before``'s (keys ``before`` lacks are kept); ``before``
    holds values or their ``_snapshot``."""
    if not update:
        return {}
    return {k: v for k, v in update.items() if k in APPENDED or k not in before or not _same(before[k], v)}


_IMMUTABLE = (type(None), bool, int, float, str, bytes)


class _Pickled:
    """A container's value as it was (pickled): equal to a value that pickles to the same bytes."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


def _snapshot(value: Any) -> Any:
    if isinstance(value, _IMMUTABLE):
        return value
    try:
        return _Pickled(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:  # not picklable: a copy to compare with, as before
        return copy.deepcopy(value)


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, _Pickled):
        # The same bytes: the same types and values. Equal values that pickle differently (a dict's keys in
        # another order) count as changed, which costs a write and loses nothing.
        if isinstance(new, _IMMUTABLE):
            return False
        try:
            return pickle.dumps(new, protocol=pickle.HIGHEST_PROTOCOL) == old.data
        except Exception:
            return False
    # Same type as well as equal: 0 and False, or 1 and 1.0, are different values to store.
    return type(old) is type(new) and bool(old == new)
