"""For the demo: the simulated agents' own shift plan, written to the warehouse as the
schedule wfm_adherence compares against (the table an operator's WFM product would fill)."""

from __future__ import annotations

from datetime import UTC, datetime

from connect_sim import truth

SCHEMA, TABLE = "wfm_input", "schedule"


def simulated_schedule(endpoints, since: datetime, until: datetime) -> list[tuple]:
    """The plan, clipped to [since, until): the stretch the collected agent events cover."""
    lo, hi = int(since.timestamp() * 1000), int(until.timestamp() * 1000)
    world = endpoints.world(hi)
    rows = []
    for instance in world.directory.instances:
        for item in truth.schedule(world, instance.id, lo, hi):
            start, end = max(item.start_ms, lo), min(item.end_ms, hi)
            rows.append((instance.id, item.user_id, item.activity,
                         datetime.fromtimestamp(start / 1000, UTC), datetime.fromtimestamp(end / 1000, UTC)))
    return rows


def write_schedule(env, rows: list[tuple]) -> str:
    """Replace the rows of wfm_input.schedule in the PostgreSQL warehouse, in one transaction
    (the table stays: dbt's staging view depends on it, and a run in between never sees it
    empty); returns its relation name."""
    import psycopg
    from psycopg import sql

    schema, table = sql.Identifier(SCHEMA), sql.Identifier(SCHEMA, TABLE)
    with psycopg.connect(host=env["WFM_PG_HOST"], port=int(env.get("WFM_PG_PORT") or 5432),
                         user=env.get("WFM_PG_USER"), password=env.get("WFM_PG_PASSWORD"),
                         dbname=env.get("WFM_PG_DBNAME")) as connection, connection.transaction():
        connection.execute(sql.SQL("create schema if not exists {}").format(schema))
        connection.execute(sql.SQL("""create table if not exists {} (
            instance_id text, agent text, activity text, start_at timestamptz, end_at timestamptz)""").format(table))
        connection.execute(sql.SQL("delete from {}").format(table))
        with connection.cursor() as cursor, cursor.copy(sql.SQL(
                "copy {} (instance_id, agent, activity, start_at, end_at) from stdin").format(table)) as copy:
            for row in rows:
                copy.write_row(row)
    return f"{SCHEMA}.{TABLE}"
