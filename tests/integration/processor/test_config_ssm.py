"""Configuration read from SSM: the document loaded through moto's server, errors naming the
parameter at fault (the document's own validation: tests/unit/stream_processor/config/test_config.py)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from stream_processor.config import load_config
from stream_processor.errors import ConfigError


def test_load_config_reads_ssm(aws: dict[str, Any]) -> None:
    assert load_config().report_bucket == aws["bucket"]
    assert load_config(aws["parameter"]) == load_config()


def test_load_config_errors_name_the_parameter(aws: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="/log-processor/absent"):
        load_config("/log-processor/absent")
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name="/log-processor/not-json", Type="String", Value="{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_config("/log-processor/not-json")
