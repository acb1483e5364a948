"""Bulk triage of past tickets: intent, confidence, secondary intent, entities, sentiment and queue per row.

Streams: rows are read, triaged in batches (one embedding call per batch) and written as they go, so memory
stays flat however large the file. Bad input never stops a run: every skipped row is counted by reason in a
``TriageSummary`` (empty text, missing column, text too long, undecodable bytes, invalid JSON, a truncated last
line). Only a text column missing from a CSV header stops it, with ``TriageError`` before any row is read.

    from supportgraph.triage import triage_rows
    for row in triage_rows([{"id": 1, "body": "where is my order?"}], "body"):
        print(row["intent"], row["queue"])
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import IO, Any

OUTPUT_COLUMNS = ("intent", "confidence", "secondary_intent", "entities", "sentiment", "queue")
BATCH_SIZE = 256
MAX_TEXT_CHARS = 5_000
MAX_LINE_BYTES = 1_000_000  # a longer line is skipped without being held in memory

# Reasons a row is skipped, as counted in the summary.
EMPTY_TEXT = "empty text"
MISSING_COLUMN = "missing text column"
TOO_LONG = "text too long"
LINE_TOO_LONG = "line too long"
UNDECODABLE = "undecodable bytes (not UTF-8)"
INVALID_JSON = "invalid JSON"
NOT_AN_OBJECT = "JSON line is not an object"
TRUNCATED = "truncated last line"
WRONG_FIELDS = "wrong number of CSV fields"
MALFORMED_CSV = "malformed CSV"


class TriageError(Exception):
    """Triage cannot start (bad file or header); raised before any row is written."""


@dataclass
class TriageSummary:
    """What a run read, wrote and skipped (by reason)."""

    rows_read: int = 0
    rows_written: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    intents: Counter[str] = field(default_factory=Counter)

    @property
    def rows_skipped(self) -> int:
        return sum(self.skipped.values())

    def skip(self, reason: str) -> None:
        self.skipped[reason] += 1

    def lines(self) -> list[str]:
        out = [f"triaged {self.rows_written} rows; skipped {self.rows_skipped}"]
        out += [f"  skipped {n}: {reason}" for reason, n in self.skipped.most_common()]
        return out


@lru_cache(maxsize=1)
def queues() -> tuple[dict[str, str], str]:
    """Each intent's specialist queue from graphs/support/flows.yaml, and the default queue."""
    import yaml

    data = yaml.safe_load(resources.files("graphs.support").joinpath("flows.yaml").read_text("utf-8")) or {}
    default = str((data.get("defaults") or {}).get("queue", "general"))
    flows = data.get("flows") or {}
    return {str(k): str((v or {}).get("queue", default)) for k, v in flows.items()}, default


def queue_for(intent: str) -> str:
    by_intent, default = queues()
    return by_intent.get(intent, default)


class _DetectionCache:
    """A bounded cache of detections by text: ticket dumps repeat the same short messages often."""

    def __init__(self, router: Any, size: int = 5_000) -> None:
        self.router = router
        self.size = size
        self.items: OrderedDict[str, Any] = OrderedDict()

    def detect_many(self, texts: list[str]) -> list[Any]:
        missing = [t for t in dict.fromkeys(texts) if t not in self.items]
        if missing:
            for text, detected in zip(missing, self.router.detect_many(missing), strict=True):
                self.items[text] = detected
        out = [self.items[t] for t in texts]
        for text in texts:
            self.items.move_to_end(text)
        while len(self.items) > self.size:
            self.items.popitem(last=False)
        return out


def triage_rows(
    rows: Iterable[Mapping[str, Any]],
    text_column: str,
    *,
    summary: TriageSummary | None = None,
    batch_size: int = BATCH_SIZE,
    max_chars: int = MAX_TEXT_CHARS,
    now: datetime | None = None,
    catalogue: tuple[str, ...] = (),
    router: Any = None,
) -> Iterator[dict[str, Any]]:
    """Each usable row, in order, with the triage columns added; unusable rows are counted in ``summary``.

    Consumes ``rows`` lazily: at most ``batch_size`` rows are held at once. ``catalogue`` holds the product
    names to recognise in the text (``store_catalogue()`` gives the business store's); ``router`` is the intent
    model (default: the shipped cascade).
    """
    from graphs.reasoners.local.router import load_router

    summary = summary if summary is not None else TriageSummary()
    router = router if router is not None else load_router()
    cache = _DetectionCache(router)
    clock = now or datetime.now(UTC)
    batch: list[tuple[dict[str, Any], str]] = []
    for row in rows:
        summary.rows_read += 1
        text = _usable_text(row, text_column, max_chars, summary)
        if text is None:
            continue
        batch.append((dict(row), text))
        if len(batch) >= batch_size:
            yield from _triage_batch(batch, cache, clock, catalogue, summary)
            batch = []
    if batch:
        yield from _triage_batch(batch, cache, clock, catalogue, summary)


def _usable_text(row: Mapping[str, Any], column: str, max_chars: int, summary: TriageSummary) -> str | None:
    if column not in row or row[column] is None:
        summary.skip(MISSING_COLUMN)
        return None
    value = row[column]
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = text.strip()
    if not text:
        summary.skip(EMPTY_TEXT)
        return None
    if len(text) > max_chars:
        summary.skip(TOO_LONG)
        return None
    return text


def _triage_batch(batch: list[tuple[dict[str, Any], str]], cache: _DetectionCache, now: datetime,
                  catalogue: tuple[str, ...], summary: TriageSummary) -> Iterator[dict[str, Any]]:
    from graphs.reasoners.local.entities import extract_entities
    from graphs.reasoners.local.sentiment import analyse_sentiment

    texts = [text for _, text in batch]
    detected = cache.detect_many(texts)
    for (row, text), (intents, _margin) in zip(batch, detected, strict=True):
        main = intents[0]
        row["intent"] = main.intent
        row["confidence"] = round(main.confidence, 4)
        row["secondary_intent"] = intents[1].intent if len(intents) > 1 else ""
        row["entities"] = json.dumps(extract_entities(text, now=now, catalogue=catalogue), ensure_ascii=False,
                                     sort_keys=True)
        row["sentiment"] = analyse_sentiment(text)["label"]
        row["queue"] = queue_for(main.intent)
        summary.rows_written += 1
        summary.intents[main.intent] += 1
        yield row


def store_catalogue(database_url: str | None = None) -> tuple[str, ...]:
    """Product names of the business store's catalogue (the configured database unless ``database_url``)."""
    from sqlalchemy import select

    from supportgraph.settings import get_settings
    from tools.store import open_store
    from tools.store.schema import products

    settings = get_settings()
    store = open_store(database_url or settings.resolved_database_url(), seed=settings.demo_seed)
    with store.db.begin() as conn:
        return tuple(conn.execute(select(products.c.name).order_by(products.c.name)).scalars())


# --- files -------------------------------------------------------------------------------------------------


def file_format(path: Path | str) -> str:
    """``csv`` or ``jsonl`` from the file name (.csv/.tsv, .jsonl/.ndjson/.json)."""
    suffix = Path(path).suffix.lower()
    if suffix in {".csv", ".tsv", ".txt"}:
        return "csv"
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return "jsonl"
    raise TriageError(f"cannot tell the format of {path}: use a .csv or .jsonl file")


@dataclass
class _LineState:
    last_line_unterminated: bool = False
    exhausted: bool = False


def _lines(handle: IO[bytes], summary: TriageSummary, state: _LineState,
           max_bytes: int | None = None) -> Iterator[str]:
    """Decoded lines (with their newline); undecodable and over-long lines are counted and skipped.

    Reads at most ``max_bytes`` (default ``MAX_LINE_BYTES``) at a time, so one enormous line never sits in memory
    whole.
    """
    max_bytes = max_bytes or MAX_LINE_BYTES
    while True:
        raw = handle.readline(max_bytes)
        if not raw:
            state.exhausted = True
            return
        if not raw.endswith(b"\n") and len(raw) >= max_bytes:
            while True:  # drain the rest of the over-long line
                more = handle.readline(max_bytes)
                if not more or more.endswith(b"\n"):
                    break
            summary.rows_read += 1
            summary.skip(LINE_TOO_LONG)
            continue
        if not raw.endswith(b"\n"):
            state.last_line_unterminated = True
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            summary.rows_read += 1
            summary.skip(UNDECODABLE)
            continue
        yield line


def read_jsonl(handle: IO[bytes], summary: TriageSummary) -> Iterator[dict[str, Any]]:
    """Objects from a JSON-lines byte stream; bad lines are counted in ``summary`` and skipped."""
    state = _LineState()
    for line in _lines(handle, summary, state):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            summary.rows_read += 1
            summary.skip(TRUNCATED if state.last_line_unterminated else INVALID_JSON)
            continue
        if not isinstance(obj, dict):
            summary.rows_read += 1
            summary.skip(NOT_AN_OBJECT)
            continue
        yield obj


def read_csv(handle: IO[bytes], summary: TriageSummary, text_column: str | None = None,
             delimiter: str = ",") -> Iterator[dict[str, Any]]:
    """Rows of a CSV byte stream as dicts keyed by the header; bad rows are counted and skipped.

    Raises ``TriageError`` at once when the header lacks ``text_column``.
    """
    csv.field_size_limit(MAX_LINE_BYTES * 4)
    state = _LineState()
    lines = _lines(handle, summary, state)
    first = next(lines, "")
    header = next(csv.reader([first.lstrip("\ufeff")], delimiter=delimiter), [])
    header = [h.strip() for h in header]
    if not header:
        raise TriageError("the CSV file is empty (no header line)")
    if text_column is not None and text_column not in header:
        raise TriageError(f"no column {text_column!r} in the CSV header (columns: {', '.join(header)})")
    return _csv_rows(lines, header, state, summary, delimiter)


def _csv_rows(lines: Iterator[str], header: list[str], state: _LineState, summary: TriageSummary,
              delimiter: str) -> Iterator[dict[str, Any]]:
    reader = csv.reader(lines, delimiter=delimiter)
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error:
            summary.rows_read += 1
            summary.skip(TRUNCATED if state.exhausted and state.last_line_unterminated else MALFORMED_CSV)
            continue
        if not fields or (len(fields) == 1 and not fields[0].strip() and len(header) > 1):
            continue  # a blank line
        if len(fields) != len(header):
            summary.rows_read += 1
            last = state.exhausted and state.last_line_unterminated
            summary.skip(TRUNCATED if last and len(fields) < len(header) else WRONG_FIELDS)
            continue
        yield dict(zip(header, fields, strict=True))


class _Writer:
    """Writes triaged rows as CSV (header from the first row) or JSON lines."""

    def __init__(self, handle: IO[str], fmt: str) -> None:
        self.handle = handle
        self.fmt = fmt
        self.csv: csv.DictWriter[str] | None = None

    def write(self, row: dict[str, Any]) -> None:
        if self.fmt == "jsonl":
            self.handle.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
            return
        if self.csv is None:
            base = [c for c in row if c not in OUTPUT_COLUMNS]
            self.csv = csv.DictWriter(self.handle, fieldnames=[*base, *OUTPUT_COLUMNS], extrasaction="ignore",
                                      restval="")
            self.csv.writeheader()
        self.csv.writerow({k: _cell(v) for k, v in row.items()})


def _cell(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value


def triage_file(
    path: Path | str,
    text_column: str,
    out: Path | str | IO[str] | None = None,
    *,
    out_format: str | None = None,
    batch_size: int = BATCH_SIZE,
    max_chars: int = MAX_TEXT_CHARS,
    progress: bool = False,
    now: datetime | None = None,
    on_row: Callable[[], None] | None = None,
    catalogue: tuple[str, ...] = (),
) -> TriageSummary:
    """Triage a CSV or JSONL file into ``out`` (a path, an open text stream, or stdout when None).

    The output format follows ``out``'s suffix (or ``out_format``), else the input's. Returns the summary.
    """
    source = Path(path)
    fmt_in = file_format(source)
    if not source.is_file():
        raise TriageError(f"no such file: {source}")
    summary = TriageSummary()
    fmt_out = out_format or (file_format(out) if isinstance(out, str | Path) else fmt_in)
    with source.open("rb") as handle:
        rows: Iterator[dict[str, Any]] = (
            read_csv(handle, summary, text_column, "\t" if source.suffix.lower() == ".tsv" else ",")
            if fmt_in == "csv" else read_jsonl(handle, summary)
        )
        triaged = triage_rows(rows, text_column, summary=summary, batch_size=batch_size, max_chars=max_chars,
                              now=now, catalogue=catalogue)
        if isinstance(out, str | Path):
            target = Path(out)
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("w", encoding="utf-8", newline="") as stream:
                _write_all(triaged, stream, fmt_out, handle, source, progress, on_row)
        else:
            _write_all(triaged, out if out is not None else sys.stdout, fmt_out, handle, source, progress, on_row)
    return summary


def _write_all(rows: Iterator[dict[str, Any]], stream: IO[str], fmt: str, handle: IO[bytes],
               source: Path, progress: bool, on_row: Callable[[], None] | None) -> None:
    writer = _Writer(stream, fmt)
    if not progress:
        for row in rows:
            writer.write(row)
            if on_row:
                on_row()
        return
    from tqdm import tqdm

    with tqdm(total=source.stat().st_size, unit="B", unit_scale=True, desc=f"triage {source.name}",
              file=sys.stderr, mininterval=0.5) as bar:
        done = 0
        for row in rows:
            writer.write(row)
            done += 1
            if done % 256 == 0:
                bar.set_postfix(rows=done, refresh=False)
                bar.update(max(0, handle.tell() - bar.n))
        bar.set_postfix(rows=done, refresh=False)
        bar.update(max(0, source.stat().st_size - bar.n))
