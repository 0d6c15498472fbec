"""Decoding agent events: every field of the AWS agent event data model, and what is not one."""

from __future__ import annotations

import copy
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


SNAPSHOT_COLUMNS = ("current_snapshot", "previous_snapshot")


def _documented_minimal() -> dict:
    """No PreviousAgentSnapshot and a current one with its status only (AWS documents no
    snapshot field as required)."""
    return {"AgentARN": AGENT, "EventId": "e-min", "EventTimestamp": "2026-11-02T08:05:00.000Z",
            "EventType": "HEART_BEAT", "InstanceARN": INSTANCE,
            "CurrentAgentSnapshot": {"AgentStatus": {"ARN": f"{INSTANCE}/agent-state/offline", "Name": "Offline"}}}


def _logout_without_snapshots() -> dict:
    return {**hand_written_event(event_type="LOGOUT"), "CurrentAgentSnapshot": None, "PreviousAgentSnapshot": None}


@pytest.mark.parametrize("document", [hand_written_event(), _documented_minimal(), _logout_without_snapshots()],
                         ids=["both snapshots", "current only, minimal", "null snapshots"])
@pytest.mark.parametrize("snapshots", ["current", "none"])
def test_snapshots_left_out_change_only_the_snapshot_columns(document, snapshots):
    """agent_snapshots: a snapshot not kept is {} when the event had one, null when it had
    none; every column of its own is filled as with both kept."""
    data = json.dumps(document).encode()
    whole = _as_dict(decode_agent_event(data, "s", "1", ARRIVAL, COLLECTED))
    kept = _as_dict(decode_agent_event(data, "s", "1", ARRIVAL, COLLECTED, snapshots=snapshots))
    assert {k: v for k, v in kept.items() if k not in SNAPSHOT_COLUMNS} == {
        k: v for k, v in whole.items() if k not in SNAPSHOT_COLUMNS}
    had = {column: document.get(key) is not None for column, key in
           (("current_snapshot", "CurrentAgentSnapshot"), ("previous_snapshot", "PreviousAgentSnapshot"))}
    expected_previous = {} if had["previous_snapshot"] else None
    expected_current = whole["current_snapshot"] if snapshots == "current" else ({} if had["current_snapshot"] else None)
    assert (kept["current_snapshot"], kept["previous_snapshot"]) == (expected_current, expected_previous)
    if had["current_snapshot"]:
        assert whole["current_snapshot"] == document["CurrentAgentSnapshot"]


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


# -- what a target could not load: dead-lettered, or (an optional time) its column left null --------
def _event() -> dict:
    return copy.deepcopy(hand_written_event())  # CONTACT is shared: the tests change their copies


def _decode(document: dict | bytes, notes: list[str] | None = None) -> dict:
    data = document if isinstance(document, bytes) else json.dumps(document).encode()
    if notes is None:
        return _as_dict(decode_agent_event(data, "s", "1", None, COLLECTED))
    return _as_dict(decode_agent_event(data, "s", "1", None, COLLECTED, notes))


def _rejected(document: dict | bytes) -> str:
    data = document if isinstance(document, bytes) else json.dumps(document).encode()
    with pytest.raises(NotAnEvent) as caught:
        decode_agent_event(data, "s", "1", None, COLLECTED)
    return str(caught.value)


@pytest.mark.parametrize("value", [
    "not-a-date",
    "99999-01-01T00:00:00Z",  # Postgres takes it, SQL Server's datetime does not
    "2026-13-45T99:99:99Z",
    "2026-02-30T08:05:00.000Z",  # no such day (DatetimeFieldOverflow in Postgres)
    "1899-12-31T23:59:59.999Z",
    "2200-12-31T23:00:00-05:00",  # 2201 in UTC
    "1700000000",
    "",
    "2026-11-02T08:05:00",  # no UTC offset: which time is it?
    "2026-11-02",
    "2026-W45-1T08:05:00.000Z",  # an ISO week date that Python parses and the targets do not
])
def test_an_event_whose_time_is_not_a_time_is_dead_lettered(value):
    assert "EventTimestamp" in _rejected({**_event(), "EventTimestamp": value})


def test_the_years_1900_to_2200_load_and_no_others():
    for value, written in (("1900-01-01T00:00:00.000Z", "1900-01-01T00:00:00.000Z"),
                           ("2200-12-31T23:59:59.999Z", "2200-12-31T23:59:59.999Z"),
                           ("1900-01-01T01:00:00+01:00", "1900-01-01T00:00:00.000Z")):
        assert _decode({**_event(), "EventTimestamp": value})["event_timestamp"] == written
    for value in ("1899-12-31T23:59:59.999Z", "2201-01-01T00:00:00.000Z", "1900-01-01T00:30:00+01:00"):
        assert "EventTimestamp" in _rejected({**_event(), "EventTimestamp": value})


@pytest.mark.parametrize(("value", "written"), [
    ("2026-11-02T08:05:00Z", "2026-11-02T08:05:00.000Z"),  # contact trace records' form
    ("2026-11-02T09:35:00.049+01:30", "2026-11-02T08:05:00.049Z"),
    ("2026-11-02T03:05:00.049-05:00", "2026-11-02T08:05:00.049Z"),
    ("2026-11-02 08:05:00.123456789Z", "2026-11-02T08:05:00.123Z"),
    ("2026-11-02T08:05:00.1Z", "2026-11-02T08:05:00.100Z"),
])
def test_times_are_written_in_utc_with_milliseconds(value, written):
    """A target given 09:35+01:30 in a timestamp column (no time zone) would keep 09:35."""
    document = _event()
    document["EventTimestamp"] = value
    document["CurrentAgentSnapshot"]["AgentStatus"]["StartTimestamp"] = value
    document["CurrentAgentSnapshot"]["NextAgentStatus"]["EnqueueTimestamp"] = value
    row = _decode(document)
    assert row["event_timestamp"] == row["agent_status_start_timestamp"] == written
    assert row["next_agent_status_enqueued_timestamp"] == written


@pytest.mark.parametrize(("path", "column"), [
    (("AgentStatus", "StartTimestamp"), "agent_status_start_timestamp"),
    (("NextAgentStatus", "EnqueueTimestamp"), "next_agent_status_enqueued_timestamp"),
])
@pytest.mark.parametrize("value", ["not-a-date", "2026-13-45T99:99:99Z", "99999-01-01T00:00:00Z"])
def test_a_bad_optional_time_leaves_its_column_null_and_keeps_the_event(path, column, value):
    """Optional, with a documented fallback (a missing StartTimestamp: the period starts at
    EventTimestamp): the event is kept, the column is null, and the tap says so."""
    document = _event()
    document["CurrentAgentSnapshot"][path[0]][path[1]] = value
    notes: list[str] = []
    row = _decode(document, notes)
    assert row[column] is None
    assert row["event_id"] == "e-1" and row["event_timestamp"] == "2026-11-02T08:05:00.000Z"
    assert len(notes) == 1 and path[1] in notes[0] and "left null" in notes[0]
    assert row["current_snapshot"]["AgentStatus"]["Name"] == "Available"  # the JSON stays as written


def _with_nul(document: dict, where: str) -> dict:
    nul = "Ada\u0000"
    if where == "EventId":
        document["EventId"] = "e-\u0000"
    elif where == "AgentStatus.Name":
        document["CurrentAgentSnapshot"]["AgentStatus"]["Name"] = nul
    elif where == "FirstName":
        document["CurrentAgentSnapshot"]["Configuration"]["FirstName"] = nul
    elif where == "Contacts":
        document["CurrentAgentSnapshot"]["Contacts"][0]["Queue"]["Name"] = nul
    elif where == "PreviousAgentSnapshot":
        document["PreviousAgentSnapshot"]["Configuration"]["AgentHierarchyGroups"]["Level1"]["Name"] = nul
    elif where == "a key":
        document["CurrentAgentSnapshot"]["Configuration"][nul] = 1
    return document


@pytest.mark.parametrize("where", ["EventId", "AgentStatus.Name", "FirstName", "Contacts",
                                   "PreviousAgentSnapshot", "a key"])
def test_a_nul_character_anywhere_dead_letters_the_event(where):
    """Postgres stores NUL neither in text nor in jsonb ("unsupported Unicode escape
    sequence"): the whole batch would fail."""
    assert "NUL" in _rejected(_with_nul(_event(), where))
    # an escaped backslash followed by "u0000" is no NUL: the event loads
    document = _event()
    document["CurrentAgentSnapshot"]["Configuration"]["FirstName"] = "Ada\\u0000"
    assert _decode(document)["agent_first_name"] == "Ada\\u0000"


def test_invalid_utf8_inside_a_snapshot_is_dead_lettered():
    """msgspec copies the snapshots as raw JSON without checking their text: the target
    would fail to read the whole batch file."""
    data = json.dumps(_event()).encode().replace(b'"Leeds"', b'"Le\xffds"')
    assert "not UTF-8" in _rejected(data)


def test_json_nested_too_deeply_is_dead_lettered_not_a_crash():
    document = _event()
    data = json.dumps(document).encode().replace(b'"Proficiencies": []',
                                                 b'"Proficiencies": ' + b"[" * 100_000 + b"]" * 100_000)
    assert "nested too deeply" in _rejected(data)


@pytest.mark.parametrize(("change", "reason"), [
    ({"EventId": "e" * 256}, "EventId"),
    ({"EventId": "é" * 128}, "EventId"),  # 256 bytes of UTF-8
    ({"EventId": ""}, "EventId"),
    ({"AgentARN": f"{INSTANCE}/agent/{'a' * 1024}"}, "AgentARN"),
    ({"PreviousAgentSnapshot": "Available"}, "PreviousAgentSnapshot"),
    ({"PreviousAgentSnapshot": [1, 2]}, "PreviousAgentSnapshot"),
])
def test_keys_arns_and_snapshots_out_of_bounds_are_dead_lettered(change, reason):
    assert reason in _rejected({**_event(), **change})
    # at the bound, it loads
    assert _decode({**_event(), "EventId": "é" * 127 + "e"})["event_id"] == "é" * 127 + "e"


def test_a_record_over_one_mib_is_dead_lettered():
    document = _event()
    document["CurrentAgentSnapshot"]["Configuration"]["LastName"] = "x" * (2**20)
    assert "more than the 1,048,576" in _rejected(document)


@pytest.mark.parametrize(("field", "value"), [
    ("StateStartTimestamp", "not-a-date"),
    ("ConnectedToAgentTimestamp", "2026-02-30T08:04:10.000Z"),
    ("QueueTimestamp", "99999-01-01T00:00:00Z"),
    ("StateStartTimestamp", "2026-11-02T08:04:10.1234567Z"),  # kept as written: more than microseconds
    ("StateStartTimestamp", 1762070650),
])
def test_a_contact_whose_time_is_not_a_time_dead_letters_the_event(field, value):
    """The contacts column keeps Connect's JSON and the transform casts these times: one that
    is not a time would stop every dbt run."""
    document = _event()
    document["CurrentAgentSnapshot"]["Contacts"][0][field] = value
    assert "Contacts" in _rejected(document)


@pytest.mark.parametrize("contacts", [{"ContactId": "c-1"}, "c-1", [1], [[CONTACT]]])
def test_contacts_that_are_not_a_list_of_objects_dead_letter_the_event(contacts):
    document = _event()
    document["CurrentAgentSnapshot"]["Contacts"] = contacts
    assert "Contacts" in _rejected(document)


def test_a_contact_record_follows_the_same_rules():
    record = {"ContactId": "c-1", "InstanceARN": INSTANCE, "InitiationTimestamp": "2026-11-02T09:10:00+01:00",
              "LastUpdateTimestamp": "2026-13-45T99:99:99Z", "DisconnectTimestamp": "not-a-date",
              "Queue": {"Name": "Sales"}}
    notes: list[str] = []
    row = _as_dict(decode_contact_record(json.dumps(record).encode(), "s", "1", None, COLLECTED, notes))
    assert row["initiation_timestamp"] == "2026-11-02T08:10:00.000Z"
    assert row["last_update_timestamp"] is None and row["disconnect_timestamp"] is None
    assert len(notes) == 2
    for bad in ({**record, "ContactId": "c" * 256}, {**record, "Queue": "Sales"},
                {**record, "Channel": "VOICE\u0000"}, {**record, "ContactId": ""}):
        with pytest.raises(NotAnEvent):
            decode_contact_record(json.dumps(bad).encode(), "s", "1", None, COLLECTED)
