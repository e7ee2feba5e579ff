"""The in-process runner without I/O: bounded pool, failures counted not fatal, progress output."""

from __future__ import annotations

import io
import threading
import time

from stream_processor.replay.progress import Progress
from stream_processor.replay.run import run_pool, summary_line
from stream_processor.replay.select import SourceObject, parse_s3_url
from stream_processor.replay.work import Tally


def _objects(n: int) -> list[SourceObject]:
    return [SourceObject("b", f"archive/k{i:03d}.gz", 1000, "archive") for i in range(n)]


def test_pool_counts_a_failed_object_and_replays_the_rest_with_bounded_concurrency() -> None:
    running, peak, lock = 0, 0, threading.Lock()

    def replay_one(obj: SourceObject) -> Tally:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.002)
        with lock:
            running -= 1
        if obj.key.endswith("k007.gz"):
            raise OSError("connection reset")
        return Tally(objects=1, bytes=obj.size, batches=1, events=10)

    out = io.StringIO()
    tally = run_pool(_objects(40), replay_one, workers=3, progress=Progress(40, 40_000, out, tty=False))
    assert (tally.objects, tally.batches, tally.events, tally.failed) == (40, 39, 390, 1)
    assert not tally.ok and tally.notes == ["failed s3://b/archive/k007.gz: OSError: connection reset"]
    assert 1 < peak <= 3
    assert out.getvalue().splitlines()[-1].startswith("replay: 40/40 objects  39 batches  390 events")
    assert "1 failed" in summary_line(tally, 2.0) and "195 events/s" in summary_line(tally, 2.0)


def test_progress_bar_on_a_terminal() -> None:
    out = io.StringIO()
    progress = Progress(4, 4000, out, tty=True, interval=0)
    progress.show(Tally(objects=1, bytes=1000, batches=2, events=20))
    progress.finish(Tally(objects=4, bytes=4000, batches=8, events=80, quarantined=1))
    lines = out.getvalue().split("\r\x1b[K")
    assert lines[1].startswith("[######..................]  25% 1/4 objects  2 batches  20 events")
    assert "ETA 0:00:0" in lines[1] and lines[2].startswith("[" + "#" * 24 + "] 100% 4/4")
    assert lines[2].endswith("(1 quarantined, 0 failed)\n")


def test_parse_s3_url() -> None:
    assert parse_s3_url("s3://bucket") == ("bucket", "")
    assert parse_s3_url("s3://bucket/exports/task/") == ("bucket", "exports/task/")


def test_tally_keeps_a_bounded_number_of_notes_and_counts_the_rest() -> None:
    total = Tally()
    for i in range(3):
        part = Tally(quarantined=30)
        for j in range(30):
            part.note(f"quarantined {i}-{j}")
        total.add(part)
    assert total.quarantined == 90 and len(total.notes) == 50 and total.notes_dropped == 40
    assert total.notes[0] == "quarantined 0-0" and total.notes[-1] == "quarantined 1-19"
