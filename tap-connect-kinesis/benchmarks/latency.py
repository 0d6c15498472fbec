"""p50/p95/p99 latency from put_record to the row visible in Postgres, through a real
`meltano run tap-connect-kinesis target-postgres` (continuous, stock target settings).

    .venv/bin/python tap-connect-kinesis/benchmarks/latency.py [--events 100] [--interval 5]

Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust) and the repository's .venv.
Events come from the simulator and are put one at a time at random moments (0–1 s apart);
a watcher polls Postgres every 20 ms for each event id.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psycopg

from connect_sim.config import WorldConfig
from connect_sim.kinesis.event_json import AgentEventEncoder
from connect_sim.kinesis.moto_server import MotoServer, create_stream
from connect_sim.world import World

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
from test_meltano import MELTANO_YML  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--interval", type=int, default=5)
    args = parser.parse_args()
    database = "tck_latency_" + uuid.uuid4().hex[:8]
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    try:
        with MotoServer() as server, tempfile.TemporaryDirectory() as tmp:
            run(server, Path(tmp), database, args.events, args.interval)
    finally:
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def run(server: MotoServer, tmp: Path, database: str, count: int, interval: int) -> None:
    stream = "latency-" + uuid.uuid4().hex[:8]
    create_stream(server.endpoint_url, stream, shards=2)
    (tmp / "meltano.yml").write_text(MELTANO_YML)
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
           "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
           "TAP_CONNECT_KINESIS_STREAM_NAME": stream,
           "TAP_CONNECT_KINESIS_AWS_ENDPOINT_URL": server.endpoint_url,
           "TAP_CONNECT_KINESIS_AWS_REGION": "USWest2",
           "TAP_CONNECT_KINESIS_AWS_ACCESS_KEY_ID": "testing",
           "TAP_CONNECT_KINESIS_AWS_SECRET_ACCESS_KEY": "testing",
           "TAP_CONNECT_KINESIS_COLLECTION_INTERVAL_SECONDS": str(interval),
           "TAP_CONNECT_KINESIS_BATCH_DIRECTORY": str(tmp / "batches"),
           "TAP_CONNECT_KINESIS_DEAD_LETTER_PATH": str(tmp / "dead.jsonl"),
           "TARGET_POSTGRES_SQLALCHEMY_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}",
           "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": "raw"}
    log = open(tmp / "meltano.log", "ab")  # noqa: SIM115
    meltano = subprocess.Popen([str(Path(bin_dir) / "meltano"), "run", "tap-connect-kinesis", "target-postgres"],
                               cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    world = World(WorldConfig(agents_per_instance=40, seed=9))
    events = []
    world.add_event_sink(events.append)
    world.clock.advance(8 * 3600)
    world.sync()
    encoder = AgentEventEncoder(world.directory)
    kinesis = server.client("kinesis")
    put_at: dict[str, float] = {}
    seen_at: dict[str, float] = {}
    done = threading.Event()

    def watch() -> None:
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{database}", autocommit=True) as connection:
            while not done.is_set():
                try:
                    for (event_id,) in connection.execute("select event_id from raw.agent_events"):
                        seen_at.setdefault(event_id, time.monotonic())
                except psycopg.Error:
                    pass
                time.sleep(0.02)

    try:
        # warm up: the first batch creates the table
        warm = events[0]
        kinesis.put_record(StreamName=stream, Data=encoder.encode(warm), PartitionKey=encoder.agent_arn(warm))
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        deadline = time.monotonic() + 60
        while warm.event_id not in seen_at and time.monotonic() < deadline:
            time.sleep(0.1)
        rng = random.Random(1)
        for event in events[1:count + 1]:
            time.sleep(rng.uniform(0, 1))
            kinesis.put_record(StreamName=stream, Data=encoder.encode(event), PartitionKey=encoder.agent_arn(event))
            put_at[event.event_id] = time.monotonic()
        deadline = time.monotonic() + interval + 30
        while not set(put_at) <= set(seen_at) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        done.set()
        os.killpg(meltano.pid, signal.SIGTERM)
        meltano.wait(timeout=30)
    latencies = sorted(seen_at[e] - put_at[e] for e in put_at if e in seen_at)
    missing = len(put_at) - len(latencies)
    quantiles = statistics.quantiles(latencies, n=100)
    print(f"interval {interval} s, {len(latencies)} events ({missing} not seen): "
          f"p50 {quantiles[49]:.2f} s, p95 {quantiles[94]:.2f} s, p99 {quantiles[98]:.2f} s, "
          f"max {latencies[-1]:.2f} s")


if __name__ == "__main__":
    main()
