"""The perturbation suite rewrites only the customer's words: ids, amounts and emails survive every kind."""

from __future__ import annotations

import random
import re
from dataclasses import replace

import pytest

from evals.perturb import (
    KINDS,
    bare_answers,
    drop_table,
    id_formats,
    parse_kinds,
    perturb,
    reorder,
    twins_of,
)
from evals.scenario_files import BLIND_DIR, load_scenarios

MESSAGE = "Hi! The earbuds from order 13001 cost $89.99, email me at jo.ng@example.com. I'd like a refund."


def _quoted(text: str) -> list[str]:
    return re.findall(r"\d+(?:\.\d+)?|\S+@\S+\w", text)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_keeps_numbers_amounts_and_emails(kind: str) -> None:
    rewritten = KINDS[kind](MESSAGE, random.Random(3))
    assert sorted(_quoted(rewritten)) == sorted(_quoted(MESSAGE))


def test_rewrites_are_deterministic_and_change_the_scenarios() -> None:
    scenarios = load_scenarios()[:20]
    for kind in KINDS:
        first = [perturb(s, kind) for s in scenarios]
        assert first == [perturb(s, kind) for s in scenarios]
        assert all(p.id == f"{s.id}~{kind}" and p.expect == s.expect and p.data == s.data
                   for p, s in zip(first, scenarios, strict=True))
        if kind not in ("bare_answers", "reorder", "id_formats"):  # these apply only where their form occurs
            assert sum(p.messages != s.messages for p, s in zip(first, scenarios, strict=True)) >= 10, kind


def test_forms_customers_use() -> None:
    assert bare_answers("my zip code is 60614.", random.Random(0)) == "60614"
    assert bare_answers("The last 4 digits of my card: 0042", random.Random(0)) == "0042"
    assert bare_answers("My zip is 60614 and my email is a@b.co", random.Random(0)).startswith("My zip")
    assert reorder("Order 10001 is late. Where is it?", random.Random(0)) == "Where is it? Order 10001 is late."
    forms = {id_formats("where is order 10001 and INV-20001?", random.Random(n)) for n in range(30)}
    assert len(forms) > 5 and all("10001" in f and "20001" in f for f in forms)


def test_drop_table_counts_broken_and_mended() -> None:
    table = drop_table({"a": 1.0, "b": 1.0, "c": 0.0, "a~typos": 0.0, "b~typos": 1.0, "c~typos": 1.0})
    assert table["original"]["pass_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert table["typos"] == {"scenarios": 3, "pass_rate": pytest.approx(2 / 3, abs=1e-4), "drop_points": 0.0,
                              "broke": 1, "mended": 1}


def test_unknown_kind_is_refused_with_the_known_ones() -> None:
    assert parse_kinds("all") == list(KINDS)
    with pytest.raises(ValueError, match="typos"):
        parse_kinds("typo")


@pytest.mark.parametrize("half", ["7", "8", "9"])
def test_written_paraphrases_are_one_more_kind_of_rewrite(half: str) -> None:
    originals = load_scenarios(BLIND_DIR / f"dev{half}")
    twins = twins_of(originals, load_scenarios(BLIND_DIR / f"para{half}"))
    assert sorted(t.id for t in twins) == sorted(f"{s.id}~paraphrase" for s in originals)
    twin = next(t for t in twins if t.id.startswith(originals[0].id + "~"))
    assert twin.messages != originals[0].messages and twin.expect == originals[0].expect
    assert drop_table({originals[0].id: 1.0, twin.id: 0.0})["paraphrase"]["broke"] == 1


def test_a_twin_with_other_facts_or_no_twin_at_all_is_refused() -> None:
    originals = load_scenarios(BLIND_DIR / "dev8")
    written = load_scenarios(BLIND_DIR / "para8")
    changed = [replace(written[0], expect={**written[0].expect, "escalated": not written[0].expect.get("escalated")})]
    with pytest.raises(ValueError, match="data or expectations differ"):
        twins_of(originals, changed)
    with pytest.raises(ValueError, match="no twin"):
        twins_of(originals[:0] + load_scenarios(BLIND_DIR / "dev7")[:1], written)
