"""API keys and the roles they carry, read from a YAML file (``SUPPORTGRAPH_API_KEYS`` names it).

Only SHA-256 hashes of the keys are stored::

    keys:
      - name: maya            # who this key is; a reviewer's name goes into the audit log
        role: customer        # customer | reviewer | admin
        customer_id: C0001    # customers only: the one customer whose threads this key reaches
        sha256: 9f86d08…      # sha256 of the key, hex (supportgraph serve --hash-key KEY prints it)
      - name: sam
        role: reviewer
        queues: [billing, accounts]
        sha256: …
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from foundation.principals import Principal, Role, hash_key
from graphs.support.state import Queue

KEYS_ENV = "SUPPORTGRAPH_API_KEYS"
API_KEY_HEADER = "x-api-key"


class KeyFileError(ValueError):
    """A key file that cannot be used, with the reason."""


class _KeyEntry(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    role: Role
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    customer_id: str | None = None
    queues: list[Queue] = Field(default_factory=list)

    @model_validator(mode="after")
    def _fits_role(self) -> _KeyEntry:
        if self.role == "customer" and not self.customer_id:
            raise ValueError(f"customer key {self.name!r} needs a customer_id")
        if self.role == "reviewer" and not self.queues:
            raise ValueError(f"reviewer key {self.name!r} needs at least one queue")
        return self


class _KeyFile(BaseModel):
    keys: list[_KeyEntry]


@dataclass(frozen=True)
class KeyRegistry:
    by_hash: dict[str, Principal]

    def principal(self, key: str | None) -> Principal | None:
        """The principal of ``key``, or None for a missing or unknown key."""
        if not key:
            return None
        return self.by_hash.get(hash_key(key.strip()))


def load_keys(path: Path) -> KeyRegistry:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        parsed = _KeyFile.model_validate(raw)
    except OSError as exc:
        raise KeyFileError(f"cannot read API key file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise KeyFileError(f"API key file {path} is not valid YAML: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise KeyFileError(f"API key file {path}: {where or 'top level'}: {first['msg']}") from None
    by_hash: dict[str, Principal] = {}
    for entry in parsed.keys:
        if entry.sha256 in by_hash:
            raise KeyFileError(f"API key file {path}: key {entry.name!r} repeats another key's hash")
        by_hash[entry.sha256] = Principal(entry.name, entry.role, entry.customer_id, tuple(entry.queues))
    return KeyRegistry(by_hash)


@lru_cache(maxsize=4)
def _cached(path: str) -> KeyRegistry:
    return load_keys(Path(path))


def configured_keys() -> KeyRegistry:
    """The registry named by ``SUPPORTGRAPH_API_KEYS`` (read once per process and path)."""
    path = os.environ.get(KEYS_ENV)
    if not path:
        raise KeyFileError(f"{KEYS_ENV} is not set: point it to an API key file")
    return _cached(str(Path(path).resolve()))
