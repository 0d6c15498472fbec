"""The incremental state transactions equal a full refresh: half the events, build; the
rest plus late and duplicated events, build incrementally; then a full refresh."""

from __future__ import annotations

import pytest
import wfm_checks as checks
import wfm_raw_fixtures as rf
from wfm_dbt import duckdb_env, postgres_env, run_dbt

pytestmark = pytest.mark.slow

COMPARED = ("instance_id, agent_id, state_start_at, state_end_at, duration_seconds, wfm_state, "
            "source_status_name, activity, contact_id, channel, queue_id, source_event_id")
SELECT_MODELS: list[str] = []  # the whole project
NEW_CHANNEL = "EMAIL"


def _loads(day: rf.SimulatedDay):
    """Raw tables of the first load, and the rows of the second: agent events (late and
    duplicated ones included) and queue metrics re-read over a trailing hour (the first
    load saw that hour's figures stale), plus the intervals after the split."""
    split_ms = day.start_ms + 15 * 3600_000  # mid-shift for most agents
    first, second = rf.agent_event_loads(day, split_ms=split_ms, late_share=0.03, duplicate_share=0.03)
    tables = rf.raw_tables(day, first, day.start_ms, split_ms)
    reread_from = rf.ts(split_ms - 3600_000)
    final = rf.ts(day.world.now_ms)
    tables["queue_interval_metrics"] = [r for r in tables["queue_interval_metrics"]
                                        if r["interval_start"] < reread_from or r["collected_at"] != final]
    later_metrics = [dict(r, collected_at=rf.ts(day.world.now_ms + 3600_000))
                     for r in rf.metric_rows(day, split_ms - 3600_000, day.start_ms + rf.DAY_MS)
                     if r["collected_at"] == final]
    # a queue × channel first seen in the second load: its zero rows reach back to the start
    quiet = {name: 0 for name in later_metrics[0] if name.startswith("contacts_")
             or (name.endswith("_seconds") and name != "service_level_threshold_seconds")}
    later_metrics.append(dict(later_metrics[-1], **quiet, channel=NEW_CHANNEL))
    return tables, {"agent_events": second, "queue_interval_metrics": later_metrics}


def _snapshot(query) -> tuple[list, list, list, list]:
    periods = query(f"select {COMPARED} from wfm.wfm_agent_state_transaction order by agent_id, state_start_at")
    activity = query("select agent_id, interval_start_at, wfm_state, state_seconds from wfm.wfm_agent_interval_activity"
                     " order by 1, 2, 3")
    volume = query("select queue_id, channel, interval_start_at, contacts_offered, contacts_handled,"
                   " handle_time_seconds, service_level_pct from wfm.wfm_interval_volume order by 1, 2, 3")
    adherence = query("select agent_id, interval_start_at, scheduled_activity, scheduled_seconds, adherent_seconds,"
                      " logged_in_seconds from wfm.wfm_adherence order by 1, 2")
    return periods, activity, volume, adherence


def _assert_incremental_equals_full(day, query, run) -> None:
    run(["build", *SELECT_MODELS])
    incremental = _snapshot(query)
    recomputed = query("select count(distinct _wfm_invocation_id) from wfm.wfm_agent_state_transaction")[0][0]
    assert recomputed == 2, "the incremental run rewrote only part of the table"
    checks.check_state_periods(day, query)
    checks.check_volumes(day, query)
    checks.check_interval_activity(day, query)
    checks.check_adherence(day, query)
    rows_per_series = query("select channel, count(*) from wfm.wfm_interval_volume group by queue_id, channel")
    assert NEW_CHANNEL in {channel for channel, _ in rows_per_series}
    assert len({n for _, n in rows_per_series}) == 1, "a new queue × channel did not get its zero rows back in time"
    staged = query("select count(distinct _wfm_staged_at) from wfm_staging.stg_connect__queue_interval_metrics")
    assert staged[0][0] == 2, "the incremental run restaged every metric row"
    run(["build", "--full-refresh", *SELECT_MODELS])
    full = _snapshot(query)
    assert len(incremental[0]) == len(full[0])
    assert incremental[0] == full[0], "wfm_agent_state_transaction"
    assert incremental[1] == full[1], "wfm_agent_interval_activity"
    assert incremental[2] == full[2], "wfm_interval_volume"
    assert incremental[3] == full[3], "wfm_adherence"


def test_incremental_equals_full_refresh_on_postgres(day, postgres_database, tmp_path):
    tables, second = _loads(day)
    env = postgres_env(postgres_database)
    with postgres_database.connect() as conn:
        rf.write_postgres(conn, tables)
    run_dbt(["build", *SELECT_MODELS], tmp_path, env)
    with postgres_database.connect() as conn:
        before = conn.execute("select count(*) from wfm.wfm_agent_state_transaction").fetchone()[0]
        assert before > 0
        rf.write_postgres(conn, second, append=True)
        _assert_incremental_equals_full(day, lambda sql: conn.execute(sql).fetchall(),
                                        lambda args: run_dbt(args, tmp_path, env))


def test_incremental_equals_full_refresh_on_duckdb(day, tmp_path):
    import duckdb

    tables, second = _loads(day)
    path = tmp_path / "warehouse.duckdb"
    env = duckdb_env(path)
    rf.write_duckdb(str(path), tables)
    run_dbt(["build", *SELECT_MODELS], tmp_path, env)
    rf.write_duckdb(str(path), second, append=True)

    def query(sql: str) -> list[tuple]:
        con = duckdb.connect(str(path), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    _assert_incremental_equals_full(day, query, lambda args: run_dbt(args, tmp_path, env))
