"""Hostile log messages (256 KiB, deeply nested JSON, invalid UTF-8, NUL and control characters,
ANSI escapes, bidi overrides, HTML/JS injection) through the handler and the daily report: every
event is counted, no batch fails, and the text report, the HTML page and the SNS message carry
them only in escaped, inert form."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from typing import Any

import orjson
import pytest

from daily_report.handler import lambda_handler as daily_handler
from stream_processor.handler import lambda_handler
from tests.support.builders import envelope, log_event, subscription_event
from tests.support.generated_day import day_start_ms, generate_day
from tests.support.readers import Inbox, report_documents

DATE = "2025-11-26"
BASE = day_start_ms(DATE) + 60_000  # before the benign events: its samples are the ones kept
INVALID_UTF8 = b"ERROR bad bytes \xff\xfe\xc3\x28 \xed\xa0\x80 end"
HOSTILE = [
    "ERROR " + "A" * (256 * 1024),
    orjson.dumps({"level": "error", "user": "u" * 300, "msg": "B" * (256 * 1024)}).decode(),
    '{"level":"error","a":' * 5000 + "1" + "}" * 5000,
    '{"level":"error","msg":"deep","n":' + "[" * 900 + "]" * 900 + "}",
    "[" * 100_000,
    "ERROR nul\x00 bell\x07 bs\x08\x08 cr\rcovered vt\x0b ff\x0c del\x7f c1\x85\x9b tab\tend",
    "ERROR \x1b[31mred\x1b[0m \x1b[2J\x1b[H cleared \x1b]0;owned\x07 \x1b]8;;http://evil.example/\x07link\x1b]8;;\x07",
    "Failed password for invalid user \x1b[2J\x1b[31mroot\x00\r from 10.0.0.1 port 22 ssh2",
    orjson.dumps(
        {"level": "info", "user": "\x1b[5mblink\x07\u202eevil", "action": "Get\x00Object\r\n"}
    ).decode(),
    "ERROR invoice_\u202etxt.exe line\u2028separator para\u2029graph \u2066isolate\u2069",
    "ERROR <script>alert(document.cookie)</script>",
    "ERROR <img src=x onerror=alert(1)>",
    orjson.dumps(
        {
            "level": "error",
            "user": "<svg onload=alert(2)>",
            "action": '"><script>alert(3)</script>',
            "status": "<b>500</b>",
            "msg": "</td></tr></table><iframe src=javascript:alert(4)>",
        }
    ).decode(),
    "Failed password for invalid user <script>alert(5)</script> from 10.0.0.1 port 22 ssh2",
    "ERROR ]]> --> <!-- <![CDATA[ {{constructor.constructor('alert(6)')()}} ${7*7}",
    '<a href="javascript:alert(7)">click</a> ERROR link',
    "CRITICAL &lt;already escaped&gt; &amp; <style>body{display:none}</style>",
    "ERROR \x00" * 2000,
    "",
]
# what a terminal or a mail client would act on: C0/C1 controls (but newline), bidi and line separators
UNSAFE_TEXT = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
MARKERS = ("alert(", "javascript:", "onerror", "onload")


def _hostile_payload() -> bytes:
    """One batch: the hostile messages, plus one with invalid UTF-8 bytes inside the JSON string."""
    import gzip

    events = [log_event(message, BASE + i * 1000) for i, message in enumerate(HOSTILE)]
    events.append(log_event("@@INVALID@@", BASE + len(HOSTILE) * 1000))
    doc = orjson.dumps(envelope(events, log_stream="<img src=x onerror=alert(8)>\x1b[2J"))
    return gzip.compress(doc.replace(b"@@INVALID@@", INVALID_UTF8), mtime=0)


class Tags(HTMLParser):
    """Counts the tags of a page and collects event-handler attributes and script URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.active: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.active.append(f"<{tag} {name}={value!r}>")


def _tags(page: str) -> Tags:
    parser = Tags()
    parser.feed(page)
    parser.close()
    return parser


@pytest.fixture
def reported(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A benign day plus one hostile batch, reported with its SNS summary."""
    inbox = Inbox.create(aws["bucket"])
    monkeypatch.setenv("ALERT_TOPIC_ARN", inbox.topic_arn)
    day = generate_day(seed=8, events=0, sizes=[50, 80], cross_midnight=False)
    for event in day.lambda_events():
        lambda_handler(event, None)
    benign = report_documents_after(aws, inbox)
    hostile = lambda_handler(subscription_event(_hostile_payload()), None)
    found = report_documents_after(aws, inbox)
    return {**aws, "day": day, "hostile": hostile, "benign": benign, **found}


def report_documents_after(aws: dict[str, Any], inbox: Inbox) -> dict[str, Any]:
    daily_handler({"date": DATE}, None)
    documents = report_documents(aws["s3"], aws["bucket"], DATE)
    (message,) = [m for m in inbox.messages() if m.startswith("Daily log review")]  # not the detections
    return {"docs": documents, "sns": message, "report": orjson.loads(documents["log_review.json.gz"])}


def test_every_hostile_event_is_counted_and_the_batch_succeeds(reported: dict[str, Any]) -> None:
    assert reported["hostile"] == {
        "kind": "subscription",
        "processed": 1,
        "skipped": 0,
        "quarantined": 0,
        "events": len(HOSTILE) + 1,
    }
    totals = reported["report"]["totals"]
    assert totals["events"] == reported["day"].events + len(HOSTILE) + 1
    assert totals["errors"] >= reported["benign"]["report"]["totals"]["errors"] + 12
    assert len(reported["docs"]["log_review.json.gz"]) < 2_000_000  # 512 KiB of input, samples cut


def test_text_report_and_sns_message_are_inert(reported: dict[str, Any]) -> None:
    text = reported["docs"]["log_review.gz"]
    for name, document in (("text report", text), ("SNS message", reported["sns"])):
        found = UNSAFE_TEXT.search(document)
        assert found is None, (
            f"{name} carries {found.group()!r} near {document[found.start() - 40 : found.end() + 40]!r}"
        )
        assert "\ufffd" not in document or name == "text report"
    assert max(len(line) for line in text.splitlines()) <= 400  # 256 KiB messages are cut
    assert "\\x1b[2J" in text and "\\x1b[5mblink" in text  # escapes are shown, not executed


def test_html_report_escapes_markup_from_logs(reported: dict[str, Any]) -> None:
    page = reported["docs"]["log_review.html"]
    benign = _tags(reported["benign"]["docs"]["log_review.html"])
    hostile = _tags(page)
    assert hostile.active == [] and benign.active == []
    assert set(hostile.tags) <= set(benign.tags), set(hostile.tags) - set(benign.tags)
    for tag in ("script", "iframe", "img", "a", "b"):
        assert hostile.tags[tag] == benign.tags[tag], tag  # no element came from a log line
    assert "&lt;script&gt;alert(" in page  # shown as text
    assert UNSAFE_TEXT.search(page) is None
    for marker in MARKERS:
        for at in (m.start() for m in re.finditer(re.escape(marker), page)):
            assert page.rfind("<", 0, at) < page.rfind(">", 0, at), page[at - 80 : at + 20]
