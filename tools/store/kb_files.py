"""Knowledge-base articles: Markdown files with YAML front matter, loaded into the ``kb_articles`` table."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jinja2 import TemplateError
from sqlalchemy import Connection, delete, insert

from foundation.settings import get_settings
from prompts import render_text
from tools.store.schema import kb_articles

log = logging.getLogger(__name__)

ARTICLES_DIR = Path(__file__).resolve().parent.parent / "kb" / "articles"
ARTICLE_ID = re.compile(r"^KB-\d{1,6}$")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n?(.*)\Z", re.DOTALL)
_STEP = re.compile(r"^\s*\d+[.)]\s+(.+?)\s*$")


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    tags: list[str]
    intents: list[str]
    product_family: str | None
    body: str
    source_file: str


def parse_article(text: str, source_file: str) -> Article:
    """Parse one article file; raises ``ValueError`` with the reason when it is malformed."""
    match = _FRONT_MATTER.match(text.replace("\r\n", "\n"))
    if not match:
        raise ValueError(f"{source_file}: no '---' front matter")
    meta: Any = yaml.safe_load(match.group(1))
    if not isinstance(meta, dict):
        raise ValueError(f"{source_file}: front matter is not a mapping")
    article_id = str(meta.get("id", "")).strip()
    if not ARTICLE_ID.match(article_id):
        raise ValueError(f"{source_file}: id {article_id!r} is not like KB-101")
    title = str(meta.get("title") or "").strip()
    if not title:
        raise ValueError(f"{source_file}: missing title")

    def _list(key: str) -> list[str]:
        value = meta.get(key) or []
        if isinstance(value, str):
            value = [value]
        return [str(v).strip() for v in value if str(v).strip()]

    family = meta.get("product_family")
    return Article(
        id=article_id,
        title=title[:200],
        tags=_list("tags"),
        intents=_list("intents"),
        product_family=str(family).strip() if family not in (None, "", "null") else None,
        body=match.group(2).strip(),
        source_file=source_file,
    )


def load_articles(directory: Path = ARTICLES_DIR) -> list[Article]:
    """All well-formed articles in ``directory`` (sorted by file name; malformed or duplicate ids skipped).

    An article's text is a template of the deployment's policy values (``{{ refund_approval_limit | money }}``,
    ``{{ refund_window_days }}``: foundation/policy.py), so the help centre says what the policy says; a changed
    value changes the articles' digest, and the store's copy is refreshed.

    Every store opened checks the articles' digest, so the parsed set is kept while neither the files' text nor
    the policy values change (rendering and parsing them is what costs, not reading them)."""
    policy = get_settings().policy().model_dump()
    texts = []
    for path in sorted(directory.glob("*.md")) if directory.is_dir() else []:
        try:
            texts.append((path.name, path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            log.warning("skipping KB article %s: %s", path.name, exc)
    key = hashlib.sha256(json.dumps([policy, texts], sort_keys=True, default=str).encode()).hexdigest()
    cached = _parsed.get(str(directory))
    if cached is None or cached[0] != key:
        cached = _parsed[str(directory)] = (key, _parse_all(texts, policy))
    return list(cached[1])


_parsed: dict[str, tuple[str, tuple[Article, ...]]] = {}  # directory -> (digest of texts and policy, articles)


def _parse_all(texts: list[tuple[str, str]], policy: dict[str, Any]) -> tuple[Article, ...]:
    articles: dict[str, Article] = {}
    for name, text in texts:
        try:
            article = parse_article(render_text(text, **policy), name)
        except (ValueError, yaml.YAMLError, TemplateError) as exc:
            log.warning("skipping KB article %s: %s", name, exc)
            continue
        if article.id in articles:
            log.warning("skipping KB article %s: duplicate id %s", name, article.id)
            continue
        articles[article.id] = article
    return tuple(articles.values())


def articles_digest(articles: list[Article]) -> str:
    """A hash of the article set, stored in store_meta to tell when the files changed."""
    h = hashlib.sha256()
    for a in articles:
        h.update(json.dumps(a.__dict__, sort_keys=True).encode())
    return h.hexdigest()


def steps_of(body: str) -> list[str]:
    """The numbered steps ("1. ...") of a troubleshooting article, in order."""
    return [m.group(1) for line in body.splitlines() if (m := _STEP.match(line))]


def replace_articles(conn: Connection, articles: list[Article]) -> None:
    """Replace the kb_articles rows with ``articles`` (inside the caller's transaction)."""
    conn.execute(delete(kb_articles))
    if articles:
        conn.execute(
            insert(kb_articles),
            [
                {
                    "id": a.id,
                    "title": a.title,
                    "tags": json.dumps(a.tags),
                    "intents": json.dumps(a.intents),
                    "product_family": a.product_family,
                    "body": a.body,
                    "source_file": a.source_file[:200],
                }
                for a in articles
            ],
        )
