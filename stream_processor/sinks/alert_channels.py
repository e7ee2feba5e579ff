"""Where notifications go: the alert topic (SNS), and the optional side channels EventBridge and
Security Hub.

The topic carries the notification a person acts on; a failure there fails the invocation (after
the mark is released, so the retry publishes). The side channels go out only after the topic
message is sent and its mark is `sent`, and their failures are counted (`SideChannelFailures`
metric, alarmed in template.yaml), logged and not raised: a retry can never repeat a notification
because EventBridge or Security Hub refused one.

Security Hub accepts findings only for the calling account (`AwsAccountId` must equal the caller's
account with the default product ARN), so findings carry the function's own account and partition,
taken from the Lambda context's `invoked_function_arn` (no request); outside Lambda from STS
GetCallerIdentity (once per process). The source account of a cross-account log batch stays in
the finding's ProductFields.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from ..alerting.detections import Detection
from ..alerting.render import Notification, finding
from ..observability import logger

EVENTS_PER_CALL = 10  # PutEvents
FINDINGS_PER_CALL = 100  # BatchImportFindings


@dataclass(frozen=True, slots=True)
class Identity:
    """The account and partition this function runs in."""

    account: str
    partition: str

    @classmethod
    def from_arn(cls, arn: str) -> Identity:
        """`arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME` (or any ARN with an account)."""
        parts = arn.split(":")
        if len(parts) < 5 or parts[0] != "arn" or not parts[4]:
            raise ValueError(f"not an ARN with an account: {arn!r}")
        return cls(parts[4], parts[1])


@dataclass(frozen=True, slots=True)
class Sent:
    """One notification and what was published for it."""

    detection: Detection
    note: Notification
    state: dict[str, Any]
    message_id: str | None


@dataclass(slots=True)
class Channels:
    """The targets of the notifications and a boto3 client per service."""

    topic_arn: str = ""
    event_bus: str = "default"
    security_hub: bool = False
    function_arn: str | None = None  # the running Lambda's ARN (set per invocation)
    _identity: Identity | None = field(default=None, repr=False)
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_environment(cls) -> Channels:
        """ALERT_TOPIC_ARN, ALERT_EVENT_BUS (default `default`; empty: off), SECURITY_HUB_IMPORT."""
        return cls(
            topic_arn=os.environ.get("ALERT_TOPIC_ARN", ""),
            event_bus=os.environ.get("ALERT_EVENT_BUS", "default"),
            security_hub=os.environ.get("SECURITY_HUB_IMPORT", "").lower() in ("1", "true", "yes"),
        )

    def client(self, service: str) -> Any:
        """A boto3 client per service (created on first use; honours AWS_ENDPOINT_URL)."""
        with self._lock:
            found = self._clients.get(service)
            if found is None:
                import boto3
                from botocore.config import Config

                config = Config(retries={"max_attempts": 5, "mode": "adaptive"}, max_pool_connections=16)
                found = self._clients[service] = boto3.client(service, config=config)  # type: ignore[call-overload]
            return found

    def publish(self, detection: Detection, note: Notification, to_topic: bool) -> str | None:
        """The topic message (when `to_topic`); its message id. Raises on failure."""
        if not (self.topic_arn and to_topic):
            return None
        response = self.client("sns").publish(
            TopicArn=self.topic_arn,
            Subject=note.subject,
            Message=note.text,
            MessageAttributes={
                "severity": {"DataType": "String", "StringValue": detection.severity},
                "rule": {"DataType": "String", "StringValue": detection.rule},
            },
        )
        message_id: str | None = response.get("MessageId")
        return message_id

    def side_channels(self, sent: Sequence[Sent]) -> dict[str, int]:
        """EventBridge (every notification) and Security Hub (when enabled); failures counted by
        channel and logged, never raised."""
        failures: dict[str, int] = {}
        if self.event_bus and sent:
            failures["EventBridge"] = self._guard("EventBridge", self._events, sent)
        if self.security_hub and sent:
            failures["SecurityHub"] = self._guard("SecurityHub", self._findings, sent)
        return {channel: n for channel, n in failures.items() if n}

    def _guard(self, channel: str, send: Any, sent: Sequence[Sent]) -> int:
        try:
            failed: int = send(sent)
        except Exception as exc:  # a side channel never fails the invocation
            logger.warning("alert side channel failed", extra={"channel": channel, "error": repr(exc)})
            return len(sent)
        return failed

    def _events(self, sent: Sequence[Sent]) -> int:
        failed = 0
        for start in range(0, len(sent), EVENTS_PER_CALL):
            entries = [
                {
                    "Source": "logreview",
                    "DetailType": "Detection",
                    "Detail": orjson.dumps(item.note.detail).decode(),
                    "EventBusName": self.event_bus,
                }
                for item in sent[start : start + EVENTS_PER_CALL]
            ]
            response = self.client("events").put_events(Entries=entries)
            if response.get("FailedEntryCount"):
                failed += int(response["FailedEntryCount"])
                logger.warning("EventBridge refused detections", extra={"entries": response.get("Entries")})
        return failed

    def _findings(self, sent: Sequence[Sent]) -> int:
        identity = self.identity()
        hub = self.client("securityhub")
        region = hub.meta.region_name
        failed = 0
        for start in range(0, len(sent), FINDINGS_PER_CALL):
            batch = sent[start : start + FINDINGS_PER_CALL]
            findings = [
                finding(
                    item.note, item.state, identity.account, region, identity.partition, item.detection.owner
                )
                for item in batch
            ]
            response = hub.batch_import_findings(Findings=findings)
            if response.get("FailedCount"):
                failed += int(response["FailedCount"])
                logger.warning(
                    "Security Hub refused findings", extra={"failed": response.get("FailedFindings")}
                )
        return failed

    def identity(self) -> Identity:
        """This function's account and partition: from its ARN, else from STS (cached)."""
        if self.function_arn:
            return Identity.from_arn(self.function_arn)
        if self._identity is None:  # two threads may both ask STS once; the answer is the same
            caller = self.client("sts").get_caller_identity()
            self._identity = Identity(str(caller["Account"]), Identity.from_arn(caller["Arn"]).partition)
        return self._identity
