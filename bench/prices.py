"""AWS list prices the cost model uses, in one place: us-east-1, on-demand, as published on the
services' pricing pages and checked on PRICES_AS_OF. Change them here (and re-run `make cost`)."""

from __future__ import annotations

PRICES_AS_OF = "2025-11 (us-east-1 list prices)"

# S3 Standard requests
S3_PUT_PER_1000 = 0.005  # PUT, COPY, POST, LIST
S3_LIST_PER_1000 = 0.005
S3_GET_PER_1000 = 0.0004

# Lambda, arm64
LAMBDA_GB_SECOND_ARM64 = 0.0000133334
LAMBDA_REQUEST = 0.20 / 1_000_000

# Kinesis Data Streams
KINESIS_SHARD_HOUR = 0.015  # provisioned
KINESIS_PUT_UNIT = 0.014 / 1_000_000  # provisioned: per 25 KB PUT payload unit
KINESIS_PUT_UNIT_BYTES = 25 * 1024
KINESIS_ON_DEMAND_STREAM_HOUR = 0.04
KINESIS_ON_DEMAND_GB_IN = 0.08  # record sizes rounded up to 1 KB
KINESIS_ON_DEMAND_GB_OUT = 0.04  # retrieval (the Lambda mapping reads everything once)
KINESIS_SHARD_RECORDS_PER_S = 1000
KINESIS_SHARD_BYTES_PER_S = 1024 * 1024

# CloudWatch Logs (what the reviewed logs already cost): ingestion, per GB of event data
# (message bytes + 26 bytes per event)
CWL_INGEST_GB = 0.50
CWL_EVENT_OVERHEAD = 26

# Amazon Data Firehose (on paper only): ingestion per GB, records rounded up to 5 KB
FIREHOSE_GB = 0.029
FIREHOSE_RECORD_ROUNDING = 5 * 1024

HOURS_PER_MONTH = 730
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600
GB = 1024**3
