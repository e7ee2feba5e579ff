"""A fast S3-compatible endpoint for the daily-scale benchmark: a synthetic day of partials.

Real HTTP, the real S3 REST/XML wire format, and a configurable round trip (uniform 15-30 ms by
default) on every request, so the client code under test (botocore, our listing, fetching,
merging) does exactly what it does against S3. What it does not do is store a million objects:
the day's partials are *virtual* — key `aggregates/dt=DAY/hour=HH/{i:032x}.json` has the body of
template `i % len(templates)`, its batch id replaced by the key's name (a Direct-mode partial is
named by its batch id, so every partial of an hour is a distinct batch, as the daily job's
exactly-once ledger expects), and the template body's MD5 as ETag — so listing and reading 1 M
partials costs no memory. Everything else (rollups, reports) is stored for real. `late` virtual partials
per hour, beyond the first `per_hour`, become visible when `/__late` is called: partials written
after their hour's rollup. `/__stats` returns request counts by kind (no added latency).

moto's server is far too slow to hold a million keys (each PUT costs milliseconds of Python);
the integration tests use moto, this endpoint serves only the benchmark.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import orjson

STAMP = "2026-03-15T00:00:00.000Z"
PAGE = 1000


class SyntheticDay:
    """The state behind the endpoint: virtual partials of one day, stored objects, counters."""

    def __init__(self, day: str, per_hour: int, late: int, templates: list[bytes]) -> None:
        self.day, self.per_hour, self.late = day, per_hour, late
        self.templates = templates
        self.etags = [hashlib.md5(body).hexdigest() for body in templates]  # noqa: S324 - S3's ETag
        self.ids = [orjson.loads(body)["batch_ids"][0].encode() for body in templates]
        self.late_visible = False
        self.stored: dict[str, tuple[bytes, str]] = {}
        self.stats: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.root = f"aggregates/dt={day}/"

    def count(self) -> int:
        return self.per_hour + (self.late if self.late_visible else 0)

    def virtual(self, key: str) -> tuple[bytes, str] | None:
        if not key.startswith(self.root + "hour=") or not key.endswith(".json"):
            return None
        try:
            hour, index = int(key[len(self.root) + 5 : len(self.root) + 7]), int(key[-37:-5], 16)
        except ValueError:
            return None
        if hour > 23 or index >= self.count():
            return None
        pick = index % len(self.templates)
        name = key[-37:-5].encode()
        return self.templates[pick].replace(self.ids[pick], name), self.etags[pick]

    def get(self, key: str) -> tuple[bytes, str] | None:
        return self.stored.get(key) or self.virtual(key)

    def listing(self, prefix: str, after: str) -> tuple[list[tuple[str, str, int]], bool]:
        """Up to PAGE (key, etag, size) after `after` under `prefix`: virtual hours, then stored keys."""
        found: list[tuple[str, str, int]] = []
        if prefix.startswith(self.root + "hour=") and len(prefix) >= len(self.root) + 8:
            hour_root = prefix[: len(self.root) + 8]
            start = int(after[-37:-5], 16) + 1 if after.startswith(hour_root) else 0
            for index in range(start, min(self.count(), start + PAGE + 1)):
                pick = index % len(self.templates)
                found.append((f"{hour_root}{index:032x}.json", self.etags[pick], len(self.templates[pick])))
        elif not prefix.startswith(self.root):
            keys = sorted(k for k in self.stored if k.startswith(prefix) and k > after)
            found = [(k, self.stored[k][1], len(self.stored[k][0])) for k in keys[: PAGE + 1]]
        return found[:PAGE], len(found) > PAGE


def _list_xml(bucket: str, prefix: str, items: list[tuple[str, str, int]], more: bool) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
        f"<Name>{bucket}</Name><Prefix>{prefix}</Prefix><KeyCount>{len(items)}</KeyCount>",
        f"<MaxKeys>{PAGE}</MaxKeys><EncodingType>url</EncodingType>",
        f"<IsTruncated>{'true' if more else 'false'}</IsTruncated>",
    ]
    if more:
        parts.append(f"<NextContinuationToken>{items[-1][0]}</NextContinuationToken>")
    parts.extend(
        f"<Contents><Key>{key}</Key><LastModified>{STAMP}</LastModified><ETag>&quot;{etag}&quot;</ETag>"
        f"<Size>{size}</Size><StorageClass>STANDARD</StorageClass></Contents>"
        for key, etag, size in items
    )
    parts.append("</ListBucketResult>")
    return "".join(parts).encode()


def handler_class(state: SyntheticDay, latency: tuple[float, float]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

        def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _route(self) -> tuple[str, str, dict[str, list[str]]]:
            url = urlsplit(self.path)
            bucket, _, key = url.path.lstrip("/").partition("/")
            return bucket, unquote(key), parse_qs(url.query)

        def _control(self, bucket: str) -> bool:
            if bucket == "__stats":
                with state.lock:
                    self._reply(200, orjson.dumps(dict(state.stats)))
                return True
            if bucket == "__late":
                state.late_visible = True
                self._reply(200)
                return True
            return False

        def _count(self, kind: str) -> None:
            with state.lock:
                state.stats[kind] += 1
            time.sleep(random.uniform(*latency))

        def do_GET(self) -> None:
            bucket, key, query = self._route()
            if self._control(bucket):
                return
            if not key:
                self._count("LIST")
                prefix = query.get("prefix", [""])[0]
                after = query.get("continuation-token", query.get("start-after", [""]))[0]
                items, more = state.listing(prefix, after)
                self._reply(200, _list_xml(bucket, prefix, items, more), {"Content-Type": "application/xml"})
                return
            self._count("GET " + key.split("/", 1)[0])
            found = state.get(key)
            if found is None:
                body = b"<Error><Code>NoSuchKey</Code><Message>no such key</Message></Error>"
                self._reply(404, body, {"Content-Type": "application/xml"})
                return
            data, etag = found
            wanted = self.headers.get("If-Match")
            if wanted is not None and wanted.strip('"') != etag:
                body = b"<Error><Code>PreconditionFailed</Code><Message>If-Match</Message></Error>"
                self._reply(412, body, {"Content-Type": "application/xml"})
                return
            self._reply(200, data, {"ETag": f'"{etag}"', "Last-Modified": "Sun, 15 Mar 2026 00:00:00 GMT"})

        def do_HEAD(self) -> None:
            _, key, _ = self._route()
            self._count("HEAD " + key.split("/", 1)[0])
            found = state.get(key)
            if found is None:
                self._reply(404)
                return
            self._reply(200, b"", {"ETag": f'"{found[1]}"', "Last-Modified": "Sun, 15 Mar 2026 00:00:00 GMT"})

        def do_PUT(self) -> None:
            _, key, _ = self._route()
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self._count("PUT " + key.split("/", 1)[0])
            etag = hashlib.md5(body).hexdigest()  # noqa: S324 - S3's ETag
            with state.lock:
                state.stored[key] = (body, etag)
            self._reply(200, b"", {"ETag": f'"{etag}"'})

    return Handler


def serve(day: str, per_hour: int, late: int, templates: list[bytes], ready: Any, port: Any) -> None:
    """Run the endpoint (in a child process); put its port on `port` and set `ready`."""
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), handler_class(SyntheticDay(day, per_hour, late, templates), (0.015, 0.030))
    )
    server.daemon_threads = True
    port.value = server.server_address[1]
    ready.set()
    server.serve_forever()
