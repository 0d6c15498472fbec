"""The continuous collector as the containers run it (docker/graceful.py around `meltano run
wfm-adherence`, with the deployments' WFM_RUN_RESTARTS) recovers from a loader failure in
seconds: target-postgres killed, PostgreSQL dropping every session and refusing connections
for a moment (a restart), the whole container SIGKILLed. Nothing lost, nothing duplicated.
(Two collectors of one state ID never running at once, the second taking over within seconds
of the first being SIGKILLed: tests/deploy/test_run_lock.py, against Meltano's real tables.)

The test restarts a collector whose process ended at once, as compose's `restart:
unless-stopped` and Kubernetes' `restartPolicy: Always` do (without their back-off: on HEAD,
before the run lock, every such restart was refused for 5 minutes, "Another ... pipeline is
already running"). "Loading again" is a row the restarted collector read from Kinesis after
the failure (`collected_at` later than any before) landing in raw.agent_events."""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import psycopg
import pytest
from psycopg import sql

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("meltano-b")]

ROOT = Path(__file__).resolve().parents[2]
GRACEFUL = ROOT / "docker" / "graceful.py"
MELTANO = str(Path(sys.executable).with_name("meltano"))
STATE_ID = "dev:tap-connect-kinesis-to-target-postgres"
BOUND_SECONDS = 30  # the target: loading again within 30 s of the failure


def descendants(pid: int) -> list[int]:
    try:
        return [child.pid for child in psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class Collector:
    """`wfm-entrypoint meltano run wfm-adherence` minus the entry point's file system set-up:
    docker/graceful.py, restarted at once whenever its process ends (keep_running)."""

    def __init__(self, pipeline, name: str, tmp_path: Path, **env: str):
        self.env = {**os.environ, **pipeline.env, "TAP_CONNECT_KINESIS_STOP_WHEN_CAUGHT_UP": "false",
                    "TAP_CONNECT_KINESIS_MAX_RUN_SECONDS": "900", "WFM_RUN_RESTARTS": "5", **env}
        self.env.pop("MELTANO_RUN_STATE_ID_SUFFIX", None)
        self.log_path = tmp_path / f"{name}.log"
        self.starts = 0
        self.stopped = False
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.starts += 1
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(GRACEFUL), MELTANO, "--environment", "dev", "run", "wfm-adherence"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def keep_running(self) -> None:
        if not self.stopped and self.process.poll() is not None:
            self.start()

    def pipeline_pids(self) -> list[int]:
        return descendants(self.process.pid)

    def kill(self) -> None:
        """SIGKILL to every process of the container at once."""
        for pid in [self.process.pid, *self.pipeline_pids()]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int:
        self.stopped = True
        self.process.send_signal(signal.SIGTERM)  # what compose and Kubernetes send
        return self.process.wait(timeout=60)

    def log(self) -> str:
        return self.log_path.read_text()[-6000:]


def newest_collected(pipeline):
    try:
        return pipeline.query("select max(collected_at) from raw.agent_events")[0][0]
    except Exception:
        return None


def wait_for(condition, timeout: float, *collectors: Collector) -> float | None:
    """Seconds until condition() held (restarting ended collectors meanwhile), None if never."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        for collector in collectors:
            collector.keep_running()
        if condition():
            return time.monotonic() - started
        time.sleep(0.25)
    return None


def loading_again(pipeline, since, timeout: float, *collectors: Collector) -> float | None:
    return wait_for(lambda: (newest_collected(pipeline) or since) > since, timeout, *collectors)


@contextlib.contextmanager
def postgres_away(database, seconds: float):
    """What a PostgreSQL restart does to this database: every session dropped, connections
    refused for a while."""
    with psycopg.connect(host=database.host, port=database.port, user=database.user, dbname="postgres",
                         autocommit=True) as admin:
        name = sql.Identifier(database.database)
        admin.execute(sql.SQL("alter database {} allow_connections false").format(name))
        try:
            admin.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = %s",
                          (database.database,))
            yield
            time.sleep(seconds)
        finally:
            admin.execute(sql.SQL("alter database {} allow_connections true").format(name))


def runs(pipeline) -> list[tuple]:
    return pipeline.query("select job_name, state, started_at, last_heartbeat_at, ended_at from runs "
                          "where state <> 'STATE_EDIT' order by started_at")


def assert_never_two_at_once(all_runs: list[tuple]) -> None:
    """Meltano's own rows: every run's last heartbeat comes before the next run's start."""
    assert all_runs
    assert {r[0] for r in all_runs} == {STATE_ID}, "the lock's state ID is the one Meltano uses"
    assert all(r[1] != "RUNNING" for r in all_runs), all_runs
    for before, after in itertools.pairwise(all_runs):
        assert before[3] < after[2], (before, after)


def test_the_collector_is_loading_again_within_seconds_after_its_loader_fails(pipeline, tmp_path):
    collector = Collector(pipeline, "collector", tmp_path)
    recovered: dict[str, float | None] = {}
    try:
        assert wait_for(lambda: newest_collected(pipeline), 120, collector), collector.log()

        # 1. target-postgres killed mid-run (Meltano ends its run as failed).
        since = newest_collected(pipeline)
        (target,) = [p for p in collector.pipeline_pids() if "bin/target-postgres" in command_line(p)]
        os.kill(target, signal.SIGKILL)
        recovered["target-postgres SIGKILLed"] = loading_again(pipeline, since, 90, collector)

        # 2. PostgreSQL restarting: sessions dropped, 5 s of refused connections (Meltano cannot
        #    end its run: its row stays RUNNING, which blocked every restart for 5 minutes).
        started = time.monotonic()
        with postgres_away(pipeline.database, seconds=5):
            pass
        since = newest_collected(pipeline)  # nothing loaded since the sessions were dropped
        again = loading_again(pipeline, since, 90, collector)
        recovered["PostgreSQL restarting (5 s away)"] = None if again is None else time.monotonic() - started

        # 3. The container SIGKILLed (OOM, docker kill): restarted at once, as compose does.
        since = newest_collected(pipeline)
        collector.kill()
        recovered["container SIGKILLed"] = loading_again(pipeline, since, 90, collector)
        print("\nloading again after: " + ", ".join(
            f"{what} {took:.1f} s" if took else f"{what} never" for what, took in recovered.items()))
        assert collector.stop() == 0, collector.log()
    finally:
        if collector.process.poll() is None:
            collector.kill()
    assert all(t is not None and t <= BOUND_SECONDS for t in recovered.values()), (recovered, collector.log())
    assert "running elsewhere" not in collector.log()

    # Nothing lost, nothing twice: every event in the stream now is loaded once after a last
    # bounded run, which starts without waiting for anything.
    in_kinesis = pipeline.event_ids_in_kinesis()
    last = subprocess.run([sys.executable, str(GRACEFUL), MELTANO, "--environment", "dev", "run", "wfm-adherence"],
                          cwd=ROOT, env={**os.environ, **pipeline.env}, capture_output=True, text=True, timeout=300)
    assert last.returncode == 0, last.stderr[-4000:]
    assert "running elsewhere" not in last.stderr and "already running" not in last.stderr
    pipeline.assert_each_event_loaded_and_staged_once(in_kinesis)
    assert_never_two_at_once(runs(pipeline))
