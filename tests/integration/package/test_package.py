"""`make package` builds a python3.12/arm64 Lambda zip: handlers, runtime deps, nothing else.

The zip carries its own AWS SDK at or above the floors pyproject.toml declares: the python3.12
runtime's bundled boto3/botocore is whatever AWS ships (no version guarantee), and the alert path's
conditional writes need PutObject's ``IfMatch``.

Builds for real (pip downloads the manylinux2014_aarch64 wheels; the download cache is kept in
build/pip-cache, which git ignores, so reruns are fast).
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
import struct
import tomllib
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
from cfnlint.decode.cfn_yaml import load
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[3]
ELF_MACHINE_AARCH64 = 183


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("package_script", ROOT / "scripts" / "package.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


package = _load_script()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, tuple[int, int]]:
    work = tmp_path_factory.mktemp("package")
    output = work / "logreview.zip"
    sizes = package.build(output, work, ROOT / "build" / "pip-cache", package.python312())
    return output, work, sizes


@pytest.fixture(scope="module")
def names(built: tuple[Path, Path, tuple[int, int]]) -> list[str]:
    with zipfile.ZipFile(built[0]) as archive:
        return archive.namelist()


def test_contains_the_handlers_the_template_names(names: list[str]) -> None:
    template = load(str(ROOT / "template.yaml"))
    handlers = [
        r["Properties"]["Handler"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Serverless::Function"
    ]
    assert len(handlers) == 5  # StreamProcessor, DailyReport, Rollup, Evidence, Onboard
    for handler in handlers:
        module = handler.rsplit(".", 1)[0].replace(".", "/")
        assert f"{module}.py" in names or f"{module}/__init__.py" in names, handler


def test_contains_every_runtime_module_and_no_tests_or_bench(names: list[str]) -> None:
    for name in package.PACKAGES:
        sources = {
            p.relative_to(ROOT).as_posix()
            for p in (ROOT / name).rglob("*.py")
            if "__pycache__" not in p.parts and "tests" not in p.parts and "demo" not in p.parts
        }
        assert sources and sources <= set(names), name
    assert not [n for n in names if n.startswith("stream_processor/demo/")], "the demo is dev-only"
    tops = {n.split("/")[0] for n in names}
    assert not tops & {"tests", "bench", "scripts", "bin", "build"}
    bytecode = [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert all(n.endswith(package.BYTECODE_SUFFIX) and n.split("/")[-2] == "__pycache__" for n in bytecode)


def test_bytecode_for_the_runtime_so_cold_starts_do_not_compile(names: list[str]) -> None:
    """/var/task is read-only: without .pyc in the zip every cold start compiles botocore again."""
    if package.python312() is None:
        pytest.skip("no python3.12 on this machine: the zip is built without bytecode")
    sources = {n for n in names if n.endswith(".py")}
    compiled = {
        n.replace("__pycache__/", "").removesuffix(package.BYTECODE_SUFFIX) + ".py"
        for n in names
        if n.endswith(package.BYTECODE_SUFFIX)
    }
    assert sources == compiled


def test_runtime_dependencies_are_arm64_cp312(
    names: list[str], built: tuple[Path, Path, tuple[int, int]]
) -> None:
    tops = {n.split("/")[0] for n in names}
    assert {"aws_lambda_powertools", "orjson", "isal", "re2"} <= tops
    shared = [n for n in names if n.endswith(".so")]
    for module in ("orjson/", "isal/", "re2/"):
        assert [n for n in shared if n.startswith(module)], module
    with zipfile.ZipFile(built[0]) as archive:
        for name in shared:
            assert "cpython-312-aarch64-linux-gnu" in name, name
            header = archive.read(name)[:20]
            assert header[:4] == b"\x7fELF"
            assert struct.unpack("<H", header[18:20])[0] == ELF_MACHINE_AARCH64, name


def test_size_within_lambda_limits_and_files_readable(
    built: tuple[Path, Path, tuple[int, int]],
) -> None:
    output, _, (zipped, unzipped) = built
    assert zipped == output.stat().st_size
    assert zipped < 50 * 1024 * 1024 and unzipped < package.UNZIPPED_LIMIT
    with zipfile.ZipFile(output) as archive:
        assert all((info.external_attr >> 16) & 0o444 == 0o444 for info in archive.infolist())


def test_zip_is_deterministic(built: tuple[Path, Path, tuple[int, int]]) -> None:
    output, work, _ = built
    again = work / "again.zip"
    package.write_zip(work / "staging", again)
    assert again.read_bytes() == output.read_bytes()


def test_requirements_come_from_pyproject() -> None:
    names = {package._name(r) for r in package.runtime_requirements()}
    assert names >= {"boto3", "aws-lambda-powertools", "orjson", "isal", "google-re2"}


# ------------------------------------------------------------ the vendored SDK

SDK = ("boto3", "botocore", "s3transfer")
SDK_DEPENDENCIES = ("jmespath", "dateutil", "urllib3", "six.py")


def floors() -> dict[str, Version]:
    """The `>=` floor of every SDK distribution pyproject.toml's runtime dependencies name."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    out: dict[str, Version] = {}
    for line in project["dependencies"]:
        requirement = Requirement(line)
        if requirement.name.lower() in SDK:
            (floor,) = [s.version for s in requirement.specifier if s.operator == ">="]
            out[requirement.name.lower()] = Version(floor)
    return out


def vendored_versions(zip_path: Path) -> dict[str, Version]:
    """Distribution name → version, from the zip's `*.dist-info/` directories."""
    with zipfile.ZipFile(zip_path) as archive:
        tops = {n.split("/")[0] for n in archive.namelist()}
    found = {}
    for top in tops:
        match = re.fullmatch(r"(.+)-([^-]+)\.dist-info", top)
        if match:
            found[match.group(1).lower().replace("_", "-")] = Version(match.group(2))
    return found


def test_the_zip_vendors_the_sdk_and_its_dependencies(built: tuple[Path, Path, tuple[int, int]]) -> None:
    with zipfile.ZipFile(built[0]) as archive:
        tops = {n.split("/")[0] for n in archive.namelist()}
    assert set(SDK) | set(SDK_DEPENDENCIES) <= tops
    assert set(SDK) | set(SDK_DEPENDENCIES) <= package.SDK_TOP_LEVEL  # the printed share counts them


def test_the_vendored_sdk_is_at_or_above_the_pyproject_floor(
    built: tuple[Path, Path, tuple[int, int]],
) -> None:
    wanted = floors()
    assert "boto3" in wanted  # pyproject declares the floor the alert path relies on
    versions = vendored_versions(built[0])
    for name, floor in wanted.items():
        assert versions[name] >= floor, f"{name} {versions[name]} in the zip is below the floor {floor}"
    for name in SDK:
        assert name in versions, f"{name} is not vendored"


def test_the_vendored_botocore_can_send_conditional_puts(built: tuple[Path, Path, tuple[int, int]]) -> None:
    """What the floor is for: PutObject with IfMatch (alert dedup state updates) and IfNoneMatch."""
    with zipfile.ZipFile(built[0]) as archive:
        model_file = r"botocore/data/s3/[^/]+/service-2\.json(\.gz)?"
        (name,) = [n for n in archive.namelist() if re.fullmatch(model_file, n)]
        raw = archive.read(name)
    model = json.loads(gzip.decompress(raw) if name.endswith(".gz") else raw)
    members = model["shapes"]["PutObjectRequest"]["members"]
    assert {"IfMatch", "IfNoneMatch"} <= set(members)


def test_the_sdk_share_is_reported(built: tuple[Path, Path, tuple[int, int]]) -> None:
    output, _, (zipped, unzipped) = built
    sdk_zipped, sdk_unzipped = package.sdk_share(output)
    assert 0 < sdk_zipped < zipped and 0 < sdk_unzipped < unzipped
