"""The alert sink: one notification per (rule, key, window), deduplicated through S3.

For each Detection of a batch: fold it into the window's state object
`alerts/dt=DAY/{rule}/{keyhash}/{HHMM}.json` with conditional writes (create with
`If-None-Match: *`, update with `If-Match: etag`, retry on 412), so redelivered batches and
concurrent Lambdas agree on one owner of the notification. The owner publishes to the alert
topic (severity >= floor), to EventBridge (every detection) and, when enabled, to Security Hub,
then marks the state `sent`. A publish failure releases the mark and raises (Lambda retries).
Replays build their Ingest without this sink: a backfill never notifies anyone.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from botocore.exceptions import ClientError

from ..alerting.detections import Detection
from ..alerting.policy import AlertSettings, at_least
from ..alerting.render import Notification, finding, notification
from ..alerting.state import Admission, admit, confirm, release
from ..errors import LogReviewError
from .metrics import metrics_namespace
from .s3 import S3Sink

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

ALERTS_ROOT = "alerts/"
MAX_ATTEMPTS = 12  # conditional-write conflicts before giving up (then Lambda retries)
_CONFLICT = frozenset({"PreconditionFailed", "ConditionalRequestConflict", "412", "409"})
_ABSENT = frozenset({"NoSuchKey", "404", "AccessDenied", "403"})  # 403: no s3:ListBucket, key absent
WORKERS = 8
DEADLINE_MARGIN_MS = 30_000  # clock skew between Lambdas, on top of the writer's own deadline


def state_key(rule: str, key_hash: str, window_start: int) -> str:
    """`alerts/dt=DAY/{rule}/{keyhash}/{HHMM}.json` of the window starting at `window_start` (ms)."""
    stamp = time.gmtime(window_start // 1000)
    day, hhmm = time.strftime("%Y-%m-%d", stamp), time.strftime("%H%M", stamp)
    return f"{ALERTS_ROOT}dt={day}/{rule}/{key_hash}/{hhmm}.json"


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class AlertError(LogReviewError):
    """A notification could not be sent (after the AWS client's retries); the batch is retried."""


@dataclass(slots=True)
class AlertTally:
    """What the sink did with one batch's detections."""

    outcomes: Counter[str] = field(default_factory=Counter)
    published: list[Notification] = field(default_factory=list)
    untracked: int = 0


@dataclass(slots=True)
class AlertSink:
    """Dedup state in the report bucket; SNS, EventBridge and Security Hub for the notifications."""

    store: S3Sink
    topic_arn: str = ""
    event_bus: str = "default"
    security_hub: bool = False
    now_ms: Callable[[], int] = field(default=lambda: int(time.time() * 1000))
    deadline_ms: int | None = None  # when the running Lambda invocation is stopped (per invocation)
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_environment(cls, store: S3Sink) -> AlertSink:
        """ALERT_TOPIC_ARN, ALERT_EVENT_BUS (default `default`; empty: off), SECURITY_HUB_IMPORT."""
        return cls(
            store,
            topic_arn=os.environ.get("ALERT_TOPIC_ARN", ""),
            event_bus=os.environ.get("ALERT_EVENT_BUS", "default"),
            security_hub=os.environ.get("SECURITY_HUB_IMPORT", "").lower() in ("1", "true", "yes"),
        )

    def client(self, service: str) -> Any:
        """A boto3 client per service (created on first use; honours AWS_ENDPOINT_URL)."""
        found = self._clients.get(service)
        if found is None:
            import boto3
            from botocore.config import Config

            config = Config(retries={"max_attempts": 5, "mode": "adaptive"}, max_pool_connections=16)
            found = self._clients[service] = boto3.client(service, config=config)  # type: ignore[call-overload]
        return found

    @property
    def s3(self) -> S3Client:
        return self.store.client

    def __call__(
        self, detections: Sequence[Detection], settings: AlertSettings, untracked: int = 0
    ) -> AlertTally:
        """Fold every detection into its window's state; notify the ones this call owns."""
        tally = AlertTally(untracked=untracked)
        if len(detections) == 1:
            results = [self._one(detections[0], settings)]
        else:
            with ThreadPoolExecutor(max_workers=min(WORKERS, len(detections)) or 1) as pool:
                results = list(pool.map(lambda d: self._one(d, settings), detections))
        for outcome, note in results:
            tally.outcomes[outcome] += 1
            if note is not None:
                tally.published.append(note)
        self._metrics(detections, results, untracked)
        return tally

    # ------------------------------------------------------------------ state

    def _read(self, key: str) -> tuple[dict[str, Any] | None, str | None]:
        try:
            response = self.s3.get_object(Bucket=self.store.bucket, Key=key)
        except ClientError as exc:
            if _code(exc) in _ABSENT:
                return None, None
            raise
        return orjson.loads(response["Body"].read()), response["ETag"]

    def _write(self, key: str, state: dict[str, Any], etag: str | None) -> bool:
        """Create (etag None) or replace the state if unchanged; False when someone else wrote first."""
        condition = {"IfNoneMatch": "*"} if etag is None else {"IfMatch": etag}
        try:
            self.store.put(
                key,
                orjson.dumps(state, option=orjson.OPT_SORT_KEYS),
                ContentType="application/json",
                **condition,
            )
        except ClientError as exc:
            if _code(exc) in _CONFLICT or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") in (
                409,
                412,
            ):
                return False
            raise
        return True

    def _update(
        self, key: str, change: Callable[[dict[str, Any] | None], dict[str, Any] | None], optimistic: bool
    ) -> dict[str, Any] | None:
        """Read-change-write until the conditional write holds; the state written (None: no change).

        `optimistic` first tries to create the object without reading it (a new window is the
        common case on the notification path, and it saves a round trip).
        """
        state: dict[str, Any] | None = None
        etag: str | None = None
        read = not optimistic
        for attempt in range(MAX_ATTEMPTS):
            if read:
                state, etag = self._read(key)
            read = True
            wanted = change(state)
            if wanted is None:
                return None
            if self._write(key, wanted, etag):
                return wanted
            time.sleep(random.uniform(0, 0.01 * (attempt + 1)))  # noqa: S311  # jitter, not a secret
        raise AlertError(f"alert state {key}: {MAX_ATTEMPTS} conflicting writes in a row")

    # ----------------------------------------------------------------- notify

    def _one(self, detection: Detection, settings: AlertSettings) -> tuple[str, Notification | None]:
        key = state_key(detection.rule, detection.key_hash, detection.window_start)
        token = uuid.uuid4().hex
        decided: list[tuple[Admission, dict[str, Any] | None]] = []

        until = None if self.deadline_ms is None else self.deadline_ms + DEADLINE_MARGIN_MS

        def fold(state: dict[str, Any] | None) -> dict[str, Any] | None:
            admission = admit(state, detection, self.now_ms(), token, until)
            decided[:] = [(admission, state)]
            return admission.state

        written = self._update(key, fold, optimistic=True)
        admission, current = decided[-1]
        state = written or current  # None written: our own earlier write already holds the mark
        if not admission.notify or state is None:
            return admission.outcome, None
        previous_start = detection.window_start - detection.window_s * 1000
        previous, _ = self._read(state_key(detection.rule, detection.key_hash, previous_start))
        note = notification(detection, state, previous, self.store.bucket)
        try:
            message_id = self._publish(detection, note, state, settings)
        except Exception:
            self._update(key, lambda found: release(found, token) if found else None, optimistic=False)
            raise
        self._update(
            key, lambda found: confirm(found, token, message_id) if found else None, optimistic=False
        )
        return admission.outcome, note

    def _publish(
        self, detection: Detection, note: Notification, state: dict[str, Any], settings: AlertSettings
    ) -> str | None:
        message_id: str | None = None
        if self.topic_arn and at_least(detection.severity, settings.floor):
            response = self.client("sns").publish(
                TopicArn=self.topic_arn,
                Subject=note.subject,
                Message=note.text,
                MessageAttributes={
                    "severity": {"DataType": "String", "StringValue": detection.severity},
                    "rule": {"DataType": "String", "StringValue": detection.rule},
                },
            )
            message_id = response.get("MessageId")
        if self.event_bus:
            entry = {
                "Source": "logreview",
                "DetailType": "Detection",
                "Detail": orjson.dumps(note.detail).decode(),
                "EventBusName": self.event_bus,
            }
            response = self.client("events").put_events(Entries=[entry])
            if response.get("FailedEntryCount"):
                raise AlertError(f"EventBridge refused the detection: {response['Entries']}")
        if self.security_hub:
            account = detection.owner or "000000000000"
            region = self.client("securityhub").meta.region_name
            response = self.client("securityhub").batch_import_findings(
                Findings=[finding(note, state, account, region)]
            )
            if response.get("FailedCount"):
                raise AlertError(f"Security Hub refused the finding: {response.get('FailedFindings')}")
        return message_id

    # ---------------------------------------------------------------- metrics

    def _metrics(
        self, detections: Sequence[Detection], results: list[tuple[str, Notification | None]], untracked: int
    ) -> None:
        """`Detections` (new ones, i.e. notified) by Severity and by Rule; `SuppressedRepeats`."""
        by_severity: Counter[str] = Counter()
        by_rule: Counter[str] = Counter()
        repeats = 0
        for detection, (outcome, _) in zip(detections, results, strict=True):
            if outcome == "notify":
                by_severity[detection.severity] += 1
                by_rule[detection.rule] += 1
            elif outcome == "repeat":
                repeats += 1
        for name, counts in (("Severity", by_severity), ("Rule", by_rule)):
            for value, count in sorted(counts.items()):
                metrics = EphemeralMetrics(namespace=metrics_namespace(), service="")
                metrics.add_dimension(name=name, value=value)
                metrics.add_metric(name="Detections", unit=MetricUnit.Count, value=count)
                metrics.add_metadata(
                    key="LogGroup", value=detections[0].log_group
                )  # a property, not a dimension
                metrics.flush_metrics()
        if repeats or untracked:
            metrics = EphemeralMetrics(namespace=metrics_namespace(), service="")
            metrics.add_metric(name="SuppressedRepeats", unit=MetricUnit.Count, value=repeats)
            metrics.add_metric(name="UntrackedDetectionKeys", unit=MetricUnit.Count, value=untracked)
            metrics.flush_metrics()
