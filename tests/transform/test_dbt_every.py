"""transform/scripts/dbt_every.py, the warm loop behind `meltano invoke dbt-postgres:refresh-adherence`:
it keeps the adherence marts current as events arrive, and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import wfm_checks as checks
import wfm_raw_fixtures as rf
from wfm_dbt import PROJECT, postgres_env, run_dbt

pytestmark = pytest.mark.slow

SCRIPT = PROJECT / "scripts" / "dbt_every.py"


def _loop(env: dict[str, str], work, *args: str) -> subprocess.Popen:
    full_env = {**os.environ, **env, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
                "DBT_TARGET_PATH": str(work / "target"), "DBT_LOG_PATH": str(work / "logs"),
                "WFM_LOOP_HEALTH_FILE": str(work / "loop.alive")}
    return subprocess.Popen([sys.executable, str(SCRIPT), *args], env=full_env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def test_the_loop_brings_the_adherence_marts_up_to_date(day, postgres_database, tmp_path):
    split_ms = day.start_ms + 15 * 3600_000
    first, second = rf.agent_event_loads(day, split_ms=split_ms, late_share=0.03, duplicate_share=0.03)
    env = postgres_env(postgres_database)
    with postgres_database.connect() as conn:
        rf.write_postgres(conn, rf.raw_tables(day, first, day.start_ms, day.start_ms + rf.DAY_MS))
    run_dbt(["build"], tmp_path, env)
    with postgres_database.connect() as conn:
        rf.write_postgres(conn, {"agent_events": second}, append=True)

    loop = _loop(env, tmp_path, "--period", "0.5", "--cycles", "2", "--command", "build --selector adherence")
    output, _ = loop.communicate(timeout=600)
    assert loop.returncode == 0, output
    assert output.count("succeeded in") == 2, output
    assert (tmp_path / "loop.alive").exists()

    with postgres_database.connect() as conn:
        def query(sql: str) -> list[tuple]:
            return conn.execute(sql).fetchall()

        checks.check_state_periods(day, query)
        checks.check_interval_activity(day, query)
        checks.check_adherence(day, query)


def test_sigterm_lets_the_run_in_hand_finish_then_ends_the_loop(day, postgres_database, tmp_path):
    env = postgres_env(postgres_database)
    with postgres_database.connect() as conn:
        rf.write_postgres(conn, rf.raw_tables(day, rf.agent_event_loads(day)[0], day.start_ms,
                                              day.start_ms + rf.DAY_MS))
    loop = _loop(env, tmp_path, "--period", "3600", "--command", "build --selector adherence")
    lines = []
    for line in loop.stdout:
        lines.append(line)
        if "succeeded in" in line or "failed in" in line:
            break
    if not lines or "succeeded in" not in lines[-1]:
        loop.kill()
        pytest.fail("the first run did not succeed:\n" + "".join(lines))
    stopping = time.monotonic()
    loop.send_signal(signal.SIGTERM)
    output, _ = loop.communicate(timeout=60)
    assert loop.returncode == 0, output
    assert time.monotonic() - stopping < 10, "the loop slept through SIGTERM"
    assert "finishing the run in hand" in output


def test_a_broken_project_ends_the_loop_with_the_reason(tmp_path):
    env = {"WFM_DBT_TARGET": "postgres", "WFM_PG_HOST": "127.0.0.1", "WFM_PG_PORT": "1",  # nothing listens
           "WFM_PG_DBNAME": "nowhere"}
    loop = _loop(env, tmp_path, "--period", "0.1", "--max-failures", "2", "--command", "run --selector adherence")
    output, _ = loop.communicate(timeout=300)
    assert loop.returncode == 1
    assert output.count("failed in") == 2, output
    assert not (tmp_path / "loop.alive").exists()
