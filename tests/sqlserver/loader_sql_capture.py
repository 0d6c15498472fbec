"""Capture the SQL the SQL Server loader would send to SQL Server, without a server.

Run by tests/sqlserver/test_loader_sql.py with the loader's own Python (the virtualenv
`meltano install target-mssql` makes from meltano.yml's pip_url: target-mssql-wfm on
target-mssql 0.2.1, singer-sdk 0.13, SQLAlchemy 1.4, which cannot share the project's
virtualenv). It reads Singer messages (SCHEMA, RECORD, BATCH) as JSON lines on stdin, runs
them through the real target — the class behind the plugin's executable (`--executable`, the
console script meltano.yml names), its `listen` — and writes every statement the target executed, one JSON object per
line to `--out`: {"sql": ..., "params": [{column: Python type of the first row's value}] or
null, "rows": how many parameter rows, "kind": "ddl" | "execute", "run": 1 | 2}.

Only the connection is replaced: a recording one, whose engine is SQLAlchemy's mock engine
for the mssql+pymssql dialect (DDL is compiled by the dialect, exactly as it would be sent),
and the questions the target asks the server (does the schema / table exist, which columns
has it, of which type) are answered from the tables it created, with the types SQLAlchemy's
mssql dialect would reflect. The messages are loaded `--runs` times (default 2: a first
run, then a later one that finds its tables), as two `meltano run`s would.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys

import sqlalchemy
from sqlalchemy.engine import create_mock_engine

STATEMENTS: list[dict] = []
RUN = {"number": 1}
# The tables "on the server": {table: {column: type as SQL Server would report it}}.
TABLES: dict[str, dict[str, str]] = {}


def _record(sql, params=None, kind: str = "execute") -> None:
    if isinstance(params, dict):
        params = [params]
    rows = len(params or [])
    if params:
        params = [{k: type(v).__name__ for k, v in p.items()} for p in params[:1]]
    STATEMENTS.append({"sql": sql, "params": params or None, "rows": rows, "kind": kind, "run": RUN["number"]})


class RecordingConnection:
    """What SQLConnector.connection is used as: execute(), begin(), .engine, .dialect."""

    def __init__(self) -> None:
        def on_ddl(element, *multiparams, **params):
            _record(str(element.compile(dialect=self.engine.dialect)), kind="ddl")
            if isinstance(element, sqlalchemy.schema.CreateTable):
                TABLES[element.element.name] = {
                    c.name: c.type.compile(dialect=self.engine.dialect) for c in element.element.columns}

        self.engine = create_mock_engine("mssql+pymssql://", on_ddl)
        self.dialect = self.engine.dialect

    def execute(self, statement, *multiparams, **params):
        if isinstance(statement, str):
            sql = statement
        elif isinstance(statement, sqlalchemy.sql.elements.TextClause):
            sql = statement.text
        else:
            sql = str(statement.compile(dialect=self.dialect))
        _record(sql, multiparams[0] if multiparams else (params or None))
        return None

    def begin(self):
        return contextlib.nullcontext()

    def close(self) -> None:
        pass


def reflected_type(type_text: str):
    """The type SQLAlchemy's mssql dialect reflects for a column declared `type_text`
    (get_columns: varchar(max) has length None, numeric its precision and scale)."""
    from sqlalchemy.dialects import mssql

    names = {"VARCHAR": mssql.VARCHAR, "NVARCHAR": mssql.NVARCHAR, "DATETIME": mssql.DATETIME,
             "DATETIME2": mssql.DATETIME2, "DATETIMEOFFSET": mssql.DATETIMEOFFSET, "BIGINT": mssql.BIGINT,
             "NUMERIC": mssql.NUMERIC, "FLOAT": mssql.FLOAT, "BIT": mssql.BIT, "TIME": mssql.TIME,
             "DATE": mssql.DATE, "TEXT": mssql.TEXT}
    base, _, rest = type_text.partition("(")
    type_class = names[base.strip().upper()]
    arguments = [a.strip() for a in rest.rstrip(")").split(",")] if rest else []
    if type_class in (mssql.VARCHAR, mssql.NVARCHAR):
        return type_class(None if not arguments or arguments[0].lower() == "max" else int(arguments[0]))
    if type_class is mssql.NUMERIC and arguments:
        return type_class(int(arguments[0]), int(arguments[1]))
    return type_class()


def loader_target_class(executable: str):
    """The Singer target class the console script `executable` runs (`module:Class.cli`)."""
    import importlib
    from importlib.metadata import entry_points

    (entry_point,) = entry_points(group="console_scripts", name=executable)
    module_name, _, attribute = entry_point.value.partition(":")
    target = importlib.import_module(module_name)
    for part in attribute.split(".")[:-1] if attribute.endswith(".cli") else attribute.split("."):
        target = getattr(target, part)
    return target


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True, help="the target's config (JSON file)")
    parser.add_argument("--out", required=True, help="where the statements go (JSON lines)")
    parser.add_argument("--runs", type=int, default=2,
                        help="load the messages this many times (run 2: the tables exist)")
    parser.add_argument("--executable", default="target-mssql",
                        help="the loader's console script (meltano.yml's executable): its target class is run")
    args = parser.parse_args()

    target_class = loader_target_class(args.executable)
    connector_class = target_class.default_sink_class.connector_class

    def table_key(full_table_name: str) -> str:
        return full_table_name.split(".")[-1]

    def get_table_columns(self, full_table_name, column_names=None):
        return {name: sqlalchemy.Column(name, reflected_type(type_text))
                for name, type_text in TABLES[table_key(full_table_name)].items()}

    # on the loader's own connector class: what it overrides of these would be replaced too
    connector_class.create_sqlalchemy_connection = lambda self: RecordingConnection()
    connector_class.create_sqlalchemy_engine = lambda self: self.connection.engine
    connector_class.schema_exists = lambda self, schema_name: bool(TABLES)
    connector_class.table_exists = lambda self, full_table_name: table_key(full_table_name) in TABLES
    connector_class.get_table_columns = get_table_columns

    with open(args.config) as handle:
        config = json.load(handle)
    messages = sys.stdin.read()
    errors = []
    for run in range(1, args.runs + 1):
        RUN["number"] = run
        try:
            target_class(config=config, validate_config=True).listen(file_input=io.StringIO(messages))
        except Exception as error:  # what the run would fail with: recorded, the test judges it
            errors.append({"run": run, "error": f"{type(error).__name__}: {error}"})
    with open(args.out, "w") as out:  # stdout carries the target's STATE messages
        for statement in STATEMENTS:
            out.write(json.dumps(statement) + "\n")
        for error in errors:
            out.write(json.dumps({"kind": "error", **error}) + "\n")


if __name__ == "__main__":
    main()
