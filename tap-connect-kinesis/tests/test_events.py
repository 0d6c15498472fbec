"""Decoding agent events: every field of the AWS agent event data model, and what is not one."""

from __future__ import annotations

import json

import msgspec
import pytest

from connect_sim.config import WorldConfig
from connect_sim.kinesis.event_json import AgentEventEncoder
from connect_sim.world import World
from tap_connect_kinesis.events import (
    AGENT_EVENT_SCHEMA,
    CONTACT_RECORD_SCHEMA,
    NotAnEvent,
    decode_agent_event,
    decode_contact_record,
    iso_utc,
)

INSTANCE = "arn:aws:connect:us-west-2:111122223333:instance/11111111-1111-4111-8111-111111111111"
AGENT = f"{INSTANCE}/agent/22222222-2222-4222-8222-222222222222"
ARRIVAL = "2026-11-02T08:05:00.412Z"
COLLECTED = "2026-11-02T09:40:56.123Z"  # read from Kinesis well after it arrived (a backlog)


def _snapshot(status: str, contacts: list[dict], next_status: str | None = None,
              enqueue_key: str = "EnqueueTimestamp") -> dict:
    """A snapshot as AWS's data model documents it: AgentStatus without a Type."""
    snapshot = {
        "AgentStatus": {"ARN": f"{INSTANCE}/agent-state/{status.lower()}", "Name": status,
                        "StartTimestamp": "2026-11-02T08:00:00.000Z"},
        "Configuration": {
            "AgentHierarchyGroups": {"Level1": {"ARN": f"{INSTANCE}/agent-group/g1", "Name": "Leeds"},
                                     "Level2": None, "Level3": None, "Level4": None, "Level5": None},
            "FirstName": "Ada", "LastName": "O'Brien", "Proficiencies": [],
            "RoutingProfile": {
                "ARN": f"{INSTANCE}/routing-profile/rp-general",
                "Concurrency": [{"AvailableSlots": 0, "Channel": "VOICE", "MaximumSlots": 1}],
                "DefaultOutboundQueue": {"ARN": f"{INSTANCE}/queue/q-support", "Channels": ["VOICE"],
                                         "Name": "Support"},
                "InboundQueues": [{"ARN": f"{INSTANCE}/queue/q-sales", "Channels": ["VOICE"], "Name": "Sales"}],
                "Name": "Generalist"},
            "Username": "ada.obrien"},
        "Contacts": contacts,
    }
    if next_status:
        snapshot["NextAgentStatus"] = {"ARN": f"{INSTANCE}/agent-state/{next_status.lower()}",
                                       enqueue_key: "2026-11-02T08:05:00.000Z", "Name": next_status}
    return snapshot


CONTACT = {"Channel": "VOICE", "ConnectedToAgentTimestamp": "2026-11-02T08:04:10.000Z",
           "ContactId": "c-1", "InitialContactId": None, "InitiationMethod": "INBOUND",
           "Queue": {"ARN": f"{INSTANCE}/queue/q-sales", "Name": "Sales"},
           "QueueTimestamp": "2026-11-02T08:03:00.000Z", "State": "CONNECTED",
           "StateStartTimestamp": "2026-11-02T08:04:10.000Z"}


def hand_written_event(event_id: str = "e-1", event_type: str = "STATE_CHANGE",
                       enqueue_key: str = "EnqueueTimestamp") -> dict:
    return {
        "AWSAccountId": "111122223333",
        "AgentARN": AGENT,
        "CurrentAgentSnapshot": _snapshot("Available", [CONTACT], next_status="Break", enqueue_key=enqueue_key),
        "EventId": event_id,
        "EventTimestamp": "2026-11-02T08:05:00.000Z",
        "EventType": event_type,
        "InstanceARN": INSTANCE,
        "PreviousAgentSnapshot": _snapshot("Available", []),
        "Version": "2019-05-25",
    }


def _as_dict(row) -> dict:
    return json.loads(msgspec.json.encode(row))


@pytest.mark.parametrize("enqueue_key", ["EnqueueTimestamp", "EnqueuedTimestamp"])
def test_hand_written_event_flattens_every_field(enqueue_key):
    """The data model spells NextAgentStatus's time EnqueueTimestamp, a sample event
    EnqueuedTimestamp: either fills the column."""
    document = hand_written_event(enqueue_key=enqueue_key)
    row = _as_dict(decode_agent_event(json.dumps(document).encode(), "shardId-000000000000", "4960",
                                      ARRIVAL, COLLECTED))
    assert list(row) == list(AGENT_EVENT_SCHEMA["properties"])
    assert row["event_id"] == "e-1" and row["event_type"] == "STATE_CHANGE"
    assert row["event_timestamp"] == "2026-11-02T08:05:00.000Z"
    assert row["instance_id"] == "11111111-1111-4111-8111-111111111111"
    assert row["agent_id"] == "22222222-2222-4222-8222-222222222222"
    assert row["aws_account_id"] == "111122223333"
    assert row["agent_status_arn"] == f"{INSTANCE}/agent-state/available"
    assert (row["agent_status_name"], row["agent_status_type"]) == ("Available", None)
    assert row["agent_status_start_timestamp"] == "2026-11-02T08:00:00.000Z"
    assert row["next_agent_status_arn"] == f"{INSTANCE}/agent-state/break"
    assert row["next_agent_status_name"] == "Break"
    assert row["next_agent_status_enqueued_timestamp"] == "2026-11-02T08:05:00.000Z"
    assert row["username"] == "ada.obrien"
    assert (row["agent_first_name"], row["agent_last_name"]) == ("Ada", "O'Brien")
    assert row["routing_profile_id"] == "rp-general" and row["routing_profile_name"] == "Generalist"
    assert row["contacts"] == [CONTACT]
    assert row["current_snapshot"] == document["CurrentAgentSnapshot"]
    assert row["previous_snapshot"] == document["PreviousAgentSnapshot"]
    assert (row["shard_id"], row["sequence_number"]) == ("shardId-000000000000", "4960")
    assert row["version"] == "2019-05-25"
    assert row["approximate_arrival_timestamp"] == ARRIVAL
    assert row["collected_at"] == COLLECTED


def test_simulated_events_decode_like_connect_writes_them():
    world = World(WorldConfig(agents_per_instance=8, seed=11))
    events = []
    world.add_event_sink(events.append)
    world.clock.advance(2 * 3600)
    world.sync()
    encoder = AgentEventEncoder(world.directory)
    assert {e.event_type for e in events} >= {"LOGIN", "STATE_CHANGE", "HEART_BEAT"}
    for number, event in enumerate(events):
        document = json.loads(encoder.encode(event))
        row = _as_dict(decode_agent_event(encoder.encode(event), "shardId-000000000001", str(number), None,
                                          COLLECTED))
        assert row["event_id"] == document["EventId"]
        assert row["agent_arn"] == document["AgentARN"]
        current = document["CurrentAgentSnapshot"]
        if current:
            assert row["agent_status_name"] == current["AgentStatus"]["Name"]
            assert row["username"] == current["Configuration"]["Username"]
            assert row["contacts"] == current["Contacts"]
        assert row["previous_snapshot"] == document["PreviousAgentSnapshot"]
        assert row["collected_at"] == COLLECTED


def test_a_type_on_agent_status_is_kept_when_an_event_carries_one():
    document = hand_written_event()
    document["CurrentAgentSnapshot"]["AgentStatus"]["Type"] = "ROUTABLE"
    row = _as_dict(decode_agent_event(json.dumps(document).encode(), "s", "1", None, None))
    assert row["agent_status_type"] == "ROUTABLE"


def test_minimal_documented_event_decodes_with_optional_fields_absent():
    """Only what every event has: a heartbeat after logout may carry no snapshot details."""
    document = {"AgentARN": AGENT, "EventId": "e-min", "EventTimestamp": "2026-11-02T08:05:00.000Z",
                "EventType": "HEART_BEAT", "InstanceARN": INSTANCE,
                "CurrentAgentSnapshot": {"AgentStatus": {"ARN": f"{INSTANCE}/agent-state/offline",
                                                         "Name": "Offline"}}}
    row = _as_dict(decode_agent_event(json.dumps(document).encode(), "s", "1", None, None))
    assert row["agent_status_name"] == "Offline" and row["agent_status_start_timestamp"] is None
    assert row["contacts"] == [] and row["username"] is None and row["next_agent_status_name"] is None
    assert row["aws_account_id"] is None and row["previous_snapshot"] is None


def test_event_without_snapshots_is_still_an_event():
    document = hand_written_event(event_type="LOGOUT")
    document["CurrentAgentSnapshot"] = None
    row = _as_dict(decode_agent_event(json.dumps(document).encode(), "s", "1", None, None))
    assert row["agent_status_name"] is None and row["contacts"] == []


def test_pretty_printed_json_is_compacted_for_json_lines():
    data = json.dumps(hand_written_event(), indent=2).encode()
    encoded = msgspec.json.encode(decode_agent_event(data, "s", "1", None, COLLECTED))
    assert b"\n" not in encoded
    assert json.loads(encoded)["contacts"] == [CONTACT]


@pytest.mark.parametrize("data", [
    b"not json",
    b"",
    b"\xff\xfe",
    b"[1, 2]",
    json.dumps({"hello": "world"}).encode(),
    json.dumps({**hand_written_event(), "EventType": "CONTACT_EVENT"}).encode(),
    json.dumps({**hand_written_event(), "AgentARN": "someone"}).encode(),
    json.dumps({k: v for k, v in hand_written_event().items() if k != "EventId"}).encode(),
])
def test_what_is_not_an_agent_event(data):
    with pytest.raises(NotAnEvent):
        decode_agent_event(data, "s", "1", None, COLLECTED)


def test_contact_record_decodes():
    record = {"ContactId": "c-1", "InstanceARN": INSTANCE, "Channel": "VOICE",
              "InitiationMethod": "INBOUND", "LastUpdateTimestamp": "2026-11-02T08:10:00Z",
              "Queue": {"Name": "Sales"}, "Agent": {"Username": "ada"}}
    row = _as_dict(decode_contact_record(json.dumps(record).encode(), "s", "1", ARRIVAL, COLLECTED))
    assert list(row) == list(CONTACT_RECORD_SCHEMA["properties"])
    assert row["contact_id"] == "c-1" and row["instance_id"] == "11111111-1111-4111-8111-111111111111"
    assert row["queue"] == {"Name": "Sales"} and row["record"] == record
    assert (row["approximate_arrival_timestamp"], row["collected_at"]) == (ARRIVAL, COLLECTED)


@pytest.mark.parametrize("schema", [AGENT_EVENT_SCHEMA, CONTACT_RECORD_SCHEMA])
def test_collected_at_is_the_last_column_a_nullable_timestamp(schema):
    assert list(schema["properties"])[-1] == "collected_at"
    assert schema["properties"]["collected_at"] == {"type": ["string", "null"], "format": "date-time"}
    assert "collected_at" not in schema["required"]


def test_collected_at_has_the_format_of_the_arrival_timestamp():
    from datetime import UTC, datetime

    collected = iso_utc(datetime(2026, 11, 25, 21, 40, 56, 123456, tzinfo=UTC))
    assert collected == "2026-11-25T21:40:56.123Z"
    row = _as_dict(decode_agent_event(json.dumps(hand_written_event()).encode(), "s", "1", None, collected))
    assert row["collected_at"] == collected
