"""The discrete-event simulation of the contact centre.

One heap of timed happenings drives everything: contacts arriving, ringing, being talked
to, held, wrapped up or abandoned; agents logging in, changing status, dialling out,
clearing missed offers and logging out.
Every change to an agent emits an agent event (what Connect streams to Kinesis) and
updates the agent's ground-truth state period; every contact leaves a ContactSegment
per queue it waited in, an outbound call one in its outbound queue (what the metric APIs
aggregate).
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections import deque
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from .agent_activity import ActivityLog, state_code
from .arrivals import BLOCK_MS, sample_block
from .config import WorldConfig
from .contacts import MAX_OFFERS, ContactCourse, draw_course
from .directory import _with
from .ids import new_id, seeded
from .model import (
    MISSED_GROUP_STATES,
    OUTBOUND,
    STATUS,
    AgentEvent,
    AgentSnapshot,
    AgentStatus,
    ContactSegment,
    ContactView,
    Directory,
    Instance,
    RoutingProfile,
    ScheduledActivity,
    StatePeriod,
    User,
    UserVersion,
    derive_activity,
)
from .plans import local_midnight_ms, plan_day

HEARTBEAT_MS = 120_000
HEARTBEAT_AFTER_LOGOUT_MS = 3_600_000
TRANSFER_TO_STANDARD_SHARE = 0.7  # the rest go to a colleague's agent queue
OUTBOUND_CALLS_PER_SHIFT = (1, 2, 2, 3, 3, 4, 4, 5)  # one drawn per agent-day
DIAL_RETRY_MS = 60_000  # an agent busy when planning to dial tries again a minute later
DIAL_TRIES = 30


class Contact:
    """A contact while it is alive in the simulation (its segment is the record)."""

    __slots__ = ("course", "in_queue", "leg", "offers", "seg")

    def __init__(self, seg: ContactSegment, course: ContactCourse):
        self.seg = seg
        self.course = course
        self.offers = 0
        self.in_queue = False
        self.leg: Leg | None = None

    def offer_index(self) -> int:
        """Which of the course's per-offer draws the current offer uses."""
        return min(self.offers, MAX_OFFERS) - 1


class Leg:
    """A contact as one agent has it (an offer, a conversation, its wrap-up)."""

    __slots__ = ("connected_ms", "contact", "state", "state_start_ms")

    def __init__(self, contact: Contact, state: str, now: int):
        self.contact = contact
        self.state = state
        self.state_start_ms = now
        self.connected_ms: int | None = None

    def view(self) -> ContactView:
        seg = self.contact.seg
        queue_ms = None if seg.outbound else seg.enqueue_ms
        return ContactView(seg.contact_id, seg.initial_contact_id, seg.channel,
                           seg.initiation_method, seg.queue_id, queue_ms, self.state,
                           self.state_start_ms, self.connected_ms)


class Agent:
    __slots__ = (
        "_idle_since_ms", "activity", "closed", "contacts", "deleted", "hb_pending", "last_event_ms",
        "last_snapshot", "logged_in", "logout_ms", "next_status", "next_status_ms", "own_queue_id",
        "pending_logout", "period", "priorities", "profile", "routing_order", "status", "status_start_ms", "user",
        "version",
    )

    def __init__(self, user: User, version: UserVersion, profile: RoutingProfile,
                 own_queue_id: str, offline: AgentStatus, now: int):
        self.user = user
        self.own_queue_id = own_queue_id
        self.logged_in = False
        self.deleted = False
        self.status = offline
        self.status_start_ms = now
        self.next_status: AgentStatus | None = None
        self.next_status_ms: int | None = None
        self.pending_logout = False
        self.contacts: list[Leg] = []
        self.routing_order: RoutableAgents | None = None  # the one this agent is in, while routable
        self._idle_since_ms = now
        self.last_event_ms = now
        self.last_snapshot: AgentSnapshot | None = None
        self.logout_ms = now - HEARTBEAT_AFTER_LOGOUT_MS
        self.hb_pending = False
        self.period: tuple = (now, "LOGGED_OUT", None, None)  # (start, activity, status, ContactView)
        self.closed: list[StatePeriod] = []  # ground-truth periods that have ended
        # what Connect's agent-activity metrics count (agent_activity.py), from the agent's
        # own state, not from its events or its periods
        self.activity = ActivityLog(now)
        self.set_version(version, profile)

    def set_version(self, version: UserVersion, profile: RoutingProfile) -> None:
        self.version = version
        self.profile = profile
        self.priorities = {(q.queue_id, q.channel): q.priority for q in profile.queues}

    @property
    def idle_since_ms(self) -> int:
        return self._idle_since_ms

    @idle_since_ms.setter
    def idle_since_ms(self, value: int) -> None:
        self._idle_since_ms = value
        if self.routing_order is not None:  # its place in the routing order moves with it
            self.routing_order.reorder(self)

    def busy_with_missed(self) -> bool:
        """A missed, rejected or failed offer the agent has not cleared yet."""
        return any(leg.state in MISSED_GROUP_STATES for leg in self.contacts)

    def may_route(self) -> bool:
        return (self.logged_in and not self.deleted and self.status.status_type == "ROUTABLE"
                and self.next_status is None and not self.pending_logout and not self.busy_with_missed())

    def may_dial_out(self) -> bool:
        """Idle and routable, with a routing profile that takes VOICE."""
        return self.may_route() and not self.contacts and self.profile.concurrency_for("VOICE") > 0

    def free_slots(self, channel: str) -> int:
        if any(leg.contact.seg.channel != channel for leg in self.contacts):
            return 0  # one channel at a time
        return self.profile.concurrency_for(channel) - len(self.contacts)

    def takes(self, queue_id: str, channel: str) -> bool:
        return queue_id == self.own_queue_id or (queue_id, channel) in self.priorities

    def pairs(self, channels) -> list[tuple[int, str, str]]:
        """(priority, queue, channel) this agent serves; its own agent queue comes first."""
        own = [(0, self.own_queue_id, c) for c in channels]
        return own + [(p, q, c) for (q, c), p in self.priorities.items()]


class RoutableAgents:
    """The routable agents of a centre, per channel those with a free slot for it, in the
    order Connect offers a contact to them: longest idle first (`idle_since_ms`, then user
    id). Kept sorted as agents come, go, take and finish contacts and change their idle time
    (`Engine._refresh_routable`, the `Agent.idle_since_ms` setter), so routing a contact looks
    at agents in that order and stops at the first that takes it, instead of looking at every
    routable agent (thousands, in a large centre)."""

    __slots__ = ("_by_channel", "_members")

    def __init__(self, channels: list[str]) -> None:
        self._by_channel: dict[str, list[tuple[int, str]]] = {c: [] for c in channels}  # sorted keys
        # user id → (its key, the agent, the channels it has a free slot for)
        self._members: dict[str, tuple[tuple[int, str], Agent, tuple[str, ...]]] = {}

    def update(self, agent: Agent, channels: tuple[str, ...]) -> None:
        """The agent is routable with a free slot for `channels` (none: it is not routable)."""
        key = (agent.idle_since_ms, agent.user.id)
        member = self._members.get(key[1])
        if member is not None:
            if member[0] == key and member[2] == channels:
                return
            for channel in member[2]:
                keys = self._by_channel[channel]
                del keys[bisect.bisect_left(keys, member[0])]
        if not channels:
            if member is not None:
                del self._members[key[1]]
            agent.routing_order = None
            return
        for channel in channels:
            bisect.insort(self._by_channel[channel], key)
        self._members[key[1]] = (key, agent, channels)
        agent.routing_order = self

    def discard(self, agent: Agent) -> None:
        self.update(agent, ())

    def reorder(self, agent: Agent) -> None:
        """The agent's idle time changed."""
        member = self._members.get(agent.user.id)
        if member is not None:
            self.update(agent, member[2])

    def candidates(self, channel: str) -> Iterator[Agent]:
        """The routable agents with a free slot for `channel`, longest idle first."""
        members = self._members
        return (members[user_id][1] for _, user_id in self._by_channel.get(channel, ()))


class Centre:
    """One instance's live state."""

    def __init__(self, instance: Instance, directory: Directory):
        self.instance = instance
        self.tz = ZoneInfo(instance.time_zone)
        self.queues = {q.id: q for q in directory.queues_of(instance.id)}
        self.standard = [q for q in self.queues.values() if q.queue_type == "STANDARD"]
        self.statuses = {s.name: s for s in directory.agent_statuses if s.instance_id == instance.id}
        self.profiles = {p.id: p for p in directory.routing_profiles if p.instance_id == instance.id}
        self.waiting: dict[tuple[str, str], deque[Contact]] = {}
        self.agents: dict[str, Agent] = {}
        self.channels = sorted({c for q in self.standard for c in q.channels})
        self.routable = RoutableAgents(self.channels)
        self._by_user_id: list[tuple[str, Agent]] | None = None

    def agents_by_user_id(self) -> list[tuple[str, Agent]]:
        """`sorted(self.agents.items())`, made once (the agents are all added at the start)."""
        if self._by_user_id is None or len(self._by_user_id) != len(self.agents):
            self._by_user_id = sorted(self.agents.items())
        return self._by_user_id

    def head(self, queue_id: str, channel: str) -> Contact | None:
        line = self.waiting.get((queue_id, channel))
        while line and not line[0].in_queue:
            line.popleft()
        return line[0] if line else None


class Engine:
    def __init__(self, config: WorldConfig, directory: Directory):
        self.config = config
        self.directory = directory
        self.now_ms = config.start_ms
        self.event_sinks: list[Callable[[AgentEvent], None]] = []
        self.segments_by_instance: dict[str, list[ContactSegment]] = {}
        self.segment_enqueue_keys: dict[str, list[int]] = {}
        # per instance: the longest enqueue-to-end (ContactSegment.ended_ms) of an ended segment,
        # so World can find the segments that ended in a window among those enqueued before it
        self.longest_segment_ms: dict[str, int] = {}
        self.schedule: list[ScheduledActivity] = []
        self._heap: list = []
        self._seq = itertools.count()
        self._event_ids = seeded(config.seed, "event-ids")
        self._centres: dict[str, Centre] = {}
        self._agents_by_user: dict[str, tuple[Centre, Agent]] = {}
        for instance in directory.instances:
            self._open_centre(instance)

    # -- the loop ------------------------------------------------------------------------
    def advance_to(self, t_ms: int) -> None:
        heap = self._heap
        while heap and heap[0][0] <= t_ms:
            at, _, handler, args = heapq.heappop(heap)
            self.now_ms = at
            handler(*args)
        self.now_ms = max(self.now_ms, t_ms)

    def _at(self, t_ms: int, handler, *args) -> None:
        heapq.heappush(self._heap, (t_ms, next(self._seq), handler, args))

    # -- set-up --------------------------------------------------------------------------
    def _open_centre(self, instance: Instance) -> None:
        centre = Centre(instance, self.directory)
        self._centres[instance.id] = centre
        self.segments_by_instance[instance.id] = []
        self.segment_enqueue_keys[instance.id] = []
        self.longest_segment_ms[instance.id] = 0
        own_queues = {q.owner_user_id: q.id for q in centre.queues.values() if q.owner_user_id}
        start = self.config.start_ms
        for user in self.directory.users_of(instance.id):
            if not user.is_agent:
                continue
            version = user.version_at(start)
            agent = Agent(user, version, centre.profiles[version.routing_profile_id],
                          own_queues[user.id], centre.statuses["Offline"], start)
            centre.agents[user.id] = agent
            self._agents_by_user[user.id] = (centre, agent)
            for later in user.versions:
                if later.effective_ms > start:
                    self._at(later.effective_ms, self._apply_version, centre, agent, later)
            if user.deleted_ms is not None:
                self._at(max(user.deleted_ms, start), self._delete, centre, agent)
        self._at(start, self._arrival_block, centre, start - start % BLOCK_MS)
        first_day = datetime.fromtimestamp(start / 1000, UTC).astimezone(centre.tz).date()
        self._at(start, self._plan_day, centre, first_day)

    # -- arrivals and routing ------------------------------------------------------------
    def _arrival_block(self, centre: Centre, block_ms: int) -> None:
        cfg = self.config
        for arrival in sample_block(cfg.seed, centre.instance.id, block_ms, centre.standard,
                                    cfg.agents_per_instance, centre.tz, cfg.volume_scale):
            if arrival.at_ms >= self.now_ms:
                self._at(arrival.at_ms, self._arrive, centre, arrival.queue_id, arrival.channel,
                         arrival.contact_id, "INBOUND", None, None)
        self._at(block_ms + BLOCK_MS, self._arrival_block, centre, block_ms + BLOCK_MS)

    def _arrive(self, centre: Centre, queue_id: str, channel: str, contact_id: str, method: str,
                initial_id: str | None, previous_id: str | None) -> None:
        course = draw_course(self.config.seed, contact_id, channel)
        seg = ContactSegment(centre.instance.id, contact_id, initial_id or contact_id, previous_id,
                             method, channel, queue_id, self.now_ms, course.patience_ms)
        self._record(centre, seg)
        contact = Contact(seg, course)
        self._enqueue(centre, contact, front=False)
        self._at(self.now_ms + course.patience_ms, self._abandon, centre, contact)
        self._route_contact(centre, contact)

    def _record(self, centre: Centre, seg: ContactSegment) -> None:
        self.segments_by_instance[centre.instance.id].append(seg)
        self.segment_enqueue_keys[centre.instance.id].append(seg.enqueue_ms)

    def _ended(self, centre: Centre, seg: ContactSegment) -> None:
        """The segment's contact record got its disconnect time (`ContactSegment.ended_ms`)."""
        instance_id = centre.instance.id
        self.longest_segment_ms[instance_id] = max(self.longest_segment_ms[instance_id],
                                                   self.now_ms - seg.enqueue_ms)

    def _enqueue(self, centre: Centre, contact: Contact, front: bool) -> None:
        contact.in_queue = True
        line = centre.waiting.setdefault((contact.seg.queue_id, contact.seg.channel), deque())
        line.appendleft(contact) if front else line.append(contact)

    def _route_contact(self, centre: Centre, contact: Contact) -> None:
        seg = contact.seg
        for agent in centre.routable.candidates(seg.channel):  # longest idle first, as Connect routes
            if agent.takes(seg.queue_id, seg.channel):
                break
        else:
            return
        self._offer(centre, agent, contact)

    def _route_agent(self, centre: Centre, agent: Agent) -> None:
        while agent.may_route():
            best = None
            for priority, queue_id, channel in agent.pairs(centre.channels):
                if agent.free_slots(channel) <= 0:
                    continue
                head = centre.head(queue_id, channel)
                if head is not None:
                    key = (priority, head.seg.enqueue_ms, head.seg.contact_id)
                    if best is None or key < best[0]:
                        best = (key, head)
            if best is None:
                return
            self._offer(centre, agent, best[1])

    def _offer(self, centre: Centre, agent: Agent, contact: Contact) -> None:
        contact.in_queue = False
        contact.offers += 1
        leg = contact.leg = Leg(contact, "CONNECTING", self.now_ms)
        agent.contacts.append(leg)
        self._changed(centre, agent)
        ring = contact.course.ring_ms[contact.offer_index()]
        self._at(self.now_ms + ring, self._ring_end, centre, agent, leg)

    def _ring_end(self, centre: Centre, agent: Agent, leg: Leg) -> None:
        contact = leg.contact
        if contact.leg is not leg or leg.state != "CONNECTING":
            return  # the customer hung up while it rang
        course, offer = contact.course, contact.offer_index()
        if course.fails[offer]:
            self._unanswered(centre, agent, leg, "ERROR")
        elif not course.responds[offer]:
            self._unanswered(centre, agent, leg, "MISSED" if contact.seg.channel == "VOICE" else "REJECTED")
        else:
            self._connect(centre, agent, leg)

    def _unanswered(self, centre: Centre, agent: Agent, leg: Leg, state: str) -> None:
        """The offer stays with the agent (not routable) until the agent clears it; the
        customer goes back to the front of the queue."""
        contact = leg.contact
        leg.state = state
        leg.state_start_ms = self.now_ms
        contact.seg.missed_count += 1
        contact.leg = None
        self._changed(centre, agent)
        clear_ms = contact.course.clear_ms[contact.offer_index()]
        self._at(self.now_ms + clear_ms, self._clear_leg, centre, agent, leg)
        self._enqueue(centre, contact, front=True)
        self._route_contact(centre, contact)

    def _connect(self, centre: Centre, agent: Agent, leg: Leg) -> None:
        """The agent accepts the offer, or the customer answers the agent's outbound call."""
        seg, course = leg.contact.seg, leg.contact.course
        seg.connecting_ms = self.now_ms - leg.state_start_ms
        seg.connected_ms = leg.connected_ms = leg.state_start_ms = self.now_ms
        if not seg.outbound:
            seg.dequeue_ms = self.now_ms
        seg.agent_user_id = agent.user.id
        leg.state = "CONNECTED"
        self._changed(centre, agent)
        if course.hold_at_ms is not None:
            hold_start = self.now_ms + course.hold_at_ms
            self._at(hold_start, self._hold, centre, agent, leg, True)
            self._at(hold_start + course.hold_ms, self._hold, centre, agent, leg, False)
        self._at(self.now_ms + course.talk_ms + course.hold_ms, self._disconnect, centre, agent, leg)

    def _hold(self, centre: Centre, agent: Agent, leg: Leg, on_hold: bool) -> None:
        leg.state = "CONNECTED_ONHOLD" if on_hold else "CONNECTED"
        leg.state_start_ms = self.now_ms
        self._changed(centre, agent)

    def _disconnect(self, centre: Centre, agent: Agent, leg: Leg) -> None:
        contact, seg, course = leg.contact, leg.contact.seg, leg.contact.course
        leg.state = "ENDED"
        leg.state_start_ms = seg.disconnect_ms = self.now_ms
        seg.talk_ms, seg.hold_ms = course.talk_ms, course.hold_ms
        seg.hold_count = int(course.hold_at_ms is not None)
        self._ended(centre, seg)
        self._changed(centre, agent)
        if course.transfer and not seg.outbound:
            target = self._transfer_target(centre, agent, contact)
            if target is not None:
                seg.transferred_out = True
                new_contact = new_id(seeded(self.config.seed, "transfer", seg.contact_id))
                self._arrive(centre, target, seg.channel, new_contact, "TRANSFER",
                             seg.initial_contact_id, seg.contact_id)
        self._at(self.now_ms + course.acw_ms, self._acw_end, centre, agent, leg)

    def _transfer_target(self, centre: Centre, agent: Agent, contact: Contact) -> str | None:
        seg, pick = contact.seg, contact.course.transfer_pick
        if pick < TRANSFER_TO_STANDARD_SHARE:
            options = [q.id for q in centre.standard if seg.channel in q.channels and q.id != seg.queue_id]
            scaled = pick / TRANSFER_TO_STANDARD_SHARE
        else:
            options = [a.own_queue_id for uid, a in centre.agents_by_user_id()
                       if a is not agent and a.logged_in]
            scaled = (pick - TRANSFER_TO_STANDARD_SHARE) / (1 - TRANSFER_TO_STANDARD_SHARE)
        return options[min(int(scaled * len(options)), len(options) - 1)] if options else None

    def _acw_end(self, centre: Centre, agent: Agent, leg: Leg) -> None:
        seg = leg.contact.seg
        seg.acw_ms = leg.contact.course.acw_ms
        seg.completed_ms = self.now_ms
        leg.contact.leg = None
        self._clear_leg(centre, agent, leg)

    def _clear_leg(self, centre: Centre, agent: Agent, leg: Leg) -> None:
        agent.contacts.remove(leg)
        if not agent.contacts:
            agent.idle_since_ms = self.now_ms
            if agent.next_status is not None:
                self._set_status(agent, agent.next_status)
        self._changed(centre, agent)
        if agent.pending_logout and not agent.contacts:
            self._logout(centre, agent)
        self._route_agent(centre, agent)

    def _abandon(self, centre: Centre, contact: Contact) -> None:
        seg = contact.seg
        if seg.dequeue_ms is not None:
            return  # answered in time
        seg.dequeue_ms = seg.completed_ms = self.now_ms
        seg.abandoned = True
        self._ended(centre, seg)
        if contact.in_queue:
            contact.in_queue = False
        elif contact.leg is not None:  # hung up while ringing at an agent
            leg, contact.leg = contact.leg, None
            for agent in centre.agents.values():
                if leg in agent.contacts:
                    self._clear_leg(centre, agent, leg)
                    break

    # -- agents --------------------------------------------------------------------------
    def _plan_day(self, centre: Centre, day: date) -> None:
        for user_id, agent in centre.agents.items():
            if agent.deleted:
                continue
            plan = plan_day(self.config.seed, centre.instance.id, user_id, day, centre.tz)
            if plan is None or plan.actions[-1].at_ms < self.now_ms:
                continue
            self.schedule.extend(plan.schedule)
            for action in plan.actions:
                self._at(max(action.at_ms, self.now_ms), self._act, centre, agent, action.kind,
                         action.status_name)
            self._plan_outbound_calls(centre, agent, day, plan.schedule)
        next_day = day + timedelta(days=1)
        self._at(local_midnight_ms(next_day, centre.tz), self._plan_day, centre, next_day)

    def _plan_outbound_calls(self, centre: Centre, agent: Agent, day: date,
                             shift: tuple[ScheduledActivity, ...]) -> None:
        """A few moments in the shift at which the agent means to dial out."""
        rng = seeded(self.config.seed, "outbound", agent.user.id, day.isoformat())
        for _ in range(rng.choice(OUTBOUND_CALLS_PER_SHIFT)):
            at_ms = int(rng.uniform(shift[0].start_ms, shift[-1].end_ms))
            contact_id = new_id(rng)
            if at_ms >= self.now_ms:
                self._at(at_ms, self._dial_out, centre, agent, contact_id, DIAL_TRIES)

    def _dial_out(self, centre: Centre, agent: Agent, contact_id: str, tries_left: int) -> None:
        """An OUTBOUND VOICE call from the routing profile's default outbound queue: never
        queued; it rings (CONNECTING) while the customer's phone does, then always connects."""
        if not agent.may_dial_out():
            if tries_left > 1:
                self._at(self.now_ms + DIAL_RETRY_MS, self._dial_out, centre, agent, contact_id,
                         tries_left - 1)
            return
        seg = ContactSegment(centre.instance.id, contact_id, contact_id, None, OUTBOUND, "VOICE",
                             agent.profile.default_outbound_queue_id, self.now_ms, patience_ms=0)
        self._record(centre, seg)
        contact = Contact(seg, draw_course(self.config.seed, contact_id, "VOICE"))
        leg = contact.leg = Leg(contact, "CONNECTING", self.now_ms)
        agent.contacts.append(leg)
        self._changed(centre, agent)
        self._at(self.now_ms + contact.course.ring_ms[0], self._connect, centre, agent, leg)

    def _act(self, centre: Centre, agent: Agent, kind: str, status_name: str | None) -> None:
        if agent.deleted and kind != "LOGOUT":
            return
        if kind == "LOGIN":
            if agent.logged_in:
                return
            agent.logged_in = True
            agent.pending_logout = False
            self._set_status(agent, centre.statuses["Offline"])
            self._emit(centre, agent, "LOGIN")
            self._schedule_heartbeat(agent, centre)
        elif kind == "LOGOUT":
            if not agent.logged_in:
                return
            if agent.contacts:
                agent.pending_logout = True
            else:
                self._logout(centre, agent)
        elif agent.logged_in:
            status = centre.statuses[status_name]
            if agent.contacts and status.name != agent.status.name:
                agent.next_status, agent.next_status_ms = status, self.now_ms
            else:
                self._set_status(agent, status)
            self._changed(centre, agent)
            self._route_agent(centre, agent)

    def _set_status(self, agent: Agent, status: AgentStatus) -> None:
        agent.next_status = None
        if status.id != agent.status.id:
            agent.status = status
            agent.status_start_ms = self.now_ms
            agent.idle_since_ms = self.now_ms

    def _logout(self, centre: Centre, agent: Agent) -> None:
        agent.logged_in = False
        agent.pending_logout = False
        self._set_status(agent, centre.statuses["Offline"])
        agent.logout_ms = self.now_ms
        self._emit(centre, agent, "LOGOUT")

    def _apply_version(self, centre: Centre, agent: Agent, version: UserVersion) -> None:
        agent.set_version(version, centre.profiles[version.routing_profile_id])
        if agent.logged_in:  # Connect streams configuration changes as a STATE_CHANGE
            self._changed(centre, agent)
        self._refresh_routable(centre, agent)

    def _delete(self, centre: Centre, agent: Agent) -> None:
        """A deleted user takes no new contacts, finishes those in hand and is logged out."""
        agent.deleted = True
        if agent.logged_in:
            if agent.contacts:
                agent.pending_logout = True
            else:
                self._logout(centre, agent)
        self._refresh_routable(centre, agent)

    def _schedule_heartbeat(self, agent: Agent, centre: Centre) -> None:
        if not agent.hb_pending:
            agent.hb_pending = True
            self._at(agent.last_event_ms + HEARTBEAT_MS, self._heartbeat, centre, agent)

    def _heartbeat(self, centre: Centre, agent: Agent) -> None:
        agent.hb_pending = False
        if not agent.logged_in and self.now_ms - agent.logout_ms > HEARTBEAT_AFTER_LOGOUT_MS:
            return
        due = agent.last_event_ms + HEARTBEAT_MS
        if due <= self.now_ms:
            self._emit(centre, agent, "HEART_BEAT")
        self._schedule_heartbeat(agent, centre)

    # -- events and truth ------------------------------------------------------------------
    def _snapshot(self, agent: Agent) -> AgentSnapshot:
        return AgentSnapshot(
            agent.status.id, agent.status_start_ms, tuple(leg.view() for leg in agent.contacts),
            agent.next_status.id if agent.next_status else None,
            agent.next_status_ms if agent.next_status else None, agent.version.effective_ms,
        )

    def _changed(self, centre: Centre, agent: Agent) -> None:
        self._emit(centre, agent, "STATE_CHANGE")

    def _emit(self, centre: Centre, agent: Agent, event_type: str) -> None:
        snapshot = self._snapshot(agent)
        if event_type == "STATE_CHANGE" and snapshot == agent.last_snapshot:
            self._refresh_routable(centre, agent)
            return
        # AWS: PreviousAgentSnapshot does not apply to LOGIN or LOGOUT.
        previous = None if event_type in ("LOGIN", "LOGOUT") else agent.last_snapshot
        event = AgentEvent(new_id(self._event_ids), event_type, self.now_ms, centre.instance.id,
                           agent.user.id, snapshot, previous)
        agent.last_snapshot = snapshot
        agent.last_event_ms = self.now_ms
        if event_type != "HEART_BEAT":
            self._track_period(agent, snapshot)
            agent.activity.record(self.now_ms, state_code(
                agent.logged_in, agent.status.status_type, (leg.state for leg in agent.contacts)))
        self._refresh_routable(centre, agent)
        for sink in self.event_sinks:
            sink(event)

    def _refresh_routable(self, centre: Centre, agent: Agent) -> None:
        # Runs after every change to an agent's contacts, status, log-in or routing profile
        # (through _emit, or directly), before anything is routed again: the routing order
        # holds each routable agent's free channels as of then.
        if agent.may_route():
            centre.routable.update(agent, tuple(c for c in centre.channels if agent.free_slots(c) > 0))
        else:
            centre.routable.discard(agent)

    def _track_period(self, agent: Agent, snapshot: AgentSnapshot) -> None:
        if agent.logged_in:
            activity, primary = derive_activity(snapshot.contacts)
        else:
            activity, primary = "LOGGED_OUT", None
        status = agent.status if activity == STATUS else None
        state = (activity, status, primary and primary.contact_id)
        start, *old = agent.period
        if state == (old[0], old[1], old[2] and old[2].contact_id):
            return
        if self.now_ms > start:
            agent.closed.append(self._period(agent, start, self.now_ms, *old))
            start = self.now_ms
        elif agent.closed and _same_state(agent.closed[-1], state):
            # The state just left lasted no time at all: the one before it simply goes on.
            start = agent.closed.pop().start_ms
        agent.period = (start, activity, status, primary)

    @staticmethod
    def _period(agent: Agent, start, end, activity, status, contact: ContactView | None) -> StatePeriod:
        return StatePeriod(
            agent.user.instance_id, agent.user.id, start, end, activity,
            status.id if status else None, status.name if status else None,
            status.status_type if status else None,
            contact.contact_id if contact else None, contact.channel if contact else None,
            contact.queue_id if contact else None,
        )

    # -- views -------------------------------------------------------------------------------
    def state_periods(self, instance_id: str, user_id: str | None) -> list[StatePeriod]:
        centre = self._centres[instance_id]
        periods = []
        for agent in centre.agents.values():
            if user_id is None or agent.user.id == user_id:
                periods.extend(agent.closed)
                periods.append(self._period(agent, agent.period[0], None, *agent.period[1:]))
        periods.sort(key=lambda p: (p.user_id, p.start_ms))
        return periods

    def agent_activity(self, instance_id: str, start_ms: int, end_ms: int):
        """Every agent's recorded states within [start_ms, end_ms) (agent_activity.py)."""
        from .agent_activity import AgentPiece

        centre = self._centres[instance_id]
        return [AgentPiece(user_id, lo, hi, code)
                for user_id, agent in sorted(centre.agents.items())
                for lo, hi, code in agent.activity.pieces(start_ms, end_ms)]

    def live_view(self, instance_id: str):
        from .world import LiveAgent, LiveView

        centre = self._centres[instance_id]
        waiting = tuple(
            (c.seg.queue_id, c.seg.channel, c.seg.enqueue_ms)
            for line in centre.waiting.values() for c in line if c.in_queue
        )
        agents = tuple(
            LiveAgent(a.user.id, a.profile.id, a.logged_in, a.status.id, a.status.status_type,
                      tuple(leg.view() for leg in a.contacts))
            for _, a in sorted(centre.agents.items()) if not a.deleted
        )
        return LiveView(self.now_ms, tuple(sorted(waiting)), agents)

    # -- changes from outside ------------------------------------------------------------------
    def modify_user(self, user_id: str, at_ms: int, **changes) -> None:
        centre, agent = self._agents_by_user[user_id]
        version = _with(agent.user.versions[-1], effective_ms=max(at_ms, self.now_ms), **changes)
        agent.user.versions.append(version)
        self._at(version.effective_ms, self._apply_version, centre, agent, version)

    def delete_user(self, user_id: str, at_ms: int) -> None:
        centre, agent = self._agents_by_user[user_id]
        agent.user.deleted_ms = max(at_ms, self.now_ms)
        self._at(agent.user.deleted_ms, self._delete, centre, agent)



def _same_state(period: StatePeriod, state: tuple) -> bool:
    activity, status, contact_id = state
    return (period.activity, period.status_id, period.contact_id) == (
        activity, status.id if status else None, contact_id)
