"""`logreview query` against moto's Athena over HTTP: the statement it starts, polling through
QUEUED and RUNNING, results (header row dropped), CSV/JSON output, a missing workgroup and a stop
on timeout.

moto runs no SQL (results are canned through its API), never fails a query (FAILED and its
reason are unit-tested on the response shape, tests/unit/daily_report/test_query.py) and returns
every row in one page (paging over several pages is unit-tested there too). botocore >= 1.40
speaks rest-json to Athena and moto 5.2.5's server only json: `athena_json_model` gives the
client botocore's own Athena model with the json protocol (AWS_DATA_PATH), changing nothing else.
"""

from __future__ import annotations

import contextlib
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore
import orjson
import pytest
import requests

from daily_report.query import athena, canned
from stream_processor.cli import main

WORKGROUP = "logreview-test-logreview"


@pytest.fixture(scope="module")
def athena_json_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = Path(botocore.__file__).parent / "data" / "athena" / "2017-05-18" / "service-2.json.gz"
    model = json.loads(gzip.decompress(src.read_bytes()))
    model["metadata"].update(
        protocol="json", protocols=["json"], jsonVersion="1.1", targetPrefix="AmazonAthena"
    )
    for operation in model["operations"].values():
        operation["http"] = {"method": "POST", "requestUri": "/"}
    for shape in model["shapes"].values():
        for member in shape.get("members", {}).values():
            member.pop("location", None)
            member.pop("locationName", None)
    root = tmp_path_factory.mktemp("models")
    target = root / "athena" / "2017-05-18"
    target.mkdir(parents=True)
    (target / "service-2.json").write_text(json.dumps(model))
    return root


@pytest.fixture
def client(moto_endpoint: str, athena_json_model: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DATA_PATH", str(athena_json_model))
    monkeypatch.setenv("LOGREVIEW_WORKGROUP", WORKGROUP)
    made = boto3.session.Session().client("athena")
    if made.meta.service_model.protocol != "json":  # pragma: no cover - botocore changed its loader
        pytest.fail("the json-protocol Athena model was not picked up")
    with contextlib.suppress(made.exceptions.InvalidRequestException):  # an earlier test made it
        made.create_work_group(Name=WORKGROUP, Configuration={"EnforceWorkGroupConfiguration": True})
    yield made
    _transitions(moto_endpoint, None)


def _transitions(endpoint: str, times: int | None) -> None:
    """Hold each query in QUEUED and RUNNING for `times` polls (None: moto's default, at once)."""
    if times is None:
        requests.post(f"{endpoint}/moto-api/state-manager/unset-transition",
                      json={"model_name": "athena::execution"}, timeout=10)  # fmt: skip
        return
    body = {"model_name": "athena::execution", "transition": {"progression": "manual", "times": times}}
    assert requests.post(f"{endpoint}/moto-api/state-manager/set-transition", json=body, timeout=10).ok


def _canned_results(endpoint: str, columns: list[str], rows: list[list[str | None]]) -> None:
    """The next query's result, as Athena returns a SELECT's: the labels repeated as row one."""

    def row(values: list[str | None]) -> dict[str, Any]:
        return {"Data": [{} if v is None else {"VarCharValue": v} for v in values]}

    info = [{"Name": c, "Label": c, "Type": "varchar"} for c in columns]
    result = {"rows": [row(list(columns)), *(row(r) for r in rows)], "column_info": info}
    body = {"region": "us-east-1", "results": [result]}
    assert requests.post(f"{endpoint}/moto-api/static/athena/query-results", json=body, timeout=10).ok


def test_a_canned_query_is_started_polled_and_its_rows_returned(client: Any, moto_endpoint: str) -> None:
    _transitions(moto_endpoint, 2)
    _canned_results(
        moto_endpoint, ["time", "account", "command"], [["2026-11-03 10:00:00.000", "1111", "/bin/ls"]]
    )
    sql = canned.sudo(canned.window("2026-10-01", "2026-12-31"), "alice")
    seen: list[str] = []
    result = athena.run(
        client, sql, WORKGROUP, "logreview", 60, lambda p: seen.append(p.state), lambda _: None
    )
    assert seen == ["QUEUED", "RUNNING", "RUNNING", "SUCCEEDED"]  # moto counts the start as a poll
    assert result.columns == ["time", "account", "command"]
    assert result.rows == [["2026-11-03 10:00:00.000", "1111", "/bin/ls"]]  # the label row dropped
    execution = client.get_query_execution(QueryExecutionId=result.query_id)["QueryExecution"]
    assert execution["Query"] == sql and execution["WorkGroup"] == WORKGROUP
    assert execution["QueryExecutionContext"] == {"Database": "logreview"}


@pytest.mark.parametrize("kind", ["csv", "json", "table"])
def test_the_cli_prints_rows_as_asked(
    client: Any, moto_endpoint: str, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    _canned_results(
        moto_endpoint, ["log_group", "message"], [["/admin/logs", 'a "quoted", line'], ["/x", None]]
    )
    argv = ["query", "events", "--log-group", "/admin/logs", "--since", "2026-12-01", "--format", kind]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    if kind == "csv":
        assert out == 'log_group,message\n/admin/logs,"a ""quoted"", line"\n/x,\n'
    elif kind == "json":
        assert [orjson.loads(line) for line in out.splitlines()] == [
            {"log_group": "/admin/logs", "message": 'a "quoted", line'},
            {"log_group": "/x", "message": None},
        ]
    else:
        assert out.splitlines()[0].split() == ["log_group", "message"] and len(out.splitlines()) == 4
    assert "2 rows, 0 bytes scanned" in err


def test_a_missing_workgroup_is_a_clear_error(client: Any, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["query", "--sql", "SELECT 1", "--workgroup", "no-such-workgroup"])
    assert status == 2
    assert "Athena workgroup 'no-such-workgroup' does not exist here" in capsys.readouterr().err


def test_a_query_past_its_timeout_is_stopped(client: Any, moto_endpoint: str) -> None:
    _transitions(moto_endpoint, 50)
    with pytest.raises(athena.QueryError, match="still QUEUED after 0 s: stopped"):
        athena.run(client, "SELECT 1", WORKGROUP, "logreview", 0, None, lambda _: None)
    ids = client.list_query_executions(WorkGroup=WORKGROUP)["QueryExecutionIds"]
    executions = [client.get_query_execution(QueryExecutionId=q)["QueryExecution"] for q in ids]
    (query_id,) = [e["QueryExecutionId"] for e in executions if e["Query"] == "SELECT 1"]
    with pytest.raises(athena.QueryError, match=f"query {query_id} cancelled"):
        athena.wait(client, query_id, 60, None, lambda _: None)
