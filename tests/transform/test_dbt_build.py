"""dbt build over the simulated day, on Postgres and DuckDB, checked against the truth."""

from __future__ import annotations

import pytest
import wfm_checks as checks
import wfm_raw_fixtures as rf
from wfm_dbt import duckdb_env, postgres_env, run_dbt

pytestmark = pytest.mark.slow


def _deleted_user(day: rf.SimulatedDay) -> str:
    """An agent with events, marked deleted by the (stand-in) tap."""
    return day.events[0].user_id


def _tables(day: rf.SimulatedDay) -> dict[str, list[dict]]:
    events = rf.agent_event_loads(day, duplicate_share=0.02)[0]
    tables = rf.raw_tables(day, events, day.start_ms, day.start_ms + rf.DAY_MS)
    deleted = _deleted_user(day)
    for row in tables["users"]:
        if row["user_id"] == deleted:
            row.update(is_deleted=True, deleted_detected_at=rf.ts(day.world.now_ms))
    return tables


def _check_all(day: rf.SimulatedDay, query) -> None:
    checks.check_volumes(day, query)
    checks.check_state_periods(day, query)
    checks.check_interval_activity(day, query)
    checks.check_adherence(day, query)
    deleted = _deleted_user(day)
    agents = {a: bool(active) for a, active in query("select agent_id, is_active from wfm.wfm_agent")}
    assert agents[deleted] is False and sum(agents.values()) == len(agents) - 1
    kept = query(f"select count(*) from wfm.wfm_agent_state_transaction where agent_id = '{deleted}'")
    assert kept[0][0] > 0, "a deleted agent's history stays"
    # the site time zone (seed site_time_zones: America/Chicago, CST = UTC-6 in November 2026)
    local = query("select interval_start_at, interval_start_local, site_time_zone from wfm.wfm_agent_interval_activity")
    assert all(checks.ms(utc) - checks.ms(loc) == 6 * 3600_000 and zone == "America/Chicago" for utc, loc, zone in local)


@pytest.mark.parametrize("event_shape", ["documented", "full"])
def test_build_on_postgres_matches_the_truth(event_shape, request, postgres_database, tmp_path):
    """Agent events as AWS documents them (no status type: it comes from agent_statuses),
    and with the type in each event: the same marts, equal to the truth."""
    day = request.getfixturevalue("day" if event_shape == "documented" else "full_shape_day")
    with postgres_database.connect() as conn:
        rf.write_postgres(conn, _tables(day))
    run_dbt(["build"], tmp_path, postgres_env(postgres_database))

    with postgres_database.connect() as conn:
        def query(sql: str) -> list[tuple]:
            return conn.execute(sql).fetchall()

        _check_all(day, query)
        indexed = {name for (name,) in query("select indexname from pg_indexes where schemaname = 'raw'")}
        assert {"agent_events__wfm_collected_at", "queue_interval_metrics__wfm_collected_at"} <= indexed
        # the logged-in check catches an interval whose states no longer add up
        conn.execute("update wfm.wfm_agent_interval_activity set state_seconds = state_seconds + 5 "
                     "where ctid = (select ctid from wfm.wfm_agent_interval_activity limit 1)")
    check = ["test", "--select", "assert_interval_activity_adds_up_to_logged_in_seconds"]
    result = run_dbt(check, tmp_path, postgres_env(postgres_database), check=False)
    assert result.returncode == 1 and "Got 1 result" in result.stdout, result.stdout[-3000:]


def test_build_on_duckdb_matches_the_truth(day, tmp_path):
    import duckdb

    path = tmp_path / "warehouse.duckdb"
    rf.write_duckdb(str(path), _tables(day))
    run_dbt(["build"], tmp_path, duckdb_env(path))

    con = duckdb.connect(str(path), read_only=True)
    try:
        _check_all(day, lambda sql: con.execute(sql).fetchall())
    finally:
        con.close()
