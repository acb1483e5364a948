"""The same figures as Prometheus text (parsed back with prometheus_client's parser) and as an HTML report with
the plots embedded."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from foundation.audit import forget_audit_log, open_audit_log
from service.metrics import Metrics, compute_metrics
from service.metrics.prometheus import prometheus_text
from service.metrics.report import write_html
from tests.metrics.audit_log import write_audit_log
from tests.metrics.test_compute import SETTINGS


@pytest.fixture
def metrics(tmp_path: Path) -> Iterator[Metrics]:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    log = open_audit_log(url)
    write_audit_log(log)
    yield compute_metrics(log.db, SETTINGS)
    forget_audit_log(url)


def test_prometheus_text_parses_and_carries_the_figures(metrics: Metrics) -> None:
    families = {f.name: f for f in text_string_to_metric_families(prometheus_text(metrics))}
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value for f in families.values() for s in f.samples}
    assert all(f.type == "gauge" for f in families.values())
    assert samples[("supportgraph_first_contact_resolution_ratio", ())] == pytest.approx(1 / 6)
    assert samples[("supportgraph_conversations", (("outcome", "all"),))] == 6
    assert samples[("supportgraph_escalation_queue_ratio", (("queue", "billing"),))] == pytest.approx(2 / 6)
    assert samples[("supportgraph_csat_ratings", (("score", "5"),))] == 1
    assert samples[("supportgraph_handling_time_seconds", (("handled_by", "bot"), ("stat", "mean")))] == 210
    assert samples[("supportgraph_review_queue_size", (("queue", "billing"),))] == 1
    assert samples[("supportgraph_review_time_to_resume_seconds", (("reviewer", "sam"), ("stat", "median")))] == 1800
    assert samples[("supportgraph_cost_dollars", (("scenario", "savings"),))] == pytest.approx(16.4946)
    assert samples[("supportgraph_model_tokens", (("direction", "input"),))] == 1500
    assert samples[("supportgraph_sentiment_mean", (("day", "2026-11-03"),))] == pytest.approx(-0.2)
    assert samples[("supportgraph_confidence_turns", (("bin", "0.90"),))] == 1
    # a figure without data is left out, not reported as 0
    assert ("supportgraph_confidence_observed_ratio", (("bin", "0.10"),)) not in samples


def test_html_report_is_self_contained_with_the_plots(metrics: Metrics, tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    write_html(path, metrics)
    page = path.read_text("utf-8")
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 7, "one embedded PNG per plot (risk–coverage included)"
    assert all(base64.b64decode(i).startswith(b"\x89PNG\r\n\x1a\n") for i in images)
    assert "Reliability diagram" in page and "first-contact resolution" in page
    assert "Risk–coverage curve" in page and "threshold for 5.0% risk" in page
    assert "http://" not in page and "https://" not in page, "nothing is fetched from elsewhere"
