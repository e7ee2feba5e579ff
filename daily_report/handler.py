"""DailyReport Lambda entry point (thin): which day, then the run.

Event: an EventBridge scheduled event (reports the previous UTC day of its `time`) or
`{"date": "YYYY-MM-DD"}`. Returns a small summary: date, keys written, totals, revision and the
earlier days regenerated for late data.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from stream_processor.config import load_config
from stream_processor.observability import annotate, lambda_entry, logger

from .days import report_day
from .job import from_environment


@lambda_entry
def lambda_handler(event: dict[str, Any], context: LambdaContext | None) -> dict[str, Any]:
    day = report_day(event)
    annotate(report_date=day.isoformat())
    summary = from_environment(load_config()).run(day).summary()
    logger.info("daily report done", extra=summary)
    return summary
