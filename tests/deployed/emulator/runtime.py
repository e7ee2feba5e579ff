"""Workaround 3: the deployed functions run in this process, in warm or cold sandboxes, instead
of in Docker (see the package's docstring).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import io
import json
import logging
import os
import sys
import time
import traceback
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.loaders
import botocore.session
from botocore.client import ClientCreator
from botocore.model import ServiceModel
from moto.awslambda.models import LambdaFunction

# ------------------------------------------------------------- 3. Lambda in process


@dataclass
class Invocation:
    """One in-process run of a deployed function."""

    function: str
    event: Any
    result: Any
    output: str
    errored: bool


@dataclass
class Recorder:
    invocations: list[Invocation] = field(default_factory=list)

    def of(self, function: str) -> list[Invocation]:
        return [i for i in self.invocations if i.function == function]


INVOCATIONS = Recorder()
# Functions run as their role: the tests map a role ARN to an access key pair (least privilege).
ROLE_KEYS: dict[str, tuple[str, str]] = {}


@dataclass(frozen=True)
class Context:
    """The LambdaContext attributes the handlers read."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = ""
    timeout_s: float = 60.0  # the function's configured Timeout (the daily job budgets by it)
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.started + self.timeout_s - time.monotonic()) * 1000))


@contextlib.contextmanager
def function_environment(variables: dict[str, str]) -> Iterator[None]:
    """The function's environment variables for the duration of one call (restored afterwards)."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


OUR_PACKAGES = ("stream_processor", "daily_report")


_create_loader = botocore.loaders.create_loader


@functools.cache
def _shared_loader(search_paths: str | None = None) -> botocore.loaders.Loader:
    """One loader for every botocore session of this process. Each cold start makes new sessions
    (ours, Powertools Parameters', the presigner's), and parsing the service models again is most
    of a session's cost; a loader only reads its JSON files, so sharing it changes no behaviour."""
    return _create_loader(search_paths)


# The sandbox whose state the process holds: "key" (function ARN and environment) and "session"
# (its boto3 default session). Invocations of the same function with the same environment in a
# row reuse it, as Lambda reuses a warm sandbox; any other invocation starts cold.
_SANDBOX: dict[str, Any] = {}


def _enter_sandbox(key: tuple[str, ...]) -> None:
    if _SANDBOX.get("key") == key:
        boto3.DEFAULT_SESSION = _SANDBOX["session"]  # warm: module state, caches and clients kept
        return
    cold_start()
    _SANDBOX.update(key=key, session=_reusing_clients(boto3._get_default_session()))


def _reusing_clients(session: boto3.Session) -> boto3.Session:
    """The session of a warm sandbox hands out the client it made before for the same arguments
    (creating one copies all of botocore's event handlers: most of a warm rollup's run). Our code
    registers nothing on its clients, so a reused client behaves as a new one."""
    made: dict[str, Any] = {}
    create = session.client

    def client(*args: Any, **kwargs: Any) -> Any:
        config = kwargs.get("config")
        options = None if config is None else sorted(config._user_provided_options.items())
        key = repr((args, sorted((k, v) for k, v in kwargs.items() if k != "config"), options))
        if key not in made:
            made[key] = create(*args, **kwargs)
        return made[key]

    session.client = client  # type: ignore[method-assign]
    return session


@functools.cache
def _service_model(service_name: str, api_version: str | None = None) -> ServiceModel:
    """One ServiceModel per service for every client of the process (clients only read it). Our
    code makes a client per invocation, and resolving GetObject's output shapes anew for each is
    most of a rollup's first request."""
    return ServiceModel(
        _shared_loader().load_service_model(service_name, "service-2", api_version), service_name
    )


def _load_service_model(
    creator: ClientCreator, service_name: str, api_version: str | None = None
) -> ServiceModel:
    loader = creator._loader  # type: ignore[attr-defined]
    if loader is not _shared_loader():  # a session with its own data path (AWS_DATA_PATH): its models
        return ServiceModel(loader.load_service_model(service_name, "service-2", api_version), service_name)
    return _service_model(service_name, api_version)


def cold_start() -> None:
    """Forget what a Lambda sandbox keeps between invocations: boto3's default session (and the
    credentials and region it resolved), Powertools Parameters' providers and values, and every
    lru_cache in our packages (clients bound to a bucket, parsed config)."""
    from aws_lambda_powertools.utilities import parameters
    from aws_lambda_powertools.utilities.parameters import base

    boto3.setup_default_session()  # a new session: credentials and region resolved afresh
    _SANDBOX.clear()  # the process's state belongs to no sandbox now
    base.DEFAULT_PROVIDERS.clear()
    parameters.clear_caches()
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] in OUR_PACKAGES:
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)) and hasattr(value, "cache_info"):
                    value.cache_clear()


def lambda_environment(function: LambdaFunction) -> dict[str, str]:
    """What the runtime sets (region, name, memory) plus the function's own variables."""
    runtime = {
        "AWS_REGION": function.region,
        "AWS_DEFAULT_REGION": function.region,
        "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
        "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon here to send segments to
    }
    keys = ROLE_KEYS.get(function.role)
    if keys:
        runtime.update(AWS_ACCESS_KEY_ID=keys[0], AWS_SECRET_ACCESS_KEY=keys[1])
    return {**runtime, **function.environment_vars}


@contextlib.contextmanager
def captured_output() -> Iterator[io.StringIO]:
    """Everything printed or logged (Powertools Logger included) while the block runs."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output), _log_handlers_to(output):
        yield output


@contextlib.contextmanager
def _log_handlers_to(stream: io.StringIO) -> Iterator[None]:
    """Loggers as a fresh sandbox has them: Powertools Loggers bound stdout and read
    POWERTOOLS_LOG_LEVEL when they were made (at import, here long ago), so point their handlers
    at `stream` and give them the level the environment says now."""
    loggers = [
        logging.getLogger(),
        *(x for x in logging.Logger.manager.loggerDict.values() if isinstance(x, logging.Logger)),
    ]
    swapped = [
        (logger, h)
        for logger in loggers
        for h in logger.handlers
        if type(h) is logging.StreamHandler and h.stream not in (sys.stderr, sys.__stderr__)
    ]
    streams = [h.setStream(stream) for _, h in swapped]
    levels = [logger.level for logger, _ in swapped]
    if os.environ.get("POWERTOOLS_LOG_LEVEL"):
        for logger, _ in swapped:
            logger.setLevel(os.environ["POWERTOOLS_LOG_LEVEL"])
    try:
        yield
    finally:
        for (logger, handler), old, level in zip(swapped, streams, levels, strict=True):
            handler.setStream(old or sys.stdout)
            logger.setLevel(level)


def _invoke_in_process(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
    module, _, attribute = self.handler.rpartition(".")
    handler = getattr(importlib.import_module(module), attribute)
    payload = json.loads(event) if isinstance(event, str) else (event or {})
    timeout = float(self.timeout)
    context = Context(self.function_name, int(self.memory_size), self.function_arn, timeout_s=timeout)
    # The environment is process-wide. Invocations here are sequential, or nested in one whose
    # code is blocked in the invoke call (DailyReport's fan-out to Rollup), so swapping it is safe;
    # the caller's default session is given back afterwards.
    variables = lambda_environment(self)
    caller = boto3.DEFAULT_SESSION
    with function_environment(variables), captured_output() as output:
        _enter_sandbox((self.function_arn, *sorted(f"{k}={v}" for k, v in variables.items())))
        try:
            result, errored = handler(payload, context), False
        except Exception as exc:
            print(traceback.format_exc())
            result, errored = {"errorType": type(exc).__name__, "errorMessage": str(exc)}, True
        finally:
            boto3.DEFAULT_SESSION = caller
    text = output.getvalue()
    self.save_logs(text)
    INVOCATIONS.invocations.append(Invocation(self.function_name, payload, result, text, errored))
    return json.dumps(result, default=str), errored, text
