"""A real `meltano run tap-connect-kinesis target-postgres`: continuous, rows checked in
Postgres while it runs, stopped by the test (Meltano keeps no state then: the target forwards
state when it drains); a bounded run re-reads and the target's upsert on event_id leaves every
event once; a last bounded run starts from the state Meltano saved and reads only what is new."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tck_helpers import event_ids

MELTANO_YML = """\
version: 1
default_environment: dev
project_id: tap-connect-kinesis-test
send_anonymous_usage_stats: false
environments:
- name: dev
plugins:
  extractors:
  - name: tap-connect-kinesis
    namespace: tap_connect_kinesis
    executable: tap-connect-kinesis
    capabilities: [about, batch, catalog, discover, state]
    settings:
    - {name: stream_name}
    - {name: aws_endpoint_url}
    - {name: aws_region}
    - {name: aws_access_key_id, kind: password, sensitive: true}
    - {name: aws_secret_access_key, kind: password, sensitive: true}
    - {name: collection_interval_seconds, kind: integer}
    - {name: stop_when_caught_up, kind: boolean}
    - {name: shard_discovery_interval_seconds, kind: integer}
    - {name: batch_directory}
    - {name: dead_letter_path}
  loaders:
  - name: target-postgres
    namespace: target_postgres
    executable: target-postgres
    settings:
    - {name: sqlalchemy_url, kind: password, sensitive: true}
    - {name: default_target_schema}
"""


def _count(connection, sql: str) -> int:
    try:
        return connection.execute(sql).fetchone()[0]
    except Exception:  # the table does not exist before the first batch
        return -1


@pytest.mark.slow
def test_meltano_run_continuous_then_stopped_then_resumed(kinesis, tmp_path, postgres_database):
    stream = kinesis.stream(shards=2)
    world, first = kinesis.simulate(stream, hours=1, agents=20)
    project = tmp_path / "project"
    project.mkdir()
    (project / "meltano.yml").write_text(MELTANO_YML)
    bin_dir = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        "TAP_CONNECT_KINESIS_STREAM_NAME": stream,
        "TAP_CONNECT_KINESIS_AWS_ENDPOINT_URL": kinesis.endpoint_url,
        "TAP_CONNECT_KINESIS_AWS_REGION": "USWest2",
        "TAP_CONNECT_KINESIS_AWS_ACCESS_KEY_ID": "testing",
        "TAP_CONNECT_KINESIS_AWS_SECRET_ACCESS_KEY": "testing",
        "TAP_CONNECT_KINESIS_COLLECTION_INTERVAL_SECONDS": "1",
        "TAP_CONNECT_KINESIS_SHARD_DISCOVERY_INTERVAL_SECONDS": "1",
        "TAP_CONNECT_KINESIS_BATCH_DIRECTORY": str(tmp_path / "batches"),
        "TAP_CONNECT_KINESIS_DEAD_LETTER_PATH": str(tmp_path / "dead.jsonl"),
        "TARGET_POSTGRES_SQLALCHEMY_URL": f"postgresql+psycopg://{postgres_database.user}@"
                                          f"{postgres_database.host}:{postgres_database.port}/"
                                          f"{postgres_database.database}",
        "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": "raw",
    }
    command = [str(Path(bin_dir) / "meltano"), "run", "tap-connect-kinesis", "target-postgres"]
    log = open(tmp_path / "meltano.log", "ab")  # noqa: SIM115 - the subprocesses write to it
    run = subprocess.Popen(command, cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT,
                           start_new_session=True)
    with postgres_database.connect() as connection:
        try:
            deadline = time.monotonic() + 45
            while _count(connection, "select count(*) from raw.agent_events") < len(first):
                assert run.poll() is None, "meltano run ended on a quiet stream"
                assert time.monotonic() < deadline, "rows did not reach Postgres"
                time.sleep(0.2)
            # more events while it runs arrive too
            _, second = kinesis.simulate(stream, hours=0.5, world=world)
            total = len(first) + len(second)
            while _count(connection, "select count(*) from raw.agent_events") < total:
                assert run.poll() is None
                assert time.monotonic() < deadline, "rows written while running did not arrive"
                time.sleep(0.2)
        finally:
            os.killpg(run.pid, signal.SIGTERM)  # meltano and its plugins
            try:
                run.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(run.pid, signal.SIGKILL)
                run.wait()

        # events written while nothing runs, then a bounded run from Meltano's saved state
        _, third = kinesis.simulate(stream, hours=0.5, world=world)
        bounded = {**env, "TAP_CONNECT_KINESIS_STOP_WHEN_CAUGHT_UP": "true"}
        finished = subprocess.run(command, cwd=project, env=bounded, stdout=log, stderr=subprocess.STDOUT,
                                  timeout=60)
        assert finished.returncode == 0
        ids = [row[0] for row in connection.execute("select event_id from raw.agent_events")]
        assert sorted(ids) == sorted(set(event_ids(first + second + third)))

        # Meltano saved the bounded run's final state: the next run reads only what is new
        _, fourth = kinesis.simulate(stream, hours=0.25, world=world)
        assert fourth
        since = time.time()
        finished = subprocess.run(command, cwd=project, env=bounded, stdout=log, stderr=subprocess.STDOUT,
                                  timeout=60)
        assert finished.returncode == 0
        touched = []  # what the last run emitted: the rows of its batch files
        for path in (tmp_path / "batches").glob("*.jsonl"):
            if path.stat().st_mtime >= since:
                touched += [json.loads(line)["event_id"] for line in path.read_text().splitlines()]
        assert sorted(touched) == sorted(event_ids(fourth))
