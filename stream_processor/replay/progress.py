"""Replay progress on stderr: a redrawn bar on a terminal, plain periodic lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from .work import Tally

_BAR = 24


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


class Progress:
    """Shows objects, batches, events, MB/s and ETA; call `show` as often as you like."""

    def __init__(
        self,
        total_objects: int,
        total_bytes: int,
        stream: TextIO | None = None,
        tty: bool | None = None,
        interval: float | None = None,
    ) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.interval = interval if interval is not None else (0.2 if self.tty else 10.0)
        self.total_objects = total_objects
        self.total_bytes = total_bytes
        self.started = time.monotonic()
        self._last = 0.0

    def line(self, tally: Tally, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = tally.bytes / elapsed
        done = (
            tally.bytes / self.total_bytes if self.total_bytes else tally.objects / max(self.total_objects, 1)
        )
        eta = _duration((1 - done) * elapsed / done) if done > 0 else "?"
        text = (
            f"{tally.objects}/{self.total_objects} objects  {tally.batches:,} batches"
            f"  {tally.events:,} events  {rate / 1e6:.1f} MB/s  ETA {eta}"
        )
        if tally.quarantined or tally.failed:
            text += f"  ({tally.quarantined} quarantined, {tally.failed} failed)"
        if self.tty:
            filled = int(_BAR * min(done, 1.0))
            text = f"[{'#' * filled}{'.' * (_BAR - filled)}] {done:4.0%} {text}"
        return text

    def show(self, tally: Tally, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        if self.tty:
            self.stream.write("\r\x1b[K" + self.line(tally, now))
        else:
            self.stream.write(f"replay: {self.line(tally, now)}\n")
        self.stream.flush()

    def finish(self, tally: Tally) -> None:
        self.show(tally, force=True)
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
