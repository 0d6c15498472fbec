"""Read back everything a stream holds now, every shard from its start (tests, CLI checks).

Not a consumer for production: no checkpoints, no resharding lineage, and it stops at the
first empty answer that says the shard is caught up.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class StreamRecord:
    shard_id: str
    sequence_number: str
    partition_key: str
    data: bytes


def list_shard_ids(client: Any, stream_name: str) -> list[str]:
    shard_ids: list[str] = []
    kwargs: dict[str, Any] = {"StreamName": stream_name}
    while True:
        page = client.list_shards(**kwargs)
        shard_ids.extend(shard["ShardId"] for shard in page["Shards"])
        token = page.get("NextToken")
        if not token:
            return sorted(shard_ids)
        kwargs = {"NextToken": token}


def read_shard(client: Any, stream_name: str, shard_id: str, limit: int = 10_000) -> Iterator[StreamRecord]:
    iterator = client.get_shard_iterator(
        StreamName=stream_name, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    while iterator:
        answer = client.get_records(ShardIterator=iterator, Limit=limit)
        for record in answer["Records"]:
            yield StreamRecord(shard_id, record["SequenceNumber"], record["PartitionKey"], record["Data"])
        if not answer["Records"] and answer.get("MillisBehindLatest", 0) == 0:
            return
        iterator = answer.get("NextShardIterator")


def read_stream(client: Any, stream_name: str) -> list[StreamRecord]:
    """All records, shard by shard, each shard in sequence order."""
    return [
        record
        for shard_id in list_shard_ids(client, stream_name)
        for record in read_shard(client, stream_name, shard_id)
    ]
