"""logreview daily report: merge a day's partial aggregates into the review report and feed the alarms."""

from __future__ import annotations
