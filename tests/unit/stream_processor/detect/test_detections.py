"""Built-in detections: the docs tables equal the code, each rule's lines, CloudTrail records,
counting (distinct events, overlapping rules), and batch scanning equal to one-by-one scanning."""

from __future__ import annotations

import base64
import gzip
import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stream_processor.detect import BUILTIN_RULES, DEFAULT_DETECTOR, SEVERITIES, severity_rank
from stream_processor.detect.cloudtrail import CLOUDTRAIL_RULES
from stream_processor.detect.engine import check_pattern
from stream_processor.detect.keys import source_of
from stream_processor.detect.rules import Field
from stream_processor.pipeline import process_data

ROOT = Path(__file__).resolve().parents[4]
RECORDS = orjson.loads((ROOT / "tests" / "fixtures" / "cloudtrail_records.json").read_bytes())["cases"]
H = "Nov 26 12:00:01 ip-10-0-0-1"

# rule id -> lines it must flag, as sshd, PAM, su, sudo, shadow-utils and util-linux write them
LINES: dict[str, list[str]] = {
    "ssh_failed_login": [
        f"{H} sshd[24200]: Failed password for invalid user admin from 1.2.3.4 port 22 ssh2",
        f"{H} sshd[24200]: Failed password for root from 1.2.3.4 port 22 ssh2",
        f"{H} sshd[24200]: Failed none for invalid user 0 from 1.2.3.4 port 22 ssh2",
        f"{H} sshd[9]: message repeated 5 times: [ Failed password for root from 5.6.7.8 port 22]",
    ],
    "ssh_invalid_user": [
        f"{H} sshd[1]: Invalid user webmaster from 1.2.3.4",
        f"{H} sshd[1]: input_userauth_request: invalid user pi [preauth]",
    ],
    "ssh_too_many_failures": [
        f"{H} sshd[1]: Disconnecting: Too many authentication failures for root [preauth]"
    ],
    "pam_auth_failure": [
        f"{H} sshd[2]: pam_unix(sshd:auth): authentication failure; logname= "
        "uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root",
        "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; "
        "logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4",
        f"{H} sshd[3]: PAM 2 more authentication failures; logname= uid=0 "
        "euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root",
    ],
    "login_auth_failure": [
        "Jun 15 02:04:59 combo klogind[1]: Kerberos authentication failed",
        f"{H} login[7]: FAILED LOGIN (1) on '/dev/tty1' FOR 'bob'",
    ],
    "ssh_password_login": [f"{H} sshd[4]: Accepted password for deploy from 1.2.3.4 port 51022 ssh2"],
    "ssh_root_login": [
        f"{H} sshd[4]: Accepted publickey for root from 1.2.3.4 port 51022 ssh2: RSA SHA256:x"
    ],
    "console_root_login": [
        "Jul 27 14:41:57 combo -- root[3]: ROOT LOGIN ON tty2",
        "Jul 27 14:41:57 combo login(pam_unix)[2]: session opened for user root by LOGIN(uid=0)",
    ],
    "su_to_root": [
        f"{H} su[5]: pam_unix(su-l:session): session opened for user root by alice(uid=1000)",
        f"{H} su[5]: (to root) alice on pts/0",
    ],
    "su_failure": [
        f"{H} su[5]: FAILED SU (to root) alice on pts/0",
        f"{H} su[5]: pam_unix(su:auth): authentication failure; logname=alice "
        "uid=1000 euid=0 tty=pts/0 ruser=alice rhost=  user=root",
    ],
    "sudo_auth_failure": [
        f"{H} sudo[6]:    alice : 3 incorrect password attempts ; TTY=pts/0 ; "
        "PWD=/home/alice ; USER=root ; COMMAND=/bin/bash"
    ],
    "sudo_denied": [
        f"{H} sudo[6]:      bob : user NOT in sudoers ; TTY=pts/0 ; "
        "PWD=/home/bob ; USER=root ; COMMAND=/bin/cat /etc/shadow",
        f"{H} sudo[6]:      bob : command not allowed ; TTY=pts/0 ; "
        "PWD=/home/bob ; USER=root ; COMMAND=/bin/sh",
    ],
    "sudo_to_root": [
        f"{H} sudo[6]:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; "
        "COMMAND=/bin/systemctl restart nginx",
        f"{H} sudo:   deploy : PWD=/ ; USER=root ; ENV=A=1 ; COMMAND=/bin/ls",
    ],
    "user_created": [
        f"{H} useradd[8]: new user: name=eve, UID=1005, GID=1005, "
        "home=/home/eve, shell=/bin/bash, from=/dev/pts/0"
    ],
    "group_created": [
        f"{H} groupadd[8]: new group: name=eve, GID=1005",
        f"{H} groupadd[8]: group added to /etc/group: name=ops, GID=1010",
    ],
    "user_modified": [
        f"{H} usermod[9]: change user 'eve' shell from '/bin/bash' to '/bin/zsh'",
        f"{H} userdel[9]: delete user 'eve'",
    ],
    "admin_group_added": [
        f"{H} usermod[9]: add 'eve' to group 'wheel'",
        f"{H} gpasswd[9]: user eve added by root to group sudo",
    ],
    "password_changed": [f"{H} passwd[10]: pam_unix(passwd:chauthtok): password changed for eve"],
    "http_auth_failure": [
        '10.0.0.1 - - [26/Nov/2025:12:00:03 +0000] "GET /admin HTTP/1.1" 403 12 "-" "curl/8"',
        "upstream said 401 Unauthorized",
    ],
    "aws_access_denied": [
        "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied"
    ],
    "iam_change_logged": ["level=warn user=deploy action=AttachUserPolicy status=ok"],
    "destructive_action": ["DROP TABLE customers;", "userdel mallory", "rm -rf / --no-preserve-root"],
}
QUIET = [
    f"{H} sshd[4]: Accepted publickey for ec2-user from 1.2.3.4 port 22 ssh2",  # a key login is routine
    f"{H} sshd[4]: Connection closed by 1.2.3.4 [preauth]",
    f"{H} sshd[4]: reverse mapping checking getaddrinfo for x.example "
    "[1.2.3.4] failed - POSSIBLE BREAK-IN ATTEMPT!",
    f"{H} sshd[4]: pam_unix(sshd:session): session opened for user alice by (uid=0)",
    "Jun 14 15:16:01 combo su(pam_unix)[2]: session opened for user news by (uid=0)",
    "GET /healthz 200 3ms",
    "the user interface was redrawn",
]


def test_the_docs_table_is_the_code() -> None:
    text = (ROOT / "docs" / "detections.md").read_text(encoding="utf-8")
    rows = re.findall(
        r"^\| `([a-z0-9_]+)` \| (\w+) \| (\w+) \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$", text, re.M
    )
    documented = {row[0]: tuple(cell.strip() for cell in row[1:]) for row in rows}
    expected = {
        r.id: (
            r.severity,
            r.category,
            r.control or "—",
            f"{r.threshold.count} / {r.threshold.window_s} s per {r.threshold.per}" if r.threshold else "—",
            r.description,
        )
        for r in BUILTIN_RULES
    }
    assert documented == expected


def test_the_docs_cloudtrail_conditions_are_the_code() -> None:
    text = (ROOT / "docs" / "detections.md").read_text(encoding="utf-8")
    table = text[text.index("CloudTrail conditions, exactly") : text.index("## Configured rules")]
    documented = dict(re.findall(r"^\| `([a-z0-9_]+)` \| (.+) \|$", table, re.M))
    words = {"in": "in", "not_in": "not in"}

    def condition(field: Field) -> str:
        if field.op == "missing":
            return f"`{field.path}` absent"
        return f"`{field.path}` {words[field.op]} {', '.join(field.values)}"

    expected = {r.id: "; ".join(map(condition, r.fields)) for r in CLOUDTRAIL_RULES}
    assert documented == expected


def test_every_rule_is_well_formed_and_the_controls_cover_cloudwatch_1_to_14() -> None:
    assert len({r.id for r in BUILTIN_RULES}) == len(BUILTIN_RULES)
    for rule in BUILTIN_RULES:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", rule.id) and rule.severity in SEVERITIES
        assert rule.description and "\n" not in rule.description
        assert rule.pattern is None or check_pattern(rule.pattern) is None
    hub = {m for r in BUILTIN_RULES for m in re.findall(r"CloudWatch\.(\d+)", r.control or "")}
    assert hub == {str(n) for n in range(1, 15)}
    critical = {r.id for r in BUILTIN_RULES if r.severity == "critical"}
    assert {"cis_root_account_usage", "cis_cloudtrail_stopped", "cis_kms_key_disabled_or_deleted"} <= critical
    assert DEFAULT_DETECTOR.rule("cis_console_login_without_mfa").severity == "high"
    assert DEFAULT_DETECTOR.rule("ssh_failed_login").threshold is not None
    assert severity_rank("critical") > severity_rank("high") > severity_rank("medium") > severity_rank("low")


@pytest.mark.parametrize(("rule", "line"), [(r, line) for r, lines in LINES.items() for line in lines])
def test_each_rule_flags_its_lines(rule: str, line: str) -> None:
    assert rule in DEFAULT_DETECTOR.scan([line]).get(0, ())


@pytest.mark.parametrize("line", QUIET)
def test_ordinary_lines_are_not_detections(line: str) -> None:
    assert DEFAULT_DETECTOR.scan([line]) == {}


def test_root_rules_mean_root_acted_and_failures_against_root_are_auth_failures() -> None:
    root = {r.id for r in BUILTIN_RULES if r.category == "root_activity"}
    for line in (
        LINES["ssh_failed_login"] + LINES["su_failure"] + LINES["sudo_denied"] + LINES["pam_auth_failure"]
    ):
        assert not root & set(DEFAULT_DETECTOR.scan([line])[0]), line


@pytest.mark.parametrize("case", RECORDS, ids=[c["name"] for c in RECORDS])
def test_cloudtrail_records_trigger_exactly_their_controls(case: dict[str, Any]) -> None:
    message = orjson.dumps(case["record"]).decode()
    assert list(DEFAULT_DETECTOR.scan([message]).get(0, ())) == sorted(case["expect"])
    spaced = orjson.dumps(case["record"], option=orjson.OPT_INDENT_2).decode()  # whitespace in the JSON
    assert DEFAULT_DETECTOR.scan([spaced]) == DEFAULT_DETECTOR.scan([message])


def test_a_record_that_escapes_its_letters_is_still_checked() -> None:
    escaped = (
        '{"eventVersion":"1.08","eventSource":"cloudtrail.amazonaws.com","eventName":"\\u0053topLogging"}'
    )
    assert DEFAULT_DETECTOR.scan([escaped]) == {0: ("cis_cloudtrail_stopped",)}
    assert DEFAULT_DETECTOR.scan(["not json \\u0053topLogging"]) == {}


def _batch(messages: list[str]) -> str:
    events = [
        {"id": str(i), "timestamp": 1_764_158_400_000 + i, "message": m} for i, m in enumerate(messages)
    ]
    doc = {
        "messageType": "DATA_MESSAGE",
        "owner": "1",
        "logGroup": "/admin/logs",
        "logStream": "s",
        "logEvents": events,
    }
    return base64.b64encode(gzip.compress(orjson.dumps(doc))).decode()


def test_security_events_count_distinct_events_while_rule_counts_overlap() -> None:
    sudo = (
        f"{H} sudo[6]:   deploy : TTY=pts/1 ; PWD=/home/deploy ; USER=root ; "
        "COMMAND=/usr/sbin/usermod -aG wheel bob"
    )
    messages = [sudo, LINES["ssh_failed_login"][0], "INFO nothing to see", QUIET[0]]
    for batch in (messages, [sudo]):  # the column path and the one-event path
        (partial,) = process_data(_batch(batch))
        (window,) = partial["windows"]["/admin/logs"].values()
        counts = {rule: entry["count"] for rule, entry in window["security"].items()}
        assert counts["sudo_to_root"] == counts["user_modified"] == counts["admin_group_added"] == 1
        assert window["security_events"] == (2 if len(batch) > 1 else 1) < sum(counts.values())


def test_a_parsed_401_or_403_status_is_an_http_auth_failure_and_a_root_principal_alone_is_nothing() -> None:
    messages = ['{"level":"info","status":403,"user":"bob"}', '{"level":"info","status":200,"user":"root"}']
    (partial,) = process_data(_batch(messages))
    (window,) = partial["windows"]["/admin/logs"].values()
    assert {rule: e["count"] for rule, e in window["security"].items()} == {"http_auth_failure": 1}


ALL_LINES = (
    [line for lines in LINES.values() for line in lines]
    + QUIET
    + [orjson.dumps(c["record"]).decode() for c in RECORDS]
)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(ALL_LINES) | st.text(max_size=30), max_size=30))
def test_scanning_a_batch_equals_scanning_each_message(batch: list[str]) -> None:
    expected = {i: found[0] for i, m in enumerate(batch) if (found := DEFAULT_DETECTOR.scan([m]))}
    assert DEFAULT_DETECTOR.scan(batch) == expected


def test_source_addresses_for_thresholds() -> None:
    assert source_of(LINES["ssh_failed_login"][0]) == "1.2.3.4"
    assert source_of(LINES["pam_auth_failure"][1]) == "218.188.2.4"
    assert source_of(orjson.dumps(RECORDS[2]["record"]).decode()) == "203.0.113.5"
    assert source_of(LINES["http_auth_failure"][0]) == "10.0.0.1"
    assert source_of("no address here") is None
