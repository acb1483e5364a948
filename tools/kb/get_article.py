"""get_article: one help-centre article in full, by id."""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import ARTICLE_ID
from tools.store import BusinessStore
from tools.store.kb_files import steps_of
from tools.store.schema import kb_articles


class GetArticleArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    article_id: str = Field(pattern=ARTICLE_ID, description="Article id, e.g. KB-101.")


def get_article(store: BusinessStore, args: GetArticleArgs, ctx: ToolContext) -> ToolResult:
    with store.db.begin() as conn:
        row = conn.execute(select(kb_articles).where(kb_articles.c.id == args.article_id)).first()
    if row is None:
        return ToolResult.refuse(f"Error: article {args.article_id} was not found.")
    return ToolResult.success(
        {
            "id": row.id,
            "title": row.title,
            "tags": json.loads(row.tags),
            "intents": json.loads(row.intents),
            "product_family": row.product_family,
            "body": row.body,
            "steps": steps_of(row.body),
        }
    )


tool = SupportTool(
    name="get_article",
    system="kb",
    description="Read one help-centre article in full by its id (e.g. KB-101), with its numbered steps.",
    args_schema=GetArticleArgs,
    fn=get_article,
    requires_verified_customer=False,
)
