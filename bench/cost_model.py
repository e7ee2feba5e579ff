"""The cost model (pure arithmetic): measured requests and milliseconds per invocation → $/GB and
$/month for a fleet, Direct vs Kinesis (provisioned, on demand), Firehose on paper; the crossover.

Lambda bills arm64 GB-seconds: the template's 1024 MB get about 1024/1769 of a vCPU, so the CPU
part of a measured invocation (its wall time with no added round trip) is scaled by 1769/1024;
the waiting part (wall time at the round trip minus the CPU part) is not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from bench import prices as P

MEMORY_MB = 1024  # template.yaml ProcessorMemorySize default
FULL_VCPU_MB = 1769
BATCHING_WINDOW_S = 60  # template.yaml KinesisBatchingWindowSeconds default
MAX_RECORDS = 10_000  # KinesisBatchSize maximum
MAX_EVENT_BYTES = 6 * 1024 * 1024  # a Lambda event (base64 records) is at most 6 MB
FIREHOSE_BUFFER_S, FIREHOSE_BUFFER_BYTES = 300, 5 * 1024 * 1024
FLEETS = (10, 100, 1_000, 10_000)


@dataclass(frozen=True, slots=True)
class Fleet:
    """Streams (instances), each logging `events_per_s` events of `message_bytes`, flushed by the
    CloudWatch agent every `flush_s`: one CloudWatch batch per stream per flush. `auth_failures`
    and `sudo` are the shares of lines that are sshd "Failed password for invalid user … from
    <random address>" and sudo commands (a security-heavy, internet-facing fleet)."""

    streams: int
    events_per_s: float = 2.0
    flush_s: float = 15.0
    message_bytes: int = 200
    auth_failures: float = 0.0
    sudo: float = 0.0
    name: str = "quiet"

    @property
    def events_per_batch(self) -> int:
        return max(1, round(self.events_per_s * self.flush_s))

    @property
    def batches_per_s(self) -> float:
        return self.streams / self.flush_s

    @property
    def log_gb_per_month(self) -> float:
        """GB CloudWatch Logs bills for ingestion (message bytes + 26 per event)."""
        per_event = self.message_bytes + P.CWL_EVENT_OVERHEAD
        return self.streams * self.events_per_s * per_event * P.SECONDS_PER_MONTH / P.GB


@dataclass(frozen=True, slots=True)
class Measured:
    """One kind of invocation as measured: records each, how many, median wall ms, requests."""

    records: int
    invocations: int
    wall_ms: float
    requests: dict[str, int] = field(default_factory=dict)
    cpu_ms: float = 0.0  # median CPU time of the handler's thread (robust to a loaded machine)

    def per_invocation(self, prefix: str) -> float:
        return sum(n for op, n in self.requests.items() if op.startswith(prefix)) / max(1, self.invocations)


@dataclass(frozen=True, slots=True)
class Invocation:
    """What one invocation costs in requests and billed milliseconds."""

    puts: float
    gets: float
    lists: float
    billed_ms: float

    def dollars(self) -> tuple[float, float]:
        """(S3 requests, Lambda request + GB-seconds) in $ for one invocation."""
        s3 = self.puts * P.S3_PUT_PER_1000 / 1000 + self.gets * P.S3_GET_PER_1000 / 1000
        s3 += self.lists * P.S3_LIST_PER_1000 / 1000
        gb_s = MEMORY_MB / 1024 * self.billed_ms / 1000
        return s3, P.LAMBDA_REQUEST + gb_s * P.LAMBDA_GB_SECOND_ARM64


def invocation(live: Measured, rounds: float, rtt_ms: float) -> Invocation:
    """Billed ms: the handler's CPU time scaled to MEMORY_MB's share of a vCPU, plus the round
    trips on its critical path (`rounds`, measured on Direct invocations: the archive put overlaps
    parsing, the bundle put follows it)."""
    billed = math.ceil(live.cpu_ms * max(1.0, FULL_VCPU_MB / MEMORY_MB) + rounds * rtt_ms)
    return Invocation(
        live.per_invocation("s3:PutObject"),
        live.per_invocation("s3:GetObject"),
        live.per_invocation("s3:List"),
        billed,
    )


def unloaded_ms(live: Measured, rounds: float, rtt_ms: float) -> float:
    """Wall time on an idle core: CPU time plus the round trips on the critical path."""
    return live.cpu_ms + rounds * rtt_ms


@dataclass(frozen=True, slots=True)
class Model:
    """The measured invocations and the payload size; costs for any fleet."""

    direct: Invocation
    small: Invocation  # a Kinesis invocation of `small_records`
    large: Invocation
    small_records: int
    large_records: int
    payload_bytes: float

    def kinesis(self, records: float) -> Invocation:
        """A Kinesis invocation of `records`, interpolated linearly between the two measured."""
        span = self.large_records - self.small_records
        t = (records - self.small_records) / span
        a, b = self.small, self.large
        return Invocation(
            a.puts + t * (b.puts - a.puts),
            a.gets + t * (b.gets - a.gets),
            a.lists + t * (b.lists - a.lists),
            max(1.0, a.billed_ms + t * (b.billed_ms - a.billed_ms)),
        )

    def shards(self, fleet: Fleet) -> int:
        by_records = fleet.batches_per_s / P.KINESIS_SHARD_RECORDS_PER_S
        by_bytes = fleet.batches_per_s * self.payload_bytes / P.KINESIS_SHARD_BYTES_PER_S
        return max(1, math.ceil(max(by_records, by_bytes)))

    def records_per_invocation(self, fleet: Fleet) -> float:
        per_window = fleet.batches_per_s / self.shards(fleet) * BATCHING_WINDOW_S
        by_size = MAX_EVENT_BYTES / (self.payload_bytes * 4 / 3)
        return max(1.0, min(per_window, by_size, MAX_RECORDS))

    def monthly(self, fleet: Fleet) -> dict[str, float]:
        """$/month per part: processing (S3, Lambda) per mode, stream costs, Firehose on paper."""
        batches = fleet.batches_per_s * P.SECONDS_PER_MONTH
        d_s3, d_lambda = self.direct.dollars()
        records = self.records_per_invocation(fleet)
        k_s3, k_lambda = self.kinesis(records).dollars()
        invocations = batches / records
        kb = math.ceil(self.payload_bytes / 1024)
        units = math.ceil(self.payload_bytes / P.KINESIS_PUT_UNIT_BYTES)
        firehose_bytes = batches * math.ceil(self.payload_bytes / P.FIREHOSE_RECORD_ROUNDING) * 5 * 1024
        objects = max(
            P.SECONDS_PER_MONTH / FIREHOSE_BUFFER_S, batches * self.payload_bytes / FIREHOSE_BUFFER_BYTES
        )
        return {
            "cwl": fleet.log_gb_per_month * P.CWL_INGEST_GB,
            "direct_s3": batches * d_s3,
            "direct_lambda": batches * d_lambda,
            "kinesis_s3": invocations * k_s3,
            "kinesis_lambda": invocations * k_lambda,
            "provisioned": self.shards(fleet) * P.HOURS_PER_MONTH * P.KINESIS_SHARD_HOUR
            + batches * units * P.KINESIS_PUT_UNIT,
            "on_demand": P.HOURS_PER_MONTH * P.KINESIS_ON_DEMAND_STREAM_HOUR
            + batches * kb / 1024**2 * (P.KINESIS_ON_DEMAND_GB_IN + P.KINESIS_ON_DEMAND_GB_OUT),
            "firehose": firehose_bytes / P.GB * P.FIREHOSE_GB + objects * P.S3_PUT_PER_1000 / 1000,
        }

    def totals(self, fleet: Fleet) -> dict[str, float]:
        m = self.monthly(fleet)
        processing = m["kinesis_s3"] + m["kinesis_lambda"]
        return {
            "direct": m["direct_s3"] + m["direct_lambda"],
            "kinesis": processing + m["provisioned"],
            "kinesis_on_demand": processing + m["on_demand"],
            "firehose": m["firehose"],
        }

    def crossover(self, base: Fleet, mode: str = "kinesis") -> int | None:
        """The smallest fleet (streams) where `mode` costs less than Direct."""
        for streams in range(1, 200_001):
            fleet = replace(base, streams=streams)
            totals = self.totals(fleet)
            if totals[mode] < totals["direct"]:
                return streams
        return None
