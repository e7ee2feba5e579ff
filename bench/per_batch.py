"""Instructions the live path spends per batch, for work that is per batch rather than per event
(the owner account and region counts): run under callgrind twice, once generating the batches
only and once also processing them, and take the difference.

    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        python -m bench.per_batch setup 1
    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        python -m bench.per_batch run 1

The second argument is the events per batch (2,000 one-event batches, the costliest shape per
event; 200 of 10; 20 of 100). `run` decodes, parses and aggregates each batch as the live path
does (`analyse_batch` with the processing region set, then `bundles`, then `encode`), so the
per-batch partial, its merge into the invocation's bundle and the encoding are all counted.
(No `main`: `python -m bench` runs every module's `main()` without arguments.)
"""

from __future__ import annotations

import random
import sys

from bench.decode import START_MS, make_batch
from stream_processor import aggregate
from stream_processor.bundle import bundles
from stream_processor.pipeline import Rules, analyse_batch, decode_data

EVENTS_IN_ALL = 2000
REGION = "eu-west-1"


def measure(argv: list[str]) -> None:
    mode, size = argv[0], int(argv[1])
    rng = random.Random(7)
    events = [
        make_batch(rng, size, START_MS + rng.randrange(20 * 3_600_000)) for _ in range(EVENTS_IN_ALL // size)
    ]
    if mode != "run":
        return
    chosen = Rules(region=REGION)  # as the live path's: the processing region known
    for event in events:
        batch = decode_data(event["awslogs"]["data"])
        for bundle in bundles(analyse_batch(batch, chosen).partials, "archive/key.gz"):
            aggregate.encode(bundle)


if __name__ == "__main__":
    measure(sys.argv[1:])
