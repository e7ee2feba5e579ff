"""A fault-injecting loopback HTTP proxy in front of the local AWS endpoint (moto's server).

Tests point `AWS_ENDPOINT_URL` at the proxy, so every boto3 call our code makes goes through the
real botocore retry stack. The proxy names the AWS operation of each request (`s3:PutObject:archive`,
`ssm:GetParameter`, `monitoring:PutMetricData`, `sns:Publish`, ...) and, for the operations a test
chose, answers with a fault instead of forwarding: 503 SlowDown, 429 throttling, 500, a connection
reset, or a stall (hold the request, then drop the connection; past a short client read timeout
this is a real timeout). Faults hit either the next `times` calls of an operation or a seeded
`rate` fraction of them, so runs are repeatable. Threaded, bounded (at most `max_connections`
at once) and it stops by itself after `lifetime` seconds.
"""

from __future__ import annotations

import http.client
import random
import re
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

KINDS = ("slowdown", "throttle", "error", "reset", "timeout")
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_RPC_PATH = re.compile(r"^/service/[^/]+/operation/([^/?]+)")
_S3_QUERY_OPS = (("uploads", "MultipartUpload"), ("delete", "DeleteObjects"), ("tagging", "Tagging"))


@dataclass(slots=True)
class Fault:
    """What to do to matching calls: `times` next calls, or a seeded `rate` of them (or both)."""

    kind: str
    times: int | None = None
    rate: float = 0.0
    stall: float = 0.5

    def __post_init__(self) -> None:
        if self.kind not in (*KINDS, "any"):
            raise ValueError(f"fault kind {self.kind!r} is not one of {KINDS} or 'any'")


def s3_operation(method: str, path: str, query: str) -> str:
    """`s3:PutObject:archive/dt=.../x.gz` style names: the operation and the object key.

    Faults match by prefix on this whole name; counters use it up to the key's first `/`
    (`s3:PutObject:archive`), see `short_name`.
    """
    parts = path.lstrip("/").split("/", 1)
    key = parts[1] if len(parts) > 1 else ""
    params = parse_qs(query, keep_blank_values=True)
    if not key:
        if method == "GET" and "list-type" in params:
            return "s3:ListObjectsV2"
        names = {"GET": "ListObjects", "PUT": "CreateBucket", "HEAD": "HeadBucket", "DELETE": "DeleteBucket"}
        extra = next((name for flag, name in _S3_QUERY_OPS if flag in params), "")
        return f"s3:{extra or names.get(method, method)}"
    verb = {"GET": "GetObject", "PUT": "PutObject", "HEAD": "HeadObject", "DELETE": "DeleteObject"}
    return f"s3:{verb.get(method, method)}:{unquote(key)}"


def short_name(op: str) -> str:
    """The counter name of an operation: `s3:PutObject:archive/dt=...` → `s3:PutObject:archive`."""
    return op.split("/", 1)[0]


def operation(method: str, target: str, headers: Any, body: bytes) -> str:
    """The `service:Operation[:prefix]` a request performs, from the signature scope and protocol."""
    scope = _SCOPE.search(headers.get("Authorization", ""))
    service = scope.group(1) if scope else "unknown"
    url = urlsplit(target)
    if service == "s3":
        return s3_operation(method, url.path, url.query)
    amz_target = headers.get("X-Amz-Target")
    if amz_target:
        return f"{service}:{amz_target.rsplit('.', 1)[-1]}"
    rpc = _RPC_PATH.match(url.path)
    if rpc:
        return f"{service}:{rpc.group(1)}"
    action = parse_qs(url.query).get("Action") or parse_qs(body.decode("latin-1")).get("Action")
    return f"{service}:{action[0] if action else method}"


def _cbor_text(text: str) -> bytes:
    data = text.encode()
    size = len(data)
    head = bytes([0x60 | size]) if size < 24 else bytes([0x78, size]) if size < 256 else b"\x79"
    return head + (struct.pack(">H", size) if head == b"\x79" else b"") + data


def error_response(protocol: str, status: int, code: str, message: str) -> tuple[bytes, str]:
    """An error body botocore parses into `code` for the request's protocol."""
    if protocol == "xml":
        body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
        return body.encode(), "application/xml"
    if protocol == "query":
        body = f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
        return (body + "</Error></ErrorResponse>").encode(), "text/xml"
    if protocol == "cbor":
        return b"\xa2" + _cbor_text("__type") + _cbor_text(code) + _cbor_text("message") + _cbor_text(
            message
        ), "application/cbor"
    return f'{{"__type": "{code}", "message": "{message}"}}'.encode(), "application/x-amz-json-1.1"


def _protocol(op: str, headers: Any) -> str:
    if op.startswith("s3:"):
        return "xml"
    if headers.get("smithy-protocol") == "rpc-v2-cbor":
        return "cbor"
    return "json" if headers.get("X-Amz-Target") else "query"


_CODES = {
    "slowdown": (503, {"xml": "SlowDown"}, "ThrottlingException", "Please reduce your request rate."),
    "throttle": (
        429,
        {"xml": "SlowDown", "query": "Throttling"},
        "TooManyRequestsException",
        "Rate exceeded",
    ),
    "error": (500, {"xml": "InternalError"}, "InternalFailure", "We encountered an internal error."),
}


class FaultProxy:
    """The proxy: `inject(op, kind, times=..., rate=...)`, `calls`/`faults` counters per operation."""

    def __init__(
        self, upstream: str, seed: int = 7, lifetime: float = 900.0, max_connections: int = 128
    ) -> None:
        url = urlsplit(upstream)
        self.upstream = (url.hostname or "127.0.0.1", url.port or 80)
        self.random = random.Random(seed)
        self.lifetime = lifetime
        self.lock = threading.Lock()
        self.plan: dict[str, Fault] = {}
        self.calls: Counter[str] = Counter()
        self.bodies: dict[str, list[bytes]] = {}
        self.faults: Counter[str] = Counter()
        self.slots = threading.BoundedSemaphore(max_connections)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(self))
        self.server.daemon_threads = True
        self.server.timeout = 1.0
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self._serve, name="fault-proxy", daemon=True)

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self) -> None:
        timer = threading.Timer(self.lifetime, self.server.shutdown)
        timer.daemon = True
        timer.start()
        try:
            self.server.serve_forever(poll_interval=0.2)
        finally:
            timer.cancel()

    def stop(self) -> None:
        if self._thread.is_alive():
            self.server.shutdown()
            self._thread.join(timeout=5)
        self.server.server_close()

    def inject(
        self, op: str, kind: str, times: int | None = None, rate: float = 0.0, stall: float = 0.5
    ) -> None:
        """Fail calls whose operation starts with `op` (`times=None, rate=0` means every call).

        `kind` is one of KINDS, or `any` for a seeded choice among them per call.
        """
        with self.lock:
            self.plan[op] = Fault(kind, times, rate, stall)

    def clear(self) -> None:
        """The outage is over: forward everything from now on."""
        with self.lock:
            self.plan.clear()

    def decide(self, op: str) -> Fault | None:
        """Count the call; return the fault to inject, if any (seeded, so repeatable)."""
        with self.lock:
            self.calls[short_name(op)] += 1
            for prefix, fault in self.plan.items():
                if not op.startswith(prefix):
                    continue
                if fault.times is not None and fault.times <= 0:
                    continue
                if fault.rate and self.random.random() >= fault.rate:
                    continue
                if fault.times is not None:
                    fault.times -= 1
                self.faults[short_name(op)] += 1
                if fault.kind == "any":
                    return Fault(self.random.choice(KINDS), stall=fault.stall)
                return fault
            return None

    def watch(self, prefix: str) -> list[bytes]:
        """Keep the request bodies of operations starting with `prefix` (e.g. async invokes)."""
        with self.lock:
            return self.bodies.setdefault(prefix, [])

    def observe(self, op: str, body: bytes) -> None:
        with self.lock:
            for prefix, kept in self.bodies.items():
                if op.startswith(prefix):
                    kept.append(body)

    def count(self, prefix: str, faults: bool = False) -> int:
        """Calls (or injected faults) of every operation starting with `prefix`."""
        counter = self.faults if faults else self.calls
        with self.lock:
            return sum(n for op, n in counter.items() if op.startswith(prefix))


def _handler_class(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    local = threading.local()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 10  # an idle keep-alive connection frees its slot after this

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: pytest output stays readable."""

        def handle(self) -> None:
            with proxy.slots:
                super().handle()

        def _body(self) -> bytes:
            length = self.headers.get("Content-Length")
            if length is not None:
                return self.rfile.read(int(length))
            if "chunked" not in self.headers.get("Transfer-Encoding", "").lower():
                return b""
            raw = bytearray()
            while True:
                line = self.rfile.readline(65537)
                raw += line
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while (trailer := self.rfile.readline(65537)) not in (b"\r\n", b"\n", b""):
                        raw += trailer
                    raw += b"\r\n"
                    return bytes(raw)
                raw += self.rfile.read(size + 2)

        def _any(self) -> None:
            body = self._body()
            op = operation(self.command, self.path, self.headers, body)
            proxy.observe(op, body)
            fault = proxy.decide(op)
            if fault is None:
                self._forward(body)
            elif fault.kind in ("reset", "timeout"):
                if fault.kind == "timeout":
                    time.sleep(fault.stall)
                self._reset()
            else:
                status, codes, default, message = _CODES[fault.kind]
                protocol = _protocol(op, self.headers)
                payload, ctype = error_response(protocol, status, codes.get(protocol, default), message)
                self._reply(status, [("Content-Type", ctype)], payload)

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _any

        def _reset(self) -> None:
            """Drop the connection with a TCP RST (SO_LINGER 0), as a broken network does."""
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()

        def _upstream(self) -> http.client.HTTPConnection:
            conn: http.client.HTTPConnection | None = getattr(local, "conn", None)
            if conn is None:
                conn = local.conn = http.client.HTTPConnection(*proxy.upstream, timeout=60)
            return conn

        def _forward(self, body: bytes) -> None:
            for attempt in (1, 2):  # a pooled upstream connection may have gone stale
                conn = self._upstream()
                try:
                    conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                    for name, value in self.headers.items():
                        conn.putheader(name, value)
                    conn.endheaders(body or None)
                    response = conn.getresponse()
                    data = response.read()
                    break
                except (OSError, http.client.HTTPException):
                    conn.close()
                    local.conn = None
                    if attempt == 2:
                        raise
            skip = {"transfer-encoding", "connection", "content-length", "keep-alive"}
            headers = [(k, v) for k, v in response.getheaders() if k.lower() not in skip]
            length = response.getheader("Content-Length") if self.command == "HEAD" else None
            self._reply(response.status, headers, data, length)

        def _reply(
            self, status: int, headers: list[tuple[str, str]], data: bytes, length: str | None = None
        ) -> None:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", length if length is not None else str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

    return Handler
