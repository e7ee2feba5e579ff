"""Redaction of every covered secret shape (tests/support/planted_secrets.py), and none of
ordinary log text."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from stream_processor.parse import parse_message
from stream_processor.redact import DEFAULT_REDACTOR, MASK
from stream_processor.redact.secret_names import looks_like_secret
from stream_processor.redact.secret_shapes import TOKEN_SHAPES
from tests.support.planted_secrets import plant

WINDOW = 10  # no 10-character piece of a planted secret may survive
LOGHUB = Path(__file__).resolve().parents[4] / ".." / "shared" / "corpus" / "logs" / "loghub"
SHAPES = [planted.shape for planted in plant(0)]


def leaked(text: str, secrets: tuple[str, ...]) -> list[str]:
    return [
        s[i : i + WINDOW] for s in secrets for i in range(len(s) - WINDOW + 1) if s[i : i + WINDOW] in text
    ]


def test_at_least_thirty_shapes_are_planted() -> None:
    assert len(SHAPES) >= 30
    assert len(set(SHAPES)) == len(SHAPES)


@pytest.mark.parametrize("index", range(len(SHAPES)), ids=SHAPES)
def test_each_planted_shape_is_masked(index: int) -> None:
    for seed in range(40):
        planted = plant(seed)[index]
        redacted = DEFAULT_REDACTOR(planted.message)
        assert leaked(redacted, planted.secrets) == [], (seed, redacted)
        assert "[REDACTED" in redacted


@pytest.mark.parametrize("shape", TOKEN_SHAPES, ids=[shape.id for shape in TOKEN_SHAPES])
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_every_token_shape_masks_what_its_own_regex_generates(shape: object, data: st.DataObject) -> None:
    from stream_processor.redact.secret_shapes import Shape

    assert isinstance(shape, Shape)
    token = data.draw(st.from_regex(shape.pattern, fullmatch=True))
    before = data.draw(st.sampled_from(["", "token ", "key=", '"', "(", "url /"]))
    after = data.draw(st.sampled_from(["", " ok", '"', ")", ";", "\n"]))
    redacted = DEFAULT_REDACTOR(f"ERROR {before}{token}{after}")
    assert leaked(redacted, (token,)) == [], redacted


ORDINARY = [
    "sudo: bob : TTY=pts/0 ; PWD=/home/bob/projects ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx",
    "sudo: bob : TTY=pts/0 ; PWD=/var/www ; USER=root ; COMMAND=/usr/bin/mysql -u root -p billing",
    "COMMAND=/bin/tar -xzf /tmp/backup-2025-11-26.tar.gz -C /srv",
    "ssh -p 2222 deploy@10.0.0.4; mkdir -p /var/lib/app; git log -p --stat",
    "docker ps -a --filter status=exited; ps -U root -o pid,cmd",
    "curl -s https://api.example.com/v1/health -H 'Accept: application/json'",
    "Accepted publickey for ec2-user from 10.0.0.1 port 50022 ssh2: RSA SHA256:abc",
    "Failed password for invalid user admin from 203.0.113.9 port 22 ssh2",
    "Invalid user PlcmSpIp from 203.0.113.9",
    "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=10.0.0.9 user=b",
    "GET /api/v1/orders/42?page=2 200 12ms user=alice action=ListOrders",
    '{"level":"info","user":"arn:aws:iam::123456789012:user/deploy-bot","action":"AssumeRole"}',
    "connected to https://db.internal:5432/app as app_user",
    "skipping key rotation: disabled; passing tests: 42; tokenizer ready",
    "WARNING: disk /var/lib/docker is 91% full on ip-10-0-0-1",
    "[INFO] cookie consent banner shown to 10.1.2.3",
]


@pytest.mark.parametrize("line", ORDINARY)
def test_ordinary_text_is_not_redacted(line: str) -> None:
    assert DEFAULT_REDACTOR(line) == line


@pytest.mark.parametrize(
    "name",
    [
        "root", "admin", "ec2-user", "www-data", "svc_backup01", "PlcmSpIp", "AdminUser2", "Summer2024",
        "john.smith@example.com", "DESKTOP-7Q1\\alice", "HOST01$", "AIDAJ45Q7YFFAREXAMPLE",
        "arn:aws:iam::123456789012:user/alice", "AWSServiceRoleForEC2Spot",
        "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_0a1b2c3d4e5f6a7b/bob@example.com",
        "GetObject", "s3:PutObject", "ConsoleLogin", "AccessDenied", "Client.UnauthorizedOperation", "200",
    ],
)  # fmt: skip
def test_identities_do_not_look_like_secrets(name: str) -> None:
    assert not looks_like_secret(name)
    assert DEFAULT_REDACTOR.name(name) == name


@pytest.mark.parametrize(
    "name",
    ["P@ssw0rd", "hunter2!x", "Xk9mPq2zLw", "pa$$word", "Tr0ub4dor&3", "0123456789abcdef0123456789abcdef"],
)
def test_secret_looking_names_are_masked_whole(name: str) -> None:
    assert looks_like_secret(name)
    assert DEFAULT_REDACTOR.name(name) == MASK


def _loghub(name: str) -> list[str]:
    path = LOGHUB / name
    if not path.exists():
        pytest.skip(f"corpus file {name} absent")
    return path.read_text(errors="replace").splitlines()


@pytest.mark.parametrize("name", ["OpenSSH_2k.log", "Linux_2k.log", "Apache_2k.log"])
def test_real_auth_and_access_logs_are_left_alone(name: str) -> None:
    """Public sshd, PAM, sudo and Apache lines hold no secrets: nothing in them is masked."""
    lines = _loghub(name)
    assert [line for line in lines if DEFAULT_REDACTOR(line) != line] == []
    for line in lines:
        parsed = parse_message(line)
        names = [v for v in (parsed.principal, parsed.action, parsed.status) if v is not None]
        assert [v for v in names if DEFAULT_REDACTOR.name(v) != v] == [], line


FRAGMENTS = st.sampled_from(
    [" ", "=", ":", '"', "'", "\\n", "\n", "-p", "--password ", "password=", "user=", "invalid user ",
     "Cookie: ", "Authorization: Bearer ", "https://u:", "@", "ghp_", "xoxb-", "AKIA", "SG.", "sk_live_",
     "-----BEGIN RSA PRIVATE KEY-----", "-----END RSA PRIVATE KEY-----", "mysql ", "htpasswd -b ", " -S",
     "FwoGZXIvYXdz", "eyJ", MASK, "[REDACTED PRIVATE KEY]", "P@ss!", "0123456789", "abcdefghij", "ABCDEFGHIJ"]
)  # fmt: skip
TEXTS = st.lists(st.one_of(FRAGMENTS, st.text(max_size=12)), max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
@example("--password ''0")  # found by hypothesis: the quoted start and the bare rest are one word
@example("password=htpasswd -b htpasswd -b -----BEGIN RSA PRIVATE KEY-----")  # a mask read as words
def test_redaction_is_total_and_idempotent(text: str) -> None:
    once = DEFAULT_REDACTOR(text)
    assert DEFAULT_REDACTOR(once) == once
    named = DEFAULT_REDACTOR.name(text)
    assert DEFAULT_REDACTOR.name(named) == named


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("--password ''0 --verbose", "--password [REDACTED] --verbose"),
        ("mysql -u root -p'a b'c d", "mysql -u root -p[REDACTED] d"),
        ('sshpass -p "x"yz ssh host', "sshpass -p [REDACTED] ssh host"),
    ],
)
def test_a_secret_is_the_whole_shell_word_quoted_parts_and_all(line: str, kept: str) -> None:
    assert DEFAULT_REDACTOR(line) == kept
