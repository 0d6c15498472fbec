"""Reading the WFM tables back, from DuckDB or PostgreSQL alike."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

from .settings import PipelineSettings

WFM_SCHEMA = "wfm"


@contextmanager
def connect(settings: PipelineSettings):
    """Yields query(sql, params) -> list of dict rows. SQL uses %s placeholders."""
    if settings.warehouse == "duckdb":
        import duckdb

        connection = duckdb.connect(str(settings.duckdb_path), read_only=True)

        def query(sql: str, params: tuple = ()) -> list[dict[str, Any]]:
            cursor = connection.execute(sql.replace("%s", "?"), params)
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
                             dbname=env.get("WFM_PG_DBNAME"), row_factory=dict_row) as connection:
            yield lambda sql, params=(): connection.execute(sql, params).fetchall()
