"""Adapters that run a peer forwarder's own processing path on a subscription event, shipping stubbed.

Each factory imports the peer from its checkout (ImportError when it or its dependencies are
missing) and returns `run(event)`. Nothing here copies peer code: it calls their functions.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import Any

Run = Callable[[dict[str, Any]], None]
_REGION = "eu-west-1"


class _Context:
    """What a Lambda context offers the peers."""

    function_name = "forwarder"
    function_version = "$LATEST"
    invoked_function_arn = f"arn:aws:lambda:{_REGION}:123456789012:function:forwarder"
    memory_limit_in_mb = 1024
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    log_group_name = "/aws/lambda/forwarder"
    log_stream_name = "2025/11/26/[$LATEST]0"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 900_000


def _on_path(folder: str) -> None:
    if not os.path.isdir(folder):
        raise ImportError(f"no checkout at {folder}")
    if folder not in sys.path:
        sys.path.insert(0, folder)


def datadog_path(checkout: str) -> Run:
    """The Datadog Forwarder out of the box: parse, enrich, transform, split, forward logs."""
    os.environ.setdefault("DD_API_KEY", "0" * 32)
    os.environ.setdefault("AWS_DEFAULT_REGION", _REGION)
    _on_path(os.path.join(checkout, "aws", "logs_monitoring"))
    import forwarder as dd_forwarder  # type: ignore[import-not-found]
    from caching.cache_layer import CacheLayer  # type: ignore[import-not-found]
    from steps.enrichment import enrich  # type: ignore[import-not-found]
    from steps.parsing import parse  # type: ignore[import-not-found]
    from steps.splitting import split  # type: ignore[import-not-found]
    from steps.transformation import transform  # type: ignore[import-not-found]

    class Unsent:
        """Their HTTP client with the network stubbed: scrubs the batch as `send` does, no gzip/POST."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self._scrubber = args[5]

        def send(self, logs: list[str]) -> None:
            self._scrubber.scrub("[{}]".format(",".join(logs)))

        def __enter__(self) -> Unsent:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

    class NoTraces:
        def __init__(self, *args: Any) -> None:
            pass

    dd_forwarder.DatadogHTTPClient = Unsent
    dd_forwarder.TraceConnection = NoTraces  # a Go shared library the checkout does not build
    dd_forwarder.send_event_metric = lambda *args, **kwargs: None
    context = _Context()
    cache = CacheLayer("bench")
    forwarder = dd_forwarder.Forwarder("bench")

    def run(event: dict[str, Any]) -> None:
        parsed = parse(event, context, cache)
        metrics, logs, traces = split(transform(enrich(parsed, cache)))
        forwarder.forward(logs, metrics, traces)

    return run


_ESF_CONFIG = """
inputs:
  - type: "cloudwatch-logs"
    id: "arn:aws:logs:eu-west-1:123456789012:log-group:/admin/logs:*"
    outputs:
      - type: "elasticsearch"
        args:
          elasticsearch_url: "http://localhost:9200"
          api_key: "bench"
          es_datastream_name: "logs-generic-default"
"""


def esf_path(checkout: str) -> Run:
    """The Elastic Serverless Forwarder's cloudwatch-logs trigger into an Elasticsearch output."""
    os.environ.setdefault("AWS_DEFAULT_REGION", _REGION)
    _on_path(checkout)
    import shippers.es as esf_es  # type: ignore[import-not-found]
    from handlers.aws.cloudwatch_logs_trigger import (  # type: ignore[import-not-found]
        _from_awslogs_data_to_event,
        _handle_cloudwatch_logs_event,
    )
    from handlers.aws.utils import (  # type: ignore[import-not-found]
        INTEGRATION_SCOPE_GENERIC,
        expand_event_list_from_field_resolver,
        get_input_from_log_group_subscription_data,
        get_shipper_from_input,
    )
    from share import ExpandEventListFromField, json_dumper, parse_config  # type: ignore[import-not-found]

    def bulk(client: Any, actions: list[dict[str, Any]], **kwargs: Any) -> tuple[int, list[Any]]:
        """The bulk request's body as the client would serialise it; nothing is sent."""
        "\n".join(json_dumper(action) for action in actions)
        return len(actions), []

    esf_es.es_bulk = bulk
    logging.getLogger().setLevel(logging.WARNING)  # ESF logs each flush at INFO: keep the output readable
    config = parse_config(_ESF_CONFIG)

    def run(event: dict[str, Any]) -> None:
        logs_event = _from_awslogs_data_to_event(event["awslogs"]["data"])
        input_id, event_input = get_input_from_log_group_subscription_data(
            config, logs_event["owner"], logs_event["logGroup"], logs_event["logStream"], _REGION
        )
        shipper = get_shipper_from_input(event_input=event_input)
        expander = ExpandEventListFromField(
            event_input.expand_event_list_from_field,
            INTEGRATION_SCOPE_GENERIC,
            expand_event_list_from_field_resolver,
            event_input.root_fields_to_add_to_expanded_event,
        )
        for es_event, *_ in _handle_cloudwatch_logs_event(
            logs_event,
            input_id.split(":")[3],
            event_input.id,
            expander,
            event_input.json_content_type,
            event_input.get_multiline_processor(),
        ):
            shipper.send(es_event)
        shipper.flush()

    return run
