"""End-to-end fixtures: the real `meltano` of this project against the simulator and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from wfm_pipeline.simulator_service import SimulatorService

from connect_sim.kinesis.readback import read_stream
from connect_sim.world import World

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from meltano_lock import project_lock  # noqa: E402

MELTANO = str(Path(sys.executable).with_name("meltano"))
# ./wfm test installs the same before the tests start (meltano_plugins_for_tests)
PLUGINS = ["tap-amazon-connect", "tap-amazon-connect-config", "tap-amazon-connect-history",
           "tap-amazon-connect-reconciliation", "tap-connect-kinesis", "target-postgres", "dbt-postgres",
           "target-duckdb", "dbt-duckdb"]


@dataclass
class Pipeline:
    env: dict[str, str]
    database: object  # PostgresDatabase
    endpoints: object  # SimulatorEndpoints
    log_path: Path

    def meltano(self, *args: str, timeout: float = 600, **env: str) -> subprocess.CompletedProcess:
        result = subprocess.run([MELTANO, "--environment", "dev", *args], cwd=ROOT,
                                env={**os.environ, **self.env, **env}, capture_output=True, text=True,
                                timeout=timeout)
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
        return result

    def popen(self, *args: str, log_name: str = "", **env: str) -> subprocess.Popen:
        """`meltano <args>` in the background, its output in log_path (or log_name beside it)."""
        log = (self.log_path.with_name(log_name) if log_name else self.log_path).open("w")
        return subprocess.Popen([MELTANO, "--environment", "dev", *args], cwd=ROOT,
                                env={**os.environ, **self.env, **env}, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)

    def log_tail(self) -> str:
        return "\n".join(self.log_path.read_text().splitlines()[-30:]) if self.log_path.exists() else ""

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self.database.connect() as connection:
            return connection.execute(sql, params).fetchall()

    def event_ids_in_kinesis(self) -> set[str]:
        """Every EventId the simulator's stream holds now."""
        e = self.endpoints
        client = boto3.client("kinesis", endpoint_url=e.kinesis_url, region_name="us-west-2",
                              aws_access_key_id="x", aws_secret_access_key="y")
        return {json.loads(r.data)["EventId"] for r in read_stream(client, e.stream_name)}

    def assert_each_event_loaded_and_staged_once(self, event_ids: set[str]) -> None:
        """Nothing lost, nothing twice: raw.agent_events holds every event (a re-delivered one
        more than once: it is appended), the staging model each once."""
        loaded = {row[0] for row in self.query("select event_id from raw.agent_events")}
        assert event_ids <= loaded, f"{len(event_ids - loaded)} events lost"
        self.meltano("invoke", "dbt-postgres", "run", "--select", "stg_connect__agent_events")
        staged, distinct = self.query(
            "select count(*), count(distinct event_id) from wfm_staging.stg_connect__agent_events")[0]
        assert staged == distinct == len(loaded), (staged, distinct, len(loaded))

    def truth_world(self) -> World:
        """The simulator's world, rebuilt in this process to compute the ground truth."""
        return self.endpoints.world(int(datetime.now(UTC).timestamp() * 1000))


@pytest.fixture(scope="session")
def installed_plugins():
    """`./wfm test` installs these before the tests start (quick here then); without it, now."""
    with project_lock():
        result = subprocess.run([MELTANO, "install", *PLUGINS], cwd=ROOT, capture_output=True, text=True,
                                timeout=900)
    assert result.returncode == 0, result.stderr[-4000:]


def own_meltano_sys_dir(where: Path) -> Path:
    """A .meltano of the test's own for `MELTANO_SYS_DIR_ROOT`, its plugin directories the
    project's installed ones: Meltano writes each run's catalog and config under run/<plugin>/
    and its logs under logs/, which two tests' runs at once would share. (The end-to-end tests
    run in three xdist groups, one test of each at a time.)"""
    sys_dir = where / "meltano-sys"
    sys_dir.mkdir()
    for kind in ("extractors", "loaders", "utilities", "transformers", "mappers"):
        if (ROOT / ".meltano" / kind).exists():
            (sys_dir / kind).symlink_to(ROOT / ".meltano" / kind)
    return sys_dir


@pytest.fixture
def meltano_sys_dir(tmp_path) -> Path:
    """own_meltano_sys_dir for a test that runs meltano without the simulated pipeline."""
    return own_meltano_sys_dir(tmp_path)


@pytest.fixture
def event_shape() -> str:
    """The simulator's agent events: only what AWS documents (a test may parametrize "full")."""
    return "documented"


@pytest.fixture
def simulated_history() -> tuple[float, float, int]:
    """(history days, hours of agent events in Kinesis, agents) of the simulated centre; a test
    module may override it."""
    return 1.0, 3.0, 24


@pytest.fixture
def site_time_zone() -> str | None:
    """The simulated site's zone; None: where it is mid-morning now (a test module may override
    it, e.g. with `zone_where_it_is(hour)`)."""
    return None


def zone_where_it_is(hour: int, now: datetime | None = None) -> str:
    """A fixed-offset zone (Etc/GMT-N is UTC+N) where the local hour is `hour` now: the
    simulated agents work by local time, so what a test sees depends on the hour there."""
    now = now or datetime.now(UTC)
    offset = (hour - now.hour + 12) % 24 - 12
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


@pytest.fixture
def pipeline(installed_plugins, postgres_database, tmp_path, event_shape, simulated_history, site_time_zone):
    history_days, backlog_hours, agents = simulated_history
    with SimulatorService(tmp_path / "simulator.log", history_days=history_days, backlog_hours=backlog_hours,
                          agents=agents, seed=11, event_shape=event_shape, time_zone=site_time_zone) as endpoints:
        start = (datetime.now(UTC) - timedelta(hours=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
        env = {
            **endpoints.tap_env(start, live_seconds=5),
            "TAP_CONNECT_KINESIS_STOP_WHEN_CAUGHT_UP": "true",
            "WFM_PG_HOST": postgres_database.host,
            "WFM_PG_PORT": str(postgres_database.port),
            "WFM_PG_USER": postgres_database.user,
            "WFM_PG_PASSWORD": "unused-with-trust-auth",
            "WFM_PG_DBNAME": postgres_database.database,
            # Meltano's system database (runs and state) in the warehouse itself.
            "MELTANO_DATABASE_URI": f"postgresql+psycopg://{postgres_database.user}@{postgres_database.host}:"
                                    f"{postgres_database.port}/{postgres_database.database}",
            "DBT_TARGET_PATH": str(tmp_path / "dbt-target"),
            "DBT_LOG_PATH": str(tmp_path / "dbt-logs"),
            "MELTANO_SYS_DIR_ROOT": str(own_meltano_sys_dir(tmp_path)),
        }
        yield Pipeline(env, postgres_database, endpoints, tmp_path / "background-run.log")
