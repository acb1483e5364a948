"""troubleshoot: the numbered troubleshooting steps for several products at once, from the KB's guides."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from tools.base import SupportTool, ToolContext, ToolResult
from tools.kb.backend import Article, CatalogueProduct, kb_backend
from tools.kb.guides import best_guide, described_guide, names_product, split_parts
from tools.kb.ranking import tokens
from tools.store import BusinessStore
from tools.store.kb_files import steps_of

PRODUCT_TEXT = r"^[^\x00-\x1f]*$"
PROBLEM_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$"  # the customer's words: line breaks allowed


class TroubleshootArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    products: list[Annotated[str, Field(min_length=2, max_length=80, pattern=PRODUCT_TEXT)]] = Field(
        min_length=1,
        max_length=5,
        description="Product names or families, e.g. ['Nimbus Smart Speaker', 'headphones'] (1 to 5).",
    )
    problem: str | None = Field(
        None,
        max_length=8000,
        pattern=PROBLEM_TEXT,
        description=(
            "The symptom, or the customer's whole message: each product gets the guide for the sentence or clause "
            "that names it, and a clause naming no product listed ('my camera says memory card error') gets the "
            "guide it describes, if one does."
        ),
    )


ALIASES = {"tv": "tvs", "television": "tvs", "televisions": "tvs", "earbuds": "headphones", "smart home": "smart_home"}


def _resolve(text: str, catalogue: Sequence[CatalogueProduct]) -> tuple[str | None, str | None]:
    """(product name, family) for a product name or family the customer gave; (None, None) if unknown. A name
    that fits several products of one family ("Lumen 4K TV": 43, 55 and 65 inch) is that family's."""
    wanted = " ".join(text.casefold().replace("_", " ").split())
    wanted = ALIASES.get(wanted, wanted)
    for family in sorted({p.family for p in catalogue}):
        if wanted in (family, family.replace("_", " "), family.rstrip("s")):
            return None, family
    exact = [p for p in catalogue if wanted == p.name.casefold()]
    words = set(tokens(text))
    fitting = exact or [p for p in catalogue if words and words <= set(tokens(p.name))]
    if not fitting:
        return None, None
    if len(fitting) > 1 and len({p.family for p in fitting}) == 1:
        return None, fitting[0].family
    return fitting[0].name, fitting[0].family


def troubleshoot(store: BusinessStore, args: TroubleshootArgs, ctx: ToolContext) -> ToolResult:
    kb = kb_backend(store)
    catalogue = kb.catalogue()
    guides = [a for a in kb.articles() if steps_of(a.body)]
    parts = split_parts(args.problem or "")
    found: list[tuple[int, dict[str, Any]]] = []  # (the first part about it, entry)
    unknown: list[str] = []
    about: set[int] = set()
    for text in args.products:
        name, family = _resolve(text, catalogue)
        if family is None:
            unknown.append(text)
            continue
        own = [i for i, part in enumerate(parts) if names_product(part, text)]
        about |= set(own)
        entry = _entry(text, name, family, " ".join(parts[i] for i in own), args.problem or "", guides)
        if not any((e["matched_product"] or e["product"].casefold(), e.get("article_id")) ==
                   (name or text.casefold(), entry.get("article_id")) for _, e in found):
            found.append((min(own, default=-1), entry))
    given = {e.get("article_id") for _, e in found}
    for i, part in enumerate(parts):
        guide = None if i in about else described_guide(part, guides)
        if guide is not None and guide.article_id not in given:
            given.add(guide.article_id)
            found.append((i, _described(part, guide, catalogue)))
    names = ", ".join(f"'{u}'" for u in unknown)
    if not found:
        return ToolResult.refuse(
            f"Error: we sell no product called {names}; ask the customer for the exact product name."
        )
    ordered = [e for _, e in sorted(found, key=lambda f: f[0])]
    data: dict[str, Any] = {"guides": ordered, "count": len(ordered)}
    if unknown:
        data["unknown"] = unknown
        data["note"] = f"We sell no product called {names}; ask the customer for its exact name."
    return ToolResult.success(data)


def _entry(text: str, name: str | None, family: str, problem: str, message: str,
           guides: Sequence[Article]) -> dict[str, Any]:
    """A product's guide: the one of its family that fits its name, its own problem, the message best."""
    entry: dict[str, Any] = {"product": text, "matched_product": name, "family": family}
    candidates = [g for g in guides if g.product_family == family]
    if not candidates:
        entry["note"] = f"There is no troubleshooting guide for {family.replace('_', ' ')}; open a technical ticket."
        return entry
    guide = best_guide(name or text, problem, message, candidates)
    return entry | {"article_id": guide.article_id, "title": guide.title, "steps": steps_of(guide.body)}


def _described(part: str, guide: Article, catalogue: Sequence[CatalogueProduct]) -> dict[str, Any]:
    """The guide a part of the message describes without naming a product: its family's word there ("my
    camera") says what it is about, else the guide's family (its title if it has none)."""
    family = guide.product_family or ""
    said = next((w for w in re.findall(r"[a-z]+", part.casefold()) if _resolve(w, catalogue) == (None, family)),
                family.rstrip("s").replace("_", " ")).capitalize()
    return {"product": said or guide.title, "matched_product": None, "family": guide.product_family,
            "from_problem": True, "article_id": guide.article_id, "title": guide.title, "steps": steps_of(guide.body)}


tool = SupportTool(
    name="troubleshoot",
    system="kb",
    description=(
        "Troubleshooting steps for one or more products at once: give product names or families (e.g. "
        "'Nimbus Smart Speaker', 'headphones') and optionally the symptom or the customer's message; returns "
        "each product's guide for its own problem with its numbered steps, the guide of a problem described "
        "without a product name, and says which products are unknown."
    ),
    args_schema=TroubleshootArgs,
    fn=troubleshoot,
    requires_verified_customer=False,
)
