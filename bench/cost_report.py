"""The text `make cost` prints: measurements, the targets of issue 10, $/GB, $/month, crossover."""

from __future__ import annotations

import os
from dataclasses import replace

from bench import prices as P
from bench.cost_model import FLEETS, MEMORY_MB, Fleet, Measured, Model, invocation, unloaded_ms


def rounds(measured: dict[str, Measured], rtt: float) -> float:
    """Round trips on a Direct invocation's critical path: its extra wall time at the round trip."""
    return max(1.0, (measured["direct"].wall_ms - measured["cpu:direct"].wall_ms) / (rtt * 1000))


def build(measured: dict[str, Measured], large: int, rtt: float) -> Model:
    n, ms = rounds(measured, rtt), rtt * 1000
    return Model(
        direct=invocation(measured["direct"], n, ms),
        small=invocation(measured["kinesis:160"], n, ms),
        large=invocation(measured[f"kinesis:{large}"], n, ms),
        small_records=160,
        large_records=large,
        payload_bytes=measured["payload_bytes"].wall_ms,
    )


def _requests(m: Measured) -> str:
    return ", ".join(f"{op} {n / m.invocations:g}" for op, n in sorted(m.requests.items()))


def report(fleet: Fleet, measured: dict[str, Measured], rtt: float, large: int) -> str:
    model = build(measured, large, rtt)
    n = rounds(measured, rtt)
    mix = (
        f" ({fleet.auth_failures:.0%} sshd failures from random addresses, {fleet.sudo:.0%} sudo lines)"
        if fleet.auth_failures or fleet.sudo
        else ""
    )
    lines = [
        f"== {fleet.name} fleet{mix}",
        f"fleet: {fleet.streams:,} streams x {fleet.events_per_s:g} events/s, "
        f"flush every {fleet.flush_s:g} s, ~{fleet.message_bytes} B messages -> "
        f"{fleet.events_per_batch} events per batch, {model.payload_bytes:,.0f} B gzip per batch; "
        f"round trip {rtt * 1000:g} ms; Lambda {MEMORY_MB} MB arm64",
        f"prices: {P.PRICES_AS_OF}",
        "",
        f"measured per invocation (medians; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} "
        "cores: wall time of this machine, CPU time of the handler's thread; requests per invocation)",
    ]
    for key in ("direct", "kinesis:160", f"kinesis:{large}"):
        live = measured[key]
        billed = invocation(live, n, rtt * 1000).billed_ms
        lines.append(
            f"  {key:<14} {live.records:>6} records  wall {live.wall_ms:9.1f} ms  cpu {live.cpu_ms:8.1f} ms"
            f"  billed {billed:,.0f} ms  [{_requests(live)}]"
        )
    lines += [
        "",
        *targets(model, measured, fleet, rtt, large),
        "",
        *per_gb(model, fleet),
        "",
        *monthly(model, fleet),
    ]
    return "\n".join(lines)


def targets(model: Model, measured: dict[str, Measured], fleet: Fleet, rtt: float, large: int) -> list[str]:
    m = model.monthly(fleet)
    gb = fleet.log_gb_per_month
    direct_requests = model.direct.puts + model.direct.gets
    records = model.records_per_invocation(fleet)
    kinesis = model.kinesis(records)
    share = (kinesis.puts + kinesis.gets) / records / direct_requests
    processing = (m["kinesis_s3"] + m["kinesis_lambda"]) / gb
    overlap = rounds(measured, rtt)
    ms = rtt * 1000
    small, big = measured["kinesis:160"], measured[f"kinesis:{large}"]
    small_ms, big_ms = unloaded_ms(small, overlap, ms), unloaded_ms(big, overlap, ms)

    def mark(ok: bool) -> str:
        return "met" if ok else "MISSED"

    per_batch = model.direct.puts + model.direct.gets + model.direct.lists
    return [
        "targets (issues 10 and 26)",
        f"  Kinesis S3 requests per GB = {share:.3%} of Direct (target <= 2 %): {mark(share <= 0.02)}"
        f"  [{records:,.0f} records per invocation for this fleet]",
        f"  Kinesis variable processing ${processing:.4f}/GB = {processing / P.CWL_INGEST_GB:.2%} "
        f"of CloudWatch ingestion ${P.CWL_INGEST_GB}/GB (target <= 5 %): "
        f"{mark(processing <= 0.05 * P.CWL_INGEST_GB)}",
        f"  Kinesis invocation of 160 records: {small_ms:,.0f} ms on an idle core (CPU + round trips;"
        f" {small.wall_ms:,.0f} ms wall here) (target < 1 s): {mark(small_ms < 1000)}",
        f"  Kinesis invocation of {large:,} records: {big_ms:,.0f} ms on an idle core"
        f" ({big.wall_ms:,.0f} ms wall here) (target < 5 s): {mark(big_ms < 5000)}",
        f"  Direct: {overlap:.2f} round trips of wall time (issue 10: archive + partial take 1, not 2): "
        f"{mark(overlap < 1.5)}; a batch with detections adds the alert state's GET and PUT",
        f"  Direct: {per_batch:.2f} S3 requests per batch ({model.direct.puts:.2f} PUT,"
        f" {model.direct.gets:.2f} GET; issue 26: about 2)",
    ]


def per_gb(model: Model, fleet: Fleet) -> list[str]:
    m, gb = model.monthly(fleet), fleet.log_gb_per_month
    return [
        f"$ per GB of logs ({fleet.streams:,} streams, {gb:,.1f} GB/month)",
        f"  CloudWatch Logs ingestion (paid in both modes)   {m['cwl'] / gb:8.4f}",
        f"  Direct:  S3 requests {m['direct_s3'] / gb:.4f} + Lambda {m['direct_lambda'] / gb:.4f}"
        f" = {(m['direct_s3'] + m['direct_lambda']) / gb:.4f}",
        f"  Kinesis: S3 requests {m['kinesis_s3'] / gb:.4f} + Lambda {m['kinesis_lambda'] / gb:.4f}"
        f" + stream {m['provisioned'] / gb:.4f} provisioned ({model.shards(fleet)} shards)"
        f" or {m['on_demand'] / gb:.4f} on demand",
        f"  Firehose to S3 (paper; no live metrics or alarms, no processing) {m['firehose'] / gb:.4f}",
    ]


def monthly(model: Model, base: Fleet) -> list[str]:
    header = "  streams   GB/month  CW ingest     Direct  Kinesis (prov.)  Kinesis (on-demand)  Firehose*"
    lines = ["$ per month, processing + stream (CloudWatch ingestion shown for scale)", header]
    for streams in sorted({*FLEETS, base.streams}):
        fleet = replace(base, streams=streams)
        t, m = model.totals(fleet), model.monthly(fleet)
        lines.append(
            f"  {streams:>7,} {fleet.log_gb_per_month:>10,.1f} {m['cwl']:>10,.2f} {t['direct']:>10,.2f}"
            f" {t['kinesis']:>16,.2f} {t['kinesis_on_demand']:>20,.2f} {t['firehose']:>10,.2f}"
        )
    provisioned, on_demand = model.crossover(base), model.crossover(base, "kinesis_on_demand")
    lines += [
        "  * Firehose on paper: ingestion + S3 PUTs only (no live metrics, no processing)",
        f"crossover: Kinesis (provisioned) is cheaper than Direct from {provisioned:,} streams;"
        f" on demand from {on_demand:,} streams"
        if provisioned and on_demand
        else "crossover: none found",
    ]
    return lines
