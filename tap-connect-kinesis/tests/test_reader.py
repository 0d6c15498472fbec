"""The poll loop against moto: resharding during a run, expired iterators, throttling; and
against an in-memory Kinesis with AWS's closed-shard behaviour (moto never returns a null
NextShardIterator nor ChildShards, and moves a split parent's records into its children)."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from tck_helpers import assert_collected_between, event_ids, utc_now

from tap_connect_kinesis.checkpoint import Checkpoint
from tap_connect_kinesis.deadletter import DeadLetters
from tap_connect_kinesis.events import decode_agent_event, iso_utc
from tap_connect_kinesis.reader import Reader, ReaderSettings, Source


def _reader(client: Any, stream: str, tmp_path, positions: dict | None = None, **settings: Any):
    checkpoint = Checkpoint.from_bookmark({"kinesis_stream": stream, "shards": positions or {}}, stream)
    source = Source("agent_events", stream, None, decode_agent_event, checkpoint,
                    is_heartbeat=lambda row: row.event_type == "HEART_BEAT")
    options = {"interval_s": 1.0, "stop_when_caught_up": True, "discovery_interval_s": 0.5,
               "backoff_base_s": 0.05, "backoff_max_s": 0.2, **settings}
    reader = Reader(client, [source], ReaderSettings(**options), DeadLetters(tmp_path / "dead.jsonl"), seed=1)
    return reader, source


def _emitted(cycles) -> list[Any]:
    return [row for cycle in cycles for row in cycle.rows.get("agent_events", [])]


def _assert_in_order_per_agent(rows: list[Any], written: list[dict]) -> None:
    """First sightings, per agent, follow the order in which Connect wrote the events."""
    written_order = {doc["EventId"]: n for n, doc in enumerate(written)}
    first_seen: dict[str, list[int]] = defaultdict(list)
    seen = set()
    for row in rows:
        if row.event_id in seen:
            continue
        seen.add(row.event_id)
        first_seen[row.agent_arn].append(written_order[row.event_id])
    for agent, order in first_seen.items():
        assert order == sorted(order), f"events of {agent} reordered"


class CallLog:
    """Wraps a boto3 client: records GetRecords calls per shard, injects errors."""

    def __init__(self, client: Any, failures: dict[int, str] | None = None) -> None:
        self._client = client
        self.failures = failures or {}  # call number (1-based) → error code
        self.calls: list[tuple[float, str]] = []

    def get_records(self, **kwargs: Any) -> Any:
        import base64

        iterator = kwargs["ShardIterator"]
        shard = base64.b64decode(iterator.encode()).decode().split(":")[1] if ":" not in iterator else "?"
        self.calls.append((time.monotonic(), shard))
        code = self.failures.get(len(self.calls))
        if code:
            raise ClientError({"Error": {"Code": code, "Message": "injected"}}, "GetRecords")
        return self._client.get_records(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_split_and_merge_during_a_run_lose_nothing_and_keep_agent_order(kinesis, tmp_path,
                                                                       moto_writes_to_open_shards):
    stream = kinesis.stream(shards=2)
    world, written = kinesis.simulate(stream, hours=1, agents=30)
    reader, source = _reader(kinesis.client, stream, tmp_path, stop_when_caught_up=False)
    cycles = reader.cycles()
    got = [next(cycles)]
    assert got[0].rows["agent_events"]

    # split shard 0 in the middle of its hash range, then write more
    shards = kinesis.client.list_shards(StreamName=stream)["Shards"]
    first = shards[0]
    low, high = int(first["HashKeyRange"]["StartingHashKey"]), int(first["HashKeyRange"]["EndingHashKey"])
    kinesis.client.split_shard(StreamName=stream, ShardToSplit=first["ShardId"],
                               NewStartingHashKey=str((low + high) // 2))
    _, more = kinesis.simulate(stream, hours=1, world=world)
    written += more
    _drain(reader, cycles, got, written,
           until=lambda: source.positions.get(first["ShardId"], {}).get("finished"))

    # merge the two children of the split, then write more
    children = [s["ShardId"] for s in kinesis.client.list_shards(StreamName=stream)["Shards"]
                if s.get("ParentShardId") == first["ShardId"]]
    assert len(children) == 2
    kinesis.client.merge_shards(StreamName=stream, ShardToMerge=children[0],
                                AdjacentShardToMerge=children[1])
    _, more = kinesis.simulate(stream, hours=1, world=world)
    written += more
    merged = [s["ShardId"] for s in kinesis.client.list_shards(StreamName=stream)["Shards"]
              if s.get("AdjacentParentShardId")]
    assert len(merged) == 1
    _drain(reader, cycles, got, written, until=lambda: merged[0] in source.positions)

    rows = _emitted(got)
    assert set(event_ids(written)) <= {r.event_id for r in rows}
    _assert_in_order_per_agent(rows, written)
    # parents were finished before any row of their children was emitted
    finished = {k for k, v in source.positions.items() if v["finished"]}
    assert first["ShardId"] in finished and set(children) <= finished
    assert set(children) & {r.shard_id for r in rows}, "the split's children were read"
    assert merged[0] in {r.shard_id for r in rows}, "the merge's child was read"
    order = [r.shard_id for r in rows]
    for child in children:
        if child in order:
            assert first["ShardId"] not in order[order.index(child):]


def _all_seen(cycles, written) -> bool:
    return set(event_ids(written)) <= {r.event_id for r in _emitted(cycles)}


def _drain(reader, cycles, got: list, written: list, until=lambda: True, timeout_s: float = 20.0) -> None:
    """Run cycles into `got` until every written event was seen and `until()` holds."""
    deadline = time.monotonic() + timeout_s
    reader.settings.interval_s = 0.2
    while time.monotonic() < deadline and not (_all_seen(got, written) and until()):
        got.append(next(cycles))


def test_expired_iterator_and_throttling_are_recovered_without_loss(kinesis, tmp_path):
    stream = kinesis.stream(shards=2)
    _, written = kinesis.simulate(stream, hours=2, agents=30)
    client = CallLog(kinesis.client, {2: "ExpiredIteratorException",
                                      3: "ProvisionedThroughputExceededException",
                                      4: "ProvisionedThroughputExceededException",
                                      5: "ThrottlingException",
                                      7: "ExpiredIteratorException"})
    # small pages, so that the errors hit in the middle of a shard
    reader, _ = _reader(kinesis.client, stream, tmp_path, max_batch_rows=50, get_records_limit=40)
    reader._read_client = client
    rows = _emitted(list(reader.cycles()))
    ids = [r.event_id for r in rows]
    assert sorted(ids) == sorted(event_ids(written)), "nothing lost, nothing read twice"
    assert reader.stats.expired_iterators == 2
    assert reader.stats.throttled == 3
    # never more than 5 GetRecords calls per second on one shard
    by_shard = defaultdict(list)
    for at, shard in client.calls:
        by_shard[shard].append(at)
    for shard, times in by_shard.items():
        for n in range(len(times) - 5):
            assert times[n + 5] - times[n] >= 1.0 - 1e-3, f"shard {shard} read more than 5 times a second"


def _html_error(status: int) -> ClientError:
    """What botocore makes of a GetRecords answer with an HTML body (a proxy's or load balancer's
    page, or moto's 500): no AWS error code, only the status (botocore's own parser)."""
    import botocore.parsers
    import botocore.session

    model = botocore.session.get_session().get_service_model("kinesis")
    parsed = botocore.parsers.create_parser(model.metadata["protocol"]).parse(
        {"status_code": status, "headers": {"content-type": "text/html"},
         "body": f"<!doctype html><title>{status}</title>".encode()},
        model.operation_model("GetRecords").output_shape)
    return ClientError(parsed, "GetRecords")


class HtmlErrors(CallLog):
    """Answers the given calls (1-based) with an HTML error page of that HTTP status."""

    def get_records(self, **kwargs: Any) -> Any:
        status = self.failures.get(len(self.calls) + 1)
        if status:
            self.calls.append((time.monotonic(), "?"))
            raise _html_error(int(status))
        return super().get_records(**kwargs)


def test_server_errors_without_an_aws_code_are_backed_off_without_loss(kinesis, tmp_path):
    stream = kinesis.stream(shards=2)
    _, written = kinesis.simulate(stream, hours=1, agents=20)
    client = HtmlErrors(kinesis.client, {2: "500", 3: "502", 5: "503", 6: "504"})
    reader, _ = _reader(kinesis.client, stream, tmp_path, max_batch_rows=50, get_records_limit=40)
    reader._read_client = client
    rows = _emitted(list(reader.cycles()))
    assert sorted(r.event_id for r in rows) == sorted(event_ids(written)), "nothing lost, nothing read twice"
    assert reader.stats.server_errors == 4


def test_a_client_error_status_still_stops_the_reader(kinesis, tmp_path):
    stream = kinesis.stream(shards=1)
    kinesis.simulate(stream, hours=0.2, agents=5)
    reader, _ = _reader(kinesis.client, stream, tmp_path)
    reader._read_client = HtmlErrors(kinesis.client, {1: "400"})
    with pytest.raises(ClientError, match="400"):
        list(reader.cycles())


def test_stop_event_ends_a_continuous_loop_after_the_batch_in_hand(kinesis, tmp_path):
    stream = kinesis.stream(shards=1)
    kinesis.simulate(stream, hours=0.5, agents=10)
    reader, source = _reader(kinesis.client, stream, tmp_path, stop_when_caught_up=False, interval_s=5.0)
    threading.Timer(1.0, reader.stop.set).start()
    started = time.monotonic()
    cycles = list(reader.cycles())
    assert time.monotonic() - started < 3
    assert reader.finished_reason == "stop requested"
    assert _emitted(cycles)
    assert source.positions["shardId-000000000000"]["sequence_number"]


# -- AWS's own closed-shard behaviour, in memory ----------------------------------------------
class FakeKinesis:
    """Shards with AWS semantics: a closed shard's last GetRecords answer has a null
    NextShardIterator and lists ChildShards; ListShards pages with NextToken."""

    def __init__(self) -> None:
        self.shards: dict[str, dict[str, Any]] = {}
        self.records: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._sequence = 1000
        self.list_calls = 0

    def add_shard(self, shard_id: str, parent: str | None = None, adjacent: str | None = None) -> None:
        self.shards[shard_id] = {"ShardId": shard_id, "SequenceNumberRange": {"StartingSequenceNumber": "0"},
                                 **({"ParentShardId": parent} if parent else {}),
                                 **({"AdjacentParentShardId": adjacent} if adjacent else {})}

    def close(self, shard_id: str) -> None:
        last = self.records[shard_id][-1]["SequenceNumber"] if self.records[shard_id] else "0"
        self.shards[shard_id]["SequenceNumberRange"]["EndingSequenceNumber"] = last

    def put(self, shard_id: str, data: bytes, arrival: datetime | None = None) -> str:
        self._sequence += 1
        sequence = str(self._sequence * 10**20)  # big numbers: compare as integers
        self.records[shard_id].append({"SequenceNumber": sequence, "Data": data, "PartitionKey": "k",
                                       **({"ApproximateArrivalTimestamp": arrival} if arrival else {})})
        return sequence

    # -- the API --
    def list_shards(self, StreamName: str | None = None, NextToken: str | None = None, **_: Any):
        self.list_calls += 1
        shards = list(self.shards.values())
        start = int(NextToken or 0)
        page = shards[start:start + 2]
        answer: dict[str, Any] = {"Shards": page}
        if start + 2 < len(shards):
            answer["NextToken"] = str(start + 2)
        return answer

    def get_shard_iterator(self, ShardId: str, ShardIteratorType: str,
                           StartingSequenceNumber: str | None = None, **_: Any):
        after = int(StartingSequenceNumber) if ShardIteratorType == "AFTER_SEQUENCE_NUMBER" else -1
        return {"ShardIterator": f"{ShardId}|{after}"}

    def get_records(self, ShardIterator: str, Limit: int = 10000):
        shard_id, after = ShardIterator.split("|")
        records = [r for r in self.records[shard_id] if int(r["SequenceNumber"]) > int(after)][:3]
        last = int(records[-1]["SequenceNumber"]) if records else int(after)
        remaining = [r for r in self.records[shard_id] if int(r["SequenceNumber"]) > last]
        answer: dict[str, Any] = {"Records": records, "MillisBehindLatest": 1000 if remaining else 0}
        closed = "EndingSequenceNumber" in self.shards[shard_id]["SequenceNumberRange"]
        if closed and not remaining:
            answer["NextShardIterator"] = None
            answer["ChildShards"] = [{"ShardId": s["ShardId"]} for s in self.shards.values()
                                     if shard_id in (s.get("ParentShardId"), s.get("AdjacentParentShardId"))]
        else:
            answer["NextShardIterator"] = f"{shard_id}|{last}"
        return answer

    def describe_stream_summary(self, **_: Any):
        return {"StreamDescriptionSummary": {"RetentionPeriodHours": 24}}


def _event(event_id: str, agent: str) -> bytes:
    import json

    instance = "arn:aws:connect:us-west-2:111122223333:instance/i-1"
    return json.dumps({"EventId": event_id, "EventType": "STATE_CHANGE",
                       "EventTimestamp": "2026-11-02T08:00:00.000Z", "InstanceARN": instance,
                       "AgentARN": f"{instance}/agent/{agent}"}).encode()


def test_aws_closed_shards_are_read_to_their_end_before_their_children(tmp_path):
    fake = FakeKinesis()
    fake.add_shard("shard-a")
    fake.add_shard("shard-b")
    for n in range(7):
        fake.put("shard-a", _event(f"a{n}", "agent-1"))
        fake.put("shard-b", _event(f"b{n}", "agent-2"))
    reader, source = _reader(fake, "s", tmp_path, stop_when_caught_up=False, interval_s=0.1)
    cycles = reader.cycles()
    first = next(cycles)
    assert first.rows["agent_events"]
    # split a (children c, d) and merge b with c later: b's and c's child is e
    fake.close("shard-a")
    fake.add_shard("shard-c", parent="shard-a")
    fake.add_shard("shard-d", parent="shard-a")
    for n in range(5):
        fake.put("shard-c", _event(f"c{n}", "agent-1"))
        fake.put("shard-d", _event(f"d{n}", "agent-3"))
    fake.close("shard-b")
    fake.close("shard-c")
    fake.add_shard("shard-e", parent="shard-c", adjacent="shard-b")
    for n in range(4):
        fake.put("shard-e", _event(f"e{n}", "agent-1"))
        fake.put("shard-e", _event(f"e2-{n}", "agent-2"))
    got = [first]
    for _ in range(60):
        got.append(next(cycles))
        if all(source.positions.get(s, {}).get("finished") for s in ("shard-a", "shard-b", "shard-c")) \
                and len({r.event_id for r in _emitted(got)}) == 7 * 2 + 5 * 2 + 8:
            break
    rows = _emitted(got)
    ids = [r.event_id for r in rows]
    assert len(ids) == len(set(ids)) == 32
    order = {event_id: n for n, event_id in enumerate(ids)}
    assert max(order[f"a{n}"] for n in range(7)) < min(order[f"c{n}"] for n in range(5))
    assert max(order[f"c{n}"] for n in range(5)) < min(order[f"e{n}"] for n in range(4))
    assert max(order[f"b{n}"] for n in range(7)) < min(order[f"e2-{n}"] for n in range(4))
    assert fake.list_calls >= 4  # pages of two shards, and discovery when a shard closed
    assert source.positions["shard-e"]["sequence_number"] == fake.records["shard-e"][-1]["SequenceNumber"]


def test_a_backlog_read_late_is_collected_at_the_read_time_not_its_arrival_time(tmp_path):
    """Records that arrived six hours ago and are read only now (a collector that was down):
    approximate_arrival_timestamp stays when Kinesis got them, collected_at is when the tap
    read them, and it grows from one GetRecords answer to the next (the fake answers 3)."""
    fake = FakeKinesis()
    fake.add_shard("shard-a")
    arrived = datetime.now(UTC) - timedelta(hours=6)
    for n in range(7):
        fake.put("shard-a", _event(f"old{n}", "agent-1"), arrival=arrived + timedelta(seconds=n))
    started = utc_now()
    reader, source = _reader(fake, "s", tmp_path)  # bounded: ends once at the tip
    rows = _emitted(list(reader.cycles()))
    finished = utc_now()

    assert [r.event_id for r in rows] == [f"old{n}" for n in range(7)]
    assert_collected_between(rows, started, finished)
    for n, row in enumerate(rows):
        assert row.approximate_arrival_timestamp == iso_utc(arrived + timedelta(seconds=n))
        late = datetime.fromisoformat(row.collected_at) - datetime.fromisoformat(row.approximate_arrival_timestamp)
        assert late > timedelta(hours=5, minutes=59)
    collected = [r.collected_at for r in rows]
    assert collected == sorted(collected)
    assert collected[0] < collected[-1], "three answers, at least 0.2 s apart, have their own times"
    assert source.positions["shard-a"]["sequence_number"] == fake.records["shard-a"][-1]["SequenceNumber"]


def test_a_denied_call_names_the_iam_action(kinesis, tmp_path):
    from wfm_aws import MissingPermissionError

    stream = kinesis.stream(shards=1)
    kinesis.simulate(stream, hours=0.25, agents=5)
    reader, _ = _reader(kinesis.client, stream, tmp_path)
    reader._read_client = CallLog(kinesis.client, {1: "AccessDeniedException"})
    with pytest.raises(MissingPermissionError, match="kinesis:GetRecords"):
        list(reader.cycles())


def test_list_shards_denied_falls_back_to_describe_stream(kinesis, tmp_path, caplog):
    stream = kinesis.stream(shards=3)
    _, written = kinesis.simulate(stream, hours=0.5, agents=20)

    class NoListShards(CallLog):
        def list_shards(self, **_):
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "ListShards")

    reader, source = _reader(NoListShards(kinesis.client), stream, tmp_path)
    rows = _emitted(list(reader.cycles()))
    assert {r.event_id for r in rows} == set(event_ids(written))
    assert len(source.positions) == 3
    assert "kinesis:ListShards is denied" in caplog.text


def test_lag_is_logged_and_warned_near_retention(kinesis, tmp_path, caplog):
    import logging

    stream = kinesis.stream(shards=1)
    kinesis.simulate(stream, hours=0.25, agents=5)

    class Lagging(CallLog):
        def get_records(self, **kwargs):
            answer = super().get_records(**kwargs)
            return {**answer, "MillisBehindLatest": 23 * 3_600_000}

    reader, _ = _reader(kinesis.client, stream, tmp_path, get_records_limit=5, stop_when_caught_up=False)
    reader._read_client = Lagging(kinesis.client)
    with caplog.at_level(logging.INFO, logger="tap_connect_kinesis.reader"):
        cycles = reader.cycles()
        next(cycles)
        next(cycles)  # the lag is logged once a cycle's batch is out
    assert "near the stream's retention of 24 h" in caplog.text


def test_a_shard_far_behind_does_not_keep_the_others_waiting(kinesis, tmp_path):
    stream = kinesis.stream(shards=2)
    for n in range(300):  # a backlog on one shard
        kinesis.client.put_record(StreamName=stream, Data=_event(f"old{n}", "agent-1"),
                                  PartitionKey="p", ExplicitHashKey="1")
    reader, _ = _reader(kinesis.client, stream, tmp_path, stop_when_caught_up=False,
                        get_records_limit=10, max_batch_rows=10)
    cycles = reader.cycles()
    next(cycles)
    fresh = kinesis.client.put_record(StreamName=stream, Data=_event("fresh", "agent-2"),
                                      PartitionKey="p", ExplicitHashKey=str(2**127 + 1))
    assert fresh["ShardId"] == "shardId-000000000001"
    for _ in range(4):
        if "fresh" in {r.event_id for r in next(cycles).rows.get("agent_events", [])}:
            break
    else:
        raise AssertionError("the fresh event waited behind the backlog")


def test_get_records_limit_follows_the_records_size(kinesis, tmp_path):
    """One GetRecords answer holds about max_answer_bytes of record data (memory bound): the
    first call asks for at most 1,000 records, the next ones for what fits."""
    stream = kinesis.stream(shards=1)
    _, written = kinesis.simulate(stream, hours=1, agents=30)
    reader, _ = _reader(kinesis.client, stream, tmp_path)
    reader.settings.max_answer_bytes = 50_000
    limits = []
    real = kinesis.client.get_records

    def get_records(**kwargs):
        limits.append(kwargs["Limit"])
        return real(**kwargs)

    reader._read_client = type("Client", (), {"get_records": staticmethod(get_records)})()
    rows = _emitted(list(reader.cycles()))
    assert sorted(r.event_id for r in rows) == sorted(event_ids(written)), "nothing lost, nothing twice"
    size = sum(len(json.dumps(d)) for d in written) / len(written)
    assert limits[0] == 1_000
    assert all(limit <= 50_000 / size * 1.5 for limit in limits[1:]), (limits, size)
