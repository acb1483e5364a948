"""Shared pieces of the follow-up tests (test_follow_ups.py, test_follow_ups_offers.py): a finished request."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from graphs.support.state import ActiveFlow, State

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
ADDRESS = {"line1": "12 Oak Street", "line2": None, "city": "Springfield", "zip_code": "62704"}


def done_state(intent: str, **slots: Any) -> State:
    flow: ActiveFlow = {"intents": [intent], "confidences": {intent: 0.9}, "slots": slots, "stage": "done",
                        "asking": [], "low_confidence_turns": 0}  # type: ignore[typeddict-item]
    return State(flow=flow)
