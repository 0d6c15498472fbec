"""agent_activity_metrics (optional): Connect's own time per agent and interval, against the
simulator's ground truth (connect_sim.truth.agent_activity)."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from connect_tap_helpers import at, base_config, iso_ms

from connect_sim import truth
from connect_sim.faults import FaultPlan
from tap_amazon_connect.client import ConnectClient
from tap_amazon_connect.options import Options
from tap_amazon_connect.permissions import check_permissions
from tap_amazon_connect.tap import TapAmazonConnect
from tap_amazon_connect.windows import closed_until, parse_datetime

MS = 1000
HOUR_MS = 3_600_000
STREAM = "agent_activity_metrics"
COLUMNS = ("online_seconds", "idle_seconds", "on_contact_seconds", "non_productive_seconds",
           "error_status_seconds", "after_contact_work_seconds", "agent_non_response")


def _truth(centre, start_ms: int, end_ms: int) -> dict[tuple, dict]:
    return {(r["agent_id"], _ms(r["interval_start"])): r
            for r in truth.agent_activity(centre.world, centre.instance.id, start_ms, end_ms)}


def _ms(value: str) -> int:
    return int(parse_datetime(value).timestamp() * MS)


def _by_key(rows) -> dict[tuple, dict]:
    return {(r["agent_id"], _ms(r["interval_start"])): r for r in rows}


def _requests(tap, seen: list) -> None:
    tap.connect.client.meta.events.register(
        "provide-client-params.connect.GetMetricDataV2", lambda params, **_: seen.append(dict(params)))


def _assert_truth(rows, expected) -> None:
    got = _by_key(rows)
    assert len(got) == len(rows), "one row per agent and interval"
    assert set(got) == set(expected)
    for key, row in got.items():
        for column in COLUMNS:
            assert row[column] == pytest.approx(expected[key][column], abs=1e-6), (key, column)


def test_rows_are_connects_per_agent_time_read_by_routing_profile(simulated_centre, run_tap):
    centre = simulated_centre(hours=20, agents_per_instance=16, standard_queues_per_instance=3)
    seen: list = []
    run = run_tap(centre, base_config(centre), streams=[STREAM], before_sync=lambda tap: _requests(tap, seen))
    rows = run.records[STREAM]
    end = closed_until(at(centre.clock.now_ms()), 15, 5)
    end_ms = int(end.timestamp() * MS)
    start_ms = centre.world.config.start_ms  # before it the simulated centre did not exist
    _assert_truth(rows, _truth(centre, start_ms, end_ms))
    assert sum(r["on_contact_seconds"] for r in rows) > 0 and sum(r["non_productive_seconds"] for r in rows) > 0
    assert all(r["api_version"] == "v2" and r["interval_minutes"] == 15 for r in rows)
    profiles = sorted(p.id for p in centre.world.directory.routing_profiles)
    assert seen and all(p["Filters"] == [{"FilterKey": "ROUTING_PROFILE", "FilterValues": profiles}]
                        and p["Groupings"] == ["AGENT"] for p in seen)
    # one ListRoutingProfiles, then pages of 100 rows: nothing but what the rows need
    assert run.calls["ListRoutingProfiles"] == 1
    assert run.calls["GetMetricDataV2"] == max(1, math.ceil(len(rows) / 100))
    state = run.state["bookmarks"][STREAM]["partitions"][0]
    assert state["read_until"] == end.isoformat()


def test_the_first_run_reads_agent_activity_backfill_hours(simulated_centre, run_tap):
    centre = simulated_centre(hours=20, agents_per_instance=8, standard_queues_per_instance=2)
    now = at(centre.clock.now_ms())
    config = base_config(centre, start_date=iso_ms(centre.world.config.start_ms), agent_activity_backfill_hours=3)
    rows = run_tap(centre, config, streams=[STREAM]).records[STREAM]
    first = min(parse_datetime(r["interval_start"]) for r in rows)
    assert now - timedelta(hours=3) <= first < now - timedelta(hours=2, minutes=30)
    with pytest.raises(ValueError, match="agent_activity_backfill_hours"):
        Options.from_config({"agent_activity_backfill_hours": 0})


def test_each_run_rereads_the_lookback_so_restated_intervals_are_corrected(simulated_centre, run_tap):
    """Connect restates recent intervals (here: each agent's time shows up to 10 minutes
    late): the first read of a just-closed interval is short, the next run's re-read final."""
    centre = simulated_centre(hours=15 + 7 / 60, agents_per_instance=16, standard_queues_per_instance=2,
                              faults=FaultPlan(restate_window_s=600, seed=3))
    config = base_config(centre, settle_minutes=0, agent_activity_backfill_hours=2)
    first = run_tap(centre, config, streams=[STREAM])
    last_ms = max(_ms(r["interval_start"]) for r in first.records[STREAM])
    final = _truth(centre, last_ms, last_ms + 15 * 60 * MS)
    early = sum(r["online_seconds"] for r in first.records[STREAM] if _ms(r["interval_start"]) == last_ms)
    assert early < sum(r["online_seconds"] for r in final.values())

    centre.clock.advance(30 * 60)
    second = run_tap(centre, config, state=first.state, streams=[STREAM])
    rows = second.records[STREAM]
    starts = {_ms(r["interval_start"]) for r in rows}
    assert min(starts) <= last_ms - HOUR_MS, "the lookback (120 min) is read again"
    end_ms = int(closed_until(at(centre.clock.now_ms()), 15, 0).timestamp() * MS)
    expected = _truth(centre, min(starts), end_ms - 15 * 60 * MS)  # the newest one is still settling
    _assert_truth([r for r in rows if _ms(r["interval_start"]) < end_ms - 15 * 60 * MS], expected)


def test_more_than_100_routing_profiles_are_batched_and_an_agent_split_between_them_adds_up(
        simulated_centre, run_tap, monkeypatch):
    """With more than 100 routing profiles, an agent whose profile changed mid-interval is in
    two requests: its row is the sum of both."""
    centre = simulated_centre(hours=14, agents_per_instance=12, standard_queues_per_instance=2,
                              user_change_rate=0, user_delete_rate=0)
    world = centre.world
    now = centre.clock.now_ms()
    profiles = sorted(p.id for p in world.directory.routing_profiles)
    online = {p.user_id for p in world.state_periods(centre.instance.id)
              if p.end_ms is None and p.activity != "LOGGED_OUT"}
    user = next(u for u in world.directory.users_of(centre.instance.id) if u.id in online)
    old = user.version_at(now).routing_profile_id
    new = next(p for p in profiles if p != old)
    change_ms = now - now % (15 * 60 * MS) + 5 * 60 * MS
    world.modify_user(user.id, change_ms, routing_profile_id=new)
    centre.clock.set(change_ms + 40 * 60 * MS)
    # 150 ids, the agent's two profiles in different batches of 100 (ids of no profile match nothing)
    others = [p for p in profiles if p not in (old, new)]
    fillers = [f"00000000-0000-0000-0000-{n:012d}" for n in range(148 - len(others))]
    listed = [*[old, *others, *fillers][:100], new, *fillers[99 - len(others):]]
    assert len(listed) == 150 and listed.index(new) == 100
    monkeypatch.setattr(ConnectClient, "routing_profile_ids", lambda self, instance_id: listed)
    config = base_config(centre, agent_activity_backfill_hours=1)
    run = run_tap(centre, config, streams=[STREAM])
    rows = run.records[STREAM]
    assert run.calls["GetMetricDataV2"] >= 2
    start_ms = min(_ms(r["interval_start"]) for r in rows)
    end_ms = int(closed_until(at(centre.clock.now_ms()), 15, 5).timestamp() * MS)
    _assert_truth(rows, _truth(centre, start_ms, end_ms))
    split = _by_key(rows)[(user.id, change_ms - 5 * 60 * MS)]
    assert split["online_seconds"] > 300  # online before and after the change, in one row


def test_not_selected_by_default_and_its_permissions_are_checked(simulated_centre, run_tap):
    centre = simulated_centre(hours=16, agents_per_instance=4, standard_queues_per_instance=1,
                              faults=FaultPlan(access_denied=frozenset({"ListRoutingProfiles"})))
    config = base_config(centre)
    tap = TapAmazonConnect(config=config)
    assert not tap.streams[STREAM].selected and tap.streams["queue_interval_metrics"].selected
    problems = check_permissions(ConnectClient(config), Options.from_config(config), [STREAM])
    assert problems == [p for p in problems if "connect:ListRoutingProfiles" in p] and problems
