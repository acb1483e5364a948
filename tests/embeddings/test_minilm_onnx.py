"""The ONNX Runtime MiniLM gives the sentence-transformers vectors (float32 exactly, int8 closely), and its cached
graphs survive damage."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from foundation import embeddings
from foundation.minilm_onnx import (
    FLOAT32,
    INT8,
    OnnxMiniLM,
    Precision,
    _intact,
    load_onnx_minilm,
    max_seq_length,
    onnx_path,
    similar_lengths,
)
from foundation.settings import get_settings

VARIED = [
    "",
    "hi",
    "where is my order?",
    "WHERE IS MY ORDER???",
    "cancel my order, and my password doesn't work either",
    "Où est ma commande ? Je voudrais un remboursement, s'il vous plaît.",
    "返金してください。注文番号は 10234 です",
    "my parcel never came 😡📦 refund NOW 🙏",
    "   \t\n  ",
    "a" * 3000,
    "the delivery was late and the box was damaged when it finally arrived. " * 20
    + "I also cannot log in: the password reset email never arrives and my account seems locked. " * 20,
    "ok so I ordered a lamp (order 12345) last Tuesday, paid 49.90 EUR with maya@example.com",
]


def encoder_path(precision: Precision) -> Path:
    return onnx_path((get_settings().home / "cache").resolve(), embeddings.MODEL_ID, precision)


def torch_vectors(texts: list[str]) -> np.ndarray:
    return np.asarray(embeddings.load_embedder().encode(texts, batch_size=4, normalize_embeddings=True))


def test_the_long_texts_really_are_truncated() -> None:
    tokenizer = embeddings.load_embedder().tokenizer
    assert max_seq_length() == 256
    assert len(tokenizer(VARIED[-2], truncation=False)["input_ids"]) > 2 * max_seq_length()


def test_float32_onnx_vectors_equal_the_sentence_transformers_vectors() -> None:
    onnx, reference = embeddings.load_encoder(FLOAT32).embed(VARIED, batch_size=5), torch_vectors(VARIED)
    assert onnx.shape == (len(VARIED), 384) and onnx.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)
    cosines = (onnx * reference).sum(axis=1)
    assert cosines.min() >= 0.9999, dict(zip(VARIED, cosines.round(6), strict=True))


def test_embed_runs_the_int8_graph_whose_vectors_stay_close_to_the_sentence_transformers_ones() -> None:
    import onnx

    path = encoder_path(INT8)
    vectors, reference = embeddings.embed(VARIED, batch_size=5), torch_vectors(VARIED)
    assert vectors.shape == (len(VARIED), 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosines = (vectors * reference).sum(axis=1)
    assert cosines.min() >= 0.97 and np.median(cosines) >= 0.985, dict(zip(VARIED, cosines.round(4), strict=True))
    assert cosines.max() < 0.9999  # quantised: not the float32 graph under another name
    ops = {node.op_type for node in onnx.load(str(path)).graph.node}
    assert {"DynamicQuantizeLinear", "MatMulInteger"} <= ops, ops


@pytest.mark.parametrize("precision", [FLOAT32, INT8])
def test_batches_and_single_texts_give_the_same_vectors(precision: Precision) -> None:
    batched = embeddings.embed(VARIED, batch_size=64, precision=precision)
    singles = np.vstack([embeddings.embed([t], precision=precision) for t in VARIED])
    np.testing.assert_allclose(batched, singles, atol=2e-5)
    assert embeddings.embed([], precision=precision).shape == (0, 384)


def test_the_int8_graph_would_depend_on_the_batch_if_it_ran_texts_together() -> None:
    """Why the int8 encoder runs one text per call: its activations are quantised with one scale per run."""
    encoder = embeddings.load_encoder(INT8)
    together = OnnxMiniLM(encoder_path(INT8), threads=1, one_per_run=False).embed(VARIED, batch_size=64)
    alone = encoder.embed(VARIED)
    assert np.abs(together - alone).max() > 1e-3


def test_the_int8_encoder_runs_a_text_it_ran_lately_no_more(monkeypatch: pytest.MonkeyPatch) -> None:
    """A turn embeds its message for the router, its thorough reading and familiarity: the model runs once, and
    the vector remembered is the one the text gets alone."""
    encoder = embeddings.load_encoder(INT8)
    encoder.recent.clear()
    first = encoder.embed(["where is my order 10003?", "I want a refund"])
    runs: list[tuple[int, ...]] = []
    run = encoder._run

    def counted(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        runs.append(ids.shape)
        return run(ids, mask)

    monkeypatch.setattr(encoder, "_run", counted)
    again = encoder.embed(["I want a refund", "a text not seen yet", "where is my order 10003?"])
    assert len(runs) == 1, runs
    np.testing.assert_array_equal(again[[0, 2]], first[[1, 0]])
    encoder.recent.clear()
    np.testing.assert_array_equal(encoder.embed(["a text not seen yet"])[0], again[1])
    for n in range(300):  # bounded: the oldest texts are forgotten
        encoder.embed([f"text {n}"])
    assert len(encoder.recent) <= 256 and "text 0" not in encoder.recent


def test_a_batch_holds_texts_of_similar_token_counts() -> None:
    lengths = np.array([3, 40, 4, 5, 41, 200, 6, 3])
    batches = similar_lengths(lengths, batch_size=3)
    assert sorted(int(i) for b in batches for i in b) == list(range(len(lengths)))
    assert [lengths[b].tolist() for b in batches] == [[3, 3, 4], [5, 6], [40, 41], [200]]
    assert similar_lengths(np.array([], dtype=int), batch_size=3) == []


def test_embed_does_not_touch_torch_once_the_graph_is_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    embeddings.embed(["warm up"])

    def refuse() -> None:
        raise AssertionError("embed() fell back to the torch model")

    monkeypatch.setattr(embeddings, "load_embedder", refuse)
    assert embeddings.embed(["where is my order"]).shape == (1, 384)


def test_a_missing_int8_graph_is_quantised_from_the_cached_float32_one_without_torch(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    embeddings.embed(["warm up"])
    source, path = encoder_path(FLOAT32), onnx_path(tmp_path, embeddings.MODEL_ID, FLOAT32)
    shutil.copy(source, path)
    shutil.copy(source.with_name(source.name + ".sha256"), path.with_name(path.name + ".sha256"))

    def refuse() -> None:
        raise AssertionError("the float32 graph was exported again")

    monkeypatch.setattr(embeddings, "load_embedder", refuse)
    load_onnx_minilm.cache_clear()
    try:
        vectors = load_onnx_minilm(tmp_path, embeddings.MODEL_ID, INT8).embed(VARIED[:4])
    finally:
        load_onnx_minilm.cache_clear()
    assert _intact(onnx_path(tmp_path, embeddings.MODEL_ID, INT8))
    np.testing.assert_allclose(vectors, embeddings.embed(VARIED[:4]), atol=1e-6)  # the same quantisation


def test_a_float32_graph_that_matches_its_sidecar_but_is_not_a_graph_is_exported_again(tmp_path: Path) -> None:
    """Bytes and sidecar agree (as after a bad copy of both), yet the file is no graph: quantising it fails, and
    both graphs are built again instead of the error reaching the caller."""
    path = onnx_path(tmp_path, embeddings.MODEL_ID, FLOAT32)
    path.write_bytes(b"not an onnx graph at all")
    path.with_name(path.name + ".sha256").write_text(hashlib.sha256(path.read_bytes()).hexdigest(), "ascii")
    assert _intact(path)
    load_onnx_minilm.cache_clear()
    try:
        vectors = load_onnx_minilm(tmp_path, embeddings.MODEL_ID, INT8).embed(VARIED[:4])
    finally:
        load_onnx_minilm.cache_clear()
    assert path.stat().st_size > 1_000_000 and _intact(path)
    np.testing.assert_allclose(vectors, embeddings.embed(VARIED[:4]), atol=1e-6)


@pytest.mark.parametrize("damaged", [INT8, FLOAT32])
def test_a_damaged_cached_graph_is_rebuilt(tmp_path: Path, damaged: str) -> None:
    embeddings.embed(["warm up"])  # the default cache holds intact graphs: start from a copy of them
    paths = {}
    for precision in (FLOAT32, INT8):
        source = onnx_path((get_settings().home / "cache").resolve(), embeddings.MODEL_ID, precision)
        paths[precision] = path = onnx_path(tmp_path, embeddings.MODEL_ID, precision)
        shutil.copy(source, path)
        shutil.copy(source.with_name(source.name + ".sha256"), path.with_name(path.name + ".sha256"))
        assert _intact(path)
    path = paths[damaged]
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # as a crash in the middle of writing would leave it
    assert not _intact(path)
    load_onnx_minilm.cache_clear()
    try:
        encoder = load_onnx_minilm(tmp_path, embeddings.MODEL_ID, damaged)
        assert _intact(path)
        vectors = encoder.embed(VARIED[:6])
    finally:
        load_onnx_minilm.cache_clear()
    assert ((vectors * torch_vectors(VARIED[:6])).sum(axis=1) >= (0.9999 if damaged == FLOAT32 else 0.97)).all()
    expected = sorted(n for p in paths.values() for n in (p.name, p.name + ".sha256"))
    assert sorted(p.name for p in tmp_path.iterdir()) == expected


def test_an_unknown_precision_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="precision"):
        load_onnx_minilm(tmp_path, embeddings.MODEL_ID, "int4")


def test_the_graphs_are_built_once_into_the_home_cache(fresh_home: Path) -> None:
    embeddings.embed(["warm up"])
    paths = [onnx_path((fresh_home / "cache").resolve(), embeddings.MODEL_ID, p) for p in (FLOAT32, INT8)]
    assert all(_intact(p) for p in paths)
    assert sorted(p.name for p in paths[0].parent.glob("minilm-*")) == sorted(
        n for p in paths for n in (p.name, p.name + ".sha256"))
