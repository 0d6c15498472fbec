"""Entities of the simulated contact centre and the facts the simulation produces.

Times inside the simulator are integer milliseconds since the Unix epoch (UTC): exact,
so the same seed always gives the same bytes. Durations in facts are milliseconds too;
the API layer converts to seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

CHANNELS = ("VOICE", "CHAT", "TASK")

# Contact states of the agent event data model that count as "on contact".
ON_CONTACT_STATES = frozenset({"CONNECTING", "CONNECTED", "CONNECTED_ONHOLD"})
AFTER_CONTACT_WORK_STATES = frozenset({"ENDED"})
# A contact in one of these states stays in the agent's snapshot until the agent clears it
# in the CCP; meanwhile the agent is not routable, whatever AgentStatus says (AWS, "Agent
# event streams data model": https://docs.aws.amazon.com/connect/latest/adminguide/agent-event-stream-model.html).
MISSED_GROUP_STATES = frozenset({"MISSED", "REJECTED", "ERROR"})
STATUS = "STATUS"
ON_CONTACT = "ON_CONTACT"
AFTER_CONTACT_WORK = "AFTER_CONTACT_WORK"
CONTACT_MISSED = "CONTACT_MISSED"
CONTACT_REJECTED = "CONTACT_REJECTED"
CONTACT_ERROR = "CONTACT_ERROR"
OUTBOUND = "OUTBOUND"  # InitiationMethod of a call the agent dials; never queued


@dataclass(frozen=True, slots=True)
class Instance:
    id: str
    arn: str
    alias: str
    created_ms: int
    region: str
    account_id: str
    time_zone: str  # the site time zone used for the arrival curve and shifts


@dataclass(frozen=True, slots=True)
class Queue:
    instance_id: str
    id: str
    arn: str
    name: str
    queue_type: str  # STANDARD | AGENT
    description: str
    channels: tuple[str, ...]  # channels that arrive on this queue (empty for AGENT queues)
    owner_user_id: str | None = None  # for AGENT queues
    last_modified_ms: int = 0


@dataclass(frozen=True, slots=True)
class RoutingProfileQueue:
    queue_id: str
    channel: str
    priority: int
    delay_s: int


@dataclass(frozen=True, slots=True)
class RoutingProfile:
    instance_id: str
    id: str
    arn: str
    name: str
    description: str
    concurrency: tuple[tuple[str, int], ...]  # (channel, max concurrent contacts)
    queues: tuple[RoutingProfileQueue, ...]
    default_outbound_queue_id: str
    last_modified_ms: int = 0

    def concurrency_for(self, channel: str) -> int:
        return dict(self.concurrency).get(channel, 0)


@dataclass(frozen=True, slots=True)
class AgentStatus:
    instance_id: str
    id: str
    arn: str
    name: str
    status_type: str  # ROUTABLE | CUSTOM | OFFLINE
    display_order: int
    last_modified_ms: int = 0


@dataclass(frozen=True, slots=True)
class HierarchyGroup:
    instance_id: str
    id: str
    arn: str
    name: str
    level_id: str  # "1".."5"
    parent_id: str | None
    last_modified_ms: int = 0


@dataclass(frozen=True, slots=True)
class UserVersion:
    """What DescribeUser returns for a user from `effective_ms` on."""

    effective_ms: int
    first_name: str
    last_name: str
    email: str
    routing_profile_id: str
    hierarchy_group_id: str
    security_profile_ids: tuple[str, ...]
    phone_type: str  # SOFT_PHONE | DESK_PHONE
    after_contact_work_limit_s: int


@dataclass(slots=True)
class User:
    instance_id: str
    id: str
    arn: str
    username: str
    created_ms: int
    versions: list[UserVersion]  # sorted by effective_ms; versions[0].effective_ms == created_ms
    deleted_ms: int | None = None
    is_agent: bool = True

    def version_at(self, t_ms: int) -> UserVersion:
        current = self.versions[0]
        for version in self.versions:
            if version.effective_ms <= t_ms:
                current = version
        return current

    def exists_at(self, t_ms: int) -> bool:
        return self.created_ms <= t_ms and (self.deleted_ms is None or t_ms < self.deleted_ms)


@dataclass(slots=True)
class Directory:
    """Configuration of every simulated instance (what the List/Describe APIs serve)."""

    instances: list[Instance] = field(default_factory=list)
    queues: list[Queue] = field(default_factory=list)
    routing_profiles: list[RoutingProfile] = field(default_factory=list)
    agent_statuses: list[AgentStatus] = field(default_factory=list)
    hierarchy_groups: list[HierarchyGroup] = field(default_factory=list)
    hierarchy_levels: dict[str, dict[str, str]] = field(default_factory=dict)  # instance -> level -> name
    users: list[User] = field(default_factory=list)
    security_profiles: dict[str, str] = field(default_factory=dict)  # id -> name

    def instance(self, instance_id: str) -> Instance | None:
        return next((i for i in self.instances if i.id == instance_id), None)

    def queues_of(self, instance_id: str) -> list[Queue]:
        return [q for q in self.queues if q.instance_id == instance_id]

    def users_of(self, instance_id: str) -> list[User]:
        return [u for u in self.users if u.instance_id == instance_id]


@dataclass(slots=True)
class ContactSegment:
    """One contact in one queue, from enqueue to its end (abandon, or after-contact work done).

    A transfer to another queue ends this segment (transferred_out) and starts a new
    contact (new contact_id, same initial_contact_id) in the target queue.
    Its figures are attributed to intervals by `metrics.py` (the one owner of that rule):
    "queued by enqueue" by `enqueue_ms`, everything else by `ended_ms`, the contact
    record's disconnect time.

    An OUTBOUND segment is a call the agent dialled: it is never queued, so `enqueue_ms`
    holds the dial time, `dequeue_ms` stays None, `patience_ms` is 0 and `connecting_ms`
    is the dialling time.
    """

    instance_id: str
    contact_id: str
    initial_contact_id: str
    previous_contact_id: str | None
    initiation_method: str  # INBOUND | TRANSFER | OUTBOUND
    channel: str
    queue_id: str  # for OUTBOUND: the routing profile's default outbound queue
    enqueue_ms: int  # EnqueueTimestamp, or for OUTBOUND (never queued) the dial
    patience_ms: int  # how long the customer waits before abandoning
    dequeue_ms: int | None = None  # answered (connected to agent) or abandoned
    abandoned: bool = False
    agent_user_id: str | None = None
    connecting_ms: int = 0  # ring / offer time before the agent accepts
    connected_ms: int | None = None  # ConnectedToAgentTimestamp
    talk_ms: int = 0  # customer interaction time excluding hold
    hold_ms: int = 0
    hold_count: int = 0
    disconnect_ms: int | None = None  # agent leaves the conversation (ACW starts)
    acw_ms: int = 0
    completed_ms: int | None = None  # ACW end, or abandon time
    transferred_out: bool = False
    missed_count: int = 0  # offers the agent(s) missed or rejected, or that failed, before one accepted

    @property
    def outbound(self) -> bool:
        return self.initiation_method == OUTBOUND

    @property
    def ended_ms(self) -> int | None:
        """The contact record's disconnect time for this segment (None while it lasts): when
        the conversation ended (the agent disconnected or transferred it out: `disconnect_ms`),
        or, for an abandoned contact, when the customer hung up."""
        return self.completed_ms if self.abandoned else self.disconnect_ms

    @property
    def queue_wait_ms(self) -> int | None:
        return None if self.dequeue_ms is None else self.dequeue_ms - self.enqueue_ms

    @property
    def handled(self) -> bool:
        return self.completed_ms is not None and not self.abandoned

    @property
    def handle_ms(self) -> int:
        """Connect's handle time: talk + hold + after-contact work."""
        return self.talk_ms + self.hold_ms + self.acw_ms


@dataclass(frozen=True, slots=True)
class ContactView:
    """A contact as it appears in an agent snapshot's Contacts list."""

    contact_id: str
    initial_contact_id: str
    channel: str
    initiation_method: str
    queue_id: str
    queue_ms: int | None  # QueueTimestamp (enqueue); None for OUTBOUND contacts
    # INCOMING | PENDING | CONNECTING | CONNECTED | CONNECTED_ONHOLD | MISSED | ERROR | ENDED | REJECTED
    state: str
    state_start_ms: int
    connected_ms: int | None  # ConnectedToAgentTimestamp


@dataclass(frozen=True, slots=True)
class AgentSnapshot:
    status_id: str
    status_start_ms: int
    contacts: tuple[ContactView, ...]
    next_status_id: str | None = None  # NextAgentStatus: a change waiting for contacts to end
    next_status_ms: int | None = None  # when that change was asked for
    user_version_ms: int = 0  # which UserVersion (effective_ms) the Configuration reflects


@dataclass(frozen=True, slots=True)
class AgentEvent:
    """One record Connect would put on the agent event stream."""

    event_id: str
    event_type: str  # LOGIN | LOGOUT | STATE_CHANGE | HEART_BEAT
    timestamp_ms: int
    instance_id: str
    user_id: str
    current: AgentSnapshot | None
    previous: AgentSnapshot | None


@dataclass(frozen=True, slots=True)
class StatePeriod:
    """Ground truth: a stretch of time an agent spent in one activity.

    activity: LOGGED_OUT | STATUS (the agent status applies) | ON_CONTACT | AFTER_CONTACT_WORK
    | CONTACT_MISSED | CONTACT_REJECTED | CONTACT_ERROR (a missed, rejected or failed contact
    the agent has not cleared yet; see `derive_activity`).
    Status fields are set for STATUS periods only; contact fields (of the primary contact)
    for every contact activity. The period ends when the activity, the status or the
    primary contact changes.
    """

    instance_id: str
    user_id: str
    start_ms: int
    end_ms: int | None  # None while open
    activity: str
    status_id: str | None
    status_name: str | None
    status_type: str | None
    contact_id: str | None
    channel: str | None
    queue_id: str | None


@dataclass(frozen=True, slots=True)
class ScheduledActivity:
    """What an agent was planned to do (the shift plan the simulated agents follow)."""

    instance_id: str
    user_id: str
    activity: str  # OPEN | BREAK | LUNCH | TRAINING | MEETING
    start_ms: int
    end_ms: int


# The one rule for several contacts: the engine's truth periods and the event replay use it.
def primary_order(connected_ms: int | None, state_start_ms: int, contact_id: str) -> tuple[int, str]:
    """Sort key of the primary contact: earliest ConnectedToAgentTimestamp (a contact not
    connected yet counts from its StateStartTimestamp), ties broken by contact id."""
    return (connected_ms if connected_ms is not None else state_start_ms, contact_id)


# Contact state → activity, and the state groups from the strongest to the weakest.
CONTACT_STATE_ACTIVITIES = {
    **dict.fromkeys(ON_CONTACT_STATES, ON_CONTACT),
    **dict.fromkeys(AFTER_CONTACT_WORK_STATES, AFTER_CONTACT_WORK),
    "MISSED": CONTACT_MISSED,
    "REJECTED": CONTACT_REJECTED,
    "ERROR": CONTACT_ERROR,
}
_STATE_GROUPS_BY_PRECEDENCE = (ON_CONTACT_STATES, AFTER_CONTACT_WORK_STATES, MISSED_GROUP_STATES)


def derive_activity(contacts: Sequence[ContactView]) -> tuple[str, ContactView | None]:
    """The activity a snapshot's contacts give, and its primary contact.

    ON_CONTACT (a contact CONNECTING, CONNECTED or CONNECTED_ONHOLD) beats
    AFTER_CONTACT_WORK (a contact ENDED) beats the missed group (a contact MISSED, REJECTED
    or ERROR, not yet cleared by the agent) beats STATUS (no such contact). The primary
    contact is the first of the winning group by `primary_order`; in the missed group its
    state decides the activity: CONTACT_MISSED, CONTACT_REJECTED or CONTACT_ERROR.
    Contacts INCOMING or PENDING do not count.
    """
    for states in _STATE_GROUPS_BY_PRECEDENCE:
        group = [c for c in contacts if c.state in states]
        if group:
            primary = min(
                group, key=lambda c: primary_order(c.connected_ms, c.state_start_ms, c.contact_id)
            )
            return CONTACT_STATE_ACTIVITIES[primary.state], primary
    return STATUS, None
