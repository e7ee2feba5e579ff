"""Built-in Linux authentication rules: sshd, PAM, su, sudo, login, account and password changes.

Patterns follow the lines OpenSSH, Linux-PAM, sudo, shadow-utils and util-linux write to syslog
(checked against the loghub Linux and OpenSSH samples, tests/integration/alerts/test_alerts_loghub.py).
A failed login *as* root is an authentication failure; only what root actually did (an accepted
root login, a root session from su/login, sudo running a command as root) is `root_activity`.
"""

from __future__ import annotations

from .rules import Rule, Threshold

_PID = r"(?:\[\d+\])?"
_METHOD = r"(?:password|none|publickey|keyboard-interactive(?:/pam)?|hostbased|gssapi-with-mic)"
_PER_SOURCE = Threshold(count=10, window_s=300, per="source")
_PER_PRINCIPAL = Threshold(count=5, window_s=300, per="principal")

LINUX_RULES: tuple[Rule, ...] = (
    Rule(
        "ssh_failed_login",
        "low",
        "sshd rejected a login attempt (password, key, none or keyboard-interactive)",
        "auth_failure",
        threshold=_PER_SOURCE,
        pattern=rf"\bFailed {_METHOD} for |message repeated \d+ times: \[ Failed {_METHOD} for ",
    ),
    Rule(
        "ssh_invalid_user",
        "low",
        "sshd was asked for an account that does not exist",
        "auth_failure",
        threshold=_PER_SOURCE,
        pattern=r"(?:^|: )(?:[Ii]nvalid|Illegal) user |\binput_userauth_request: invalid user ",
    ),
    Rule(
        "ssh_too_many_failures",
        "medium",
        "sshd cut a connection after too many failed authentications",
        "auth_failure",
        threshold=_PER_SOURCE,
        pattern=r"\bDisconnecting: Too many authentication failures\b"
        r"|\berror: maximum authentication attempts exceeded for ",
    ),
    Rule(
        "pam_auth_failure",
        "low",
        "PAM reported an authentication failure (sshd, login, su, sudo, display managers)",
        "auth_failure",
        threshold=_PER_SOURCE,
        pattern=r"\(pam_unix\)\[\d+\]: authentication failure|pam_unix\([\w-]+:auth\): authentication failure"
        r"|: PAM \d+ more authentication failures?;",
    ),
    Rule(
        "login_auth_failure",
        "low",
        "console, Kerberos or display-manager login failed",
        "auth_failure",
        threshold=_PER_SOURCE,
        pattern=r"\bKerberos authentication failed|\bklogind\[\d+\]: Authentication failed from "
        rf"|\bFAILED LOGIN \(?\d|Couldn't authenticate user|\blogin{_PID}: FAILED LOGIN",
    ),
    Rule(
        "ssh_password_login",
        "low",
        "sshd accepted a password login (key logins are routine; after failures, a guess that worked)",
        "login",
        pattern=r"\bAccepted (?:password|keyboard-interactive(?:/pam)?) for \S+ from ",
    ),
    Rule(
        "ssh_root_login",
        "high",
        "sshd accepted a login as root",
        "root_activity",
        pattern=rf"\bAccepted {_METHOD} for root from ",
    ),
    Rule(
        "console_root_login",
        "high",
        "root logged in on a console (login, ROOT LOGIN)",
        "root_activity",
        pattern=r"\bROOT LOGIN ON \S|\blogin\(pam_unix\)\[\d+\]: session opened for user root\b"
        r"|pam_unix\(login:session\): session opened for user root\b",
    ),
    Rule(
        "su_to_root",
        "medium",
        "su opened a root session",
        "root_activity",
        pattern=r"\bsu\(pam_unix\)\[\d+\]: session opened for user root\b"
        rf"|pam_unix\(su(?:-l)?:session\): session opened for user root\b|\bsu{_PID}: \(to root\) ",
    ),
    Rule(
        "su_failure",
        "medium",
        "su was refused (wrong password or not permitted)",
        "auth_failure",
        threshold=_PER_PRINCIPAL,
        pattern=rf"\bsu{_PID}: (?:FAILED SU|pam_authenticate: Authentication failure|BAD SU)"
        r"|pam_unix\(su(?:-l)?:auth\): authentication failure"
        r"|\bsu\(pam_unix\)\[\d+\]: authentication failure",
    ),
    Rule(
        "sudo_auth_failure",
        "medium",
        "sudo rejected the password",
        "auth_failure",
        threshold=_PER_PRINCIPAL,
        pattern=rf"\bsudo{_PID}: +\S+ : \d+ incorrect password attempts?"
        r"|pam_unix\(sudo(?:-i)?:auth\): authentication failure",
    ),
    Rule(
        "sudo_denied",
        "high",
        "sudo refused a command (user not in sudoers, command not allowed)",
        "privilege_change",
        pattern=rf"\bsudo{_PID}: +\S+ : (?:user NOT in sudoers|user NOT authorized on host"
        r"|command not allowed|[^;]*not allowed to (?:run sudo|execute))",
    ),
    Rule(
        "sudo_to_root",
        "medium",
        "sudo ran a command as root",
        "root_activity",
        pattern=rf"\bsudo{_PID}: +\S+ : (?:(?:TTY|PWD)=[^;]* ; )*USER=root ; "
        r"(?:[A-Z]+=[^;]* ; )*COMMAND=",
    ),
    Rule(
        "user_created",
        "medium",
        "a local user account was created",
        "account_change",
        pattern=rf"\buseradd{_PID}: new user: |\badduser{_PID}: (?:Adding|adding) user ",
    ),
    Rule(
        "group_created",
        "medium",
        "a local group was created",
        "account_change",
        pattern=rf"\bgroupadd{_PID}: (?:new group: |group added to )"
        rf"|\baddgroup{_PID}: (?:Adding|adding) group ",
    ),
    Rule(
        "user_modified",
        "medium",
        "a local user or group was changed or deleted (usermod, userdel, groupmod, gpasswd, ...)",
        "account_change",
        pattern=r"\b(?:usermod|userdel|groupmod|groupdel|gpasswd|chage|deluser|delgroup)"
        r"(?:\[\d+\])?(?:: | -)",
    ),
    Rule(
        "admin_group_added",
        "high",
        "a user was added to an administrative group (wheel, sudo, admin, root)",
        "privilege_change",
        pattern=r"\b(?:usermod|gpasswd|useradd)(?:\[\d+\])?: (?:add '[^']+' to (?:shadow )?group "
        r"'(?:wheel|sudo|admin|root)'|user \S+ added by \S+ to group (?:wheel|sudo|admin|root)\b)"
        r"|\busermod -a?G ?(?:wheel|sudo|admin|root)\b",
    ),
    Rule(
        "password_changed",
        "medium",
        "a local account's password was changed",
        "account_change",
        pattern=r"pam_unix\([\w-]+:chauthtok\): password changed for "
        rf"|\bpasswd{_PID}: password for \S+ changed by |\bchpasswd{_PID}: password for ",
    ),
)
