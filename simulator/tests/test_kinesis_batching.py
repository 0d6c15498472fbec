"""PutRecords batching and retries, against a stand-in Kinesis that rejects and throttles."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict

import pytest
from botocore.exceptions import ClientError

from connect_sim.faults import FaultPlan
from connect_sim.kinesis.batching import MAX_BYTES_PER_RECORD, OrderedBatcher, PendingRecord
from connect_sim.kinesis.duplicates import is_duplicated
from connect_sim.kinesis.event_json import AgentEventEncoder
from connect_sim.kinesis.writer import KinesisEventWriter, WriterError

T0 = 1_793_606_400_000


def records(*keys: str, size: int = 10) -> list[PendingRecord]:
    return [PendingRecord(key, f"{key}:{n}".encode().ljust(size, b" ")) for n, key in enumerate(keys)]


def test_a_batch_holds_the_oldest_record_of_each_key():
    batcher = OrderedBatcher()
    a1, b1, a2, c1, b2 = records("a", "b", "a", "c", "b")
    for record in (a1, b1, a2, c1, b2):
        batcher.add(record)
    assert batcher.next_batch() == [a1, b1, c1]
    batcher.settle([a1, c1])  # b1 was rejected: it stays first in b's line
    assert len(batcher) == 3
    assert batcher.next_batch() == [b1, a2]
    batcher.settle([b1, a2])
    assert batcher.next_batch() == [b2]


def test_a_batch_respects_the_count_and_size_limits():
    batcher = OrderedBatcher(max_records=3, max_bytes=250)
    for record in records(*"abcdef", size=100):
        batcher.add(record)
    assert [r.partition_key for r in batcher.next_batch()] == ["a", "b"]  # 300 bytes > 250
    batcher = OrderedBatcher(max_records=3)
    for record in records(*"abcdef"):
        batcher.add(record)
    assert [r.partition_key for r in batcher.next_batch()] == ["a", "b", "c"]
    too_big = OrderedBatcher()
    too_big.add(PendingRecord("k", lambda: b"x" * MAX_BYTES_PER_RECORD))
    with pytest.raises(ValueError, match="1 MiB"):
        too_big.next_batch()


def test_records_are_made_when_first_offered():
    made = []
    batcher = OrderedBatcher()
    for key in "aab":
        batcher.add(PendingRecord(key, lambda key=key: made.append(key) or key.encode()))
    assert made == []
    first = batcher.next_batch()
    assert made == ["a", "b"] and [r.data for r in first] == [b"a", b"b"]
    batcher.settle(first)
    batcher.next_batch()
    assert made == ["a", "b", "a"]


def test_settle_refuses_a_record_that_is_not_first_in_line():
    batcher = OrderedBatcher()
    first, second = records("a", "a")
    batcher.add(first)
    batcher.add(second)
    with pytest.raises(RuntimeError):
        batcher.settle([second])


class FlakyKinesis:
    """put_records that throttles whole calls and rejects single records on a fixed pattern,
    and keeps what it accepted, in order."""

    def __init__(self, reject_every: int = 3, throttle_every: int = 4, fatal: str | None = None):
        self.accepted: list[tuple[str, bytes]] = []
        self.calls = 0
        self._record_counter = itertools.count(1)
        self._reject_every = reject_every
        self._throttle_every = throttle_every
        self._fatal = fatal

    def put_records(self, StreamName: str, Records: list[dict]) -> dict:
        self.calls += 1
        if self._fatal:
            raise ClientError({"Error": {"Code": self._fatal, "Message": "no"}}, "PutRecords")
        if self.calls % self._throttle_every == 0:
            raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException",
                                         "Message": "slow down"}}, "PutRecords")
        results = []
        for record in Records:
            if next(self._record_counter) % self._reject_every == 0:
                results.append({"ErrorCode": "ProvisionedThroughputExceededException",
                                "ErrorMessage": "Rate exceeded for shard"})
            else:
                self.accepted.append((record["PartitionKey"], record["Data"]))
                results.append({"SequenceNumber": str(len(self.accepted)), "ShardId": "shardId-0"})
        return {"FailedRecordCount": sum("ErrorCode" in r for r in results), "Records": results}


def scripted_events(scripted_agent, agents: int = 2, calls: int = 4):
    events = []
    for number in range(1, agents + 1):
        a = scripted_agent(f"agent-{number}").login(T0).status(T0 + 1000, "available")
        for call in range(calls):
            at = T0 + 60_000 * (call + 1)
            cid = f"c-{number}-{call}"
            a.offer(at, cid).connect(at + 5000, cid).end(at + 20_000, cid).clear(at + 30_000, cid)
        events.extend(a.events)
    events.sort(key=lambda e: e.timestamp_ms)
    return events


def test_rejected_and_throttled_records_are_sent_again_in_order(scripted_directory, scripted_agent):
    events = scripted_events(scripted_agent)
    kinesis = FlakyKinesis()
    delays: list[float] = []
    writer = KinesisEventWriter(kinesis, "s", AgentEventEncoder(scripted_directory),
                                sleep=delays.append)
    for event in events:
        writer.on_event(event)
    writer.close(timeout=30)

    written = [json.loads(data) for _, data in kinesis.accepted]
    assert sorted(d["EventId"] for d in written) == sorted(e.event_id for e in events)  # once each
    by_agent: dict[str, list[str]] = defaultdict(list)
    for key, data in kinesis.accepted:
        assert key == json.loads(data)["AgentARN"]
        by_agent[key].append(json.loads(data)["EventId"])
    for key, ids in by_agent.items():
        assert ids == [e.event_id for e in events if key.endswith("/agent/" + e.user_id)]
    assert writer.stats.records_rejected > 0 and writer.stats.calls_retried > 0
    assert len(delays) > writer.stats.calls_retried  # backed off after rejections too
    assert writer.stats.records_written == len(events)


def test_backoff_grows_while_kinesis_refuses(scripted_directory, scripted_agent):
    events = scripted_events(scripted_agent, agents=1, calls=1)[:1]
    kinesis = FlakyKinesis(reject_every=1, throttle_every=10**9)  # rejects every record ...
    delays: list[float] = []

    def sleep(seconds: float) -> None:
        delays.append(seconds)
        if len(delays) == 6:
            kinesis._reject_every = 10**9  # ... until the shard recovers

    writer = KinesisEventWriter(kinesis, "s", AgentEventEncoder(scripted_directory), sleep=sleep,
                                backoff_base_s=0.1, backoff_max_s=1.0)
    writer.on_event(events[0])
    writer.flush(timeout=10)
    assert len(kinesis.accepted) == 1 and len(delays) == 6
    ceilings = [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    writer.close()


def test_an_error_that_cannot_be_retried_surfaces_in_flush(scripted_directory, scripted_agent):
    events = scripted_events(scripted_agent, agents=1, calls=1)
    writer = KinesisEventWriter(FlakyKinesis(fatal="ResourceNotFoundException"), "gone",
                                AgentEventEncoder(scripted_directory), sleep=lambda s: None)
    writer.on_event(events[0])
    with pytest.raises(WriterError, match="gone") as raised:
        writer.flush(timeout=10)
    assert raised.value.__cause__.response["Error"]["Code"] == "ResourceNotFoundException"
    writer.on_event(events[1])  # the world keeps running: later events are counted, not sent
    assert writer.stats.events_dropped == 1
    with pytest.raises(WriterError):
        writer.close()


def test_duplicate_dice_are_seeded_and_follow_the_rate():
    ids = [f"event-{n}" for n in range(4000)]
    plan = FaultPlan(duplicate_rate=0.1, seed=3)
    chosen = [i for i in ids if is_duplicated(plan, i)]
    assert 300 < len(chosen) < 500
    assert chosen == [i for i in ids if is_duplicated(FaultPlan(duplicate_rate=0.1, seed=3), i)]
    assert chosen != [i for i in ids if is_duplicated(FaultPlan(duplicate_rate=0.1, seed=4), i)]
    assert not any(is_duplicated(FaultPlan(), i) for i in ids)
    assert not any(is_duplicated(None, i) for i in ids)
