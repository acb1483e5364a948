"""Where a served run's time goes: the steps time themselves into the request (foundation/spans.py) and the
guard answers a run request with them in ``Server-Timing`` (foundation/server_timing.py)."""

from __future__ import annotations

import contextvars
import threading

import httpx

from foundation import server_timing as timing
from foundation import spans
from tests.server.conftest import ApiServer
from tests.server.helpers import customer_message


def test_a_steps_time_goes_into_the_requests_spans_in_its_threads() -> None:
    def act() -> None:
        with spans.step("act"):
            pass

    with spans.collecting() as collected:
        with spans.step("ingest"):
            pass
        context = contextvars.copy_context()  # as LangGraph runs a sync step: in a thread, in a copy of the context
        worker = threading.Thread(target=context.run, args=(act,))
        worker.start()
        worker.join()
    with spans.step("outside"):  # no request collects: nothing recorded, nothing fails
        pass
    assert [s[0] for s in collected.steps] == ["ingest", "act"]
    assert all(start <= end and cpu >= 0 for _, start, end, cpu in collected.steps)


def test_phases_add_up_and_parse_back() -> None:
    collected = spans.Spans(started=10.0, steps=[("ingest", 10.1, 10.15, 0.02), ("act", 10.2, 10.3, 0.05)])
    phases = timing.phases(collected, forwarded=10.01, responded=10.4)
    assert phases == {"guard": 10.0, "before": 90.0, "steps": 150.0, "cpu": 70.0, "between": 50.0, "after": 100.0,
                      "total": 400.0}
    name, value = timing.header(collected, forwarded=10.01)
    assert name == b"server-timing" and timing.parse(value.decode())["steps"] == 150.0
    assert timing.parse("") == {} and timing.parse("x;desc=y, guard;dur=oops") == {}


def test_a_run_request_is_answered_with_where_its_time_went(api_server: ApiServer) -> None:
    key = {"x-api-key": api_server.keys["maya"]}
    thread = httpx.post(api_server.base_url + "/threads", json={}, headers=key, timeout=60).json()["thread_id"]
    response = httpx.post(f"{api_server.base_url}/threads/{thread}/runs/wait", headers=key, timeout=240,
                          json={"assistant_id": "support", "input": customer_message("Where is my order 10003?")})
    assert response.status_code == 200, response.text
    phases = timing.parse(response.headers["server-timing"])
    assert set(phases) == {"guard", "before", "steps", "cpu", "between", "after", "total"}, phases
    assert phases["cpu"] > 0 and 0 < phases["steps"] < phases["total"]
    assert abs(sum(phases[p] for p in ("guard", "before", "steps", "between", "after")) - phases["total"]) < 1.0
    reads = httpx.get(f"{api_server.base_url}/threads/{thread}/state", headers=key, timeout=60)
    assert "server-timing" not in reads.headers  # only run requests carry it
