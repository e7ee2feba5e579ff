"""The demo day (`stream_processor.demo.story`) as CloudWatch batches, without any endpoint."""

from __future__ import annotations

import functools
import zlib

from stream_processor.decode import Batch, batch_id
from stream_processor.demo import story

DAY = "2026-11-28"
OWNER = "123456789012"


@functools.cache
def demo_batches(events: int = 20_000, per_batch: int = 40) -> tuple[Batch, ...]:
    """The generated day cut into batches of `per_batch` events per stream, in time order per stream."""
    logs = story.generate(story.Story.plan(DAY), events)
    batches: list[Batch] = []
    for (group, stream), found in sorted(logs.streams.items()):
        for start in range(0, len(found), per_batch):
            chunk = [
                {"id": f"{zlib.crc32(stream.encode()) % 10**6:06d}{start + i:010d}", **event}
                for i, event in enumerate(found[start : start + per_batch])
            ]
            batches.append(
                Batch("DATA_MESSAGE", OWNER, group, stream, (), chunk, batch_id(OWNER, group, stream, chunk))
            )
    return tuple(batches)
