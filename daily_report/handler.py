"""DailyReport Lambda entry point (thin): which day, then the run.

Event: an EventBridge scheduled event (reports the previous UTC day of its `time`),
`{"date": "YYYY-MM-DD"}`, or a period: `{"week": "YYYY-Www"}`, `{"month": "YYYY-MM"}`,
`{"period": "weekly"|"monthly"}` (the last complete one; the optional weekly schedule).
Returns a small summary: date, keys written, totals, revision and the earlier days regenerated
for late data.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from stream_processor.config import load_config
from stream_processor.observability import annotate, lambda_entry, logger

from .days import report_day
from .job import from_environment
from .period import period_of_event


@lambda_entry
def lambda_handler(event: dict[str, Any], context: LambdaContext | None) -> dict[str, Any]:
    period = period_of_event(event, datetime.now(UTC).date()) if isinstance(event, dict) else None
    if period is not None:  # {"week": ...}, {"month": ...} or the optional weekly schedule
        annotate(report_period=period.label)
        generated = from_environment(load_config()).generate_period(period)
        return {"period": period.label, "keys": list(generated.keys), **generated.summary()}
    day = report_day(event)
    annotate(report_date=day.isoformat())
    summary = from_environment(load_config()).run(day).summary()
    logger.info("daily report done", extra=summary)
    return summary
