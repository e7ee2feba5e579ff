"""Configuration: the SSM JSON document of docs/design.md §9, validated once, errors naming the key."""

from __future__ import annotations

import difflib
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson

from ..alerting.settings import parse_alerts
from ..detect import BUILTIN_RULES, DEFAULT_DETECTOR, Detector, Rule
from ..detect.rules_config import user_rules
from ..errors import ConfigError
from ..pipeline import Rules
from ..redact import Redactor

# The stack names its parameters after itself (template.yaml: /logreview/<stack>/config), so two
# stacks in one account never share them. The functions get the names in their environment; the CLI
# run by hand derives them from LOGREVIEW_STACK (samconfig.toml's stack name by default).
DEFAULT_STACK = "logreview"
USER_SECTIONS = frozenset({"SecurityRules", "Redaction"})
BUILTIN_IDS = frozenset(rule.id for rule in BUILTIN_RULES)
CACHE_SECONDS = 300

DEFAULT_DOCUMENT: dict[str, Any] = {
    "LogConfig": {
        "AdminLogGroup": "/admin/logs",
        "OperatorLogGroup": "/operator/logs",
        "LogGroups": [],
        "LogGroupPrefixes": [],
        "ReportBucket": "",
        "RetentionDays": 30,
        "QueryTimeoutSeconds": 300,
        "BatchSize": 10000,
        "AlertThresholds": {"ErrorRate": 0.05, "LatencyMs": 1000},
    },
    "Report": {
        "LookbackDays": 2,
        "TopN": 10,
        "TopLogGroups": 20,
        "SilentHours": 6,
        "BaselineDays": 7,
        "DeviationThreshold": 3.5,
    },
    "Redaction": {"ExtraPatterns": []},
}


@dataclass(frozen=True, slots=True)
class Config:
    """The validated configuration. `rules` is what the transforms use."""

    admin_log_group: str = "/admin/logs"
    operator_log_group: str = "/operator/logs"
    extra_log_groups: tuple[str, ...] = ()  # LogConfig.LogGroups: reviewed besides the two seed groups
    log_group_prefixes: tuple[str, ...] = ()  # LogConfig.LogGroupPrefixes: every group whose name starts so
    report_bucket: str = ""
    retention_days: int = 30
    query_timeout_seconds: int = 300
    batch_size: int = 10000
    error_rate_threshold: float = 0.05
    latency_threshold_ms: float = 1000.0
    lookback_days: int = 2
    top_n: int = 10
    top_log_groups: int = 20  # log groups the text and HTML reports show in full (the JSON has all)
    silent_hours: int = 6  # consecutive hours without events before a report alerts (the alarm's)
    baseline_days: int = 7
    deviation_threshold: float = 3.5
    security_rules: Mapping[str, Rule] = field(default_factory=lambda: {r.id: r for r in BUILTIN_RULES})
    redaction_patterns: tuple[str, ...] = ()
    rules: Rules = field(default_factory=Rules, compare=False)

    @property
    def log_groups(self) -> tuple[str, ...]:
        """The groups reviewed by name: the two seed groups, then `LogConfig.LogGroups`."""
        return (self.admin_log_group, self.operator_log_group, *self.extra_log_groups)


def _get(doc: Mapping[str, Any], path: str, kind: type | tuple[type, ...], default: Any) -> Any:
    node: Any = doc
    for part in path.split("."):
        if not isinstance(node, Mapping):
            raise ConfigError(f"config key {path!r}: {part!r} is inside a non-object")
        if part not in node:
            return default
        node = node[part]
    if isinstance(node, bool) or not isinstance(node, kind):
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise ConfigError(f"config key {path!r} must be {names}, got {node!r}")
    return node


def _number(
    doc: Mapping[str, Any], path: str, default: float, kind: type = int, zero: bool = False, most: float = 0
) -> Any:
    """A number at `path`: > 0 (or >= 0 with `zero`), at most `most` when given; ints stay ints."""
    value = _get(doc, path, (int, float) if kind is float else int, default)
    if value < 0 or (value == 0 and not zero):
        raise ConfigError(f"config key {path!r} must be {'>=' if zero else '>'} 0, got {value!r}")
    if most and value > most:
        raise ConfigError(f"config key {path!r} must be at most {most}, got {value!r}")
    return kind(value)


def _patterns(path: str, values: Any) -> tuple[str, ...]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ConfigError(f"config key {path!r} must be a list of regular expressions")
    for value in values:
        try:
            re.compile(value)
        except re.error as exc:
            raise ConfigError(f"config key {path!r}: invalid pattern {value!r}: {exc}") from None
    return tuple(values)


# Every key the document accepts: a misspelt key or section is an error naming the nearest
# valid one, never a silently ignored setting. `SecurityRules` maps rule names to rules
# (validated by `detect.rules_config`).
_KNOWN_KEYS: dict[str, frozenset[str]] = {
    "": frozenset({"LogConfig", "SecurityRules", "Redaction", "Report", "Alerts"}),
    "LogConfig": frozenset(DEFAULT_DOCUMENT["LogConfig"]),
    "LogConfig.AlertThresholds": frozenset({"ErrorRate", "LatencyMs"}),
    "Redaction": frozenset({"ExtraPatterns"}),
    "Report": frozenset(DEFAULT_DOCUMENT["Report"]),
}

# CloudWatch Logs' accepted retention periods (PutRetentionPolicy).
RETENTION_DAYS = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)
_LOG_GROUP = re.compile(r"[.\-_/#A-Za-z0-9]{1,512}")
MAX_BASELINE_DAYS = 60
MAX_LOOKBACK_DAYS = 14  # CloudWatch refuses metric datapoints older than two weeks
MAX_QUERY_SECONDS = 900  # a Lambda invocation's limit
MAX_BATCH_SIZE = 10_000  # events per CloudWatch batch, and the replay batch bound


def _check_known(doc: Mapping[str, Any]) -> None:
    for path, known in _KNOWN_KEYS.items():
        section = _get(doc, path, Mapping, {}) if path else doc
        for key in section:
            if key not in known:
                full = f"{path}.{key}" if path else key
                near = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
                hint = f"did you mean {near[0]!r}?" if near else f"known: {', '.join(sorted(known))}"
                raise ConfigError(f"unknown config key {full!r} ({hint})")


def _log_group(doc: Mapping[str, Any], path: str, default: str) -> str:
    name = _get(doc, path, str, default)
    if not _LOG_GROUP.fullmatch(name):
        raise ConfigError(
            f"config key {path!r} must be a log group name (1-512 of A-Za-z0-9._-/#), got {name!r}"
        )
    return str(name)


MAX_LISTED_GROUPS = 1000  # names or prefixes: each one costs a DescribeLogGroups call per sweep


def _log_group_list(doc: Mapping[str, Any], path: str, seeds: tuple[str, ...] = ()) -> tuple[str, ...]:
    """A list of distinct log group names (or name prefixes) at `path`, none repeating a seed group."""
    values = _get(doc, path, list, [])
    if len(values) > MAX_LISTED_GROUPS:
        raise ConfigError(f"config key {path!r} holds {len(values)} entries; at most {MAX_LISTED_GROUPS}")
    seen: list[str] = []
    for index, value in enumerate(values):
        where = f"{path}[{index}]"
        if not isinstance(value, str) or not _LOG_GROUP.fullmatch(value):
            raise ConfigError(
                f"config key {where!r} must be a log group name (1-512 of A-Za-z0-9._-/#), got {value!r}"
            )
        if value in seen or value in seeds:
            raise ConfigError(f"config key {where!r}: {value!r} is already listed")
        seen.append(value)
    return tuple(seen)


def _retention(doc: Mapping[str, Any]) -> int:
    days: int = _number(doc, "LogConfig.RetentionDays", 30)
    if days not in RETENTION_DAYS:
        allowed = ", ".join(map(str, sorted(RETENTION_DAYS)))
        raise ConfigError(
            f"config key 'LogConfig.RetentionDays' must be one of CloudWatch's {allowed}; got {days}"
        )
    return days


def parse_config(doc: object, region: str = "", account: str = "") -> Config:
    """Validate a configuration document (already JSON-decoded); `region` is where the batches
    are processed (`processing_region`), which the aggregate counts them under; `account` the
    function's own (`processing_account`): other accounts' groups are keyed `<owner>:<group>`."""
    if not isinstance(doc, Mapping):
        raise ConfigError("config document must be a JSON object with a 'LogConfig' key")
    if not isinstance(doc.get("LogConfig"), Mapping):
        raise ConfigError("config key 'LogConfig' is missing or not an object")
    _check_known(doc)
    configured = _get(doc, "SecurityRules", dict, {})
    rules = user_rules(configured, BUILTIN_RULES) if configured else {r.id: r for r in BUILTIN_RULES}
    detector = Detector(rules.values()) if configured else DEFAULT_DETECTOR
    redaction = _patterns("Redaction.ExtraPatterns", _get(doc, "Redaction.ExtraPatterns", list, []))
    admin = _log_group(doc, "LogConfig.AdminLogGroup", "/admin/logs")
    operator = _log_group(doc, "LogConfig.OperatorLogGroup", "/operator/logs")
    if admin == operator:
        raise ConfigError(f"config keys 'LogConfig.AdminLogGroup' and 'OperatorLogGroup' are both {admin!r}")
    return Config(
        admin_log_group=admin,
        operator_log_group=operator,
        extra_log_groups=_log_group_list(doc, "LogConfig.LogGroups", (admin, operator)),
        log_group_prefixes=_log_group_list(doc, "LogConfig.LogGroupPrefixes"),
        report_bucket=_get(doc, "LogConfig.ReportBucket", str, ""),
        retention_days=_retention(doc),
        query_timeout_seconds=_number(doc, "LogConfig.QueryTimeoutSeconds", 300, most=MAX_QUERY_SECONDS),
        batch_size=_number(doc, "LogConfig.BatchSize", 10000, most=MAX_BATCH_SIZE),
        error_rate_threshold=_number(doc, "LogConfig.AlertThresholds.ErrorRate", 0.05, float, most=1),
        latency_threshold_ms=_number(doc, "LogConfig.AlertThresholds.LatencyMs", 1000, float, most=900_000),
        lookback_days=_number(doc, "Report.LookbackDays", 2, zero=True, most=MAX_LOOKBACK_DAYS),
        top_n=_number(doc, "Report.TopN", 10, most=100),
        top_log_groups=_number(doc, "Report.TopLogGroups", 20, most=1000),
        silent_hours=_number(doc, "Report.SilentHours", 6, most=24),
        baseline_days=_number(doc, "Report.BaselineDays", 7, zero=True, most=MAX_BASELINE_DAYS),
        deviation_threshold=_number(doc, "Report.DeviationThreshold", 3.5, float, most=100),
        security_rules=rules,
        redaction_patterns=redaction,
        rules=Rules(
            detector, Redactor(redaction), parse_alerts(doc.get("Alerts"), detector), region, account
        ),
    )


@lru_cache(maxsize=8)
def _parse_cached(text: str, user_text: str = "", region: str = "", account: str = "") -> Config:
    doc = document(text)
    if not user_text.strip():
        return parse_config(doc, region, account)
    parse_config(doc)  # the stack's document alone first, so its errors are not blamed on the user's
    where = f"user rules parameter {user_parameter_name()!r}"
    return parse_config(with_user_rules(doc, user_text, where), region, account)


def processing_region() -> str:
    """The region this process runs in: Lambda sets `AWS_REGION`; a command line has it or
    `AWS_DEFAULT_REGION` (a replay run by hand should use the stack's region)."""
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or ""


def processing_account() -> str:
    """The account this process reviews for (`HOME_ACCOUNT_ID`, set by template.yaml on the
    StreamProcessor, DailyReport and Rollup; "" when unset, and then no group is qualified: a
    replay run by hand should set it to the stack's account so its rows match the live path's)."""
    return os.environ.get("HOME_ACCOUNT_ID", "")


def stack_name() -> str:
    """The stack whose parameters a CLI run means (`LOGREVIEW_STACK`, else `logreview`)."""
    return os.environ.get("LOGREVIEW_STACK") or DEFAULT_STACK


def parameter_name() -> str:
    """The stack's document (`CONFIG_PARAMETER`, else `/logreview/<stack>/config`)."""
    return os.environ.get("CONFIG_PARAMETER") or f"/logreview/{stack_name()}/config"


def parameter_text(name: str | None = None) -> str:
    """The SSM document's text (cached for 5 minutes by Powertools Parameters)."""
    from aws_lambda_powertools.utilities import parameters

    parameter = name or parameter_name()
    try:
        return str(parameters.get_parameter(parameter, max_age=CACHE_SECONDS))
    except parameters.exceptions.GetParameterError as exc:
        raise ConfigError(f"cannot read config parameter {parameter!r}: {exc}") from exc


def user_parameter_name() -> str:
    """The team's own rules document (`USER_RULES_PARAMETER`, else `/logreview/<stack>/user-rules`;
    set but empty switches it off)."""
    return os.environ.get("USER_RULES_PARAMETER", f"/logreview/{stack_name()}/user-rules")


_absent: dict[str, float] = {}  # user parameter → monotonic time until which it is known absent


def user_rules_text(name: str | None = None) -> str:
    """The user rules document's text, or "" when the parameter does not exist (remembered 5 min)."""
    from aws_lambda_powertools.utilities import parameters
    from botocore.exceptions import ClientError

    from ..sinks.aws_errors import code

    parameter = user_parameter_name() if name is None else name
    if not parameter or _absent.get(parameter, 0.0) > time.monotonic():
        return ""
    try:
        return str(parameters.get_parameter(parameter, max_age=CACHE_SECONDS))
    except parameters.exceptions.GetParameterError as exc:
        cause = exc.__cause__ or exc.__context__  # Powertools re-raises without `from`
        if isinstance(cause, ClientError) and code(cause) == "ParameterNotFound":
            _absent[parameter] = time.monotonic() + CACHE_SECONDS
            return ""
        raise ConfigError(f"cannot read user rules parameter {parameter!r}: {exc}") from exc


def clear_caches() -> None:
    """Forget every cached parameter and absence (tests; a tool switching accounts)."""
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()  # type: ignore[no-untyped-call]
    _absent.clear()


def load_config(name: str | None = None) -> Config:
    """Fetch and validate the stack's SSM document merged with the team's user rules document."""
    return _parse_cached(parameter_text(name), user_rules_text(), processing_region(), processing_account())


def with_user_rules(doc: object, user_text: str, where: str = "user rules") -> object:
    """The stack's document plus the user document's rules and redaction patterns.

    The user document holds only `SecurityRules` (new rule names) and `Redaction.ExtraPatterns`;
    the stack never writes it, so a deploy never overwrites a team's own rules.
    """
    if not user_text.strip():
        return doc
    user = document(user_text)
    if not isinstance(user, Mapping) or not isinstance(doc, Mapping):
        raise ConfigError(f"{where}: the document must be a JSON object")
    for key in user:
        if key not in USER_SECTIONS:
            near = difflib.get_close_matches(key, sorted(USER_SECTIONS), n=1)
            hint = f"did you mean {near[0]!r}?" if near else f"known: {', '.join(sorted(USER_SECTIONS))}"
            raise ConfigError(f"{where}: unknown key {key!r} ({hint})")
    merged = dict(doc)
    rules = dict(_get(doc, "SecurityRules", dict, {}))
    for rule, pattern in _get(user, "SecurityRules", dict, {}).items():
        if rule in rules or rule in BUILTIN_IDS:
            raise ConfigError(f"{where}: 'SecurityRules.{rule}' is already defined; choose another name")
        rules[rule] = pattern
    extra = _get(user, "Redaction.ExtraPatterns", list, [])
    unknown = set(_get(user, "Redaction", Mapping, {})) - {"ExtraPatterns"}
    if unknown:
        raise ConfigError(f"{where}: unknown key 'Redaction.{sorted(unknown)[0]}' (known: ExtraPatterns)")
    if rules:
        merged["SecurityRules"] = rules
    if extra:
        redaction = dict(_get(doc, "Redaction", Mapping, {}))
        redaction["ExtraPatterns"] = [*_get(doc, "Redaction.ExtraPatterns", list, []), *extra]
        merged["Redaction"] = redaction
    return merged


def document(text: str) -> Any:
    """The JSON document in `text`; invalid JSON is a ConfigError."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ConfigError(f"config document is not valid JSON: {exc}") from None


def load_config_file(path: str) -> Config:
    """A local JSON config document (for the CLI's `--config FILE`), validated like the SSM one."""
    return _parse_cached(file_text(path), "", processing_region(), processing_account())


def file_text(path: str) -> str:
    """A local config file's text; unreadable or non-UTF-8 files are a ConfigError naming it."""
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path!r}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path!r} is not UTF-8 text") from None
    return text


def default_config_json(bucket: str = "") -> str:
    """The default document (what template.yaml and the demo install)."""
    doc = orjson.loads(orjson.dumps(DEFAULT_DOCUMENT))
    doc["LogConfig"]["ReportBucket"] = bucket
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode()
