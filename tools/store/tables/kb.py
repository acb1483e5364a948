"""Knowledge-base tables: the help-centre articles (loaded from tools/kb/articles)."""

from __future__ import annotations

from sqlalchemy import Column, String, Table, Text

from tools.store.tables.base import metadata

kb_articles = Table(
    "kb_articles",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("tags", Text, nullable=False),  # JSON list
    Column("intents", Text, nullable=False),  # JSON list
    Column("product_family", String(32), nullable=True),
    Column("body", Text, nullable=False),
    Column("source_file", String(200), nullable=False),
)

