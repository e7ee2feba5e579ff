"""Byte identity of the pipeline's output over a large generated sample: the check behind every
speed change (docs/processor.md).

Hashes, per rule set (default, and custom rules with a pathological pattern), the encoded partials,
every parse result and every rule hit of about 99,000 events in 5,119 batches: bench/decode.py's
generator at 1 to 5,000 events a batch, the large dataset (bench/samples.py), the cost fleet's
batches (bench/cost.py), the test builders' labelled day, every LogHub log of ../shared/corpus
whole and in chunks of 1 to 250 lines, planted secrets of every shape, and hostile messages (1 MB
lines, deep nesting, invalid UTF-8, lone surrogates, odd field types). `process_data` runs a
second time over everything with the memo warm. Save the digests before a change, check after:

    python -m bench.identity save /tmp/identity.txt     # before
    python -m bench.identity check /tmp/identity.txt    # after: IDENTICAL, or exit status 1
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson

from bench import cost
from bench.decode import START_MS, make_batch
from bench.samples import large_batch, subscription_batch
from stream_processor import aggregate
from stream_processor.config import DEFAULT_DOCUMENT, parse_config
from stream_processor.pipeline import Rules, analyse_batch, decode_data, process_data
from tests.support.builders import corpus_file, generated_day, labelled_batches
from tests.support.planted_secrets import plant

LOGHUB = corpus_file("logs", "loghub")  # absent: the sample is smaller, and says so (its batch count)
HOSTILE = [
    "x" * 1_000_000,
    "{" * 5000 + "}" * 5000,
    '{"a":' * 300 + "1" + "}" * 300,
    "bad \udcff surrogate \ud800",
    "ctrl \x00\x01\x02 chars\r\n\t",
    "",
    " ",
    "{}",
    "[]",
    "null",
    '{"level": 5, "latency_ms": "12ms", "user": {"name": "x"}, "status": true}',
    '{"level": ["x"], "latency_ms": NaN}',
    '{"level":"error","msg":null,"user":123}',
    '<13>1 2026-01-01T00:00:00Z host app - ID - {"level":"info"}',
    "<999>bad pri",
    '  {"level":"warn"}  ',
    '{"level":"ERROR","message":"é ü 漢字 🎉"}',
    "ERROR " + "é" * 3000,
    'level=error msg="quoted \\" x" user=bob latency_ms=3',
    '{"latency_ms": 1e400, "level":"info"}',
    '{"latency_ms": -1}',
    '{"duration_ms": 86400001}',
]


def _raw(messages: list[str], start: int) -> bytes:
    """A payload built with the stdlib's JSON (it keeps lone surrogates as escapes, as AWS may)."""
    events = [
        {"id": f"{start + i:020d}{i:036d}", "timestamp": start + i * 37, "message": m}
        for i, m in enumerate(messages)
    ]
    envelope = {"messageType": "DATA_MESSAGE", "owner": "1", "logGroup": "/operator/logs", "logStream": "s"}
    return gzip.compress(json.dumps({**envelope, "logEvents": events}).encode(), mtime=0)


def payloads() -> Iterator[str | bytes]:
    """Every payload of the sample, in a fixed order."""
    rng = random.Random(11)
    sizes = [1] * 1500 + [2] * 200 + [3] * 200 + [5] * 100 + [10] * 200 + [40] * 40 + [100] * 20
    for size in [*sizes, 1000, 1000, 1000, 5000]:
        yield make_batch(rng, size, START_MS + rng.randrange(30 * 3_600_000))["awslogs"]["data"]
    rng = random.Random(12)
    for size in [1] * 300 + [10] * 60 + [100] * 10 + [1000] * 2:
        yield large_batch(rng, size, START_MS + rng.randrange(30 * 3_600_000))["awslogs"]["data"]
    yield from cost.payloads(300, 30, 200, 5)
    yield from cost.payloads(200, 1, 200, 6)
    yield from labelled_batches(generated_day("2025-11-26", seed=3, per_hour=60))
    for path in sorted(LOGHUB.glob("*_2k.log")):
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        yield subscription_batch(lines, START_MS)["awslogs"]["data"]
        rng = random.Random(len(lines))
        at = 0
        while at < len(lines):
            size = rng.choice((1, 1, 2, 3, 7, 40, 250))
            start = START_MS + rng.randrange(10**8)
            yield subscription_batch(lines[at : at + size], start)["awslogs"]["data"]
            at += size
    for seed in range(40):
        messages = [planted.message for planted in plant(seed)]
        yield subscription_batch(messages, START_MS + seed * 1000)["awslogs"]["data"]
        for message in messages[:20]:
            yield subscription_batch([message], START_MS + seed)["awslogs"]["data"]
    yield _raw(HOSTILE, START_MS)
    for message in HOSTILE:
        yield _raw([message], START_MS)
    rng = random.Random(99)
    alphabet = '{}[]":,=<> \n\tabcERROR0123456789lvlmsuer.é\x00'
    for _ in range(200):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 200)))
        yield _raw([text, text[::-1], text.upper()], START_MS)


def digests() -> str:
    """One line per rule set: batches, events and the sha256 of everything the pipeline derived."""
    data = list(payloads())
    custom = {"patho": "(a+)+$", "custom_user": "(?i)user=bob", "admin": "admin"}
    lines = []
    for name, rules in (
        ("default", Rules()),
        ("custom", parse_config({**DEFAULT_DOCUMENT, "SecurityRules": custom}).rules),
    ):
        digest, events = hashlib.sha256(), 0
        for payload in data:
            analysed = analyse_batch(decode_data(payload), rules)
            for partial in analysed.partials:
                digest.update(aggregate.encode(partial))
            digest.update(orjson.dumps([list(parsed) for parsed in analysed.parsed]))
            digest.update(orjson.dumps(sorted((k, list(v)) for k, v in analysed.hits.items())))
            events += len(analysed.parsed)
        for payload in data:  # again, with every memo warm
            for partial in process_data(payload, rules):
                digest.update(aggregate.encode(partial))
        lines.append(f"{name} batches={len(data)} events={events} {digest.hexdigest()}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    found = digests()
    print(found)
    if len(args) == 2 and args[0] == "save":
        Path(args[1]).write_text(found)
    elif len(args) == 2 and args[0] == "check":
        same = Path(args[1]).read_text() == found
        print("IDENTICAL" if same else "DIFFERENT")
        return 0 if same else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
