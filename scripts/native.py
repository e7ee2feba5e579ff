"""Build the processor's hot path as native code with mypyc, beside the source, and check it
changes nothing (issue 25: what native per-event code buys).

    python scripts/native.py [--output build/native] [--check]

Copies ``stream_processor`` to ``OUTPUT/stream_processor`` and compiles the modules every event
passes through (``HOT``: parsing, detection, classification, redaction, windows, the partial) with
mypyc, for this machine's interpreter. Nothing else changes: the source tree stays pure Python, and
the Lambda package (scripts/package.py) ships pure Python (it targets arm64/cp312, which this build
cannot produce or run on an x86-64 host; docs/processor.md says what shipping it would take).

mypyc compiles the code mypy already checks strictly; at run time it also enforces the annotations,
so an annotation that lies fails loudly here where plain Python would pass it on. ``--check`` runs
``bench.identity`` (about 99,000 events: every partial, parse result and rule hit, hashed) on the
pure source and on the build and fails unless both print the same digests. ``make test-native``
also runs the unit tests on the build (tests/conftest.py reads LOGREVIEW_NATIVE).

Use the build by putting OUTPUT first on the path from inside it, e.g. the side-by-side benchmark:
``cd build/native && PYTHONPATH=../.. python -m bench peers`` (``python -m`` puts the working
directory first, so the compiled package shadows the source one).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "stream_processor"
# Every event's path through process_data (docs/processor.md, "Where the time goes").
HOT = (
    "parse/*.py",
    "aggregate/*.py",
    "incidents/*.py",
    "redact/*.py",
    "detect/detector.py",
    "detect/keys.py",
    "detect/engine.py",
    "detect/records.py",
    "detect/cloudtrail.py",
    "decode/payload.py",
    "pipeline.py",
    "memo.py",
)


def hot_modules(package: Path) -> list[Path]:
    """The HOT files of one copy of the package, sorted; a pattern that finds none is an error
    (a module renamed would otherwise drop out of the build unnoticed)."""
    found = {pattern: sorted(package.glob(pattern)) for pattern in HOT}
    if missing := [pattern for pattern, paths in found.items() if not paths]:
        raise SystemExit(f"native: no module of {package} matches {', '.join(missing)}")
    return sorted({path for paths in found.values() for path in paths})


def build(output: Path) -> list[Path]:
    """Copy the package into `output` and compile its hot modules there; return the native files."""
    target = output / PACKAGE
    shutil.rmtree(output, ignore_errors=True)
    shutil.copytree(ROOT / PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    sources = [str(path.relative_to(output)) for path in hot_modules(target)]
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    print(f"native: compiling {len(sources)} modules of {PACKAGE} with mypyc for Python {version}...")
    started = time.monotonic()
    compiled = subprocess.run(  # noqa: S603 - fixed argv, no shell
        # pyproject.toml's mypy settings, for this interpreter's version; run from `output`, where
        # setuptools finds no pyproject.toml to read (older releases reject its license field)
        [
            sys.executable,
            "-m",
            "mypyc",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--python-version",
            version,
            *sources,
        ],
        cwd=output,
        env={**os.environ, "MYPYC_OPT_LEVEL": "3", "MYPYC_DEBUG_LEVEL": "0"},  # -O3, no debug info
        capture_output=True,
        text=True,
    )
    if compiled.returncode != 0:
        sys.stderr.write(compiled.stdout[-4000:] + compiled.stderr[-4000:])
        raise SystemExit(f"native: mypyc failed (exit {compiled.returncode}); the output above says where")
    natives = sorted([*output.glob("*.so"), *target.rglob("*.so")])  # not the copies in build/
    size = sum(path.stat().st_size for path in natives)
    print(
        f"native: built {len(natives)} extension files ({size / 1e6:.1f} MB) in "
        f"{time.monotonic() - started:.0f} s under {output}"
    )
    return natives


def _identity(mode: str, digests: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`bench.identity` with `cwd` first on the path (the build's package shadows the source's)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0"}
    command = [sys.executable, "-m", "bench.identity", mode, str(digests)]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)  # noqa: S603


def check(output: Path) -> bool:
    """True when the build's output equals the source's byte for byte (bench.identity)."""
    probe = [sys.executable, "-c", f"import {PACKAGE}.pipeline as p; print(p.__file__)"]
    found = subprocess.run(probe, cwd=output, capture_output=True, text=True, check=True)  # noqa: S603
    where = found.stdout.strip()
    if not where.endswith(".so"):
        raise SystemExit(f"native: {output} does not shadow the source ({PACKAGE}.pipeline is {where})")
    with tempfile.TemporaryDirectory() as scratch:
        digests = Path(scratch) / "identity.txt"
        print("native: identity of the pure source...")
        saved = _identity("save", digests, ROOT)
        if saved.returncode != 0:
            sys.stderr.write(saved.stdout + saved.stderr)
            raise SystemExit("native: bench.identity failed on the source")
        print("native: identity of the build...")
        checked = _identity("check", digests, output)
    print(checked.stdout.strip())
    if checked.returncode != 0:
        sys.stderr.write(checked.stderr[-4000:])
    return checked.returncode == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=ROOT / "build" / "native")
    parser.add_argument("--check", action="store_true", help="compare the build's output with the source's")
    args = parser.parse_args(argv)
    output = args.output.resolve()
    build(output)
    if args.check and not check(output):
        print("native: the build's output DIFFERS from the source's", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
