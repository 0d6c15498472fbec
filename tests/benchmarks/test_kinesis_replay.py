"""benchmarks/kinesis_replay.py stands in for Kinesis in the catch-up benchmark: its answers must
be what boto3 parses and what tap-connect-kinesis reads as from Kinesis (every event once, in
shard order; a run from the saved state reads nothing more), and its shards must hold the events
Kinesis would put in them (the MD5 of the partition key in the shard's hash key range)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from kinesis_replay import Recording, ReplayServer  # noqa: E402

SHARDS = 3


@pytest.fixture(scope="module")
def events(tmp_path_factory) -> Path:
    """Two hours of 20 agents' events, as the simulator writes them for Kinesis."""
    out = tmp_path_factory.mktemp("world")
    start = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:00Z")
    subprocess.run([str(Path(sys.executable).with_name("connect-sim")), "generate", "--agents", "20", "--seed", "3",
                    "--start", start, "--hours", "2", "--out", str(out)], check=True, capture_output=True)
    return out / "agent_events.jsonl"


@pytest.fixture(scope="module")
def served(events, tmp_path_factory):
    recording = Recording.from_jsonl(events, tmp_path_factory.mktemp("recording"), SHARDS, "agents")
    with ReplayServer(recording) as server:
        client = boto3.client("kinesis", endpoint_url=server.endpoint_url, region_name="us-west-2",
                              aws_access_key_id="x", aws_secret_access_key="y")
        yield recording, server, client


def _read_shard(client, shard_id: str, limit: int) -> list[dict]:
    iterator = client.get_shard_iterator(StreamName="agents", ShardId=shard_id,
                                         ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = []
    while True:
        answer = client.get_records(ShardIterator=iterator, Limit=limit)
        records += answer["Records"]
        assert len(answer["Records"]) <= limit
        if answer["MillisBehindLatest"] == 0:
            return records
        iterator = answer["NextShardIterator"]


def test_boto3_reads_every_event_once_from_the_shard_its_partition_key_hashes_to(events, served):
    recording, _, client = served
    lines = events.read_bytes().splitlines()
    shards = client.list_shards(StreamName="agents")["Shards"]
    assert [s["ShardId"] for s in shards] == [f"shardId-00000000000{n}" for n in range(SHARDS)]
    assert int(shards[0]["HashKeyRange"]["StartingHashKey"]) == 0
    assert int(shards[-1]["HashKeyRange"]["EndingHashKey"]) == 2**128 - 1
    read = []
    for shard in shards:
        low, high = (int(shard["HashKeyRange"][k]) for k in ("StartingHashKey", "EndingHashKey"))
        records = _read_shard(client, shard["ShardId"], limit=40)
        for record in records:
            assert low <= int.from_bytes(hashlib.md5(record["PartitionKey"].encode()).digest(), "big") <= high
        numbers = [int(r["SequenceNumber"]) for r in records]
        assert numbers == sorted(set(numbers)), "sequence numbers increase in a shard"
        arrivals = [r["ApproximateArrivalTimestamp"] for r in records]
        assert arrivals == sorted(arrivals)
        read += [r["Data"] for r in records]
    assert sorted(read) == sorted(lines), "every document, byte for byte, once"
    assert len(recording.event_ids) == len({json.loads(line)["EventId"] for line in lines})


def test_iterators_start_where_kinesis_would(served):
    _, _, client = served
    shard_id = "shardId-000000000001"
    records = _read_shard(client, shard_id, limit=10_000)
    middle = records[len(records) // 2]

    def first_from(**position) -> str | None:
        iterator = client.get_shard_iterator(StreamName="agents", ShardId=shard_id, **position)["ShardIterator"]
        answer = client.get_records(ShardIterator=iterator, Limit=1)["Records"]
        return answer[0]["SequenceNumber"] if answer else None

    at = records.index(middle)
    assert first_from(ShardIteratorType="AT_SEQUENCE_NUMBER", StartingSequenceNumber=middle["SequenceNumber"]) \
        == middle["SequenceNumber"]
    assert first_from(ShardIteratorType="AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=middle["SequenceNumber"]) \
        == records[at + 1]["SequenceNumber"]
    assert first_from(ShardIteratorType="AT_TIMESTAMP", Timestamp=middle["ApproximateArrivalTimestamp"]) \
        == next(r for r in records if r["ApproximateArrivalTimestamp"] >= middle["ApproximateArrivalTimestamp"])[
            "SequenceNumber"]
    assert first_from(ShardIteratorType="LATEST") is None
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_shard_iterator(StreamName="agents", ShardId="shardId-000000000009", ShardIteratorType="LATEST")


def _run_tap(endpoint_url: str, tmp_path: Path, state: dict | None = None) -> tuple[list[dict], dict]:
    from tap_connect_kinesis.tap import TapConnectKinesis

    config = {"stream_name": "agents", "aws_endpoint_url": endpoint_url, "aws_region": "us-west-2",
              "aws_access_key_id": "x", "aws_secret_access_key": "y", "start_position": "TRIM_HORIZON",
              "stop_when_caught_up": True, "message_format": "record", "collection_interval_seconds": 1,
              "dead_letter_path": str(tmp_path / "dead-letters.jsonl")}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        TapConnectKinesis(config=config, state=state or {}).sync_all()
    messages = [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]
    records = [m["record"] for m in messages if m["type"] == "RECORD"]
    states = [m["value"] for m in messages if m["type"] == "STATE"]
    return records, states[-1]


def test_the_kinesis_tap_reads_the_recording_once_and_resumes_from_its_state(events, served, tmp_path):
    recording, server, _ = served
    records, state = _run_tap(server.endpoint_url, tmp_path)
    assert sorted(r["event_id"] for r in records) == sorted(recording.event_ids)
    assert not (tmp_path / "dead-letters.jsonl").exists()
    again, _ = _run_tap(server.endpoint_url, tmp_path, state)
    assert again == []
