"""In-process replay: a bounded worker pool over the selected objects, with progress."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

from .progress import Progress
from .select import SourceObject
from .work import Tally

T = TypeVar("T")
IN_FLIGHT_PER_WORKER = 2  # queued objects per worker: bounded memory, workers never idle


def run_pool(
    objects: Iterable[SourceObject],
    replay_one: Callable[[SourceObject], Tally],
    workers: int,
    progress: Progress | None = None,
) -> Tally:
    """Replay every object with at most `workers` at a time; a failed object is counted, not fatal."""
    total = Tally()
    pending: dict[Future[Tally], SourceObject] = {}
    source = iter(objects)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="replay") as pool:
        try:
            while True:
                for obj in source:
                    pending[pool.submit(replay_one, obj)] = obj
                    if len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                        break
                if not pending:
                    break
                timeout = progress.interval if progress else None
                done, _ = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
                for future in done:
                    total.add(_result(future, pending.pop(future)))
                if progress:
                    progress.show(total)
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    if progress:
        progress.finish(total)
    return total


def _result(future: Future[Tally], obj: SourceObject) -> Tally:
    try:
        return future.result()
    except Exception as exc:  # S3 errors after botocore's retries, bugs: count, name, go on
        failed = Tally(objects=1, bytes=obj.size, failed=1)
        failed.note(f"failed {obj.url}: {type(exc).__name__}: {exc}")
        return failed


def summary_line(tally: Tally, seconds: float) -> str:
    """The final one-line summary."""
    rate = tally.events / seconds if seconds > 0 else 0.0
    return (
        f"replay: {tally.objects:,} objects ({tally.bytes / 1e6:.1f} MB), {tally.batches:,} batches, "
        f"{tally.events:,} events, {tally.skipped:,} skipped, {tally.quarantined:,} quarantined, "
        f"{tally.failed:,} failed in {seconds:.1f} s ({rate:,.0f} events/s)"
    )


def timed(func: Callable[[], T]) -> tuple[T, float]:
    """Call `func`; return its result and the seconds it took."""
    started = time.perf_counter()
    result = func()
    return result, time.perf_counter() - started
