"""The demo's schedule table is rewritten on every run of the main job, with dbt's view on it."""

from __future__ import annotations

from datetime import UTC, datetime

from wfm_pipeline.demo_schedule import write_schedule


def _env(db) -> dict[str, str]:
    return {"WFM_PG_HOST": db.host, "WFM_PG_PORT": str(db.port), "WFM_PG_USER": db.user,
            "WFM_PG_PASSWORD": "", "WFM_PG_DBNAME": db.database}


def test_a_second_run_replaces_the_schedule_under_dbts_view(postgres_database):
    start, end = datetime(2026, 12, 1, 9, tzinfo=UTC), datetime(2026, 12, 1, 10, tzinfo=UTC)
    relation = write_schedule(_env(postgres_database), [("i", "a1", "OPEN", start, end)])
    with postgres_database.connect() as conn:  # as staging's stg_wfm__schedule view does
        conn.execute(f"create schema wfm_staging; create view wfm_staging.schedule as select * from {relation}")

    write_schedule(_env(postgres_database), [("i", "a2", "BREAK", start, end), ("i", "a3", "OPEN", start, end)])

    with postgres_database.connect() as conn:
        rows = conn.execute("select agent, activity from wfm_staging.schedule order by agent").fetchall()
    assert rows == [("a2", "BREAK"), ("a3", "OPEN")]
