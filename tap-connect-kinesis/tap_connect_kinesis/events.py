"""Decode Amazon Connect agent events (and contact trace records) and flatten them to rows.

One Kinesis record holds one JSON document of the agent event data model (Version
2019-05-25; https://docs.aws.amazon.com/connect/latest/adminguide/agent-event-stream-model.html).
Only the fields every event carries are required; every other field may be absent or null.
Decoding is typed (msgspec): the fields the row needs are read into structs, the nested
parts kept as JSON (contacts, snapshots) pass through as raw JSON text, never re-parsed
into Python objects. A record that is not JSON, or lacks the fields every agent
event carries, raises `NotAnEvent`: the reader sends it to the dead letters.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

AGENT_EVENT_TYPES = frozenset({"LOGIN", "LOGOUT", "STATE_CHANGE", "HEART_BEAT"})


class NotAnEvent(ValueError):
    """The record is not JSON, or not a document of the expected data model."""


class _Status(msgspec.Struct, frozen=True):
    """AgentStatus: AWS's data model and sample events document ARN, Name and StartTimestamp
    only; `Type` is read when an event happens to carry it (the transform takes a status's
    type from ListAgentStatuses by ARN)."""

    ARN: str | None = None
    Name: str | None = None
    StartTimestamp: str | None = None
    Type: str | None = None


class _NextStatus(msgspec.Struct, frozen=True):
    """NextAgentStatus: the data model spells its time `EnqueueTimestamp`, one AWS sample
    event `EnqueuedTimestamp`; either is accepted."""

    ARN: str | None = None
    Name: str | None = None
    EnqueueTimestamp: str | None = None
    EnqueuedTimestamp: str | None = None

    @property
    def enqueued_at(self) -> str | None:
        return self.EnqueueTimestamp or self.EnqueuedTimestamp


class _RoutingProfile(msgspec.Struct, frozen=True):
    ARN: str | None = None
    Name: str | None = None


class _Configuration(msgspec.Struct, frozen=True):
    Username: str | None = None
    FirstName: str | None = None
    LastName: str | None = None
    RoutingProfile: _RoutingProfile | None = None


class _Snapshot(msgspec.Struct, frozen=True):
    AgentStatus: _Status | None = None
    NextAgentStatus: _NextStatus | None = None
    Configuration: _Configuration | None = None
    Contacts: msgspec.Raw = msgspec.Raw(b"[]")


class _AgentEvent(msgspec.Struct, frozen=True):
    EventId: str
    EventType: str
    EventTimestamp: str
    InstanceARN: str
    AgentARN: str
    AWSAccountId: str | None = None
    Version: str | None = None
    CurrentAgentSnapshot: msgspec.Raw = msgspec.Raw(b"null")
    PreviousAgentSnapshot: msgspec.Raw = msgspec.Raw(b"null")


class AgentEventRow(msgspec.Struct, omit_defaults=False):
    """One `agent_events` row; field order is the column order of the SCHEMA message."""

    event_id: str
    event_type: str
    event_timestamp: str
    aws_account_id: str | None
    instance_arn: str
    instance_id: str
    agent_arn: str
    agent_id: str
    agent_status_arn: str | None
    agent_status_name: str | None
    agent_status_type: str | None
    agent_status_start_timestamp: str | None
    next_agent_status_arn: str | None
    next_agent_status_name: str | None
    next_agent_status_enqueued_timestamp: str | None
    username: str | None
    agent_first_name: str | None
    agent_last_name: str | None
    routing_profile_arn: str | None
    routing_profile_id: str | None
    routing_profile_name: str | None
    contacts: msgspec.Raw
    current_snapshot: msgspec.Raw
    previous_snapshot: msgspec.Raw
    version: str | None
    shard_id: str
    sequence_number: str
    approximate_arrival_timestamp: str | None
    collected_at: str | None  # when the tap read the record (UTC): grows with loading


_STRING = {"type": ["string", "null"]}
_TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}
# "properties": {} lets the SDK's record conformance pass the JSON through unchanged.
_JSON_OBJECT = {"type": ["object", "null"], "properties": {}, "additionalProperties": True}
_JSON_ARRAY = {"type": ["array", "null"],
               "items": {"type": "object", "properties": {}, "additionalProperties": True}}

AGENT_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "event_id": {"type": "string"},
        "event_type": {"type": "string"},
        "event_timestamp": {"type": "string", "format": "date-time"},
        "aws_account_id": _STRING,
        "instance_arn": {"type": "string"},
        "instance_id": {"type": "string"},
        "agent_arn": {"type": "string"},
        "agent_id": {"type": "string"},
        "agent_status_arn": _STRING,
        "agent_status_name": _STRING,
        "agent_status_type": _STRING,
        "agent_status_start_timestamp": _TIMESTAMP,
        "next_agent_status_arn": _STRING,
        "next_agent_status_name": _STRING,
        "next_agent_status_enqueued_timestamp": _TIMESTAMP,
        "username": _STRING,
        "agent_first_name": _STRING,
        "agent_last_name": _STRING,
        "routing_profile_arn": _STRING,
        "routing_profile_id": _STRING,
        "routing_profile_name": _STRING,
        "contacts": _JSON_ARRAY,
        "current_snapshot": _JSON_OBJECT,
        "previous_snapshot": _JSON_OBJECT,
        "version": _STRING,
        "shard_id": {"type": "string"},
        "sequence_number": {"type": "string"},
        "approximate_arrival_timestamp": _TIMESTAMP,
        "collected_at": _TIMESTAMP,
    },
    "required": ["event_id", "event_type", "event_timestamp", "instance_arn", "agent_arn"],
}
assert list(AGENT_EVENT_SCHEMA["properties"]) == list(AgentEventRow.__struct_fields__)

_EMPTY_LIST = msgspec.Raw(b"[]")
_event_decoder = msgspec.json.Decoder(_AgentEvent)
_snapshot_decoder = msgspec.json.Decoder(_Snapshot | None)


def _last_part(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _instance_id(instance_arn: str) -> str:
    # arn:aws:connect:region:account:instance/<id>
    return instance_arn.split("instance/", 1)[-1].split("/", 1)[0]


def iso_utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _compact(data: bytes) -> bytes:
    """Raw JSON parts are copied verbatim into JSON-lines files: no line breaks allowed."""
    if b"\n" in data or b"\r" in data:
        try:
            return msgspec.json.encode(msgspec.json.decode(data))
        except (msgspec.DecodeError, UnicodeDecodeError) as error:
            raise NotAnEvent(str(error)) from None
    return data


def decode_agent_event(data: bytes, shard_id: str, sequence_number: str,
                       arrival: str | None, collected_at: str | None) -> AgentEventRow:
    """One Kinesis record's data → an `agent_events` row, or NotAnEvent.

    `arrival` is the record's ApproximateArrivalTimestamp (when Kinesis got it);
    `collected_at` is when the tap read it (both ISO 8601 UTC, as `iso_utc` writes them).
    """
    data = _compact(data)
    try:
        event = _event_decoder.decode(data)
        current = _snapshot_decoder.decode(event.CurrentAgentSnapshot)
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError) as error:
        raise NotAnEvent(str(error)) from None
    if event.EventType not in AGENT_EVENT_TYPES:
        raise NotAnEvent(f"EventType {event.EventType!r} is not an agent event type")
    if ":instance/" not in event.InstanceARN or "/agent/" not in event.AgentARN:
        raise NotAnEvent("InstanceARN or AgentARN is not an Amazon Connect ARN")
    status = current.AgentStatus if current is not None else None
    next_status = current.NextAgentStatus if current is not None else None
    configuration = current.Configuration if current is not None else None
    profile = configuration.RoutingProfile if configuration is not None else None
    return AgentEventRow(
        event_id=event.EventId,
        event_type=event.EventType,
        event_timestamp=event.EventTimestamp,
        aws_account_id=event.AWSAccountId,
        instance_arn=event.InstanceARN,
        instance_id=_instance_id(event.InstanceARN),
        agent_arn=event.AgentARN,
        agent_id=_last_part(event.AgentARN),
        agent_status_arn=status.ARN if status else None,
        agent_status_name=status.Name if status else None,
        agent_status_type=status.Type if status else None,
        agent_status_start_timestamp=status.StartTimestamp if status else None,
        next_agent_status_arn=next_status.ARN if next_status else None,
        next_agent_status_name=next_status.Name if next_status else None,
        next_agent_status_enqueued_timestamp=next_status.enqueued_at if next_status else None,
        username=configuration.Username if configuration else None,
        agent_first_name=configuration.FirstName if configuration else None,
        agent_last_name=configuration.LastName if configuration else None,
        routing_profile_arn=profile.ARN if profile else None,
        routing_profile_id=_last_part(profile.ARN) if profile and profile.ARN else None,
        routing_profile_name=profile.Name if profile else None,
        contacts=current.Contacts if current is not None else _EMPTY_LIST,
        current_snapshot=event.CurrentAgentSnapshot,
        previous_snapshot=event.PreviousAgentSnapshot,
        version=event.Version,
        shard_id=shard_id,
        sequence_number=sequence_number,
        approximate_arrival_timestamp=arrival,
        collected_at=collected_at,
    )


# -- contact trace records (optional second stream) -------------------------------------------
class _ContactRecord(msgspec.Struct, frozen=True):
    ContactId: str
    InstanceARN: str | None = None
    Channel: str | None = None
    InitiationMethod: str | None = None
    InitiationTimestamp: str | None = None
    ConnectedToSystemTimestamp: str | None = None
    DisconnectTimestamp: str | None = None
    LastUpdateTimestamp: str | None = None
    InitialContactId: str | None = None
    PreviousContactId: str | None = None
    Queue: msgspec.Raw = msgspec.Raw(b"null")
    Agent: msgspec.Raw = msgspec.Raw(b"null")


class ContactRecordRow(msgspec.Struct):
    contact_id: str
    instance_arn: str | None
    instance_id: str | None
    channel: str | None
    initiation_method: str | None
    initiation_timestamp: str | None
    connected_to_system_timestamp: str | None
    disconnect_timestamp: str | None
    last_update_timestamp: str | None
    initial_contact_id: str | None
    previous_contact_id: str | None
    queue: msgspec.Raw
    agent: msgspec.Raw
    record: msgspec.Raw
    shard_id: str
    sequence_number: str
    approximate_arrival_timestamp: str | None
    collected_at: str | None  # when the tap read the record (UTC): grows with loading


CONTACT_RECORD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "contact_id": {"type": "string"},
        "instance_arn": _STRING,
        "instance_id": _STRING,
        "channel": _STRING,
        "initiation_method": _STRING,
        "initiation_timestamp": _TIMESTAMP,
        "connected_to_system_timestamp": _TIMESTAMP,
        "disconnect_timestamp": _TIMESTAMP,
        "last_update_timestamp": _TIMESTAMP,
        "initial_contact_id": _STRING,
        "previous_contact_id": _STRING,
        "queue": _JSON_OBJECT,
        "agent": _JSON_OBJECT,
        "record": _JSON_OBJECT,
        "shard_id": {"type": "string"},
        "sequence_number": {"type": "string"},
        "approximate_arrival_timestamp": _TIMESTAMP,
        "collected_at": _TIMESTAMP,
    },
    "required": ["contact_id"],
}
assert list(CONTACT_RECORD_SCHEMA["properties"]) == list(ContactRecordRow.__struct_fields__)
_contact_decoder = msgspec.json.Decoder(_ContactRecord)


def decode_contact_record(data: bytes, shard_id: str, sequence_number: str,
                          arrival: str | None, collected_at: str | None) -> ContactRecordRow:
    """One Kinesis record's data → a `contact_records` row, or NotAnEvent (arguments as
    for `decode_agent_event`)."""
    data = _compact(data)
    try:
        ctr = _contact_decoder.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError) as error:
        raise NotAnEvent(str(error)) from None
    return ContactRecordRow(
        contact_id=ctr.ContactId,
        instance_arn=ctr.InstanceARN,
        instance_id=_instance_id(ctr.InstanceARN) if ctr.InstanceARN else None,
        channel=ctr.Channel,
        initiation_method=ctr.InitiationMethod,
        initiation_timestamp=ctr.InitiationTimestamp,
        connected_to_system_timestamp=ctr.ConnectedToSystemTimestamp,
        disconnect_timestamp=ctr.DisconnectTimestamp,
        last_update_timestamp=ctr.LastUpdateTimestamp,
        initial_contact_id=ctr.InitialContactId,
        previous_contact_id=ctr.PreviousContactId,
        queue=ctr.Queue,
        agent=ctr.Agent,
        record=msgspec.Raw(data),
        shard_id=shard_id,
        sequence_number=sequence_number,
        approximate_arrival_timestamp=arrival,
        collected_at=collected_at,
    )
