"""The alert sink: one notification per (rule, key, window), deduplicated through one S3 document
per alert window.

One call per invocation, with every detection of its batches:
1. fold them into their window's document (`alerting.state.fold`), one conditional write per
   window touched (`AlertStore`), the windows in parallel, while the bundles are still being put;
2. wait for `ready` (the invocation's archive and bundles confirmed);
3. publish the notifications this call owns to the alert topic, in parallel;
4. settle the marks in one write per window (`sent`, or released for a failed publish), and send
   the side channels (EventBridge, Security Hub) at the same time; a side channel's failure is a
   metric, never a raise;
5. raise AlertError if a topic publish failed (Lambda retries; the released mark lets it publish).
Requests per invocation: one state PUT per window (plus a GET when another writer changed it),
and with notifications a GET of the previous window, the publishes and one more PUT per window.
Replays build their Ingest without this sink: a backfill never notifies anyone.
"""

from __future__ import annotations

import contextlib
import functools
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ..alerting.detections import Detection
from ..alerting.exceptions import exception_for
from ..alerting.incidents import Login, fold_incidents, to_topic
from ..alerting.policy import AlertSettings
from ..alerting.render import notification
from ..alerting.state import LEASE_MS, EntryRef, Folded, entry_id, settle, view
from ..observability import logger
from .alert_channels import Channels, Sent
from .alert_metrics import AlertTally, emit_metrics
from .alert_store import DEADLINE_RESERVE_MS, AlertError, AlertStore, Document, document_key
from .s3 import S3Sink

__all__ = ["AlertError", "AlertSink", "AlertTally"]

DEADLINE_MARGIN_MS = 30_000  # clock skew between Lambdas, on top of the writer's own deadline
THREADS = 16


@dataclass(slots=True)
class _Window:
    """One window's detections, the fold that wrote them and the document as stored after it."""

    key: str
    detections: list[Detection]
    start: tuple[int, int]  # (window start ms, window seconds)
    logins: list[Login] = field(default_factory=list)
    folded: Folded | None = None
    stored: Document | None = None
    before: list[Document | None] = field(default_factory=list)  # the previous window's, once read

    def owned(self) -> list[Detection]:
        """What the fold's `ours` indexes: the detections, and the incidents it opened."""
        if self.folded is not None and self.folded.detections is not None:
            return self.folded.detections
        return self.detections


@dataclass(slots=True)
class AlertSink:
    """Window documents in the report bucket; the topic and side channels for the notifications."""

    store: S3Sink
    channels: Channels = field(default_factory=Channels)
    now_ms: Callable[[], int] = field(default=lambda: int(time.time() * 1000))
    deadline_ms: int | None = None  # when the running Lambda invocation is stopped (per invocation)
    state: AlertStore = field(init=False)

    def __post_init__(self) -> None:
        self.state = AlertStore(self.store)

    @classmethod
    def from_environment(cls, store: S3Sink) -> AlertSink:
        """ALERT_TOPIC_ARN, ALERT_EVENT_BUS (default `default`; empty: off), SECURITY_HUB_IMPORT."""
        return cls(store, Channels.from_environment())

    def invoked_by(self, deadline_ms: int | None, function_arn: str | None) -> None:
        """The running invocation's deadline (marks are held until then) and function ARN."""
        self.deadline_ms = self.state.deadline_ms = deadline_ms
        self.channels.function_arn = function_arn

    def __call__(
        self,
        detections: Sequence[Detection],
        settings: AlertSettings,
        untracked: int = 0,
        ready: Callable[[], object] = lambda: None,
        logins: Sequence[Login] = (),
    ) -> AlertTally:
        """Fold, wait for `ready`, publish what this call owns, settle; see the module docstring.

        `logins` are the invocation's successful logins (evidence): one after a brute force from
        its source opens an incident (`alerting.incidents`)."""
        token = uuid.uuid4().hex
        until = None if self.deadline_ms is None else self.deadline_ms + DEADLINE_MARGIN_MS
        windows: dict[str, _Window] = {}
        span = settings.window_s * 1000
        for detection in detections:
            key = document_key(detection.window_start, detection.window_s)
            windows.setdefault(key, _Window(key, [], (detection.window_start, detection.window_s)))
            windows[key].detections.append(detection)
        for login in logins:
            start = login.at // span * span
            key = document_key(start, settings.window_s)
            windows.setdefault(key, _Window(key, [], (start, settings.window_s))).logins.append(login)

        def fold_window(window: _Window) -> None:
            def change(document: Document | None) -> Document | None:
                window.folded = fold_incidents(
                    document, window.detections, window.logins, lambda: self._before(window),
                    self.now_ms(), token, until, settings, window.start,
                )  # fmt: skip
                return window.folded.document

            window.stored = self.state.update(window.key, change)

        try:
            _all(fold_window, list(windows.values()))
            self._outwait(windows, token, fold_window)
        except BaseException:
            self._release_quietly(windows, token)
            _settle_quietly(ready)
            raise
        owned = _owned(windows)
        previous = {w.key: _pool().submit(self._previous, w) for w in {id(w): w for w, _ in owned}.values()}
        try:
            ready()
        except BaseException:
            self._settle(windows, token, [], [(w, d, None) for w, d in owned])
            raise
        tally = AlertTally(untracked=untracked)
        for window in windows.values():
            if window.folded is not None:
                tally.outcomes.update(window.folded.outcomes)
        before = {key: future.result() for key, future in previous.items()}
        owned, excepted = _excepted(owned, settings)
        sent, failed = self._publish(owned, before, settings)
        tally.published = [item.note for _, item in sent]
        side = _pool().submit(self.channels.side_channels, [item for _, item in sent])
        self._settle(windows, token, sent, [*failed, *excepted])
        tally.side_channel_failures = side.result()
        emit_metrics(tally, [item.detection for _, item in sent])  # a failed one counts on its retry
        if failed:
            first = failed[0][2]
            raise AlertError(
                f"{len(failed)} notification(s) could not be published ({first!r}); the batch is retried"
            ) from first
        return tally

    def _outwait(
        self, windows: dict[str, _Window], token: str, fold_window: Callable[[_Window], None]
    ) -> None:
        """A key still marked by an earlier attempt at one of our batches (it died after taking the
        mark and before publishing; Kinesis retries at once, within the mark's `until`): when that
        `until` comes before our own deadline less a reserve, wait for it and fold again, so this
        retry takes the mark over and notifies instead of leaving it to the key's next event. Once;
        never without a deadline; never for another batch's mark (a live writer settles its own)."""
        if self.deadline_ms is None:
            return
        held = {key: _held(w, token) for key, w in windows.items()}
        latest = max((until for until in held.values() if until is not None), default=None)
        if latest is None or latest + 1000 > self.deadline_ms - DEADLINE_RESERVE_MS:
            return
        time.sleep(max(0.0, (latest + 1000 - self.now_ms()) / 1000))
        again = [w for key, w in windows.items() if held[key] is not None]
        first = {id(w): w.folded for w in again}
        _all(fold_window, again)
        for window in again:
            before, after = first[id(window)], window.folded
            if before is not None and after is not None:  # keep the first fold's counts, add takeovers
                if len(before.outcomes) != len(after.outcomes):  # the incidents it opened differ
                    continue
                outcomes = [
                    b if a != "notify" else a for b, a in zip(before.outcomes, after.outcomes, strict=True)
                ]
                window.folded = Folded(after.document, outcomes, after.ours)

    def _release_quietly(self, windows: dict[str, _Window], token: str) -> None:
        """After a failed fold: release the marks the windows that did fold took (best effort)."""
        written = {key: w for key, w in windows.items() if w.stored is not None}
        try:
            self._settle(written, token, [], [(w, d, None) for w, d in _owned(written)])
        except Exception:  # the fold's error is raised; the marks expire at `until`
            logger.warning("alert marks not released after a failed fold", exc_info=True)

    def _before(self, window: _Window) -> Document | None:
        """The previous window's document, read once per invocation and window (incidents and
        suppressed repeats both look back at it)."""
        if not window.before:
            start, seconds = window.start
            document, _ = self.state.read(document_key(start - seconds * 1000, seconds))
            window.before.append(document)
        return window.before[0]

    def _previous(self, window: _Window) -> Document | None:
        return self._before(window)

    def _publish(
        self,
        owned: list[tuple[_Window, Detection]],
        previous: dict[str, Document | None],
        settings: AlertSettings,
    ) -> tuple[list[tuple[_Window, Sent]], list[tuple[_Window, Detection, Exception | None]]]:
        """Publish each owned notification to the topic (in parallel): (sent, failed)."""

        def one(item: tuple[_Window, Detection]) -> tuple[_Window, Sent]:
            window, detection = item
            state = view(window.stored, detection)
            assert state is not None  # noqa: S101 - we own its mark, so it is in the document
            before = view(previous[window.key], detection)
            note = notification(detection, state, before, self.store.bucket)
            message_id = self.channels.publish(detection, note, to_topic(detection, settings))
            return window, Sent(detection, note, state, message_id)

        sent: list[tuple[_Window, Sent]] = []
        failed: list[tuple[_Window, Detection, Exception | None]] = []
        futures = [(item, _pool().submit(one, item)) for item in owned]
        for (window, detection), future in futures:
            try:
                sent.append(future.result())
            except Exception as exc:  # released, raised after the others settle
                failed.append((window, detection, exc))
        return sent, failed

    def _settle(
        self,
        windows: dict[str, _Window],
        token: str,
        sent: list[tuple[_Window, Sent]],
        failed: list[tuple[_Window, Detection, Exception | None]],
    ) -> None:
        """One write per window: our marks `sent` (with message ids) or released."""

        def one(window: _Window) -> None:
            ids: dict[EntryRef, str | None] = {
                _ref(s.detection): s.message_id for w, s in sent if w is window
            }
            released = [_ref(d) for w, d, _ in failed if w is window]
            if ids or released:
                self.state.update(window.key, lambda doc: settle(doc, token, ids, released) if doc else None)

        _all(one, list(windows.values()))


def _held(window: _Window, token: str) -> int | None:
    """The latest `until` of a pending mark taken by an earlier attempt at one of our own batches
    (another writer's token, but `by` a batch of this call: a retry of the attempt that died)."""
    latest = None
    ours = {detection.batch_id for detection in window.detections}
    for detection in window.detections:
        mark = (view(window.stored, detection) or {}).get("notified") or {}
        if mark.get("state") == "pending" and mark.get("token") != token and mark.get("by") in ours:
            until = int(mark.get("until", mark["at"] + LEASE_MS))
            latest = until if latest is None else max(latest, until)
    return latest


def _owned(windows: dict[str, _Window]) -> list[tuple[_Window, Detection]]:
    """The detections whose notification this call owns, with their window."""
    return [(w, w.owned()[i]) for w in windows.values() if w.folded and w.stored for i in w.folded.ours]


def _excepted(
    owned: list[tuple[_Window, Detection]], settings: AlertSettings
) -> tuple[list[tuple[_Window, Detection]], list[tuple[_Window, Detection, None]]]:
    """(the notifications to publish, those an `Alerts.Exceptions` entry covers at their latest
    event). Nothing is published for the latter and their marks are released, so they stay
    counted and the key's next event is judged again (after the exception's expiry, notified)."""
    keep: list[tuple[_Window, Detection]] = []
    excepted: list[tuple[_Window, Detection, None]] = []
    for window, detection in owned:
        found = exception_for(detection, settings.exceptions, detection.last_ts)
        if found is None:
            keep.append((window, detection))
            continue
        excepted.append((window, detection, None))
        logger.info(
            "notification suppressed by exception",
            extra={
                "rule": detection.rule,
                "key": detection.key,
                "ticket": found.ticket,
                "owner": found.owner,
            },
        )
    return keep, excepted


def _ref(detection: Detection) -> EntryRef:
    return (detection.rule, entry_id(detection))


def _settle_quietly(ready: Callable[[], object]) -> None:
    """Wait for the invocation's puts; the error being raised already fails the invocation."""
    with contextlib.suppress(Exception):
        ready()


def _all(work: Callable[[Any], None], items: list[Any]) -> None:
    """`work` on every item, in parallel when there are several; the first error is raised after
    all have finished."""
    if len(items) == 1:
        work(items[0])
        return
    futures = [_pool().submit(work, item) for item in items]
    errors = [f.exception() for f in futures]
    for error in errors:
        if error is not None:
            raise error


@functools.cache
def _pool() -> ThreadPoolExecutor:
    """The alert sink's threads (leaf tasks only: none of them waits on another)."""
    return ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="alerts")
