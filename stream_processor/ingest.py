"""One invocation through the whole pipeline with its sinks: the path live delivery and replay share.

An invocation is the payloads of one Lambda event (one for a direct subscription, every record of
a Kinesis event; replay feeds one archive object, or a bounded group of a foreign object). It is
written as one archive object and one bundle per UTC day, whatever the number of payloads.

Order of work (docs/design.md §11), per payload and then per invocation: decode (undecodable → quarantine
with its reason, the rest goes on) → archive the raw payloads (the put starts before parsing) →
load rules → aggregate → put the bundles → wait until every put is confirmed → emit metrics →
return. Any S3 error raises (after the other puts finished) so Lambda retries the invocation;
deterministic keys make the retry harmless. Nothing is dropped silently: each payload ends
processed, skipped (with a reason) or quarantined.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import aggregate
from .alerting.detections import Detection, find_detections
from .alerting.incidents import Login
from .bundle import bundles, invocation_id
from .decode import DEFAULT_MAX_DECOMPRESSED, Batch, b64decode, decode_payload, looks_compressed
from .errors import DecodeError
from .gc_scope import fewer_collections
from .incidents.classify import LOGINS
from .observability import logger
from .pipeline import Analysed, Rules, analyse_batch
from .sinks import MetricsSink, S3Sink, Writes, archive_key, partial_key

if TYPE_CHECKING:
    from .sinks.alerts import AlertSink


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one payload: processed, skipped (with reason) or quarantined.

    `keys` are the objects written for it: the invocation's archive and bundles (shared by every
    payload of the invocation), or its two quarantine objects."""

    status: str
    events: int = 0
    batch_id: str = ""
    reason: str = ""
    keys: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Accepted:
    """A payload to process: its place in the event, its (decompressed or not) bytes, its batch."""

    position: int
    raw: bytes
    batch: Batch


@dataclass(frozen=True, slots=True)
class Written:
    """What an invocation put (the bundles) and what its alerts need: the rules it loaded, the
    archive object's key and each batch with what the pipeline found in it."""

    bundles: list[aggregate.Partial]
    rules: Rules
    archive: str
    analyses: list[tuple[Batch, Analysed]]


@dataclass(frozen=True, slots=True)
class Invocation:
    """What one invocation did: an outcome per payload and every key it wrote."""

    outcomes: list[Outcome]
    keys: tuple[str, ...]

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def events(self) -> int:
        return sum(outcome.events for outcome in self.outcomes)


@dataclass(slots=True)
class Ingest:
    """Binds the sinks and the rules loader; call `invocation` with the payloads of one event.

    `alerts` is the live path's notification sink; replays leave it out, so they never notify.
    """

    sink: S3Sink
    load_rules: Callable[[], Rules]
    metrics: MetricsSink = field(default_factory=MetricsSink)
    archive: bool = True
    max_decompressed: int = DEFAULT_MAX_DECOMPRESSED
    alerts: AlertSink | None = None

    def __call__(self, data: str | bytes, origin: str = "subscription") -> Outcome:
        """One payload as an invocation of its own (a direct subscription delivery)."""
        (outcome,) = self.invocation([(data, origin)]).outcomes
        return outcome

    def invocation(self, items: Iterable[tuple[str | bytes, str]]) -> Invocation:
        """Every payload of one event: one archive object, one bundle per UTC day."""
        with fewer_collections():  # an invocation keeps what it parses: GC passes find nothing
            return self._invocation(items)

    def _invocation(self, items: Iterable[tuple[str | bytes, str]]) -> Invocation:
        started = time.perf_counter()
        writes = self.sink.writes()
        outcomes: list[Outcome] = []
        accepted: dict[str, Accepted] = {}  # by batch id
        for position, (data, origin) in enumerate(items):
            decoded = self._decode(position, data, origin, writes)
            if isinstance(decoded, Outcome):
                outcomes.append(decoded)
            elif decoded.batch.batch_id in accepted:  # the same batch twice in one event: once
                outcomes.append(Outcome("skipped", batch_id=decoded.batch.batch_id, reason="duplicate_batch"))
            else:
                accepted[decoded.batch.batch_id] = decoded
                outcomes.append(Outcome("processed"))  # completed below, once written
        written = self._write(writes, list(accepted.values()))
        if self.alerts is not None and written is not None:  # publishes once the bundles are safe
            keys = self._alert(self.alerts, writes, written)
        else:
            keys = tuple(writes.confirm())
        kept = tuple(key for key in keys if not key.startswith("quarantine/"))
        for one in accepted.values():
            outcomes[one.position] = Outcome(
                "processed", len(one.batch.events), one.batch.batch_id, keys=kept
            )
        quarantined = sum(1 for outcome in outcomes if outcome.status == "quarantined")
        for _ in range(quarantined):
            self.metrics.decode_failure()
        elapsed_ms = (time.perf_counter() - started) * 1000
        if written is not None and written.bundles:
            self.metrics.batch(written.bundles, elapsed_ms)
        logger.info(
            "invocation processed",
            extra={
                "invocation": invocation_id(accepted) if accepted else None,  # = batch_id of a lone batch
                "log_groups": sorted({one.batch.log_group for one in accepted.values()}),
                "payloads": len(outcomes),
                "batches": len(accepted),
                "events": sum(len(one.batch.events) for one in accepted.values()),
                "quarantined": quarantined,
                "objects": len(keys),
                "ms": round(elapsed_ms, 2),
            },
        )
        return Invocation(outcomes, keys)

    def _decode(self, position: int, data: str | bytes, origin: str, writes: Writes) -> Outcome | Accepted:
        """The payload to process, or its outcome when it is not one."""
        raw = data if isinstance(data, bytes) and looks_compressed(data) else None
        try:
            if raw is None:
                raw = b64decode(data)
            batch = decode_payload(raw, self.max_decompressed)
        except DecodeError as exc:
            kept = raw if raw is not None else _as_bytes(data)
            key = writes.quarantine(kept, exc.reason, exc.detail, origin)
            logger.warning(
                "payload quarantined", extra={"reason": exc.reason, "detail": exc.detail, "key": key}
            )
            return Outcome("quarantined", reason=exc.reason, keys=(key + ".bin", key + ".json"))
        if batch.is_control:
            self.metrics.control_message()
            logger.info("control message skipped", extra={"origin": origin})
            return Outcome("skipped", reason="control_message")
        if not batch.events:
            logger.info("empty batch skipped", extra={"log_group": batch.log_group, "origin": origin})
            return Outcome("skipped", batch_id=batch.batch_id, reason="no_events")
        return Accepted(position, raw, batch)

    def _write(self, writes: Writes, accepted: list[Accepted]) -> Written | None:
        """Put the archive (first, before parsing), then aggregate and put the bundles (None when
        no payload was accepted)."""
        if not accepted:
            return None
        batches = [one.batch for one in accepted]
        invocation = invocation_id(batch.batch_id for batch in batches)
        archive = archive_key(batches, invocation)
        if self.archive:
            writes.archive(archive, [one.raw for one in accepted], batches)
        try:
            rules = self.load_rules()
        except BaseException:
            writes.settle()  # an invalid config still leaves the raw payloads archived
            raise
        analyses = [(batch, analyse_batch(batch, rules)) for batch in batches]
        made = bundles((p for _, analysis in analyses for p in analysis.partials), archive)
        for bundle in made:
            writes.bundle(partial_key(bundle, invocation), bundle)
        return Written(made, rules, archive, analyses)

    def _alert(self, alerts: AlertSink, writes: Writes, written: Written) -> tuple[str, ...]:
        """Every batch's detections → the alert sink, in one call: it writes the alert state while
        the bundles are being put and publishes only after `writes.confirm()`; the keys written."""
        found: list[Detection] = []
        logins: list[Login] = []
        untracked = 0
        rules = written.rules
        for batch, analysis in written.analyses:
            detections, left_out = find_detections(batch, analysis, rules, written.archive)
            found.extend(detections)
            logins.extend(_logins(batch, analysis, written.archive))
            untracked += left_out
        confirmed: list[str] = []
        if not found:  # a login worth a look (password, root) is a detection itself; key logins ride along
            if untracked:
                alerts([], rules.alerting, untracked)
            return tuple(writes.confirm())
        ready = lambda: confirmed.extend(writes.confirm())  # noqa: E731
        tally = alerts(found, rules.alerting, untracked, ready=ready, logins=logins)
        logger.info(
            "detections",
            extra={"batches": len(written.analyses), **tally.outcomes, "untracked": tally.untracked,
                   "side_channel_failures": tally.side_channel_failures},
        )  # fmt: skip
        return tuple(confirmed)


def _logins(batch: Batch, analysis: Analysed, archived: str) -> list[Login]:
    """The batch's successful logins with a source address (what may follow a brute force)."""
    return [
        Login(
            item["t"],
            item["id"],
            item["src"],
            item.get("who"),
            item.get("line", ""),
            batch.log_group,
            batch.log_stream,
            batch.owner,
            batch.batch_id,
            archived,
        )
        for kind, item in analysis.evidence
        if item.get("src") and (kind in LOGINS or (kind == "root" and "Accepted " in item.get("line", "")))
    ]


def _as_bytes(data: str | bytes) -> bytes:
    return data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
