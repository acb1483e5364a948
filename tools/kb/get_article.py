"""get_article: one help-centre article in full, by id."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import ARTICLE_ID
from tools.kb.backend import kb_backend
from tools.store import BusinessStore
from tools.store.kb_files import steps_of


class GetArticleArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    article_id: str = Field(pattern=ARTICLE_ID, description="Article id, e.g. KB-101.")


def get_article(store: BusinessStore, args: GetArticleArgs, ctx: ToolContext) -> ToolResult:
    row = kb_backend(store).get_article(args.article_id)
    if row is None:
        return ToolResult.refuse(f"Error: article {args.article_id} was not found.")
    return ToolResult.success(
        {
            "id": row.article_id,
            "title": row.title,
            "tags": list(row.tags),
            "intents": list(row.intents),
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
