"""Helpers for tap-connect-kinesis tests: streams on the session's moto server, simulated agent
events written to them as Connect writes them, and ways to run the tap and read its output."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connect_sim.config import WorldConfig
from connect_sim.kinesis.event_json import AgentEventEncoder
from connect_sim.kinesis.moto_server import create_stream
from connect_sim.kinesis.writer import KinesisEventWriter
from connect_sim.world import World

TAP_BIN = Path(sys.executable).with_name("tap-connect-kinesis")


@dataclass
class TapOutput:
    messages: list[dict[str, Any]]

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["type"] == kind]

    def rows(self, stream: str = "agent_events") -> list[dict[str, Any]]:
        return batch_rows(self.messages, stream)

    @property
    def final_state(self) -> dict[str, Any]:
        states = self.of_type("STATE")
        return states[-1]["value"] if states else {}


def batch_rows(messages: list[dict[str, Any]], stream: str = "agent_events") -> list[dict[str, Any]]:
    rows = []
    for message in messages:
        if message["type"] == "BATCH" and message["stream"] == stream:
            for url in message["manifest"]:
                with open(url.removeprefix("file://"), encoding="utf-8") as file:
                    rows.extend(json.loads(line) for line in file)
    return rows


def shard_positions(state: dict[str, Any], stream: str = "agent_events") -> dict[str, dict[str, Any]]:
    return state["bookmarks"][stream]["shards"]


@dataclass
class KinesisEnv:
    endpoint_url: str
    client: Any
    tmp_path: Path
    make_name: Callable[[str], str]
    worlds: list[World] = field(default_factory=list)

    def stream(self, shards: int = 1) -> str:
        name = self.make_name("agents")
        create_stream(self.endpoint_url, name, shards=shards)
        return name

    def config(self, stream: str, **overrides: Any) -> dict[str, Any]:
        config = {
            "stream_name": stream,
            "aws_endpoint_url": self.endpoint_url,
            "aws_region": "USWest2",
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
            "collection_interval_seconds": 1,
            "stop_when_caught_up": True,
            "batch_directory": str(self.tmp_path / "batches"),
            "dead_letter_path": str(self.tmp_path / "dead-letters.jsonl"),
            "shard_discovery_interval_seconds": 1,
        }
        config.update(overrides)
        return config

    def simulate(self, stream: str, hours: float = 1.0, agents: int = 30, seed: int = 7,
                 world: World | None = None) -> tuple[World, list[dict[str, Any]]]:
        """Advance a simulated centre and write its agent events to `stream`; returns the
        world and the events written (decoded JSON documents, in write order)."""
        if world is None:
            world = World(WorldConfig(agents_per_instance=agents, seed=seed))
            self.worlds.append(world)
        encoder = AgentEventEncoder(world.directory)
        written: list[dict[str, Any]] = []
        writer = KinesisEventWriter(self.client, stream, encoder)

        def sink(event: Any) -> None:
            written.append(json.loads(encoder.encode(event)))
            writer.on_event(event)

        world.add_event_sink(sink)
        try:
            world.clock.advance(hours * 3600)
            world.sync()
            writer.flush(timeout=60)
        finally:
            world.remove_event_sink(sink)
            writer.close(timeout=10)
        return world, written

    def put_raw(self, stream: str, data: bytes, key: str = "k") -> str:
        return self.client.put_record(StreamName=stream, Data=data, PartitionKey=key)["SequenceNumber"]


def run_tap(config: dict[str, Any], state: dict[str, Any] | None = None) -> TapOutput:
    """Run the tap in this process (bounded configs only) and parse what it wrote."""
    from tap_connect_kinesis.tap import TapConnectKinesis

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        TapConnectKinesis(config=config, state=state or {}).sync_all()
    return TapOutput([json.loads(line) for line in out.getvalue().splitlines() if line.strip()])


def start_tap_process(config: dict[str, Any], tmp_path: Path, state: dict[str, Any] | None = None,
                      stdout: Any = subprocess.PIPE) -> subprocess.Popen:
    config_path = tmp_path / f"config-{os.urandom(4).hex()}.json"
    config_path.write_text(json.dumps(config))
    command = [str(TAP_BIN), "--config", str(config_path)]
    if state:
        state_path = tmp_path / f"state-{os.urandom(4).hex()}.json"
        state_path.write_text(json.dumps(state))
        command += ["--state", str(state_path)]
    return subprocess.Popen(command, stdout=stdout, stderr=open(tmp_path / "tap.log", "ab"))


def event_ids(documents: list[dict[str, Any]]) -> list[str]:
    return [d["EventId"] for d in documents]


ISO_UTC_MILLIS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def utc_now() -> datetime:
    return datetime.now(UTC)


def assert_collected_between(rows: list[Any], start: datetime, end: datetime) -> None:
    """Every row (a dict, or a row struct) has a `collected_at` in the tap's ISO 8601 UTC
    millisecond format, between `start` and `end` (times taken around the read)."""
    assert rows, "no rows to check"
    low = start.replace(microsecond=start.microsecond // 1000 * 1000)  # the tap truncates to ms
    for row in rows:
        value = row["collected_at"] if isinstance(row, dict) else row.collected_at
        assert isinstance(value, str) and ISO_UTC_MILLIS.fullmatch(value), value
        assert low <= datetime.fromisoformat(value) <= end, (value, start, end)
