"""What the demo prints: the stack, the hourly progress with its alarms, the summary (no I/O
besides writing to the terminal stream)."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from .alerts import Alert, summarise

if TYPE_CHECKING:
    from .emulator import Stack


def size(count: float) -> str:
    """Bytes in a human unit: `812 B`, `4.2 KiB`, `3.1 MiB`."""
    for unit in ("B", "KiB", "MiB"):
        if count < 1024 or unit == "MiB":
            return f"{count:,.0f} {unit}" if unit == "B" else f"{count:,.1f} {unit}"
        count /= 1024
    return f"{count:,.1f} MiB"  # pragma: no cover


@dataclass(slots=True)
class Row:
    """One progress line: an hour (or a whole day, for long spans) of delivery and processing."""

    start_ms: int
    calls: int = 0
    records: int = 0
    sent: Counter[str] = field(default_factory=Counter)
    processed: int = 0
    seconds: float = 0.0
    alerts: list[Alert] = field(default_factory=list)


@dataclass(slots=True)
class Console:
    """The demo's terminal output (stdout unless told otherwise)."""

    out: TextIO = field(default_factory=lambda: sys.stdout)
    groups: tuple[str, ...] = ()

    def line(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def section(self, title: str) -> None:
        self.line()
        self.line(f"── {title} " + "─" * max(0, 96 - len(title)))

    def stack(self, endpoint: str, stack: Stack, started_here: bool) -> None:
        self.section("the stack, on a local AWS endpoint")
        where = "moto, started in this process" if started_here else "given with --endpoint"
        self.line(f"endpoint        {endpoint} ({where}; boto3 reaches it via AWS_ENDPOINT_URL)")
        self.line(f"bucket          s3://{stack.bucket} (archive/, aggregates/, reports/)")
        self.line(f"configuration   SSM parameter {stack.parameter}")
        groups = ", ".join(stack.log_groups)
        self.line(f"log groups      {groups} (retention {stack.retention_days} days)")
        self.line(
            f"subscriptions   each log group → Kinesis stream {stack.stream_name} ({stack.shards} shards) "
            "→ StreamProcessor"
        )
        self.line(
            f"alerts          SNS topic {stack.topic_arn.rsplit(':', 1)[-1]} → SQS queue (to show them here)"
        )

    def progress_header(self, groups: Sequence[str], daily: bool) -> None:
        self.groups = tuple(groups)
        unit = "day" if daily else "hour"
        self.section(
            f"live: PutLogEvents → subscription filter → Kinesis → StreamProcessor, {unit} by {unit}"
        )
        names = "".join(f"{g:>16}" for g in self.groups)
        self.line(f"{unit:<11}{'calls':>7}{'records':>9}{names}{'processed':>11}{'events/s':>10}")

    def progress_row(self, row: Row, daily: bool) -> None:
        when = time.strftime("%Y-%m-%d" if daily else "%H:%M", time.gmtime(row.start_ms // 1000))
        per_group = "".join(f"{row.sent.get(g, 0):>16,}" for g in self.groups)
        rate = f"{row.processed / row.seconds:>10,.0f}" if row.seconds > 0 and row.processed else f"{'-':>10}"
        self.line(f"{when:<11}{row.calls:>7,}{row.records:>9,}{per_group}{row.processed:>11,}{rate}")
        lines = summarise(row.alerts) if daily else [alert.line() for alert in row.alerts]
        for line in lines:
            self.line(f"  {line}")

    def notes(self, notes: Sequence[str]) -> None:
        for note in notes:
            self.line(f"note: {note}")
