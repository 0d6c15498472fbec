"""Bounded runs in process: final state, resume, poison records, workers, heartbeats."""

from __future__ import annotations

import json
import logging
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


def test_snapshots_can_be_left_out_of_the_rows(kinesis):
    stream = kinesis.stream(shards=1)
    _, written = kinesis.simulate(stream, hours=1, agents=10)
    whole = {r["event_id"]: r for r in run_tap(kinesis.config(stream)).rows()}
    lean = {r["event_id"]: r for r in run_tap(kinesis.config(stream, agent_snapshots="none")).rows()}
    assert lean.keys() == whole.keys() == {d["EventId"] for d in written}
    for event_id, row in lean.items():
        assert row["current_snapshot"] == ({} if whole[event_id]["current_snapshot"] is not None else None)
        assert row["previous_snapshot"] == ({} if whole[event_id]["previous_snapshot"] is not None else None)
        assert row["contacts"] == whole[event_id]["contacts"]
        assert row["agent_status_arn"] == whole[event_id]["agent_status_arn"]
    assert any(r["previous_snapshot"] == {} for r in lean.values())


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
    # the newest version wins; its time in the tap's form (UTC, milliseconds)
    assert {r["last_update_timestamp"] for r in records} == {"2026-11-02T08:05:00.000Z"}
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


# -- records no target could load: dead-lettered with their position, everything after them loads --
def _agent_event(event_id: str, **changes) -> bytes:
    instance = "arn:aws:connect:us-west-2:111122223333:instance/11111111-1111-4111-8111-111111111111"
    document = {"EventId": event_id, "EventType": "STATE_CHANGE", "EventTimestamp": "2026-11-02T08:05:00.049Z",
                "InstanceARN": instance, "AgentARN": f"{instance}/agent/a-1",
                "CurrentAgentSnapshot": {"AgentStatus": {"ARN": f"{instance}/agent-state/s-1", "Name": "Available",
                                                         "StartTimestamp": "2026-11-02T08:00:00.000Z"},
                                         "Contacts": []}}
    for key, value in changes.items():
        if key == "StartTimestamp":
            document["CurrentAgentSnapshot"]["AgentStatus"]["StartTimestamp"] = value
        elif key == "Name":
            document["CurrentAgentSnapshot"]["AgentStatus"]["Name"] = value
        elif key == "Contacts":
            document["CurrentAgentSnapshot"]["Contacts"] = value
        else:
            document[key] = value
    return json.dumps(document).encode()


def test_records_a_target_could_not_load_are_dead_lettered_and_the_rest_loads(kinesis, caplog):
    stream = kinesis.stream(shards=1)
    put = {}
    put["good-1"] = kinesis.put_raw(stream, _agent_event("good-1"))
    poisoned = {
        "not-a-date": _agent_event("p-1", EventTimestamp="not-a-date"),
        "year 99999": _agent_event("p-2", EventTimestamp="99999-01-01T00:00:00Z"),
        "month 13": _agent_event("p-3", EventTimestamp="2026-13-45T99:99:99Z"),
        "NUL in a name": _agent_event("p-4", Name="Avail\u0000able"),
        "NUL in contacts": _agent_event("p-5", Contacts=[{"ContactId": "c\u0000", "State": "CONNECTED"}]),
        "contact time": _agent_event("p-6", Contacts=[{"ContactId": "c-1", "StateStartTimestamp": "soon"}]),
        "long EventId": _agent_event("p" * 300),
        "not UTF-8": _agent_event("p-8").replace(b'"Available"', b'"Avail\xffable"'),
        "nested too deeply": _agent_event("p-9").replace(b'"Contacts": []',
                                                        b'"Contacts": ' + b"[" * 50_000 + b"]" * 50_000),
    }
    letters_expected = {}
    for reason, data in poisoned.items():
        letters_expected[kinesis.put_raw(stream, data)] = reason
    put["repaired"] = kinesis.put_raw(stream, _agent_event("repaired", StartTimestamp="2026-02-30T08:00:00Z"))
    put["offset"] = kinesis.put_raw(stream, _agent_event("offset", EventTimestamp="2026-11-02T09:05:00.049+01:00"))
    put["good-2"] = kinesis.put_raw(stream, _agent_event("good-2"))

    config = kinesis.config(stream)
    with caplog.at_level(logging.WARNING, logger="tap_connect_kinesis.reader"):
        output = run_tap(config)

    rows = {r["event_id"]: r for r in output.rows()}
    assert set(rows) == {"good-1", "repaired", "offset", "good-2"}, "every event after a poisoned one loads"
    assert rows["repaired"]["agent_status_start_timestamp"] is None  # an optional time that is not one
    assert rows["offset"]["event_timestamp"] == rows["good-1"]["event_timestamp"] == "2026-11-02T08:05:00.049Z"
    with open(config["dead_letter_path"]) as file:
        letters = [json.loads(line) for line in file]
    assert {letter["sequence_number"]: letter["shard_id"] for letter in letters} == {
        sequence: "shardId-000000000000" for sequence in letters_expected}
    assert all(letter["reason"] for letter in letters)
    position = shard_positions(output.final_state)["shardId-000000000000"]["sequence_number"]
    assert position == put["good-2"], "the position moved past every dead letter"
    assert f"sequence {put['repaired']}: CurrentAgentSnapshot.AgentStatus.StartTimestamp" in caplog.text


def test_a_record_the_decoder_chokes_on_is_dead_lettered_and_the_loop_goes_on(kinesis, monkeypatch):
    """Whatever a decoder raises (a bug included), one record never stops the collector."""
    from tap_connect_kinesis import tap as tap_module

    stream = kinesis.stream(shards=1)
    first = kinesis.put_raw(stream, _agent_event("e-1"))
    bad = kinesis.put_raw(stream, _agent_event("boom"))
    last = kinesis.put_raw(stream, _agent_event("e-3"))

    original = tap_module.decode_agent_event

    def decode(data, *args, **kwargs):
        if b'"boom"' in data:
            raise KeyError("a bug")
        return original(data, *args, **kwargs)

    monkeypatch.setattr(tap_module, "decode_agent_event", decode)
    config = kinesis.config(stream)
    output = run_tap(config)
    assert [r["event_id"] for r in output.rows()] == ["e-1", "e-3"]
    with open(config["dead_letter_path"]) as file:
        letters = [json.loads(line) for line in file]
    assert [letter["sequence_number"] for letter in letters] == [bad]
    assert "KeyError" in letters[0]["reason"]
    assert shard_positions(output.final_state)["shardId-000000000000"]["sequence_number"] == last
    assert int(first) < int(bad)


# -- state: the stream's identity, and `finished` only for closed shards ----------------------------
def test_a_stream_deleted_and_created_again_is_read_from_its_start_with_a_warning(kinesis, caplog):
    from connect_sim.kinesis.moto_server import create_stream

    stream = kinesis.stream(shards=1)
    for n in range(8):
        kinesis.put_raw(stream, _agent_event(f"old-{n}"))
    first = run_tap(kinesis.config(stream))
    assert len(first.rows()) == 8
    old_created = first.final_state["bookmarks"]["agent_events"].get("stream_created_at")

    kinesis.client.delete_stream(StreamName=stream)
    create_stream(kinesis.endpoint_url, stream, shards=1)
    new = [f"new-{n}" for n in range(5)]
    for event_id in new:
        kinesis.put_raw(stream, _agent_event(event_id))
    with caplog.at_level(logging.WARNING, logger="tap_connect_kinesis.reader"):
        second = run_tap(kinesis.config(stream), state=first.final_state)

    assert [r["event_id"] for r in second.rows()] == new, "all 5 events of the new stream"
    new_created = second.final_state["bookmarks"]["agent_events"]["stream_created_at"]
    assert old_created and new_created != old_created
    warning = [r.getMessage() for r in caplog.records if "created again" in r.getMessage()]
    assert len(warning) == 1 and stream in warning[0] and old_created in warning[0] and new_created in warning[0]


def test_finished_is_trusted_only_for_a_shard_the_stream_lists_as_closed(kinesis, caplog):
    stream = kinesis.stream(shards=1)
    ids = [f"e-{n}" for n in range(6)]
    sequences = [kinesis.put_raw(stream, _agent_event(event_id)) for event_id in ids]
    # a state that says the (open) shard was read to its end after its second record
    state = {"bookmarks": {"agent_events": {"kinesis_stream": stream, "shards": {
        "shardId-000000000000": {"sequence_number": sequences[1], "finished": True}}}}}
    with caplog.at_level(logging.WARNING, logger="tap_connect_kinesis.reader"):
        output = run_tap(kinesis.config(stream), state=state)
    assert [r["event_id"] for r in output.rows()] == ids[2:]
    assert shard_positions(output.final_state)["shardId-000000000000"] == {
        "sequence_number": sequences[-1], "finished": False}
    assert "lists it as open" in caplog.text


def test_a_state_written_before_the_stream_identity_was_kept_resumes_and_adopts_it(kinesis):
    stream = kinesis.stream(shards=2)
    world, _ = kinesis.simulate(stream, hours=0.5, agents=10)
    old = run_tap(kinesis.config(stream)).final_state
    for key in ("stream_arn", "stream_created_at"):  # what the tap wrote before this change
        old["bookmarks"]["agent_events"].pop(key, None)
    _, second = kinesis.simulate(stream, hours=0.5, world=world)

    output = run_tap(kinesis.config(stream), state=old)
    assert Counter(r["event_id"] for r in output.rows()) == Counter(event_ids(second)), "positions kept"
    bookmark = output.final_state["bookmarks"]["agent_events"]
    summary = kinesis.client.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
    assert bookmark["stream_arn"] == summary["StreamARN"]
    assert bookmark["stream_created_at"].endswith("Z")


def test_record_mode_fast_encoding_writes_what_the_sdk_path_writes(kinesis, monkeypatch):
    """RECORD messages encoded by msgspec in blocks (streams.py) are, message by message, what
    the SDK's own path (conformance, simplejson) writes for the same rows; time_extracted aside."""
    from tap_connect_kinesis import streams

    stream = kinesis.stream(shards=2)
    kinesis.simulate(stream, hours=1, agents=20)
    kinesis.put_raw(stream, b"not an event")  # a dead letter among them
    config = {**kinesis.config(stream), "message_format": "record"}
    fast = run_tap(config)
    monkeypatch.setattr(streams.KinesisStream, "_rows_pass_unchanged", False)
    slow = run_tap(config)

    def comparable(output):
        messages = []
        for message in output.messages:
            if message["type"] == "RECORD":
                assert message.pop("time_extracted")
                message["record"].pop("collected_at")  # the time of the read
            messages.append(message)
        return messages

    assert len(fast.of_type("RECORD")) > 50
    assert comparable(fast) == comparable(slow)


def test_stream_maps_send_record_mode_the_sdk_way(kinesis):
    """An alias or a transform in stream_maps: the rows go through the SDK, which applies it."""
    stream = kinesis.stream(shards=1)
    _, written = kinesis.simulate(stream, hours=0.5, agents=5)
    output = run_tap({**kinesis.config(stream), "message_format": "record",
                      "stream_maps": {"agent_events": {"event_type": "event_type.lower()"}}})
    records = [m["record"] for m in output.of_type("RECORD")]
    assert Counter(r["event_id"] for r in records) == Counter(event_ids(written))
    assert {r["event_type"] for r in records} <= {"login", "logout", "state_change", "heart_beat"}
