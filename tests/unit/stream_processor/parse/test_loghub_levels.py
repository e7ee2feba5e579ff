"""The level of every labelled LogHub line (../shared/corpus/logs/loghub) must be the labelled one.

Ground truth comes from LogHub itself, never from our parser: the `Level` column of the
`*_structured.csv` files (Apache, HDFS), and for the other samples whose LogHub format string
names a `<Level>` field, that field read with LogHub's own format string (its benchmark settings,
`log_format`), turned into a regular expression the way LogHub's parsers do. Linux's format also
names a `<Level>`, but that column holds the host name (`combo`), so it is not a label. Each
dataset's level vocabulary is mapped to ours explicitly below.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator

import pytest

from stream_processor.parse import parse_message
from stream_processor.parse.formats import field_level
from tests.support.builders import corpus_file

LOGHUB = corpus_file("logs", "loghub")
pytestmark = pytest.mark.skipif(not LOGHUB.is_dir(), reason="../shared/corpus is absent")

# LogHub's `log_format` for each sample with a real level field.
LOG_FORMATS = {
    "Android": "<Date> <Time>  <Pid>  <Tid> <Level> <Component>: <Content>",
    "BGL": "<Label> <Timestamp> <Date> <Node> <Time> <NodeRepeat> <Type> <Component> <Level> <Content>",
    "Hadoop": r"<Date> <Time> <Level> \[<Process>\] <Component>: <Content>",
    "OpenStack": r"<Logrecord> <Date> <Time> <Pid> <Level> <Component> \[<ADDR>\] <Content>",
    "Spark": "<Date> <Time> <Level> <Component>: <Content>",
    "Windows": "<Date> <Time>, <Level>                  <Component>    <Content>",
    "Zookeeper": r"<Date> <Time> - <Level>  \[<Node>:<Component>@<Id>\] - <Content>",
}
STRUCTURED = ("Apache", "HDFS")

# Each dataset's level words, mapped to ours (docs/design.md §4). Written out here, not imported
# from stream_processor/parse/formats.py (whose logcat table it repeats): it is the oracle the
# parser is checked against.
VOCABULARY = {
    # Android logcat priorities
    "V": "DEBUG",
    "D": "DEBUG",
    "I": "INFO",
    "W": "WARN",
    "E": "ERROR",
    "F": "CRITICAL",
    "A": "CRITICAL",
    # Apache httpd LogLevel
    "notice": "INFO",
    "error": "ERROR",
    # Log4j (Hadoop, Spark, ZooKeeper, HDFS), Python logging (OpenStack)
    "INFO": "INFO",
    "WARN": "WARN",
    "WARNING": "WARN",
    "ERROR": "ERROR",
    "FATAL": "CRITICAL",
    # BGL RAS severities (INFO WARNING SEVERE ERROR FATAL FAILURE)
    "SEVERE": "ERROR",
    "FAILURE": "CRITICAL",
    # Windows CBS
    "Info": "INFO",
}


def _format_regex(log_format: str) -> re.Pattern[str]:
    """LogHub's conversion: each `<Field>` becomes a named group, runs of spaces match `\\s+`."""
    pattern = ""
    for piece in re.split(r"(<[^<>]+>)", log_format):
        if piece.startswith("<"):
            name = piece[1:-1]
            pattern += f"(?P<{name}>.*?)" if name != "Content" else f"(?P<{name}>.*)"
        else:
            pattern += re.sub(" +", r"\\s+", piece)
    return re.compile(f"^{pattern}$")


def _lines(name: str) -> list[str]:
    return LOGHUB.joinpath(f"{name}_2k.log").read_text(encoding="utf-8").splitlines()


def labelled(name: str) -> Iterator[tuple[str, str]]:
    """(line, expected level) for every labelled line of one LogHub sample."""
    lines = _lines(name)
    if name in STRUCTURED:
        with LOGHUB.joinpath(f"{name}_2k.log_structured.csv").open(encoding="utf-8", newline="") as rows:
            for row in csv.DictReader(rows):
                yield lines[int(row["LineId"]) - 1], VOCABULARY[row["Level"]]
        return
    regex = _format_regex(LOG_FORMATS[name])
    for line in lines:
        found = regex.match(line)
        assert found is not None, line  # every line of these samples fits LogHub's format
        yield line, VOCABULARY[found.group("Level")]


DATASETS = sorted((*STRUCTURED, *LOG_FORMATS))


def accuracy(name: str) -> tuple[int, int]:
    """(lines whose parsed level is the labelled one, labelled lines)."""
    pairs = list(labelled(name))
    return sum(parse_message(line).level == level for line, level in pairs), len(pairs)


@pytest.mark.parametrize("name", DATASETS)
def test_every_labelled_line_gets_its_level(name: str) -> None:
    wrong = [(line[:160], level, parse_message(line).level) for line, level in labelled(name)]
    wrong = [case for case in wrong if case[1] != case[2]]
    assert not wrong, f"{len(wrong)} wrong, e.g. {wrong[:3]}"


@pytest.mark.parametrize("name", ["HealthApp", "HPC", "Linux", "Mac", "OpenSSH", "Proxifier", "Thunderbird"])
def test_samples_without_a_level_field_are_never_taken_for_a_family(name: str) -> None:
    """Their level can only come from words in the text; no family may claim their lines."""
    claimed = [line[:120] for line in _lines(name) if field_level(line) is not None]
    assert not claimed, claimed[:3]


def test_the_labels_cover_every_level_we_map() -> None:
    seen = {level for name in DATASETS for _, level in labelled(name)}
    assert seen == {"DEBUG", "INFO", "WARN", "ERROR", "CRITICAL"}


if __name__ == "__main__":  # per-dataset accuracy, for the before/after note
    total = [0, 0]
    for dataset in DATASETS:
        right, count = accuracy(dataset)
        total[0] += right
        total[1] += count
        print(f"{dataset:<10} {right:>5}/{count:<5} {100 * right / count:6.1f} %")
    print(f"{'all':<10} {total[0]:>5}/{total[1]:<5} {100 * total[0] / total[1]:6.1f} %")
