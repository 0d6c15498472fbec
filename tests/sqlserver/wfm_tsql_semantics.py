"""The semantics check without a server (docs/sqlserver.md): the models compiled for SQL Server,
transpiled to DuckDB (tsql_to_duckdb.py) and run in dependency order on the raw fixtures of
tests/transform, against the native dbt-duckdb build on the same fixtures, row for row."""

from __future__ import annotations

import collections
import datetime
import decimal
import functools
import json
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for folder in (HERE, ROOT / "tests" / "transform"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import tsql_to_duckdb  # noqa: E402
import wfm_raw_fixtures as rf  # noqa: E402
from wfm_dbt import duckdb_env, run_dbt  # noqa: E402

MSSQL_DATABASE = "mssql_db"  # the database in the compiled three-part names (dropped in DuckDB)
LINEAGE_PREFIX = "_wfm_"     # when and by which run a row was written: not data (transform/README.md)
DUCK_TYPES = {"text": "VARCHAR", "timestamptz": "VARCHAR", "jsonb": "VARCHAR", "boolean": "BOOLEAN",
              "bigint": "BIGINT", "double precision": "DOUBLE"}


@functools.cache
def simulated_day() -> rf.SimulatedDay:
    """The demo world (seed 7, 20 agents) after one simulated day, as tests/transform uses it."""
    return rf.simulate(hours=24)


def raw_tables(day: rf.SimulatedDay) -> dict[str, list[dict]]:
    """The raw layer test_dbt_build.py builds from (a deleted user, duplicated events), plus the
    optional agent_activity_metrics, so that wfm_agent_reconciliation has rows too."""
    events = rf.agent_event_loads(day, duplicate_share=0.02)[0]
    end = day.start_ms + rf.DAY_MS
    tables = rf.raw_tables(day, events, day.start_ms, end)
    tables["agent_activity_metrics"] = rf.agent_activity_rows(day, day.start_ms, end)
    deleted = day.events[0].user_id
    for row in tables["users"]:
        if row["user_id"] == deleted:
            row.update(is_deleted=True, deleted_detected_at=rf.ts(day.world.now_ms))
    return tables


def write_duckdb(path: Path, tables: dict[str, list[dict]], work: Path, schema: str = "raw") -> None:
    """The tables rf.write_duckdb writes (same columns, types and extra column), loaded from
    JSON lines: DuckDB's executemany takes minutes for a day of events."""
    import duckdb

    con = duckdb.connect(str(path))
    try:
        con.execute(f"create schema if not exists {schema}")
        for table, rows in tables.items():
            columns = {**{c: DUCK_TYPES[t] for c, t in rf.ALL_SCHEMAS[table].items()}, rf.EXTRA_COLUMN[0]: "VARCHAR"}
            con.execute(f"create or replace table {schema}.{table} ("
                        + ", ".join(f'"{c}" {t}' for c, t in columns.items()) + ")")
            if rows:
                lines = work / f"{table}.jsonl"
                lines.write_text("".join(json.dumps({**{c: row.get(c) for c in rf.ALL_SCHEMAS[table]},
                                                     rf.EXTRA_COLUMN[0]: "x"}) + "\n" for row in rows))
                con.execute(f"insert into {schema}.{table} select * from "
                            f"read_json('{lines}', format = 'newline_delimited', columns = {columns!r})")
    finally:
        con.close()


def dbt_in_parallel(project_work: Path, native: Path) -> None:
    """The native dbt-duckdb build (models and seeds) and the SQL Server compile (full-refresh
    branch), at once."""
    errors: list[BaseException] = []

    def run(args, work, env):
        try:
            run_dbt(args, work, env)
        except BaseException as error:
            errors.append(error)

    jobs = [
        threading.Thread(target=run, args=(["build", "--exclude-resource-type", "test", "--exclude-resource-type",
                                            "unit_test"], project_work / "duckdb", duckdb_env(native))),
        threading.Thread(target=run, args=(["compile", "--target", "sqlserver", "--no-populate-cache",
                                            "--no-introspect", "--vars", "{wfm_force_is_incremental: false}"],
                                           project_work / "sqlserver",
                                           {"WFM_DBT_TARGET": "sqlserver", "WFM_MSSQL_DBNAME": MSSQL_DATABASE})),
    ]
    for job in jobs:
        job.start()
    for job in jobs:
        job.join()
    if errors:
        raise errors[0]


@dataclass
class Model:
    name: str
    schema: str
    path: Path          # the compiled T-SQL
    depends_on: list[str]


def compiled_models(target: Path) -> list[Model]:
    """The models of the SQL Server compile, parents first."""
    manifest = json.loads((target / "manifest.json").read_text())
    nodes = {k: n for k, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    order: list[str] = []

    def visit(key: str) -> None:
        if key in order or key not in nodes:
            return
        for parent in nodes[key]["depends_on"]["nodes"]:
            visit(parent)
        order.append(key)

    for key in sorted(nodes):
        visit(key)
    return [Model(nodes[k]["name"], nodes[k]["schema"],
                  target / "compiled" / nodes[k]["package_name"] / nodes[k]["original_file_path"],
                  [p.split(".")[-1] for p in nodes[k]["depends_on"]["nodes"]]) for k in order]


@dataclass
class Build:
    path: Path
    models: list[Model]
    failed: dict[str, str] = field(default_factory=dict)   # model → why it did not build


def build_transpiled(path: Path, native: Path, models: list[Model],
                     rewrite_tsql=lambda name, sql: sql) -> Build:
    """Each model's T-SQL in DuckDB as a table, parents first, on the raw tables at `path`
    and the seeds of the native build (data, not SQL). `rewrite_tsql` changes a model's T-SQL
    first (the check's own test plants a fault with it)."""
    import duckdb

    build = Build(path, models)
    con = duckdb.connect(str(path))
    try:
        for statement in tsql_to_duckdb.SESSION:
            con.execute(statement)
        con.execute(f"attach '{native}' as native (read_only)")
        con.execute("create schema if not exists wfm_config")
        for (seed,) in con.execute("select table_name from information_schema.tables "
                                   "where table_catalog = 'native' and table_schema = 'wfm_config'").fetchall():
            con.execute(f"create or replace table wfm_config.{seed} as select * from native.wfm_config.{seed}")
        con.execute("detach native")
        for model in models:
            if any(parent in build.failed for parent in model.depends_on):
                build.failed[model.name] = "a parent did not build"
                continue
            try:
                sql = tsql_to_duckdb.to_duckdb(rewrite_tsql(model.name, model.path.read_text()), MSSQL_DATABASE)
                con.execute(f"create schema if not exists {model.schema}")
                con.execute(f"create or replace table {model.schema}.{model.name} as {sql}")
            except Exception as error:
                build.failed[model.name] = f"{type(error).__name__}: {str(error)[:500]}"
    finally:
        con.close()
    return build


def _value(value):
    """Comparable across the two builds: instants as epoch ms (a DATE stays a date: a
    truncated time is a difference), booleans as 0/1 (T-SQL's bit), numbers to 1e-6."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.UTC)
        return ("instant", round(value.timestamp() * 1000))
    if isinstance(value, datetime.date):
        return ("date", value.isoformat())
    if isinstance(value, (float, decimal.Decimal)):
        return round(float(value), 6)
    return value


@dataclass
class Comparison:
    model: str
    columns: list[str]
    only_native_columns: list[str]
    only_tsql_columns: list[str]
    native_rows: int
    tsql_rows: int
    differences: list[str]   # per column: values only one side has (a sample)

    @property
    def equal(self) -> bool:
        return not (self.differences or self.only_native_columns or self.only_tsql_columns)


def compare(transpiled: Path, native: Path, model: Model) -> Comparison:
    import duckdb

    con = duckdb.connect(str(transpiled), read_only=True)
    try:
        for statement in tsql_to_duckdb.SESSION:
            con.execute(statement)
        con.execute(f"attach '{native}' as native (read_only)")

        def columns(catalog: str) -> list[str]:
            return [c for (c,) in con.execute(
                "select column_name from information_schema.columns where table_catalog = ? and table_schema = ? "
                "and table_name = ? order by ordinal_position", [catalog, model.schema, model.name]).fetchall()
                if not c.startswith(LINEAGE_PREFIX)]

        ours, theirs = columns(transpiled.stem), columns("native")
        shared = [c for c in theirs if c in ours]
        select = ", ".join(f'"{c}"' for c in shared)

        def rows(catalog: str) -> collections.Counter:
            return collections.Counter(tuple(_value(v) for v in row) for row in con.execute(
                f'select {select} from "{catalog}"."{model.schema}"."{model.name}"').fetchall())

        a, b = rows(transpiled.stem), rows("native")
        differences = []
        if a != b:
            for i, column in enumerate(shared):
                va = collections.Counter(r[i] for r in a.elements())
                vb = collections.Counter(r[i] for r in b.elements())
                if va != vb:
                    differences.append(f"{column}: T-SQL only {list((va - vb).items())[:3]}, "
                                       f"native only {list((vb - va).items())[:3]}")
            if not differences:
                differences.append("the same values per column, in other combinations")
        return Comparison(model.name, shared, sorted(set(theirs) - set(ours)), sorted(set(ours) - set(theirs)),
                          sum(b.values()), sum(a.values()), differences)
    finally:
        con.close()
