"""Bulk triage of past tickets: intent, confidence, secondary intent, entities, sentiment and queue per row.

Streams: rows are read, triaged in batches and written as they go, so memory stays flat however large the file.
Batches run in worker processes when asked (``workers``; the CLI uses every CPU), else in this process. Bad
input never stops a run: every skipped row is counted by reason in a ``TriageSummary`` (empty text, missing
column, text too long, undecodable bytes, invalid JSON, a truncated last line). Only a text column missing from
a CSV header stops it, with ``TriageError`` before any row is read.

    from service.triage import triage_rows
    for row in triage_rows([{"id": 1, "body": "where is my order?"}], "body"):
        print(row["intent"], row["queue"])
"""

from service.triage.files import file_format, read_csv, read_jsonl, triage_file
from service.triage.rows import (
    EMPTY_TEXT,
    INVALID_JSON,
    LINE_TOO_LONG,
    MALFORMED_CSV,
    MISSING_COLUMN,
    NOT_AN_OBJECT,
    OUTPUT_COLUMNS,
    ROUTERS,
    TOO_LONG,
    TRUNCATED,
    UNDECODABLE,
    WRONG_FIELDS,
    Annotator,
    TriageError,
    TriageSummary,
    queue_for,
    store_catalogue,
    triage_rows,
)

__all__ = [
    "EMPTY_TEXT", "INVALID_JSON", "LINE_TOO_LONG", "MALFORMED_CSV", "MISSING_COLUMN", "NOT_AN_OBJECT",
    "OUTPUT_COLUMNS", "ROUTERS", "TOO_LONG", "TRUNCATED", "UNDECODABLE", "WRONG_FIELDS", "Annotator",
    "TriageError", "TriageSummary", "file_format", "queue_for", "read_csv", "read_jsonl", "store_catalogue",
    "triage_file", "triage_rows",
]
