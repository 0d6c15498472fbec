"""GetMetricDataV2's agent-activity time (SUM_ONLINE_TIME_AGENT, SUM_IDLE_TIME_AGENT,
SUM_CONTACT_TIME_AGENT, SUM_NON_PRODUCTIVE_TIME_AGENT, SUM_ERROR_STATUS_TIME_AGENT) per agent,
from the engine's own record of each agent (connect_sim/agent_activity.py)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import pytest

from connect_sim import truth
from connect_sim.config import WorldConfig
from connect_sim.faults import FaultPlan

QUARTER_MS = 15 * 60_000
ACTIVITY = ("SUM_ONLINE_TIME_AGENT", "SUM_IDLE_TIME_AGENT", "SUM_CONTACT_TIME_AGENT",
            "SUM_NON_PRODUCTIVE_TIME_AGENT", "SUM_ERROR_STATUS_TIME_AGENT")
CONTACT_RECORD = ("SUM_AFTER_CONTACT_WORK_TIME", "AGENT_NON_RESPONSE")
TRUTH_COLUMN = {"SUM_ONLINE_TIME_AGENT": "online_seconds", "SUM_IDLE_TIME_AGENT": "idle_seconds",
                "SUM_CONTACT_TIME_AGENT": "on_contact_seconds",
                "SUM_NON_PRODUCTIVE_TIME_AGENT": "non_productive_seconds",
                "SUM_ERROR_STATUS_TIME_AGENT": "error_status_seconds",
                "SUM_AFTER_CONTACT_WORK_TIME": "after_contact_work_seconds",
                "AGENT_NON_RESPONSE": "agent_non_response"}


def _utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def _ms(value) -> int:
    return int(value.timestamp() * 1000)


def _rows(rig, start_ms, end_ms, filters, groupings=("AGENT",), metrics=ACTIVITY + CONTACT_RECORD,
          period="FIFTEEN_MIN") -> dict[tuple, dict]:
    client = rig.client()
    request = dict(ResourceArn=rig.instance.arn, StartTime=_utc(start_ms), EndTime=_utc(end_ms),
                   Interval={"IntervalPeriod": period, "TimeZone": "UTC"}, Filters=filters,
                   Groupings=list(groupings), Metrics=[{"Name": m} for m in metrics], MaxResults=100)
    pages = [client.get_metric_data_v2(**request)]
    while "NextToken" in pages[-1]:
        pages.append(client.get_metric_data_v2(**request, NextToken=pages[-1]["NextToken"]))
    out = {}
    for row in (r for page in pages for r in page["MetricResults"]):
        key = (*(row["Dimensions"][g] for g in groupings), _ms(row["MetricInterval"]["StartTime"]))
        out[key] = {d["Metric"]["Name"]: d.get("Value") for d in row["Collections"]}
    return out


def _profiles(rig) -> list[str]:
    return [p.id for p in rig.world.directory.routing_profiles if p.instance_id == rig.instance.id]


@pytest.fixture(scope="module")
def rig(shared_connect_rig):
    return shared_connect_rig


@pytest.fixture(scope="module")
def window(rig) -> tuple[int, int]:
    """The last 8 closed quarter hours (agents at work)."""
    now = rig.clock.now_ms()
    end = now - now % QUARTER_MS
    return end - 8 * QUARTER_MS, end


def test_per_agent_time_by_routing_profile_filter_is_the_truth(rig, window):
    start_ms, end_ms = window
    got = _rows(rig, start_ms, end_ms, [{"FilterKey": "ROUTING_PROFILE", "FilterValues": _profiles(rig)}])
    expected = {(r["agent_id"], _ms(datetime.fromisoformat(r["interval_start"].replace("Z", "+00:00")))): r
                for r in truth.agent_activity(rig.world, rig.instance.id, start_ms, end_ms)}
    assert len(got) > 50 and set(got) == set(expected)
    for key, values in got.items():
        for metric, column in TRUTH_COLUMN.items():
            assert values[metric] == pytest.approx(expected[key][column], abs=1e-9), (key, metric)
    assert sum(v["SUM_NON_PRODUCTIVE_TIME_AGENT"] for v in got.values()) > 0
    assert sum(v["SUM_CONTACT_TIME_AGENT"] for v in got.values()) > 0


def test_the_same_time_whatever_the_resource_filter(rig, window):
    start_ms, end_ms = window
    by_profile = _rows(rig, start_ms, end_ms, [{"FilterKey": "ROUTING_PROFILE", "FilterValues": _profiles(rig)}])
    agents = sorted({agent for agent, _ in by_profile})
    by_agent = _rows(rig, start_ms, end_ms, [{"FilterKey": "AGENT", "FilterValues": agents}])
    assert by_agent == by_profile
    one = _rows(rig, start_ms, end_ms, [{"FilterKey": "AGENT", "FilterValues": [agents[0]]}])
    assert one == {k: v for k, v in by_profile.items() if k[0] == agents[0]}
    per_profile = _rows(rig, start_ms, end_ms,
                        [{"FilterKey": "ROUTING_PROFILE", "FilterValues": _profiles(rig)}],
                        groupings=("ROUTING_PROFILE",), metrics=ACTIVITY)
    totals: dict[int, float] = defaultdict(float)
    for (_, t), values in per_profile.items():
        totals[t] += values["SUM_ONLINE_TIME_AGENT"]
    for t, online in totals.items():
        assert online == pytest.approx(sum(v["SUM_ONLINE_TIME_AGENT"] for (_, s), v in by_profile.items()
                                           if s == t), abs=1e-6)


def test_how_the_times_relate(rig, window):
    """Online = idle + on contact + non-productive + ring time (a contact offered, none
    connected: neither idle nor on contact); error time is within idle or on-contact time;
    no interval holds more than its 900 s."""
    start_ms, end_ms = window
    got = _rows(rig, start_ms, end_ms, [{"FilterKey": "ROUTING_PROFILE", "FilterValues": _profiles(rig)}],
                metrics=ACTIVITY)
    ringing = 0.0
    for key, v in got.items():
        rest = v["SUM_ONLINE_TIME_AGENT"] - v["SUM_IDLE_TIME_AGENT"] - v["SUM_CONTACT_TIME_AGENT"] \
            - v["SUM_NON_PRODUCTIVE_TIME_AGENT"]
        assert -1e-9 <= rest <= v["SUM_ONLINE_TIME_AGENT"], key
        ringing += rest
        assert v["SUM_ERROR_STATUS_TIME_AGENT"] <= v["SUM_IDLE_TIME_AGENT"] + v["SUM_CONTACT_TIME_AGENT"] + 1e-9
        assert v["SUM_ONLINE_TIME_AGENT"] <= 900 + 1e-9
    assert ringing > 0


def test_activity_metrics_take_no_queue_channel_or_metric_filter(rig, window):
    from botocore.exceptions import ClientError

    start_ms, end_ms = window
    queue = next(q.id for q in rig.world.directory.queues_of(rig.instance.id) if q.queue_type == "STANDARD")
    for filters, groupings, metric in (
        ([{"FilterKey": "QUEUE", "FilterValues": [queue]}], ["AGENT"], {"Name": "SUM_IDLE_TIME_AGENT"}),
        ([{"FilterKey": "ROUTING_PROFILE", "FilterValues": _profiles(rig)}], ["AGENT", "CHANNEL"],
         {"Name": "SUM_ONLINE_TIME_AGENT"}),
        ([{"FilterKey": "ROUTING_PROFILE", "FilterValues": _profiles(rig)}], ["AGENT"],
         {"Name": "SUM_CONTACT_TIME_AGENT", "MetricFilters": [
             {"MetricFilterKey": "INITIATION_METHOD", "MetricFilterValues": ["INBOUND"]}]}),
    ):
        with pytest.raises(ClientError, match=r"not valid|does not support"):
            rig.client().get_metric_data_v2(
                ResourceArn=rig.instance.arn, StartTime=_utc(start_ms), EndTime=_utc(end_ms),
                Interval={"IntervalPeriod": "FIFTEEN_MIN", "TimeZone": "UTC"}, Filters=filters,
                Groupings=groupings, Metrics=[metric])


def test_a_routing_profile_change_splits_the_agent_between_profiles(connect_rig):
    rig = connect_rig(WorldConfig(seed=7, agents_per_instance=20, user_change_rate=0, user_delete_rate=0),
                      hours=14)
    world = rig.world
    now = rig.clock.now_ms()
    online = {p.user_id for p in world.state_periods(rig.instance.id) if p.end_ms is None
              and p.activity != "LOGGED_OUT"}
    user = next(u for u in world.directory.users_of(rig.instance.id) if u.id in online)
    old = user.version_at(now).routing_profile_id
    new = next(p for p in _profiles(rig) if p != old)
    change_ms = now - now % QUARTER_MS + 5 * 60_000
    world.modify_user(user.id, change_ms, routing_profile_id=new)
    rig.clock.set(change_ms + 30 * 60_000)
    start_ms = change_ms - 5 * 60_000
    end_ms = start_ms + 2 * QUARTER_MS
    per_profile = _rows(rig, start_ms, end_ms, [{"FilterKey": "AGENT", "FilterValues": [user.id]}],
                        groupings=("ROUTING_PROFILE",), metrics=("SUM_ONLINE_TIME_AGENT",))
    whole = _rows(rig, start_ms, end_ms, [{"FilterKey": "AGENT", "FilterValues": [user.id]}],
                  metrics=("SUM_ONLINE_TIME_AGENT",))
    assert (old, start_ms) in per_profile and (new, start_ms) in per_profile
    assert (new, start_ms + QUARTER_MS) in per_profile and (old, start_ms + QUARTER_MS) not in per_profile
    assert per_profile[(old, start_ms)]["SUM_ONLINE_TIME_AGENT"] <= 300 + 1e-9
    assert (per_profile[(old, start_ms)]["SUM_ONLINE_TIME_AGENT"] + per_profile[(new, start_ms)][
        "SUM_ONLINE_TIME_AGENT"]) == pytest.approx(whole[(user.id, start_ms)]["SUM_ONLINE_TIME_AGENT"])


def test_an_interval_not_closed_is_partial_and_a_delay_restates_it(connect_rig):
    rig = connect_rig(WorldConfig(seed=7, agents_per_instance=20),
                      faults=FaultPlan(restate_window_s=600, seed=3), hours=15 + 7 / 60)
    now = rig.clock.now_ms()
    current = now - now % QUARTER_MS
    filters = [{"FilterKey": "ROUTING_PROFILE", "FilterValues": _profiles(rig)}]

    def online(start_ms, end_ms):
        return sum(v["SUM_ONLINE_TIME_AGENT"] for v in _rows(rig, start_ms, end_ms, filters,
                                                             metrics=("SUM_ONLINE_TIME_AGENT",)).values())

    closed = (current - QUARTER_MS, current)
    early = online(*closed)
    in_progress = online(current, now)
    rig.clock.advance(15 * 60)  # more than the longest delay (10 min) after the interval closed
    final = online(*closed)
    expected = sum(r["online_seconds"] for r in truth.agent_activity(rig.world, rig.instance.id, *closed))
    assert 0 < early < final == pytest.approx(expected)
    assert 0 < in_progress < final + 1e-9  # part of a quarter hour so far
