"""Freshly generated secrets of every shape the redactor covers, planted in realistic log lines.

`plant(seed)` returns one `Planted` per shape: the log message and the secret pieces that must not
leave the archive. Tokens are generated here (seeded), so no secret-looking literal sits in the
source. Lines are ones that the pipeline keeps: ERROR lines (signatures and samples), sshd and
sudo lines (security samples, principals), JSON records (principals, actions).
"""

from __future__ import annotations

import base64
import random
import string
from dataclasses import dataclass

HOST = "Nov 26 12:00:01 ip-10-0-0-1"
ALNUM = string.ascii_letters + string.digits
LOWER_ALNUM = string.ascii_lowercase + string.digits
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"
_PUNCT = "!#%^*_-+.~"


@dataclass(frozen=True)
class Planted:
    shape: str
    message: str
    secrets: tuple[str, ...]


class _Gen:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def of(self, alphabet: str, length: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(length))

    def password(self) -> str:
        """What a person types: upper, lower, digits and punctuation, 12 to 18 characters."""
        middle = self.of(ALNUM + _PUNCT, 8 + self.rng.randrange(6))
        return self.of(string.ascii_uppercase, 1) + self.of(string.ascii_lowercase, 1) + middle + "7x"

    def key_block(self, kind: str) -> tuple[str, tuple[str, ...]]:
        lines = (*(self.of(B64, 64) for _ in range(4)), self.of(B64, 30) + "==")
        return f"-----BEGIN {kind}-----\n" + "\n".join(lines) + f"\n-----END {kind}-----", lines


def plant(seed: int) -> list[Planted]:
    """One planted secret per covered shape (at least 30), generated from `seed`."""
    g = _Gen(seed)
    found: list[Planted] = []

    def add(shape: str, message: str, *secrets: str) -> None:
        assert all(secret in message for secret in secrets), shape
        found.append(Planted(shape, message, secrets))

    for kind in ("PGP PRIVATE KEY BLOCK", "OPENSSH PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "EC PRIVATE KEY"):
        block, lines = g.key_block(kind)
        add(f"key:{kind}", f"ERROR could not load key\n{block}\nwhile starting", *lines)
    block, lines = g.key_block("DSA PRIVATE KEY")
    add("key:DSA escaped", '{"level":"error","msg":"bad key ' + block.replace("\n", "\\n") + '"}', *lines)
    sudo = f"{HOST} sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND="
    p = [g.password() for _ in range(12)]
    add("mysql -p", f"{sudo}/usr/bin/mysql -u root -p{p[0]} billing", p[0])
    add("mysqldump --password=", f"{sudo}/usr/bin/mysqldump --password={p[1]} --all-databases", p[1])
    add("--password SECRET", f"{sudo}/usr/local/bin/backup --db-password {p[2]} --verbose", p[2])
    add("htpasswd -b", f"{sudo}/usr/bin/htpasswd -b /etc/nginx/.htpasswd bob {p[3]}", p[3])
    add("htpasswd -nbB", f"{sudo}/usr/bin/htpasswd -nbB carol {p[4]}", p[4])
    add("sshpass -p", f"{sudo}/usr/bin/sshpass -p {p[5]} ssh deploy@10.0.0.9", p[5])
    add("PGPASSWORD=", f"{sudo}/usr/bin/env PGPASSWORD={p[6]} psql -h db -U app", p[6])
    add("curl -u", f"{sudo}/usr/bin/curl -s -u admin:{p[7]} https://grafana.internal/api", p[7])
    add("redis-cli -a", f"{sudo}/usr/bin/redis-cli -h cache -a {p[8]} FLUSHALL", p[8])
    for prefix in ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"):
        token = prefix + g.of(ALNUM, 36)
        add(prefix, f"ERROR git push rejected, token {token} lacks scope", token)
    token = "github_pat_" + g.of(ALNUM + "_", 82)
    add("github_pat_", f"ERROR fine-grained token {token} expired", token)
    token = "glpat-" + g.of(URLSAFE, 20)
    add("glpat-", f"ERROR gitlab api 401 with PRIVATE-TOKEN {token}", token)
    token = f"xoxb-{g.of(string.digits, 12)}-{g.of(string.digits, 13)}-{g.of(ALNUM, 24)}"
    add("xoxb-", f"ERROR slack post failed ({token})", token)
    token = (
        f"xoxp-{g.of(string.digits, 11)}-{g.of(string.digits, 11)}-{g.of(string.digits, 12)}-{g.of(HEX, 32)}"
    )
    add("xoxp-", f"ERROR slack user token {token} revoked", token)
    for kind in "ars":
        token = f"xox{kind}-{g.of(string.digits, 10)}-{g.of(ALNUM, 20)}"
        add(f"xox{kind}-", f"ERROR legacy slack token {token} rejected", token)
    hook = f"hooks.slack.com/services/T{g.of(ALNUM, 10)}/B{g.of(ALNUM, 10)}/{g.of(ALNUM, 24)}"
    add("slack webhook", f"ERROR POST https://{hook} returned 404", hook[16:])
    for prefix in ("sk_live_", "rk_live_", "sk_test_"):
        token = prefix + g.of(ALNUM, 24)
        add(prefix, f"ERROR stripe charge failed: api_key {token} invalid", token)
    token = "AIza" + g.of(URLSAFE, 35)
    add("AIza", f"ERROR maps geocode 403 for {token}", token)
    token = "npm_" + g.of(ALNUM, 36)
    add("npm_", f"ERROR npm publish: //registry.npmjs.org/:_authToken {token}", token)
    token = f"SG.{g.of(URLSAFE, 22)}.{g.of(URLSAFE, 43)}"
    add("SG.", f"ERROR sendgrid send failed with {token}", token)
    token = "SK" + g.of(HEX, 32)
    add("twilio SK", f"ERROR twilio api key {token} disabled", token)
    sid, auth = "AC" + g.of(HEX, 32), g.of(HEX, 32)
    add("twilio AC:token", f"ERROR twilio call failed for {sid}:{auth}", sid, auth)
    value = g.of(URLSAFE, 40)
    add("Cookie:", f'ERROR 500 for GET /cart headers={{"Cookie": "session={value}; theme=dark"}}', value)
    value = g.of(URLSAFE, 40)
    add("Set-Cookie:", f"ERROR upstream replied Set-Cookie: sid={value}; Path=/; HttpOnly", value)
    session = "FwoGZXIvYXdzE" + g.of(B64, 300)
    add("aws_session_token=", f"ERROR sts refresh: aws_session_token={session} expired", session)
    session = "IQoJb3JpZ2luX2VjE" + g.of(B64, 300)
    add("X-Amz-Security-Token", f"ERROR GET /x?X-Amz-Security-Token={session}&X-Amz-Date=1 403", session)
    session = "IQoJb3JpZ2luX2VjE" + g.of(B64, 300)
    add("bare session token v2", f"ERROR cached credentials {session} rejected", session[2:])
    session = "FwoGZXIvYXdzE" + g.of(B64, 200)
    add("bare session token", f"ERROR cached credentials {session} rejected", session)
    key_id = "AKIA" + g.of(string.ascii_uppercase + "234567", 16)
    add("key_AKIA", f"ERROR loaded backup_key_{key_id} from env", key_id)
    password = g.password()[:6] + "@" + g.password()
    add(
        "URL password with @",
        f"ERROR clone of https://deploy:{password}@git.example.com/x.git failed",
        password,
    )
    typed = g.password()
    add(
        "invalid user",
        f"{HOST} sshd[4242]: Failed password for invalid user {typed} from 203.0.113.9 port 50022 ssh2",
        typed,
    )
    typed = g.password()
    add("Invalid user", f"{HOST} sshd[4243]: Invalid user {typed} from 203.0.113.9 port 50023", typed)
    typed = g.password()
    add("json user", f'{{"level":"error","user":"{typed}","action":"ConsoleLogin","msg":"failed"}}', typed)
    basic = base64.b64encode(f"svc:{p[9]}".encode()).decode()
    add("Authorization Basic", f"ERROR 401 with Authorization: Basic {basic}", basic)
    return found
