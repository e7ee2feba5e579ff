"""The partial aggregate's merge laws (docs/design.md §6), stated once and property-tested on two kinds
of partials:

- built: what `aggregate_batch` really builds from generated batches of one UTC day (several log
  groups, hours, levels, latencies, principals, error signatures and security hits), under the
  counter caps;
- past the caps: windows whose counters had up to 3 × `COUNTER_CAP` keys from overlapping pools
  (keys recur across partials with different counts), fitted to the cap as the pipeline fits them.

Laws: associative, commutative, pure, with `empty()` as identity; any order, streamed in place or
merged as a random tree, gives the same bytes; nothing counted is lost (the windows' events, and
the per account/region/group `origins` of schema 3, which built partials draw from two accounts and
three regions, one unknown). A schema-2 partial (no origins) reads and merges as one with none.
Past the caps, kept counts are exact and the rest is counted as folded; a last test checks the
caps bound a merge.
"""

from __future__ import annotations

import copy
import functools
import itertools
import random
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stream_processor import aggregate
from stream_processor.aggregate import counters, evidence
from stream_processor.decode import Batch, batch_id
from stream_processor.pipeline import Rules, aggregate_batch

CAP = aggregate.COUNTER_CAP
DAY_MS = 1_764_115_200_000  # 2025-11-26T00:00:00Z
BUILT = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PAST_CAPS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_serial = itertools.count()

TEMPLATES = (
    '{{"level": "{level}", "message": "request done", "latency_ms": {n}, "user": "{user}", '
    '"action": "{action}", "status": {status}}}',
    "{level}: worker {n} failed to reach db-{m}.internal after {n} ms",
    "Nov 26 12:00:01 host sshd[{n}]: Failed password for {user} from 10.0.0.{m} port 22 ssh2",
    "Nov 26 12:00:02 host sudo: {user} : TTY=pts/0 ; USER=root ; COMMAND=/bin/ls",
    'level={level} msg="job {m}" duration_ms={n} user={user} action={action}',
    "Traceback (most recent call last):\n  File \"app.py\", line {n}\nKeyError: 'k{m}'",
    "REPORT RequestId: {m} Duration: {n}.5 ms Billed Duration: {n} ms",
    "DeleteBucket called by {user} on bucket-{m} token=abc{n}",
    "Nov 26 12:00:03 host sshd[{n}]: Accepted password for {user} from 10.0.0.{m} port 22 ssh2",
)

event_specs = st.tuples(
    st.integers(0, len(TEMPLATES) - 1),
    st.sampled_from(("INFO", "DEBUG", "WARN", "ERROR", "CRITICAL", "notice")),
    st.integers(0, 5000),
    st.integers(0, 9),
    st.sampled_from(("alice", "bob", "root", "svc")),
    st.sampled_from(("GetObject", "login", "AttachUserPolicy")),
    st.sampled_from((200, 401, 403, 500)),
    st.integers(0, 86_400_000 - 1),
)


def _message(spec: tuple[Any, ...]) -> str:
    template, level, n, m, user, action, status, _ = spec
    return TEMPLATES[template].format(level=level, n=n, m=m, user=user, action=action, status=status)


@st.composite
def built_partials(draw: st.DrawFn) -> aggregate.Partial:
    """One partial: a generated batch of one log group, all on the same UTC day."""
    group = draw(st.sampled_from(("/admin/logs", "/operator/logs")))
    owner = draw(st.sampled_from(("111111111111", "222222222222")))
    region = draw(st.sampled_from(("eu-west-1", "us-east-1", "")))
    specs = draw(st.lists(event_specs, min_size=1, max_size=25))
    serial = next(_serial)
    events = [
        {"id": f"{serial:08d}{i:04d}", "timestamp": DAY_MS + spec[-1], "message": _message(spec)}
        for i, spec in enumerate(specs)
    ]
    stream = f"stream-{serial}"
    batch = Batch("DATA_MESSAGE", owner, group, stream, (), events, batch_id(owner, group, stream, events))
    (partial,) = aggregate_batch(batch, RULES[region])
    return partial


RULES = {region: Rules(region=region) for region in ("eu-west-1", "us-east-1", "")}


def _capped_window(rng: random.Random, keys: int) -> aggregate.Window:
    window = aggregate.new_window()
    window["events"] = keys * 3
    for _ in range(keys):
        n = rng.randrange(6 * CAP)
        window["principals"][f"arn:aws:iam::1:user/u{n}"] = rng.randrange(1, 40)
        window["actions"][f"op{n % (4 * CAP)}"] = rng.randrange(1, 9)
        window["statuses"][str(n % 700)] = 1
        first = [DAY_MS + rng.randrange(3_600_000), f"{rng.randrange(10**6):056d}"]
        window["error_signatures"][f"ERROR kind {n} <*>"] = {
            "count": 2,
            "first": first,
            "sample": f"s{first}",
        }
    rules = window["security"]
    rules["auth_failure"] = {
        "count": 9,
        "samples": sorted(
            [DAY_MS + rng.randrange(99), f"{rng.randrange(10**6):056d}", "t"] for _ in range(5)
        ),
    }
    window["evidence"] = evidence.build(_evidence_items(rng, keys))
    return aggregate.cap_window(window)


def _evidence_items(rng: random.Random, keys: int) -> list[tuple[str, dict[str, Any]]]:
    """Failed logins from up to 2 × `FAILED_KEYS` sources and sudo lines of up to 2 × `KEYS_PER_KIND`
    principals, times and ids recurring across partials (the same event may be kept twice)."""
    found: list[tuple[str, dict[str, Any]]] = []
    for _ in range(keys):
        n = rng.randrange(2 * evidence.FAILED_KEYS)
        stamp = DAY_MS + rng.randrange(3_600_000)
        item = {"t": stamp, "id": f"{n:08d}{stamp % 97}", "stream": "s", "src": f"10.1.{n // 250}.{n % 250}",
                "line": f"Failed password from {n}"}  # fmt: skip
        found.append(("failed_login", item))
        if n % 3 == 0:
            who = f"u{n % (2 * evidence.KEYS_PER_KIND)}"
            found.append(("privilege", {**item, "who": who, "detail": f"COMMAND=/bin/ls {n}"}))
    return found


@st.composite
def past_cap_partials(draw: st.DrawFn) -> aggregate.Partial:
    """A partial whose windows' counters were up to 3 × the cap before fitting."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    windows: dict[str, Any] = {}
    for group in draw(st.sets(st.sampled_from(("/admin/logs", "/operator/logs")), min_size=1)):
        hours = draw(st.sets(st.sampled_from(("00", "07", "23")), min_size=1, max_size=2))
        windows[group] = {hour: _capped_window(rng, draw(st.integers(CAP // 2, 3 * CAP))) for hour in hours}
    return {
        "schema": aggregate.SCHEMA,
        "date": "2025-11-26",
        "partials": 1,
        "batches": 1,
        "batch_ids": None,
        "archive": None,
        "origins": {
            f"{rng.choice(('1', '2'))} {rng.choice(('r1', 'r2'))} {group}": [
                1,
                rng.randrange(99),
                0,
                rng.randrange(5),
            ]
            for group in windows
        },
        "windows": windows,
    }


def _enc(partial: aggregate.Partial) -> bytes:
    return aggregate.encode(partial)


def _tree(items: list[aggregate.Partial], rng: random.Random) -> aggregate.Partial:
    if len(items) == 1:
        return items[0]
    cut = rng.randrange(1, len(items))
    return aggregate.merge(_tree(items[:cut], rng), _tree(items[cut:], rng))


def _streamed(items: list[aggregate.Partial]) -> aggregate.Partial:
    """Each merged in place into one running partial, as the daily report streams them (copies,
    so `items` stay as they were)."""
    streamed = aggregate.empty()
    for item in items:
        aggregate.merge_into(streamed, copy.deepcopy(item))
    return streamed


def _events(partial: aggregate.Partial) -> int:
    return sum(w["events"] for hours in partial["windows"].values() for w in hours.values())


def _origin_totals(partial: aggregate.Partial) -> list[int]:
    """batches, events, errors, security events summed over the partial's origins."""
    return [sum(column) for column in zip(*partial["origins"].values(), strict=True)] or [0, 0, 0, 0]


def assert_merge_laws(items: list[aggregate.Partial], rng: random.Random) -> None:
    """docs/design.md §6's laws on three or more partials, each checked on the encoded bytes."""
    a, b, c = items[:3]
    before = copy.deepcopy(items)
    empty = aggregate.empty()
    assert _enc(aggregate.merge(aggregate.merge(a, b), c)) == _enc(aggregate.merge(a, aggregate.merge(b, c)))
    assert _enc(aggregate.merge(a, b)) == _enc(aggregate.merge(b, a))
    assert _enc(aggregate.merge(a, empty)) == _enc(a) == _enc(aggregate.merge(empty, a))
    assert aggregate.merge(empty, aggregate.empty()) == aggregate.empty()
    expected = _enc(functools.reduce(aggregate.merge, items))  # left to right
    shuffled = list(items)
    rng.shuffle(shuffled)
    assert _enc(_streamed(shuffled)) == expected
    rng.shuffle(shuffled)
    assert _enc(_tree(shuffled, rng)) == expected
    assert items == before  # merge is pure
    merged = aggregate.decode(expected)
    assert merged == orjson.loads(expected)
    assert _events(merged) == sum(_events(p) for p in items)
    assert _origin_totals(merged) == [sum(c) for c in zip(*map(_origin_totals, items), strict=True)]
    assert merged["partials"] == merged["batches"] == len(items)
    assert merged["batch_ids"] is None and merged["archive"] is None  # ids are not merged


@BUILT
@given(st.lists(built_partials(), min_size=3, max_size=6), st.randoms(use_true_random=False))
def test_merge_laws_on_built_partials(items: list[aggregate.Partial], rng: random.Random) -> None:
    for item in items:  # a built partial's one origin holds its batch and all its events
        assert _origin_totals(item)[:2] == [1, _events(item)]
    assert_merge_laws(items, rng)


def _schema_2(partial: aggregate.Partial) -> aggregate.Partial:
    """What a writer before schema 3 made of the same batch: no origins."""
    old = {key: value for key, value in copy.deepcopy(partial).items() if key != "origins"}
    return {**old, "schema": 2}


@BUILT
@given(st.lists(built_partials(), min_size=2, max_size=4))
def test_a_schema_2_partial_reads_and_merges_as_one_without_origins(items: list[aggregate.Partial]) -> None:
    old, *new = items
    upgraded = {**old, "origins": {}}
    assert aggregate.decode(_enc(_schema_2(old))) == upgraded
    expected = _enc(functools.reduce(aggregate.merge, [upgraded, *new]))
    assert _enc(functools.reduce(aggregate.merge, [*new, _schema_2(old)])) == expected
    accumulated = _schema_2(old)  # a stored rollup of schema 2, streamed into
    for item in new:
        aggregate.merge_into(accumulated, copy.deepcopy(item))
    assert _enc(accumulated) == expected
    assert _origin_totals(accumulated) == [sum(c) for c in zip(*map(_origin_totals, new), strict=True)]


@PAST_CAPS
@given(st.lists(past_cap_partials(), min_size=3, max_size=5), st.randoms(use_true_random=False))
def test_merge_laws_past_the_caps(items: list[aggregate.Partial], rng: random.Random) -> None:
    assert_merge_laws(items, rng)


@PAST_CAPS
@given(st.lists(past_cap_partials(), min_size=2, max_size=4))
def test_kept_counts_are_exact_and_folded_events_add_up(items: list[aggregate.Partial]) -> None:
    """What a merge shows is true: every kept key has its full count; the rest is `folded`."""
    merged = functools.reduce(aggregate.merge, items)
    for group, hours in merged["windows"].items():
        for hour, window in hours.items():
            inputs = [p["windows"][group][hour] for p in items if hour in p["windows"].get(group, {})]
            for name in aggregate.CAPPED:
                level, folded = counters.folded_entry(window["folded"], name)
                assert len(window[name]) <= CAP
                for key, kept in window[name].items():
                    assert counters.level(key) >= level
                    parts = [w[name][key] for w in inputs if key in w[name]]
                    if name == "error_signatures":
                        assert kept["count"] == sum(part["count"] for part in parts)
                        assert kept["first"] == min(part["first"] for part in parts)
                    else:
                        assert kept == sum(parts)
                weight = (lambda e: e["count"]) if name == "error_signatures" else (lambda n: n)
                every = sum(weight(v) for w in inputs for v in w[name].values())
                every += sum(counters.folded_entry(w["folded"], name)[1] for w in inputs)
                assert folded == every - sum(weight(v) for v in window[name].values())


def _window(serial: int) -> aggregate.Window:
    window = aggregate.new_window()
    window["events"] = 50
    for i in range(50):
        window["principals"][f"user-{serial}-{i}"] = 1 + i % 3
        window["actions"][f"action-{serial}-{i}"] = 1
        window["error_signatures"][f"error <*> kind {serial}-{i}"] = {
            "count": 1,
            "first": [DAY_MS + serial, f"{serial}-{i}"],
            "sample": "x" * 500,
        }
    window["security"]["auth_failure"] = {
        "count": 50,
        "samples": [[DAY_MS + serial, f"{serial}-{i}", "y" * 500] for i in range(5)],
    }
    return window


def test_caps_bound_the_size_of_a_merge() -> None:
    """1,000 partials with 50 new keys each: the counters stay at their caps, kept counts are
    exact, and the events of every key left out are counted as folded."""
    merged = aggregate.empty()
    for serial in range(1000):
        partial = {
            **aggregate.empty(),
            "date": "2025-11-26",
            "partials": 1,
            "batches": 1,
            "windows": {"/admin/logs": {"12": _window(serial)}},
        }
        aggregate.merge_into(merged, partial)
        window = merged["windows"]["/admin/logs"]["12"]
        assert len(window["principals"]) <= aggregate.COUNTER_CAP
        assert len(window["error_signatures"]) <= aggregate.COUNTER_CAP
    assert window["events"] == 50_000
    assert len(window["security"]["auth_failure"]["samples"]) == aggregate.SAMPLES_PER_RULE
    assert window["security"]["auth_failure"]["count"] == 50_000
    everything = {f"user-{s}-{i}": 1 + i % 3 for s in range(1000) for i in range(50)}
    folded = window["folded"]["principals"]
    assert window["principals"] == {
        k: n for k, n in everything.items() if counters.level(k) >= folded["level"]
    }
    assert folded["events"] == sum(everything.values()) - sum(window["principals"].values())
    assert window["folded"]["actions"]["events"] == 50_000 - len(window["actions"])
    signatures = window["folded"]["error_signatures"]
    assert signatures["events"] == 50_000 - len(window["error_signatures"])
    assert len(aggregate.encode(merged)) < 1_500_000  # bounded, not proportional to 1,000 partials
