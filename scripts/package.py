"""Build the Lambda deployment package: ``build/logreview.zip`` for python3.12 on arm64.

Runs on any machine without Docker: the runtime dependencies are installed by pip for the
Lambda platform (``--platform manylinux2014_aarch64 --only-binary=:all:``), so compiled wheels
(orjson, isal, google-re2) are the aarch64/cp312 builds whatever the build host is. Only the runtime
packages ``stream_processor`` and ``daily_report`` are added (no tests, no bench).

boto3 is not vendored by default: the python3.12 runtime ships it, the code only uses
long-stable S3/SSM/SNS/CloudWatch calls, and vendoring adds ~15 MB (botocore's data) to every
cold start. ``--vendor-boto3`` pins it into the package when an exact version matters.

The zip is deterministic (sorted entries, fixed timestamps and modes), so an unchanged build
has the same hash and ``sam deploy`` skips the upload.

Usage: ``python scripts/package.py [--output build/logreview.zip] [--vendor-boto3]``
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("stream_processor", "daily_report")
PLATFORM = "manylinux2014_aarch64"
# google-re2 publishes aarch64 wheels for glibc 2.28 only; the python3.12 runtime (Amazon Linux 2023,
# glibc 2.34) runs them, so pip may choose either tag.
EXTRA_PLATFORMS = ("manylinux_2_28_aarch64",)
PYTHON_VERSION = "3.12"
RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer"})
OPTIONAL_EXTRAS: tuple[str, ...] = ()  # isal and google-re2 are core dependencies now
UNZIPPED_LIMIT = 250 * 1024 * 1024  # Lambda's limit for code + layers, unzipped
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
SKIP_DIRS = frozenset({"__pycache__", "tests"})  # at any depth
DEV_ONLY = frozenset({"stream_processor/demo"})  # `logreview demo` needs moto; never runs in Lambda
SKIP_TOP_LEVEL = frozenset({"bin"})  # console scripts pip writes next to --target packages
SKIP_SUFFIXES = (".pyc", ".pyo")


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9_.\-]+", requirement)
    if match is None:
        raise ValueError(f"cannot read a package name from requirement {requirement!r}")
    return match.group(0).lower().replace("_", "-")


def runtime_requirements(vendor_boto3: bool = False) -> list[str]:
    """The runtime dependencies from pyproject.toml, minus what the Lambda runtime provides."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in OPTIONAL_EXTRAS:
        requirements += project.get("optional-dependencies", {}).get(extra, [])
    if vendor_boto3:
        return requirements
    return [r for r in requirements if _name(r) not in RUNTIME_PROVIDED]


def install_dependencies(requirements: list[str], target: Path, cache: Path) -> None:
    """pip-install ``requirements`` into ``target`` as wheels built for Lambda arm64/cp312."""
    command = [
        sys.executable, "-m", "pip", "install",
        "--quiet", "--disable-pip-version-check", "--no-compile",
        "--platform", PLATFORM,
        *(arg for extra in EXTRA_PLATFORMS for arg in ("--platform", extra)),
        "--implementation", "cp",
        "--python-version", PYTHON_VERSION,
        "--only-binary=:all:",
        "--cache-dir", str(cache),
        "--target", str(target),
        *requirements,
    ]  # fmt: skip
    subprocess.run(command, check=True)  # noqa: S603 - fixed argv, no shell


def prune_runtime_provided(staging: Path) -> None:
    """Drop what the runtime ships but a dependency pulled in (aws-xray-sdk requires botocore)."""
    for path in staging.iterdir():
        name = path.name.split("-")[0].lower().replace("_", "-")
        if name in RUNTIME_PROVIDED and path.is_dir():
            shutil.rmtree(path)


def _files(base: Path) -> Iterator[Path]:
    for path in sorted(base.rglob("*")):
        parts = path.relative_to(base).parts
        if path.is_dir() or parts[0] in SKIP_TOP_LEVEL:
            continue
        if any(part in SKIP_DIRS for part in parts[:-1]) or path.name.endswith(SKIP_SUFFIXES):
            continue
        yield path


def _is_test_module(path: Path) -> bool:
    return path.name.startswith("test_") or path.name == "conftest.py"


def _is_dev_only(path: Path) -> bool:
    relative = path.relative_to(ROOT).as_posix()
    return any(relative.startswith(prefix + "/") for prefix in DEV_ONLY)


def copy_sources(target: Path) -> None:
    """Copy the runtime packages (everything but caches and tests) into ``target``."""
    for package in PACKAGES:
        source = ROOT / package
        if not (source / "__init__.py").is_file():
            raise SystemExit(f"package: {source} is not a Python package")
        for path in _files(source):
            if _is_test_module(path) or _is_dev_only(path):
                continue
            destination = target / package / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)


def write_zip(staging: Path, output: Path) -> tuple[int, int]:
    """Zip ``staging`` deterministically; returns (zipped bytes, unzipped bytes)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    unzipped = 0
    tmp = output.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in _files(staging):
            info = zipfile.ZipInfo(path.relative_to(staging).as_posix(), ZIP_EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            data = path.read_bytes()
            unzipped += len(data)
            archive.writestr(info, data)
    tmp.replace(output)
    return output.stat().st_size, unzipped


def build(output: Path, work: Path, cache: Path, vendor_boto3: bool = False) -> tuple[int, int]:
    """Build the package at ``output`` using ``work`` as scratch space."""
    staging = work / "staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    install_dependencies(runtime_requirements(vendor_boto3), staging, cache)
    if not vendor_boto3:
        prune_runtime_provided(staging)
    copy_sources(staging)
    zipped, unzipped = write_zip(staging, output)
    if unzipped > UNZIPPED_LIMIT:
        raise SystemExit(f"package: {unzipped} bytes unzipped exceeds Lambda's 250 MB limit")
    return zipped, unzipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT / "build" / "logreview.zip")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "package")
    parser.add_argument("--cache", type=Path, default=ROOT / "build" / "pip-cache")
    parser.add_argument("--vendor-boto3", action="store_true", help="bundle boto3/botocore")
    args = parser.parse_args(argv)
    zipped, unzipped = build(args.output, args.work, args.cache, args.vendor_boto3)
    mib = 1024 * 1024
    print(
        f"{args.output}: {zipped / mib:.1f} MB zipped, {unzipped / mib:.1f} MB unzipped "
        f"(python{PYTHON_VERSION}, {PLATFORM})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
