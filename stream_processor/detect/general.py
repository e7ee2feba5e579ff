"""Built-in rules for application and access logs: HTTP 401/403, AWS SDK access errors, destruction."""

from __future__ import annotations

from .rules import Rule, Threshold

GENERAL_RULES: tuple[Rule, ...] = (
    Rule(
        "http_auth_failure",
        "low",
        "an HTTP request was refused as unauthenticated or forbidden (401/403: access log or status)",
        "auth_failure",
        threshold=Threshold(count=20, window_s=300, per="source"),
        pattern=r"\"\s40[13]\s|(?i:\b40[13] (?:unauthorized|forbidden)\b)",
        statuses=frozenset({"401", "403"}),
        scope="logs",
    ),
    Rule(
        "aws_access_denied",
        "low",
        "an application's AWS call was denied (AccessDenied, UnauthorizedOperation)",
        "auth_failure",
        threshold=Threshold(count=10, window_s=300, per="principal"),
        pattern=r"\b(?:AccessDenied(?:Exception)?|UnauthorizedOperation|UnauthorizedAccess|"
        r"Client\.UnauthorizedOperation)\b",
        scope="logs",
    ),
    Rule(
        "iam_change_logged",
        "medium",
        "an application or admin tool logged an IAM change (policy attach/put, access key, group membership)",
        "privilege_change",
        pattern=r"\b(?:Attach|Detach|Put)(?:User|Role|Group)Policy\b|\bCreateAccessKey\b|\bAddUserToGroup\b"
        r"|\bCreatePolicyVersion\b|\bUpdateAssumeRolePolicy\b",
        scope="logs",  # on CloudTrail records the field rules decide (cis_iam_policy_changes, ...)
    ),
    Rule(
        "destructive_action",
        "medium",
        "something deleted, dropped or terminated users, buckets, tables, instances, databases or volumes",
        "destructive_action",
        pattern=r"(?i:\b(?:delete|drop|terminate|destroy|remove|purge)[_ -]?\w{0,24}?"
        r"(?:users?|buckets?|tables?|instances?|databases?|db ?clusters?|volumes?)\b|\buserdel\b|\brm -rf /)",
        scope="logs",
    ),
)
