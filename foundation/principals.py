"""Who calls the API: a principal (a key's name, role and reach), the hash a key file stores, and writing a key
file for a set of principals (the benchmarks' and the tests' servers). supportgraph/server/keys.py reads such a
file (docs/deploying.md)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

Role = Literal["customer", "reviewer", "admin"]


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's name, role, and what it may reach."""

    name: str
    role: Role
    customer_id: str | None = None
    queues: tuple[str, ...] = ()


def hash_key(key: str) -> str:
    """What a key file stores of a key: its SHA-256, hex."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def write_key_file(path: Path, principals: Iterable[Principal]) -> dict[str, str]:
    """Write a key file for ``principals`` with new random keys (only their hashes are written); returns
    {principal name: key}."""
    principals = list(principals)
    keys = {p.name: "sg-" + secrets.token_urlsafe(24) for p in principals}
    entries = []
    for p in principals:
        entry: dict[str, object] = {"name": p.name, "role": p.role, "sha256": hash_key(keys[p.name])}
        if p.customer_id:
            entry["customer_id"] = p.customer_id
        if p.queues:
            entry["queues"] = list(p.queues)
        entries.append(entry)
    path.write_text(yaml.safe_dump({"keys": entries}, sort_keys=False), encoding="utf-8")
    return keys
