"""DailyReport Lambda entry point (thin): which day, then the run.

Event: an EventBridge scheduled event (reports the previous UTC day of its `time`),
`{"date": "YYYY-MM-DD"}` (with `"late_data": false`: that day only, as a hand-off sends it; its SNS
summary goes out only when the report changed), or a period: `{"week": "YYYY-Www"}`,
`{"month": "YYYY-MM"}`, `{"period": "weekly"|"monthly"}` (the last complete one; the optional
weekly schedule). The run keeps within the invocation's remaining time
(`budget`): what does not fit is handed off to a new invocation of this function (`handoff`).
Returns a small summary: date, keys written, totals, revision, the earlier days regenerated for
late data or handed off, and what was skipped for lack of time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from stream_processor.config import load_config
from stream_processor.observability import annotate, lambda_entry, logger

from .budget import Deadline
from .days import report_day
from .handoff import from_context
from .job import OutOfTime, from_environment
from .period import period_of_event


@lambda_entry
def lambda_handler(event: dict[str, Any], context: LambdaContext | None) -> dict[str, Any]:
    deadline = Deadline.from_context(context)
    job = from_environment(load_config())
    job.handoff = from_context(context)
    period = period_of_event(event, datetime.now(UTC).date()) if isinstance(event, dict) else None
    if period is not None:  # {"week": ...}, {"month": ...} or the optional weekly schedule
        annotate(report_period=period.label)
        try:
            generated = job.generate_period(period, deadline)
        except OutOfTime as late:  # raised only when there is a hand-off
            if job.handoff is None:
                raise
            job.handoff.send(late.event)
            return {"period": period.label, "handed_off": late.event}
        return {"period": period.label, "keys": list(generated.keys), **generated.summary()}
    day = report_day(event)
    annotate(report_date=day.isoformat())
    handed_off = event.get("late_data") is False
    summary = job.run(day, late_data=not handed_off, deadline=deadline, handed_off=handed_off).summary()
    logger.info("daily report done", extra=summary)
    return summary
