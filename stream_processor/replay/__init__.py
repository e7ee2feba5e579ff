"""Replay: re-feed archived batches (our archive, Firehose objects, export-task objects) through
the one pipeline (`stream_processor.ingest.Ingest`), in-process or through the replay SQS queue.

Modules: `days` (the UTC day range), `formats` and `export` (pure: object bytes → payloads),
`select` (which objects), `work` (one object through Ingest), `run` (worker pool, progress),
`queue` (SQS messages: enqueue and consume), `dlq` (re-drive the on-failure queue), `cli`.
"""
