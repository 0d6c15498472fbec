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


def _read_until(loop: subprocess.Popen, lines: list[str], marker: str) -> None:
    """Read the loop's output into `lines` up to a line with `marker` (or a failed run)."""
    for line in loop.stdout:
        lines.append(line)
        if marker in line or "failed in" in line:
            break
    if not lines or marker not in lines[-1]:
        loop.kill()
        pytest.fail(f"no {marker!r} in the loop's output:\n" + "".join(lines))


def test_a_load_brings_the_state_tables_up_to_date_without_waiting_for_the_period(day, postgres_database,
                                                                                  tmp_path):
    split_ms = day.start_ms + 15 * 3600_000
    first, second = rf.agent_event_loads(day, split_ms=split_ms, late_share=0.03, duplicate_share=0.03)
    env = postgres_env(postgres_database)
    with postgres_database.connect() as conn:
        rf.write_postgres(conn, rf.raw_tables(day, first, day.start_ms, day.start_ms + rf.DAY_MS))
    loop = _loop(env, tmp_path, "--period", "3600", "--command", "build --selector adherence",
                 "--on-load", "run --selector realtime", "--watch", "connect.agent_events", "--poll", "0.2")
    lines: list[str] = []
    try:
        _read_until(loop, lines, "run 1 succeeded")
        with postgres_database.connect() as conn:
            before = conn.execute("select count(*) from wfm.wfm_agent_state_transaction").fetchone()[0]
            rf.write_postgres(conn, {"agent_events": second}, append=True)
        loaded = time.monotonic()
        _read_until(loop, lines, "on-load run 2 succeeded")
        assert time.monotonic() - loaded < 120, "the load was picked up at once, not after the hour's period"
        with postgres_database.connect() as conn:
            after = conn.execute("select count(*) from wfm.wfm_agent_state_transaction").fetchone()[0]
            assert after > before, "the second load's periods are in"
            checks.check_state_periods(day, lambda sql: conn.execute(sql).fetchall())
    finally:
        loop.send_signal(signal.SIGTERM)
        output, _ = loop.communicate(timeout=120)
    assert loop.returncode == 0, "".join(lines) + output


def test_a_source_the_project_does_not_have_is_one_line(tmp_path):
    env = {"WFM_DBT_TARGET": "postgres", "WFM_PG_HOST": "127.0.0.1", "WFM_PG_DBNAME": "unused"}
    loop = _loop(env, tmp_path, "--command", "run --selector adherence", "--on-load", "run --selector realtime",
                 "--watch", "connect.agent_event")
    output, _ = loop.communicate(timeout=300)
    assert loop.returncode == 2, output
    errors = [line for line in output.splitlines() if " ERROR " in line]
    assert len(errors) == 1 and "--watch connect.agent_event: the project has no such source" in errors[0], output
    assert "connect.agent_events" in errors[0], "it lists the sources there are"
    assert "Traceback" not in output
