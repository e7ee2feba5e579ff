"""Every public CloudWatch Logs fixture in ../shared/corpus/events against our decoder and pipeline.

Expected counts are computed here independently (stdlib base64 + zlib + json), never by our code.
Wrapped events (Lambda `awslogs`, Kinesis `Records`, the Firehose transformation `records`) must
decode with exactly their event counts; CONTROL_MESSAGE payloads are skipped (no partials). Bare
envelopes are compressed here and fed to `process_data`: a valid envelope aggregates, a broken one
and several concatenated envelopes (Firehose-style objects, which replay splits) are DecodeErrors.
"""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from pathlib import Path
from typing import Any

import pytest

from stream_processor.decode.sources import event_kind, payloads
from stream_processor.errors import DecodeError, UnknownEventShape
from stream_processor.pipeline import decode_data, process_data
from tests.support.builders import corpus_file

EVENTS = corpus_file("events")
pytestmark = pytest.mark.skipif(not EVENTS.is_dir(), reason="../shared/corpus is absent")


def _fixtures() -> list[Path]:
    return sorted(EVENTS.iterdir()) if EVENTS.is_dir() else []


def _documents(text: str) -> list[Any]:
    """Every JSON document in the file (several when they are concatenated)."""
    decoder, docs, pos = json.JSONDecoder(), [], 0
    while pos < len(text.rstrip()):
        while text[pos].isspace():
            pos += 1
        doc, pos = decoder.raw_decode(text, pos)
        docs.append(doc)
    return docs


def _wrapped_datas(doc: Any) -> list[str] | None:
    """The base64 payloads of a wrapped event, or None when the document is a bare envelope."""
    if isinstance(doc, dict) and "awslogs" in doc:
        return [doc["awslogs"]["data"]]
    if isinstance(doc, dict) and isinstance(doc.get("Records"), list):
        return [record["kinesis"]["data"] for record in doc["Records"]]
    if isinstance(doc, dict) and isinstance(doc.get("records"), list):
        return [record["data"] for record in doc["records"]]
    return None


def _expected(data: str) -> tuple[str, int]:
    """(messageType, number of log events) by the stdlib alone; wbits 47 = gzip or zlib."""
    envelope = json.loads(zlib.decompress(base64.b64decode(data), 47))
    return envelope["messageType"], len(envelope["logEvents"])


WRAPPED = [p for p in _fixtures() if len(docs := _documents(p.read_text())) == 1 and _wrapped_datas(docs[0])]
BARE = [p for p in _fixtures() if p not in WRAPPED]


def test_the_corpus_has_the_fixtures_this_file_is_about() -> None:
    names = {p.name for p in WRAPPED}
    assert "powertools__cloudWatchLogEventWithPolicyLevel.json" in names  # the zlib one
    assert "powertools__kinesisStreamCloudWatchLogsEvent.json" in names
    assert len(WRAPPED) >= 6 and len(BARE) >= 15


@pytest.mark.parametrize("path", WRAPPED, ids=lambda p: p.name)
def test_wrapped_event_decodes_with_its_event_count(path: Path) -> None:
    datas = _wrapped_datas(json.loads(path.read_text()))
    assert datas
    for data in datas:
        message_type, count = _expected(data)
        batch = decode_data(data)
        if message_type == "CONTROL_MESSAGE":
            assert batch.is_control and batch.events == []
            assert process_data(data) == []
            continue
        assert (batch.message_type, len(batch.events)) == ("DATA_MESSAGE", count)
        assert all(isinstance(event["id"], str) for event in batch.events)
        partials = process_data(data)
        assert sum(_events(p) for p in partials) == count
        assert sorted(p["date"] for p in partials) == [p["date"] for p in partials]


def _events(partial: dict[str, Any]) -> int:
    return sum(w["events"] for hours in partial["windows"].values() for w in hours.values())


def test_zlib_fixture_with_policy_level_is_zlib_and_tolerated() -> None:
    doc = json.loads((EVENTS / "powertools__cloudWatchLogEventWithPolicyLevel.json").read_text())
    raw = base64.b64decode(doc["awslogs"]["data"])
    assert raw[:1] == b"\x78"  # zlib, not gzip
    assert "policyLevel" in json.loads(zlib.decompress(raw))
    batch = decode_data(doc["awslogs"]["data"])
    assert batch.log_group == "testLogGroup" and len(batch.events) == 2


def test_wrapped_events_go_through_sources() -> None:
    """The Lambda and Kinesis shapes are dispatched; the Firehose transformation shape is not ours."""
    for path in WRAPPED:
        doc = json.loads(path.read_text())
        if "records" in doc:
            with pytest.raises(UnknownEventShape, match="records"):
                event_kind(doc)
            continue
        assert [p.data for p in payloads(doc)] == _wrapped_datas(doc)


@pytest.mark.parametrize("path", BARE, ids=lambda p: p.name)
def test_bare_envelope_compressed_and_processed(path: Path) -> None:
    text = path.read_text()
    docs = _documents(text)
    raw = gzip.compress(text.encode(), mtime=0)
    if len(docs) > 1:
        # Firehose-style concatenation: the replay engineer splits those objects; one live
        # subscription payload holds exactly one envelope, so the live decoder refuses it.
        with pytest.raises(DecodeError) as caught:
            process_data(raw)
        assert caught.value.reason == "concatenated_json"
        return
    (envelope,) = docs
    if not isinstance(envelope.get("logGroup"), str):
        with pytest.raises(DecodeError) as caught:  # e.g. otel's invalid_cloudwatch_log
            process_data(raw)
        assert caught.value.reason == "bad_envelope" and "logGroup" in str(caught.value)
        return
    partials = process_data(raw)
    if envelope["messageType"] == "CONTROL_MESSAGE":
        assert partials == []
        return
    assert sum(_events(p) for p in partials) == len(envelope["logEvents"])
    assert all(list(p["windows"]) == [envelope["logGroup"]] and p["batches"] == 1 for p in partials)


def test_invalid_otel_fixture_is_a_decode_error() -> None:
    path = EVENTS / "otel-contrib__awslogsenc-subscription-filter__invalid_cloudwatch_log.json"
    with pytest.raises(DecodeError) as caught:
        process_data(gzip.compress(path.read_bytes()))
    assert caught.value.reason == "bad_envelope"
