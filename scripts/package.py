"""Build the Lambda deployment package: ``build/logreview.zip`` for python3.12 on arm64.

Runs on any machine without Docker: the runtime dependencies are installed by pip for the
Lambda platform (``--platform manylinux2014_aarch64 --only-binary=:all:``), so compiled wheels
(orjson, isal, google-re2) are the aarch64/cp312 builds whatever the build host is. Only the runtime
packages ``stream_processor`` and ``daily_report`` are added (no tests, no bench).

The AWS SDK (boto3, botocore, s3transfer and their dependencies jmespath, python-dateutil, six,
urllib3) is vendored: the runtime's bundled SDK is whatever version AWS ships that month, and the
alert path's conditional writes (``IfMatch``/``IfNoneMatch`` on PutObject) need a botocore newer
than some runtime images carry. The vendored copy is the pyproject.toml floor or newer
(tests/integration/package/test_package.py checks it); the build prints the SDK's share of the zip.

Everything is byte-compiled for CPython 3.12 when a python3.12 is on this machine (unchecked-hash
``.pyc``, so the zip stays deterministic): /var/task is read-only, so without them every cold start
compiles botocore again (importing boto3 and creating a client took 397 ms without and 176 ms with
them, median of 9 on the 2-core development VM). Without a python3.12 the zip is built without them
and the build says so.

The zip is deterministic (sorted entries, fixed timestamps and modes), so an unchanged build
has the same hash and ``sam deploy`` skips the upload.

Usage: ``python scripts/package.py [--output build/logreview.zip]``
"""

from __future__ import annotations

import argparse
import glob
import os
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
# Top-level names of the vendored AWS SDK and what it pulls in (for the size report).
SDK_TOP_LEVEL = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py"})
OPTIONAL_EXTRAS: tuple[str, ...] = ()  # isal and google-re2 are core dependencies now
UNZIPPED_LIMIT = 250 * 1024 * 1024  # Lambda's limit for code + layers, unzipped
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
SKIP_DIRS = frozenset({"__pycache__", "tests"})  # at any depth
DEV_ONLY = frozenset({"stream_processor/demo"})  # `logreview demo` needs moto; never runs in Lambda
SKIP_TOP_LEVEL = frozenset({"bin"})  # console scripts pip writes next to --target packages
SKIP_SUFFIXES = (".pyc", ".pyo")
BYTECODE_SUFFIX = ".cpython-312.pyc"  # the only bytecode the zip carries (compiled here for the runtime)
LAMBDA_TASK_ROOT = "/var/task"  # where Lambda unpacks the zip: the file names tracebacks show


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9_.\-]+", requirement)
    if match is None:
        raise ValueError(f"cannot read a package name from requirement {requirement!r}")
    return match.group(0).lower().replace("_", "-")


def runtime_requirements() -> list[str]:
    """The runtime dependencies from pyproject.toml (boto3 included) and the native speed-ups."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in OPTIONAL_EXTRAS:
        requirements += project.get("optional-dependencies", {}).get(extra, [])
    return requirements


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


def _files(base: Path, bytecode: bool = False) -> Iterator[Path]:
    """Files under ``base``, without caches and tests; with ``bytecode``, the 3.12 .pyc files too."""
    for path in sorted(base.rglob("*")):
        parts = path.relative_to(base).parts
        if path.is_dir() or parts[0] in SKIP_TOP_LEVEL:
            continue
        if bytecode and parts[-2:-1] == ("__pycache__",) and path.name.endswith(BYTECODE_SUFFIX):
            if not any(part in SKIP_DIRS for part in parts[:-2]):
                yield path
            continue
        if any(part in SKIP_DIRS for part in parts[:-1]) or path.name.endswith(SKIP_SUFFIXES):
            continue
        yield path


def python312() -> str | None:
    """A CPython 3.12 interpreter on this machine (to byte-compile for the runtime), or None."""
    candidates = [sys.executable, shutil.which("python3.12") or ""]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.12*/bin/python3.12")))
    check = "import sys, platform; assert sys.version_info[:2] == (3, 12)"
    check += " and platform.python_implementation() == 'CPython'"
    for candidate in filter(None, candidates):
        result = subprocess.run([candidate, "-c", check], capture_output=True, check=False)  # noqa: S603
        if result.returncode == 0:
            return candidate
    return None


def compile_bytecode(staging: Path, python: str) -> None:
    """Byte-compile ``staging`` for 3.12, named as Lambda sees it (/var/task/...), deterministically."""
    command = [
        python, "-m", "compileall", "-q", "-j0", "--invalidation-mode", "unchecked-hash",
        "-s", str(staging), "-p", LAMBDA_TASK_ROOT, str(staging),
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True)  # noqa: S603 - fixed argv, no shell


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
        for path in _files(staging, bytecode=True):
            info = zipfile.ZipInfo(path.relative_to(staging).as_posix(), ZIP_EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            data = path.read_bytes()
            unzipped += len(data)
            archive.writestr(info, data)
    tmp.replace(output)
    return output.stat().st_size, unzipped


def sdk_share(output: Path) -> tuple[int, int]:
    """(zipped, unzipped) bytes of the vendored SDK's entries in the zip at ``output``."""
    zipped = unzipped = 0
    with zipfile.ZipFile(output) as archive:
        for info in archive.infolist():
            if info.filename.split("/")[0] in SDK_TOP_LEVEL:
                zipped += info.compress_size
                unzipped += info.file_size
    return zipped, unzipped


def build(output: Path, work: Path, cache: Path, python: str | None = None) -> tuple[int, int]:
    """Build the package at ``output`` using ``work`` as scratch space (``python``: a 3.12 to compile)."""
    staging = work / "staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    install_dependencies(runtime_requirements(), staging, cache)
    copy_sources(staging)
    if python is not None:
        compile_bytecode(staging, python)
    zipped, unzipped = write_zip(staging, output)
    if unzipped > UNZIPPED_LIMIT:
        raise SystemExit(f"package: {unzipped} bytes unzipped exceeds Lambda's 250 MB limit")
    return zipped, unzipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT / "build" / "logreview.zip")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "package")
    parser.add_argument("--cache", type=Path, default=ROOT / "build" / "pip-cache")
    args = parser.parse_args(argv)
    python = python312()
    if python is None:
        print("package: no python3.12 here, so no .pyc in the zip: cold starts compile botocore (+~0.2 s)")
    zipped, unzipped = build(args.output, args.work, args.cache, python)
    sdk_zipped, sdk_unzipped = sdk_share(args.output)
    mib = 1024 * 1024
    print(
        f"{args.output}: {zipped / mib:.1f} MB zipped, {unzipped / mib:.1f} MB unzipped "
        f"(python{PYTHON_VERSION}, {PLATFORM}); the vendored AWS SDK is {sdk_zipped / mib:.1f} MB "
        f"zipped ({sdk_zipped / zipped:.0%}), {sdk_unzipped / mib:.1f} MB unzipped "
        f"({sdk_unzipped / unzipped:.0%})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
