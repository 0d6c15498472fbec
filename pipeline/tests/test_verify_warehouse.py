"""`wfm-pipeline verify-warehouse`: the shipped fixture through the real loaders and dbt into scratch
schemas, every WFM table compared with the shipped expected rows, the scratch schemas dropped.

The PostgreSQL run is also the guard against stale expected rows: they must be exactly what the
current dbt project builds on PostgreSQL from the shipped Singer files (regenerate them with
`python -m wfm_pipeline.verify_fixture --expected` after a model change)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from wfm_pipeline import verify_fixture, verify_warehouse
from wfm_pipeline.settings import PipelineSettings
from wfm_pipeline.verify_backends import SqlAlchemyBackend
from wfm_pipeline.verify_results import Tolerance, compare, normalise_rows
from wfm_pipeline.verify_warehouse import WAREHOUSES, verify

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from meltano_lock import project_lock  # noqa: E402

MELTANO = str(Path(sys.executable).with_name("meltano"))
CLI = str(Path(sys.executable).with_name("wfm-pipeline"))
PG = {"WFM_PG_HOST": os.environ.get("WFM_TEST_PG_HOST", "127.0.0.1"),
      "WFM_PG_PORT": os.environ.get("WFM_TEST_PG_PORT", "5432"),
      "WFM_PG_USER": os.environ.get("WFM_TEST_PG_USER", "postgres"),
      "WFM_PG_PASSWORD": "unused",  # trust authentication; target-postgres wants one
      "WFM_PG_DBNAME": "test"}
TABLES = sorted(verify_fixture.MART_KEYS)


def _base_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("WFM_", "TARGET_", "MELTANO_"))}


def _scratch_schemas(prefix: str) -> list[str]:
    with psycopg.connect(host=PG["WFM_PG_HOST"], port=int(PG["WFM_PG_PORT"]), user=PG["WFM_PG_USER"],
                         dbname="test", autocommit=True) as connection:
        return [row[0] for row in connection.execute(
            "select schema_name from information_schema.schemata where left(schema_name, %s) = %s",
            (len(prefix), prefix))]


def _prefix(output: str) -> str:
    return re.search(r"in scratch schemas (wfm_verify_[0-9a-f]+_)\*", output).group(1)


def _result_lines(output: str) -> dict[str, str]:
    return {line.split()[0]: line.split()[-1] for line in output.splitlines()
            if line.strip() and line.split()[0] in TABLES and line.split()[-1] in ("PASS", "FAIL")}


@pytest.fixture(scope="module")
def meltano_sys_dir(tmp_path_factory) -> Path:
    """The loaders and dbt utilities installed (`./wfm test` did it already: seconds), and a
    .meltano of this module's own beside them (MELTANO_SYS_DIR_ROOT: each meltano run writes
    run/ and logs/ there, which the end-to-end tests' runs at once would share)."""
    with project_lock():
        result = subprocess.run([MELTANO, "install", "target-postgres", "dbt-postgres", "target-duckdb", "dbt-duckdb"],
                                cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-4000:]
    sys_dir = tmp_path_factory.mktemp("verify") / "meltano-sys"
    sys_dir.mkdir()
    for kind in ("loaders", "utilities"):
        (sys_dir / kind).symlink_to(ROOT / ".meltano" / kind)
    return sys_dir


@pytest.mark.slow
def test_postgres_passes_with_the_expected_rows_of_the_current_project_and_drops_its_schemas(
        meltano_sys_dir, capsys):
    code = verify(ROOT, "postgres", environ={**_base_env(), **PG, "MELTANO_SYS_DIR_ROOT": str(meltano_sys_dir)},
                  terminal=False)
    output = capsys.readouterr().out
    assert _result_lines(output) == dict.fromkeys(TABLES, "PASS"), output
    assert code == 0, output
    assert "PASS: 8 of 8 WFM tables as expected on postgres" in output
    assert _scratch_schemas(_prefix(output)) == []  # raw, wfm, wfm_staging, … of the run: gone


@pytest.mark.slow
def test_ctrl_c_during_the_build_still_drops_the_scratch_schemas(meltano_sys_dir, monkeypatch, capsys):
    """The fixture really loaded (the raw schema exists), then Ctrl-C as dbt starts."""
    from wfm_pipeline import meltano_runner

    real_step = meltano_runner.MeltanoRunner.step
    seen = []

    def step(self, title, *args, **kwargs):
        if args[:2] == ("invoke", "dbt-postgres"):
            seen.extend(_scratch_schemas(_prefix(capsys.readouterr().out)))
            raise KeyboardInterrupt
        return real_step(self, title, *args, **kwargs)

    monkeypatch.setattr(meltano_runner.MeltanoRunner, "step", step)
    with pytest.raises(KeyboardInterrupt):
        verify(ROOT, "postgres", environ={**_base_env(), **PG, "MELTANO_SYS_DIR_ROOT": str(meltano_sys_dir)},
               terminal=False)
    assert len(seen) == 1 and seen[0].endswith("_raw")
    assert _scratch_schemas(seen[0].removesuffix("raw")) == []


def _tampered_expected(where: Path) -> tuple[Path, list]:
    """A copy of the expected rows with one wfm_queue name changed and one wfm_agent row dropped
    (the warehouse then holds a row not expected); returns it and the dropped row."""
    expected = where / "expected"
    shutil.copytree(verify_fixture.EXPECTED_DIR, expected)
    queue = json.loads((expected / "wfm_queue.json").read_text())
    queue["rows"][0][queue["columns"].index("queue_name")] = "Not the queue's name"
    (expected / "wfm_queue.json").write_text(json.dumps(queue))
    agent = json.loads((expected / "wfm_agent.json").read_text())
    dropped = agent["rows"].pop()
    (expected / "wfm_agent.json").write_text(json.dumps(agent))
    return expected, dropped


@pytest.mark.slow
def test_duckdb_passes_leaves_no_scratch_schema_and_a_table_that_differs_fails_by_name(
        meltano_sys_dir, tmp_path, monkeypatch, capsys):
    """One run on a DuckDB file: it passes; judged again against tampered expected rows, it fails,
    naming the tables and rows, exit 1 (one run: a second would double the test's time)."""
    builds = []
    judge = verify_warehouse.judge

    def keep(build, *args, **kwargs):
        builds.append(build)
        return judge(build, *args, **kwargs)

    monkeypatch.setattr(verify_warehouse, "judge", keep)
    path = tmp_path / "warehouse.duckdb"
    code = verify(ROOT, "duckdb", environ={**_base_env(), "WFM_DUCKDB_PATH": str(path),
                                           "MELTANO_SYS_DIR_ROOT": str(meltano_sys_dir)}, terminal=False)
    output = capsys.readouterr().out
    assert _result_lines(output) == dict.fromkeys(TABLES, "PASS"), output
    assert code == 0, output
    import duckdb

    with duckdb.connect(str(path), read_only=True) as connection:
        left = connection.execute("select schema_name from information_schema.schemata "
                                  "where schema_name like 'wfm_verify_%'").fetchall()
    assert left == []

    expected, dropped = _tampered_expected(tmp_path)
    monkeypatch.setattr(verify_fixture, "EXPECTED_DIR", expected)
    code = judge(builds[0], WAREHOUSES["duckdb"].tolerance)
    output = capsys.readouterr().out
    assert code == 1
    results = _result_lines(output)
    assert results.pop("wfm_queue") == "FAIL" and results.pop("wfm_agent") == "FAIL", output
    assert set(results.values()) == {"PASS"}, output
    assert re.search(r"wfm_queue +6 +6 +0 +0 +1 +FAIL", output), output
    assert re.search(r"wfm_agent +9 +10 +0 +1 +0 +FAIL", output), output
    assert "queue_name expected \"Not the queue's name\"" in output
    assert f"wfm_agent: unexpected: instance_id={dropped[0]}, agent_id={dropped[1]}" in output
    assert "FAIL: 6 of 8 WFM tables as expected on duckdb" in output


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, "verify-warehouse", *args], cwd=ROOT, env={**_base_env(), **env},
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("warehouse", "env", "says"), [
    ("postgres", {}, "WFM_PG_HOST is not set: set WFM_PG_HOST, WFM_PG_PORT"),
    ("postgres", {**PG, "WFM_PG_PORT": "1"}, "cannot reach PostgreSQL at 127.0.0.1:1, database test"),
    ("duckdb", {"WFM_DUCKDB_PATH": "/nonexistent-folder/w.duckdb"},
     "WFM_DUCKDB_PATH /nonexistent-folder/w.duckdb: the folder /nonexistent-folder does not exist"),
    ("sqlserver", {}, "WFM_MSSQL_HOST or TARGET_MSSQL_SQLALCHEMY_URL is not set"),
    ("duckdb", {"WFM_DUCKDB_PATH": "/tmp/w.duckdb", "MELTANO_SYS_DIR_ROOT": "/nonexistent-meltano"},
     "the Meltano plugin target-duckdb is not installed: run `meltano install target-duckdb dbt-duckdb`"),
])
def test_bad_settings_are_one_line_naming_the_setting_and_the_fix(warehouse, env, says):
    result = _cli(env, "--warehouse", warehouse)
    assert result.returncode == 2
    assert result.stderr.startswith(f"wfm-pipeline verify-warehouse: {says}"), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_an_unknown_warehouse_is_refused_by_name():
    result = _cli({}, "--warehouse", "oracle")
    assert result.returncode == 2
    assert "argument --warehouse: invalid choice: 'oracle' (choose from" in result.stderr
    assert "Traceback" not in result.stderr


def test_values_compare_as_utc_instants_and_numbers_within_the_tolerance():
    from datetime import datetime, timedelta, timezone

    expected = {"table": "t", "key": ["id", "at"], "columns": ["id", "at", "seconds", "n", "flag"],
                "rows": [["a", "2026-12-03T10:00:00.050Z", 1.5, 3, True], ["b", "2026-12-03T10:15:00.000Z", 2.0, 4, False]]}
    chicago = timezone(timedelta(hours=-6))
    found = normalise_rows([
        {"ID": "a", "at": datetime(2026, 12, 3, 4, 0, 0, 49000, chicago), "seconds": 1.5000000001, "n": 3, "flag": 1},
        {"ID": "b", "at": datetime(2026, 12, 3, 10, 15), "seconds": 2.0, "n": 4, "flag": False}])
    assert compare(expected, found, Tolerance(time_ms=4)).passed  # a time 1 ms off, matched on its key too
    strict = compare(expected, found, Tolerance())
    assert (strict.missing, strict.unexpected, strict.passed) == (1, 1, False)
    found[1]["n"] = 5
    result = compare(expected, found, Tolerance(time_ms=4))
    assert result.differing == 1 and "n expected 4, found 5" in result.notes[0]
    assert WAREHOUSES["sqlserver"].tolerance == Tolerance(time_ms=4, number=0.05)


def test_sql_server_gets_the_site_time_zone_by_its_windows_name(tmp_path):
    loaded = verify_warehouse.singer_input(tmp_path, WAREHOUSES["sqlserver"]).read_text()
    assert '"time_zone":"Central Standard Time"' in loaded and "America/Chicago" not in loaded
    expected = verify_fixture.read_expected()["wfm_queue"]
    at = expected["columns"].index("site_time_zone")
    assert {row[at] for row in expected["rows"]} == {"America/Chicago"}
    assert {row[at] for row in verify_warehouse._as_loaded(expected, WAREHOUSES["sqlserver"])["rows"]} == {
        "Central Standard Time"}
    assert verify_warehouse._as_loaded(expected, WAREHOUSES["postgres"]) is expected


def test_the_sql_server_path_reads_and_drops_through_sqlalchemy_in_a_loaders_virtualenv(meltano_sys_dir):
    """SQL Server is reached through SQLAlchemy in target-mssql's virtualenv (none can run here):
    the same helper, run in target-postgres' virtualenv against PostgreSQL, reads a table back and
    drops the scratch schemas, a view on a view included (SQL Server has no DROP … CASCADE)."""
    prefix = "wfm_verify_sqlalchemy_"
    with psycopg.connect(host=PG["WFM_PG_HOST"], port=int(PG["WFM_PG_PORT"]), user=PG["WFM_PG_USER"],
                         dbname="test", autocommit=True) as connection:
        connection.execute(f"""drop schema if exists {prefix}wfm cascade; create schema {prefix}wfm;
            create table {prefix}wfm.wfm_queue (queue_id text, at timestamptz, n numeric(38, 16));
            insert into {prefix}wfm.wfm_queue values ('q', '2026-12-03 10:00:00.123+00', 1.5);
            create view {prefix}wfm.v1 as select * from {prefix}wfm.wfm_queue;
            create view {prefix}wfm.v2 as select * from {prefix}wfm.v1""")
    settings = PipelineSettings.detect(ROOT, {"MELTANO_SYS_DIR_ROOT": str(meltano_sys_dir)})
    backend = SqlAlchemyBackend(settings, "dev", "target-postgres",
                                url=f"postgresql+psycopg://{PG['WFM_PG_USER']}@{PG['WFM_PG_HOST']}:{PG['WFM_PG_PORT']}/test")
    try:
        backend.check_reachable()
        found = backend.read_tables(f"{prefix}wfm", ["wfm_queue", "wfm_agent"])
        assert found["wfm_agent"] is None
        columns, rows = found["wfm_queue"]
        assert columns == ["queue_id", "at", "n"]
        assert normalise_rows(rows) == [{"queue_id": "q", "at": "2026-12-03T10:00:00.123Z", "n": 1.5}]
    finally:
        backend.drop_schemas(prefix)
    assert _scratch_schemas(prefix) == []


@pytest.mark.slow
def test_the_sql_server_url_is_target_mssqls_own_configuration_as_meltano_resolves_it():
    env = {**_base_env(), "WFM_MSSQL_HOST": "sql.internal", "WFM_MSSQL_DBNAME": "wfm", "WFM_MSSQL_USER": "wfm",
           "WFM_MSSQL_PASSWORD": "p@ss:w/rd"}
    backend = SqlAlchemyBackend(PipelineSettings.detect(ROOT, env), "dev", "target-mssql")
    assert backend.url() == "mssql+pymssql://wfm:p%40ss%3Aw%2Frd@sql.internal:1433/wfm"
    url = "mssql+pymssql://wfm:x@sql.internal:1433/wfm?encryption=require"
    backend = SqlAlchemyBackend(PipelineSettings.detect(ROOT, {**env, "TARGET_MSSQL_SQLALCHEMY_URL": url}),
                                "dev", "target-mssql")
    assert backend.url() == url
