"""template.yaml translated offline (aws-sam-translator) and created in moto's CloudFormation.

Each deployment gets its own region, so stacks with the default names (`/admin/logs`,
`/log-processor/config`) never meet each other or the other tests' resources.
"""

from __future__ import annotations

import copy
import io
import json
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import boto3
from samtranslator.translator.arn_generator import ArnGenerator
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

from tests.support.cfn_conditions import evaluate

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
CODE_KEY = "logreview.zip"


class NoManagedPolicies:
    """The translator's managed-policy loader: the template names no SAM policy templates."""

    def load(self) -> dict[str, str]:
        return {}


@cache
def sam_template() -> dict[str, Any]:
    return dict(yaml_parse(TEMPLATE.read_text()))


def translate(region: str, code_bucket: str) -> dict[str, Any]:
    """Plain CloudFormation, as `sam deploy` would submit it (CodeUri as the uploaded s3:// object)."""
    template = copy.deepcopy(sam_template())
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = f"s3://{code_bucket}/{CODE_KEY}"
    ArnGenerator.BOTO_SESSION_REGION_NAME = region
    return transform(template, {"AWS::Region": region}, NoManagedPolicies())  # type: ignore[arg-type]


def expected_resources(template: dict[str, Any], overrides: dict[str, str]) -> dict[str, str]:
    """Logical id → type of every resource CloudFormation must create with these parameters."""
    parameters = {k: str(v.get("Default", "")) for k, v in template.get("Parameters", {}).items()}
    parameters.update(overrides)
    conditions = template.get("Conditions", {})
    return {
        name: resource["Type"]
        for name, resource in template["Resources"].items()
        if "Condition" not in resource
        or evaluate({"Condition": resource["Condition"]}, parameters, conditions)
    }


@cache
def regional_client(service: str, region: str) -> Any:
    return boto3.client(service, region_name=region)  # type: ignore[call-overload]


@dataclass(frozen=True)
class Stack:
    """A created stack: its region, translated template, parameters, resources and outputs."""

    name: str
    region: str
    template: dict[str, Any]
    parameters: dict[str, str]
    physical: dict[str, str]  # logical id → physical id, as moto's CloudFormation lists them
    outputs: dict[str, str]

    def client(self, service: str) -> Any:
        """An administrator's client in the stack's region (made once: clients take ~50 ms)."""
        return regional_client(service, self.region)

    def resources_of(self, kind: str) -> dict[str, dict[str, Any]]:
        """The resources of a type that this deployment created (conditioned-off ones are not)."""
        return {
            n: r for n, r in self.template["Resources"].items() if r["Type"] == kind and self.physical.get(n)
        }

    def function_names(self) -> dict[str, str]:
        """Logical id → deployed function name."""
        return {n: self.physical[n] for n in self.resources_of("AWS::Lambda::Function") if n in self.physical}


def _code_object(region: str, bucket: str) -> None:
    """The code artifact the functions point at; the handlers themselves run in process."""
    s3 = boto3.client("s3", region_name=region)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})  # type: ignore[typeddict-item]
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w") as archive:
        archive.writestr("README", "the functions run in process; see tests/deployed/emulator/")
    s3.put_object(Bucket=bucket, Key=CODE_KEY, Body=body.getvalue())


def deploy(name: str, region: str, parameters: dict[str, str] | None = None) -> Stack:
    """Translate, create the stack and wait for it; raise if it did not complete."""
    parameters = dict(parameters or {})
    code_bucket = f"{name}-code-{region}"
    _code_object(region, code_bucket)
    template = translate(region, code_bucket)
    cloudformation = boto3.client("cloudformation", region_name=region)
    cloudformation.create_stack(
        StackName=name,
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    described = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    if described["StackStatus"] != "CREATE_COMPLETE":
        raise RuntimeError(
            f"stack {name}: {described['StackStatus']} {described.get('StackStatusReason', '')}"
        )
    summaries = cloudformation.get_paginator("list_stack_resources").paginate(StackName=name)
    physical = {
        s["LogicalResourceId"]: s.get("PhysicalResourceId", "")
        for page in summaries
        for s in page["StackResourceSummaries"]
    }
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    return Stack(name, region, template, parameters, physical, outputs)
