"""Log lines as admins' hosts and operators' services write them (pure, used by `story`).

Streams follow the agent configuration's names: `{instance_id}/secure` (sshd, sudo: syslog
format), `{instance_id}/admin` (an admin tool's logfmt audit lines) and `{instance_id}/operator`
(an application's JSON request logs, logfmt job lines, plain text and stack traces).
"""

from __future__ import annotations

import calendar
import random
import time
from collections.abc import Iterator, Sequence
from typing import Any

Event = dict[str, Any]
Item = tuple[str, Event]

BASTIONS = (("i-0a4f1c2e9b7d30e11", "bastion-a"), ("i-0c9e58d1a3b6f4a27", "bastion-b"))
APP_HOSTS = ("i-07d2b9e4c1a5f6038", "i-0e3a6c8b2d4f19c5b", "i-0b1d7f3e5a9c2e684")
ADMINS = ("alice", "bob", "carol", "dmitri", "erin")
ADMIN_ACTIONS = (
    "DescribeInstances",
    "ListBuckets",
    "GetParameter",
    "DescribeAlarms",
    "StartSession",
    "RestartService",
    "DeployRelease",
    "RotateLogs",
)
SERVICES = ("checkout", "orders", "catalog", "accounts")
PATHS = ("/api/orders/{n}", "/api/cart", "/api/catalog/items/{n}", "/api/accounts/me", "/healthz")
JOBS = ("invoice-export", "email-digest", "cache-warm", "ledger-reconcile")
INVALID_USERS = ("admin", "oracle", "test", "ubuntu", "postgres", "git", "ec2-user", "support")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_start_ms(day: str) -> int:
    """Midnight UTC of a `YYYY-MM-DD` day, in ms."""
    return calendar.timegm(time.strptime(day, "%Y-%m-%d")) * 1000


def iso(ms: int) -> str:
    """`2024-05-01T14:03:11.532Z`."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


def syslog(ms: int) -> str:
    """`May  1 14:03:11` (syslog's day of month is space-padded)."""
    t = time.gmtime(ms // 1000)
    return f"{_MONTHS[t.tm_mon - 1]} {t.tm_mday:2d} {t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"


def _ip(rng: random.Random) -> str:
    return f"10.20.{rng.randrange(1, 8)}.{rng.randrange(2, 250)}"


class AdminTraffic:
    """Routine admin activity: ssh sessions on the bastions and admin-tool audit lines."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def hour(self, stamps: Sequence[int]) -> Iterator[Item]:
        rng = self.rng
        for ms in stamps:
            instance, host = rng.choice(BASTIONS)
            if rng.random() < 0.35:
                yield f"{instance}/secure", {"timestamp": ms, "message": self._sshd(ms, host)}
            else:
                yield f"{instance}/admin", {"timestamp": ms, "message": self._audit(ms)}

    def _sshd(self, ms: int, host: str) -> str:
        rng = self.rng
        user, pid, port = rng.choice(ADMINS), rng.randrange(1000, 65000), rng.randrange(30000, 61000)
        head = f"{syslog(ms)} {host} sshd[{pid}]:"
        pick = rng.random()
        if pick < 0.4:
            fp = "".join(
                rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop0123456789") for _ in range(43)
            )
            return (
                f"{head} Accepted publickey for {user} from {_ip(rng)} port {port} ssh2: ED25519 SHA256:{fp}"
            )
        if pick < 0.7:
            return f"{head} Received disconnect from {_ip(rng)} port {port}:11: disconnected by user"
        return f"{head} Disconnected from user {user} {_ip(rng)} port {port}"

    def _audit(self, ms: int) -> str:
        rng = self.rng
        user, action = rng.choice(ADMINS), rng.choice(ADMIN_ACTIONS)
        duration = round(rng.lognormvariate(4.2, 0.5))
        if rng.random() < 0.03:
            return (
                f"{iso(ms)} level=warn user={user} action={action} status=retry duration_ms={duration} "
                'msg="MFA code expired, prompting again"'
            )
        return f"{iso(ms)} level=info user={user} action={action} status=ok duration_ms={duration}"


class OperatorTraffic:
    """An application's logs. `mode` is normal, errors (a database outage) or slow (latency)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def hour(self, stamps: Sequence[int], mode: str = "normal") -> Iterator[Item]:
        rng = self.rng
        error_rate = 0.22 if mode == "errors" else 0.004
        for ms in stamps:
            stream = f"{rng.choice(APP_HOSTS)}/operator"
            pick = rng.random()
            if pick < error_rate:
                message = self._error(ms, mode)
            elif pick < 0.6:
                message = self._request(ms, slow=mode == "slow" and rng.random() < 0.5)
            elif pick < 0.82:
                message = self._job(ms)
            else:
                message = self._text(ms, mode)
            yield stream, {"timestamp": ms, "message": message}

    def _request(self, ms: int, slow: bool) -> str:
        rng = self.rng
        latency = rng.lognormvariate(7.3, 0.35) if slow else rng.lognormvariate(3.8, 0.55)
        status = 404 if rng.random() < 0.03 else 200
        path = rng.choice(PATHS).format(n=rng.randrange(1000, 99999))
        method = "POST" if path == "/api/cart" else "GET"
        return (
            f'{{"time":"{iso(ms)}","level":"INFO","service":"{rng.choice(SERVICES)}",'
            f'"msg":"request completed","method":"{method}","path":"{path}","status":{status},'
            f'"latency_ms":{latency:.1f},"user":"svc-web","request_id":"{rng.getrandbits(64):016x}"}}'
        )

    def _job(self, ms: int) -> str:
        rng = self.rng
        job, worker = rng.choice(JOBS), rng.randrange(1, 9)
        return (
            f'time={iso(ms)} level=info msg="job finished" job={job} worker=w{worker} '
            f"items={rng.randrange(1, 500)} runtime_s={rng.uniform(0.2, 9):.1f}"
        )

    def _text(self, ms: int, mode: str) -> str:
        rng = self.rng
        if mode == "slow" and rng.random() < 0.3:
            took = rng.randrange(1800, 4200)
            return f"{iso(ms)} WARN [checkout] slow response from inventory-service: {took} ms"
        if rng.random() < 0.1:
            used = rng.randrange(40, 48)
            return f"{iso(ms)} WARN [pool] connection pool at {used * 2}% ({used}/50)"
        return f"{iso(ms)} INFO [scheduler] heartbeat ok queue_depth={rng.randrange(0, 12)}"

    def _error(self, ms: int, mode: str) -> str:
        rng = self.rng
        if mode != "errors":
            if rng.random() < 0.25:
                return java_trace(ms, rng)
            return f"{iso(ms)} ERROR [payments] upstream timeout calling psp.example.com after 3000 ms"
        pick = rng.random()
        if pick < 0.6:
            return python_trace(ms)
        if pick < 0.85:
            return (
                f'{{"time":"{iso(ms)}","level":"ERROR","service":"orders","msg":"request failed",'
                f'"method":"POST","path":"/api/orders","status":503,"latency_ms":{rng.uniform(5, 40):.1f},'
                f'"user":"svc-web","error":"database unavailable"}}'
            )
        return (
            f"{iso(ms)} ERROR [orders] pool reconnect failed: "
            "dsn=postgresql://orders@orders-db.internal:5432/orders password=Xk29fQv7pL sslmode=require"
        )


def python_trace(ms: int) -> str:
    """A multi-line Python traceback: one event, as the agent's start pattern groups it."""
    return "\n".join(
        (
            f"{iso(ms)} ERROR [orders] unhandled exception in POST /api/orders",
            "Traceback (most recent call last):",
            '  File "/srv/orders/app/db.py", line 88, in connect',
            "    conn = psycopg2.connect(dsn)",
            '  File "/srv/orders/.venv/lib/python3.12/site-packages/psycopg2/__init__.py", line 122, '
            "in connect",
            "    conn = _connect(dsn, connection_factory=connection_factory, **kwasync)",
            'psycopg2.OperationalError: connection to server at "orders-db.internal" (10.0.3.21), '
            "port 5432 failed: Connection refused",
        )
    )


def java_trace(ms: int, rng: random.Random) -> str:
    """A multi-line Java stack trace (one event)."""
    return "\n".join(
        (
            f"{iso(ms)} ERROR [billing-worker] job ledger-reconcile failed",
            f"java.lang.IllegalStateException: ledger batch {rng.randrange(10000, 99999)} already closed",
            "\tat com.example.billing.Ledger.append(Ledger.java:214)",
            "\tat com.example.billing.ReconcileJob.run(ReconcileJob.java:77)",
            "\tat java.base/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1136)",
        )
    )


def failed_login_burst(rng: random.Random, start_ms: int, attacker: str) -> list[Item]:
    """Password guessing from one address, a success, then a privilege change by that user."""
    instance, host = BASTIONS[0]
    secure, admin = f"{instance}/secure", f"{instance}/admin"
    items: list[Item] = []
    ms = start_ms
    for i in range(56):
        ms += rng.randrange(1500, 4000)
        pid, port = rng.randrange(1000, 65000), rng.randrange(30000, 61000)
        who = "deploy" if i >= 44 else f"invalid user {rng.choice(INVALID_USERS)}"
        line = f"{syslog(ms)} {host} sshd[{pid}]: Failed password for {who} from {attacker} port {port} ssh2"
        items.append((secure, {"timestamp": ms, "message": line}))
    ms += 2_000
    pid = rng.randrange(1000, 65000)
    line = f"{syslog(ms)} {host} sshd[{pid}]: Accepted password for deploy from {attacker} port 51022 ssh2"
    items.append((secure, {"timestamp": ms, "message": line}))
    ms += 95_000
    sudo = (
        f"{syslog(ms)} {host} sudo:   deploy : TTY=pts/1 ; PWD=/home/deploy ; USER=root ; "
        "COMMAND=/usr/sbin/usermod -aG wheel deploy"
    )
    items.append((secure, {"timestamp": ms, "message": sudo}))
    ms += 40_000
    attach = (
        f"{iso(ms)} level=warn user=deploy action=AttachUserPolicy status=ok "
        f"policy=arn:aws:iam::aws:policy/AdministratorAccess source_ip={attacker}"
    )
    items.append((admin, {"timestamp": ms, "message": attach}))
    return items
