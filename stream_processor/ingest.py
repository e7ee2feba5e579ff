"""One payload through the whole pipeline with its sinks: the path live delivery and replay share.

Order of work (DESIGN §11): decode (undecodable → quarantine, return normally) → archive raw
bytes → load rules → aggregate → write partials → emit metrics. Any S3 error propagates so the
caller (Lambda) retries; deterministic keys make the retry harmless.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .alerting.detections import find_detections
from .decode import DEFAULT_MAX_DECOMPRESSED, Batch, b64decode, decode_payload, looks_compressed
from .errors import DecodeError
from .observability import logger
from .pipeline import Analysed, Rules, analyse_batch
from .sinks import MetricsSink, S3Sink
from .sinks.s3 import archive_key

if TYPE_CHECKING:
    from .sinks.alerts import AlertSink


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one payload: processed, skipped (with reason) or quarantined."""

    status: str
    events: int = 0
    batch_id: str = ""
    reason: str = ""
    keys: tuple[str, ...] = field(default=())


@dataclass(slots=True)
class Ingest:
    """Binds the sinks and the rules loader; call it with one payload.

    `alerts` is the live path's notification sink; replays leave it out, so they never notify.
    """

    sink: S3Sink
    load_rules: Callable[[], Rules]
    metrics: MetricsSink = field(default_factory=MetricsSink)
    alerts: AlertSink | None = None
    archive: bool = True
    max_decompressed: int = DEFAULT_MAX_DECOMPRESSED

    def __call__(self, data: str | bytes, origin: str = "subscription") -> Outcome:
        started = time.perf_counter()
        raw = data if isinstance(data, bytes) and looks_compressed(data) else None
        try:
            if raw is None:
                raw = b64decode(data)
            batch = decode_payload(raw, self.max_decompressed)
        except DecodeError as exc:
            return self._quarantine(raw if raw is not None else _as_bytes(data), exc, origin)
        if batch.is_control:
            self.metrics.control_message()
            logger.info("control message skipped", extra={"origin": origin})
            return Outcome("skipped", reason="control_message")
        if not batch.events:
            logger.info("empty batch skipped", extra={"log_group": batch.log_group, "origin": origin})
            return Outcome("skipped", batch_id=batch.batch_id, reason="no_events")
        keys = [self.sink.archive(batch, raw)] if self.archive else []
        rules = self.load_rules()
        analysis = analyse_batch(batch, rules)
        partials = analysis.partials
        keys.extend(self.sink.partial(partial) for partial in partials)
        if self.alerts is not None:
            self._alert(self.alerts, batch, analysis, rules, keys[0] if self.archive else archive_key(batch))
        elapsed_ms = (time.perf_counter() - started) * 1000
        self.metrics.batch(partials, elapsed_ms)
        logger.info(
            "batch processed",
            extra={
                "batch_id": batch.batch_id,
                "log_group": batch.log_group,
                "events": len(batch.events),
                "partials": len(partials),
                "origin": origin,
                "ms": round(elapsed_ms, 2),
            },
        )
        return Outcome("processed", len(batch.events), batch.batch_id, keys=tuple(keys))

    def _alert(
        self, alerts: AlertSink, batch: Batch, analysis: Analysed, rules: Rules, archived: str
    ) -> None:
        """Detections → the alert sink (after the partials are safe, before metrics)."""
        found, untracked = find_detections(
            batch, analysis.hits, analysis.parsed, rules.redact, archived, rules.alerting, rules.detector
        )
        if found or untracked:
            tally = alerts(found, rules.alerting, untracked)
            logger.info(
                "detections", extra={"batch_id": batch.batch_id, **tally.outcomes, "untracked": untracked}
            )

    def _quarantine(self, raw: bytes, exc: DecodeError, origin: str) -> Outcome:
        key = self.sink.quarantine(raw, exc.reason, exc.detail, origin)
        self.metrics.decode_failure()
        logger.warning("payload quarantined", extra={"reason": exc.reason, "detail": exc.detail, "key": key})
        return Outcome("quarantined", reason=exc.reason, keys=(key + ".bin", key + ".json"))


def _as_bytes(data: str | bytes) -> bytes:
    return data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
