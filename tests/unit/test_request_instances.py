"""Request instances in the flow state (graphs/support/requests.py ``spread_instances``, flows.request_key): one
request for several records listed together becomes one request per record, keyed so that a state written before
instances existed reads as it did."""

from __future__ import annotations

from typing import Any

from graphs.support.flows import get_flow, instance_key, intent_of, make_step, request_key
from graphs.support.requests import slots_for, spread_instances
from graphs.support.state import ActiveFlow


def _flow(*intents: str) -> ActiveFlow:
    return {"intents": list(intents), "confidences": dict.fromkeys(intents, 0.9), "slots": {}, "stage": "collecting",
            "asking": [], "low_confidence_turns": 0}


def test_listed_records_make_one_instance_each() -> None:
    flow = _flow("track_order", "get_refund")
    found: Any = {"order_ids": [14001, 14002, 14003]}
    spread_instances(flow, "track_order", "where have 14001, 14002 and order 14003 got to", found)
    assert flow["intents"] == ["track_order", "track_order#2", "track_order#3", "get_refund"]
    assert [slots_for(flow, key)["order_id"] for key in flow["intents"][:3]] == [14001, 14002, 14003]
    assert flow["confidences"]["track_order#3"] == 0.9
    assert get_flow("track_order#2").intent == "track_order"


def test_records_not_listed_together_stay_one_request() -> None:
    flow = _flow("cancel_order")
    found: Any = {"order_ids": [14001, 14002]}
    spread_instances(flow, "cancel_order", "cancel 14001 or 14002, whichever has not shipped", found)
    spread_instances(flow, "cancel_order", "cancel 14001, I placed it instead of 14002", found)
    assert flow["intents"] == ["cancel_order"]
    assert "requests" not in flow


def test_a_record_taken_back_is_no_list_of_two() -> None:
    flow = _flow("cancel_order")
    found: Any = {"order_ids": [14001, 14002]}
    spread_instances(flow, "cancel_order", "cancel 14001, no, 14002", found)
    spread_instances(flow, "cancel_order", "cancel 14001 no 14002", found)
    assert flow["intents"] == ["cancel_order"]
    spread_instances(flow, "cancel_order", "cancel no. 14001 and no. 14002", found)
    assert flow["intents"] == ["cancel_order", "cancel_order#2"]


def test_a_step_and_a_flow_written_before_instances_read_as_before() -> None:
    step = make_step("cancel_order.cancel", "cancel_order", "cancel_order", {}, [], "cancel")
    assert "request" not in step and request_key(step) == "cancel_order"
    second = make_step("cancel_order#2.cancel", "cancel_order", "cancel_order", {}, [], "cancel",
                       request=instance_key("cancel_order", 2))
    assert request_key(second) == "cancel_order#2" and second["intent"] == "cancel_order"
    assert intent_of("cancel_order") == "cancel_order" and instance_key("cancel_order", 1) == "cancel_order"
    old = _flow("cancel_order")
    old["slots"] = {"order_id": 14001}
    assert slots_for(old, "cancel_order") == {"order_id": 14001}
