"""Cold import time of the StreamProcessor handler against `import boto3, aws_lambda_powertools`.

Each sample is a fresh interpreter that times only the import (interpreter start-up excluded),
alternating the two so drift hits both alike; medians of `COLDSTART_RUNS` (default 15) each.
Target (issue 2): ours <= 1.3 x the baseline. boto3 itself is imported lazily, on the first S3
client, so a second line shows handler import + `boto3.client("s3")` for the full first-call cost
against the baseline plus the same client.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys

_TIMER = "import time; t = time.perf_counter(); {code}; print((time.perf_counter() - t) * 1000)"
CASES = {
    "baseline: import boto3, aws_lambda_powertools": "import boto3, aws_lambda_powertools",
    "ours: import stream_processor.handler": "import stream_processor.handler",
    "baseline + boto3.client('s3')": "import boto3, aws_lambda_powertools; boto3.client('s3')",
    "ours + first S3 client": "import stream_processor.handler as h; h.current_ingest()",
}


def _sample(code: str) -> float:
    env = {
        **os.environ,
        "AWS_DEFAULT_REGION": "us-east-1",
        "REPORT_BUCKET": "bench",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", _TIMER.format(code=code)], capture_output=True, text=True, check=True, env=env
    )
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    runs = int(os.environ.get("COLDSTART_RUNS", "15"))
    for code in CASES.values():  # warm the OS page cache and .pyc files once
        _sample(code)
    samples: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(runs):
        for name, code in CASES.items():
            samples[name].append(_sample(code))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    print(f"cold import, median of {runs} fresh processes each")
    for name, value in medians.items():
        print(f"  {name:<48} {value:7.1f} ms")
    names = list(CASES)
    print(f"  import ratio ours/baseline = {medians[names[1]] / medians[names[0]]:.2f}   target <= 1.30")
    print(f"  with first S3 client       = {medians[names[3]] / medians[names[2]]:.2f}")


if __name__ == "__main__":
    main()
