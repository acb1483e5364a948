"""SqlKb: the knowledge base on the supportgraph store's ``kb_articles`` and ``products`` tables."""

from __future__ import annotations

import json
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


class SqlKb:
    """Implements ``KbBackend`` with SQL on the store."""

    def __init__(self, store: BusinessStore) -> None:
        self.store = store

    def articles(self) -> list[Article]:
        with self.store.db.begin() as conn:
            return [_article(r) for r in conn.execute(select(kb_articles).order_by(kb_articles.c.id))]

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
