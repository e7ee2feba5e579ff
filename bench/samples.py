"""The "large messages" dataset: CloudTrail records and long JSON application logs (1.5-3 KB each)."""

from __future__ import annotations

import base64
import gzip
import random
from typing import Any

import orjson

_NAMES = ("GetObject", "PutObject", "DescribeInstances", "AssumeRole", "Decrypt", "ListBuckets")
_RARE = ("StopLogging", "AttachUserPolicy", "AuthorizeSecurityGroupIngress", "ConsoleLogin")


def cloudtrail_record(rng: random.Random, i: int) -> str:
    name = rng.choice(_RARE) if rng.random() < 0.02 else rng.choice(_NAMES)
    error = {"errorCode": "AccessDenied", "errorMessage": "Access Denied"} if rng.random() < 0.05 else {}
    return orjson.dumps(
        {
            "eventVersion": "1.09",
            "userIdentity": {
                "type": "AssumedRole",
                "principalId": f"AROAEXAMPLE:i-{i:017x}",
                "arn": f"arn:aws:sts::123456789012:assumed-role/app/i-{i:017x}",
                "accountId": "123456789012",
                "accessKeyId": "ASIAEXAMPLEEXAMPLE00",
                "sessionContext": {
                    "sessionIssuer": {
                        "type": "Role",
                        "arn": "arn:aws:iam::123456789012:role/app",
                        "userName": "app",
                    },
                    "attributes": {"creationDate": "2025-11-26T11:00:00Z", "mfaAuthenticated": "false"},
                },
            },
            "eventTime": "2025-11-26T12:00:00Z",
            "eventSource": "s3.amazonaws.com",
            "eventName": name,
            "awsRegion": "eu-west-1",
            "sourceIPAddress": f"10.0.{rng.randrange(256)}.{rng.randrange(256)}",
            "userAgent": "aws-sdk-java/1.12.700 Linux/5.10 OpenJDK_64-Bit_Server_VM/25.372 java/1.8.0_372",
            **error,
            "requestParameters": {
                "bucketName": "data-bucket",
                "key": f"warehouse/events/dt=2025-11-26/part-{rng.getrandbits(128):032x}.parquet",
                "Host": "data-bucket.s3.eu-west-1.amazonaws.com",
            },
            "responseElements": None,
            "additionalEventData": {
                "SignatureVersion": "SigV4",
                "CipherSuite": "TLS_AES_128_GCM_SHA256",
                "bytesTransferredIn": 0,
                "AuthenticationMethod": "AuthHeader",
                "x-amz-id-2": f"{rng.getrandbits(256):064x}",
                "bytesTransferredOut": rng.randrange(10**6),
            },
            "requestID": f"{rng.getrandbits(64):016X}",
            "eventID": f"{rng.getrandbits(128):032x}",
            "readOnly": True,
            "resources": [
                {"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::data-bucket/warehouse/events"},
                {"accountId": "123456789012", "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::data-bucket"},
            ],
            "eventType": "AwsApiCall",
            "managementEvent": False,
            "recipientAccountId": "123456789012",
            "eventCategory": "Data",
        }
    ).decode()


def app_log(rng: random.Random, i: int) -> str:
    level = rng.choices(("INFO", "WARN", "ERROR"), (85, 10, 5))[0]
    items = [
        {"sku": f"SKU-{rng.randrange(10**6):06d}", "qty": rng.randrange(1, 5), "price": 9.99}
        for _ in range(12)
    ]
    doc: dict[str, Any] = {
        "timestamp": "2025-11-26T12:00:00.000Z",
        "level": level,
        "logger": "com.example.orders.CheckoutController",
        "thread": f"http-nio-8080-exec-{i % 200}",
        "message": f"checkout completed for cart {rng.getrandbits(64):016x}"
        if level != "ERROR"
        else "payment failed",
        "latency_ms": round(rng.lognormvariate(4, 0.8), 2),
        "user": f"customer-{rng.randrange(10**5)}",
        "action": "checkout",
        "status": 200 if level != "ERROR" else 502,
        "request": {
            "method": "POST",
            "path": "/api/v2/checkout",
            "headers": {"user-agent": "Mozilla/5.0", "x-request-id": f"{rng.getrandbits(128):032x}"},
        },
        "cart": {"items": items, "currency": "EUR", "coupon": None},
        "trace_id": f"{rng.getrandbits(128):032x}",
        "span_id": f"{rng.getrandbits(64):016x}",
    }
    if level == "ERROR":
        doc["stack_trace"] = "\n".join(
            f"\tat com.example.payments.Gateway.call(Gateway.java:{n})" for n in range(20)
        )
    return orjson.dumps(doc).decode()


def subscription_batch(messages: list[str], start_ms: int) -> dict[str, Any]:
    """A Lambda subscription event: one /admin/logs batch of `messages`, 37 ms apart from `start_ms`."""
    events = []
    for i, message in enumerate(messages):
        stamp = start_ms + i * 37
        events.append({"id": f"{stamp:020d}{i:036d}", "timestamp": stamp, "message": message})
    envelope = {
        "messageType": "DATA_MESSAGE",
        "owner": "123456789012",
        "logGroup": "/admin/logs",
        "logStream": "i-0123456789abcdef0",
        "subscriptionFilters": ["logreview"],
        "logEvents": events,
    }
    raw = gzip.compress(orjson.dumps(envelope), compresslevel=6, mtime=0)
    return {"awslogs": {"data": base64.b64encode(raw).decode()}}


def large_batch(rng: random.Random, size: int, start_ms: int) -> dict[str, Any]:
    """A Lambda subscription event of `size` large messages (half CloudTrail, half application logs)."""
    messages = [cloudtrail_record(rng, i) if rng.random() < 0.5 else app_log(rng, i) for i in range(size)]
    return subscription_batch(messages, start_ms)
