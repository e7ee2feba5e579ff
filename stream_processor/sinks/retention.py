"""Object Lock retention for evidence writes (archive, reports, digests), from the environment.

OBJECT_LOCK_MODE (`GOVERNANCE` or `COMPLIANCE`; empty or `NONE`: off) and OBJECT_LOCK_DAYS set a
retain-until date on each evidence object as it is written, so aggregates, rollups and alert state
stay ordinary (they are rewritten and expire). S3 requires an integrity checksum on such a put:
the SHA-256 checksum is sent with it.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

from ..errors import ConfigError

MODES = ("GOVERNANCE", "COMPLIANCE")


def lock_headers(now: datetime | None = None) -> dict[str, Any]:
    """The PutObject arguments that lock one object (empty when Object Lock is off)."""
    mode = os.environ.get("OBJECT_LOCK_MODE", "").strip().upper()
    if mode in ("", "NONE"):
        return {}
    if mode not in MODES:
        raise ConfigError(f"OBJECT_LOCK_MODE={mode!r}: expected GOVERNANCE, COMPLIANCE or NONE")
    raw = os.environ.get("OBJECT_LOCK_DAYS", "").strip()
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(
            f"OBJECT_LOCK_DAYS={raw!r}: a whole number of days ≥ 1 is required with Object Lock"
        )
    until = (now or datetime.now(UTC)) + timedelta(days=int(raw))
    return {"ObjectLockMode": mode, "ObjectLockRetainUntilDate": until, "ChecksumAlgorithm": "SHA256"}
