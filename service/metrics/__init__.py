"""Support metrics a lead reads, computed from the audit log: see docs/metrics.md."""

from service.metrics.compute import compute_metrics
from service.metrics.model import Metrics, MetricsSettings

__all__ = ["Metrics", "MetricsSettings", "compute_metrics"]
