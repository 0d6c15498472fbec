"""The simulation itself: determinism, and the rules a real contact centre obeys."""

from __future__ import annotations

import dataclasses
import itertools
from collections import defaultdict
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from connect_sim.config import WorldConfig
from connect_sim.contacts import draw_course
from connect_sim.engine import HEARTBEAT_AFTER_LOGOUT_MS, HEARTBEAT_MS
from connect_sim.world import World

DAY_S = 86_400


def run(config: WorldConfig, seconds: int = DAY_S):
    world = World(config)
    events = []
    world.add_event_sink(events.append)
    world.clock.advance(seconds)
    world.sync()
    return world, events


@pytest.fixture(scope="module")
def day():
    return run(WorldConfig(seed=11, agents_per_instance=30, instances=2))


def fingerprint(world: World, events) -> tuple:
    segments = [dataclasses.astuple(s) for i in world.directory.instances
                for s in world.segments(i.id, 0, 2**62)]
    periods = [p for i in world.directory.instances for p in world.state_periods(i.id)]
    return repr(world.directory), segments, periods, events


def test_same_seed_gives_the_same_world():
    config = WorldConfig(seed=5, agents_per_instance=12)
    assert fingerprint(*run(config, 6 * 3600)) == fingerprint(*run(config, 6 * 3600))


def test_another_seed_gives_another_world():
    first = fingerprint(*run(WorldConfig(seed=5, agents_per_instance=12), 6 * 3600))
    second = fingerprint(*run(WorldConfig(seed=6, agents_per_instance=12), 6 * 3600))
    assert first[0] != second[0] and first[1] != second[1]


def test_advancing_in_steps_equals_advancing_at_once():
    config = WorldConfig(seed=3, agents_per_instance=10)
    whole = fingerprint(*run(config, 8 * 3600))
    world = World(config)
    events = []
    world.add_event_sink(events.append)
    for _ in range(8 * 4):
        world.clock.advance(900)
        world.sync()
    assert fingerprint(world, events) == whole


def test_contacts_follow_their_course(day):
    world, _ = day
    for instance in world.directory.instances:
        segments = world.segments(instance.id, 0, 2**62)
        assert segments, "a weekday has contacts"
        assert [s.enqueue_ms for s in segments] == sorted(s.enqueue_ms for s in segments)
        for s in segments:
            if s.abandoned:
                assert s.agent_user_id is None and s.completed_ms == s.dequeue_ms >= s.enqueue_ms
            elif s.completed_ms is not None:
                if s.outbound:  # dialled at enqueue_ms, never queued
                    assert s.dequeue_ms is None and s.queue_wait_ms is None
                    assert s.connected_ms == s.enqueue_ms + s.connecting_ms
                else:
                    assert s.enqueue_ms <= s.connected_ms == s.dequeue_ms
                assert s.disconnect_ms == s.connected_ms + s.talk_ms + s.hold_ms
                assert s.completed_ms == s.disconnect_ms + s.acw_ms
                assert s.acw_ms > 0 and s.talk_ms >= 10_000
                assert s.hold_count == (1 if s.hold_ms else 0)
        handled = [s for s in segments if s.handled]
        assert 0.6 < len(handled) / len(segments) < 0.99


def test_transfers_start_a_new_contact_in_another_queue(day):
    world, _ = day
    segments = [s for i in world.directory.instances for s in world.segments(i.id, 0, 2**62)]
    by_previous = {s.previous_contact_id: s for s in segments if s.previous_contact_id}
    transferred = [s for s in segments if s.transferred_out]
    assert transferred
    for parent in transferred:
        child = by_previous[parent.contact_id]
        assert child.initiation_method == "TRANSFER"
        assert child.initial_contact_id == parent.initial_contact_id
        assert child.enqueue_ms == parent.disconnect_ms and child.queue_id != parent.queue_id


def test_agents_never_exceed_routing_profile_concurrency(day):
    world, events = day
    profiles = {p.id: p for p in world.directory.routing_profiles}
    users = {u.id: u for u in world.directory.users}
    for event in events:
        contacts = [c for c in event.current.contacts if c.state not in ("MISSED", "REJECTED")]
        if not contacts:
            continue
        channels = {c.channel for c in contacts}
        assert len(channels) == 1, "one channel at a time"
        profile = profiles[users[event.user_id].version_at(event.timestamp_ms).routing_profile_id]
        assert len(contacts) <= profile.concurrency_for(channels.pop())


def test_state_periods_tile_each_agents_day(day):
    world, _ = day
    for instance in world.directory.instances:
        by_agent = defaultdict(list)
        for period in world.state_periods(instance.id):
            by_agent[period.user_id].append(period)
        for periods in by_agent.values():
            assert periods[0].start_ms == world.config.start_ms
            assert periods[-1].end_ms is None
            for before, after in itertools.pairwise(periods):
                assert before.end_ms == after.start_ms > before.start_ms
                assert (before.activity, before.status_id, before.contact_id) != (
                    after.activity, after.status_id, after.contact_id)


def test_heartbeats_fill_silences_and_stop_an_hour_after_logout(day):
    _world, events = day
    per_agent = defaultdict(list)
    for event in events:
        per_agent[event.user_id].append(event)
    checked = 0
    for agent_events in per_agent.values():
        logged_in, logout_at = False, None
        for before, after in itertools.pairwise(agent_events):
            if before.event_type == "LOGIN":
                logged_in = True
            if before.event_type == "LOGOUT":
                logged_in, logout_at = False, before.timestamp_ms
            gap = after.timestamp_ms - before.timestamp_ms
            if logged_in:
                assert gap <= HEARTBEAT_MS
                checked += 1
            if after.event_type == "HEART_BEAT" and not logged_in:
                assert after.timestamp_ms - logout_at <= HEARTBEAT_AFTER_LOGOUT_MS
    assert checked > 1000


def test_status_change_waits_for_the_contact_to_end(day):
    _world, events = day
    deferred = [e for e in events if e.current.next_status_id]
    assert deferred, "agents ask for breaks while on contacts"
    for event in deferred:
        assert event.current.contacts


def test_shifts_keep_local_hours_across_a_dst_change():
    # US daylight saving time ends on Sunday 2026-11-01.
    config = WorldConfig(seed=8, agents_per_instance=20, start=datetime(2026, 10, 29, tzinfo=UTC))
    world, _ = run(config, 6 * DAY_S)
    chicago = ZoneInfo("America/Chicago")
    shift_starts = defaultdict(dict)  # user -> local date -> first planned block start
    for item in sorted(world.schedule(), key=lambda s: s.start_ms):
        local = datetime.fromtimestamp(item.start_ms / 1000, chicago)
        shift_starts[item.user_id].setdefault(local.date(), local)
    moved = 0
    for days in shift_starts.values():
        local_minutes = {local.hour * 60 + local.minute for local in days.values()}
        assert max(local_minutes) - min(local_minutes) <= 30, "a planned start varies by 30 min at most"
        utc_hours = {local.astimezone(UTC).hour for local in days.values()
                     if local.minute == min(local_minutes) % 60}
        moved += len(utc_hours) > 1
    assert moved, "in UTC the same local start moves by an hour across the change"


def test_schedule_blocks_cover_each_shift_without_gaps(day):
    world, _ = day
    by_user = defaultdict(list)
    for item in world.schedule():
        by_user[item.user_id].append(item)
    shifts = 0
    for items in by_user.values():
        items.sort(key=lambda s: s.start_ms)
        shift = [items[0]]
        for before, after in itertools.pairwise(items):
            if after.start_ms - before.end_ms > 3600_000:  # the next day's shift
                assert {i.activity for i in shift} >= {"OPEN", "BREAK", "LUNCH"}
                shifts += 1
                shift = []
            else:
                assert before.end_ms == after.start_ms
            shift.append(after)
    assert shifts > 0


# -- offers the agent did not answer -------------------------------------------------------------
UNANSWERED = {"MISSED": "CONTACT_MISSED", "REJECTED": "CONTACT_REJECTED", "ERROR": "CONTACT_ERROR"}


@dataclasses.dataclass
class Unanswered:
    """A missed, rejected or failed offer as the agent's snapshots show it."""

    user_id: str
    view: object  # model.ContactView in its MISSED / REJECTED / ERROR state
    held: frozenset[str]  # the agent's contact ids when it went unanswered
    seen: set[str]  # every contact id in the agent's snapshots until it was cleared
    cleared_ms: int | None = None

    @property
    def shown_ms(self) -> int:
        return self.cleared_ms - self.view.state_start_ms


def unanswered_offers(events) -> list[Unanswered]:
    found: list[Unanswered] = []
    showing: dict[tuple[str, str], Unanswered] = {}
    for event in events:
        ids = {c.contact_id for c in event.current.contacts}
        for key in [k for k in showing if k[0] == event.user_id]:
            if key[1] in ids:
                showing[key].seen |= ids
            else:
                showing[key].cleared_ms = event.timestamp_ms
                found.append(showing.pop(key))
        for c in event.current.contacts:
            if c.state in UNANSWERED and (event.user_id, c.contact_id) not in showing:
                showing[(event.user_id, c.contact_id)] = Unanswered(event.user_id, c, frozenset(ids), set(ids))
    return found


def test_an_unanswered_offer_stays_until_the_agent_clears_it_and_no_offer_comes_meanwhile(day):
    world, events = day
    offers = unanswered_offers(events)
    assert {o.view.state for o in offers} == set(UNANSWERED)
    for offer in offers:
        course = draw_course(world.config.seed, offer.view.contact_id, offer.view.channel)
        assert offer.shown_ms in course.clear_ms, "cleared after the offer's own drawn delay"
        assert 3_000 <= offer.shown_ms <= 60_000
        assert offer.seen == offer.held, "no contact offered before the agent cleared it"
    shown = sorted(o.shown_ms for o in offers)
    assert shown[len(shown) // 2] < 25_000 < shown[-1], "mostly a few seconds, now and then a minute"
    assert {o.view.channel for o in offers if o.view.state == "ERROR"} == {"VOICE"}


def test_the_customer_of_an_unanswered_offer_waits_on_in_the_queue(day):
    world, events = day
    segments = {s.contact_id: s for i in world.directory.instances for s in world.segments(i.id, 0, 2**62)}
    for offer in unanswered_offers(events):
        seg = segments[offer.view.contact_id]
        assert seg.missed_count >= 1 and seg.dequeue_ms is not None
        assert seg.abandoned or seg.connected_ms > offer.view.state_start_ms


def test_truth_has_a_period_for_each_unanswered_offer_with_its_contact(day):
    world, events = day
    periods = [p for i in world.directory.instances for p in world.state_periods(i.id)]
    unanswered = [p for p in periods if p.activity in UNANSWERED.values()]
    assert {p.activity for p in unanswered} == set(UNANSWERED.values())
    views = {(e.user_id, c.contact_id, c.state_start_ms): c for e in events for c in e.current.contacts}
    for period in unanswered:
        view = views[(period.user_id, period.contact_id, period.start_ms)]
        assert UNANSWERED[view.state] == period.activity
        assert (period.channel, period.queue_id) == (view.channel, view.queue_id)
        assert period.status_id is period.status_name is period.status_type is None


# -- outbound calls -----------------------------------------------------------------------------
def test_agents_dial_out_now_and_then_from_their_default_outbound_queue(day):
    world, events = day
    users = {u.id: u for u in world.directory.users}
    profiles = {p.id: p for p in world.directory.routing_profiles}
    segments = [s for i in world.directory.instances for s in world.segments(i.id, 0, 2**62)]
    outbound = [s for s in segments if s.outbound]
    assert 0.01 < len(outbound) / len(segments) < 0.1, "a modest share"
    for seg in outbound:
        profile = profiles[users[seg.agent_user_id].version_at(seg.enqueue_ms).routing_profile_id]
        assert (seg.channel, seg.queue_id) == ("VOICE", profile.default_outbound_queue_id)
        assert profile.concurrency_for("VOICE") > 0
        assert seg.initial_contact_id == seg.contact_id and seg.previous_contact_id is None
    statuses = {s.id: s for s in world.directory.agent_statuses}
    dialled, seen = {s.contact_id for s in outbound}, set()
    last = {}  # user -> the agent's snapshot of its event before
    for event in events:
        for view in event.current.contacts:
            if view.contact_id in dialled:
                assert (view.initiation_method, view.queue_ms) == ("OUTBOUND", None)
            if view.contact_id in dialled - seen:  # the call is dialled: idle, Available
                assert view.state == "CONNECTING" and view.state_start_ms == event.timestamp_ms
                assert last[event.user_id].contacts == () and event.current.next_status_id is None
                assert statuses[event.current.status_id].status_type == "ROUTABLE"
                seen.add(view.contact_id)
        last[event.user_id] = event.current
    assert seen == dialled
