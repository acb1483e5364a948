"""Bulk triage: CSV and JSONL in and out, every kind of bad input counted, streaming, the CLI's refusals."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from service import triage as t
from service.triage import files
from supportgraph.cli.common import CliError
from supportgraph.cli.triage import triage as triage_command

TRIAGE_COLUMNS = {"intent", "confidence", "secondary_intent", "entities", "sentiment", "queue"}
LONG = "where is my order " * 400  # 7,200 characters > MAX_TEXT_CHARS


def _write_bad_csv(path: Path) -> None:
    good = [
        b"id,body,channel\n",
        b"1,where is my order 10003?,email\n",
        b'2,"I want my money back for the broken headphones, this is unacceptable",chat\n',
        b"3,,email\n",                                        # empty text
        b"4,   ,email\n",                                     # blank text
        b"5,only two fields\n",                               # missing column (too few fields)
        b"6,caf\xe9 au lait and my invoice is wrong,chat\n",  # Latin-1 byte: undecodable
        b"7," + LONG.encode() + b",email\n",                  # too long
        b"8,how do I reset my password,chat\n",
        b'9,"cancel my order and also where is my refund',    # truncated last line
    ]
    path.write_bytes(b"".join(good))


def test_csv_with_every_bad_row_counted(tmp_path: Path) -> None:
    src, out = tmp_path / "tickets.csv", tmp_path / "out.csv"
    _write_bad_csv(src)
    summary = t.triage_file(src, "body", out)
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["id"] for r in rows] == ["1", "2", "8"], rows
    assert TRIAGE_COLUMNS | {"id", "body", "channel"} <= set(rows[0]), rows[0].keys()
    assert rows[0]["intent"] == "track_order" and rows[0]["queue"] == "general", rows[0]
    assert json.loads(rows[0]["entities"]).get("order_ids") == [10003], rows[0]
    assert rows[1]["sentiment"] == "negative", rows[1]
    assert rows[2]["intent"] == "recover_password" and rows[2]["queue"] == "accounts", rows[2]
    assert 0.0 < float(rows[0]["confidence"]) <= 1.0
    assert dict(summary.skipped) == {
        t.EMPTY_TEXT: 2, t.WRONG_FIELDS: 1, t.UNDECODABLE: 1, t.TOO_LONG: 1, t.TRUNCATED: 1,
    }, summary.skipped
    assert (summary.rows_written, summary.rows_skipped) == (3, 6), summary
    assert "skipped 6" in summary.lines()[0], summary.lines()


def test_jsonl_with_every_bad_line_counted(tmp_path: Path) -> None:
    src, out = tmp_path / "tickets.jsonl", tmp_path / "out.jsonl"
    lines = [
        json.dumps({"id": 1, "message": "cancel my order, and my password doesn't work either"}).encode(),
        json.dumps({"id": 2, "message": ""}).encode(),                 # empty text
        json.dumps({"id": 3, "subject": "no message key"}).encode(),   # missing column
        b'{"id": 4, "message": "caf\xe9"}',                            # undecodable
        json.dumps({"id": 5, "message": LONG}).encode(),               # too long
        b"{not json at all",                                           # invalid JSON
        b"[1, 2, 3]",                                                  # not an object
        b"",                                                           # blank line: ignored
        json.dumps({"id": 6, "message": "do you ship to Canada?"}).encode(),
        b'{"id": 7, "message": "where is my ref',                      # truncated last line
    ]
    src.write_bytes(b"\n".join(lines))
    summary = t.triage_file(src, "message", out)
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [r["id"] for r in rows] == [1, 6], rows
    assert set(rows[0]) >= TRIAGE_COLUMNS, rows[0]
    assert {rows[0]["intent"], rows[0]["secondary_intent"]} == {"cancel_order", "recover_password"}, rows[0]
    assert rows[1]["secondary_intent"] == "", rows[1]
    assert dict(summary.skipped) == {
        t.EMPTY_TEXT: 1, t.MISSING_COLUMN: 1, t.UNDECODABLE: 1, t.TOO_LONG: 1, t.INVALID_JSON: 1,
        t.NOT_AN_OBJECT: 1, t.TRUNCATED: 1,
    }, summary.skipped


def test_output_format_follows_out_suffix(tmp_path: Path) -> None:
    src = tmp_path / "tickets.jsonl"
    src.write_text(json.dumps({"text": "where is my order?", "extra": {"a": 1}}) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    t.triage_file(src, "text", out)
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert rows[0]["intent"] == "track_order" and json.loads(rows[0]["extra"]) == {"a": 1}, rows


def test_a_line_too_long_to_read_is_skipped_without_holding_it(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "MAX_LINE_BYTES", 1000)
    src = tmp_path / "t.jsonl"
    src.write_text(json.dumps({"text": "x" * 5000}) + "\n" + json.dumps({"text": "where is my order?"}) + "\n",
                   encoding="utf-8")
    buffer = io.StringIO()
    summary = t.triage_file(src, "text", buffer, out_format="jsonl")
    assert dict(summary.skipped) == {t.LINE_TOO_LONG: 1}, summary.skipped
    assert json.loads(buffer.getvalue())["intent"] == "track_order"


def test_triage_rows_consumes_a_generator_lazily() -> None:
    pulled = 0

    def rows() -> Iterator[dict[str, str]]:
        nonlocal pulled
        for i in range(10_000_000):  # far more than could be held
            pulled += 1
            yield {"id": str(i), "text": "where is my order?" if i % 2 else "I want a refund"}

    out = t.triage_rows(rows(), "text", batch_size=8)
    first = [next(out) for _ in range(10)]
    assert pulled <= 16, f"read {pulled} rows to produce 10: not streaming"
    assert [r["id"] for r in first] == [str(i) for i in range(10)]
    assert all(set(r) >= TRIAGE_COLUMNS for r in first)


def test_missing_text_column_in_header_is_one_clear_error(tmp_path: Path) -> None:
    src = tmp_path / "t.csv"
    src.write_text("id,subject\n1,hello\n", encoding="utf-8")
    with pytest.raises(t.TriageError, match="no column 'body'"):
        t.triage_file(src, "body", tmp_path / "out.csv")
    with pytest.raises(CliError, match="no column 'body' in the CSV header"):
        triage_command(src, "body", tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists(), "no output may be written when the header is wrong"


def test_cli_prints_the_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "t.csv"
    _write_bad_csv(src)
    triage_command(src, "body", None, progress=False)
    captured = capsys.readouterr()
    assert captured.out.startswith("id,body,channel,intent,confidence,secondary_intent,entities,sentiment,queue")
    assert "triaged 3 rows; skipped 6" in captured.err and "undecodable" in captured.err, captured.err


def test_catalogue_products_are_recognised(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [{"text": "my Aurora ANC Headphonse stopped charging, order 10003"}, {"text": "where is my order?"}]
    out = list(t.triage_rows(rows, "text", catalogue=("Aurora ANC Headphones", "Volt Laptop 14")))
    assert json.loads(out[0]["entities"]).get("products") == ["Aurora ANC Headphones"], out[0]
    assert "products" not in json.loads(out[1]["entities"]), out[1]
    src, names = tmp_path / "t.jsonl", tmp_path / "products.txt"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    names.write_text("Aurora ANC Headphones\n\nVolt Laptop 14\n", encoding="utf-8")
    triage_command(src, "text", None, progress=False, catalogue=str(names))
    first = json.loads(capsys.readouterr().out.splitlines()[0])
    assert json.loads(first["entities"])["products"] == ["Aurora ANC Headphones"], first
    triage_command(src, "text", None, progress=False, catalogue="none")
    assert "products" not in capsys.readouterr().out
    with pytest.raises(CliError, match="--catalogue: no such file"):
        triage_command(src, "text", None, progress=False, catalogue=str(tmp_path / "nope.txt"))


def test_store_catalogue_reads_the_business_store() -> None:
    from tools.store.demo_catalogue import PRODUCTS

    names = t.store_catalogue()
    assert {"Aurora ANC Headphones", "Volt Laptop 14"} <= set(names), names[:5]
    assert len(names) >= len(PRODUCTS) // 2, len(names)


def test_tsv_is_read_and_written_tab_separated(tmp_path: Path) -> None:
    src, out = tmp_path / "tickets.tsv", tmp_path / "out.tsv"
    src.write_text("id\tbody\n1\twhere is my order 10003, please?\n", encoding="utf-8")
    t.triage_file(src, "body", out)
    header, row = out.read_text("utf-8").splitlines()
    assert header.split("\t") == ["id", "body", *t.OUTPUT_COLUMNS], header
    assert row.split("\t")[:3] == ["1", "where is my order 10003, please?", "track_order"], row


def test_worker_processes_give_the_same_rows_in_the_same_order(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    messages = ["where is my order 10003?", "I want my money back for the broken headphones",
                "how do I reset my password", "cancel my order, and my password doesn't work either",
                "do you ship to Canada?", "the invoice INV-10021 charged me twice, $59.99"]
    src = tmp_path / "big.jsonl"
    with src.open("w", encoding="utf-8") as handle:
        for i in range(600):
            handle.write(json.dumps({"id": i, "text": f"{messages[i % len(messages)]} (ref {i})"}) + "\n")
    monkeypatch.setattr(files, "WORKERS_MIN_BYTES", 1000)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    # The fast path: the pool does not care which model runs, and the workers then skip loading MiniLM.
    s1 = t.triage_file(src, "text", one, batch_size=32, router="fast", workers=1)
    s2 = t.triage_file(src, "text", two, batch_size=32, router="fast", workers=2)
    assert one.read_text("utf-8") == two.read_text("utf-8")
    assert (s1.rows_written, s1.intents) == (s2.rows_written, s2.intents) == (600, s1.intents)
    monkeypatch.setattr(files, "WORKERS_MIN_BYTES", 10**9)  # a small file runs in this process: no pool
    monkeypatch.setattr("service.triage.pool.WorkerPool.__init__", _no_pool)
    t.triage_file(src, "text", tmp_path / "three.jsonl", batch_size=32, router="fast", workers=2)


def _no_pool(*args: object, **kwargs: object) -> None:
    raise AssertionError("a file below WORKERS_MIN_BYTES must not start worker processes")


def test_worker_processes_keep_streaming() -> None:
    pulled = 0

    def rows() -> Iterator[dict[str, str]]:
        nonlocal pulled
        for i in range(10_000_000):
            pulled += 1
            yield {"id": str(i), "text": "where is my order?" if i % 2 else "I want a refund"}

    out = t.triage_rows(rows(), "text", batch_size=16, router="fast", workers=2)
    try:
        first = [next(out) for _ in range(40)]
    finally:
        out.close()  # shuts the workers down
    assert [r["id"] for r in first] == [str(i) for i in range(40)]
    assert pulled <= 16 * 6, f"read {pulled} rows to produce 40: not streaming"


def test_router_is_chosen_by_name(tmp_path: Path) -> None:
    rows = [{"text": "where is my order?"}]
    assert next(t.triage_rows(rows, "text", router="fast"))["intent"] == "track_order"
    assert next(t.triage_rows(rows, "text", router="both"))["intent"] == "track_order"
    for workers in (1, 2):  # refused before any worker starts
        with pytest.raises(t.TriageError, match="unknown router 'gpt'"):
            list(t.triage_rows(rows, "text", router="gpt", workers=workers))
    src = tmp_path / "t.jsonl"
    src.write_text(json.dumps(rows[0]) + "\n", encoding="utf-8")
    with pytest.raises(CliError, match="--router must be one of cascade, both, fast, minilm"):
        triage_command(src, "text", None, progress=False, router="gpt")
