"""Verify a day's evidence: the signed digest, its chain, and every archive and report object.

Reads the day's digest (evidence/dt=DAY/digest.json), checks its hash and KMS signature and the
digest it links to, then hashes every current archive and report object of the day and lists
each one that changed, is missing or was added since the seal. Exit status 1 when anything
differs. --seal seals the day first when it is not sealed (what the nightly function does).
"""

from __future__ import annotations

import argparse
import os
import sys

from ..days import day_range, parse_day
from .seal import seal, store_and_signer
from .verify import verify


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", required=True, help="the first UTC day, YYYY-MM-DD")
    parser.add_argument("--to", help="the last UTC day (default: --date)")
    parser.add_argument("--seal", action="store_true", help="seal a day that is not sealed yet, then verify")
    parser.add_argument("--bucket", help="the report bucket (default: REPORT_BUCKET)")
    parser.add_argument("--key", help="the signing key id or ARN (default: EVIDENCE_KEY_ID)")


def _progress(done: int, total: int) -> None:
    if sys.stderr.isatty() and (done == total or done % 500 == 0):
        print(f"\r  hashed {done:,} of {total:,} objects", end="\n" if done == total else "", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    bucket = args.bucket or os.environ.get("REPORT_BUCKET", "")
    store, signer = store_and_signer(bucket, args.key or os.environ.get("EVIDENCE_KEY_ID", ""))
    first = parse_day(args.date)
    failed = 0
    for day in day_range(first, parse_day(args.to) if args.to else first):
        if args.seal:
            result = seal(store, signer, day, _progress)
            print(f"{day}: {'sealed' if result.written else 'already sealed'} ({result.objects:,} objects)")
        verdict = verify(store, signer, day, _progress)
        print("\n".join(verdict.lines()))
        failed += not verdict.ok
    return 1 if failed else 0
