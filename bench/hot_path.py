"""Instructions per event of `process_data` (+ `encode` of every partial) on the peers benchmark's
datasets: run under callgrind twice, once generating the batches only and once also processing
them, and divide the difference by the events (10,300 generator, 3,500 large). Instruction counts
do not move with the machine's load, so two commits can be compared on a shared VM.

    export PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1
    valgrind --tool=callgrind --callgrind-out-file=setup.out python -m bench.hot_path setup generator
    valgrind --tool=callgrind --callgrind-out-file=run.out \\
        python -m bench.hot_path run generator
    # per event: (the `summary:` of run.out - that of setup.out) / 10,300

Both modes process the first batch once (imports, compiled patterns), so the difference is one
pass over every batch with the built-in rules, as `bench peers` runs "ours"; without bytecode
writes both runs compile alike (else the first writes .pyc files the second only reads). No
`main`: `python -m bench` does not run it.
"""

from __future__ import annotations

import sys

from bench.decode import ours
from bench.peers import generator_batches, large_batches


def measure(argv: list[str]) -> None:
    mode, dataset = argv[0], argv[1]
    batches = generator_batches() if dataset == "generator" else large_batches()
    ours(batches[0])
    if mode == "run":
        for event in batches:
            ours(event)


if __name__ == "__main__":
    measure(sys.argv[1:])
