"""The same figures as Prometheus text (parsed back with prometheus_client's parser) and as the dashboard page in
one self-contained HTML file."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from foundation.audit import AuditLog, forget_audit_log, open_audit_log
from service.metrics import Metrics, compute_metrics
from service.metrics.dashboard import dashboard_data
from service.metrics.prometheus import prometheus_text
from service.metrics.report import write_html
from tests.metrics.audit_log import write_audit_log
from tests.metrics.test_compute import SETTINGS


@pytest.fixture
def log(tmp_path: Path) -> Iterator[AuditLog]:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    log = open_audit_log(url)
    write_audit_log(log)
    yield log
    forget_audit_log(url)


@pytest.fixture
def metrics(log: AuditLog) -> Metrics:
    return compute_metrics(log.db, SETTINGS)


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


def test_html_report_is_the_dashboard_page_with_the_figures_inlined(log: AuditLog, tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    data = dashboard_data(log.db, SETTINGS, "day")
    write_html(path, data)
    page = path.read_text("utf-8")
    inlined = re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', page, re.S)
    assert inlined is not None
    assert json.loads(inlined.group(1).replace("<\\/", "</")) == json.loads(json.dumps(data, default=str))
    assert "function render(data)" in page and "Reliability diagram" in page and "Risk–coverage curve" in page
    assert 'src="dashboard.js"' not in page and 'href="style.css"' not in page  # inlined, not fetched
    assert "http://" not in page.replace('"http://www.w3.org/2000/svg"', "") and "https://" not in page
    # reasons grouped by rule, in words, not by their masked sentence
    codes = {g["code"]: g["reviews"] for g in data["metrics"]["escalation"]["by_code"]}
    assert codes == {"refund_over_limit": 2, "identity_failed": 1, "very_upset": 1}
