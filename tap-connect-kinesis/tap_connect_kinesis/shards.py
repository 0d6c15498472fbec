"""Shard discovery, lineage and worker assignment.

- Discovery pages through ListShards (NextToken); where `kinesis:ListShards` is denied it
  falls back to DescribeStream (the spec's policy), paging with ExclusiveStartShardId.
- Lineage: a shard may be read only once its parents (ParentShardId and, after a merge,
  AdjacentParentShardId) have been read to their end, or are gone from the stream
  (expired past retention), so that an agent's events stay in order across resharding.
- Workers: every shard belongs to exactly one of `worker_count` workers. A shard goes with its
  root ancestor along ParentShardId, so a split's children stay with the worker that read
  the parent; the worker of a root is a stable hash of its id (the same in every process).
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from wfm_aws import explain_client_error
from wfm_aws.errors import is_access_denied

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Shard:
    shard_id: str
    parent: str | None = None
    adjacent_parent: str | None = None
    starting_sequence_number: str | None = None
    ending_sequence_number: str | None = None

    @property
    def closed(self) -> bool:
        return self.ending_sequence_number is not None

    @property
    def parents(self) -> tuple[str, ...]:
        return tuple(p for p in (self.parent, self.adjacent_parent) if p)

    @classmethod
    def from_api(cls, item: dict[str, Any]) -> Shard:
        numbers = item.get("SequenceNumberRange") or {}
        return cls(
            shard_id=item["ShardId"],
            parent=item.get("ParentShardId"),
            adjacent_parent=item.get("AdjacentParentShardId"),
            starting_sequence_number=numbers.get("StartingSequenceNumber"),
            ending_sequence_number=numbers.get("EndingSequenceNumber"),
        )


def stream_ref(stream_name: str | None, stream_arn: str | None) -> dict[str, str]:
    """The StreamName / StreamARN argument of Kinesis calls."""
    return {"StreamARN": stream_arn} if stream_arn else {"StreamName": stream_name or ""}


class ShardLister:
    """Lists every shard of a stream; remembers when ListShards is denied."""

    def __init__(self, client: Any, stream_name: str | None, stream_arn: str | None) -> None:
        self._client = client
        self._ref = stream_ref(stream_name, stream_arn)
        self._use_describe = False

    def list(self) -> list[Shard]:
        if not self._use_describe:
            try:
                return self._list_shards()
            except ClientError as error:
                if not is_access_denied(error):
                    raise
                log.warning("kinesis:ListShards is denied; discovering shards with DescribeStream "
                            "(allow kinesis:ListShards for faster discovery)")
                self._use_describe = True
        try:
            return self._describe_stream()
        except ClientError as error:
            raise explain_client_error(error, "kinesis") from error

    def _list_shards(self) -> list[Shard]:
        shards: list[Shard] = []
        answer = self._client.list_shards(**self._ref)
        while True:
            shards.extend(Shard.from_api(item) for item in answer.get("Shards", []))
            token = answer.get("NextToken")
            if not token:
                return shards
            answer = self._client.list_shards(NextToken=token)

    def _describe_stream(self) -> list[Shard]:
        shards: list[Shard] = []
        kwargs: dict[str, Any] = dict(self._ref)
        while True:
            description = self._client.describe_stream(**kwargs)["StreamDescription"]
            page = [Shard.from_api(item) for item in description.get("Shards", [])]
            shards.extend(page)
            if not description.get("HasMoreShards") or not page:
                return shards
            kwargs["ExclusiveStartShardId"] = page[-1].shard_id


def worker_of(shard_id: str, shards: dict[str, Shard], worker_count: int) -> int:
    """The worker that reads `shard_id`: the one of its root ancestor (via ParentShardId)."""
    if worker_count <= 1:
        return 0
    root = shard_id
    seen = {root}
    while root in shards:
        parent = shards[root].parent
        if not parent or parent in seen:
            break
        root = parent  # named by a listed child, even once it is gone past retention
        seen.add(root)
    return zlib.crc32(root.encode()) % worker_count


def assigned(shards: Iterable[Shard], worker_index: int, worker_count: int) -> list[Shard]:
    """The shards this worker reads, parents listed before their children."""
    by_id = {s.shard_id: s for s in shards}
    mine = [s for s in by_id.values() if worker_of(s.shard_id, by_id, worker_count) == worker_index]
    return lineage_order(mine, by_id)


def lineage_order(shards: list[Shard], by_id: dict[str, Shard]) -> list[Shard]:
    """Parents before children (a topological order), else by shard id."""
    depth: dict[str, int] = {}

    def depth_of(shard_id: str, trail: frozenset[str] = frozenset()) -> int:
        if shard_id in depth:
            return depth[shard_id]
        shard = by_id.get(shard_id)
        if shard is None or shard_id in trail:
            return -1
        value = 1 + max((depth_of(p, trail | {shard_id}) for p in shard.parents), default=-1)
        depth[shard_id] = value
        return value

    return sorted(shards, key=lambda s: (depth_of(s.shard_id), s.shard_id))


def ready(shard: Shard, by_id: dict[str, Shard], finished: set[str]) -> bool:
    """True when every parent still in the stream has been read to its end."""
    return all(p not in by_id or p in finished for p in shard.parents)
