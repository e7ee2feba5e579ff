"""Passwords given on command lines, as sudo's `COMMAND=` lines and shell histories carry them.

Each shape names the option that takes a secret; group 1 (the command and option) is kept and
group 2 (the secret) is masked. Our own list: neither gitleaks nor detect-secrets has command-line
rules beyond curl. Every gap between a command and its option is bounded (`{0,300}`) and stops
at a shell separator, so each pattern is linear in the text. Patterns start with a literal (no
leading `\b` or lookbehind), so the regex engine skips to candidate positions in C. Every shape
but two (`vault`, `chpasswd`) needs an option (`-x`, `--x`) at the start or after whitespace, so
most lines skip them all at once (redact._commands).
"""

from __future__ import annotations

from dataclasses import dataclass

_ARGS = r"(?:[^\n;|&]{0,300}?\s)?"  # more of the same shell command before the option (bounded)
# An argument: from a quoted or bare start to the next whitespace, so `''0` or `'a b'c` is one
# secret (as the shell reads it) and masking it twice gives what masking it once gave.
_VALUE = r"('[^']*'\S*|\"[^\"]*\"\S*|[^\s'\"]\S*)"


@dataclass(frozen=True, slots=True)
class CommandShape:
    """A command-line option that takes a secret: id, gating substrings, regex (prefix, secret)."""

    id: str
    triggers: tuple[str, ...]
    pattern: str


COMMAND_SHAPES: tuple[CommandShape, ...] = (
    CommandShape("mysql-p", ("mysql", "mariadb"), rf"((?:mysql|mariadb)[\w-]{{0,20}}\s{_ARGS}-p){_VALUE}"),
    CommandShape(
        "password-option",
        ("pass ", "passwd ", "password ", "passphrase ", "secret ", "token ", "key "),
        r"(-(?<!\S-)-?[\w-]{0,40}?(?:password|passwd|passphrase|pass|secret|token|api-?key) +)"
        r"([^\s'\"-]\S*|'[^']*'\S*|\"[^\"]*\"\S*)",
    ),
    CommandShape("sshpass-p", ("sshpass",), rf"(sshpass\s{_ARGS}-p\s*){_VALUE}"),
    CommandShape("mongo-p", ("mongo",), rf"(mongo(?:sh|dump|restore|import|export)?\s{_ARGS}-p\s*){_VALUE}"),
    CommandShape("curl-user", ("curl",), rf"(curl\s{_ARGS}(?:-u|--user)[= ]?\s*['\"]?[^\s:'\"]+:){_VALUE}"),
    CommandShape("redis-cli-a", ("redis-cli",), rf"(redis-cli\s{_ARGS}-a\s+){_VALUE}"),
    CommandShape("ldap-w", ("ldap",), rf"(ldap\w{{0,20}}\s{_ARGS}-w\s+){_VALUE}"),
    CommandShape(
        "registry-login-p",
        ("docker", "podman", "buildah", "helm", "oras"),
        rf"((?:docker|podman|buildah|helm registry|oras)\s+login\s{_ARGS}-p\s+){_VALUE}",
    ),
    CommandShape("useradd-p", ("useradd", "usermod"), rf"(user(?:add|mod)\s{_ARGS}-p\s+){_VALUE}"),
    CommandShape("ssh-keygen-passphrase", ("ssh-keygen",), rf"(ssh-keygen\s{_ARGS}-[NP]\s*){_VALUE}"),
    CommandShape("zip-password", ("zip",), rf"(zip\s{_ARGS}-P\s*){_VALUE}"),
    CommandShape("7z-password", ("7z",), rf"(7za?\s{_ARGS}-p){_VALUE}"),
    CommandShape("openssl-pass", ("pass:",), rf"(\s-pass(?:in|out)?\s+pass:){_VALUE}"),
    CommandShape("smb-user-password", ("-U",), r"(\s-U\s*['\"]?[^\s%'\"]{1,100}%)([^\s'\"]+)"),
    CommandShape("vault-login", ("vault",), r"(vault\s+login\s+)([^\s'\"-][^\s'\"]*)"),
    CommandShape(
        "chpasswd-echo",
        ("chpasswd",),
        r"(echo\s+['\"]?[\w.-]{1,64}:)([^\s'\"]+)(?=['\"]?\s*\|[^\n|]{0,40}chpasswd)",
    ),
    CommandShape("sudo-S-echo", ("-S",), r"(echo\s+)([^\s|]+)(?=\s*\|\s*sudo\s+(?:-\w+\s+)?-S)"),
)


def htpasswd_secret(flags: str, args: list[str]) -> int | None:
    """The position in `args` of the password of `htpasswd -b`: second with `-n` (no file), else third."""
    if "b" not in flags:
        return None
    position = 1 if "n" in flags else 2
    return position if len(args) > position else None


# An argument never starts at `[`: a mask already there ("[REDACTED PRIVATE KEY]") is not re-read
# as user and password words, so masking twice gives what masking once gave.
HTPASSWD = r"htpasswd((?:[ \t]+-[a-zA-Z]+){1,4})((?:[ \t]+[^\s;|&\[][^\s;|&]*){2,3})"
