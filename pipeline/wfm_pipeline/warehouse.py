"""Reading the WFM tables back (and writing the demo's small inputs), DuckDB or PostgreSQL alike."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from .settings import PipelineSettings

WFM_SCHEMA = "wfm"
RAW_SCHEMA = "raw"
# A DuckDB file this job creates must stay readable by target-duckdb, which runs DuckDB 1.0 in
# its own virtualenv (meltano.yml says why); newer DuckDB writes 1.0's format when asked to.
DUCKDB_CONFIG = {"storage_compatibility_version": "v1.0.0"}


@contextmanager
def connect(settings: PipelineSettings, write: bool = False):
    """Yields query(sql, params) -> list of dict rows (none for a statement without rows).
    SQL uses %s placeholders. Each statement commits at once; PostgreSQL sessions are in UTC,
    so naive timestamps (the warehouse's UTC) compare as they are stored."""
    if settings.warehouse == "duckdb":
        import duckdb

        path = settings.duckdb_path  # read-only needs the file: before the first load, it is created
        connection = duckdb.connect(str(path), read_only=not write and path.exists(), config=DUCKDB_CONFIG)

        def query(sql: str, params: tuple = ()) -> list[dict[str, Any]]:
            cursor = connection.execute(sql.replace("%s", "?"), params)
            if not cursor.description:
                return []
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

        try:
            yield query
        finally:
            connection.close()
    else:
        import psycopg
        from psycopg.rows import dict_row

        env = settings.env
        with psycopg.connect(host=env["WFM_PG_HOST"], port=int(env.get("WFM_PG_PORT") or 5432),  # or a socket dir
                             user=env.get("WFM_PG_USER"), password=env.get("WFM_PG_PASSWORD"),
                             dbname=env.get("WFM_PG_DBNAME"), row_factory=dict_row, autocommit=True,
                             options="-c TimeZone=UTC") as connection:

            def query(sql: str, params: tuple = ()) -> list[dict[str, Any]]:
                cursor = connection.execute(sql, params)
                return cursor.fetchall() if cursor.description else []

            yield query


def quote_identifier(*parts: str) -> str:
    """schema.table as the SQL standard quotes it, PostgreSQL's and DuckDB's rule alike (psycopg's
    sql.Identifier gives the same): each part in double quotes, a double quote in it doubled."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in parts)


def table_exists(query, schema: str, table: str) -> bool:
    return bool(query("select 1 as found from information_schema.tables where table_schema = %s "
                      "and table_name = %s", (schema, table)))


def as_utc(value: datetime | str | None) -> datetime | None:
    """A time read back (naive UTC as the warehouse stores it, aware, or ISO text) as an aware
    UTC datetime; None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def naive_utc(moment: datetime) -> datetime:
    """A query parameter: the warehouse stores UTC as timestamp without time zone."""
    return moment.astimezone(UTC).replace(tzinfo=None)
