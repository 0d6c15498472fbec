"""Agent events shaped as AWS documents them (tests/aws_documented/, written by hand, not by
our simulator) through the real tap-connect-kinesis and the dbt project: each situation
gives exactly the WFM rows its file says.

The documents go onto a Kinesis stream (moto), the tap reads them as a user runs it (its
CLI, bounded), its RECORD rows are loaded into PostgreSQL as target-postgres types them,
next to the configuration tap-amazon-connect would deliver, and `dbt build` runs."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import wfm_raw_fixtures as rf
import yaml
from wfm_dbt import postgres_env, run_dbt

from connect_sim.kinesis.moto_server import create_stream, moto_client
from connect_sim.pytest_plugin import fresh_postgres_database

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).resolve().parents[1] / "aws_documented"
SITUATIONS = sorted((CORPUS / "agent_events").glob("*.json"))
TAP = Path(sys.executable).with_name("tap-connect-kinesis")
JSON_COLUMNS = ("contacts", "current_snapshot", "previous_snapshot")
MELTANO_YML = Path(__file__).resolve().parents[2] / "meltano.yml"


def _pipeline_tap_config() -> dict:
    """tap-connect-kinesis's config in meltano.yml (agent_snapshots: the pipeline leaves the
    snapshots out): the documents go through the tap as the pipeline runs it."""
    extractors = yaml.safe_load(MELTANO_YML.read_text())["plugins"]["extractors"]
    return next(p for p in extractors if p["name"] == "tap-connect-kinesis").get("config", {})


def _load(path: Path) -> dict:
    return json.loads(path.read_text())


def _ms(value: str | datetime | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return round(value.timestamp() * 1000)


def _put_documents(endpoint_url: str, stream: str, documents: list[dict]) -> None:
    kinesis = moto_client(endpoint_url)
    for document in documents:  # one at a time: the stream keeps each agent's order
        kinesis.put_record(StreamName=stream, Data=json.dumps(document).encode(),
                           PartitionKey=document["AgentARN"])


def _read_with_tap(endpoint_url: str, stream: str, tmp_path: Path) -> list[dict]:
    config = {**_pipeline_tap_config(), "stream_name": stream, "aws_endpoint_url": endpoint_url, "aws_region": "us-west-2",
              "aws_access_key_id": "testing", "aws_secret_access_key": "testing",
              "stop_when_caught_up": True, "collection_interval_seconds": 1, "message_format": "record",
              "dead_letter_path": str(tmp_path / "dead-letters.jsonl")}
    config_path = tmp_path / "tap-config.json"
    config_path.write_text(json.dumps(config))
    result = subprocess.run([str(TAP), "--config", str(config_path)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    messages = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return [m["record"] for m in messages if m["type"] == "RECORD" and m["stream"] == "agent_events"]


def _raw_event_row(record: dict) -> dict:
    """A tap RECORD as target-postgres stores it: JSON columns as jsonb, a JSON null as the
    jsonb value null, not SQL NULL (as target-postgres 0.8.1 does)."""
    row = dict(record)
    for column in JSON_COLUMNS:
        if column in row:
            row[column] = json.dumps(row[column])
    return row


def _config_rows(directory: dict) -> dict[str, list[dict]]:
    instance = directory["instance"]
    instance_id, arn = instance["instance_id"], instance["instance_arn"]
    return {
        "instances": [{**instance, "instance_status": "ACTIVE"}],
        "queues": [{"instance_id": instance_id, "queue_arn": f"{arn}/queue/{q['queue_id']}", **q}
                   for q in directory["queues"]],
        "routing_profiles": [{"instance_id": instance_id, **p} for p in directory["routing_profiles"]],
        "agent_statuses": [{"instance_id": instance_id, "agent_status_arn": f"{arn}/agent-state/{s['agent_status_id']}",
                            "last_modified_time": "2026-10-01T00:00:00.000Z", **s}
                           for s in directory["agent_statuses"]],
        "user_hierarchy_groups": [],
        "users": [{"instance_id": instance_id, "user_arn": f"{arn}/agent/{u['user_id']}",
                   "routing_profile_id": "rp-general", "last_modified_time": "2026-10-01T00:00:00.000Z",
                   "is_deleted": False, **u} for u in directory["users"]],
        "queue_interval_metrics": [],
        "queue_current_metrics": [],
    }


@pytest.fixture(scope="module")
def marts(moto_kinesis, tmp_path_factory):
    """Every situation's documents through the tap and dbt once; the marts, read back."""
    tmp_path = tmp_path_factory.mktemp("documented")
    stream = f"documented_{datetime.now(UTC):%H%M%S%f}"
    create_stream(moto_kinesis.endpoint_url, stream, shards=1)
    documents = [document for path in SITUATIONS for document in _load(path)["events"]]
    _put_documents(moto_kinesis.endpoint_url, stream, documents)
    records = _read_with_tap(moto_kinesis.endpoint_url, stream, tmp_path)
    assert sorted(r["event_id"] for r in records) == sorted(d["EventId"] for d in documents)
    if _pipeline_tap_config().get("agent_snapshots") == "none":  # the transform sees {} for a snapshot
        had_one = {d["EventId"] for d in documents if d.get("CurrentAgentSnapshot") is not None}
        assert {r["event_id"] for r in records if r["current_snapshot"] == {}} == had_one

    tables = _config_rows(_load(CORPUS / "directory.json"))
    tables["agent_events"] = [_raw_event_row(r) for r in records]
    with fresh_postgres_database() as database:
        with database.connect() as conn:
            rf.write_postgres(conn, tables)
        build = run_dbt(["build"], tmp_path, postgres_env(database))
        with database.connect() as conn:
            yield {
                "periods": conn.execute(
                    "select agent_id, state_start_at, state_end_at, activity, wfm_state, is_productive,"
                    " source_status_name, source_status_type, contact_id, channel, queue_id"
                    " from wfm.wfm_agent_state_transaction order by agent_id, state_start_ms").fetchall(),
                "current": conn.execute(
                    "select agent_id, wfm_state, state_start_at, last_confirmed_at"
                    " from wfm.wfm_agent_current_state").fetchall(),
                "build_log": build.stdout,
            }


def _expected_period(period: dict) -> tuple:
    return (_ms(period["start"]), _ms(period["end"]), period["activity"], period["wfm_state"],
            period.get("is_productive", 1 if period["wfm_state"] in ("AVAILABLE", "ON_CONTACT", "AFTER_CONTACT_WORK") else 0),
            period.get("status"), period.get("status_type"), period.get("contact_id"), period.get("channel"),
            period.get("queue_id"))


@pytest.mark.parametrize("situation", SITUATIONS, ids=lambda p: p.stem)
def test_documented_situation_gives_its_wfm_rows(situation, marts):
    for agent, expected in _load(situation)["expected"].items():
        got = [(_ms(s), _ms(e), *rest) for a, s, e, *rest in marts["periods"] if a == agent]
        assert got == [_expected_period(p) for p in expected["periods"]], agent
        if "current_state" in expected:
            want = expected["current_state"]
            current = [row[1:] for row in marts["current"] if row[0] == agent]
            assert [(w, _ms(s), _ms(c)) for w, s, c in current] == [
                (want["wfm_state"], _ms(want["state_start_at"]), _ms(want["last_confirmed_at"]))]


def test_a_status_known_nowhere_is_reported_not_silently_mapped(marts):
    """Coaching (no Type in the event, not in agent_statuses) is named by the warning test;
    Huddle (a Type in the event) and every status agent_statuses knows are not."""
    log = marts["build_log"]
    assert "WARN 1 warn_status_type_unknown" in log, log[-3000:]
