"""Settings every test shares, and the suite's map: a test's folder says what it touches.

- tests/unit/: pure code, no endpoint (marker `unit`);
- tests/integration/: moto's server over HTTP, fixtures in its conftest (marker `integration`);
- tests/deployed/: template.yaml created in moto's CloudFormation (marker `deployed`);
- tests/support/: builders, the generated day, the fault proxy and other helpers (no tests).

Markers come from the folder, never from the file. Under pytest-xdist (`make test`, `--dist
loadgroup`) a test whose file or folder shares a costly fixture (module or session scope) is
grouped with the tests it shares it with, so each worker builds it at most once.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# `make test-native`: the tests run on the mypyc build of the hot path (scripts/native.py), put
# first on the path before anything imports the package, and checked to be what was imported.
NATIVE = os.environ.get("LOGREVIEW_NATIVE")
if NATIVE:
    sys.path.insert(0, str(Path(NATIVE).resolve()))
    import stream_processor.pipeline

    if not stream_processor.pipeline.__file__ or not stream_processor.pipeline.__file__.endswith(".so"):
        raise pytest.UsageError(f"LOGREVIEW_NATIVE={NATIVE}: no native build there (scripts/native.py)")

# A noisy, shared 2-core VM: a property test's speed is not what it checks (benchmarks do that).
# The example database stays the default .hypothesis/ directory: it writes each example as its
# own file with an atomic rename, so parallel workers can share it.
settings.register_profile("logreview", deadline=None)
settings.load_profile("logreview")

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "LogProcessor")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")

TESTS = Path(__file__).resolve().parent
KINDS = ("unit", "integration", "deployed")
SHARED_PER_WORKER = {"moto_endpoint"}  # cheap to start once in every worker


def kind_of(path: Path) -> str:
    """The test's kind: the first folder under tests/; anything else is a misplaced test."""
    parts = path.resolve().relative_to(TESTS).parts
    if len(parts) < 2 or parts[0] not in KINDS:
        raise pytest.UsageError(f"{path}: a test module belongs under tests/{{{','.join(KINDS)}}}/")
    return parts[0]


def shared_fixture_home(item: pytest.Item) -> str | None:
    """Where the broadest costly fixture the test uses is defined (a folder or a module), if any."""
    info = getattr(item, "_fixtureinfo", None)
    homes = [
        definitions[-1].baseid
        for name, definitions in (info.name2fixturedefs.items() if info else ())
        if name not in SHARED_PER_WORKER and definitions and definitions[-1].scope != "function"
    ]
    return min(homes, key=len) if homes else None


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        kind = kind_of(item.path)
        item.add_marker(getattr(pytest.mark, kind))
        group = "tests/deployed" if kind == "deployed" else shared_fixture_home(item)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))
