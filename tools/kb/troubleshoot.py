"""troubleshoot: the numbered troubleshooting steps for several products at once, from the KB's guides."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from tools.base import SupportTool, ToolContext, ToolResult
from tools.kb.backend import CatalogueProduct, kb_backend
from tools.kb.ranking import head_text, tokens
from tools.store import BusinessStore
from tools.store.kb_files import steps_of

PRODUCT_TEXT = r"^[^\x00-\x1f]*$"


class TroubleshootArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    products: list[Annotated[str, Field(min_length=2, max_length=80, pattern=PRODUCT_TEXT)]] = Field(
        min_length=1,
        max_length=5,
        description="Product names or families, e.g. ['Nimbus Smart Speaker', 'headphones'] (1 to 5).",
    )
    problem: str | None = Field(
        None, max_length=300, pattern=PRODUCT_TEXT, description="The symptom, to pick the right guide."
    )


ALIASES = {"tv": "tvs", "television": "tvs", "televisions": "tvs", "earbuds": "headphones", "smart home": "smart_home"}


def _resolve(text: str, catalogue: Sequence[CatalogueProduct]) -> tuple[str | None, str | None]:
    """(product name, family) for a product name or family the customer gave; (None, None) if unknown."""
    wanted = " ".join(text.casefold().replace("_", " ").split())
    wanted = ALIASES.get(wanted, wanted)
    for family in sorted({p.family for p in catalogue}):
        if wanted in (family, family.replace("_", " "), family.rstrip("s")):
            return None, family
    words = set(tokens(text))
    for p in catalogue:
        if wanted == p.name.casefold() or (words and words <= set(tokens(p.name))):
            return p.name, p.family
    return None, None


def troubleshoot(store: BusinessStore, args: TroubleshootArgs, ctx: ToolContext) -> ToolResult:
    kb = kb_backend(store)
    catalogue = kb.catalogue()
    guides = [a for a in kb.articles() if steps_of(a.body)]
    found: list[dict[str, Any]] = []
    unknown: list[str] = []
    for text in args.products:
        name, family = _resolve(text, catalogue)
        if family is None:
            unknown.append(text)
            continue
        words = set(tokens(f"{name or ''} {args.problem or ''}"))
        candidates = [g for g in guides if g.product_family == family]
        entry: dict[str, Any] = {"product": text, "matched_product": name, "family": family}
        if not candidates:
            entry["note"] = (
                f"There is no troubleshooting guide for {family.replace('_', ' ')}; open a technical ticket."
            )
        else:
            guide = max(candidates, key=lambda g: (len(words & set(tokens(head_text(g)))), -int(g.article_id[3:])))
            entry |= {"article_id": guide.article_id, "title": guide.title, "steps": steps_of(guide.body)}
        found.append(entry)
    names = ", ".join(f"'{u}'" for u in unknown)
    if not found:
        return ToolResult.refuse(
            f"Error: we sell no product called {names}; ask the customer for the exact product name."
        )
    data: dict[str, Any] = {"guides": found, "count": len(found)}
    if unknown:
        data["unknown"] = unknown
        data["note"] = f"We sell no product called {names}; ask the customer for its exact name."
    return ToolResult.success(data)


tool = SupportTool(
    name="troubleshoot",
    system="kb",
    description=(
        "Troubleshooting steps for one or more products at once: give product names or families (e.g. "
        "'Nimbus Smart Speaker', 'headphones') and optionally the symptom; returns each product's guide with "
        "its numbered steps, and says which products are unknown."
    ),
    args_schema=TroubleshootArgs,
    fn=troubleshoot,
    requires_verified_customer=False,
)
