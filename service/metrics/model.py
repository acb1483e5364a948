"""The figures a support lead reads, as plain dataclasses (JSON via ``dataclasses.asdict``).

Definitions live in docs/metrics.md; each field's comment says what it counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from service.metrics.reasons import ReasonGroup


@dataclass(frozen=True)
class MetricsSettings:
    """The period and the business assumptions the figures depend on."""

    since: datetime | None = None  # conversations that started at or after (inclusive), UTC
    until: datetime | None = None  # … and before (exclusive)
    cost_human: float = 6.00  # dollars per conversation a person worked on
    cost_automated: float = 0.50  # dollars per conversation the agent handled alone (hosting, licences)
    price_input_per_million: float = 0.0  # dollars per million model input tokens
    price_output_per_million: float = 0.0  # dollars per million model output tokens
    reopen_window: timedelta = timedelta(days=7)  # a customer message this soon after resolution reopens it
    confidence_bins: int = 10
    target_risk: float = 0.05  # selective answering: the error rate allowed among turns answered alone
    queues: tuple[str, ...] | None = None  # only conversations assessed for these queues (None: all)
    now: datetime | None = None  # for the age of open reviews; default the wall clock


@dataclass(frozen=True)
class Durations:
    """Seconds; None when there is nothing to measure."""

    count: int
    mean: float | None
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class Resolution:
    conversations: int  # threads whose first customer message falls in the period
    resolved: int  # … that reached a resolved outcome
    first_contact_resolved: int  # resolved with no human review before it and not reopened within the window
    reopened: int  # resolved, then a new customer message (not a rating) within the reopen window
    fcr_rate: float | None  # first_contact_resolved / conversations


@dataclass(frozen=True)
class HandlingTime:
    """First customer message → first resolution, seconds, for resolved conversations."""

    all: Durations
    bot_only: Durations  # no human review before the resolution
    human_handled: Durations  # at least one human review before the resolution


@dataclass(frozen=True)
class QueueCount:
    conversations: int
    rate: float | None  # conversations escalated to this queue / all conversations


@dataclass(frozen=True)
class Escalation:
    conversations: int
    escalated: int  # conversations with at least one human review
    rate: float | None
    by_queue: dict[str, QueueCount]
    by_reason: dict[str, int]  # reviews per reason (numbers masked as '#', so "refund of $#" groups)
    by_code: list[ReasonGroup] = field(default_factory=list)  # reasons per rule (reason code), in words


@dataclass(frozen=True)
class Csat:
    ratings: int  # conversations with a rating (the latest one counts)
    mean: float | None
    distribution: dict[str, int]  # "1" … "5" → conversations
    asked: int  # conversations the agent asked for a rating (at their resolution)
    response_rate: float | None  # asked conversations with a rating / asked conversations


@dataclass(frozen=True)
class ConfidenceBin:
    lower: float
    upper: float
    turns: int  # assessed turns whose confidence falls in [lower, upper) (the last bin includes 1.0)
    mean_confidence: float | None
    judged: int  # turns whose outcome is known (a review still waiting is not)
    handled_ok: int  # judged turns resolved without human correction
    observed: float | None  # handled_ok / judged


@dataclass(frozen=True)
class Calibration:
    turns: int
    judged: int
    bins: list[ConfidenceBin]
    ece: float | None  # expected calibration error: Σ judged_b/judged · |observed_b − mean confidence_b|


@dataclass(frozen=True)
class RiskPoint:
    threshold: float  # answer alone the turns whose confidence is at least this
    coverage: float  # share of assessed turns at or above the threshold
    risk: float | None  # share of the judged turns at or above it that went wrong (a reviewer corrected them)


@dataclass(frozen=True)
class Selective:
    """Selective answering: the risk–coverage curve over the confidence bins and the threshold for a target risk."""

    target_risk: float
    curve: list[RiskPoint]
    chosen: RiskPoint | None  # the most coverage whose risk stays within target_risk (None: none does)


@dataclass(frozen=True)
class ReviewerLoad:
    reviewer: str
    reviews: int
    time_to_resume: Durations


@dataclass(frozen=True)
class Workload:
    open_by_queue: dict[str, int]  # reviews waiting now (open or being resumed), whatever the period
    oldest_open_seconds: float | None
    time_to_resume: Durations  # review queued → reviewer's decision applied, reviews queued in the period
    by_reviewer: list[ReviewerLoad]


@dataclass(frozen=True)
class Costs:
    conversations: int
    human_handled: int
    automated: int  # conversations no person worked on
    automation_rate: float | None
    input_tokens: int
    output_tokens: int
    tokens_recorded: bool  # some audit event of the period carried token counts
    token_cost: float  # recorded_token_cost + the other events' tokens at the configured prices
    recorded_token_cost: float  # what the model calls recorded they cost (cost_usd of llm_call events)
    cost_without_agent: float  # every conversation handled by a person
    cost_with_agent: float  # people for the escalated ones, the agent for the rest, plus tokens
    savings: float


@dataclass(frozen=True)
class SentimentDay:
    day: str  # YYYY-MM-DD, UTC
    messages: int
    mean_score: float | None  # -1 … +1
    negative: int  # messages read as negative


@dataclass(frozen=True)
class Metrics:
    since: datetime | None
    until: datetime | None
    resolution: Resolution
    handling_time: HandlingTime
    escalation: Escalation
    csat: Csat
    calibration: Calibration
    workload: Workload
    costs: Costs
    sentiment: list[SentimentDay] = field(default_factory=list)
    selective: Selective | None = None
