"""The SSM configuration document: read, checked and cached (document.py); `--config` for every
command line (cli.py)."""

from __future__ import annotations

from .document import (
    DEFAULT_DOCUMENT,
    MAX_BASELINE_DAYS,
    MAX_BATCH_SIZE,
    MAX_LISTED_GROUPS,
    MAX_LOOKBACK_DAYS,
    Config,
    clear_caches,
    default_config_json,
    load_config,
    load_config_file,
    parse_config,
    stack_name,
    with_user_rules,
)

__all__ = [
    "DEFAULT_DOCUMENT",
    "MAX_BASELINE_DAYS",
    "MAX_BATCH_SIZE",
    "MAX_LISTED_GROUPS",
    "MAX_LOOKBACK_DAYS",
    "Config",
    "clear_caches",
    "default_config_json",
    "load_config",
    "load_config_file",
    "parse_config",
    "stack_name",
    "with_user_rules",
]
