"""The knowledge-base interface the KB tools call, and the choice of implementation by configuration.

Tools rank and format (BM25, embeddings, troubleshooting per product); a backend only hands over the
help-centre articles and the product catalogue they are about. ``SqlKb`` (the store's ``kb_articles``,
loaded from tools/kb/articles) is the default; ``SUPPORTGRAPH_KB_BACKEND`` names another (tools/systems.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from tools.systems import configured_backend

if TYPE_CHECKING:
    from tools.store import BusinessStore


@dataclass(frozen=True, kw_only=True)
class Article:
    """A help-centre article; ``body`` is Markdown, troubleshooting guides have a numbered list of steps."""

    article_id: str
    title: str
    body: str
    tags: tuple[str, ...] = ()
    intents: tuple[str, ...] = ()
    product_family: str | None = None


@dataclass(frozen=True, kw_only=True)
class CatalogueProduct:
    """A product the company sells now, and the family its troubleshooting guides are filed under."""

    product_id: str
    name: str
    family: str


class KbBackend(Protocol):
    """What the KB tools need from a knowledge base (read-only)."""

    def articles(self) -> list[Article]:
        """Every published article, ordered by id."""
        ...

    def get_article(self, article_id: str) -> Article | None: ...

    def catalogue(self) -> list[CatalogueProduct]:
        """The products on sale, ordered by id."""
        ...

    def version(self) -> str:
        """A string that changes whenever any article changes: the key under which embeddings are cached."""
        ...


def kb_backend(store: BusinessStore) -> KbBackend:
    """The configured knowledge base: ``SUPPORTGRAPH_KB_BACKEND`` if set, else the store's own tables."""
    # inside: tools.kb.sql_kb imports this module's types
    from tools.kb.sql_kb import SqlKb

    return configured_backend(store, "kb", SqlKb)
