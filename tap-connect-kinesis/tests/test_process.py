"""The tap as a process: SIGTERM/SIGINT, kill -9 and restart, and the latency into Postgres
through the stock meltanolabs-target-postgres."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from tck_helpers import TAP_BIN, batch_rows, event_ids, run_tap, shard_positions, start_tap_process


class LineReader:
    """Reads a process's stdout on a thread so the test can wait for messages."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.messages: list[dict[str, Any]] = []
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen) -> None:
        for line in process.stdout:
            if line.strip():
                self.messages.append(json.loads(line))

    def wait_for(self, predicate, timeout_s: float = 20.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if predicate(self.messages):
                return
            time.sleep(0.05)
        raise TimeoutError("the tap did not write what was expected in time")

    def join(self) -> None:
        self._thread.join(timeout=10)


def _count(connection) -> int:
    try:
        return connection.execute("select count(*) from raw.agent_events").fetchone()[0]
    except Exception:  # the table does not exist before the first batch
        return 0


def _states(messages):
    return [m["value"] for m in messages if m["type"] == "STATE"]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_finishes_the_batch_and_exits_0_with_the_final_state(kinesis, tmp_path, signum):
    stream = kinesis.stream(shards=2)
    world, written = kinesis.simulate(stream, hours=1, agents=20)
    config = kinesis.config(stream, stop_when_caught_up=False, collection_interval_seconds=2)
    process = start_tap_process(config, tmp_path)
    reader = LineReader(process)
    reader.wait_for(lambda m: len(batch_rows(m)) >= len(written))
    _, more = kinesis.simulate(stream, hours=0.5, world=world)
    time.sleep(0.5)
    sent = time.monotonic()
    process.send_signal(signum)
    assert process.wait(timeout=10) == 0
    assert time.monotonic() - sent < 10
    reader.join()
    assert reader.messages[-1]["type"] == "STATE"
    final = shard_positions(reader.messages[-1]["value"])
    emitted = {r["event_id"] for r in batch_rows(reader.messages)}
    assert set(event_ids(written)) <= emitted
    # the final state covers exactly what was emitted: a restart from it loses nothing
    rest = run_tap(kinesis.config(stream), state=reader.messages[-1]["value"])
    assert emitted | {r["event_id"] for r in rest.rows()} == set(event_ids(written + more))
    assert not emitted & {r["event_id"] for r in rest.rows()}
    assert all(v["sequence_number"] for v in final.values())


def test_kill_9_and_restart_from_the_last_saved_state_lose_nothing(kinesis, tmp_path):
    stream = kinesis.stream(shards=3)
    world, written = kinesis.simulate(stream, hours=1, agents=30)
    config = kinesis.config(stream, stop_when_caught_up=False, collection_interval_seconds=1,
                            max_batch_rows=40, get_records_limit=20)
    process = start_tap_process(config, tmp_path)
    reader = LineReader(process)
    reader.wait_for(lambda m: len(_states(m)) >= 3)
    process.kill()  # SIGKILL mid-run: no chance to write anything more
    process.wait(timeout=10)
    reader.join()
    saved = _states(reader.messages)[-1]
    before = [r["event_id"] for r in batch_rows(reader.messages)]

    _, more = kinesis.simulate(stream, hours=0.5, world=world)
    rest = run_tap(kinesis.config(stream), state=saved)
    after = [r["event_id"] for r in rest.rows()]
    everything = event_ids(written + more)
    assert set(before) | set(after) == set(everything), "nothing lost"
    assert set(event_ids(more)) <= set(after)
    # what is read twice is at most what the killed run emitted after its last saved state
    # (the target's upsert on event_id removes it); the restart begins right after that state
    assert len(set(after)) < len(set(everything))
    saved_rows = [m for m in reader.messages if m["type"] in ("BATCH", "STATE")]
    upto = max(n for n, m in enumerate(saved_rows) if m["type"] == "STATE" and m["value"] == saved)
    covered = set(r["event_id"] for r in batch_rows(saved_rows[:upto]))
    assert not covered & set(after), "nothing the saved state covers is read again"


@pytest.mark.slow
def test_rows_reach_postgres_within_the_interval_through_target_postgres(kinesis, tmp_path, postgres_database):
    """tap | target-postgres (stock settings), continuous: p95 put→row ≤ interval + 2 s."""
    stream = kinesis.stream(shards=2)
    interval = 2
    config = kinesis.config(stream, stop_when_caught_up=False, collection_interval_seconds=interval)
    target_config = tmp_path / "target.json"
    target_config.write_text(json.dumps({
        "sqlalchemy_url": f"postgresql+psycopg://{postgres_database.user}@{postgres_database.host}:"
                          f"{postgres_database.port}/{postgres_database.database}",
        "default_target_schema": "raw"}))
    tap = start_tap_process(config, tmp_path)
    target = subprocess.Popen([str(Path(TAP_BIN).with_name("target-postgres")), "--config", str(target_config)],
                              stdin=tap.stdout, stdout=subprocess.PIPE, stderr=open(tmp_path / "target.log", "wb"))  # noqa: SIM115
    tap.stdout.close()
    try:
        from connect_sim.config import WorldConfig
        from connect_sim.kinesis.event_json import AgentEventEncoder
        from connect_sim.world import World

        world = World(WorldConfig(agents_per_instance=20, seed=5))
        events = []
        world.add_event_sink(events.append)
        world.clock.advance(3 * 3600)
        world.sync()
        encoder = AgentEventEncoder(world.directory)
        put_at: dict[str, float] = {}
        seen_at: dict[str, float] = {}
        with postgres_database.connect() as connection:
            # warm up: the tap starts and the first batch creates the table
            warm = events[0]
            kinesis.client.put_record(StreamName=stream, Data=encoder.encode(warm), PartitionKey=encoder.agent_arn(warm))
            deadline = time.monotonic() + 30
            while _count(connection) < 1:
                assert time.monotonic() < deadline, "the first row never arrived"
                time.sleep(0.1)
            events = events[1:]
            for event in events[:12]:
                kinesis.client.put_record(StreamName=stream, Data=encoder.encode(event),
                                          PartitionKey=encoder.agent_arn(event))
                put_at[event.event_id] = time.monotonic()
                until = time.monotonic() + 0.3
                while time.monotonic() < until or (event is events[11] and len(seen_at) < 13
                                                   and time.monotonic() - put_at[event.event_id] < 20):
                    try:
                        for (event_id,) in connection.execute("select event_id from raw.agent_events"):
                            seen_at.setdefault(event_id, time.monotonic())
                    except Exception:  # the table does not exist before the first batch
                        connection.rollback() if not connection.autocommit else None
                    time.sleep(0.02)
            count = connection.execute("select count(*) from raw.agent_events").fetchone()[0]
        latencies = [seen_at[e] - put_at[e] for e in put_at if e in seen_at]
    finally:
        tap.send_signal(signal.SIGTERM)
        tap.wait(timeout=15)
        target.wait(timeout=30)
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    assert count == 13
    assert p95 <= interval + 2, f"latencies {latencies}"
    assert tap.returncode == 0 and target.returncode == 0
    # the target forwards the tap's final state when the pipe ends
    states = [json.loads(line) for line in target.stdout.read().splitlines() if line.strip()]
    assert states and sum(int(v["sequence_number"] or 0) > 0
                          for v in states[-1]["bookmarks"]["agent_events"]["shards"].values()) >= 1
