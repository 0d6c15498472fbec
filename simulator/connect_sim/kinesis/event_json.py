"""`model.AgentEvent` → the JSON document Amazon Connect puts on an agent event stream.

Field names and layout follow AWS's "Agent event streams data model" (Version 2019-05-25,
https://docs.aws.amazon.com/connect/latest/adminguide/agent-event-stream-model.html) and its
sample events (https://docs.aws.amazon.com/connect/latest/adminguide/sample-agent-event-stream.html):

    {"AWSAccountId", "AgentARN", "CurrentAgentSnapshot", "EventId", "EventTimestamp",
     "EventType", "InstanceARN", "PreviousAgentSnapshot", "Version"}
    AgentSnapshot = {"AgentStatus": {ARN, Name, StartTimestamp},
                     "NextAgentStatus": {ARN, EnqueueTimestamp, Name}   (only while one waits),
                     "Configuration": {AgentHierarchyGroups {Level1..Level5: {ARN, Name} | null}
                                       | null, FirstName, LastName, Proficiencies [],
                                       RoutingProfile {ARN, Concurrency [{AvailableSlots,
                                       Channel, MaximumSlots}], DefaultOutboundQueue {ARN,
                                       Channels, Name}, InboundQueues [{ARN, Channels, Name}],
                                       Name}, Username},
                     "Contacts": [{Channel, ConnectedToAgentTimestamp, ContactId,
                                   InitialContactId, InitiationMethod, Queue {ARN, Name},
                                   QueueTimestamp, State, StateStartTimestamp}]}

Two shapes (`EVENT_SHAPES`), one per encoder:
- "documented" (the default): only what the data model documents. AgentStatus carries no
  Type (a consumer takes the status type from ListAgentStatuses); NextAgentStatus carries
  EnqueueTimestamp, the data model's spelling, holding when the agent asked for that status.
- "full": what the simulator wrote until it had shapes: AgentStatus.Type as well, and the
  NextAgentStatus time spelt EnqueuedTimestamp, as one of AWS's samples spells it. Kept so
  tests can prove a pipeline handles both.
In both, QueueTimestamp is null for an OUTBOUND contact (one the agent dialled: never queued).

Choices where the AWS documentation leaves room, each as Connect's own samples show it:
- A snapshot the event does not carry (`None` in the model) is `null`; which events carry
  which snapshots is the engine's decision, this module only writes what it is given.
- Agent queues have no name: their `Name` is null. The agent's own agent queue is listed
  first among InboundQueues, with the channels the routing profile lets the agent take.
- `InitialContactId` is null for a contact that is its own initial contact (no transfer).
- `AvailableSlots` = MaximumSlots minus the agent's contacts of that channel (after-contact
  work and a missed, rejected or failed contact not cleared yet hold a slot too), and 0
  while the agent has a contact of another channel: the simulator routes one channel at a time.
- Users carry no proficiencies in the simulator: `Proficiencies` is an empty list.
- Keys are written in a fixed order and without spaces, so the same event and directory
  always give the same bytes.

Speed: the documents are assembled from cached JSON fragments (status, configuration,
queue references), and the previous snapshot of an event is usually the current snapshot of
the agent's event before, so its text is reused.
"""

from __future__ import annotations

from json.encoder import encode_basestring_ascii as _json_string  # what json.dumps writes

from ..model import CHANNELS, AgentEvent, AgentSnapshot, ContactView, Directory, RoutingProfile, User
from .lookup import DirectoryLookup
from .timestamps import format_iso_ms

VERSION = "2019-05-25"
EVENT_SHAPES = ("documented", "full")
DEFAULT_EVENT_SHAPE = "documented"
HIERARCHY_LEVELS = (1, 2, 3, 4, 5)
OUTBOUND_CHANNELS = ("VOICE",)


def _string_or_null(value: str | None) -> str:
    return "null" if value is None else _json_string(value)


def _timestamp_or_null(t_ms: int | None) -> str:
    return "null" if t_ms is None else f'"{format_iso_ms(t_ms)}"'


def _available_slots(channel: str, maximum: int, held_channels: tuple[str, ...]) -> int:
    # As the simulator routes (and Connect without cross-channel concurrency): an agent
    # works one channel at a time, and every contact in the snapshot holds a slot.
    if any(held != channel for held in held_channels):
        return 0
    return max(0, maximum - len(held_channels))


def _channel_order(channels: set[str]) -> list[str]:
    known = [c for c in CHANNELS if c in channels]
    return known + sorted(channels.difference(CHANNELS))


def _channel_list(channels: list[str]) -> str:
    return "[" + ",".join(_json_string(c) for c in channels) + "]"


class _Configuration:
    """A user's Configuration text at one UserVersion, split around the Concurrency list
    (the only part that changes with the contacts the agent holds)."""

    __slots__ = ("head", "routing_profile", "tail")

    def __init__(self, head: str, routing_profile: RoutingProfile, tail: str) -> None:
        self.head = head
        self.routing_profile = routing_profile
        self.tail = tail


class AgentEventEncoder:
    """Encodes agent events of one world in one of `EVENT_SHAPES`. Safe to share between
    threads: the caches only ever hold values that are the same whoever computes them."""

    def __init__(self, directory: Directory, shape: str = DEFAULT_EVENT_SHAPE) -> None:
        if shape not in EVENT_SHAPES:
            raise ValueError(f"unknown event shape {shape!r}; expected one of {', '.join(EVENT_SHAPES)}")
        self.shape = shape
        self._lookup = DirectoryLookup(directory)
        self._status_parts: dict[str, tuple[str, str]] = {}
        self._configurations: dict[tuple[str, int], _Configuration] = {}
        self._concurrency: dict[tuple[str, tuple[str, ...]], str] = {}  # (profile, held channels)
        self._queue_refs: dict[str, str] = {}
        # user id → (snapshot, configuration time, text) of the snapshot encoded last
        self._last_snapshot: dict[str, tuple[AgentSnapshot, int, str]] = {}

    def encode(self, event: AgentEvent) -> bytes:
        return self.encode_text(event).encode("ascii")

    def agent_arn(self, event: AgentEvent) -> str:
        """The AgentARN of the event: Connect's partition key on the stream."""
        return self._lookup.user(event.user_id).arn

    def encode_text(self, event: AgentEvent) -> str:
        user = self._lookup.user(event.user_id)
        instance = self._lookup.instance(event.instance_id)
        current = self._snapshot(user, event.current, event.timestamp_ms)
        previous = self._snapshot(user, event.previous, event.timestamp_ms)
        return (
            f'{{"AWSAccountId":{_json_string(instance.account_id)},'
            f'"AgentARN":{_json_string(user.arn)},'
            f'"CurrentAgentSnapshot":{current},'
            f'"EventId":{_json_string(event.event_id)},'
            f'"EventTimestamp":"{format_iso_ms(event.timestamp_ms)}",'
            f'"EventType":{_json_string(event.event_type)},'
            f'"InstanceARN":{_json_string(instance.arn)},'
            f'"PreviousAgentSnapshot":{previous},'
            f'"Version":"{VERSION}"}}'
        )

    # -- snapshot -----------------------------------------------------------------------
    def _snapshot(self, user: User, snapshot: AgentSnapshot | None, event_ms: int) -> str:
        if snapshot is None:
            return "null"
        # The Configuration shows the user's settings as of `user_version_ms`; an engine
        # that leaves it 0 means "as of the event".
        config_ms = snapshot.user_version_ms or event_ms
        last = self._last_snapshot.get(user.id)
        if last is not None and last[1] == config_ms and (last[0] is snapshot or last[0] == snapshot):
            return last[2]
        text = self._snapshot_text(user, snapshot, config_ms)
        self._last_snapshot[user.id] = (snapshot, config_ms, text)
        return text

    def _snapshot_text(self, user: User, snapshot: AgentSnapshot, config_ms: int) -> str:
        status_head, status_tail = self._status(snapshot.status_id)
        configuration = self._configuration(user, config_ms)
        contacts = ",".join(self._contact(c) for c in snapshot.contacts)
        return (
            f'{{"AgentStatus":{status_head}{format_iso_ms(snapshot.status_start_ms)}{status_tail},'
            f"{self._next_status(snapshot)}"
            f'"Configuration":{configuration.head}'
            f"{self._concurrency_list(configuration.routing_profile, snapshot.contacts)}"
            f"{configuration.tail},"
            f'"Contacts":[{contacts}]}}'
        )

    def _status(self, status_id: str) -> tuple[str, str]:
        parts = self._status_parts.get(status_id)
        if parts is None:
            status = self._lookup.agent_status(status_id)
            status_type = f',"Type":{_json_string(status.status_type)}' if self.shape == "full" else ""
            parts = (
                f'{{"ARN":{_json_string(status.arn)},"Name":{_json_string(status.name)},'
                f'"StartTimestamp":"',
                f'"{status_type}}}',
            )
            self._status_parts[status_id] = parts
        return parts

    def _next_status(self, snapshot: AgentSnapshot) -> str:
        if snapshot.next_status_id is None:
            return ""
        status = self._lookup.agent_status(snapshot.next_status_id)
        time_key = "EnqueuedTimestamp" if self.shape == "full" else "EnqueueTimestamp"
        return (
            f'"NextAgentStatus":{{"ARN":{_json_string(status.arn)},'
            f'"{time_key}":{_timestamp_or_null(snapshot.next_status_ms)},'
            f'"Name":{_json_string(status.name)}}},'
        )

    # -- configuration ------------------------------------------------------------------
    def _configuration(self, user: User, config_ms: int) -> _Configuration:
        version = user.version_at(config_ms)
        key = (user.id, version.effective_ms)
        configuration = self._configurations.get(key)
        if configuration is None:
            profile = self._lookup.routing_profile(version.routing_profile_id)
            head = (
                f'{{"AgentHierarchyGroups":{self._hierarchy(version.hierarchy_group_id)},'
                f'"FirstName":{_json_string(version.first_name)},'
                f'"LastName":{_json_string(version.last_name)},'
                f'"Proficiencies":[],'
                f'"RoutingProfile":{{"ARN":{_json_string(profile.arn)},"Concurrency":'
            )
            tail = (
                f',"DefaultOutboundQueue":{self._outbound_queue(profile)},'
                f'"InboundQueues":{self._inbound_queues(user, profile)},'
                f'"Name":{_json_string(profile.name)}}},'
                f'"Username":{_json_string(user.username)}}}'
            )
            configuration = _Configuration(head, profile, tail)
            self._configurations[key] = configuration
        return configuration

    def _hierarchy(self, group_id: str | None) -> str:
        if not group_id:
            return "null"
        path = self._lookup.hierarchy_path(group_id)
        levels = []
        for level in HIERARCHY_LEVELS:
            group = path.get(level)
            value = (
                "null"
                if group is None
                else f'{{"ARN":{_json_string(group.arn)},"Name":{_json_string(group.name)}}}'
            )
            levels.append(f'"Level{level}":{value}')
        return "{" + ",".join(levels) + "}"

    def _outbound_queue(self, profile: RoutingProfile) -> str:
        queue = self._lookup.queue(profile.default_outbound_queue_id)
        return (
            f'{{"ARN":{_json_string(queue.arn)},"Channels":{_channel_list(list(OUTBOUND_CHANNELS))},'
            f'"Name":{_json_string(queue.name)}}}'
        )

    def _inbound_queues(self, user: User, profile: RoutingProfile) -> str:
        entries = []
        agent_queue = self._lookup.agent_queue_of(user.id)
        if agent_queue is not None:
            takes = {channel for channel, slots in profile.concurrency if slots > 0}
            entries.append(
                f'{{"ARN":{_json_string(agent_queue.arn)},'
                f'"Channels":{_channel_list(_channel_order(takes))},"Name":null}}'
            )
        channels_by_queue: dict[str, set[str]] = {}
        for entry in profile.queues:
            channels_by_queue.setdefault(entry.queue_id, set()).add(entry.channel)
        for queue_id, channels in channels_by_queue.items():
            queue = self._lookup.queue(queue_id)
            entries.append(
                f'{{"ARN":{_json_string(queue.arn)},'
                f'"Channels":{_channel_list(_channel_order(channels))},'
                f'"Name":{self._queue_name(queue_id)}}}'
            )
        return "[" + ",".join(entries) + "]"

    def _concurrency_list(self, profile: RoutingProfile, contacts: tuple[ContactView, ...]) -> str:
        held = tuple(c.channel for c in contacts)
        key = (profile.id, held)
        text = self._concurrency.get(key)
        if text is None:
            items = [
                f'{{"AvailableSlots":{_available_slots(channel, slots, held)},'
                f'"Channel":{_json_string(channel)},"MaximumSlots":{slots}}}'
                for channel, slots in sorted(profile.concurrency)
            ]
            text = self._concurrency[key] = "[" + ",".join(items) + "]"
        return text

    # -- contacts -----------------------------------------------------------------------
    def _contact(self, contact: ContactView) -> str:
        initial = (
            None if contact.initial_contact_id == contact.contact_id else contact.initial_contact_id
        )
        return (
            f'{{"Channel":{_json_string(contact.channel)},'
            f'"ConnectedToAgentTimestamp":{_timestamp_or_null(contact.connected_ms)},'
            f'"ContactId":{_json_string(contact.contact_id)},'
            f'"InitialContactId":{_string_or_null(initial)},'
            f'"InitiationMethod":{_json_string(contact.initiation_method)},'
            f'"Queue":{self._queue_ref(contact.queue_id)},'
            f'"QueueTimestamp":{_timestamp_or_null(contact.queue_ms)},'
            f'"State":{_json_string(contact.state)},'
            f'"StateStartTimestamp":"{format_iso_ms(contact.state_start_ms)}"}}'
        )

    def _queue_ref(self, queue_id: str) -> str:
        text = self._queue_refs.get(queue_id)
        if text is None:
            queue = self._lookup.queue(queue_id)
            text = f'{{"ARN":{_json_string(queue.arn)},"Name":{self._queue_name(queue_id)}}}'
            self._queue_refs[queue_id] = text
        return text

    def _queue_name(self, queue_id: str) -> str:
        queue = self._lookup.queue(queue_id)
        return "null" if queue.queue_type == "AGENT" else _json_string(queue.name)
