"""The incremental state transactions equal a full refresh: half the events, build; the
rest plus late and duplicated events, build incrementally; then a full refresh. The events
carry no AgentStatus.Type (as AWS documents them) and the first load's agent_statuses lacks
one status, which the second load brings: its periods are mapped again."""

from __future__ import annotations

import pytest
import wfm_checks as checks
import wfm_raw_fixtures as rf
from wfm_dbt import PROJECT, duckdb_env, postgres_env, run_dbt

pytestmark = pytest.mark.slow

COMPARED = ("instance_id, agent_id, state_start_at, state_end_at, duration_seconds, wfm_state, "
            "source_status_name, source_status_type, activity, contact_id, channel, queue_id, source_event_id")
LATE_STATUS = "Break"  # listed by agent_statuses only in the second load
SELECT_MODELS: list[str] = []  # the whole project
NEW_CHANNEL = "EMAIL"
SCHEDULE_RELATION = "wfm_input.schedule"


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
    late_statuses = [r for r in tables["agent_statuses"] if r["agent_status_name"] == LATE_STATUS]
    tables["agent_statuses"] = [r for r in tables["agent_statuses"] if r["agent_status_name"] != LATE_STATUS]
    return tables, {"agent_events": second, "queue_interval_metrics": later_metrics,
                    "agent_statuses": late_statuses}


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


def _write_schedule(conn) -> None:
    """The example schedule as the operator's own table (var schedule_relation), to edit."""
    conn.execute("create schema if not exists wfm_input")
    conn.execute(f"create table {SCHEDULE_RELATION} (instance_id text, agent text, activity text,"
                 " start_at timestamptz, end_at timestamptz)")
    with conn.cursor().copy(f"copy {SCHEDULE_RELATION} from stdin with (format csv, header true)") as copy:
        copy.write((PROJECT / "seeds" / "example_schedule.csv").read_bytes())


def _assert_schedule_edits_are_picked_up(conn, run) -> None:
    """Within the schedule window an incremental run recomputes the pairs whose schedule
    changed, and only those: the result equals a full refresh."""
    def query(sql: str) -> list[tuple]:
        return conn.execute(sql).fetchall()

    def run_adherence(*args: str) -> int:
        """Runs wfm_adherence; how many rows the run wrote."""
        known = ", ".join(f"'{i}'" for (i,) in query("select distinct _wfm_invocation_id from wfm.wfm_adherence"))
        run(["run", *args, "--select", "int_schedule_row_versions", "wfm_adherence"])
        return query(f"select count(*) from wfm.wfm_adherence where _wfm_invocation_id not in ({known})")[0][0]

    before = _snapshot(query)[3]
    # a project from before int_schedule_row_versions: the window's pairs are recomputed once
    conn.execute("alter table wfm.wfm_adherence drop column _wfm_schedule_changed_through")
    conn.execute("drop table wfm_intermediate.int_schedule_row_versions")
    assert run_adherence() > 0
    assert _snapshot(query)[3] == before
    assert run_adherence() == 0, "nothing changed, yet the incremental run rewrote pairs"
    assert _snapshot(query)[3] == before

    # a block becomes a meeting, another is dropped, a third ends 10 minutes early
    blocks = query(f"select agent, start_at from {SCHEDULE_RELATION} where activity = 'OPEN' order by start_at, agent")
    (a1, s1), (a2, s2), (a3, s3) = blocks[0], blocks[len(blocks) // 2], blocks[-1]
    edits = [f"update {SCHEDULE_RELATION} set activity = 'MEETING' where agent = '{a1}' and start_at = '{s1}'",
             f"delete from {SCHEDULE_RELATION} where agent = '{a2}' and start_at = '{s2}'",
             f"update {SCHEDULE_RELATION} set end_at = end_at - interval '10 minutes'"
             f" where agent = '{a3}' and start_at = '{s3}'"]
    assert all(conn.execute(edit).rowcount == 1 for edit in edits)
    rewritten = run_adherence()
    edited = _snapshot(query)[3]
    assert edited != before
    assert 0 < rewritten < len(before) / 4, "the run recomputed more than the edited pairs"
    run_adherence("--full-refresh")
    assert _snapshot(query)[3] == edited, "wfm_adherence after schedule edits"


def test_incremental_equals_full_refresh_on_postgres(day, postgres_database, tmp_path):
    tables, second = _loads(day)
    env = {**postgres_env(postgres_database), "WFM_SCHEDULE_RELATION": SCHEDULE_RELATION}
    with postgres_database.connect() as conn:
        rf.write_postgres(conn, tables)
        _write_schedule(conn)
    run_dbt(["build", *SELECT_MODELS], tmp_path, env)
    with postgres_database.connect() as conn:
        before = conn.execute("select count(*) from wfm.wfm_agent_state_transaction").fetchone()[0]
        assert before > 0
        unknown = conn.execute("select count(*) from wfm.wfm_agent_state_transaction where source_status_name = %s"
                               " and source_status_type is null", (LATE_STATUS,)).fetchone()[0]
        assert unknown > 0, "the first load has periods of a status agent_statuses does not list yet"
        rf.write_postgres(conn, second, append=True)

        def query(sql: str) -> list[tuple]:
            return conn.execute(sql).fetchall()

        def run(args: list[str]) -> None:
            run_dbt(args, tmp_path, env)

        _assert_an_earlier_event_index_is_replaced(conn, run)
        _assert_incremental_equals_full(day, query, run)
        _assert_schedule_edits_are_picked_up(conn, run)


def _assert_an_earlier_event_index_is_replaced(conn, run) -> None:
    """A staging table from before the (event_at, event_id) key, indexed on event_id alone:
    the next run indexes it by the key and drops the earlier index (every insert paid for it)."""
    conn.execute("drop index wfm_staging.stg_connect__agent_events__event_key")
    conn.execute("create unique index earlier_event_id on wfm_staging.stg_connect__agent_events (event_id)")
    run(["run", "--select", "stg_connect__agent_events"])
    indexes = dict(conn.execute("select indexname, indexdef from pg_indexes where schemaname = 'wfm_staging'"
                                " and tablename = 'stg_connect__agent_events'").fetchall())
    assert "earlier_event_id" not in indexes
    assert "(event_at, event_id)" in indexes["stg_connect__agent_events__event_key"]
    assert "UNIQUE" in indexes["stg_connect__agent_events__event_key"]


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


def test_a_status_listed_late_is_mapped_again_downstream_too(day, postgres_database, tmp_path):
    """Events of a routable status agent_statuses does not list yet (and no Type in the
    events, as AWS documents them) map by name; with a name the seed does not know, that is
    UNAVAILABLE. Once the configuration job lists the status, an incremental run with no new
    event maps those periods again (AVAILABLE), and the interval and adherence marts follow:
    equal to a full refresh."""
    events = rf.agent_event_loads(day)[0]
    tables = rf.raw_tables(day, events, day.start_ms, day.start_ms + rf.DAY_MS)
    for row in events:  # the routable status, renamed to a name the seed has no row for
        if row["agent_status_name"] == "Available":
            row["agent_status_name"] = "Ready"
    ready = [dict(r, agent_status_name="Ready") for r in tables["agent_statuses"]
             if r["agent_status_type"] == "ROUTABLE"]
    tables["agent_statuses"] = [r for r in tables["agent_statuses"] if r["agent_status_type"] != "ROUTABLE"]
    env = postgres_env(postgres_database)
    with postgres_database.connect() as conn:
        rf.write_postgres(conn, tables)
    run_dbt(["build"], tmp_path, env)

    def states(conn) -> set[tuple]:
        return set(conn.execute("select distinct wfm_state, source_status_type from wfm.wfm_agent_state_transaction"
                                " where source_status_name = 'Ready'").fetchall())

    with postgres_database.connect() as conn:
        assert states(conn) == {("UNAVAILABLE", None)}
        rf.write_postgres(conn, {"agent_statuses": ready}, append=True)
    run_dbt(["build"], tmp_path, env)
    with postgres_database.connect() as conn:
        assert states(conn) == {("AVAILABLE", "ROUTABLE")}
        query = lambda sql: conn.execute(sql).fetchall()  # noqa: E731
        incremental = _snapshot(query)
        assert any(state == "AVAILABLE" for _, _, state, _ in incremental[1]), "interval activity followed"
        run_dbt(["build", "--full-refresh"], tmp_path, env)
        full = _snapshot(query)
    assert incremental[0] == full[0], "wfm_agent_state_transaction"
    assert incremental[1] == full[1], "wfm_agent_interval_activity"
    assert incremental[3] == full[3], "wfm_adherence"
