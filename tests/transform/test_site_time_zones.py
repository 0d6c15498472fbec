"""Site time zones come from the operator's configuration: a relation they own (var
site_time_zones_relation, env WFM_SITE_TIME_ZONES_RELATION), else the seed site_time_zones;
an unlisted instance takes var default_site_time_zone (env WFM_DEFAULT_SITE_TIME_ZONE)."""

from __future__ import annotations

import pytest
import wfm_checks as checks
import wfm_raw_fixtures as rf
from wfm_dbt import postgres_env, run_dbt

pytestmark = pytest.mark.slow

ZONED_MARTS = ("wfm_queue", "wfm_agent", "wfm_interval_volume", "wfm_agent_interval_activity", "wfm_adherence")
LOCAL_MARTS = ("wfm_interval_volume", "wfm_agent_interval_activity", "wfm_adherence")


def test_the_operators_zone_relation_sets_every_marts_zone_and_local_time(day, postgres_database, tmp_path):
    events = rf.agent_event_loads(day)[0]
    with postgres_database.connect() as conn:
        rf.write_postgres(conn, rf.raw_tables(day, events, day.start_ms, day.start_ms + rf.DAY_MS))
        conn.execute("create schema ops; create table ops.sites (instance_id text, time_zone text)")
        conn.execute("insert into ops.sites values (%s, 'Australia/Sydney')", (day.instance_id,))
    env = {**postgres_env(postgres_database), "WFM_SITE_TIME_ZONES_RELATION": "ops.sites"}
    run_dbt(["build"], tmp_path, env)

    with postgres_database.connect() as conn:
        for mart in ZONED_MARTS:
            zones = conn.execute(f"select distinct site_time_zone from wfm.{mart}").fetchall()
            assert zones == [("Australia/Sydney",)], f"{mart}: {zones} (the seed says America/Chicago)"
        for mart in LOCAL_MARTS:  # AEDT, UTC+11, in November 2026
            rows = conn.execute(f"select interval_start_at, interval_start_local from wfm.{mart}").fetchall()
            assert rows and all(checks.ms(local) - checks.ms(utc) == 11 * 3600_000 for utc, local in rows), mart

        # an instance the relation does not list: the default zone, from the environment
        conn.execute("update ops.sites set instance_id = 'another-instance'")
    run_dbt(["run", "--select", "wfm_queue"], tmp_path, {**env, "WFM_DEFAULT_SITE_TIME_ZONE": "Europe/Berlin"})
    with postgres_database.connect() as conn:
        assert conn.execute("select distinct site_time_zone from wfm.wfm_queue").fetchall() == [("Europe/Berlin",)]

        # a zone the database does not know fails the relation's test, naming it
        conn.execute("update ops.sites set instance_id = %s, time_zone = 'Mars/Olympus_Mons'", (day.instance_id,))
    result = run_dbt(["build", "--select", "stg_wfm__site_time_zones", "wfm_queue"], tmp_path, env, check=False)
    assert result.returncode == 1, result.stdout[-3000:]
    assert "known_time_zone" in result.stdout and "SKIP" in result.stdout, result.stdout[-3000:]
