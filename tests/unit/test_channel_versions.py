"""The checkpointers' channel versions (service/review_index.py ``next_version``): LangGraph's counter, ordered as
text with the versions LangGraph's own savers write, and a random part short enough not to dominate a row."""

from __future__ import annotations

from langgraph.checkpoint.postgres import PostgresSaver

from service.review_index import next_version


def test_the_counter_goes_on_from_either_format() -> None:
    theirs = PostgresSaver.get_next_version(None, "00000000000000000000000000000041.0.6555268205627038", None)  # type: ignore[arg-type]
    ours = next_version(theirs)
    assert ours.split(".")[0] == f"{43:032}", ours
    assert ours > theirs and next_version(ours) > ours
    assert next_version(None).split(".")[0] == f"{1:032}" and next_version(7).split(".")[0] == f"{8:032}"


def test_a_version_written_after_ours_by_langgraph_still_sorts_after_it() -> None:
    ours = next_version("00000000000000000000000000000099.0a1b2c3d")
    theirs = PostgresSaver.get_next_version(None, ours, None)  # type: ignore[arg-type]
    assert theirs > ours and theirs.split(".")[0] == f"{101:032}"


def test_the_random_part_is_short_and_varies() -> None:
    drawn = {next_version(5) for _ in range(50)}
    assert len(drawn) > 45
    assert all(len(v) == 32 + 1 + 8 for v in drawn), drawn
