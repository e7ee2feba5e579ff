"""What the canned queries of `logreview query` return on the demo day, and what Athena would bill.

Runs `logreview demo` against a local moto server, downloads the day's archive objects and its
report row, and runs each canned query with DuckDB over them, through the template's table
definitions and the `archive_events` view (tests/support/athena_local.py: the Athena SQL with a
few function names changed). Prints the rows
found and the archive bytes a query of the day reads (what Athena bills, at $5 per TB scanned
with a 10 MB minimum per query; gzip objects are billed as stored).

python -m bench query_demo        python bench/query_demo.py --events 20000
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import tempfile
from pathlib import Path

from daily_report.query import canned
from daily_report.query.cli import PRICE_PER_TB
from stream_processor.demo.story import ATTACKER_IP
from tests.support.athena_local import dialect, open_archive, open_reports
from tests.support.athena_local import run as local_run

MIN_BILLED = 10_000_000


def _demo(events: int, output: Path) -> str:
    """Run the demo on a fresh moto server; return that server's URL (left running)."""
    from moto.server import ThreadedMotoServer

    from stream_processor.cli import main as logreview

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    os.environ.update(AWS_DEFAULT_REGION="us-east-1", AWS_ACCESS_KEY_ID="bench")
    os.environ["AWS_SECRET_ACCESS_KEY"] = "bench"  # noqa: S105 - moto's dummy credentials
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    with contextlib.redirect_stdout(io.StringIO()):
        status = logreview(["demo", "--events", str(events), "--output", str(output), "--endpoint", url])
    if status != 0:
        raise SystemExit(f"logreview demo failed ({status})")
    return url


def _download(url: str, directory: Path, prefix: str = "archive/") -> tuple[int, int]:
    """Every object under `prefix` of the demo's bucket into `directory`; (objects, bytes)."""
    import boto3

    s3 = boto3.client("s3", endpoint_url=url)
    (bucket,) = [b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith("logreview-demo")]
    count = size = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if prefix == "reports/" and "/rows/" not in item["Key"]:
                continue  # the reports table reads only the one-line companions
            path = directory / item["Key"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())
            count, size = count + 1, size + item["Size"]
    return count, size


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000, help="the demo's --events")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        url = _demo(args.events, root / "demo-output")
        objects, size = _download(url, root / "bucket")
        con = open_archive(root / "bucket")
        con.execute(dialect(canned.CREATE_VIEW))  # logreview query --setup
        days = [d for (d,) in con.execute("SELECT DISTINCT dt FROM archive ORDER BY dt").fetchall()]
        (events,) = con.execute("SELECT sum(len(logEvents)) FROM archive").fetchone() or (0,)
        print(f"demo --events {args.events}: {objects} archive objects, {size:,} bytes, {events:,} events")
        day = days[-1]
        window = canned.window(day, day)
        queries = {
            f"logins --address {ATTACKER_IP}": canned.logins(window, ATTACKER_IP),
            "sudo --principal deploy": canned.sudo(window, "deploy"),
            "events --log-group /admin/logs": canned.events(window, "/admin/logs"),
        }
        scanned = max(size, MIN_BILLED)  # every canned query reads the day and the day before
        for name, sql in queries.items():
            _, rows = local_run(con, sql)
            print(f"\nlogreview query {name} --since {day}: {len(rows)} rows")
            for row in rows[:3]:
                print("  " + " | ".join(str(v) for v in row))
        (viewed,) = con.execute("SELECT count(*) FROM archive_events").fetchone() or (0,)
        print(f"\nlogreview query --setup: view archive_events, {viewed:,} rows (one per event)")
        rows_objects, rows_size = _download(url, root / "bucket", "reports/")
        names, rows = local_run(open_reports(root / "bucket"), canned.reports(window, ""))
        print(f"\nlogreview query reports --since {day}: {len(rows)} rows "
              f"({rows_objects} object, {rows_size:,} bytes read)")  # fmt: skip
        print("  " + " | ".join(names))
        for row in rows:
            print("  " + " | ".join(str(v) for v in row))
        print(f"\neach query reads at most {size:,} bytes: billed {scanned:,} bytes = "
              f"${scanned / 1e12 * PRICE_PER_TB:.5f} per query at ${PRICE_PER_TB:g}/TB")  # fmt: skip


if __name__ == "__main__":
    main()
