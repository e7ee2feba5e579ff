"""What only a real account would reveal, checked statically on template.yaml (issue 21).

- evidence survives the stack: the source log groups and the report bucket are retained on delete
  and on replacement (a rename or `sam delete` must not destroy retained events);
- no fixed physical names: every name is derived from the stack name or a parameter, so a second
  stack in the account neither fails nor silently shares (the SSM parameters were account-wide);
- S3's lifecycle validation: the Rules refuse exactly the Archive*Days combinations S3 rejects;
- Kinesis: the stream keeps records long enough for a re-drive after the mapping gives up.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from cfnlint.decode.cfn_yaml import load

from tests.support.cfn_conditions import evaluate
from tests.unit.template.test_template import TEMPLATE_PATH

TEMPLATE: dict[str, Any] = dict(load(str(TEMPLATE_PATH)))
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
PARAMETERS: dict[str, Any] = TEMPLATE["Parameters"]

# What holds the audit record: the raw events (source log groups) and the archive and reports.
EVIDENCE = {"AdminLogGroup", "OperatorLogGroup", "ReportBucket"}
# Holding data, but not evidence: each with why deleting it with the stack is right.
NOT_EVIDENCE = {
    "StreamProcessorLogGroup": "the function's own operational logs, no message bodies",
    "RollupLogGroup": "the function's own operational logs",
    "DailyReportLogGroup": "the function's own operational logs",
    "EvidenceLogGroup": "the function's own operational logs (the digests are in evidence/)",
    "OnboardLogGroup": "the function's own operational logs (group names and filter states)",
    "LogStream": "transport: records are archived to S3 as they are processed; billed per shard-hour",
    "FailureQueue": "pointers to failed invocations; the payloads are in archive/ or the stream",
    "ReplayQueue": "object keys to replay, recreated by 'logreview replay --via-queue'",
    "ReplayDeadLetterQueue": "replay messages that failed; the objects stay in the bucket",
}
DATA_TYPES = {
    "AWS::Logs::LogGroup",
    "AWS::S3::Bucket",
    "AWS::Kinesis::Stream",
    "AWS::SQS::Queue",
    "AWS::DynamoDB::Table",
}
# Top-level properties that end in "Name" but name no resource of the account.
NOT_PHYSICAL = {"MetricName", "DisplayName", "PolicyName"}
LABELS = {"AWS::Athena::NamedQuery"}  # its Name is a label: named queries are found by id


def test_every_data_resource_is_classified() -> None:
    """A new log group, bucket, stream, queue or table must be declared evidence or not."""
    holding = {name for name, r in RESOURCES.items() if r["Type"] in DATA_TYPES}
    assert holding == EVIDENCE | set(NOT_EVIDENCE)


@pytest.mark.parametrize("name", sorted(EVIDENCE))
def test_evidence_is_retained_on_delete_and_on_replacement(name: str) -> None:
    resource = RESOURCES[name]
    assert resource.get("DeletionPolicy") == "Retain", name
    assert resource.get("UpdateReplacePolicy") == "Retain", name


def derived(node: Any) -> bool:
    """Whether a name comes from the stack name, a parameter or another resource (never a literal)."""
    if isinstance(node, str):
        return False
    if isinstance(node, dict) and len(node) == 1:
        ((key, arg),) = node.items()
        if key == "Ref":
            return arg != "AWS::NoValue"
        if key == "Fn::GetAtt":
            return True
        if key == "Fn::If":
            return all(derived(branch) or branch == {"Ref": "AWS::NoValue"} for branch in arg[1:])
        if key == "Fn::Sub":
            text = arg if isinstance(arg, str) else arg[0]
            names = set(re.findall(r"\$\{([^}!]+)\}", text))
            return "AWS::StackName" in names or bool(names & set(PARAMETERS))
    return False


def test_no_resource_has_a_fixed_physical_name() -> None:
    fixed = [
        (name, key, value)
        for name, resource in RESOURCES.items()
        for key, value in resource.get("Properties", {}).items()
        if (key == "Name" or key.endswith("Name"))
        and key not in NOT_PHYSICAL
        and not derived(value)
        and resource["Type"] not in LABELS
    ]
    assert fixed == []


def test_the_ssm_parameters_are_scoped_to_the_stack_by_default() -> None:
    """The case issue 21.5 found: /log-processor/config was one per account."""
    for parameter in ("ConfigParameterName", "UserRulesParameterName"):
        assert PARAMETERS[parameter]["Default"] == ""
        assert re.fullmatch(PARAMETERS[parameter]["AllowedPattern"], "")
        assert re.fullmatch(PARAMETERS[parameter]["AllowedPattern"], "/team/config")
    name = RESOURCES["ConfigParameter"]["Properties"]["Name"]
    assert name == {
        "Fn::If": [
            "HasConfigParameterName",
            {"Ref": "ConfigParameterName"},
            {"Fn::Sub": "/logreview/${AWS::StackName}/config"},
        ]
    }


# ------------------------------------------------------------ lifecycle Rules


def allowed(parameter: str) -> list[int]:
    return [int(v) for v in PARAMETERS[parameter]["AllowedValues"]]


def s3_accepts(infrequent: int, glacier: int, expiration: int) -> bool:
    """S3's lifecycle validation of the archive rule: STANDARD_IA at 30 days or later, Glacier IR
    at least 30 days after it, expiration after the last transition."""
    return infrequent >= 30 and glacier >= infrequent + 30 and expiration > glacier


def failed_rules(values: dict[str, Any]) -> list[str]:
    """The AssertDescriptions of the Rules assertions these parameter values break."""
    parameters = {name: p.get("Default") for name, p in PARAMETERS.items()}
    parameters.update({k: str(v) for k, v in values.items()})
    conditions = TEMPLATE.get("Conditions", {})
    failed = []
    for rule in TEMPLATE.get("Rules", {}).values():
        if "RuleCondition" in rule and not evaluate(rule["RuleCondition"], parameters, conditions):
            continue
        for assertion in rule["Assertions"]:
            if not evaluate(assertion["Assert"], parameters, conditions):
                failed.append(" ".join(assertion["AssertDescription"].split()))
    return failed


def test_rules_refuse_exactly_the_lifecycles_s3_rejects() -> None:
    combinations = itertools.product(
        allowed("ArchiveInfrequentAccessDays"),
        allowed("ArchiveGlacierDays"),
        allowed("ArchiveExpirationDays"),
    )
    checked = 0
    for infrequent, glacier, expiration in combinations:
        values = {
            "ArchiveInfrequentAccessDays": infrequent,
            "ArchiveGlacierDays": glacier,
            "ArchiveExpirationDays": expiration,
        }
        assert (failed_rules(values) == []) == s3_accepts(infrequent, glacier, expiration), values
        checked += 1
    assert checked > 500
    defaults = {k: PARAMETERS[k]["Default"] for k in ("ArchiveInfrequentAccessDays", "ArchiveGlacierDays")}
    assert failed_rules(defaults) == []


def test_a_refused_lifecycle_says_which_parameter_and_why() -> None:
    (message,) = failed_rules({"ArchiveInfrequentAccessDays": 90, "ArchiveGlacierDays": 90})
    assert "ArchiveInfrequentAccessDays of at most 60" in message and "30 days" in message
    (message,) = failed_rules({"ArchiveGlacierDays": 365, "ArchiveExpirationDays": 365})
    assert "ArchiveExpirationDays of more than 365" in message


def test_every_glacier_value_has_its_rule() -> None:
    conditions = [rule["RuleCondition"] for rule in TEMPLATE["Rules"].values()]
    assert sorted(int(c["Fn::Equals"][1]) for c in conditions) == allowed("ArchiveGlacierDays")


# ------------------------------------------------------------------- Kinesis


def test_the_stream_keeps_failed_records_days_after_the_mapping_gives_up() -> None:
    """The failure queue holds pointers into the stream (14 days); the stream must still hold the
    records when someone re-drives them: at least 6 days after the largest default record age."""
    retention_hours = PARAMETERS["KinesisRetentionHours"]["Default"]
    record_age_seconds = PARAMETERS["KinesisMaximumRecordAgeSeconds"]["Default"]
    assert retention_hours * 3600 - record_age_seconds >= 6 * 24 * 3600
    assert RESOURCES["LogStream"]["Properties"]["RetentionPeriodHours"] == {"Ref": "KinesisRetentionHours"}
