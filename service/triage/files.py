"""Triage files: CSV/TSV and JSON lines in and out, read line by line with every bad line counted and skipped."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from service.triage.rows import (
    BATCH_SIZE,
    INVALID_JSON,
    LINE_TOO_LONG,
    MALFORMED_CSV,
    MAX_TEXT_CHARS,
    NOT_AN_OBJECT,
    OUTPUT_COLUMNS,
    TRUNCATED,
    UNDECODABLE,
    WRONG_FIELDS,
    TriageError,
    TriageSummary,
    triage_rows,
)

MAX_LINE_BYTES = 1_000_000  # a longer line is skipped without being held in memory
# Below this input size, worker processes cost more to start than they save.
WORKERS_MIN_BYTES = 256_000


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

    def __init__(self, handle: IO[str], fmt: str, delimiter: str = ",") -> None:
        self.handle = handle
        self.fmt = fmt
        self.delimiter = delimiter
        self.csv: csv.DictWriter[str] | None = None

    def write(self, row: dict[str, Any]) -> None:
        if self.fmt == "jsonl":
            self.handle.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
            return
        if self.csv is None:
            base = [c for c in row if c not in OUTPUT_COLUMNS]
            self.csv = csv.DictWriter(self.handle, fieldnames=[*base, *OUTPUT_COLUMNS], extrasaction="ignore",
                                      restval="", delimiter=self.delimiter)
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
    router: str | None = None,
    workers: int = 1,
) -> TriageSummary:
    """Triage a CSV or JSONL file into ``out`` (a path, an open text stream, or stdout when None).

    The output format follows ``out``'s suffix (or ``out_format``), else the input's; a .tsv file is read and
    written tab-separated. ``router`` names the intent model (``ROUTERS``; default the shipped cascade);
    ``workers`` processes triage in parallel when the file is large enough to pay for starting them. Returns the
    summary.
    """
    source = Path(path)
    fmt_in = file_format(source)
    if not source.is_file():
        raise TriageError(f"no such file: {source}")
    summary = TriageSummary()
    fmt_out = out_format or (file_format(out) if isinstance(out, str | Path) else fmt_in)
    with source.open("rb") as handle:
        rows: Iterator[dict[str, Any]] = (
            read_csv(handle, summary, text_column, _delimiter(source))
            if fmt_in == "csv" else read_jsonl(handle, summary)
        )
        if source.stat().st_size < WORKERS_MIN_BYTES:
            workers = 1
        triaged = triage_rows(rows, text_column, summary=summary, batch_size=batch_size, max_chars=max_chars,
                              now=now, catalogue=catalogue, router=router, workers=workers)
        delimiter = _delimiter(out) if isinstance(out, str | Path) else _delimiter(source)
        if isinstance(out, str | Path):
            target = Path(out)
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("w", encoding="utf-8", newline="") as stream:
                _write_all(triaged, _Writer(stream, fmt_out, delimiter), handle, source, progress, on_row)
        else:
            _write_all(triaged, _Writer(out if out is not None else sys.stdout, fmt_out, delimiter), handle, source,
                       progress, on_row)
    return summary


def read_texts(path: Path, text_column: str, limit: int) -> list[str]:
    """Up to ``limit`` non-empty texts of ``text_column`` from a CSV or JSONL file, read as triage reads it (bad
    rows skipped); ``TriageError`` for a file triage would refuse."""
    summary = TriageSummary()
    with path.open("rb") as handle:
        rows = (read_csv(handle, summary, text_column, _delimiter(path)) if file_format(path) == "csv"
                else read_jsonl(handle, summary))
        texts = []
        for row in rows:
            value = row.get(text_column)
            if isinstance(value, str) and value.strip():
                texts.append(value)
                if len(texts) >= limit:
                    break
    if not texts:
        raise TriageError(f"no text in column {text_column!r} of {path}")
    return texts


def _delimiter(path: Path | str) -> str:
    return "\t" if Path(path).suffix.lower() == ".tsv" else ","


def _write_all(rows: Iterator[dict[str, Any]], writer: _Writer, handle: IO[bytes], source: Path, progress: bool,
               on_row: Callable[[], None] | None) -> None:
    if not progress:
        for row in rows:
            writer.write(row)
            if on_row:
                on_row()
        return
    # inside: tqdm only for the progress bar
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
