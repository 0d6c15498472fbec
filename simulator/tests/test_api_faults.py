"""Faults of the world's FaultPlan as a client of the simulated Connect API meets them."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from botocore.exceptions import ClientError

from connect_sim.faults import FaultPlan
from connect_sim.metrics import figures_by_interval

QUARTER_MS = 15 * 60_000


class WallClock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


def _utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def _throttled(call) -> bool:
    try:
        call()
    except ClientError as error:
        assert error.response["Error"]["Code"] == "ThrottlingException"
        return True
    return False


def test_throttling_at_a_rate_is_connects_429_and_repeats_with_the_seed(connect_rig):
    outcomes = []
    for _ in range(2):
        rig = connect_rig(faults=FaultPlan(throttle_rate=0.3, seed=5), hours=1)
        client = rig.client()
        list_queues = partial(client.list_queues, InstanceId=rig.instance.id)
        outcomes.append([_throttled(list_queues) for _ in range(200)])

    assert outcomes[0] == outcomes[1]
    assert 40 <= sum(outcomes[0]) <= 80
    with pytest.raises(client.exceptions.ThrottlingException) as caught:
        while True:
            client.list_queues(InstanceId=rig.instance.id)
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert error["Error"]["Message"] == "Rate exceeded"


def test_throttle_bursts_follow_wall_time(connect_rig):
    wall = WallClock()
    rig = connect_rig(faults=FaultPlan(throttle_burst_s=10, throttle_burst_period_s=60),
                      hours=1, wall=wall)
    client = rig.client()

    def throttled_at(seconds_after_start: float) -> bool:
        wall.now = 5000.0 + seconds_after_start
        return _throttled(lambda: client.list_instances())

    observed = {t: throttled_at(t) for t in (0, 5, 9.9, 10, 30, 59.9, 60, 65, 70, 125)}

    assert observed == {0: True, 5: True, 9.9: True, 10: False, 30: False, 59.9: False,
                        60: True, 65: True, 70: False, 125: True}


def test_access_denied_names_the_caller_the_action_and_the_resource(connect_rig):
    rig = connect_rig(faults=FaultPlan(access_denied=frozenset({"GetMetricDataV2",
                                                                "DescribeUser"})), hours=1)
    client = rig.client(key_id="AKIATAPUSER")
    instance = rig.instance
    user_id = rig.world.directory.users_of(instance.id)[0].id
    now = _utc(rig.clock.now_ms())

    with pytest.raises(client.exceptions.AccessDeniedException) as metrics_denied:
        client.get_metric_data_v2(
            ResourceArn=instance.arn, StartTime=now - timedelta(hours=1), EndTime=now,
            Filters=[{"FilterKey": "QUEUE", "FilterValues": ["q"]}],
            Metrics=[{"Name": "CONTACTS_QUEUED"}])
    with pytest.raises(client.exceptions.AccessDeniedException) as user_denied:
        rig.client(key_id="ASIAROLE", session_token="token").describe_user(
            InstanceId=instance.id, UserId=user_id)

    assert metrics_denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert metrics_denied.value.response["Error"]["Message"] == (
        "User: arn:aws:iam::123456789012:user/AKIATAPUSER is not authorized to perform: "
        f"connect:GetMetricDataV2 on resource: {instance.arn} because no identity-based "
        "policy allows the connect:GetMetricDataV2 action")
    assert user_denied.value.response["Error"]["Message"] == (
        "User: arn:aws:sts::123456789012:assumed-role/WFMSGConnectAPIRole/ASIAROLE is not "
        f"authorized to perform: connect:DescribeUser on resource: {instance.arn}/agent/"
        f"{user_id} because no identity-based policy allows the connect:DescribeUser action")
    assert client.list_users(InstanceId=instance.id)["UserSummaryList"]  # other actions pass


def test_a_fault_plan_changed_while_serving_applies_to_the_next_call(connect_rig):
    rig = connect_rig(hours=1)
    client = rig.client()
    client.list_instances()

    rig.world.faults.access_denied = frozenset({"ListInstances"})

    with pytest.raises(client.exceptions.AccessDeniedException) as caught:
        client.list_instances()
    assert caught.value.response["Error"]["Message"].endswith(
        "on resource: arn:aws:connect:us-west-2:123456789012:instance/* because no "
        "identity-based policy allows the connect:ListInstances action")


def test_slow_answers_take_slow_ms(connect_rig):
    rig = connect_rig(faults=FaultPlan(slow_ms=300), hours=1)
    client = rig.client()
    client.list_instances()  # connection set up outside the measurement

    began = time.monotonic()
    client.list_instances()
    slow = time.monotonic() - began
    rig.world.faults.slow_ms = 0
    began = time.monotonic()
    client.list_instances()
    fast = time.monotonic() - began

    assert slow >= 0.3
    assert fast < 0.15


def _v2_rows(rig, start_ms: int, end_ms: int) -> dict[tuple[str, str, int], dict[str, float]]:
    queue_ids = [q.id for q in rig.world.directory.queues_of(rig.instance.id)
                 if q.queue_type == "STANDARD"]
    answer = rig.client().get_metric_data_v2(
        ResourceArn=rig.instance.arn, StartTime=_utc(start_ms), EndTime=_utc(end_ms),
        Interval={"IntervalPeriod": "FIFTEEN_MIN"},
        Filters=[{"FilterKey": "QUEUE", "FilterValues": queue_ids}], Groupings=["QUEUE", "CHANNEL"],
        Metrics=[{"Name": "CONTACTS_QUEUED"}, {"Name": "CONTACTS_QUEUED_BY_ENQUEUE"},
                 {"Name": "CONTACTS_HANDLED"},
                 {"Name": "CONTACTS_ABANDONED"}, {"Name": "SUM_HANDLE_TIME"}])
    return {
        (row["Dimensions"]["QUEUE"], row["Dimensions"]["CHANNEL"],
         int(row["MetricInterval"]["StartTime"].timestamp() * 1000)):
        {d["Metric"]["Name"]: d["Value"] for d in row["Collections"]}
        for row in answer["MetricResults"]
    }


def test_restated_intervals_grow_until_final(connect_rig):
    rig = connect_rig(faults=FaultPlan(restate_window_s=900, seed=3), hours=19)
    window_end = rig.clock.now_ms()
    window_start = window_end - 4 * QUARTER_MS

    first = _v2_rows(rig, window_start, window_end)
    rig.clock.advance(300)  # still within the restate window
    second = _v2_rows(rig, window_start, window_end)
    rig.clock.advance(3 * 3600)  # every contact of the window finished and published
    final = _v2_rows(rig, window_start, window_end)

    def handled(rows):
        return sum(v["CONTACTS_HANDLED"] + v["CONTACTS_ABANDONED"] for v in rows.values())

    assert handled(first) < handled(second) < handled(final)
    # counted at the disconnect (and the enqueue), not delayed: every contact that ended in
    # the window had ended when it was first read
    for metric in ("CONTACTS_QUEUED", "CONTACTS_QUEUED_BY_ENQUEUE"):
        assert {k: v[metric] for k, v in first.items()} == {k: v[metric] for k, v in final.items()}
    standard = {q.id for q in rig.world.directory.queues_of(rig.instance.id) if q.queue_type == "STANDARD"}
    segments = [s for s in rig.world.segments_for_window(rig.instance.id, window_start, window_end)
                if s.queue_id in standard]  # the rows asked for: a transfer may queue at an agent
    assert all(s.completed_ms is not None for s in segments if s.ended_ms is not None)
    truth = figures_by_interval(segments, QUARTER_MS, rig.world.visible_ms, as_of_ms=None,
                                start_ms=window_start, end_ms=window_end)
    assert final == {
        key: {"CONTACTS_QUEUED": f.contacts_queued,
              "CONTACTS_QUEUED_BY_ENQUEUE": f.contacts_queued_by_enqueue,
              "CONTACTS_HANDLED": f.contacts_handled,
              "CONTACTS_ABANDONED": f.contacts_abandoned, "SUM_HANDLE_TIME": f.handle_ms / 1000}
        for key, f in truth.items()
    }
