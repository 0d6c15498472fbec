"""The incremental models' watermarks (_wfm_staged_at, _wfm_written_at) are UTC whatever the
warehouse session's time zone: in local time they would go back an hour when a server outside
UTC leaves summer time, and the incremental models would skip what was written in that hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import wfm_raw_fixtures as rf
from wfm_dbt import duckdb_env, postgres_env, run_dbt

pytestmark = pytest.mark.slow

# UTC+14 all year: a watermark in local time is 14 hours off, unmistakably
FAR_ZONE = {"PGTZ": "Pacific/Kiritimati", "TZ": "Pacific/Kiritimati"}


def _staged_at(day, engine: str, postgres_database, tmp_path) -> datetime:
    tables = rf.raw_tables(day, rf.agent_event_loads(day)[0], day.start_ms, day.start_ms + rf.DAY_MS)
    select = ["run", "--select", "stg_connect__agent_events"]
    if engine == "postgres":
        with postgres_database.connect() as conn:
            rf.write_postgres(conn, tables)
        run_dbt(select, tmp_path, {**postgres_env(postgres_database), **FAR_ZONE})
        with postgres_database.connect() as conn:
            return conn.execute("select max(_wfm_staged_at) from wfm_staging.stg_connect__agent_events").fetchone()[0]
    import duckdb

    path = tmp_path / "warehouse.duckdb"
    rf.write_duckdb(str(path), tables)
    run_dbt(select, tmp_path, {**duckdb_env(path), **FAR_ZONE})
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select max(_wfm_staged_at) from wfm_staging.stg_connect__agent_events").fetchone()[0]


@pytest.mark.parametrize("engine", ["postgres", "duckdb"])
def test_watermarks_are_utc_in_a_session_far_from_utc(day, engine, request, tmp_path):
    postgres_database = request.getfixturevalue("postgres_database") if engine == "postgres" else None
    staged_at = _staged_at(day, engine, postgres_database, tmp_path)
    now = datetime.now(UTC).replace(tzinfo=None)
    assert abs(staged_at - now) < timedelta(minutes=10), \
        f"{engine}: _wfm_staged_at {staged_at} is not UTC ({now}): the session's zone leaked into the watermark"
