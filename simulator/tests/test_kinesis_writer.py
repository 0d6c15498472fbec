"""Agent events through a local moto Kinesis (and into JSON-lines files)."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
from collections import defaultdict

import pytest

from connect_sim.config import WorldConfig
from connect_sim.faults import FaultPlan
from connect_sim.kinesis.duplicates import is_duplicated
from connect_sim.kinesis.event_json import AgentEventEncoder
from connect_sim.kinesis.moto_server import MotoServer, create_stream
from connect_sim.kinesis.readback import read_stream
from connect_sim.kinesis.writer import JsonlEventWriter, KinesisEventWriter
from connect_sim.world import World

HOURS = 3600


def run_world_into_kinesis(moto_kinesis, stream: str, faults: FaultPlan, hours: float):
    world = World(WorldConfig(seed=21, agents_per_instance=8), faults=faults)
    events = []
    writer = KinesisEventWriter(moto_kinesis.client(), stream, AgentEventEncoder(world.directory),
                                world.faults)
    world.add_event_sink(events.append)
    world.add_event_sink(writer.on_event)
    world.clock.advance(hours * HOURS)
    world.sync()
    writer.close(timeout=120)
    return world, events, writer, read_stream(moto_kinesis.client(), stream)


def test_every_event_arrives_keyed_by_agent_and_in_order(moto_kinesis, kinesis_stream):
    stream = kinesis_stream(3)
    world, events, writer, records = run_world_into_kinesis(moto_kinesis, stream, FaultPlan(), 10)
    assert len(events) > 300
    docs = [json.loads(r.data) for r in records]
    assert [d["EventId"] for d in docs].count(docs[0]["EventId"]) == 1
    assert sorted(d["EventId"] for d in docs) == sorted(e.event_id for e in events)  # no duplicates
    assert all(r.partition_key == d["AgentARN"] for r, d in zip(records, docs, strict=True))

    shards_of_agent: dict[str, set[str]] = defaultdict(set)
    stream_order: dict[str, list[str]] = defaultdict(list)
    for record, doc in zip(records, docs, strict=True):
        shards_of_agent[doc["AgentARN"]].add(record.shard_id)
        stream_order[doc["AgentARN"]].append(doc["EventId"])
    arn_of = {u.id: u.arn for u in world.directory.users}
    emitted_order: dict[str, list[str]] = defaultdict(list)
    for event in events:
        emitted_order[arn_of[event.user_id]].append(event.event_id)
    assert stream_order == emitted_order
    assert all(len(shards) == 1 for shards in shards_of_agent.values())
    assert len({r.shard_id for r in records}) > 1  # the agents spread over the shards
    assert writer.stats.records_written == len(events) and writer.stats.duplicates_written == 0


def test_duplicates_when_asked_for_follow_their_original(moto_kinesis, kinesis_stream):
    stream = kinesis_stream(2)
    faults = FaultPlan(duplicate_rate=0.15, seed=9)
    _, events, writer, records = run_world_into_kinesis(moto_kinesis, stream, faults, 4)
    doubled = {e.event_id for e in events if is_duplicated(faults, e.event_id)}
    assert doubled and writer.stats.duplicates_written == len(doubled)
    per_agent: dict[str, list[str]] = defaultdict(list)
    for record in records:
        per_agent[record.partition_key].append(json.loads(record.data)["EventId"])
    seen_twice = set()
    for ids in per_agent.values():
        for position, event_id in enumerate(ids):
            if event_id in ids[:position]:
                assert ids[position - 1] == event_id  # right behind its original
                seen_twice.add(event_id)
    assert seen_twice == doubled
    assert len(records) == len(events) + len(doubled)


def test_jsonl_writer_writes_the_same_documents(tmp_path):
    faults = FaultPlan(duplicate_rate=0.2, seed=1)
    world = World(WorldConfig(seed=21, agents_per_instance=4), faults=faults)
    encoder = AgentEventEncoder(world.directory)
    events = []
    path = tmp_path / "events.jsonl"
    with JsonlEventWriter(path, encoder, world.faults) as writer:
        world.add_event_sink(events.append)
        world.add_event_sink(writer.on_event)
        world.clock.advance(6 * HOURS)
        world.sync()
    expected = []
    for event in events:
        expected += [encoder.encode(event)] * (2 if is_duplicated(faults, event.event_id) else 1)
    assert path.read_bytes().splitlines() == expected
    assert writer.lines_written == len(expected) > len(events)

    stream = io.BytesIO()
    JsonlEventWriter(stream, encoder).on_event(events[0])  # no faults: one line, file left open
    assert stream.getvalue() == encoder.encode(events[0]) + b"\n"


# -- the moto server itself -------------------------------------------------------------------
def _accepts_connections(endpoint_url: str) -> bool:
    host, port = endpoint_url.removeprefix("http://").split(":")
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
        return True
    except OSError:
        return False


def test_moto_server_serves_kinesis_sts_and_iam_until_stopped():
    with MotoServer() as server:
        endpoint = server.endpoint_url
        assert endpoint.startswith("http://127.0.0.1:")
        arn = create_stream(endpoint, "lifecycle", shards=2)
        assert arn.endswith(":stream/lifecycle")
        described = server.client().describe_stream(StreamName="lifecycle")["StreamDescription"]
        assert described["StreamStatus"] == "ACTIVE" and len(described["Shards"]) == 2
        assert server.client("sts").get_caller_identity()["Account"]
        assert "Roles" in server.client("iam").list_roles()
        server.client().delete_stream(StreamName="lifecycle")
    assert not _accepts_connections(endpoint)
    with pytest.raises(RuntimeError):
        _ = server.endpoint_url


@pytest.mark.skipif(sys.platform == "win32", reason="signals")
def test_moto_server_command_line():
    process = subprocess.Popen(
        [sys.executable, "-m", "connect_sim.kinesis.moto_server", "--stream", "cli-stream",
         "--shards", "2"],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        endpoint = process.stdout.readline().strip()
        from connect_sim.kinesis.moto_server import moto_client

        shards = moto_client(endpoint).list_shards(StreamName="cli-stream")["Shards"]
        assert len(shards) == 2
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
