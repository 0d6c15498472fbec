"""Upgrading over raw tables an earlier version loaded: `raw.agent_events.contacts` was jsonb[]
(tap-connect-kinesis declared an array of objects before 2026-12-04), the tap now declares a
JSON array that target-postgres stores as one jsonb value, and the loader cannot COPY that
into the old column. `wfm-adherence` reshapes the table first (dbt-postgres:migrate-raw)."""

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

    def run(*args: str, stdin: str | None = None) -> str:
        result = subprocess.run([MELTANO, "--environment", "dev", *args], cwd=ROOT, env=env, input=stdin,
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


def test_the_tap_s_contacts_load_as_one_jsonb_value(meltano, postgres_database):
    meltano("invoke", "target-postgres", stdin=_messages(AGENT_EVENT_SCHEMA, [_record("e-1", CONTACTS)]))
    assert _contacts(postgres_database) == ("jsonb", {"e-1": CONTACTS})


def test_an_earlier_version_s_table_is_reshaped_and_loads_again(meltano, postgres_database):
    earlier = [_record("e-1", CONTACTS), _record("e-2", []), _record("e-3", None)]
    meltano("invoke", "target-postgres", stdin=_messages(EARLIER_SCHEMA, earlier))
    column_type, before = _contacts(postgres_database)
    assert column_type == "jsonb[]"

    assert "jsonb[] -> jsonb" in meltano("invoke", "dbt-postgres:migrate-raw")
    assert _contacts(postgres_database) == ("jsonb", before)
    assert before == {"e-1": CONTACTS, "e-2": [], "e-3": None}

    meltano("invoke", "target-postgres", stdin=_messages(AGENT_EVENT_SCHEMA, [_record("e-4", CONTACTS)]))
    assert _contacts(postgres_database) == ("jsonb", {**before, "e-4": CONTACTS})
    assert "nothing to migrate" in meltano("invoke", "dbt-postgres:migrate-raw")  # again: left alone
