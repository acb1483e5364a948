"""SqlKb: the knowledge base on the supportgraph store's ``kb_articles`` and ``products`` tables."""

from __future__ import annotations

import json
import threading
from typing import Any

from sqlalchemy import select

from tools.kb.backend import Article, CatalogueProduct
from tools.store import BusinessStore
from tools.store.schema import kb_articles, products, store_meta


def _article(row: Any) -> Article:
    return Article(
        article_id=row.id,
        title=row.title,
        body=row.body,
        tags=tuple(json.loads(row.tags)),
        intents=tuple(json.loads(row.intents)),
        product_family=row.product_family,
    )


# The articles of each store (by URL) as last read, under the KB version they were read at.
_articles: dict[str, tuple[str, tuple[Article, ...]]] = {}
_articles_lock = threading.Lock()


class SqlKb:
    """Implements ``KbBackend`` with SQL on the store."""

    def __init__(self, store: BusinessStore) -> None:
        self.store = store

    def articles(self) -> list[Article]:
        """Every article. Kept per store under ``version()``, which changes whenever an article does, so a
        search reads one short row instead of every article, and reads them again after a change. The
        version is read first: articles changed in between are kept under the older version and read again."""
        version, url = self.version(), self.store.db.url
        with _articles_lock:
            cached = _articles.get(url)
        if cached is not None and cached[0] == version:
            return list(cached[1])
        with self.store.db.begin() as conn:
            found = tuple(_article(r) for r in conn.execute(select(kb_articles).order_by(kb_articles.c.id)))
        if version != "unknown":
            with _articles_lock:
                _articles[url] = (version, found)
        return list(found)

    def get_article(self, article_id: str) -> Article | None:
        with self.store.db.begin() as conn:
            row = conn.execute(select(kb_articles).where(kb_articles.c.id == article_id)).first()
        return None if row is None else _article(row)

    def catalogue(self) -> list[CatalogueProduct]:
        query = select(products).where(products.c.active.is_(True)).order_by(products.c.id)
        with self.store.db.begin() as conn:
            return [CatalogueProduct(product_id=p.id, name=p.name, family=p.family) for p in conn.execute(query)]

    def version(self) -> str:
        # The digest of the article files, recorded by open_store whenever it reloads them.
        with self.store.db.begin() as conn:
            value = conn.execute(select(store_meta.c.value).where(store_meta.c.key == "kb_digest")).scalar_one_or_none()
        return value or "unknown"
