"""Every workaround the deployed-stack tests need from moto, in one place (pinned: moto[server]==5.2.5).

`install()` patches the moto running in this process (ThreadedMotoServer serves from this
process, so its CloudFormation parser sees what is registered here). Drop each piece when moto
grows it; `tests/deployed/test_stack.py::test_every_resource_exists` fails if one is missing.
The pieces live in `cloudformation.py` (1, 2), `runtime.py` (3), `iam.py` (4), `services.py` (5, 6).

1. Stand-ins for the resource types moto's CloudFormation skips with only a warning (and still
   reports CREATE_COMPLETE): each calls the matching API on the same server through boto3, with
   the CloudFormation properties as the request (numbers coerced by the API's own shapes).
   The bucket policy goes in without its conditioned denies (see `enforceable`).
2. SSM parameter tags arrive as a map and KMS key tags / key policy in CloudFormation's form;
   moto's parsers expect the API's form. Normalised before moto's own create runs. moto also
   makes every CloudFormation key symmetric: KeySpec and KeyUsage are applied after it.
3. Lambda invoke needs Docker. `_invoke_lambda` is replaced by an in-process call of the
   function's `Handler` with the function's environment; what the function prints (logs, EMF)
   goes to its log group as on AWS (moto's `save_logs`) and to `INVOCATIONS` for the tests.
   Consecutive invocations of one function with one environment share a warm sandbox (module
   caches, clients), any other starts cold (`cold_start`); every botocore session and client of
   the process shares one model loader and one ServiceModel per service (botocore only reads them).
4. IAM enforcement switched on and off through the server (`iam_enforced`), every denial
   recorded (`DENIED`: code that swallows a denial still shows it), policies with each
   action also spelled as moto checks it (`moto_policy`), and a role's inline policy read back
   as a document (`inline_policy`: moto returns the Python repr of what CloudFormation gave it).
5. Kinesis event source mappings: moto invokes the function inside each PutRecord with that one
   record; Lambda polls and batches. moto's push is off, and `poll_kinesis_mappings` reads the
   shards with GetRecords and invokes with up to BatchSize records, as Lambda's poller does.
6. EventBridge: moto matches PutEvents events against schedule rules too and fails on their
   Lambda targets; schedule rules match no event here, as on AWS.
"""

from __future__ import annotations

import botocore.session
from botocore.client import ClientCreator
from moto.awslambda.models import LambdaBackend, LambdaFunction
from moto.events.models import Rule as EventsRule
from moto.iam.access_control import IAMRequest, S3IAMRequest
from moto.kms.models import Key
from moto.ssm.models import Parameter

from .cloudformation import (
    _kms_key_spec,
    _kms_tags,
    _normalise_tags_then,
    _register_stand_ins,
    _ssm_tags,
    enforceable,
)
from .iam import (
    DENIED,
    _recording,
    iam_enforced,
    inline_policy,
    moto_action,
    moto_policy,
)
from .runtime import (
    INVOCATIONS,
    ROLE_KEYS,
    _invoke_in_process,
    _load_service_model,
    _shared_loader,
    captured_output,
    cold_start,
    function_environment,
)
from .services import _per_record_push, _schedules_match_no_event, poll_kinesis_mappings

__all__ = [
    "DENIED",
    "INVOCATIONS",
    "ROLE_KEYS",
    "captured_output",
    "cold_start",
    "enforceable",
    "function_environment",
    "iam_enforced",
    "inline_policy",
    "install",
    "moto_action",
    "moto_policy",
    "poll_kinesis_mappings",
]

# ---------------------------------------------------------------------- install

_installed = False


def install() -> None:
    """Apply every workaround to this process's moto (idempotent)."""
    global _installed
    if _installed:
        return
    _register_stand_ins()
    Parameter.create_from_cloudformation_json = _normalise_tags_then(  # type: ignore[method-assign]
        Parameter.create_from_cloudformation_json, _ssm_tags
    )
    Key.create_from_cloudformation_json = _normalise_tags_then(  # type: ignore[method-assign]
        Key.create_from_cloudformation_json, _kms_tags, _kms_key_spec
    )
    LambdaFunction._invoke_lambda = _invoke_in_process  # type: ignore[method-assign]
    LambdaBackend.send_kinesis_message = _per_record_push  # type: ignore[method-assign]
    EventsRule.send_to_targets = _schedules_match_no_event  # type: ignore[method-assign]
    botocore.session.create_loader = _shared_loader  # type: ignore[attr-defined]
    ClientCreator._load_service_model = _load_service_model  # type: ignore[method-assign]
    for request in (IAMRequest, S3IAMRequest):
        request._raise_access_denied = _recording(request._raise_access_denied)  # type: ignore[method-assign]
    _installed = True
