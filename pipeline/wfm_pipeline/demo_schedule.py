"""For the demo: the inputs an operator's WFM product and configuration would provide, taken
from the simulated world and written to the warehouse (schema wfm_input):

- wfm_input.schedule: the simulated agents' own shift plan, the schedule wfm_adherence
  compares against (dbt var schedule_relation, env WFM_SCHEDULE_RELATION);
- wfm_input.site_time_zones: each simulated instance's site time zone (dbt var
  site_time_zones_relation, env WFM_SITE_TIME_ZONES_RELATION).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from connect_sim import truth

from .warehouse import DUCKDB_CONFIG, quote_identifier

SCHEMA, TABLE = "wfm_input", "schedule"
ZONES_TABLE = "site_time_zones"


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


def _replace_rows(settings, table: str, columns: dict[str, str], rows: Iterable[tuple]) -> str:
    """Replace the rows of wfm_input.<table> in the warehouse, in one transaction (the table
    stays: dbt's staging view depends on it, and a run in between never sees it empty);
    returns its relation name."""
    if settings.warehouse == "duckdb":
        _replace_duckdb_rows(settings, table, columns, list(rows))
        return f"{SCHEMA}.{table}"
    import psycopg
    from psycopg import sql

    env = settings.env
    schema, relation = sql.Identifier(SCHEMA), sql.Identifier(SCHEMA, table)
    names = sql.SQL(", ").join(sql.Identifier(name) for name in columns)
    definition = sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(kind))
                                    for name, kind in columns.items())
    with psycopg.connect(host=env["WFM_PG_HOST"], port=int(env.get("WFM_PG_PORT") or 5432),
                         user=env.get("WFM_PG_USER"), password=env.get("WFM_PG_PASSWORD"),
                         dbname=env.get("WFM_PG_DBNAME")) as connection, connection.transaction():
        connection.execute(sql.SQL("create schema if not exists {}").format(schema))
        connection.execute(sql.SQL("create table if not exists {} ({})").format(relation, definition))
        connection.execute(sql.SQL("delete from {}").format(relation))
        with connection.cursor() as cursor, cursor.copy(
                sql.SQL("copy {} ({}) from stdin").format(relation, names)) as copy:
            for row in rows:
                copy.write_row(row)
    return f"{SCHEMA}.{table}"


def _replace_duckdb_rows(settings, table: str, columns: dict[str, str], rows: list[tuple]) -> None:
    import duckdb

    quoted = quote_identifier
    relation = quoted(SCHEMA, table)
    definition = ", ".join(f"{quoted(name)} {kind}" for name, kind in columns.items())
    with duckdb.connect(str(settings.duckdb_path), config=DUCKDB_CONFIG) as connection:
        connection.execute(f"create schema if not exists {quoted(SCHEMA)}")
        connection.execute(f"create table if not exists {relation} ({definition})")
        connection.execute("begin transaction")
        connection.execute(f"delete from {relation}")
        if rows:
            marks = ", ".join("?" for _ in columns)
            connection.executemany(f"insert into {relation} ({', '.join(map(quoted, columns))}) values ({marks})", rows)
        connection.execute("commit")


def write_schedule(settings, rows: list[tuple]) -> str:
    """The schedule rows (instance_id, agent, activity, start_at, end_at)."""
    return _replace_rows(settings, TABLE, {"instance_id": "text", "agent": "text", "activity": "text",
                                      "start_at": "timestamptz", "end_at": "timestamptz"}, rows)


def write_site_time_zones(settings, instances: Iterable[tuple[str, str]]) -> str:
    """(instance_id, time_zone) of each simulated instance: its site's zone."""
    return _replace_rows(settings, ZONES_TABLE, {"instance_id": "text", "time_zone": "text"}, instances)
