"""One `meltano run` per state ID (docker/runlock.py, through docker/graceful.py), in seconds:
the state IDs it works out are Meltano's; a second run of the same state ID waits while the
first runs and takes over within seconds once it is killed (SIGKILL included); a holder whose
lock session is lost kills its pipeline before anyone else starts; a live run started without
the lock is never overrun; a failed run is started again in the same process.

The pipelines here are stand-ins for `meltano run` (a script named `meltano`) that behave as
Meltano does with its `runs` table (a RUNNING row, heartbeat every second… here every 0.1 s,
FAIL or SUCCESS at the end, the "already running" refusal unless forced), against Meltano's
real tables on the local PostgreSQL, and that record every moment they "load" (a row in
`loads`, at the database's clock). tests/e2e/test_collector_restarts.py does the same with the
real collector."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
from deploy_files import DOCKER, ROOT, tool

STATE_ID = "dev:tap-connect-kinesis-to-target-postgres"
LEASE = 2  # seconds: the holder kills its pipeline after this long without its lock; grace 4 s
GRACE = LEASE + 2


def _runlock():
    spec = importlib.util.spec_from_file_location("wfm_runlock", DOCKER / "runlock.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("argv", "env", "expected"), [
    (["meltano", "run", "wfm-adherence"], {"MELTANO_ENVIRONMENT": "prod"},
     ["prod:tap-connect-kinesis-to-target-postgres"]),
    (["/opt/meltano/bin/meltano", "--environment", "dev", "--log-level=debug", "run", "--force",
      "tap-connect-kinesis", "target-postgres"], {"MELTANO_ENVIRONMENT": "prod"},
     ["dev:tap-connect-kinesis-to-target-postgres"]),
    (["meltano", "run", "wfm-adherence"], {"MELTANO_ENVIRONMENT": "prod", "MELTANO_RUN_STATE_ID_SUFFIX": "worker-1-of-4"},
     ["prod:tap-connect-kinesis-to-target-postgres:worker-1-of-4"]),
    (["meltano", "run", "--state-id-suffix", "1", "wfm-adherence"], {"MELTANO_ENVIRONMENT": "prod"},
     ["prod:tap-connect-kinesis-to-target-postgres:1"]),
    (["meltano", "run", "wfm-history"], {"MELTANO_ENVIRONMENT": "prod"},
     ["prod:tap-amazon-connect-history-to-target-postgres"]),
    (["meltano", "run", "wfm-config"], {}, ["demo:tap-amazon-connect-config-to-target-postgres"]),
    (["meltano", "run", "wfm-marts-tests"], {"MELTANO_ENVIRONMENT": "prod"}, []),
    (["meltano", "invoke", "dbt-postgres:refresh-adherence"], {"MELTANO_ENVIRONMENT": "prod"}, None),
    (["meltano", "--no-environment", "run", "wfm-adherence"], {}, None),
    (["sleep", "30"], {}, None),
])
def test_the_state_ids_are_meltanos(argv, env, expected):
    """generate_state_id: <environment>:<extractor>-to-<loader>[:<suffix>] (checked against
    Meltano's own rows by the end-to-end test)."""
    assert _runlock().state_ids(argv, {"MELTANO_PROJECT_ROOT": str(ROOT), **env}) == expected


def test_each_state_id_has_its_own_lock():
    runlock = _runlock()
    keys = {runlock.lock_key(f"prod:tap-connect-kinesis-to-target-postgres:worker-{i}-of-4") for i in range(4)}
    assert len(keys) == 4
    assert all(-(2 ** 63) <= k < 2 ** 63 for k in keys)


# ------------------------------------------------------------------- with stand-in pipelines

FAKE_MELTANO = """\
#!{python}
# A stand-in for `meltano run`: Meltano's check, its RUNNING row and heartbeat, and a row in
# `loads` every 0.1 s while it "loads".
import os, signal, sys, time, uuid
import psycopg

conn = psycopg.connect(os.environ["FAKE_DSN"], autocommit=True)
name = os.environ["FAKE_NAME"]
job = "{state_id}"
if os.environ.get("MELTANO_RUN_FORCE") != "true" and conn.execute(
        "select 1 from runs where job_name = %s and state = 'RUNNING'", (job,)).fetchone():
    print(f"Another '{{job}}' pipeline is already running", flush=True)
    sys.exit(1)
now = "(now() at time zone 'utc')"
run = conn.execute(
    f"insert into runs (job_name, run_id, state, started_at, last_heartbeat_at, payload, payload_flags) "
    f"values (%s, %s, 'RUNNING', {{now}}, {{now}}, '{{{{}}}}', 0) returning id", (job, uuid.uuid4().hex)).fetchone()[0]
print(f"started run {{run}}", flush=True)


stopping = []
signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
fail_once = os.environ.get("FAKE_FAIL_ONCE")
fail_at = time.monotonic() + 1 if fail_once and not os.path.exists(fail_once) else None
if os.environ.get("FAKE_FAIL_ALWAYS"):
    fail_at, fail_once = time.monotonic() + 0.5, os.devnull
while not stopping:
    conn.execute("insert into loads (who, pid, at) values (%s, %s, clock_timestamp())", (name, os.getpid()))
    conn.execute(f"update runs set last_heartbeat_at = {{now}} where id = %s", (run,))
    if fail_at and time.monotonic() > fail_at:
        open(fail_once, "w").close()
        print("the loader failed; the run's row stays RUNNING (the database was away)", flush=True)
        os._exit(1)
    time.sleep(0.1)
conn.execute(f"update runs set state = 'SUCCESS', ended_at = {{now}} where id = %s", (run,))
"""


@pytest.fixture(scope="module")
def meltano_tables():
    """A database with Meltano's own tables (created by `meltano state list`) and `loads`."""
    from connect_sim.pytest_plugin import fresh_postgres_database

    with fresh_postgres_database() as database:
        uri = f"postgresql+psycopg://{database.user}@{database.host}:{database.port}/{database.database}"
        subprocess.run([tool("meltano"), "--environment=dev", "state", "list"], cwd=ROOT, check=True,
                       capture_output=True, timeout=120,
                       env={**os.environ, "MELTANO_DATABASE_URI": uri, "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false"})
        with database.connect() as conn:
            conn.execute("create table loads (who text, pid int, at timestamptz)")
        yield database, uri


@pytest.fixture
def db(meltano_tables):
    database, uri = meltano_tables
    with database.connect() as conn:
        conn.execute("truncate runs, loads")
    return database, uri


@pytest.fixture
def fake_meltano(tmp_path):
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "meltano"  # its name makes it a `meltano run` for the lock
    script.write_text(FAKE_MELTANO.format(python=sys.executable, state_id=STATE_ID))
    script.chmod(0o755)
    return script


class Collector:
    """docker/graceful.py running the stand-in, as the entry point runs `meltano run wfm-adherence`."""

    def __init__(self, name: str, fake: Path, db, tmp_path: Path, **env: str):
        database, uri = db
        self.name = name
        self.log_path = tmp_path / f"{name}.log"
        environment = {
            **os.environ, "MELTANO_PROJECT_ROOT": str(ROOT), "MELTANO_ENVIRONMENT": "dev",
            "MELTANO_DATABASE_URI": uri, "FAKE_DSN": database.url, "FAKE_NAME": name,
            "WFM_RUN_LOCK_LEASE": str(LEASE), **env}
        environment.pop("MELTANO_RUN_STATE_ID_SUFFIX", None)
        self.argv = [sys.executable, str(DOCKER / "graceful.py"), str(fake), "run", "wfm-adherence"]
        self.env = environment
        self.starts = 0
        self.start()

    def start(self) -> None:
        self.starts += 1
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(self.argv, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def keep_running(self) -> None:
        """What `restart: unless-stopped` / `restartPolicy: Always` do, without their delay."""
        if self.process.poll() is not None:
            self.start()

    def log(self) -> str:
        return self.log_path.read_text()

    def kill(self) -> None:
        """SIGKILL to every process of the 'container': the supervisor and all it started."""
        kill_tree(self.process.pid)
        self.process.wait(timeout=10)


def descendants(pid: int) -> list[int]:
    try:
        return [child.pid for child in psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def kill_tree(pid: int) -> None:
    for victim in [pid, *descendants(pid)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)


def loads(database) -> dict[str, tuple]:
    """who → (first, last) moment it loaded."""
    with database.connect() as conn:
        return {r[0]: (r[1], r[2]) for r in conn.execute("select who, min(at), max(at) from loads group by who")}


def wait_until(condition, timeout: float, *restarted: Collector):
    """condition()'s first true value within timeout (restarting ended `restarted` meanwhile)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for collector in restarted:
            collector.keep_running()
        if value := condition():
            return value
        time.sleep(0.1)
    return condition()


@pytest.fixture
def collectors():
    started: list[Collector] = []
    yield started
    for collector in started:
        if collector.process.poll() is None:
            kill_tree(collector.process.pid)
            collector.process.wait(timeout=10)


@pytest.mark.slow
def test_a_second_run_waits_and_takes_over_within_seconds_of_a_sigkill(db, fake_meltano, tmp_path, collectors):
    database, _ = db
    first = Collector("first", fake_meltano, db, tmp_path)
    collectors.append(first)
    assert wait_until(lambda: "first" in loads(database), GRACE + 15), first.log()
    second = Collector("second", fake_meltano, db, tmp_path)
    collectors.append(second)
    assert not wait_until(lambda: "second" in loads(database), GRACE + 3, second)  # more than it needs

    first.kill()  # the container, SIGKILLed: its row in `runs` stays RUNNING
    killed = time.monotonic()
    assert wait_until(lambda: "second" in loads(database), GRACE + 10, second), second.log()
    took = time.monotonic() - killed
    print(f"\ntook over {took:.1f} s after the SIGKILL (grace {GRACE} s)")
    assert GRACE <= took < GRACE + 4
    spans = loads(database)
    assert spans["first"][1] < spans["second"][0], "never both at once"
    with database.connect() as conn:
        states = [r[0] for r in conn.execute("select state from runs order by id")]
    assert states == ["FAIL", "RUNNING"], "the killed run is marked failed; no --force was needed"
    assert second.starts == 1, "it waited (no pipeline of its own) rather than failing"
    assert "running elsewhere (wfm-run-lock" in second.log()  # it said who held the lock
    assert "MELTANO_RUN_FORCE" not in second.log() and "was killed: marked FAIL" in second.log()

    second.process.send_signal(signal.SIGTERM)
    assert second.process.wait(timeout=10) == 0
    with database.connect() as conn:
        assert conn.execute("select state from runs order by id desc limit 1").fetchone()[0] == "SUCCESS"


@pytest.mark.slow
def test_a_holder_that_loses_its_lock_kills_its_pipeline_before_another_starts(db, fake_meltano, tmp_path,
                                                                                 collectors):
    """The server ends the holder's session (as a restart, a failover or a lost host does): the
    lock is free at once, the old pipeline still runs; it must be dead before the next starts."""
    database, _ = db
    first = Collector("first", fake_meltano, db, tmp_path)
    collectors.append(first)
    assert wait_until(lambda: "first" in loads(database), GRACE + 15), first.log()
    second = Collector("second", fake_meltano, db, tmp_path)
    collectors.append(second)
    assert wait_until(lambda: "running elsewhere" in second.log(), 15), second.log()
    with database.connect() as conn:
        ended = conn.execute("select count(pg_terminate_backend(pid)) from pg_stat_activity "
                             "where application_name like 'wfm-run-lock%%' and datname = %s and pid in "
                             "(select pid from pg_locks where locktype = 'advisory' and granted)",
                             (database.database,)).fetchone()[0]
    assert ended == 1
    assert first.process.wait(timeout=LEASE + 5) == 1, first.log()
    assert "lost the run lock" in first.log()
    assert wait_until(lambda: "second" in loads(database), GRACE + 10), second.log()
    spans = loads(database)
    assert spans["first"][1] < spans["second"][0], "never both at once"
    gap = (spans["second"][0] - spans["first"][1]).total_seconds()
    assert gap > 1, f"the old pipeline stopped {gap:.1f} s before the new one started"


@pytest.mark.slow
def test_a_live_run_started_without_the_lock_is_never_overrun(db, fake_meltano, tmp_path, collectors):
    """A `meltano run` from a shell (no lock) heartbeats: the collector waits for its end."""
    database, _ = db
    stop = threading.Event()

    def manual_run():
        with database.connect() as conn:
            (run,) = conn.execute(
                "insert into runs (job_name, run_id, state, started_at, last_heartbeat_at, payload, payload_flags) "
                "values (%s, gen_random_uuid(), 'RUNNING', now() at time zone 'utc', now() at time zone 'utc', '{}', 0) "
                "returning id", (STATE_ID,)).fetchone()
            while not stop.wait(0.5):
                conn.execute("update runs set last_heartbeat_at = now() at time zone 'utc' where id = %s", (run,))
                conn.execute("insert into loads values ('manual', 0, clock_timestamp())")
            conn.execute("update runs set state = 'SUCCESS', ended_at = now() at time zone 'utc' where id = %s",
                         (run,))

    manual = threading.Thread(target=manual_run)
    manual.start()
    try:
        collector = Collector("collector", fake_meltano, db, tmp_path)
        collectors.append(collector)
        assert wait_until(lambda: "alive without the run lock" in collector.log(), GRACE + 10), collector.log()
        time.sleep(GRACE)
        assert "collector" not in loads(database)
    finally:
        stop.set()
        manual.join()
    assert wait_until(lambda: "collector" in loads(database), 2 * GRACE + 10), collector.log()
    spans = loads(database)
    assert spans["manual"][1] < spans["collector"][0]


@pytest.mark.slow
def test_a_failed_run_is_started_again_in_the_same_process(db, fake_meltano, tmp_path, collectors):
    """The loader fails and Meltano cannot end its row (PostgreSQL was away): the run is started
    again at once, its dead row marked failed, with no orchestrator back-off."""
    database, _ = db
    collector = Collector("collector", fake_meltano, db, tmp_path, WFM_RUN_RESTARTS="3",
                          FAKE_FAIL_ONCE=str(tmp_path / "failed"))
    collectors.append(collector)
    assert wait_until(lambda: (tmp_path / "failed").exists(), GRACE + 15), collector.log()
    failed = time.monotonic()

    def running_again():
        with database.connect() as conn:
            return conn.execute("select count(*) from runs where state = 'RUNNING'").fetchone()[0] == 1 and \
                conn.execute("select count(*) from runs").fetchone()[0] == 2
    assert wait_until(running_again, GRACE + 10), collector.log()
    print(f"\nrunning again {time.monotonic() - failed:.1f} s after the failure")
    assert collector.process.poll() is None
    assert "starting it again in 1 s (restart 1 of at most 3 in a row)" in collector.log()
    with database.connect() as conn:
        assert [r[0] for r in conn.execute("select state from runs order by id")] == ["FAIL", "RUNNING"]


@pytest.mark.slow
def test_a_run_failing_again_and_again_ends_the_process_after_its_restarts(db, fake_meltano, tmp_path,
                                                                           collectors):
    """So that a lasting fault reaches the orchestrator (CrashLoopBackOff, compose's restarts)."""
    collector = Collector("collector", fake_meltano, db, tmp_path, WFM_RUN_RESTARTS="1", FAKE_FAIL_ALWAYS="1")
    collectors.append(collector)
    assert collector.process.wait(timeout=3 * GRACE + 20) == 1, collector.log()
    assert collector.log().count("started run") == 2
    assert "the run failed 2 times in a row: exiting with status 1" in collector.log()


@pytest.mark.slow
def test_without_restarts_a_failed_run_ends_the_process_with_its_status(db, fake_meltano, tmp_path, collectors):
    collector = Collector("collector", fake_meltano, db, tmp_path, FAKE_FAIL_ONCE=str(tmp_path / "failed"))
    collectors.append(collector)
    assert collector.process.wait(timeout=GRACE + 20) == 1, collector.log()


@pytest.mark.slow
def test_sigterm_while_waiting_for_the_lock_ends_at_once(db, fake_meltano, tmp_path, collectors):
    database, _ = db
    first = Collector("first", fake_meltano, db, tmp_path)
    collectors.append(first)
    assert wait_until(lambda: "first" in loads(database), GRACE + 15), first.log()
    second = Collector("second", fake_meltano, db, tmp_path)
    collectors.append(second)
    assert wait_until(lambda: "running elsewhere" in second.log(), 15), second.log()
    second.process.send_signal(signal.SIGTERM)
    assert second.process.wait(timeout=5) == 128 + signal.SIGTERM
    first.process.send_signal(signal.SIGTERM)
    assert first.process.wait(timeout=10) == 0
    assert "second" not in loads(database)


def test_the_lock_is_off_when_asked_or_without_a_postgres_system_database(tmp_path):
    runlock = _runlock()
    argv = ["meltano", "run", "wfm-adherence"]
    env = {"MELTANO_PROJECT_ROOT": str(ROOT), "MELTANO_ENVIRONMENT": "prod"}
    said: list[str] = []
    assert runlock.for_command(argv, {**env, "MELTANO_DATABASE_URI": "postgresql+psycopg://u@h/db"}) is not None
    assert runlock.for_command(argv, {**env, "MELTANO_DATABASE_URI": "postgresql+psycopg://u@h/db",
                                      "WFM_RUN_LOCK": "off"}) is None
    assert runlock.for_command(argv, {**env, "MELTANO_DATABASE_URI": "sqlite:///x.db"}, said.append) is None
    assert "not PostgreSQL" in said[0]
    assert runlock.for_command(["sleep", "1"], env) is None



def test_a_system_database_uri_meltano_could_not_use_ends_the_run_at_once(fake_meltano, tmp_path):
    """A configuration error is not waited out (only an unreachable database is)."""
    result = subprocess.run(
        [sys.executable, str(DOCKER / "graceful.py"), str(fake_meltano), "run", "wfm-adherence"],
        env={**os.environ, "MELTANO_PROJECT_ROOT": str(ROOT), "MELTANO_ENVIRONMENT": "dev",
             "MELTANO_DATABASE_URI": "postgresql+nosuchdriver://u@127.0.0.1/db"},
        capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert "cannot use Meltano's system database for the run lock" in result.stderr


def test_with_wfm_stop_tap_first_false_meltano_gets_the_signal_itself(tmp_path):
    """The entry point runs every `meltano run` through graceful.py (for the lock); this setting
    only gives Meltano the signal at once, as before."""
    tap = tmp_path / "tap-fake"
    tap.write_text(f"#!/bin/sh\ntrap 'echo tap >> {tmp_path}/stopped; exit 0' TERM\nsleep 60 & wait\n")
    tap.chmod(0o755)
    meltano = tmp_path / "meltano-fake"
    meltano.write_text(f"#!/bin/sh\ntrap 'echo meltano >> {tmp_path}/stopped; exit 143' TERM\n{tap} &\nwait $!\n")
    meltano.chmod(0o755)
    run = subprocess.Popen([sys.executable, str(DOCKER / "graceful.py"), str(meltano)],
                           env={**os.environ, "WFM_STOP_TAP_FIRST": "false"})
    time.sleep(1)
    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=10) == 143
    assert (tmp_path / "stopped").read_text().split()[0] == "meltano"
