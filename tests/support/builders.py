"""Our own fixtures: build subscription payloads and Lambda events the way CloudWatch does."""

from __future__ import annotations

import base64
import calendar
import gzip
import itertools
import random
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

SHARED = Path(__file__).resolve().parents[3] / "shared"
CORPUS = SHARED / "corpus"

_ids = itertools.count(1)


def log_event(message: str, timestamp: int, event_id: str | None = None) -> dict[str, Any]:
    """One CloudWatch log event; ids look like AWS's 56-digit strings."""
    return {
        "id": event_id or f"{timestamp:020d}{next(_ids):036d}",
        "timestamp": timestamp,
        "message": message,
    }


def syslog(ts: int, text: str, host: str = "bastion-a") -> dict[str, Any]:
    """A syslog line (`Dec  5 03:17:00 bastion-a sshd[1]: …`) stamped at `ts` (epoch ms), as an event."""
    return log_event(f"{time.strftime('%b %e %H:%M:%S', time.gmtime(ts // 1000))} {host} {text}", ts)


def brute_force(start: int, count: int, address: str = "203.0.113.45") -> list[dict[str, Any]]:
    """`count` sshd failed logins for invalid users from one address, one a second from `start`."""
    return [
        syslog(start + i * 1000, f"sshd[{100 + i}]: Failed password for invalid user oracle from {address} "
               f"port {40000 + i} ssh2")
        for i in range(count)
    ]  # fmt: skip


def stop_logging(ts: int, region: str = "us-east-1") -> str:
    """A CloudTrail StopLogging record by user mallory (the built-in rule cis_cloudtrail_stopped:
    critical), as a CloudTrail log group carries it."""
    record = {
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLEEXAMPLE1",
            "arn": "arn:aws:iam::123456789012:user/mallory",
            "accountId": "123456789012",
            "userName": "mallory",
        },
        "eventTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts // 1000)),
        "eventSource": "cloudtrail.amazonaws.com",
        "eventName": "StopLogging",
        "awsRegion": region,
        "sourceIPAddress": "198.51.100.23",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": {"name": f"arn:aws:cloudtrail:{region}:123456789012:trail/management"},
        "responseElements": None,
        "eventType": "AwsApiCall",
        "recipientAccountId": "123456789012",
    }
    return orjson.dumps(record).decode()


def envelope(
    events: Sequence[dict[str, Any]],
    log_group: str = "/admin/logs",
    log_stream: str = "i-0123456789abcdef0",
    owner: str = "123456789012",
) -> dict[str, Any]:
    return {
        "messageType": "DATA_MESSAGE",
        "owner": owner,
        "logGroup": log_group,
        "logStream": log_stream,
        "subscriptionFilters": ["logreview"],
        "logEvents": list(events),
    }


def control_envelope() -> dict[str, Any]:
    return {
        "messageType": "CONTROL_MESSAGE",
        "owner": "CloudwatchLogs",
        "logGroup": "",
        "logStream": "",
        "subscriptionFilters": [],
        "logEvents": [
            {
                "id": "",
                "timestamp": 1432826855000,
                "message": "CWL CONTROL MESSAGE: Checking health of destination",
            }
        ],
    }


def compress(doc: dict[str, Any]) -> bytes:
    """The payload bytes CloudWatch puts (gzip of the JSON envelope)."""
    return gzip.compress(orjson.dumps(doc), mtime=0)


def subscription_event(raw: bytes) -> dict[str, Any]:
    """A direct subscription Lambda event wrapping compressed payload bytes."""
    return {"awslogs": {"data": base64.b64encode(raw).decode()}}


def kinesis_event(raws: Iterable[bytes]) -> dict[str, Any]:
    """A Kinesis event: one record per subscription payload (cross-account destination)."""
    records = [
        {
            "eventSource": "aws:kinesis",
            "eventID": f"shardId-000000000000:{i:056d}",
            "kinesis": {"data": base64.b64encode(raw).decode(), "partitionKey": "p"},
        }
        for i, raw in enumerate(raws)
    ]
    return {"Records": records}


def corpus_file(*parts: str) -> Path:
    """A file of ../shared/corpus; tests using it skip when the corpus is absent."""
    return CORPUS.joinpath(*parts)


# --- a generated day of admin and operator logs, every event labelled with what it should count as ---

ADMIN, OPERATOR = "/admin/logs", "/operator/logs"
PLANTED_SECRETS = ("AKIAZ3QXK7ABCDEF1234", "Hunter2Secret!", "s3cr3tT0kenValue123456")
SCRIPT = "<script>alert('x')</script>"


@dataclass(frozen=True, slots=True)
class LabelledEvent:
    """One log event and the ground truth a correct pipeline derives from it (written by hand)."""

    log_group: str
    log_stream: str
    timestamp: int
    message: str
    level: str
    latency_ms: float | None = None
    rules: tuple[str, ...] = ()
    principal: str | None = None
    action: str | None = None
    error: str | None = None  # the error's kind: events of one kind share one signature

    @property
    def day(self) -> str:
        return time.strftime("%Y-%m-%d", time.gmtime(self.timestamp // 1000))

    @property
    def hour(self) -> int:
        return self.timestamp // 3_600_000 % 24


_ADMIN_ERRORS = {
    "db_refused": "db connection refused to 10.0.{n}.5:5432",
    "upstream_timeout": "upstream timeout after {n} s calling billing",
}


def _admin_event(rng: random.Random, ts: int, stream: str) -> LabelledEvent:
    user = rng.choice(("alice", "bob", "carol", "dave"))
    action = rng.choice(("ListUsers", "GetObject", "DescribeInstances", "PutObject"))
    latency = round(rng.lognormvariate(4.0, 0.9), 3)
    roll = rng.random()
    if roll < 0.08:
        kind = rng.choice(sorted(_ADMIN_ERRORS))
        level = "ERROR" if roll < 0.06 else "CRITICAL"
        text = _ADMIN_ERRORS[kind].format(n=rng.randrange(1, 250))
        doc = {
            "level": level,
            "user": user,
            "action": action,
            "latency_ms": latency,
            "status": 500,
            "msg": text,
        }
        return LabelledEvent(
            ADMIN, stream, ts, orjson.dumps(doc).decode(), level, latency, (), user, action, kind
        )
    level = "WARN" if roll < 0.15 else "DEBUG" if roll < 0.25 else "INFO"
    doc = {
        "level": level,
        "user": user,
        "action": action,
        "latency_ms": latency,
        "status": 200,
        "msg": "served",
    }
    return LabelledEvent(ADMIN, stream, ts, orjson.dumps(doc).decode(), level, latency, (), user, action)


def _operator_event(rng: random.Random, ts: int, stream: str) -> LabelledEvent:
    roll = rng.random()
    if roll < 0.10:
        ip = f"203.0.113.{rng.randrange(1, 250)}"
        pid = rng.randrange(1000, 9999)
        text = f"sshd[{pid}]: Failed password for invalid user guest from {ip} port 22 ssh2"
        return LabelledEvent(OPERATOR, stream, ts, text, "UNKNOWN", rules=("ssh_failed_login",))
    if roll < 0.16:
        text = f"ERROR backup job failed: exit status {rng.randrange(1, 9)}"
        return LabelledEvent(OPERATOR, stream, ts, text, "ERROR", error="backup_failed")
    latency = round(rng.uniform(5, 3000), 1)
    level = "WARN" if roll < 0.25 else "INFO"
    return LabelledEvent(
        OPERATOR, stream, ts, f"{level} deploy step finished took {latency} ms", level, latency
    )


def _special_events(day_ms: int) -> list[LabelledEvent]:
    """A privilege change in each group, secrets in errors, and markup in an error."""
    hour = 3_600_000
    attach = {  # a CloudTrail record (plus a level), as CloudTrail delivers it to a log group
        "eventVersion": "1.08",
        "level": "INFO",
        "userIdentity": {"type": "IAMUser", "userName": "alice"},
        "eventSource": "iam.amazonaws.com",
        "eventName": "AttachUserPolicy",
        "requestParameters": {"userName": "bob", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
    }
    key, password, token = PLANTED_SECRETS
    return [
        LabelledEvent(
            ADMIN,
            "admin-api",
            day_ms + 9 * hour + 1_000,
            orjson.dumps(attach).decode(),
            "INFO",
            rules=("cis_iam_policy_changes",),
            principal="alice",
            action="AttachUserPolicy",
        ),
        LabelledEvent(
            OPERATOR,
            "bastion",
            day_ms + 10 * hour + 2_000,
            "INFO sudo: bob : TTY=pts/0 ; PWD=/home/bob ; USER=root ; COMMAND=/bin/systemctl reload nginx",
            "INFO",
            rules=("sudo_to_root",),
        ),
        LabelledEvent(
            ADMIN,
            "admin-api",
            day_ms + 11 * hour + 3_000,
            f"ERROR key rotation aborted for {key} with password={password}",
            "ERROR",
            error="rotation",
        ),
        LabelledEvent(
            ADMIN,
            "admin-api",
            day_ms + 12 * hour + 4_000,
            f"ERROR proxy rejected header Authorization: Bearer {token}",
            "ERROR",
            error="proxy",
        ),
        LabelledEvent(
            OPERATOR,
            "bastion",
            day_ms + 13 * hour + 5_000,
            f"ERROR template render failed near {SCRIPT}",
            "ERROR",
            error="markup",
        ),
    ]


def generated_day(
    day: str, seed: int = 3, per_hour: int = 24, silent: Mapping[str, Sequence[int]] | None = None
) -> list[LabelledEvent]:
    """A day of admin (JSON) and operator (text) logs, sorted by time; by default the operator
    group is silent at 03:00. Known errors, latencies, failed logins, privilege changes and
    planted secrets are labelled on each event."""
    silent = {OPERATOR: (3,)} if silent is None else silent
    rng = random.Random(seed)
    day_ms = int(calendar.timegm(time.strptime(day, "%Y-%m-%d"))) * 1000
    events = _special_events(day_ms)
    for hour in range(24):
        for group, make, streams, count in (
            (ADMIN, _admin_event, ("admin-api", "admin-console"), per_hour),
            (OPERATOR, _operator_event, ("bastion", "ops-runner"), per_hour // 2),
        ):
            if hour in silent.get(group, ()):
                continue
            for _ in range(count):
                ts = day_ms + hour * 3_600_000 + rng.randrange(3_600_000)
                events.append(make(rng, ts, rng.choice(streams)))
    return sorted(events, key=lambda e: (e.timestamp, e.log_group, e.message))


def labelled_batches(events: Sequence[LabelledEvent], per_batch: int = 40) -> list[bytes]:
    """Compressed subscription payloads: one (group, stream) per batch, in time order, as CloudWatch sends."""
    streams: dict[tuple[str, str], list[LabelledEvent]] = {}
    for event in events:
        streams.setdefault((event.log_group, event.log_stream), []).append(event)
    payloads = []
    for (group, stream), found in sorted(streams.items()):
        for start in range(0, len(found), per_batch):
            chunk = [log_event(e.message, e.timestamp) for e in found[start : start + per_batch]]
            payloads.append(compress(envelope(chunk, log_group=group, log_stream=stream)))
    return payloads


def gzip_id(value: object) -> str | None:
    """A parametrized test's id for gzip bytes: "gzip", since the bytes hold gzip's mtime and
    pytest-xdist's workers must collect the same ids; None (pytest's own id) for anything else."""
    return "gzip" if isinstance(value, bytes) and value[:2] == b"\x1f\x8b" else None
