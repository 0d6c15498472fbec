"""Every limit of the simulated Connect API is refused with the error Connect gives:
HTTP status, error code (botocore's modeled exception) and message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass
class Setting:
    """What a limit case needs from the served world."""

    client: Any
    instance_id: str
    instance_arn: str
    now: datetime  # the simulated now, on a 5-minute boundary
    queue_ids: list[str]
    user_ids: list[str]
    agent_queues: list[tuple[str, str]]  # (id, ARN) of agent queues


@pytest.fixture(scope="module")
def setting(shared_connect_rig) -> Setting:
    rig = shared_connect_rig
    instance = rig.instance
    queues = [q.id for q in rig.world.directory.queues_of(instance.id)]
    users = [u.id for u in rig.world.directory.users_of(instance.id)]
    agent_queues = [(q.id, q.arn) for q in rig.world.directory.queues_of(instance.id) if q.queue_type == "AGENT"]
    now = datetime.fromtimestamp(rig.clock.now_ms() / 1000, UTC)
    assert now.minute % 5 == 0 and now.second == 0
    return Setting(rig.client(), instance.id, instance.arn, now, queues, users, agent_queues)


def v1(s: Setting, start: datetime | None = None, end: datetime | None = None,
       queues: list[str] | None = None, metrics: list[dict] | None = None,
       channels: list[str] | None = None, **extra) -> dict:
    start = start or s.now - HOUR
    return s.client.get_metric_data(
        InstanceId=s.instance_id, StartTime=start, EndTime=end or start + 15 * MINUTE,
        Filters={"Queues": s.queue_ids[:3] if queues is None else queues,
                 **({"Channels": channels} if channels else {})},
        HistoricalMetrics=metrics or [{"Name": "CONTACTS_QUEUED", "Statistic": "SUM",
                                       "Unit": "COUNT"}],
        **extra,
    )


def v2(s: Setting, start: datetime | None = None, end: datetime | None = None,
       period: str = "FIFTEEN_MIN", filters: list[dict] | None = None,
       metrics: list[dict] | None = None, **extra) -> dict:
    end = end or s.now
    return s.client.get_metric_data_v2(
        ResourceArn=extra.pop("ResourceArn", s.instance_arn), StartTime=start or end - HOUR,
        EndTime=end, Interval={"IntervalPeriod": period, **extra.pop("Interval", {})},
        Filters=filters or [{"FilterKey": "QUEUE", "FilterValues": s.queue_ids[:3]}],
        Metrics=metrics or [{"Name": "CONTACTS_QUEUED"}], **extra,
    )


def current(s: Setting, filters: dict | None = None, metrics: list[dict] | None = None,
            **extra) -> dict:
    return s.client.get_current_metric_data(
        InstanceId=s.instance_id, Filters=filters or {"Queues": s.queue_ids[:3]},
        CurrentMetrics=metrics or [{"Name": "AGENTS_ONLINE", "Unit": "COUNT"}], **extra,
    )


def sl(value: float = 20, comparison: str = "LT") -> dict:
    return {"Name": "SERVICE_LEVEL", "Threshold": [{"Comparison": comparison,
                                                   "ThresholdValue": value}]}


Case = tuple[Callable[[Setting], Any], int, str, str]

TOO_MANY = [f"00000000-0000-4000-8000-{n:012d}" for n in range(101)]

CASES: dict[str, Case] = {
    # -- GetMetricData (V1) ------------------------------------------------------------------
    "v1 start off the 5-minute grid": (
        lambda s: v1(s, start=s.now - HOUR + MINUTE), 400, "InvalidParameterException",
        "must be specified using a multiple of 5 minutes"),
    "v1 end off the 5-minute grid": (
        lambda s: v1(s, end=s.now - 2 * MINUTE), 400, "InvalidParameterException",
        "must be specified using a multiple of 5 minutes"),
    "v1 end before start": (
        lambda s: v1(s, start=s.now - HOUR, end=s.now - 2 * HOUR), 400,
        "InvalidParameterException", "EndTime must be later than StartTime"),
    "v1 span of 24 hours": (
        lambda s: v1(s, start=s.now - DAY, end=s.now), 400, "InvalidParameterException",
        "must be less than 24 hours"),
    "v1 start more than 24 hours back": (
        lambda s: v1(s, start=s.now - DAY - 5 * MINUTE), 400, "InvalidParameterException",
        "cannot be earlier than 24 hours before the time of the request"),
    "v1 101 queues": (
        lambda s: v1(s, queues=TOO_MANY), 400, "InvalidParameterException",
        "1 validation error detected: Value '[00000000-0000-4000-8000-000000000000, "),
    "v1 statistic the metric does not have": (
        lambda s: v1(s, metrics=[{"Name": "CONTACTS_QUEUED", "Statistic": "AVG",
                                  "Unit": "COUNT"}]),
        400, "InvalidParameterException",
        "The metric CONTACTS_QUEUED is only available with Statistic SUM and Unit COUNT"),
    "v1 unit the metric does not have": (
        lambda s: v1(s, metrics=[{"Name": "HANDLE_TIME", "Statistic": "AVG", "Unit": "COUNT"}]),
        400, "InvalidParameterException",
        "The metric HANDLE_TIME is only available with Statistic AVG and Unit SECONDS"),
    "v1 service level without threshold": (
        lambda s: v1(s, metrics=[{"Name": "SERVICE_LEVEL", "Statistic": "AVG",
                                  "Unit": "PERCENT"}]),
        400, "InvalidParameterException",
        "You must specify a Threshold when you retrieve SERVICE_LEVEL metrics."),
    "v1 service level threshold out of range": (
        lambda s: v1(s, metrics=[{"Name": "SERVICE_LEVEL", "Statistic": "AVG", "Unit": "PERCENT",
                                  "Threshold": {"Comparison": "LT", "ThresholdValue": 604801}}]),
        400, "InvalidParameterException", "whole number from 1 to 604800"),
    "v1 grouping it does not offer": (
        lambda s: v1(s, Groupings=["ROUTING_PROFILE"]), 400, "InvalidParameterException",
        "Grouping ROUTING_PROFILE is not supported by GetMetricData"),
    "v1 no queue filter": (
        lambda s: s.client.get_metric_data(
            InstanceId=s.instance_id, StartTime=s.now - HOUR, EndTime=s.now,
            Filters={"Channels": ["VOICE"]}, HistoricalMetrics=[
                {"Name": "CONTACTS_QUEUED", "Statistic": "SUM", "Unit": "COUNT"}]),
        400, "InvalidParameterException", "at least one queue"),
    "v1 EMAIL channel": (
        lambda s: v1(s, channels=["VOICE", "EMAIL"]), 400,
        "InvalidParameterException", "VOICE, CHAT, and TASK channels are supported"),
    "v1 MaxResults 101": (
        lambda s: v1(s, MaxResults=101), 400, "InvalidParameterException",
        "Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less "
        "than or equal to 100"),
    # -- GetMetricDataV2 ---------------------------------------------------------------------
    "v2 3-day span at FIFTEEN_MIN": (
        lambda s: v2(s, start=s.now - 3 * DAY), 400, "InvalidParameterException",
        "must be less than 3 days for IntervalPeriod FIFTEEN_MIN"),
    "v2 3-day span at HOUR": (
        lambda s: v2(s, start=s.now - 3 * DAY, period="HOUR"), 400,
        "InvalidParameterException", "must be less than 3 days for IntervalPeriod HOUR"),
    "v2 35-day span at DAY": (
        lambda s: v2(s, start=s.now - 35 * DAY, period="DAY"), 400,
        "InvalidParameterException", "must be less than 35 days for IntervalPeriod DAY"),
    "v2 35-day span at TOTAL": (
        lambda s: v2(s, start=s.now - 35 * DAY, period="TOTAL"), 400,
        "InvalidParameterException", "must be less than 35 days for IntervalPeriod TOTAL"),
    "v2 more than 3 months back": (
        lambda s: v2(s, start=s.now - 94 * DAY, end=s.now - 93 * DAY, period="DAY"), 400,
        "InvalidParameterException", "cannot be earlier than 3 months"),
    "v2 end in the future": (
        lambda s: v2(s, end=s.now + MINUTE), 400, "InvalidParameterException",
        "EndTime cannot be later than the current time"),
    "v2 end before start": (
        lambda s: v2(s, start=s.now, end=s.now - HOUR), 400, "InvalidParameterException",
        "EndTime must be later than StartTime"),
    "v2 six filter keys": (
        lambda s: v2(s, filters=[{"FilterKey": "QUEUE", "FilterValues": [q]}
                                 for q in s.queue_ids[:6]]), 400,
        "InvalidParameterException",
        "at 'filters' failed to satisfy constraint: Member must have length less than or "
        "equal to 5"),
    "v2 101 filter values across keys": (
        lambda s: v2(s, filters=[{"FilterKey": "QUEUE", "FilterValues": TOO_MANY[:60]},
                                 {"FilterKey": "AGENT", "FilterValues": TOO_MANY[60:]}]),
        400, "InvalidParameterException",
        "up to 100 filter values across all filter keys; the request has 101"),
    "v2 101 values in one filter": (
        lambda s: v2(s, filters=[{"FilterKey": "QUEUE", "FilterValues": TOO_MANY}]), 400,
        "InvalidParameterException",
        "at 'filters.1.member.filterValues' failed to satisfy constraint: Member must have "
        "length less than or equal to 100"),
    "v2 no queue, routing profile, agent or hierarchy filter": (
        lambda s: v2(s, filters=[{"FilterKey": "CHANNEL", "FilterValues": ["VOICE"]}]), 400,
        "InvalidParameterException",
        "At least one filter must be passed from queues, routing profiles, agents, or user "
        "hierarchy groups"),
    "v2 unknown filter key": (
        lambda s: v2(s, filters=[{"FilterKey": "QUEUE", "FilterValues": s.queue_ids[:1]},
                                 {"FilterKey": "COLOUR", "FilterValues": ["red"]}]), 400,
        "InvalidParameterException", "FilterKey COLOUR is not valid"),
    "v2 unknown grouping": (
        lambda s: v2(s, Groupings=["QUEUE", "COLOUR"]), 400, "InvalidParameterException",
        "Grouping COLOUR is not valid"),
    "v2 unknown metric name": (
        lambda s: v2(s, metrics=[{"Name": "CONTACTS_OFFERED"}]), 400,
        "InvalidParameterException", "The metric name CONTACTS_OFFERED is not valid"),
    "v2 service level without threshold": (
        lambda s: v2(s, metrics=[{"Name": "SERVICE_LEVEL"}]), 400, "InvalidParameterException",
        "You must specify a Threshold when you retrieve SERVICE_LEVEL metrics"),
    "v2 service level with a GT threshold": (
        lambda s: v2(s, metrics=[sl(comparison="GT")]), 400, "InvalidParameterException",
        "Comparison GT is not valid for SERVICE_LEVEL; use LT or LTE"),
    "v2 21 service level metrics": (
        lambda s: v2(s, metrics=[sl(value) for value in range(1, 22)]), 400,
        "InvalidParameterException", "up to 20 SERVICE_LEVEL metrics"),
    "v2 metric that cannot be grouped by agent": (
        lambda s: v2(s, metrics=[{"Name": "AVG_QUEUE_ANSWER_TIME"}], Groupings=["AGENT"]), 400,
        "InvalidParameterException",
        "The metric AVG_QUEUE_ANSWER_TIME does not support the grouping or filter AGENT"),
    "v2 unknown time zone": (
        lambda s: v2(s, Interval={"TimeZone": "Mars/Olympus"}), 400,
        "InvalidParameterException", "TimeZone Mars/Olympus is not a valid time zone"),
    "v2 MaxResults 101": (
        lambda s: v2(s, MaxResults=101), 400, "InvalidParameterException",
        "Value '101' at 'maxResults' failed to satisfy constraint"),
    "v2 agent queue in the QUEUE filter": (
        lambda s: v2(s, filters=[{"FilterKey": "QUEUE", "FilterValues": [s.queue_ids[0], s.agent_queues[0][0]]}]),
        400, "InvalidParameterException", "GetMetricDataV2 does not support agent queues"),
    "v2 agent queue named by ARN": (
        lambda s: v2(s, filters=[{"FilterKey": "QUEUE", "FilterValues": [s.agent_queues[1][1]]}]),
        400, "InvalidParameterException", "does not support agent queues"),
    "v2 instance that does not exist": (
        lambda s: v2(s, ResourceArn=s.instance_arn[:-4] + "0000"), 404,
        "ResourceNotFoundException", "was not found"),
    "v2 ResourceArn that is not an instance": (
        lambda s: v2(s, ResourceArn=s.instance_arn + "/queue/" + s.queue_ids[0]), 400,
        "InvalidParameterException", "is not a valid instance ARN"),
    # -- GetCurrentMetricData ----------------------------------------------------------------
    "current 101 queues": (
        lambda s: current(s, filters={"Queues": TOO_MANY}), 400, "InvalidParameterException",
        "at 'filters.queues' failed to satisfy constraint: Member must have length less than "
        "or equal to 100"),
    "current unit the metric does not have": (
        lambda s: current(s, metrics=[{"Name": "AGENTS_ONLINE", "Unit": "SECONDS"}]), 400,
        "InvalidParameterException", "The unit for AGENTS_ONLINE must be COUNT"),
    "current without a queue filter": (
        lambda s: current(s, filters={"Channels": ["VOICE"]}), 400,
        "InvalidParameterException", "The Queues filter is required"),
    "current grouping it does not offer": (
        lambda s: current(s, Groupings=["AGENT_STATUS"]), 400, "InvalidParameterException",
        "Grouping AGENT_STATUS is not available"),
    "current sorting on slots": (
        lambda s: current(s, SortCriteria=[{"SortByMetric": "SLOTS_ACTIVE",
                                            "SortOrder": "ASCENDING"}]),
        400, "InvalidParameterException", "Sorting on SLOTS_ACTIVE is not supported"),
    "current EMAIL channel": (
        lambda s: current(s, filters={"Queues": s.queue_ids[:3], "Channels": ["EMAIL"]}), 400,
        "InvalidParameterException", "VOICE, CHAT, and TASK channels are supported"),
    "current MaxResults 101": (
        lambda s: current(s, MaxResults=101), 400, "InvalidParameterException",
        "Value '101' at 'maxResults'"),
    # -- configuration -----------------------------------------------------------------------
    "ListInstances MaxResults 11": (
        lambda s: s.client.list_instances(MaxResults=11), 400, "InvalidRequestException",
        "Value '11' at 'maxResults' failed to satisfy constraint: Member must have value less "
        "than or equal to 10"),
    "ListUsers MaxResults 1001": (
        lambda s: s.client.list_users(InstanceId=s.instance_id, MaxResults=1001), 400,
        "InvalidParameterException", "less than or equal to 1000"),
    "ListQueues MaxResults 1001": (
        lambda s: s.client.list_queues(InstanceId=s.instance_id, MaxResults=1001), 400,
        "InvalidParameterException", "less than or equal to 1000"),
    "SearchUsers MaxResults 501": (
        lambda s: s.client.search_users(InstanceId=s.instance_id, MaxResults=501), 400,
        "InvalidParameterException", "less than or equal to 500"),
    "ListQueues unknown queue type": (
        lambda s: s.client.list_queues(InstanceId=s.instance_id, QueueTypes=["SPECIAL"]), 400,
        "InvalidParameterException",
        "Value 'SPECIAL' at 'queueTypes.1.member' failed to satisfy constraint: Member must "
        "satisfy enum value set: [STANDARD, AGENT]"),
    "ListUsers unknown instance": (
        lambda s: s.client.list_users(InstanceId="00000000-0000-4000-8000-000000000000"), 404,
        "ResourceNotFoundException", "Instance 00000000-0000-4000-8000-000000000000 was not found"),
    "DescribeInstance unknown instance ARN": (
        lambda s: s.client.describe_instance(InstanceId=s.instance_arn[:-4] + "0000"), 404,
        "ResourceNotFoundException", "was not found"),
    "DescribeQueue unknown queue": (
        lambda s: s.client.describe_queue(InstanceId=s.instance_id, QueueId=TOO_MANY[0]), 404,
        "ResourceNotFoundException", f"Queue {TOO_MANY[0]} was not found"),
    "DescribeUser unknown user": (
        lambda s: s.client.describe_user(InstanceId=s.instance_id, UserId=TOO_MANY[0]), 404,
        "ResourceNotFoundException", f"User {TOO_MANY[0]} was not found"),
    "DescribeUserHierarchyGroup unknown group": (
        lambda s: s.client.describe_user_hierarchy_group(InstanceId=s.instance_id,
                                                         HierarchyGroupId=TOO_MANY[0]),
        404, "ResourceNotFoundException", f"Hierarchy group {TOO_MANY[0]} was not found"),
    "SearchUsers unknown field": (
        lambda s: s.client.search_users(InstanceId=s.instance_id, SearchCriteria={
            "StringCondition": {"FieldName": "Shoe", "Value": "x", "ComparisonType": "EXACT"}}),
        400, "InvalidParameterException", "FieldName Shoe is not supported"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_limit_is_refused_as_connect_refuses_it(setting, case):
    call, status, code, message = CASES[case]

    with pytest.raises(ClientError) as caught:
        call(setting)

    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == status
    assert error["Error"]["Code"] == code
    assert isinstance(caught.value, getattr(setting.client.exceptions, code))
    assert message in error["Error"]["Message"]


@pytest.mark.parametrize("call", [
    lambda s: v1(s, start=s.now - DAY + 5 * MINUTE, end=s.now),  # 23:55 span, 23:55 back
    lambda s: v1(s, queues=TOO_MANY[:100], MaxResults=100),
    lambda s: v2(s, start=s.now - 3 * DAY + MINUTE, period="HOUR"),
    lambda s: v2(s, start=s.now - 35 * DAY + MINUTE, period="WEEK"),
    lambda s: v2(s, start=s.now - 93 * DAY, end=s.now - 92 * DAY, period="DAY"),
    lambda s: v2(s, filters=[{"FilterKey": "QUEUE", "FilterValues": TOO_MANY[:100]},
                             {"FilterKey": "CHANNEL", "FilterValues": ["VOICE", "CHAT", "TASK"]}]),
    lambda s: v2(s, metrics=[sl(value) for value in range(1, 21)], MaxResults=100),
    lambda s: v2(s, metrics=[{"Name": "AGENT_OCCUPANCY"}],
                 filters=[{"FilterKey": "AGENT", "FilterValues": s.user_ids[:2]}]),
    lambda s: v2(s, filters=[{"FilterKey": "QUEUE", "FilterValues": s.queue_ids[:3]},
                             {"FilterKey": "CHANNEL", "FilterValues": ["VOICE", "EMAIL"]}]),
    lambda s: current(s, filters={"Queues": TOO_MANY[:100]}, MaxResults=100),
    lambda s: s.client.list_instances(MaxResults=10),
    lambda s: s.client.search_users(InstanceId=s.instance_id, MaxResults=500),
], ids=["v1 23:55", "v1 100 queues", "v2 HOUR under 3 days", "v2 WEEK under 35 days",
        "v2 93 days back", "v2 100 values and channels", "v2 20 service levels",
        "v2 occupancy by agent", "v2 EMAIL channel", "current 100 queues", "ListInstances 10", "SearchUsers 500"])
def test_requests_at_the_limit_are_answered(setting, call):
    answer = call(setting)

    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
