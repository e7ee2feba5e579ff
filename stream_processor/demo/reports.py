"""The demo's last act: the DailyReport Lambda for each day, the report files, the bucket, the
SNS message."""

from __future__ import annotations

import contextlib
import gzip
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .emulator import alert_messages
from .show import Console, size

TEXT, JSON, HTML = "log_review.gz", "log_review.json.gz", "log_review.html"
PREFIXES = ("archive/", "aggregates/", "quarantine/", "alerts/", "reports/")


@dataclass(frozen=True, slots=True)
class ReportFiles:
    """One day's report, downloaded: the text (decompressed), the JSON (decompressed), the HTML."""

    day: str
    text: Path
    json: Path
    html: Path


def run_daily_report(day: str, log: IO[str]) -> dict[str, Any]:
    """The real DailyReport handler for one day; its stdout (logs, EMF) goes to `log`."""
    from daily_report.handler import lambda_handler

    with contextlib.redirect_stdout(log):
        return lambda_handler({"date": day}, None)


def download(bucket: str, day: str, directory: Path) -> ReportFiles:
    """The three report objects of a day into `directory` (gzip objects decompressed)."""
    from ..sinks.s3 import s3_client

    s3 = s3_client()
    prefix = f"reports/{day.replace('-', '/')}/"
    directory.mkdir(parents=True, exist_ok=True)
    files = ReportFiles(
        day, directory / "log_review.txt", directory / "log_review.json", directory / "log_review.html"
    )
    for key, path, packed in ((TEXT, files.text, True), (JSON, files.json, True), (HTML, files.html, False)):
        body = s3.get_object(Bucket=bucket, Key=prefix + key)["Body"].read()
        path.write_bytes(gzip.decompress(body) if packed and body[:2] == b"\x1f\x8b" else body)
    return files


def bucket_summary(bucket: str) -> dict[str, tuple[int, int]]:
    """Objects and bytes per top-level prefix."""
    from ..sinks.s3 import s3_client

    counts: Counter[str] = Counter()
    sizes: Counter[str] = Counter()
    for page in s3_client().get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            prefix = obj["Key"].split("/", 1)[0] + "/"
            counts[prefix] += 1
            sizes[prefix] += obj["Size"]
    return {prefix: (counts[prefix], sizes[prefix]) for prefix in sorted(counts)}


def show_report(console: Console, files: ReportFiles) -> None:
    console.section(f"the daily review report for {files.day} (log_review.gz, as a reviewer reads it)")
    console.line(files.text.read_text(encoding="utf-8").rstrip())


def show_outputs(console: Console, all_files: list[ReportFiles]) -> None:
    console.section("report files")
    for files in all_files:
        console.line(f"{files.day}  HTML (open in a browser): {files.html.resolve()}")
        console.line(f"{'':12}text: {files.text}   JSON: {files.json}")


def screenshot(console: Console, files: ReportFiles) -> Path | None:
    """`log_review.png` beside the HTML, taken in headless Chromium when it is installed."""
    from .browser import available, check_page

    if not available():
        console.line("screenshot: skipped (needs Debian's chromium and Playwright: apt-get install chromium)")
        return None
    picture = files.html.with_suffix(".png")
    check_page(files.html, picture)
    console.line(f"screenshot of the HTML report: {picture.resolve()}")
    return picture


def show_bucket(console: Console, bucket: str, summary: dict[str, tuple[int, int]]) -> None:
    console.section(f"objects created in s3://{bucket}")
    console.line(f"{'prefix':<14}{'objects':>9}{'bytes':>13}")
    for prefix in sorted(summary, key=lambda p: PREFIXES.index(p) if p in PREFIXES else len(PREFIXES)):
        count, total = summary[prefix]
        console.line(f"{prefix:<14}{count:>9,}{size(total):>13}")


def show_notifications(console: Console, queue_url: str, main_day: str | None) -> int:
    """What the alert topic delivered to the queue: the StreamProcessor's detection notifications
    (one in full, the others' subjects) and the main day's daily summary in full; returns how many
    messages arrived."""
    found = alert_messages(queue_url)
    detections = [m for m in found if m["subject"].startswith("[")]
    daily = [m for m in found if not m["subject"].startswith("[")]
    console.section("detection notifications (SNS, sent by the StreamProcessor while the logs streamed in)")
    if detections:
        shown = next((m for m in detections if "brute_force_login" in m["subject"]), detections[0])
        for message in detections:
            console.line(f"Subject: {message['subject']}")
        console.line()
        console.line(f"Subject: {shown['subject']}")
        console.line(shown["message"].rstrip())
    else:
        console.line("none received")
    console.section("SNS alert message (received on the SQS queue subscribed to the alert topic)")
    if not daily:
        console.line("none received")
        return len(found)
    summary = next((m for m in daily if main_day and main_day in m["subject"]), daily[-1])
    for message in daily:
        if message is not summary:
            console.line(f"(also received: {message['subject']})")
    console.line(f"Subject: {summary['subject']}")
    console.line(summary["message"].rstrip())
    return len(found)
