"""Instructions per event of `process_data` (+ `encode` of every partial) on the peers benchmark's
datasets and on the cost fleet's batches: run under callgrind twice, once generating the batches
only and once also processing them, and divide the difference by the events (10,300 generator,
3,500 large, 9,000 fleet). Instruction counts do not move with the machine's load, so two commits
can be compared on a shared VM.

    export PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1
    valgrind --tool=callgrind --callgrind-out-file=setup.out python -m bench.hot_path setup generator
    valgrind --tool=callgrind --callgrind-out-file=run.out \\
        python -m bench.hot_path run generator
    # per event: (the `summary:` of run.out - that of setup.out) / 10,300

"fleet" is what a Kinesis invocation of the quiet cost fleet processes (bench/cost.py: 300 batches
of 30 application lines of 200 bytes, an eighth of them errors with a request id, so nearly every
error signature is new): the work behind `python -m bench.invocation`, without the handler.

Both modes process the first batch once (imports, compiled patterns), so the difference is one
pass over every batch with the built-in rules, as `bench peers` runs "ours"; without bytecode
writes both runs compile alike (else the first writes .pyc files the second only reads). Under
valgrind OpenSSL cannot use the CPU's SHA instructions, so the batch id's sha256 counts several
times what it costs on the machine. No `main`: `python -m bench` does not run it.
"""

from __future__ import annotations

import sys
from typing import Any

from bench.decode import ours
from bench.peers import generator_batches, large_batches

EVENTS = {"generator": 10_300, "large": 3_500, "fleet": 9_000}


def fleet_batches() -> list[dict[str, Any]]:
    """The quiet cost fleet's batches as subscription events (bench/cost.py)."""
    import base64

    from bench.cost import payloads
    from bench.cost_model import Fleet

    fleet = Fleet(1000)
    raws = payloads(300, fleet.events_per_batch, fleet.message_bytes, 7)
    return [{"awslogs": {"data": base64.b64encode(raw).decode()}} for raw in raws]


def measure(argv: list[str]) -> None:
    mode, dataset = argv[0], argv[1]
    batches = {"generator": generator_batches, "large": large_batches, "fleet": fleet_batches}[dataset]()
    ours(batches[0])
    if mode == "run":
        for event in batches:
            ours(event)


if __name__ == "__main__":
    measure(sys.argv[1:])
