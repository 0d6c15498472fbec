"""Page sizes and NextToken behaviour of the simulated Connect API."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from connect_sim.config import WorldConfig


class WallClock:
    """A wall clock the test moves (throttle bursts and token expiry follow wall time)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


LISTINGS = {
    "list_instances": ("InstanceSummaryList", False),
    "list_queues": ("QueueSummaryList", True),
    "list_routing_profiles": ("RoutingProfileSummaryList", True),
    "list_agent_statuses": ("AgentStatusSummaryList", True),
    "list_user_hierarchy_groups": ("UserHierarchyGroupSummaryList", True),
    "list_users": ("UserSummaryList", True),
    "search_users": ("Users", True),
}


def _pages(call, key: str, **request) -> list[dict]:
    pages = [call(**request)]
    while "NextToken" in pages[-1]:
        pages.append(call(**request, NextToken=pages[-1]["NextToken"]))
    return pages


@pytest.mark.parametrize("method", sorted(LISTINGS))
def test_listing_pages_add_up_to_the_whole_listing(connect_rig, method):
    rig = connect_rig(WorldConfig(seed=7, instances=3, agents_per_instance=20), hours=1)
    client = rig.client()
    key, per_instance = LISTINGS[method]
    call = getattr(client, method)
    scope = {"InstanceId": rig.instance.id} if per_instance else {}
    whole = call(**scope, MaxResults=500 if method == "search_users" else 10 if
                 method == "list_instances" else 1000)[key]
    size = 2

    pages = _pages(call, key, **scope, MaxResults=size)

    assert len(whole) > size
    assert len(pages) == math.ceil(len(whole) / size)
    assert all(len(page[key]) == size for page in pages[:-1])
    assert "NextToken" not in pages[-1]
    assert [item for page in pages for item in page[key]] == whole
    assert len({page["NextToken"] for page in pages[:-1]}) == len(pages) - 1


def test_botocore_paginators_walk_the_listings(connect_rig):
    rig = connect_rig(hours=1)
    client = rig.client()

    users = [u for page in client.get_paginator("list_users").paginate(
        InstanceId=rig.instance.id, PaginationConfig={"PageSize": 3}) for u in page["UserSummaryList"]]

    existing = [u for u in rig.world.directory.users_of(rig.instance.id)
                if u.exists_at(rig.clock.now_ms())]
    assert [u["Id"] for u in users] == [u.id for u in existing]


def test_default_page_sizes_are_connects(connect_rig):
    rig = connect_rig(WorldConfig(seed=7, instances=11, agents_per_instance=110), hours=0.1)
    client = rig.client()

    instances = client.list_instances()
    users = client.list_users(InstanceId=rig.instance.id)

    assert len(instances["InstanceSummaryList"]) == 10 and "NextToken" in instances
    assert len(users["UserSummaryList"]) == 100 and "NextToken" in users
    rest = client.list_users(InstanceId=rig.instance.id, NextToken=users["NextToken"])
    assert len(rest["UserSummaryList"]) == 12 and "NextToken" not in rest  # 110 agents + 2 supervisors


def test_a_token_only_works_for_the_request_that_got_it(connect_rig):
    rig = connect_rig(hours=1)
    client = rig.client()
    first = client.list_queues(InstanceId=rig.instance.id, QueueTypes=["AGENT"], MaxResults=2)

    with pytest.raises(client.exceptions.InvalidParameterException) as other_parameters:
        client.list_queues(InstanceId=rig.instance.id, QueueTypes=["STANDARD"],
                           NextToken=first["NextToken"])
    with pytest.raises(client.exceptions.InvalidRequestException) as other_operation:
        client.list_users(InstanceId=rig.instance.id, NextToken=first["NextToken"])

    assert "same request parameters" in other_parameters.value.response["Error"]["Message"]
    assert other_operation.value.response["Error"]["Message"] == "The nextToken is not valid."
    # a different page size is still the same request
    more = client.list_queues(InstanceId=rig.instance.id, QueueTypes=["AGENT"], MaxResults=5,
                              NextToken=first["NextToken"])
    assert len(more["QueueSummaryList"]) == 5


@pytest.mark.parametrize("token", ["not-a-token", "x" * 64])
def test_an_unknown_token_is_refused(connect_rig, token):
    rig = connect_rig(hours=1)
    client = rig.client()

    with pytest.raises(ClientError) as caught:
        client.list_instances(NextToken=token)

    error = caught.value.response
    assert error["Error"]["Code"] == "InvalidRequestException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400


def _v1_request(rig, queue_ids: list[str]) -> dict:
    now_ms = rig.clock.now_ms()
    start = now_ms - now_ms % 300_000 - 3 * 3_600_000
    return dict(InstanceId=rig.instance.id, StartTime=_utc(start), EndTime=_utc(start + 3 * 3_600_000),
                Filters={"Queues": queue_ids}, Groupings=["QUEUE", "CHANNEL"],
                HistoricalMetrics=[{"Name": "CONTACTS_QUEUED", "Statistic": "SUM", "Unit": "COUNT"}])


def _standard_queue_ids(rig) -> list[str]:
    return [q.id for q in rig.world.directory.queues_of(rig.instance.id) if q.queue_type == "STANDARD"]


def test_get_metric_data_tokens_expire_after_five_minutes_of_wall_time(connect_rig):
    wall = WallClock()
    rig = connect_rig(wall=wall)
    client = rig.client()
    request = _v1_request(rig, _standard_queue_ids(rig))
    first = client.get_metric_data(**request, MaxResults=1)

    wall.now += 299
    second = client.get_metric_data(**request, MaxResults=1, NextToken=first["NextToken"])
    wall.now += 301
    with pytest.raises(client.exceptions.InvalidParameterException) as expired:
        client.get_metric_data(**request, MaxResults=1, NextToken=second["NextToken"])

    assert expired.value.response["Error"]["Message"] == "The nextToken has expired."
    assert first["MetricResults"] != second["MetricResults"]


def test_current_metric_tokens_expire_and_pages_share_one_snapshot(connect_rig):
    wall = WallClock()
    rig = connect_rig(wall=wall)
    client = rig.client()
    request = dict(InstanceId=rig.instance.id, Filters={"Queues": _standard_queue_ids(rig)},
                   Groupings=["QUEUE"], CurrentMetrics=[{"Name": "AGENTS_ONLINE", "Unit": "COUNT"}],
                   MaxResults=2)
    first = client.get_current_metric_data(**request)
    rig.clock.advance(600)  # the centre moves on between pages

    second = client.get_current_metric_data(**request, NextToken=first["NextToken"])
    fresh = client.get_current_metric_data(**request)
    wall.now += 301

    assert second["DataSnapshotTime"] == first["DataSnapshotTime"]
    assert fresh["DataSnapshotTime"] == first["DataSnapshotTime"] + timedelta(minutes=10)
    assert second["ApproximateTotalCount"] == first["ApproximateTotalCount"] == 6
    with pytest.raises(client.exceptions.InvalidParameterException):
        client.get_current_metric_data(**request, NextToken=second["NextToken"])


def test_get_metric_data_v2_pages_rows_and_its_tokens_do_not_expire(connect_rig):
    wall = WallClock()
    rig = connect_rig(wall=wall)
    client = rig.client()
    now = _utc(rig.clock.now_ms())
    request = dict(ResourceArn=rig.instance.arn, StartTime=now - timedelta(hours=3), EndTime=now,
                   Interval={"IntervalPeriod": "FIFTEEN_MIN"},
                   Filters=[{"FilterKey": "QUEUE", "FilterValues": _standard_queue_ids(rig)}],
                   Groupings=["QUEUE"], Metrics=[{"Name": "CONTACTS_QUEUED"}])
    whole = client.get_metric_data_v2(**request, MaxResults=100)["MetricResults"]

    pages = [client.get_metric_data_v2(**request, MaxResults=7)]
    while "NextToken" in pages[-1]:
        wall.now += 3600
        pages.append(client.get_metric_data_v2(**request, MaxResults=7,
                                               NextToken=pages[-1]["NextToken"]))

    assert 7 < len(whole) < 100
    assert [row for page in pages for row in page["MetricResults"]] == whole
