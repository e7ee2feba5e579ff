"""Token shapes that are a secret by themselves (no key name needed), kept as data.

Source: the gitleaks rule list, `config/gitleaks.toml` at commit b58d3f102cf3 (v8.30.0-27),
MIT License, Copyright (c) 2019 Zachary Rice, https://github.com/gitleaks/gitleaks. Only the
regexes of the rules named here are taken (the rule id is gitleaks' id), adapted to Python's
`re`: inline `(?i)` groups are written as explicit character classes, and the trailing context
group is dropped, since redaction masks a token wherever it ends; one vendor's rules that differ
only in their prefix share one id here (digitalocean, planetscale, shopify, anthropic). Shapes
marked `detect-secrets` come from Yelp's detect-secrets 1.5 plugins (Apache-2.0); shapes marked
`logreview` are ours, for forms the two lists do not have (AWS session tokens, `X-Amz-Signature`,
Slack tokens of any kind; the `:auth-token` after a Twilio account SID). Of an `IQoJb3JpZ2luX2Vj…`
session token the two characters before the prefix are left (the same in every such token).

Every pattern is linear: literals, character classes and bounded or single quantifiers, never a
quantified group that contains a quantifier (checked by
tests/unit/stream_processor/redact/test_redact_patterns.py).
Each shape is literal prefixes and a body, so redact.py can join all shapes into one regex that
branches on the first character (the regex engine then skips every other position at C speed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

GITLEAKS = "gitleaks b58d3f102cf3 (MIT)"
DETECT_SECRETS = "detect-secrets 1.5 (Apache-2.0)"
OURS = "logreview"


@dataclass(frozen=True, slots=True)
class Shape:
    """One token shape: a stable id, its literal prefixes, the regex after them, and its source."""

    id: str
    prefixes: tuple[str, ...]
    body: str
    source: str = GITLEAKS

    @property
    def pattern(self) -> str:
        """The whole regex: one of the literal prefixes, then the body."""
        return f"(?:{'|'.join(re.escape(prefix) for prefix in self.prefixes)}){self.body}"


TOKEN_SHAPES: tuple[Shape, ...] = (
    # GitHub
    Shape("github-pat", ("ghp_",), r"[0-9a-zA-Z]{36}"),
    Shape("github-oauth", ("gho_",), r"[0-9a-zA-Z]{36}"),
    Shape("github-app-token", ("ghu_", "ghs_"), r"[0-9a-zA-Z]{36}"),
    Shape("github-refresh-token", ("ghr_",), r"[0-9a-zA-Z]{36}"),
    Shape("github-fine-grained-pat", ("github_pat_",), r"\w{82}"),
    # GitLab (the classic and the routable form in one pattern)
    Shape("gitlab-pat", ("glpat-",), r"[0-9a-zA-Z_-]{20,300}(?:\.[0-9a-z]{9})?"),
    # Slack (ours first: the alternation takes the first shape that matches, and ours is the widest)
    Shape(
        "slack-token-any",
        ("xoxa-", "xoxb-", "xoxe-", "xoxo-", "xoxp-", "xoxr-", "xoxs-"),
        r"[0-9A-Za-z-]{10,250}",
        OURS,
    ),
    Shape("slack-bot-token", ("xoxb-",), r"[0-9]{10,13}-[0-9]{10,13}[a-zA-Z0-9-]*"),
    Shape("slack-legacy-bot-token", ("xoxb-",), r"[0-9]{8,14}-[a-zA-Z0-9]{18,26}"),
    Shape("slack-user-token", ("xoxp", "xoxe"), r"(?:-[0-9]{10,13}){3}-[a-zA-Z0-9-]{28,34}"),
    Shape("slack-legacy-workspace-token", ("xoxa-", "xoxr-"), r"(?:\d-)?[0-9a-zA-Z]{8,48}"),
    Shape("slack-legacy-token", ("xoxo-", "xoxs-"), r"\d+-\d+-\d+-[a-fA-F\d]+"),
    Shape("slack-app-token", ("xapp-",), r"\d-[A-Za-z0-9]+-\d+-[A-Za-z0-9]+"),
    Shape("slack-config-refresh-token", ("xoxe-",), r"\d-[A-Za-z0-9]{146}"),
    Shape(
        "slack-webhook-url", ("hooks.slack.com/",), r"(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56}"
    ),
    # Stripe, Google, npm, SendGrid, Twilio
    Shape("stripe-access-token", ("sk_", "rk_"), r"(?:test|live|prod)_[a-zA-Z0-9]{10,99}"),
    Shape("gcp-api-key", ("AIza",), r"[\w-]{35}"),
    Shape("npm-access-token", ("npm_",), r"[a-zA-Z0-9]{36}"),
    Shape("sendgrid-api-token", ("SG.",), r"[a-zA-Z0-9=_.-]{66}"),
    Shape("twilio-api-key", ("SK",), r"[0-9a-fA-F]{32}"),
    Shape("twilio-account-sid", ("AC",), r"[a-z0-9]{32}(?::[0-9a-f]{32})?", DETECT_SECRETS),
    # AWS (access key ids are matched in redact.py, with more prefixes than gitleaks' rule)
    Shape("aws-bedrock-api-key", ("ABSK",), r"[A-Za-z0-9+/]{109,269}={0,2}"),
    Shape("aws-session-token", ("FwoGZXIvYXdz", "FQoGZXIvYXdz"), r"[A-Za-z0-9+/=%]{20,2000}"),
    Shape("aws-session-token-v2", ("oJb3JpZ2luX2Vj",), r"[A-Za-z0-9+/=%]{20,2000}", OURS),
    Shape("aws-presigned-signature", ("X-Amz-Signature=",), r"[0-9a-fA-F]{64}", OURS),
    # AI platforms
    Shape("openai-api-key", ("sk-",), r"[A-Za-z0-9_-]{0,80}T3BlbkFJ[A-Za-z0-9_-]{20,74}"),
    Shape("anthropic-api-key", ("sk-ant-api03-", "sk-ant-admin01-"), r"[a-zA-Z0-9_-]{93}AA"),
    Shape("huggingface-access-token", ("hf_",), r"[a-zA-Z]{34}"),
    Shape("huggingface-organization-api-token", ("api_org_",), r"[a-zA-Z]{34}"),
    # Cloud and developer platforms
    Shape("age-secret-key", ("AGE-SECRET-KEY-1",), r"[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}"),
    Shape("atlassian-api-token", ("ATATT3",), r"[A-Za-z0-9_=-]{186}"),
    Shape("databricks-api-token", ("dapi",), r"[a-f0-9]{32}(?:-\d)?"),
    Shape("digitalocean-token", ("doo_v1_", "dop_v1_", "dor_v1_"), r"[a-f0-9]{64}"),
    Shape("doppler-api-token", ("dp.pt.",), r"[a-zA-Z0-9]{43}"),
    Shape("dynatrace-api-token", ("dt0c01.",), r"[a-zA-Z0-9]{24}\.[a-zA-Z0-9]{64}"),
    Shape("flyio-access-token", ("fo1_",), r"[\w-]{43}"),
    Shape("grafana-cloud-api-token", ("glc_",), r"[A-Za-z0-9+/]{32,400}={0,3}"),
    Shape("grafana-service-account-token", ("glsa_",), r"[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}"),
    Shape("heroku-api-key-v2", ("HRKU-AA",), r"[0-9a-zA-Z_-]{58}"),
    Shape("linear-api-key", ("lin_api_",), r"[a-zA-Z0-9]{40}"),
    Shape("planetscale-token", ("pscale_tkn_", "pscale_oauth_", "pscale_pw_"), r"[\w=.-]{32,64}"),
    Shape("postman-api-token", ("PMAK-",), r"[a-fA-F0-9]{24}-[a-fA-F0-9]{34}"),
    Shape("pulumi-api-token", ("pul-",), r"[a-f0-9]{40}"),
    Shape("pypi-upload-token", ("pypi-AgEIcHlwaS5vcmc",), r"[\w-]{50,1000}"),
    Shape("sentry-user-token", ("sntryu_",), r"[a-f0-9]{64}"),
    Shape("shopify-token", ("shpat_", "shpca_", "shppa_", "shpss_"), r"[a-fA-F0-9]{32}"),
    Shape("square-access-token", ("sq0atp-",), r"[\w-]{22,60}"),
)
