"""Bounded runs in process: final state, resume, poison records, workers, heartbeats."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from tck_helpers import assert_collected_between, event_ids, run_tap, shard_positions, utc_now

from tap_connect_kinesis.tap import TapConnectKinesis


def _last_sequences(kinesis, stream: str) -> dict[str, str]:
    """The sequence number of the last record of each shard, read straight from Kinesis."""
    client = kinesis.client
    last = {}
    for shard in client.list_shards(StreamName=stream)["Shards"]:
        iterator = client.get_shard_iterator(StreamName=stream, ShardId=shard["ShardId"],
                                             ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records = client.get_records(ShardIterator=iterator, Limit=10000)["Records"]
        last[shard["ShardId"]] = records[-1]["SequenceNumber"] if records else None
    return last


def test_bounded_run_ends_by_itself_with_the_right_final_state(kinesis):
    stream = kinesis.stream(shards=4)
    _, written = kinesis.simulate(stream, hours=2, agents=40)
    assert len(written) > 100

    started = utc_now()
    output = run_tap(kinesis.config(stream))
    finished = utc_now()

    rows = output.rows()
    assert Counter(r["event_id"] for r in rows) == Counter(event_ids(written))
    # every row says when the tap read it, in the SCHEMA's last column
    assert_collected_between(rows, started, finished)
    schema = output.messages[0]["schema"]["properties"]
    assert list(schema)[-1] == "collected_at" and schema["collected_at"]["format"] == "date-time"
    positions = shard_positions(output.final_state)
    expected = _last_sequences(kinesis, stream)
    assert {k: v["sequence_number"] for k, v in positions.items()} == expected
    assert sum(1 for v in expected.values() if v) >= 2, "events should spread over shards"
    assert output.messages[0]["type"] == "SCHEMA"
    assert output.messages[-1]["type"] == "STATE"
    # every row names the shard and position it came from
    by_shard = {}
    for row in rows:
        by_shard.setdefault(row["shard_id"], []).append(int(row["sequence_number"]))
    for shard_id, numbers in by_shard.items():
        assert numbers == sorted(numbers)
        assert max(numbers) == int(expected[shard_id])


def test_resume_from_state_reads_only_what_is_new(kinesis):
    stream = kinesis.stream(shards=2)
    world, first = kinesis.simulate(stream, hours=1, agents=20)
    run1 = run_tap(kinesis.config(stream))
    assert {r["event_id"] for r in run1.rows()} == set(event_ids(first))

    _, second = kinesis.simulate(stream, hours=1, world=world)
    assert second
    run2 = run_tap(kinesis.config(stream), state=run1.final_state)
    assert Counter(r["event_id"] for r in run2.rows()) == Counter(event_ids(second))

    run3 = run_tap(kinesis.config(stream), state=run2.final_state)
    assert run3.rows() == []
    assert run3.final_state == run2.final_state


def test_latest_start_position_skips_old_events(kinesis):
    stream = kinesis.stream(shards=1)
    kinesis.simulate(stream, hours=1, agents=10)
    output = run_tap(kinesis.config(stream, start_position="LATEST"))
    assert output.rows() == []


def test_poison_records_go_to_dead_letters_and_the_tap_goes_on(kinesis):
    stream = kinesis.stream(shards=1)
    world, before = kinesis.simulate(stream, hours=0.5, agents=10)
    bad_json = kinesis.put_raw(stream, b"{not json")
    not_event = kinesis.put_raw(stream, json.dumps({"ContactId": "c-1"}).encode())
    _, after = kinesis.simulate(stream, hours=0.5, world=world)

    config = kinesis.config(stream)
    started = utc_now()
    output = run_tap(config)
    finished = utc_now()

    assert {r["event_id"] for r in output.rows()} == set(event_ids(before + after))
    with open(config["dead_letter_path"]) as file:
        letters = [json.loads(line) for line in file]
    assert [letter["sequence_number"] for letter in letters] == [bad_json, not_event]
    assert all(letter["approximate_arrival_timestamp"] for letter in letters)
    assert_collected_between(letters, started, finished)  # dead letters say when they were read too
    assert all(letter["shard_id"] == "shardId-000000000000" for letter in letters)
    assert letters[0]["reason"]
    # the state moved past them
    position = shard_positions(output.final_state)["shardId-000000000000"]["sequence_number"]
    assert int(position) > int(not_event)


def test_heartbeats_can_be_left_out(kinesis):
    stream = kinesis.stream(shards=1)
    _, written = kinesis.simulate(stream, hours=1, agents=10)
    assert any(d["EventType"] == "HEART_BEAT" for d in written)
    output = run_tap(kinesis.config(stream, include_heartbeats=False))
    assert {r["event_id"] for r in output.rows()} == {
        d["EventId"] for d in written if d["EventType"] != "HEART_BEAT"}


def test_several_workers_cover_every_shard_exactly_once(kinesis):
    stream = kinesis.stream(shards=6)
    _, written = kinesis.simulate(stream, hours=1, agents=40)
    seen_shards: list[set[str]] = []
    seen_events: Counter[str] = Counter()
    for index in range(3):
        output = run_tap(kinesis.config(stream, worker_index=index, worker_count=3))
        seen_shards.append(set(shard_positions(output.final_state)))
        seen_events.update(r["event_id"] for r in output.rows())
    assert sum(len(s) for s in seen_shards) == 6
    assert set.union(*seen_shards) == {f"shardId-{n:012d}" for n in range(6)}
    assert seen_events == Counter(event_ids(written))


@pytest.mark.parametrize("bad", [
    {"collection_interval_seconds": 0},
    {"collection_interval_seconds": 61},
    {"start_position": "AT_TIMESTAMP"},
    {"worker_index": 3, "worker_count": 3},
    {"stream_name": None},
    {"aws_secret_access_key": None},
])
def test_bad_config_is_refused_up_front(kinesis, bad):
    config = {k: v for k, v in {**kinesis.config("s"), **bad}.items() if v is not None}
    with pytest.raises(Exception):  # noqa: B017 - the SDK or the tap, either refuses
        TapConnectKinesis(config=config)


def test_config_numbers_may_be_decimals(kinesis):
    from decimal import Decimal

    stream = kinesis.stream(shards=1)
    kinesis.simulate(stream, hours=0.25, agents=5)
    output = run_tap(kinesis.config(stream, collection_interval_seconds=Decimal("1.5"),
                                    max_run_seconds=Decimal("20.0")))
    assert output.rows()


def test_contact_records_stream_is_read_in_the_same_loop(kinesis):
    agents = kinesis.stream(shards=1)
    contacts = kinesis.stream(shards=2)
    _, written = kinesis.simulate(agents, hours=0.5, agents=10)
    for n in range(5):
        for version in ("2026-11-02T08:00:00Z", "2026-11-02T08:05:00Z"):  # at least once: twice
            kinesis.put_raw(contacts, json.dumps({
                "ContactId": f"c-{n}", "Channel": "VOICE", "LastUpdateTimestamp": version,
                "InstanceARN": "arn:aws:connect:us-west-2:1:instance/i-1"}).encode(), key=f"c-{n}")
    started = utc_now()
    output = run_tap(kinesis.config(agents, contact_records_stream_name=contacts))
    finished = utc_now()
    assert {r["event_id"] for r in output.rows()} == set(event_ids(written))
    records = output.rows("contact_records")
    assert sorted(r["contact_id"] for r in records) == [f"c-{n}" for n in range(5)]
    assert_collected_between(output.rows(), started, finished)
    assert_collected_between(records, started, finished)
    schemas = {m["stream"]: m["schema"]["properties"] for m in output.of_type("SCHEMA")}
    assert list(schemas["contact_records"])[-1] == list(schemas["agent_events"])[-1] == "collected_at"
    assert {r["last_update_timestamp"] for r in records} == {"2026-11-02T08:05:00Z"}
    kinds = [(m["type"], m.get("stream")) for m in output.messages]
    assert kinds.index(("SCHEMA", "contact_records")) < kinds.index(("BATCH", "contact_records"))
    assert set(shard_positions(output.final_state, "contact_records")) == {
        "shardId-000000000000", "shardId-000000000001"}
    assert shard_positions(output.final_state, "agent_events")


def test_record_mode_emits_the_same_rows_as_records_for_targets_without_batch(kinesis, tmp_path):
    stream = kinesis.stream(shards=2)
    _, written = kinesis.simulate(stream, hours=1, agents=10)
    health = tmp_path / "alive" / "collector.alive"

    started = utc_now()
    output = run_tap({**kinesis.config(stream), "message_format": "record", "health_file": str(health)})
    finished = utc_now()

    assert not output.of_type("BATCH")
    records = [m["record"] for m in output.of_type("RECORD") if m["stream"] == "agent_events"]
    assert Counter(r["event_id"] for r in records) == Counter(event_ids(written))
    assert_collected_between(records, started, finished)  # kept by the SDK's record conformance
    assert output.messages[-1]["type"] == "STATE"
    assert shard_positions(output.final_state) == shard_positions(run_tap(kinesis.config(stream)).final_state)
    assert health.exists(), "the poll loop touches the health file"
