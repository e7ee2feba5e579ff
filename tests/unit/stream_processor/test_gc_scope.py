"""`fewer_collections` raises the young GC threshold inside, and always restores the caller's."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from stream_processor.gc_scope import YOUNG_THRESHOLD, fewer_collections


@pytest.fixture
def thresholds() -> Iterator[tuple[int, int, int]]:
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield gc.get_threshold()
    gc.set_threshold(*saved)


def test_raised_inside_restored_after_even_on_error(thresholds: tuple[int, int, int]) -> None:
    with pytest.raises(RuntimeError), fewer_collections():
        assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
        with fewer_collections():
            assert gc.get_threshold()[0] == YOUNG_THRESHOLD
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD  # the outer block is still running
        raise RuntimeError
    assert gc.get_threshold() == thresholds


def test_overlapping_threads_restore_once_the_last_leaves(thresholds: tuple[int, int, int]) -> None:
    inside, release = threading.Barrier(3), threading.Event()

    def work() -> None:
        with fewer_collections():
            inside.wait()
            release.wait()

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    inside.wait()
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    release.set()
    for worker in workers:
        worker.join()
    assert gc.get_threshold() == thresholds


def test_collection_switched_off_or_already_rarer_is_left_alone() -> None:
    saved = gc.get_threshold()
    try:
        for young in (0, YOUNG_THRESHOLD * 2):
            gc.set_threshold(young, 10, 10)
            with fewer_collections():
                assert gc.get_threshold()[0] == young
            assert gc.get_threshold()[0] == young
    finally:
        gc.set_threshold(*saved)
