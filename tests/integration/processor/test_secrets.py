"""Secrets planted in log messages never leave the archive: a corpus of freshly generated secret
shapes (AWS access key ids and secret keys, passwords in URLs and key=value pairs, bearer and
basic tokens, JWTs, private-key blocks, database connection strings) is placed where text is
kept (error samples and signatures, security samples, principals, actions, statuses); no part of
any secret appears in any object under aggregates/ or reports/, nor in the SNS message, while
the archive still holds every one of them."""

from __future__ import annotations

import base64
import gzip
import random
import string
from typing import Any

import orjson
import pytest

from daily_report.handler import lambda_handler as daily_handler
from stream_processor.handler import lambda_handler
from stream_processor.pipeline import process_data
from tests.support.aws import list_keys
from tests.support.builders import compress, envelope, log_event, subscription_event
from tests.support.generated_day import day_start_ms
from tests.support.leaks import leaks, rendered_texts, stored_texts
from tests.support.readers import Inbox

DATE = "2025-11-26"
_B32 = string.ascii_uppercase + "234567"
_B64 = string.ascii_letters + string.digits + "+/"
_URLSAFE = string.ascii_letters + string.digits + "-_"
_PASSWORD = string.ascii_letters + string.digits + "!#%^*_-+.~"


_rng = random.Random()


def _random(alphabet: str, length: int) -> str:
    return "".join(_rng.choice(alphabet) for _ in range(length))


def _password() -> str:
    return _random(string.ascii_letters, 2) + _random(_PASSWORD, 10 + _rng.randrange(12)) + "7x"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _jwt() -> str:
    header = _b64url(orjson.dumps({"alg": "HS256", "typ": "JWT"}))
    claims = {"sub": _random(string.digits, 12), "exp": 1_764_200_000, "jti": _random(_URLSAFE, 16)}
    return f"{header}.{_b64url(orjson.dumps(claims))}.{_random(_URLSAFE, 43)}"


def _private_key(kind: str) -> tuple[str, list[str]]:
    lines = [_random(_B64, 64) for _ in range(6)] + [_random(_B64, 24) + "=="]
    block = f"-----BEGIN {kind}PRIVATE KEY-----\n" + "\n".join(lines) + f"\n-----END {kind}PRIVATE KEY-----"
    return block, lines


def corpus(seed: int) -> tuple[list[str], list[str]]:
    """(messages, secrets): every message plants at least one secret; secrets are what must not leak."""
    _rng.seed(seed)
    key_id = "AKIA" + _random(_B32, 16)
    session_key_id = "ASIA" + _random(_B32, 16)
    secret_key = _random(string.ascii_uppercase, 2) + _random(_B64, 36) + "a1"
    passwords = [_password() for _ in range(12)]
    bearer, basic = _random(_URLSAFE, 40), base64.b64encode(f"svc:{passwords[0]}".encode()).decode()
    jwt = _jwt()
    rsa, rsa_lines = _private_key("RSA ")
    openssh, openssh_lines = _private_key("OPENSSH ")
    p = passwords
    messages = [
        f"ERROR upload failed with key {key_id} and secret {secret_key}",
        f"ERROR aws_secret_access_key={secret_key} rejected for {session_key_id}",
        f"ERROR clone of https://deploy:{p[1]}@git.example.com/infra.git failed",
        f"ERROR cannot connect to postgres://app:{p[2]}@db.internal:5432/prod",
        f"CRITICAL mysql://root:{p[3]}@10.0.4.5:3306/billing refused",
        f"ERROR mongodb+srv://svc:{p[4]}@cluster0.example.net/app?retryWrites=true timed out",
        f"ERROR redis://:{p[5]}@cache.internal:6379/0 auth failed",
        f"ERROR Server=tcp:sql.example.net,1433;Database=prod;User ID=app;Password={p[6]};Encrypt=True",
        f"ERROR jdbc:postgresql://db:5432/app?user=app&password={p[7]}&ssl=true",
        f"Failed password for invalid user admin password={p[8]} from 198.51.100.7 port 22 ssh2",
        f"ERROR login failed: passwd: {p[9]} token={bearer}",
        f"ERROR proxy rejected Authorization: Bearer {bearer}",
        f"ERROR upstream said 401 Unauthorized for Authorization: Basic {basic}",
        f"ERROR AccessDenied: jwt {jwt} expired",
        f"ERROR failed to load deploy key\n{rsa}\nwhile starting",
        f"CRITICAL ssh key leaked into config: {openssh}",
        orjson.dumps(
            {
                "level": "error",
                "user": key_id,
                "action": f"CreateAccessKey secret={p[10]}",
                "status": f"token={bearer}",
                "msg": f"CreateAccessKey returned {secret_key}",
            }
        ).decode(),
        f'level=error user=postgres://ops:{p[11]}@db/ops action=Connect status=403 msg="denied"',
        orjson.dumps({"level": "warn", "eventName": "AttachUserPolicy", "password": p[0]}).decode(),
    ]
    planted = [key_id, session_key_id, secret_key, *passwords, bearer, basic, jwt, *rsa_lines, *openssh_lines]
    return messages, planted


def _leaks(documents: dict[str, str], planted: list[str]) -> list[str]:
    return leaks(documents, [(f"{secret[:4]}…", secret) for secret in planted])


@pytest.fixture(params=[1, 2])
def planted(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> dict[str, Any]:
    """A generated corpus (seeded) in both log groups, streamed and reported with its SNS summary."""
    inbox = Inbox.create(aws["bucket"])
    monkeypatch.setenv("ALERT_TOPIC_ARN", inbox.topic_arn)
    messages, planted = corpus(request.param)
    start = day_start_ms(DATE) + 3_600_000
    for group in ("/admin/logs", "/operator/logs"):
        events = [log_event(message, start + i * 1000) for i, message in enumerate(messages)]
        lambda_handler(subscription_event(compress(envelope(events, log_group=group))), None)
    daily_handler({"date": DATE}, None)
    return {**aws, "messages": messages, "planted": planted, "sns": inbox.messages()}


def test_no_piece_of_a_secret_reaches_aggregates_reports_or_alerts(planted: dict[str, Any]) -> None:
    s3, bucket = planted["s3"], planted["bucket"]
    documents = {**stored_texts(s3, bucket, "aggregates/"), **stored_texts(s3, bucket, "reports/")}
    documents.update({f"sns:{i}": message for i, message in enumerate(planted["sns"])})
    # two partials, four report objects (text, JSON, its one-line row, HTML), the day's aggregate and
    # index, one SNS message
    assert len(documents) == 2 + 4 + 2 + 1
    assert _leaks(documents, planted["planted"]) == []
    report = orjson.loads(documents[f"reports/{DATE.replace('-', '/')}/log_review.json.gz"])
    assert report["totals"]["events"] == 2 * len(planted["messages"])
    assert "[REDACTED" in documents[f"reports/{DATE.replace('-', '/')}/log_review.gz"]


def test_the_archive_keeps_every_secret(planted: dict[str, Any]) -> None:
    """The raw batch is archived as received (encrypted, access-restricted): nothing is lost."""
    s3, bucket = planted["s3"], planted["bucket"]
    archived = "".join(
        gzip.decompress(s3.get_object(Bucket=bucket, Key=key)["Body"].read()).decode()
        for key in list_keys(s3, bucket, "archive/")
    )
    raw = orjson.loads(orjson.dumps(archived))  # the JSON envelope escapes newlines as \n
    for secret in planted["planted"]:
        assert secret in raw or orjson.dumps(secret).decode().strip('"') in raw


def test_two_hundred_more_corpora_leak_nothing_from_partials_or_rendered_reports() -> None:
    """The same check over many generated corpora, with the pure pipeline and renderers (no I/O)."""
    for seed in range(100, 300):
        messages, planted = corpus(seed)
        events = [log_event(m, day_start_ms(DATE) + i * 1000) for i, m in enumerate(messages)]
        (partial,) = process_data(compress(envelope(events)))
        documents = rendered_texts(partial, DATE)
        assert _leaks(documents, planted) == [], seed
