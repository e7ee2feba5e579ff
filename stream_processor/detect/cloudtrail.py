"""The CIS AWS Foundations monitoring controls (Security Hub CloudWatch.1-14, CIS 4.15) on CloudTrail.

Each rule is the control's metric-filter condition, written as field conditions on the parsed
record (eventName, eventSource, errorCode, userIdentity.type, additionalEventData.MFAUsed, ...)
and evaluated exactly as CloudWatch Logs evaluates `{ $.a = "x" && ... }` filters: a comparison
with an absent field is false, `*` is a wildcard at either end of a value. CIS numbering is
v1.4.0's (section 4; v1.2.0 numbered them 3.x).

How the conditions are evaluated, and found cheaply in a batch: `records.py`.
"""

from __future__ import annotations

from .rules import Field, Rule, Threshold


def _names(*names: str) -> Field:
    return Field("eventName", "in", names)


def _names_of(words: str) -> Field:
    return _names(*words.split())


def _succeeded(words: str) -> tuple[Field, ...]:
    """The calls named in `words` that were not refused: a refused call (errorCode set) changed nothing."""
    return (Field("errorCode", "missing"), _names_of(words))


def _source(service: str) -> Field:
    return Field("eventSource", "in", (f"{service}.amazonaws.com",))


def _cis(number: str, hub: str | None) -> str:
    return f"CIS AWS {number}" + (f" / Security Hub {hub}" if hub else "")


CLOUDTRAIL_RULES: tuple[Rule, ...] = (
    Rule(
        "cis_root_account_usage",
        "critical",
        "the root user made a request (not on behalf of an AWS service)",
        "root_activity",
        _cis("4.3", "CloudWatch.1"),
        fields=(
            Field("userIdentity.type", "in", ("Root",)),
            Field("userIdentity.invokedBy", "missing"),
            Field("eventType", "not_in", ("AwsServiceEvent",)),
        ),
    ),
    Rule(
        "cis_unauthorized_api_calls",
        "medium",
        "an API call was refused (AccessDenied*, *UnauthorizedOperation)",
        "auth_failure",
        _cis("4.1", "CloudWatch.2"),
        Threshold(count=10, window_s=300, per="principal"),
        fields=(Field("errorCode", "in", ("*UnauthorizedOperation", "AccessDenied*")),),
    ),
    Rule(
        "cis_console_login_without_mfa",
        "high",
        "a console sign-in succeeded without MFA",
        "login",
        _cis("4.2", "CloudWatch.3"),
        fields=(
            _names("ConsoleLogin"),
            Field("additionalEventData.MFAUsed", "not_in", ("Yes",)),
            Field("responseElements.ConsoleLogin", "in", ("Success",)),
        ),
    ),
    Rule(
        "cis_iam_policy_changes",
        "high",
        "an IAM policy was created, changed, attached, detached or deleted",
        "privilege_change",
        _cis("4.4", "CloudWatch.4"),
        fields=(
            _names_of(
                "DeleteGroupPolicy DeleteRolePolicy DeleteUserPolicy PutGroupPolicy "
                "PutRolePolicy PutUserPolicy CreatePolicy DeletePolicy CreatePolicyVersion "
                "DeletePolicyVersion SetDefaultPolicyVersion AttachRolePolicy DetachRolePolicy "
                "AttachUserPolicy DetachUserPolicy AttachGroupPolicy DetachGroupPolicy "
            ),
        ),
    ),
    Rule(
        "cis_cloudtrail_stopped",
        "critical",
        "CloudTrail logging was stopped or a trail deleted",
        "config_change",
        _cis("4.5", "CloudWatch.5"),
        fields=(_names("StopLogging", "DeleteTrail"),),
    ),
    Rule(
        "cis_cloudtrail_changes",
        "medium",
        "a CloudTrail trail was created, updated or (re)started",
        "config_change",
        _cis("4.5", "CloudWatch.5"),
        fields=(_names("CreateTrail", "UpdateTrail", "StartLogging"),),
    ),
    Rule(
        "cis_console_auth_failures",
        "low",
        "a console sign-in failed authentication",
        "auth_failure",
        _cis("4.6", "CloudWatch.6"),
        Threshold(count=5, window_s=300, per="source"),
        fields=(_names("ConsoleLogin"), Field("errorMessage", "in", ("Failed authentication",))),
    ),
    Rule(
        "cis_kms_key_disabled_or_deleted",
        "critical",
        "a customer-managed KMS key was disabled or scheduled for deletion",
        "config_change",
        _cis("4.7", "CloudWatch.7"),
        fields=(_source("kms"), _names("DisableKey", "ScheduleKeyDeletion")),
    ),
    Rule(
        "cis_s3_bucket_policy_changes",
        "medium",
        "an S3 bucket's policy, ACL, CORS, lifecycle or replication changed",
        "config_change",
        _cis("4.8", "CloudWatch.8"),
        fields=(
            _source("s3"),
            _names_of(
                "PutBucketAcl PutBucketPolicy PutBucketCors PutBucketLifecycle "
                "PutBucketReplication DeleteBucketPolicy DeleteBucketCors DeleteBucketLifecycle "
                "DeleteBucketReplication "
            ),
        ),
    ),
    Rule(
        "cis_aws_config_changes",
        "high",
        "AWS Config recording or delivery was stopped or changed",
        "config_change",
        _cis("4.9", "CloudWatch.9"),
        fields=(
            _source("config"),
            _names_of(
                "StopConfigurationRecorder DeleteDeliveryChannel PutDeliveryChannel PutConfigurationRecorder "
            ),
        ),
    ),
    Rule(
        "cis_security_group_changes",
        "medium",
        "a security group was created, deleted, or its rules changed",
        "network_change",
        _cis("4.10", "CloudWatch.10"),
        fields=(
            _names_of(
                "AuthorizeSecurityGroupIngress AuthorizeSecurityGroupEgress "
                "RevokeSecurityGroupIngress RevokeSecurityGroupEgress CreateSecurityGroup "
                "DeleteSecurityGroup "
            ),
        ),
    ),
    Rule(
        "cis_nacl_changes",
        "medium",
        "a network ACL or its entries changed",
        "network_change",
        _cis("4.11", "CloudWatch.11"),
        fields=(
            _names_of(
                "CreateNetworkAcl CreateNetworkAclEntry DeleteNetworkAcl DeleteNetworkAclEntry "
                "ReplaceNetworkAclEntry ReplaceNetworkAclAssociation "
            ),
        ),
    ),
    Rule(
        "cis_network_gateway_changes",
        "medium",
        "an internet or customer gateway was created, attached, detached or deleted",
        "network_change",
        _cis("4.12", "CloudWatch.12"),
        fields=(
            _names_of(
                "CreateCustomerGateway DeleteCustomerGateway AttachInternetGateway "
                "CreateInternetGateway DeleteInternetGateway DetachInternetGateway "
            ),
        ),
    ),
    Rule(
        "cis_route_table_changes",
        "medium",
        "a route or route table changed",
        "network_change",
        _cis("4.13", "CloudWatch.13"),
        fields=(
            _source("ec2"),
            _names_of(
                "CreateRoute CreateRouteTable ReplaceRoute ReplaceRouteTableAssociation "
                "DeleteRouteTable DeleteRoute DisassociateRouteTable "
            ),
        ),
    ),
    Rule(
        "cis_vpc_changes",
        "medium",
        "a VPC, its attributes, peering or ClassicLink changed",
        "network_change",
        _cis("4.14", "CloudWatch.14"),
        fields=(
            _names_of(
                "CreateVpc DeleteVpc ModifyVpcAttribute AcceptVpcPeeringConnection "
                "CreateVpcPeeringConnection DeleteVpcPeeringConnection "
                "RejectVpcPeeringConnection AttachClassicLinkVpc DetachClassicLinkVpc "
                "DisableVpcClassicLink EnableVpcClassicLink "
            ),
        ),
    ),
    Rule(
        "cis_organizations_changes",
        "high",
        "AWS Organizations: accounts, units, policies or handshakes changed",
        "config_change",
        _cis("4.15", None),
        fields=(
            _source("organizations"),
            _names_of(
                "AcceptHandshake AttachPolicy CreateAccount CreateOrganizationalUnit "
                "CreatePolicy DeclineHandshake DeleteOrganization DeleteOrganizationalUnit "
                "DeletePolicy DetachPolicy DisablePolicyType EnablePolicyType "
                "InviteAccountToOrganization LeaveOrganization MoveAccount "
                "RemoveAccountFromOrganization UpdatePolicy UpdateOrganizationalUnit "
            ),
        ),
    ),
    Rule(
        "aws_iam_user_changes",
        "medium",
        "IAM users, access keys, login profiles, group membership or MFA devices changed",
        "privilege_change",
        fields=_succeeded(
            "CreateUser DeleteUser CreateAccessKey CreateLoginProfile UpdateLoginProfile "
            "AddUserToGroup RemoveUserFromGroup UpdateAssumeRolePolicy DeactivateMFADevice "
            "DeleteVirtualMFADevice "
        ),
    ),
    Rule(
        "aws_resource_deleted",
        "medium",
        "a bucket, instance, database, table, volume, file system or stack was deleted or terminated",
        "destructive_action",
        fields=_succeeded(
            "DeleteBucket TerminateInstances DeleteDBInstance DeleteDBCluster DeleteTable "
            "DeleteVolume DeleteFileSystem DeleteStack "
        ),
    ),
)
