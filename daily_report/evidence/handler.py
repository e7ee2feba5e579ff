"""EvidenceDigest Lambda entry point (thin): which day, then `seal`.

Event: an EventBridge scheduled event seals the UTC day EVIDENCE_DELAY_DAYS (default 3: the
report's LookbackDays + 1, after which its reports are final) before its `time`;
`{"date": "YYYY-MM-DD"}` seals that day. Sealing a sealed day changes nothing.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from stream_processor.observability import annotate, lambda_entry, logger

from ..days import report_day
from .seal import seal, store_and_signer


def sealed_day(event: dict[str, Any]) -> date:
    """The day an event seals: a scheduled one, EVIDENCE_DELAY_DAYS before its time."""
    return report_day(event, days_back=int(os.environ.get("EVIDENCE_DELAY_DAYS", "3")))


@lambda_entry
def lambda_handler(event: dict[str, Any], context: LambdaContext | None) -> dict[str, Any]:
    day = sealed_day(event)
    annotate(evidence_date=day.isoformat())
    store, signer = store_and_signer(
        os.environ.get("REPORT_BUCKET", ""), os.environ.get("EVIDENCE_KEY_ID", "")
    )
    result = seal(store, signer, day)
    summary = {
        "date": day.isoformat(),
        "key": result.key,
        "objects": result.objects,
        "written": result.written,
    }
    logger.info("evidence sealed" if result.written else "evidence already sealed", extra=summary)
    return summary
