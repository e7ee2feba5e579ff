"""Does a name (a principal, an action, a status) look like a secret rather than an identity?

People type passwords into username prompts; sshd then logs them as "invalid user <password>".
Account names, e-mail addresses, IAM ARNs and API action names have a recognisable alphabet and
shape; a value is treated as a secret when it breaks them:

1. a character no account name, e-mail, ARN or action uses: ``! # % ^ & * ~ ' " < > [ ] { } | ; ```;
2. ``@`` that does not form an e-mail address (``p@ss``), or ``$`` anywhere but at the end
   (Windows machine accounts end with ``$``; ``pa$$word`` does not);
3. a part (split at ``: / \\ @``) of at least 8 characters that, once a trailing number and
   lower-case hex ids (8 or more characters, as AWS SSO role names end) are set aside, mixes upper
   case, lower case and digits, with a digit next to a lower-case letter
   (``Xk9mPq2z`` and ``P4ssw0rd`` do; ``AdminUser2``, ``Summer2024``, ``PlcmSpIp`` and
   ``AWSServiceRoleForEC2Spot`` do not);
4. a part of at least 32 characters of letters and digits only (``+/=`` allowed), with both:
   a token, hex or base64, not a name.

Terminal escape sequences and control characters are set aside before judging (a hostile name is
shown escaped by the renderers, not hidden). Names with whitespace are not judged whole (they
are sentences; the text redactor handles them).
"""

from __future__ import annotations

import re

NOT_IN_NAMES = frozenset("!#%^&*~'\"<>[]{}|;`")
_EMAIL = re.compile(r"[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}")
_CONTROLS = re.compile(r"\x1b[\[\]][0-9;?]{0,32}[A-Za-z]?|[\x00-\x1f\x7f]")
_SPACE = re.compile(r"\s")
_PARTS = re.compile(r"[:/\\@]")
_TRAILING_DIGITS = re.compile(r"\d+$")
_HEX_ID = re.compile(r"[0-9a-f]{8,}")
_LOWER_BY_DIGIT = re.compile(r"[a-z][0-9]|[0-9][a-z]")
_TOKEN = re.compile(r"(?=[A-Za-z+/=]*[0-9])(?=[0-9+/=]*[A-Za-z])[A-Za-z0-9+/=]{32,}")


# Names of these characters break none of the rules, so most names are judged by one or two
# C-level matches: no character of rule 1, no `@` or `$` (rule 2); rule 3 needs upper case and a
# digit; rule 4 a digit, and a part (between `:` and `/`) of 32 or more letters and digits only.
_LOWER_NAME = re.compile(r"[a-z0-9._:/-]*")  # no upper case: rule 3 never holds ...
_LOWER_TOKEN = re.compile(r"[a-z0-9]{32}")  # ... nor rule 4 without 32 letters and digits in a row
_LETTER_NAME = re.compile(r"[A-Za-z._-]*")  # no digit: rules 3 and 4 never hold


def looks_like_secret(name: str) -> bool:
    """True when `name` breaks the shapes of identities (module docstring, rules 1-4)."""
    if _LETTER_NAME.fullmatch(name) or (_LOWER_NAME.fullmatch(name) and not _LOWER_TOKEN.search(name)):
        return False  # (the plain reading below says the same: test_secret_names_fast.py)
    return _judged(name)


def _judged(name: str) -> bool:
    """`looks_like_secret` by the rules one by one."""
    if not name.isprintable():
        name = _CONTROLS.sub("", name)
    if len(name) < 4 or _SPACE.search(name):
        return False
    if not NOT_IN_NAMES.isdisjoint(name):
        return True
    if "@" in name and not _EMAIL.fullmatch(name.rsplit("/", 1)[-1].rsplit(":", 1)[-1]):
        return True
    if "$" in name[:-1]:
        return True
    return any(_random_part(part) for part in _PARTS.split(name))


def _random_part(part: str) -> bool:
    if len(part) >= 32 and _TOKEN.fullmatch(part):
        return True
    if len(part) < 8:
        return False
    head = _HEX_ID.sub("", _TRAILING_DIGITS.sub("", part))
    return _LOWER_BY_DIGIT.search(head) is not None and head.lower() != head
