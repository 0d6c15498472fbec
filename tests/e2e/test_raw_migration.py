"""Upgrading over raw tables an earlier version loaded. `wfm-adherence` reshapes them first
(dbt-postgres:migrate-raw):
- `raw.agent_events.contacts` was jsonb[] (tap-connect-kinesis declared an array of objects
  before 2026-12-04); the tap now declares a JSON array that target-postgres stores as one jsonb
  value, and the loader cannot COPY that into the old column;
- `raw.agent_events` had a primary key on event_id (target-postgres upserted by it before
  2026-12-04); agent events are now appended, one row per delivery, and a re-delivered event
  would break that key and stop the load."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tap_connect_kinesis.events import AGENT_EVENT_SCHEMA

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("meltano-b")]

ROOT = Path(__file__).resolve().parents[2]
MELTANO = str(Path(sys.executable).with_name("meltano"))

CONTACTS = [{"ContactId": "c-1", "Channel": "VOICE", "State": "CONNECTED",
             "StateStartTimestamp": "2026-12-04T09:00:05.000Z", "Queue": {"ARN": "arn:q", "Name": "Sales"}}]
EARLIER_SCHEMA = copy.deepcopy(AGENT_EVENT_SCHEMA)
# target-postgres before 2026-12-04: agent events upserted by event_id (meltano.yml's stream_maps
# now leave the key out, so that they are appended)
UPSERTED = {"TARGET_POSTGRES_STREAM_MAPS": json.dumps({"agent_events": {"__key_properties__": ["event_id"]}})}
EARLIER_SCHEMA["properties"]["contacts"] = {
    "type": ["array", "null"], "items": {"type": "object", "properties": {}, "additionalProperties": True}}


def _record(event_id: str, contacts) -> dict:
    return {"event_id": event_id, "event_type": "STATE_CHANGE", "event_timestamp": "2026-12-04T09:00:05Z",
            "instance_arn": "arn:aws:connect:us-west-2:123456789012:instance/i-1",
            "instance_id": "i-1", "agent_arn": "arn:aws:connect:us-west-2:123456789012:instance/i-1/agent/a-1",
            "agent_id": "a-1", "contacts": contacts, "current_snapshot": {}, "previous_snapshot": {},
            "shard_id": "shardId-000000000000", "sequence_number": event_id.removeprefix("e-"),
            "collected_at": "2026-12-04T09:00:06Z"}


def _messages(schema: dict, records: list[dict]) -> str:
    lines = [{"type": "SCHEMA", "stream": "agent_events", "schema": schema, "key_properties": ["event_id"]},
             *({"type": "RECORD", "stream": "agent_events", "record": r} for r in records)]
    return "".join(json.dumps(line) + "\n" for line in lines)


@pytest.fixture
def meltano(installed_plugins, postgres_database, tmp_path, meltano_sys_dir):
    env = {**os.environ, "WFM_PG_HOST": postgres_database.host, "WFM_PG_PORT": str(postgres_database.port),
           "WFM_PG_USER": postgres_database.user, "WFM_PG_PASSWORD": "unused-with-trust-auth",
           "WFM_PG_DBNAME": postgres_database.database, "DBT_TARGET_PATH": str(tmp_path / "dbt-target"),
           "DBT_LOG_PATH": str(tmp_path / "dbt-logs"), "MELTANO_SYS_DIR_ROOT": str(meltano_sys_dir),
           "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false"}

    def run(*args: str, stdin: str | None = None, **settings: str) -> str:
        result = subprocess.run([MELTANO, "--environment", "dev", *args], cwd=ROOT, env={**env, **settings}, input=stdin,
                                capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return result.stdout + result.stderr

    return run


def _contacts(postgres_database) -> tuple[str, dict]:
    with postgres_database.connect() as connection:
        (column_type,) = connection.execute(
            "select format_type(atttypid, atttypmod) from pg_attribute "
            "where attrelid = 'raw.agent_events'::regclass and attname = 'contacts'").fetchone()
        rows = connection.execute("select event_id, to_jsonb(contacts) from raw.agent_events").fetchall()
    return column_type, dict(rows)


def _primary_key(postgres_database) -> list[str]:
    with postgres_database.connect() as connection:
        return [row[0] for row in connection.execute(
            "select conname from pg_constraint where conrelid = 'raw.agent_events'::regclass and contype = 'p'")]


def _deliveries(postgres_database) -> dict[str, int]:
    with postgres_database.connect() as connection:
        return dict(connection.execute("select event_id, count(*) from raw.agent_events group by event_id"))


def test_the_tap_s_events_are_appended_with_contacts_as_one_jsonb_value(meltano, postgres_database):
    meltano("invoke", "target-postgres", stdin=_messages(AGENT_EVENT_SCHEMA, [_record("e-1", CONTACTS)]))
    assert _contacts(postgres_database) == ("jsonb", {"e-1": CONTACTS})
    # Kinesis delivers at least once: a re-delivery is a row of its own (staging keeps one)
    meltano("invoke", "target-postgres", stdin=_messages(AGENT_EVENT_SCHEMA, [_record("e-1", CONTACTS)]))
    assert _primary_key(postgres_database) == []
    assert _deliveries(postgres_database) == {"e-1": 2}


def test_an_earlier_version_s_table_is_reshaped_and_loads_again(meltano, postgres_database):
    earlier = [_record("e-1", CONTACTS), _record("e-2", []), _record("e-3", None)]
    meltano("invoke", "target-postgres", stdin=_messages(EARLIER_SCHEMA, earlier), **UPSERTED)
    column_type, before = _contacts(postgres_database)
    assert column_type == "jsonb[]"
    assert _primary_key(postgres_database) == ["agent_events_pkey"]

    migrated = meltano("invoke", "dbt-postgres:migrate-raw")
    assert "jsonb[] -> jsonb" in migrated and "primary key agent_events_pkey dropped" in migrated
    assert _contacts(postgres_database) == ("jsonb", before)
    assert before == {"e-1": CONTACTS, "e-2": [], "e-3": None}
    assert _primary_key(postgres_database) == []

    # a new event and a re-delivered one: both load (the key would have stopped the load)
    meltano("invoke", "target-postgres", stdin=_messages(AGENT_EVENT_SCHEMA, [_record("e-4", CONTACTS),
                                                                                _record("e-1", CONTACTS)]))
    assert _contacts(postgres_database) == ("jsonb", {**before, "e-4": CONTACTS})
    assert _deliveries(postgres_database) == {"e-1": 2, "e-2": 1, "e-3": 1, "e-4": 1}
    assert "nothing to migrate" in meltano("invoke", "dbt-postgres:migrate-raw")  # again: left alone
