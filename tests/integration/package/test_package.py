"""`make package` builds a python3.12/arm64 Lambda zip: handlers, runtime deps, nothing else.

Builds for real (pip downloads the manylinux2014_aarch64 wheels; the download cache is kept in
build/pip-cache, which git ignores, so reruns are fast).
"""

from __future__ import annotations

import importlib.util
import struct
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
from cfnlint.decode.cfn_yaml import load

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
    sizes = package.build(output, work, ROOT / "build" / "pip-cache")
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
    assert len(handlers) == 3  # StreamProcessor, DailyReport, Rollup
    for handler in handlers:
        module = handler.rsplit(".", 1)[0].replace(".", "/") + ".py"
        assert module in names, handler


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
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_runtime_dependencies_are_arm64_cp312_and_boto3_is_left_to_the_runtime(
    names: list[str], built: tuple[Path, Path, tuple[int, int]]
) -> None:
    tops = {n.split("/")[0] for n in names}
    assert {"aws_lambda_powertools", "orjson", "isal", "re2"} <= tops
    assert not tops & {"boto3", "botocore", "s3transfer"}
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
    assert names == {"aws-lambda-powertools", "orjson", "isal", "google-re2"}
    assert "boto3" in {package._name(r) for r in package.runtime_requirements(vendor_boto3=True)}
