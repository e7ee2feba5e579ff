"""The SDK floor (issue 21.1): pyproject.toml declares the botocore the alert state needs (PutObject's
IfMatch), and it is the floor the code states (pure)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from stream_processor.sinks.alert_store import MIN_BOTOCORE

PYPROJECT = Path(__file__).resolve().parents[4] / "pyproject.toml"


def declared() -> dict[str, str]:
    """`name>=version` floors of the runtime dependencies."""
    deps = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    floor = re.compile(r"([A-Za-z0-9_.-]+)(?:\[[^]]*\])?>=([0-9.]+)")
    return {m[1]: m[2] for d in deps if (m := floor.match(d))}


def test_the_declared_floor_is_the_floor_the_code_states() -> None:
    floors = declared()
    assert floors["botocore"] == MIN_BOTOCORE
    assert floors["boto3"] == MIN_BOTOCORE  # boto3 1.35.N requires botocore 1.35.N
