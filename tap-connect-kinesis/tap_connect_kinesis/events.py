"""Decode Amazon Connect agent events (and contact trace records) and flatten them to rows.

One Kinesis record holds one JSON document of the agent event data model (Version
2019-05-25; https://docs.aws.amazon.com/connect/latest/adminguide/agent-event-stream-model.html).
Only the fields every event carries are required; every other field may be absent or null.
Decoding is typed (msgspec): the fields the row needs are read into structs, the nested
parts kept as JSON (contacts, snapshots) pass through as raw JSON text, never re-parsed
into Python objects.

Every row the tap emits loads into the targets (target-postgres, target-duckdb,
target-mssql): a record that would make a target fail the whole batch (and so block every
record after it, run after run) raises `NotAnEvent` with the reason, and the reader sends it
to the dead letters. Checked, cheapest first (a record of the usual shape pays for a few
byte scans in C and one `fromisoformat` per time not seen lately: a time already checked in
the tap's form is remembered, bounded, as an agent's status start and a contact's times recur
from event to event). No struct here is tracked by the garbage collector (`gc=False`: they
hold strings and raw JSON only, so no cycle), so rows held for a batch cost no collection:
  - at most MAX_RECORD_BYTES (1 MiB, Kinesis's default record limit) of JSON;
  - UTF-8 throughout (msgspec does not check the raw JSON parts it copies), no NUL
    character in any string (no target stores one), no lone surrogate (msgspec);
  - the required fields: EventId (the row key) 1-255 bytes (target-mssql makes string keys
    VARCHAR(255)), InstanceARN and AgentARN Connect ARNs of at most 1,024 bytes (the dbt
    models index instance_id with agent_id), EventTimestamp a time (below);
  - times: RFC 3339 (`2026-11-02T08:05:00.049Z`, `…:00+01:00`, `…:00Z`), a real calendar
    date, in the years 1900-2200 once in UTC (SQL Server's datetime starts in 1753; Postgres
    rejects impossible dates); written in the tap's form, UTC with milliseconds;
  - a bad optional time that has a column of its own (AgentStatus.StartTimestamp,
    NextAgentStatus.EnqueueTimestamp; a contact record's times) leaves that column null and
    the row is kept (noted in `notes`); a bad time inside Contacts (kept as JSON, read by
    the transform) dead-letters the event, as does a JSON part of the wrong shape.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import msgspec

AGENT_EVENT_TYPES = frozenset({"LOGIN", "LOGOUT", "STATE_CHANGE", "HEART_BEAT"})
MAX_RECORD_BYTES = 2**20  # one record's JSON: Kinesis's default record limit (1 MiB)
MAX_KEY_BYTES = 255  # event_id, contact_id: target-mssql makes string keys VARCHAR(255)
MAX_ARN_BYTES = 1024  # instance and agent ARNs (their ids are indexed together downstream)
MIN_YEAR, MAX_YEAR = 1900, 2200  # every target's timestamp type holds these (SQL Server's datetime: 1753-9999)
# Which snapshots an agent_events row keeps whole (setting agent_snapshots). Their fields with a
# column of their own are read either way; a snapshot not kept is `{}` (the event had one) or
# null (it had none), so "the event had a current snapshot" survives. Most of a row's bytes
# are the two snapshots (5.7 of 6.3 kB with six queues in the routing profile).
SNAPSHOT_CHOICES = ("both", "current", "none")


class NotAnEvent(ValueError):
    """The record is not JSON, or not a document of the expected data model."""


class _Status(msgspec.Struct, frozen=True, gc=False):
    """AgentStatus: AWS's data model and sample events document ARN, Name and StartTimestamp
    only; `Type` is read when an event happens to carry it (the transform takes a status's
    type from ListAgentStatuses by ARN)."""

    ARN: str | None = None
    Name: str | None = None
    StartTimestamp: str | None = None
    Type: str | None = None


class _NextStatus(msgspec.Struct, frozen=True, gc=False):
    """NextAgentStatus: the data model spells its time `EnqueueTimestamp`, one AWS sample
    event `EnqueuedTimestamp`; either is accepted."""

    ARN: str | None = None
    Name: str | None = None
    EnqueueTimestamp: str | None = None
    EnqueuedTimestamp: str | None = None

    @property
    def enqueued_at(self) -> str | None:
        return self.EnqueueTimestamp or self.EnqueuedTimestamp


class _RoutingProfile(msgspec.Struct, frozen=True, gc=False):
    ARN: str | None = None
    Name: str | None = None


class _Configuration(msgspec.Struct, frozen=True, gc=False):
    Username: str | None = None
    FirstName: str | None = None
    LastName: str | None = None
    RoutingProfile: _RoutingProfile | None = None


class _Contact(msgspec.Struct, frozen=True, gc=False):
    """The times of a snapshot's contact, checked (the transform reads them); the contacts
    column keeps the JSON as Connect wrote it."""

    StateStartTimestamp: str | None = None
    ConnectedToAgentTimestamp: str | None = None
    QueueTimestamp: str | None = None


class _Snapshot(msgspec.Struct, frozen=True, gc=False):
    AgentStatus: _Status | None = None
    NextAgentStatus: _NextStatus | None = None
    Configuration: _Configuration | None = None
    Contacts: msgspec.Raw = msgspec.Raw(b"[]")


class _AgentEvent(msgspec.Struct, frozen=True, gc=False):
    EventId: str
    EventType: str
    EventTimestamp: str
    InstanceARN: str
    AgentARN: str
    AWSAccountId: str | None = None
    Version: str | None = None
    CurrentAgentSnapshot: msgspec.Raw = msgspec.Raw(b"null")
    PreviousAgentSnapshot: msgspec.Raw = msgspec.Raw(b"null")


class AgentEventRow(msgspec.Struct, omit_defaults=False, gc=False):
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
# No "items": target-postgres then stores the whole list as one jsonb value. With an items
# schema it makes a jsonb[] column, and psycopg escapes every element's quotes in Python
# (re.sub per character): about 40 % of the loader's CPU per agent event, measured
# (docs/benchmarks.md, "Catch-up").
_JSON_ARRAY = {"type": ["array", "null"]}

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
_NOT_KEPT = msgspec.Raw(b"{}")  # a snapshot the event had, left out (agent_snapshots)
_event_decoder = msgspec.json.Decoder(_AgentEvent)
_snapshot_decoder = msgspec.json.Decoder(_Snapshot | None)
_decode_event, _decode_snapshot = _event_decoder.decode, _snapshot_decoder.decode
_contacts_decoder = msgspec.json.Decoder(list[_Contact] | None)
# RecursionError: JSON nested more deeply than the decoder's stack allows (it used to stop the tap)
_DECODE_ERRORS = (msgspec.DecodeError, UnicodeDecodeError, RecursionError)


def _last_part(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _instance_id(instance_arn: str) -> str:
    # arn:aws:connect:region:account:instance/<id>
    return instance_arn.split("instance/", 1)[-1].split("/", 1)[0]


_ISO_MS = "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ"


def iso_utc(value: datetime | None) -> str | None:
    """A datetime (naive: UTC) → `2026-11-02T08:05:00.049Z` (UTC, milliseconds, truncated)."""
    if value is None:
        return None
    zone = value.tzinfo
    if zone is UTC or zone is None:  # no conversion (GetRecords arrival times are in UTC)
        return _ISO_MS % (value.year, value.month, value.day, value.hour, value.minute, value.second,
                          value.microsecond // 1000)
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- what every target can load ----------------------------------------------------------------
_fromisoformat = datetime.fromisoformat
# RFC 3339 (Connect writes 2026-11-02T08:05:00.049Z): a UTC offset is required, fractions up to ns
_TIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.(\d{1,9}))?(?:Z|[+-]\d\d:\d\d)", re.ASCII)
# a \u0000 escape that is not itself an escaped backslash followed by "u0000"
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


# Times already checked that are in the tap's form: an agent's status start, a contact's times
# recur from event to event. Bounded: emptied when full.
_KNOWN_TIMES: set[str] = set()
_KNOWN_TIMES_MAX = 4096


def utc_time(value: str, max_fraction_digits: int = 9) -> str | None:
    """An RFC 3339 time in the years 1900-2200 (in UTC) → the tap's form
    (`2026-11-02T08:05:00.049Z`: UTC, milliseconds); None for anything else."""
    if value in _KNOWN_TIMES:
        return value
    if len(value) == 24 and value[4:20:3] == "--T::." and value[23] == "Z":
        # already the tap's form (Connect's too): a real date and time, and the year in range
        try:
            year = _fromisoformat(value).year
        except ValueError:
            return None
        if not MIN_YEAR <= year <= MAX_YEAR:
            return None
        if len(_KNOWN_TIMES) >= _KNOWN_TIMES_MAX:
            _KNOWN_TIMES.clear()
        _KNOWN_TIMES.add(value)  # 3 fraction digits: a time for every max_fraction_digits
        return value
    match = _TIME.fullmatch(value)
    if match is None or len(match.group(1) or "") > max_fraction_digits:
        return None
    try:
        parsed = _fromisoformat(value).astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        return None
    return parsed.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _not_a_time(field: str, value: str) -> str:
    return f"{field} {value[:60]!r} is not an RFC 3339 time in the years {MIN_YEAR}-{MAX_YEAR}"


def _too_long(value: str, limit: int) -> bool:
    """More than `limit` bytes of UTF-8 (a character is at most 4)."""
    return len(value) > limit // 4 and len(value.encode()) > limit


def _checked(data: bytes) -> bytes:
    """The record's bytes, compacted to one line, once they are no bigger than a record may
    be; else NotAnEvent. Raw JSON parts are copied verbatim into JSON-lines files: no line
    breaks allowed."""
    if len(data) > MAX_RECORD_BYTES:
        raise NotAnEvent(f"the record is {len(data):,} bytes of JSON, more than the {MAX_RECORD_BYTES:,} allowed")
    if b"\n" in data or b"\r" in data:
        try:
            return msgspec.json.encode(msgspec.json.decode(data))
        except _DECODE_ERRORS as error:
            raise NotAnEvent(_decode_reason(error)) from None
    return data


def _check_text(data: bytes) -> None:
    """UTF-8 throughout and no NUL character (msgspec has parsed the JSON: only escapes are
    left to look at; it refuses raw control characters and lone surrogates itself)."""
    if not data.isascii():
        try:
            data.decode()
        except UnicodeDecodeError as error:
            raise NotAnEvent(f"the record is not UTF-8 ({error.reason} at byte {error.start})") from None
    if b"\\" in data and _NUL_ESCAPE.search(data):
        raise NotAnEvent("a string holds a NUL character (\\u0000), which no target stores")


def _decode_reason(error: BaseException) -> str:
    if isinstance(error, RecursionError):
        return "the JSON is nested too deeply to decode"
    return str(error)


_OBJECT_OR_NULL = frozenset(b"{n")  # the first byte of a JSON object, or of null


def _object_or_null(raw: msgspec.Raw) -> bool:
    return len(raw) > 0 and memoryview(raw)[0] in _OBJECT_OR_NULL


def decode_agent_event(data: bytes, shard_id: str, sequence_number: str,
                       arrival: str | None, collected_at: str | None,
                       notes: list[str] | None = None, snapshots: str = "both") -> AgentEventRow:
    """One Kinesis record's data → an `agent_events` row, or NotAnEvent (with the reason).

    `arrival` is the record's ApproximateArrivalTimestamp (when Kinesis got it);
    `collected_at` is when the tap read it (both ISO 8601 UTC, as `iso_utc` writes them).
    An optional column left null because its value could not be loaded is described in
    `notes` (when given). `snapshots` (SNAPSHOT_CHOICES) says which snapshots the row keeps whole.
    """
    if len(data) > MAX_RECORD_BYTES or b"\n" in data or b"\r" in data:
        data = _checked(data)
    try:
        event = _decode_event(data)
        current_snapshot = event.CurrentAgentSnapshot
        current = _decode_snapshot(current_snapshot)
    except _DECODE_ERRORS as error:
        raise NotAnEvent(_decode_reason(error)) from None
    if not data.isascii() or b"\\" in data:
        _check_text(data)
    event_id, event_type = event.EventId, event.EventType
    instance_arn, agent_arn = event.InstanceARN, event.AgentARN
    if event_type not in AGENT_EVENT_TYPES:
        raise NotAnEvent(f"EventType {event_type[:60]!r} is not an agent event type")
    if not event_id or (len(event_id) > MAX_KEY_BYTES // 4 and _too_long(event_id, MAX_KEY_BYTES)):
        raise NotAnEvent(f"EventId must be 1-{MAX_KEY_BYTES} bytes (it is the row key)")
    if ":instance/" not in instance_arn or "/agent/" not in agent_arn:
        raise NotAnEvent("InstanceARN or AgentARN is not an Amazon Connect ARN")
    if len(instance_arn) + len(agent_arn) > MAX_ARN_BYTES // 4 and (
            _too_long(instance_arn, MAX_ARN_BYTES) or _too_long(agent_arn, MAX_ARN_BYTES)):
        raise NotAnEvent(f"InstanceARN or AgentARN is longer than {MAX_ARN_BYTES} bytes")
    event_timestamp = utc_time(event.EventTimestamp)
    if event_timestamp is None:
        raise NotAnEvent(_not_a_time("EventTimestamp", event.EventTimestamp))
    previous_snapshot = event.PreviousAgentSnapshot
    if not _object_or_null(previous_snapshot):
        raise NotAnEvent("PreviousAgentSnapshot is neither an object nor null")
    instance_id = instance_arn.split("instance/", 1)[-1].split("/", 1)[0]  # _instance_id
    agent_id = agent_arn.rsplit("/", 1)[-1]  # _last_part
    if snapshots != "both":
        if memoryview(previous_snapshot)[0] == 123:  # b"{": the event had one
            previous_snapshot = _NOT_KEPT
        if snapshots == "none" and current is not None:
            current_snapshot = _NOT_KEPT
    if current is None:
        return AgentEventRow(
            event_id, event_type, event_timestamp, event.AWSAccountId, instance_arn, instance_id, agent_arn,
            agent_id, None, None, None, None, None, None, None, None, None, None, None, None, None,
            _EMPTY_LIST, current_snapshot, previous_snapshot, event.Version, shard_id, sequence_number,
            arrival, collected_at)
    contacts = current.Contacts
    if len(contacts) > 2:  # not []: a list of objects whose times the transform can read
        _check_contacts(contacts)
    status = current.AgentStatus
    if status is None:
        status_arn = status_name = status_type = started = None
    else:
        status_arn, status_name, status_type = status.ARN, status.Name, status.Type
        started = _optional_time(notes, "CurrentAgentSnapshot.AgentStatus.StartTimestamp", status.StartTimestamp)
    next_status = current.NextAgentStatus
    if next_status is None:
        next_arn = next_name = enqueued = None
    else:
        next_arn, next_name = next_status.ARN, next_status.Name
        enqueued = _optional_time(notes, "CurrentAgentSnapshot.NextAgentStatus.EnqueueTimestamp",
                                  next_status.enqueued_at)
    configuration = current.Configuration
    if configuration is None:
        username = first_name = last_name = profile_arn = profile_id = profile_name = None
    else:
        username, first_name, last_name = configuration.Username, configuration.FirstName, configuration.LastName
        profile = configuration.RoutingProfile
        if profile is None:
            profile_arn = profile_id = profile_name = None
        else:
            profile_arn, profile_name = profile.ARN, profile.Name
            profile_id = profile_arn.rsplit("/", 1)[-1] if profile_arn else None
    # positional, in the column order (AgentEventRow's fields)
    return AgentEventRow(
        event_id, event_type, event_timestamp, event.AWSAccountId, instance_arn, instance_id, agent_arn,
        agent_id, status_arn, status_name, status_type, started, next_arn, next_name, enqueued, username,
        first_name, last_name, profile_arn, profile_id, profile_name, contacts, current_snapshot,
        previous_snapshot, event.Version, shard_id, sequence_number, arrival, collected_at)


def _optional_time(notes: list[str] | None, field: str, value: str | None) -> str | None:
    """An optional time with a column of its own, in the tap's form; one that is not a time
    leaves its column null, and is noted."""
    if value is None:
        return None
    time = utc_time(value)
    if time is None and notes is not None:
        notes.append(_not_a_time(field, value) + ": its column is left null")
    return time


def _check_contacts(raw: msgspec.Raw) -> None:
    """Contacts: a list of objects whose times are times (they stay in the JSON as written,
    so the ones every target's cast reads: at most microseconds)."""
    try:
        contacts = _contacts_decoder.decode(raw)
    except _DECODE_ERRORS as error:
        raise NotAnEvent(f"CurrentAgentSnapshot.Contacts: {_decode_reason(error)}") from None
    known = _KNOWN_TIMES
    for number, contact in enumerate(contacts or ()):
        for field, value in (("StateStartTimestamp", contact.StateStartTimestamp),
                             ("ConnectedToAgentTimestamp", contact.ConnectedToAgentTimestamp),
                             ("QueueTimestamp", contact.QueueTimestamp)):
            if value is not None and value not in known and utc_time(value, max_fraction_digits=6) is None:
                raise NotAnEvent(_not_a_time(f"CurrentAgentSnapshot.Contacts[{number}].{field}", value))


# -- contact trace records (optional second stream) -------------------------------------------
class _ContactRecord(msgspec.Struct, frozen=True, gc=False):
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


class ContactRecordRow(msgspec.Struct, gc=False):
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
                          arrival: str | None, collected_at: str | None,
                          notes: list[str] | None = None) -> ContactRecordRow:
    """One Kinesis record's data → a `contact_records` row, or NotAnEvent (arguments as
    for `decode_agent_event`; the same rules: ContactId is the row key, a bad time leaves
    its column null)."""
    data = _checked(data)
    try:
        ctr = _contact_decoder.decode(data)
    except _DECODE_ERRORS as error:
        raise NotAnEvent(_decode_reason(error)) from None
    if not data.isascii() or b"\\" in data:
        _check_text(data)
    if not ctr.ContactId or _too_long(ctr.ContactId, MAX_KEY_BYTES):
        raise NotAnEvent(f"ContactId must be 1-{MAX_KEY_BYTES} bytes (it is the row key)")
    if not (_object_or_null(ctr.Queue) and _object_or_null(ctr.Agent)):
        raise NotAnEvent("Queue or Agent is neither an object nor null")
    instance_arn = ctr.InstanceARN
    if instance_arn is not None and _too_long(instance_arn, MAX_ARN_BYTES):
        if notes is not None:
            notes.append(f"InstanceARN is longer than {MAX_ARN_BYTES} bytes: its column is left null")
        instance_arn = None
    written = (ctr.InitiationTimestamp, ctr.ConnectedToSystemTimestamp, ctr.DisconnectTimestamp,
               ctr.LastUpdateTimestamp)
    times = [_optional_time(notes, field, value) for field, value in zip(_CTR_TIMES, written, strict=True)]
    return ContactRecordRow(
        contact_id=ctr.ContactId,
        instance_arn=instance_arn,
        instance_id=_instance_id(instance_arn) if instance_arn else None,
        channel=ctr.Channel,
        initiation_method=ctr.InitiationMethod,
        initiation_timestamp=times[0],
        connected_to_system_timestamp=times[1],
        disconnect_timestamp=times[2],
        last_update_timestamp=times[3],
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


_CTR_TIMES = ("InitiationTimestamp", "ConnectedToSystemTimestamp", "DisconnectTimestamp", "LastUpdateTimestamp")
