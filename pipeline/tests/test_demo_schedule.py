"""The demo's schedule table is rewritten on every run of the main job, with dbt's view on it,
in the PostgreSQL warehouse and in a DuckDB one alike."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
from wfm_pipeline.demo_schedule import write_schedule
from wfm_pipeline.settings import PipelineSettings

START, END = datetime(2026, 12, 1, 9, tzinfo=UTC), datetime(2026, 12, 1, 10, tzinfo=UTC)


def test_a_second_run_replaces_the_schedule_under_dbts_view(postgres_database, tmp_path):
    settings = PipelineSettings.detect(tmp_path, environ={
        "WFM_PG_HOST": postgres_database.host, "WFM_PG_PORT": str(postgres_database.port),
        "WFM_PG_USER": postgres_database.user, "WFM_PG_PASSWORD": "", "WFM_PG_DBNAME": postgres_database.database})
    relation = write_schedule(settings, [("i", "a1", "OPEN", START, END)])
    with postgres_database.connect() as conn:  # as staging's stg_wfm__schedule view does
        conn.execute(f"create schema wfm_staging; create view wfm_staging.schedule as select * from {relation}")

    write_schedule(settings, [("i", "a2", "BREAK", START, END), ("i", "a3", "OPEN", START, END)])

    with postgres_database.connect() as conn:
        rows = conn.execute("select agent, activity from wfm_staging.schedule order by agent").fetchall()
    assert rows == [("a2", "BREAK"), ("a3", "OPEN")]


def test_the_schedule_is_written_to_a_duckdb_warehouse_too(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    settings = PipelineSettings.detect(tmp_path, environ={"WFM_DUCKDB_PATH": str(path)})
    relation = write_schedule(settings, [("i", "a1", "OPEN", START, END)])
    with duckdb.connect(str(path)) as conn:
        conn.execute(f"create schema wfm_staging; create view wfm_staging.schedule as select * from {relation}")

    write_schedule(settings, [("i", "a2", "BREAK", START, END), ("i", "a3", "OPEN", START, END)])

    with duckdb.connect(str(path)) as conn:
        rows = conn.execute("select agent, activity, start_at from wfm_staging.schedule order by agent").fetchall()
    assert [(a, b) for a, b, _ in rows] == [("a2", "BREAK"), ("a3", "OPEN")]
    assert rows[0][2] == START
