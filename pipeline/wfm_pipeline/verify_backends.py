"""verify-warehouse's reach into each warehouse: is it there, read the marts back, drop the scratch
schemas. PostgreSQL and DuckDB through warehouse.connect (the settings the jobs use); SQL Server
(no driver in this virtualenv) through SQLAlchemy and pymssql in target-mssql's own virtualenv,
with the loader's configuration as Meltano resolves it (`meltano invoke --dump=config`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from .settings import PipelineSettings
from .verify_errors import SETTING_HINTS, VerifyError
from .warehouse import DUCKDB_CONFIG, as_utc, connect, quote_identifier

Tables = dict[str, tuple[list[str], list[dict[str, Any]]] | None]


def for_warehouse(warehouse, settings: PipelineSettings, environment: str):
    if warehouse.name == "sqlserver":
        return SqlAlchemyBackend(settings, environment, warehouse.loader)
    return NativeBackend(warehouse.name, settings)


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


class NativeBackend:
    """PostgreSQL or DuckDB, through warehouse.connect."""

    def __init__(self, name: str, settings: PipelineSettings):
        self.name, self.settings = name, settings

    def check_reachable(self) -> None:
        env = self.settings.env
        if self.name == "duckdb":
            path = self.settings.duckdb_path
            if not path.parent.is_dir():
                raise VerifyError(f"WFM_DUCKDB_PATH {path}: the folder {path.parent} does not exist: "
                                  "name a DuckDB file in an existing folder")
            import duckdb

            try:
                duckdb.connect(str(path), config=DUCKDB_CONFIG).close()
            except duckdb.Error as error:
                raise VerifyError(f"WFM_DUCKDB_PATH {path} cannot be opened ({_first_line(error)}): "
                                  "stop what holds it (a running job), or name another file") from None
            return
        import psycopg

        try:
            with connect(self.settings) as query:
                query("select 1")
        except (psycopg.Error, ValueError) as error:
            raise VerifyError(f"cannot reach PostgreSQL at {env.get('WFM_PG_HOST')}:{env.get('WFM_PG_PORT') or 5432}, "
                              f"database {env.get('WFM_PG_DBNAME')}, user {env.get('WFM_PG_USER')} "
                              f"({_first_line(error)}): check {SETTING_HINTS['postgres']}") from None

    def read_tables(self, schema: str, tables: list[str]) -> Tables:
        found: Tables = {}
        with connect(self.settings) as query:
            for table in tables:
                columns = [row["column_name"] for row in query(
                    "select column_name from information_schema.columns where table_schema = %s "
                    "and table_name = %s order by ordinal_position", (schema, table))]
                found[table] = (columns, query(f"select * from {quote_identifier(schema, table)}")) if columns else None
        return found

    def drop_schemas(self, prefix: str) -> None:
        with connect(self.settings, write=True) as query:
            for row in query("select schema_name from information_schema.schemata "
                             "where left(schema_name, %s) = %s", (len(prefix), prefix)):
                query(f"drop schema if exists {quote_identifier(row['schema_name'])} cascade")


# Runs in the loader's virtualenv: argv action argument, the URL in the environment (a password
# in argv is visible to every user of the host); prints JSON.
HELPER = r"""
import datetime, decimal, json, os, sys
import sqlalchemy as sa
url = os.environ.pop("WFM_VERIFY_SQLALCHEMY_URL")
action, argument = sys.argv[1:3]
engine = sa.create_engine(url)
quote = engine.dialect.identifier_preparer.quote
def value(v):
    if isinstance(v, datetime.datetime):
        return {"__datetime__": v.isoformat()}
    if isinstance(v, (datetime.date, datetime.time)):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return {"__decimal__": str(v)}
    return v
with engine.begin() as connection:
    if action == "ping":
        connection.execute(sa.text("select 1"))
        print(json.dumps({}))
    elif action == "read":
        schema, tables = argument.split(":", 1)
        names = set(sa.inspect(connection).get_table_names(schema=schema))
        out = {}
        for table in tables.split(","):
            if table not in names:
                out[table] = None
                continue
            result = connection.execute(sa.text(f"select * from {quote(schema)}.{quote(table)}"))
            columns = list(result.keys())
            out[table] = [columns, [[value(v) for v in row] for row in result]]
        print(json.dumps(out))
    elif action == "drop":
        inspector = sa.inspect(connection)
        schemas = [s for s in inspector.get_schema_names() if s.startswith(argument)]
        for schema in schemas:
            objects = [("view", v) for v in inspector.get_view_names(schema=schema)]
            objects += [("table", t) for t in inspector.get_table_names(schema=schema)]
            for _ in range(len(objects) + 1):  # a view others depend on goes after them
                left = []
                for kind, name in objects:
                    try:
                        with connection.begin_nested():
                            connection.execute(sa.text(f"drop {kind} {quote(schema)}.{quote(name)}"))
                    except sa.exc.DBAPIError:
                        left.append((kind, name))
                objects = left
            connection.execute(sa.text(f"drop schema {quote(schema)}"))
        print(json.dumps(schemas))
"""


def _decode(v: Any) -> Any:
    if isinstance(v, dict) and "__datetime__" in v:
        return as_utc(datetime.fromisoformat(v["__datetime__"]))
    if isinstance(v, dict) and "__decimal__" in v:
        return Decimal(v["__decimal__"])
    return v


class SqlAlchemyBackend:
    """A warehouse without a driver here (SQL Server): SQLAlchemy in the loader's virtualenv."""

    def __init__(self, settings: PipelineSettings, environment: str, loader: str, url: str | None = None):
        self.settings, self.environment, self.loader, self._url = settings, environment, loader, url

    @property
    def python(self) -> Path:
        sys_dir = Path(self.settings.env.get("MELTANO_SYS_DIR_ROOT") or self.settings.project_root / ".meltano")
        return sys_dir / "loaders" / self.loader / "venv" / "bin" / "python"

    def url(self) -> str:
        if self._url is None:
            meltano = Path(sys.executable).with_name("meltano")
            result = subprocess.run([str(meltano), "--environment", self.environment, "invoke", "--dump=config",
                                     self.loader], cwd=self.settings.project_root, capture_output=True, text=True,
                                    env={**os.environ, **self.settings.env})
            config = json.loads(result.stdout) if result.returncode == 0 else {}
            self._url = config.get("sqlalchemy_url") or (
                f"mssql+pymssql://{quote_plus(str(config.get('username') or ''))}:"
                f"{quote_plus(str(config.get('password') or ''))}@{config.get('host')}:"
                f"{config.get('port') or 1433}/{config.get('database')}")
        return self._url

    def _helper(self, action: str, argument: str = "") -> Any:
        result = subprocess.run([str(self.python), "-c", HELPER, action, argument], capture_output=True, text=True,
                                timeout=600, env={**os.environ, "WFM_VERIFY_SQLALCHEMY_URL": self.url()})
        if result.returncode != 0:
            lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
            raise RuntimeError(lines[-1] if lines else f"exit {result.returncode}")
        return json.loads(result.stdout)

    def check_reachable(self) -> None:
        try:
            self._helper("ping")
        except RuntimeError as error:
            raise VerifyError(f"cannot reach SQL Server through {self.loader}'s configuration ({error}): "
                              f"check {SETTING_HINTS['sqlserver']}") from None

    def read_tables(self, schema: str, tables: list[str]) -> Tables:
        out = self._helper("read", f"{schema}:{','.join(tables)}")
        return {table: None if got is None else
                (got[0], [{c: _decode(v) for c, v in zip(got[0], row, strict=True)} for row in got[1]])
                for table, got in out.items()}

    def drop_schemas(self, prefix: str) -> None:
        self._helper("drop", prefix)
