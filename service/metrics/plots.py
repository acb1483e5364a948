"""The report's plots as PNG bytes (matplotlib's object API on the Agg canvas: no pyplot global state)."""

from __future__ import annotations

import io
from collections.abc import Callable

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from service.metrics.model import Metrics

Plot = Callable[[Axes, Metrics], None]


def _png(draw: Plot, metrics: Metrics, *, size: tuple[float, float] = (5.5, 3.6)) -> bytes:
    figure = Figure(figsize=size, dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    draw(axes, metrics)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _confidence_histogram(ax: Axes, m: Metrics) -> None:
    bins = m.calibration.bins
    width = bins[0].upper - bins[0].lower if bins else 0.1
    ax.bar([b.lower for b in bins], [b.turns for b in bins], width=width, align="edge", color="#4c72b0",
           edgecolor="white")
    ax.set(title="Confidence of assessed turns", xlabel="confidence", ylabel="turns", xlim=(0, 1))


def _reliability(ax: Axes, m: Metrics) -> None:
    points = [(b.mean_confidence, b.observed) for b in m.calibration.bins
              if b.mean_confidence is not None and b.observed is not None]
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    ax.plot([x for x, _ in points], [y for _, y in points], marker="o", color="#dd8452",
            label="handled without human correction")
    ece = m.calibration.ece
    ax.set(title="Reliability" + (f" (ECE {ece:.3f})" if ece is not None else ""), xlabel="mean confidence",
           ylabel="observed rate", xlim=(0, 1), ylim=(0, 1.05))
    ax.legend(loc="upper left", fontsize=8)


def _csat(ax: Axes, m: Metrics) -> None:
    scores = list(m.csat.distribution)
    ax.bar(scores, [m.csat.distribution[s] for s in scores], color="#55a868")
    mean = m.csat.mean
    ax.set(title="CSAT ratings" + (f" (mean {mean:.2f})" if mean is not None else ""), xlabel="rating",
           ylabel="conversations")


def _escalations(ax: Axes, m: Metrics) -> None:
    queues = list(m.escalation.by_queue)
    ax.bar(queues, [m.escalation.by_queue[q].conversations for q in queues], color="#c44e52")
    ax.set(title="Escalated conversations by queue", ylabel="conversations")


def _handling_time(ax: Axes, m: Metrics) -> None:
    h = m.handling_time
    groups = [("bot only", h.bot_only), ("human handled", h.human_handled), ("all", h.all)]
    ax.bar([g for g, _ in groups], [(d.mean or 0) / 60 for _, d in groups], color="#8172b3")
    ax.set(title="Average handling time", ylabel="minutes (mean)")


def _sentiment(ax: Axes, m: Metrics) -> None:
    days = [(d.day, d.mean_score) for d in m.sentiment if d.mean_score is not None]
    ax.plot([day for day, _ in days], [score for _, score in days], marker="o", color="#937860")
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set(title="Customer sentiment per day", ylabel="mean score (-1 … +1)", ylim=(-1, 1))
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)


def _risk_coverage(ax: Axes, m: Metrics) -> None:
    sel = m.selective
    points = [(p.coverage, p.risk) for p in (sel.curve if sel else []) if p.risk is not None]
    ax.plot([x for x, _ in points], [y for _, y in points], marker="o", color="#55a868", label="answered alone")
    if sel is not None:
        ax.axhline(sel.target_risk, linestyle="--", color="grey", label=f"target risk {sel.target_risk:.0%}")
        if sel.chosen is not None and sel.chosen.risk is not None:
            ax.plot([sel.chosen.coverage], [sel.chosen.risk], marker="*", markersize=12, color="#c44e52",
                    label=f"threshold {sel.chosen.threshold:.2f}")
    ax.set(title="Risk–coverage", xlabel="share of turns answered alone", ylabel="error rate among them",
           xlim=(0, 1.02), ylim=(0, None))
    ax.legend(loc="upper left", fontsize=8)


PLOTS: dict[str, tuple[str, Plot]] = {
    "confidence_histogram": ("Confidence histogram", _confidence_histogram),
    "reliability_diagram": ("Reliability diagram", _reliability),
    "risk_coverage": ("Risk–coverage curve", _risk_coverage),
    "csat": ("CSAT distribution", _csat),
    "escalations": ("Escalations by queue", _escalations),
    "handling_time": ("Handling time", _handling_time),
    "sentiment_trend": ("Sentiment trend", _sentiment),
}


def render_plots(metrics: Metrics) -> dict[str, tuple[str, bytes]]:
    """Every plot of the report: name → (title, PNG bytes)."""
    return {name: (title, _png(draw, metrics)) for name, (title, draw) in PLOTS.items()}
