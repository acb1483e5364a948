"""Triage of rows: which rows are usable, what each gets (``Annotator``), and the streaming loop."""

from __future__ import annotations

import json
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from foundation.settings import get_settings
from graphs.reasoners.local.router import load_router
from graphs.support.deps import catalogue
from graphs.support.flows import get_flow
from tools.store import open_store

OUTPUT_COLUMNS = ("intent", "confidence", "secondary_intent", "entities", "sentiment", "queue")
BATCH_SIZE = 256
MAX_TEXT_CHARS = 5_000
# The intent models a run can use by name (a name, unlike a model object, can be handed to worker processes).
ROUTERS = ("cascade", "both", "fast", "minilm")

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

# What json.dumps(value, ensure_ascii=False, sort_keys=True) runs, without building the encoder for every row.
_entities_json = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


class TriageError(Exception):
    """Triage cannot start (bad file or header, or its workers died); raised with a readable reason."""


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


def queue_for(intent: str) -> str:
    """The specialist queue of ``intent``'s flow (graphs/support/flows.yaml); unknown intents get out_of_scope's."""
    return get_flow(intent).queue


def resolve_router(router: Any) -> Any:
    """The intent model ``router`` names (one of ``ROUTERS``; default the shipped cascade), or ``router`` itself."""
    if router is None or router == "cascade":
        return load_router()
    if router == "fast":
        return load_router().fast
    if router == "both":
        return load_router().thorough()
    if router == "minilm":
        return load_router().full
    if isinstance(router, str):
        raise TriageError(f"unknown router {router!r}: use one of {', '.join(ROUTERS)}")
    return router


class Annotator:
    """The triage columns for batches of texts: one intent-model call per batch, entities, sentiment, queue.

    Keeps a bounded cache of the columns by text (ticket dumps repeat the same short messages often): a repeated
    text costs neither the intent model nor entities and sentiment again. Every column depends on the text alone
    (the clock and catalogue are the annotator's), so a cached row is the row it would compute.
    """

    def __init__(self, router: Any, *, now: datetime, catalogue: tuple[str, ...] = (), cache_size: int = 5_000):
        self.router = resolve_router(router)
        self.now = now
        self.catalogue = catalogue
        self.cache_size = cache_size
        self.rows: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def annotate(self, texts: list[str]) -> list[dict[str, Any]]:
        """The six triage columns for each text, in order."""
        # looked up per call: tests count the calls by replacing the module's function
        from graphs.reasoners.local.entities import extract_entities
        from graphs.reasoners.local.sentiment import analyse_sentiment

        missing = [t for t in dict.fromkeys(texts) if t not in self.rows]
        if missing:
            for text, (intents, _margin) in zip(missing, self.router.detect_many(missing), strict=True):
                main = intents[0]
                self.rows[text] = {
                    "intent": main.intent,
                    "confidence": round(main.confidence, 4),
                    "secondary_intent": intents[1].intent if len(intents) > 1 else "",
                    "entities": _entities_json(extract_entities(text, now=self.now, catalogue=self.catalogue)),
                    "sentiment": analyse_sentiment(text)["label"],
                    "queue": queue_for(main.intent),
                }
        out = [dict(self.rows[t]) for t in texts]
        for text in texts:
            self.rows.move_to_end(text)
        while len(self.rows) > self.cache_size:
            self.rows.popitem(last=False)
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
    workers: int = 1,
) -> Iterator[dict[str, Any]]:
    """Each usable row, in order, with the triage columns added; unusable rows are counted in ``summary``.

    Consumes ``rows`` lazily: at most ``batch_size`` rows (times the batches in flight with workers) are held at
    once. ``catalogue`` holds the product names to recognise in the text (``store_catalogue()`` gives the business
    store's); ``router`` is the intent model: a name from ``ROUTERS`` (default the shipped cascade) or, in this
    process only, a model object. With ``workers`` > 1, batches run in that many worker processes (started once
    the first full batch is ready, so a small input never pays for them).
    """
    # inside: pool imports this module
    from service.triage.pool import WorkerPool

    summary = summary if summary is not None else TriageSummary()
    clock = now or datetime.now(UTC)
    if isinstance(router, str) and router not in ROUTERS:
        raise TriageError(f"unknown router {router!r}: use one of {', '.join(ROUTERS)}")
    if workers > 1 and router is not None and not isinstance(router, str):
        raise TriageError(f"with workers, name the router ({', '.join(ROUTERS)}) instead of passing a model")
    annotator: Annotator | None = None
    pool: WorkerPool | None = None
    batch: list[tuple[dict[str, Any], str]] = []
    try:
        for row in _usable(rows, text_column, max_chars, summary):
            batch.append(row)
            if len(batch) < batch_size:
                continue
            if workers > 1 and pool is None:
                pool = WorkerPool(workers, router, now=clock, catalogue=catalogue)
            if pool is not None:
                yield from _emit(pool.submit(batch), summary)
            else:
                annotator = annotator or Annotator(router, now=clock, catalogue=catalogue)
                yield from _emit([(batch, annotator.annotate([t for _, t in batch]))], summary)
            batch = []
        if pool is not None:
            yield from _emit(pool.finish(batch), summary)
        elif batch:
            annotator = annotator or Annotator(router, now=clock, catalogue=catalogue)
            yield from _emit([(batch, annotator.annotate([t for _, t in batch]))], summary)
    finally:
        if pool is not None:
            pool.close()


def _usable(rows: Iterable[Mapping[str, Any]], column: str, max_chars: int,
            summary: TriageSummary) -> Iterator[tuple[dict[str, Any], str]]:
    for row in rows:
        summary.rows_read += 1
        if column not in row or row[column] is None:
            summary.skip(MISSING_COLUMN)
            continue
        value = row[column]
        text = (value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)).strip()
        if not text:
            summary.skip(EMPTY_TEXT)
        elif len(text) > max_chars:
            summary.skip(TOO_LONG)
        else:
            yield dict(row), text


def _emit(done: Iterable[tuple[list[tuple[dict[str, Any], str]], list[dict[str, Any]]]],
          summary: TriageSummary) -> Iterator[dict[str, Any]]:
    for batch, columns in done:
        for (row, _text), added in zip(batch, columns, strict=True):
            row.update(added)
            summary.rows_written += 1
            summary.intents[added["intent"]] += 1
            yield row


def store_catalogue(database_url: str | None = None) -> tuple[str, ...]:
    """Product names of the business store's catalogue (the configured database unless ``database_url``)."""
    settings = get_settings()
    return catalogue(open_store(database_url or settings.resolved_database_url()))
