"""Checks of the marts against the simulator's ground truth (connect_sim.truth)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import wfm_raw_fixtures as rf
from wfm_dbt import PROJECT

from connect_sim import truth

INTERVAL_MS = 15 * 60 * 1000
VOLUME_FIELDS = {
    "contacts_offered": "contacts_offered", "contacts_queued": "contacts_queued",
    "contacts_handled": "contacts_handled", "contacts_handled_outbound": "contacts_handled_outbound",
    "contacts_answered": "contacts_answered",
    "contacts_abandoned": "contacts_abandoned",
    "contacts_answered_in_threshold": f"contacts_answered_in_{rf.THRESHOLD_S}s",
    "contacts_transferred_out": "contacts_transferred_out",
    "handle_time_seconds": "handle_time_seconds", "talk_time_seconds": "talk_time_seconds",
    "hold_time_seconds": "hold_time_seconds", "after_contact_work_seconds": "after_contact_work_seconds",
    "queue_answer_time_seconds": "queue_answer_time_seconds", "abandon_time_seconds": "abandon_time_seconds",
}


def ms(value) -> int:
    """A UTC timestamp from the warehouse (naive = UTC) → epoch ms."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return round(value.timestamp() * 1000)


def wfm_state_of(activity: str, status_type: str | None) -> str:
    """The seed connect_status_wfm_state_map as shipped, in Python: a missed, rejected or
    errored contact on screen (CONTACT_*) is UNAVAILABLE whatever the status says."""
    if activity in ("ON_CONTACT", "AFTER_CONTACT_WORK", "LOGGED_OUT"):
        return activity
    if activity.startswith("CONTACT_"):
        return "UNAVAILABLE"
    return "AVAILABLE" if status_type == "ROUTABLE" else "UNAVAILABLE"


def check_volumes(day: rf.SimulatedDay, query) -> None:
    """Exactly the true figures per queue × channel × 15 min (zeros where quiet), and the
    15-minute rows roll up exactly to the true hourly and daily figures."""
    columns = ", ".join(VOLUME_FIELDS)
    rows = query(f"select queue_id, channel, interval_start_at, {columns} from wfm.wfm_interval_volume")
    mart = {(r[0], r[1], ms(r[2])): dict(zip(VOLUME_FIELDS, r[3:], strict=True)) for r in rows}
    start, end = day.start_ms, day.start_ms + rf.DAY_MS
    assert {k[2] for k in mart} == set(range(min(k[2] for k in mart), max(k[2] for k in mart) + 1, INTERVAL_MS)), \
        "the volume grid has a gap"
    for minutes in (15, 60, 1440):
        expected = {(r["queue_id"], r["channel"], _ms_of(r["interval_start"])): r
                    for r in truth.interval_volume(day.world, day.instance_id, start, end, interval_minutes=minutes,
                                                   thresholds_s=(rf.THRESHOLD_S,))}
        rolled: dict[tuple, dict] = defaultdict(lambda: defaultdict(float))
        for (queue, channel, t), figures in mart.items():
            for name, value in figures.items():
                rolled[(queue, channel, t - (t - start) % (minutes * 60000))][name] += float(value)
        for key in set(expected) | set(rolled):
            want = expected.get(key) or {}
            got = rolled.get(key) or {}
            for name, truth_name in VOLUME_FIELDS.items():
                w, g = float(want.get(truth_name, 0)), float(got.get(name, 0))
                assert abs(w - g) < 1e-6, f"{minutes}-min {key} {name}: truth {w}, mart {g}"


def _ms_of(iso: str) -> int:
    return round(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


def as_of_ms(query) -> int:
    rows = query("select max(event_at) from wfm_staging.stg_connect__agent_events")
    return ms(rows[0][0])


def check_state_periods(day: rf.SimulatedDay, query) -> None:
    """The state transactions are the true timeline (logged-out time aside: before an
    agent's first event the truth knows more than the events say)."""
    as_of = as_of_ms(query)
    rows = query("select agent_id, state_start_at, state_end_at, activity, source_status_name, contact_id"
                 " from wfm.wfm_agent_state_transaction")
    mart = defaultdict(list)
    for agent, s, e, activity, status, contact in rows:
        if activity != "LOGGED_OUT" and ms(s) < as_of:
            mart[agent].append((ms(s), min(ms(e), as_of) if e else as_of, activity, status, contact))
    expected = defaultdict(list)
    for p in truth.state_timeline(day.world, day.instance_id, day.start_ms, as_of):
        if p.activity != "LOGGED_OUT":
            expected[p.user_id].append((p.start_ms, p.end_ms, p.activity, p.status_name, p.contact_id))
    assert set(mart) == set(expected)
    for agent in expected:
        assert sorted(mart[agent]) == expected[agent], f"agent {agent}"


def check_interval_activity(day: rf.SimulatedDay, query) -> None:
    """Seconds per agent × interval × wfm_state within 1 s of the truth."""
    as_of = as_of_ms(query)
    expected: dict[tuple, float] = defaultdict(float)
    periods = truth.state_timeline(day.world, day.instance_id, day.start_ms, as_of)
    for (user, t, activity, _name), seconds in truth.seconds_per_interval(periods).items():
        if activity == "LOGGED_OUT":
            continue
        status_type = None
        if activity == "STATUS":
            status_type = next(s.status_type for s in day.world.directory.agent_statuses if s.name == _name)
        expected[(user, t, wfm_state_of(activity, status_type))] += seconds
    rows = query("select agent_id, interval_start_at, wfm_state, state_seconds from wfm.wfm_agent_interval_activity")
    mart = {(a, ms(t), s): float(v) for a, t, s, v in rows}
    assert len(mart) == len(rows)
    for key in set(expected) | set(mart):
        assert abs(expected.get(key, 0) - mart.get(key, 0)) <= 1.0, f"{key}: truth {expected.get(key)}, mart {mart.get(key)}"


def _allowed_states() -> dict[str, set[str]]:
    """The seed adherence_activity_allowed_states as shipped."""
    allowed: dict[str, set[str]] = defaultdict(set)
    lines = (PROJECT / "seeds" / "adherence_activity_allowed_states.csv").read_text().split()
    for line in lines[1:]:
        activity, state = line.split(",")
        allowed[activity].add(state)
    return allowed


def check_adherence(day: rf.SimulatedDay, query) -> None:
    """Per agent × interval up to "as of": scheduled seconds are the simulator's plan, and
    adherent seconds (plan time spent in a state the activity allows) within 1 s of the
    true timeline's."""
    as_of = as_of_ms(query)
    allowed = _allowed_states()
    status_types = {s.name: s.status_type for s in day.world.directory.agent_statuses}
    timeline = defaultdict(list)
    for p in truth.state_timeline(day.world, day.instance_id, day.start_ms, as_of):
        state = wfm_state_of(p.activity, status_types.get(p.status_name) if p.activity == "STATUS" else None)
        timeline[p.user_id].append((p.start_ms, p.end_ms, state))
    scheduled: dict[tuple, float] = defaultdict(float)
    adherent: dict[tuple, float] = defaultdict(float)
    for s in truth.schedule(day.world, day.instance_id, day.start_ms, as_of):
        t, end = s.start_ms, min(s.end_ms, as_of)
        while t < end:
            boundary = t - t % INTERVAL_MS + INTERVAL_MS
            piece_end = min(boundary, end)
            key = (s.user_id, boundary - INTERVAL_MS)
            scheduled[key] += (piece_end - t) / 1000
            for start, stop, state in timeline[s.user_id]:
                if state in allowed[s.activity] and start < piece_end and stop > t:
                    adherent[key] += (min(stop, piece_end) - max(start, t)) / 1000
            t = piece_end
    rows = query("select agent_id, interval_start_at, scheduled_seconds, adherent_seconds, adherence_pct"
                 " from wfm.wfm_adherence")
    mart = {(a, ms(t)): (float(v), float(h)) for a, t, v, h, _ in rows}
    assert {k: v for k, (v, _) in mart.items()} == dict(scheduled)
    assert all(0 <= float(h) <= float(v) for _, _, v, h, _ in rows)
    wrong = {k: (adherent.get(k, 0), h) for k, (_, h) in mart.items() if abs(adherent.get(k, 0) - h) > 1.0}
    assert not wrong, f"adherent seconds (truth, mart) differ for {len(wrong)} pairs, e.g. {sorted(wrong.items())[:3]}"
    assert sum(adherent.values()) > 0.5 * sum(scheduled.values()), "agents mostly keep to the plan"
