"""Ticket service levels: hours from a ticket's creation to its SLA due time, by priority.

Defined once: the ticketing tools, the demo company and the audit log's review queue all read it here.
"""

from __future__ import annotations

SLA_HOURS: dict[str, int] = {"urgent": 1, "high": 4, "normal": 24, "low": 72}
