"""The image's own scripts, run on this machine (fast): the system-database URI and schema
(docker/systemdb.py, with `meltano state list` against it on the local PostgreSQL), the
liveness check (docker/healthcheck.sh) and the loop (docker/every.sh)."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from urllib.parse import unquote, urlsplit

import pytest
from deploy_files import DOCKER, ROOT, tool


def _systemdb():
    spec = importlib.util.spec_from_file_location("wfm_systemdb", DOCKER / "systemdb.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


systemdb = _systemdb()


def test_the_uri_is_built_from_the_warehouse_settings_with_its_own_schema():
    uri = systemdb.build_uri({
        "WFM_PG_HOST": "db.example", "WFM_PG_PORT": "6432", "WFM_PG_USER": "loader",
        "WFM_PG_PASSWORD": "p@ss:w/rd%?", "WFM_PG_DBNAME": "wfm",
    })
    parts = urlsplit(uri)
    assert parts.scheme == "postgresql+psycopg"
    assert parts.hostname == "db.example" and parts.port == 6432 and parts.path == "/wfm"
    assert unquote(parts.password) == "p@ss:w/rd%?"
    assert systemdb.search_path_schema(uri) == "meltano"


def test_an_explicit_uri_wins_and_without_settings_there_is_none():
    explicit = "postgresql+psycopg://u@h/db?options=-csearch_path%3Dops"
    assert systemdb.build_uri({"MELTANO_DATABASE_URI": explicit, "WFM_PG_HOST": "other"}) == explicit
    assert systemdb.search_path_schema(explicit) == "ops"
    assert systemdb.build_uri({}) is None
    assert systemdb.search_path_schema("postgresql+psycopg://u@h/db") is None
    schema = systemdb.build_uri({"WFM_PG_HOST": "h", "WFM_MELTANO_SCHEMA": "wfm_meltano",
                                 "WFM_PG_SSLMODE": "require"})
    assert systemdb.search_path_schema(schema) == "wfm_meltano"
    assert schema.endswith("&sslmode=require")


def test_meltano_keeps_runs_and_state_in_its_schema_of_the_warehouse(postgres_database, tmp_path):
    """What every container does at start: the entry point's URI and schema, then Meltano."""
    env = {
        **os.environ,
        "WFM_PG_HOST": postgres_database.host, "WFM_PG_PORT": str(postgres_database.port),
        "WFM_PG_USER": postgres_database.user, "WFM_PG_DBNAME": postgres_database.database,
    }
    env.pop("MELTANO_DATABASE_URI", None)
    uri = subprocess.run([sys.executable, str(DOCKER / "systemdb.py")], env=env, check=True,
                         capture_output=True, text=True).stdout.strip()
    assert uri.startswith("postgresql+psycopg://")
    meltano = [tool("meltano"), "--environment=dev"]
    run_env = {**env, "MELTANO_DATABASE_URI": uri, "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false"}
    state = '{"singer_state": {"bookmarks": {"agent_events": {"shard-0": "49"}}}}'
    subprocess.run([*meltano, "state", "set", "--force", "dev:tap-connect-kinesis-to-target-postgres", state],
                   cwd=ROOT, env=run_env, check=True, capture_output=True, timeout=120)
    listed = subprocess.run([*meltano, "state", "list"], cwd=ROOT, env=run_env, check=True,
                            capture_output=True, text=True, timeout=120)
    assert "dev:tap-connect-kinesis-to-target-postgres" in listed.stdout
    with postgres_database.connect() as conn:
        tables = {r[0] for r in conn.execute(
            "select table_name from information_schema.tables where table_schema = 'meltano'")}
        assert {"state", "runs", "alembic_version"} <= tables
        assert conn.execute("select count(*) from meltano.state").fetchone()[0] == 1
        public = conn.execute(
            "select count(*) from information_schema.tables where table_schema = 'public'").fetchone()[0]
        assert public == 0


@pytest.mark.parametrize("schema", ['wfm "ops" state', "Meltano System", "back\\slash"])
def test_any_schema_name_is_created_and_is_where_meltano_lands(postgres_database, schema):
    """WFM_MELTANO_SCHEMA with a quote, a space, upper case or a backslash: the schema made
    is exactly that name, and a connection with the printed URI (Meltano's) works in it."""
    import sqlalchemy as sa

    env = {
        **os.environ,
        "WFM_PG_HOST": postgres_database.host, "WFM_PG_PORT": str(postgres_database.port),
        "WFM_PG_USER": postgres_database.user, "WFM_PG_DBNAME": postgres_database.database,
        "WFM_MELTANO_SCHEMA": schema,
    }
    env.pop("MELTANO_DATABASE_URI", None)
    made = subprocess.run([sys.executable, str(DOCKER / "systemdb.py")], env=env, check=True,
                          capture_output=True, text=True)
    assert "could not" not in made.stderr, made.stderr
    uri = made.stdout.strip()
    assert systemdb.search_path_schema(uri) == schema
    with postgres_database.connect() as conn:
        assert conn.execute("select nspname from pg_namespace where nspname = %s", (schema,)).fetchone()
    engine = sa.create_engine(uri)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("select current_schema()")).scalar() == schema
            conn.execute(sa.text("create table runs_probe (id int)"))
            conn.commit()
    finally:
        engine.dispose()
    with postgres_database.connect() as conn:
        assert conn.execute("select 1 from information_schema.tables where table_schema = %s "
                            "and table_name = 'runs_probe'", (schema,)).fetchone()


def _healthcheck(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["sh", str(DOCKER / "healthcheck.sh"), *args], capture_output=True, text=True)


def test_the_health_check_wants_a_recently_touched_file(tmp_path):
    alive = tmp_path / "collector.alive"
    assert _healthcheck(str(alive), "120").returncode == 1  # not there yet
    alive.touch()
    assert _healthcheck(str(alive), "120").returncode == 0
    old = time.time() - 300
    os.utime(alive, (old, old))
    result = _healthcheck(str(alive), "120")
    assert result.returncode == 1 and "last touched 30" in result.stderr
    assert _healthcheck(str(alive), "600").returncode == 0


def test_the_loop_repeats_touches_its_health_file_and_stops_on_sigterm(tmp_path):
    runs = tmp_path / "runs"
    alive = tmp_path / "loop.alive"
    script = f'echo run >> {runs}; sleep 0.3'
    loop = subprocess.Popen(["sh", str(DOCKER / "every.sh"), "1", "sh", "-c", script],
                            env={**os.environ, "WFM_LOOP_HEALTH_FILE": str(alive)})
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (not runs.exists() or len(runs.read_text().split()) < 2):
            time.sleep(0.1)
        assert len(runs.read_text().split()) >= 2
        assert alive.exists()
        loop.send_signal(signal.SIGTERM)
        assert loop.wait(timeout=10) == 0
    finally:
        if loop.poll() is None:
            loop.kill()


def test_the_loop_lets_the_run_in_hand_finish_its_graceful_stop(tmp_path):
    done = tmp_path / "done"
    # A run that, told to stop, takes a moment to finish (as the tap does with its batch).
    script = f"trap 'sleep 0.5; touch {done}; exit 0' TERM; sleep 30 & wait"
    loop = subprocess.Popen(["sh", str(DOCKER / "every.sh"), "60", "sh", "-c", script],
                            env={**os.environ, "WFM_LOOP_HEALTH_FILE": str(tmp_path / "alive")})
    try:
        time.sleep(0.5)
        loop.send_signal(signal.SIGTERM)
        assert loop.wait(timeout=10) == 0
        assert done.exists()
    finally:
        if loop.poll() is None:
            loop.kill()


def _fake_pipeline(tmp_path):
    """A stand-in for `meltano run`: a tap (a child named tap-*) that takes a moment to stop,
    after which the 'target' finishes; Meltano itself, told to stop, records that."""
    tap = tmp_path / "tap-fake"
    tap.write_text(f"#!/bin/sh\ntrap 'sleep 0.3; echo tap >> {tmp_path}/stopped; exit 0' TERM\n"
                   "sleep 60 & wait\n")
    tap.chmod(0o755)
    meltano = tmp_path / "meltano-fake"
    meltano.write_text(f"#!/bin/sh\ntrap 'echo meltano >> {tmp_path}/stopped; exit 143' TERM\n"
                       f"{tap} &\nwait $!\necho target >> {tmp_path}/stopped\n")
    meltano.chmod(0o755)
    return meltano


def test_a_meltano_run_is_stopped_tap_first(tmp_path):
    meltano = _fake_pipeline(tmp_path)
    log = tmp_path / "log"
    with log.open("w") as stderr:
        run = subprocess.Popen([sys.executable, str(DOCKER / "graceful.py"), str(meltano)], stderr=stderr)
    time.sleep(1)
    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=10) == 0
    assert (tmp_path / "stopped").read_text().split() == ["tap", "target"]
    assert "stopping the tap first" in log.read_text()


def test_without_a_tap_or_after_the_timeout_meltano_gets_the_signal(tmp_path):
    no_tap = subprocess.Popen([sys.executable, str(DOCKER / "graceful.py"), "sleep", "30"])
    time.sleep(0.5)
    no_tap.send_signal(signal.SIGTERM)
    assert no_tap.wait(timeout=10) == 128 + signal.SIGTERM

    # A tap that ignores SIGTERM: after WFM_STOP_TIMEOUT the run itself is told to stop.
    tap = tmp_path / "tap-stubborn"
    tap.write_text("#!/bin/sh\ntrap '' TERM\nsleep 30\n")
    tap.chmod(0o755)
    meltano = tmp_path / "meltano-fake"
    meltano.write_text(f"#!/bin/sh\ntrap 'kill -9 $tap; exit 143' TERM\n{tap} &\ntap=$!\nwait $tap\n")
    meltano.chmod(0o755)
    run = subprocess.Popen([sys.executable, str(DOCKER / "graceful.py"), str(meltano)],
                           env={**os.environ, "WFM_STOP_TIMEOUT": "1"})
    time.sleep(1)
    started = time.monotonic()
    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=10) == 143
    assert 0.9 < time.monotonic() - started < 8


@pytest.mark.parametrize("script", ["entrypoint.sh", "healthcheck.sh", "every.sh"])
def test_the_scripts_are_posix_sh_and_executable(script):
    path = DOCKER / script
    assert os.access(path, os.X_OK), f"{script} must be executable (git mode 100755)"
    subprocess.run(["sh", "-n", str(path)], check=True)
