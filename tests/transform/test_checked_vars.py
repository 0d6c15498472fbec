"""The dbt vars that end up inside SQL literals (default_site_time_zone, postgres_work_mem):
a value that is not what the var must be fails dbt with one message naming the var, before
any SQL runs with it; a good value still works."""

from __future__ import annotations

import pytest
from wfm_dbt import duckdb_env, postgres_env, run_dbt

INJECTED_ZONE = "UTC'); create table injected_by_zone (i int); --"
INJECTED_WORK_MEM = "64MB'; create table injected_by_work_mem (i int); --"


def _vars(**values: str) -> str:
    return "{" + ", ".join(f"{name}: {value!r}" for name, value in values.items()) + "}"


def _output(result) -> str:
    return result.stdout + result.stderr


@pytest.mark.parametrize("command", ["parse", "compile"])
def test_a_time_zone_that_is_not_a_zone_name_is_refused_naming_the_var(command, tmp_path):
    result = run_dbt([command, "--vars", _vars(default_site_time_zone=INJECTED_ZONE)], tmp_path / command,
                     duckdb_env(tmp_path / "warehouse.duckdb"), check=False)
    assert result.returncode != 0
    assert f"var default_site_time_zone: '{INJECTED_ZONE}' is not a time zone name" in _output(result)
    # while a real name of three parts is what the check lets through
    run_dbt([command, "--vars", _vars(default_site_time_zone="America/Argentina/Buenos_Aires")],
            tmp_path / f"{command}-good", duckdb_env(tmp_path / "warehouse.duckdb"))


def test_a_zone_the_database_does_not_know_fails_the_run_before_any_model(tmp_path):
    import duckdb

    warehouse = tmp_path / "warehouse.duckdb"
    result = run_dbt(["run", "--select", "stg_wfm__schedule", "--vars", _vars(default_site_time_zone="Mars/Olympus_Mons")],
                     tmp_path, duckdb_env(warehouse), check=False)
    assert result.returncode != 0
    assert "var default_site_time_zone: 'Mars/Olympus_Mons' is not a time zone this database knows" in _output(result)
    with duckdb.connect(str(warehouse)) as conn:
        assert not conn.execute("select 1 from information_schema.tables where table_name = 'stg_wfm__schedule'"
                                ).fetchall()


def test_a_work_mem_that_is_not_a_size_is_refused_and_never_executed(postgres_database, tmp_path):
    result = run_dbt(["run", "--select", "stg_wfm__schedule", "--vars", _vars(postgres_work_mem=INJECTED_WORK_MEM)],
                     tmp_path, postgres_env(postgres_database), check=False)
    assert result.returncode != 0
    assert f"var postgres_work_mem: '{INJECTED_WORK_MEM}' is not a PostgreSQL memory size" in _output(result)
    with postgres_database.connect() as conn:
        assert not conn.execute("select 1 from pg_tables where tablename = 'injected_by_work_mem'").fetchone()
