"""Every answer of the simulated Connect API has the shape botocore's model gives it.

Each of the 15 operations is called through boto3 against a served World; both the parsed
response and the JSON document the server sent (botocore drops unknown members while
parsing, so the raw document is checked too) are validated against the output shape.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from connect_sim.api.service_model import OPERATIONS, connect_model, operation
from connect_sim.api.shape_check import shape_violations
from connect_sim.config import WorldConfig
from connect_sim.faults import FaultPlan

# With an agent event stream and instances being created or failed, so those answers are walked too.
WALKED_WORLD = WorldConfig(seed=7, agents_per_instance=20,
                           instances_not_active=("CREATION_IN_PROGRESS", "CREATION_FAILED"),
                           agent_event_stream_arn="arn:aws:kinesis:us-west-2:123456789012:stream/agent-events")


def _utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def _call_every_operation(rig) -> dict[str, list[dict[str, Any]]]:
    client = rig.client()
    instance = rig.instance
    now = _utc(rig.clock.now_ms())
    queues = client.list_queues(InstanceId=instance.id, QueueTypes=["STANDARD"])
    queue_ids = [q["Id"] for q in queues["QueueSummaryList"]]
    users = client.list_users(InstanceId=instance.id)["UserSummaryList"]
    desk_phone_user = next(
        u for u in rig.world.directory.users_of(instance.id)
        if u.version_at(rig.clock.now_ms()).phone_type == "DESK_PHONE"
    )
    groups = client.list_user_hierarchy_groups(InstanceId=instance.id)
    team = next(g for g in rig.world.directory.hierarchy_groups if g.parent_id)
    window_start = now - timedelta(hours=3)
    v2_metrics = [
        {"Name": "CONTACTS_QUEUED"}, {"Name": "CONTACTS_HANDLED"}, {"Name": "AVG_HANDLE_TIME"},
        {"Name": "AVG_ABANDON_TIME"},
        {"Name": "SERVICE_LEVEL", "Threshold": [{"Comparison": "LT", "ThresholdValue": 20}]},
        {"Name": "CONTACTS_HANDLED", "MetricFilters": [
            {"MetricFilterKey": "INITIATION_METHOD", "MetricFilterValues": ["INBOUND"]}]},
        {"Name": "AGENT_SCHEDULE_ADHERENCE"},  # valid, not simulated: no Value
    ]
    v1_metrics = [
        {"Name": "CONTACTS_QUEUED", "Statistic": "SUM", "Unit": "COUNT"},
        {"Name": "HANDLE_TIME", "Statistic": "AVG", "Unit": "SECONDS"},
        {"Name": "QUEUED_TIME", "Statistic": "MAX", "Unit": "SECONDS"},
        {"Name": "OCCUPANCY", "Statistic": "AVG", "Unit": "PERCENT"},
        {"Name": "SERVICE_LEVEL", "Statistic": "AVG", "Unit": "PERCENT",
         "Threshold": {"Comparison": "LT", "ThresholdValue": 20}},
    ]
    current_metrics = [{"Name": name, "Unit": "COUNT"} for name in (
        "AGENTS_ONLINE", "AGENTS_AVAILABLE", "AGENTS_ON_CALL", "AGENTS_ON_CONTACT",
        "AGENTS_STAFFED", "AGENTS_AFTER_CONTACT_WORK", "AGENTS_ERROR", "AGENTS_NON_PRODUCTIVE",
        "CONTACTS_IN_QUEUE", "CONTACTS_SCHEDULED", "SLOTS_ACTIVE", "SLOTS_AVAILABLE",
    )] + [{"Name": "OLDEST_CONTACT_AGE", "Unit": "SECONDS"},
          {"Name": "ESTIMATED_WAIT_TIME", "Unit": "SECONDS"}]
    calls = {
        "ListInstances": [lambda: client.list_instances()],
        "DescribeInstance": [lambda: client.describe_instance(InstanceId=instance.arn)] + [
            (lambda i=i: client.describe_instance(InstanceId=i["Id"]))
            for i in client.list_instances()["InstanceSummaryList"] if i["InstanceStatus"] != "ACTIVE"],
        "ListInstanceStorageConfigs": [lambda: client.list_instance_storage_configs(
            InstanceId=instance.id, ResourceType="AGENT_EVENTS")],
        "ListQueues": [lambda: client.list_queues(InstanceId=instance.id)],
        "DescribeQueue": [
            lambda: client.describe_queue(InstanceId=instance.id, QueueId=queue_ids[0]),
            lambda: client.describe_queue(InstanceId=instance.id, QueueId=next(
                q.id for q in rig.world.directory.queues_of(instance.id)
                if q.queue_type == "AGENT")),
        ],
        "ListRoutingProfiles": [lambda: client.list_routing_profiles(InstanceId=instance.id)],
        "ListAgentStatuses": [lambda: client.list_agent_statuses(InstanceId=instance.id)],
        "ListUserHierarchyGroups": [lambda: groups],
        "DescribeUserHierarchyGroup": [lambda: client.describe_user_hierarchy_group(
            InstanceId=instance.id, HierarchyGroupId=team.id)],
        "ListUsers": [lambda: client.list_users(InstanceId=instance.id, MaxResults=5)],
        "DescribeUser": [
            lambda: client.describe_user(InstanceId=instance.id, UserId=users[0]["Id"]),
            lambda: client.describe_user(InstanceId=instance.id, UserId=desk_phone_user.id),
        ],
        "SearchUsers": [lambda: client.search_users(InstanceId=instance.id, MaxResults=3)],
        "GetMetricData": [lambda: client.get_metric_data(
            InstanceId=instance.id, StartTime=window_start, EndTime=now,
            Filters={"Queues": queue_ids, "Channels": ["VOICE", "CHAT"]},
            Groupings=["QUEUE", "CHANNEL"], HistoricalMetrics=v1_metrics)],
        "GetMetricDataV2": [
            lambda: client.get_metric_data_v2(
                ResourceArn=instance.arn, StartTime=window_start, EndTime=now,
                Interval={"IntervalPeriod": "FIFTEEN_MIN", "TimeZone": instance.time_zone},
                Filters=[{"FilterKey": "QUEUE", "FilterValues": queue_ids}],
                Groupings=["QUEUE", "CHANNEL"], Metrics=v2_metrics),
            lambda: client.get_metric_data_v2(
                ResourceArn=instance.arn, StartTime=window_start, EndTime=now,
                Filters=[{"FilterKey": "QUEUE", "FilterValues": queue_ids}], Metrics=v2_metrics),
        ],
        "GetCurrentMetricData": [
            lambda: client.get_current_metric_data(
                InstanceId=instance.id, Filters={"Queues": queue_ids},
                Groupings=["QUEUE", "CHANNEL"], CurrentMetrics=current_metrics),
            lambda: client.get_current_metric_data(
                InstanceId=instance.id, Filters={"Queues": queue_ids},
                CurrentMetrics=current_metrics),
        ],
    }
    assert set(calls) == set(OPERATIONS)
    return {name: [call() for call in operation_calls] for name, operation_calls in calls.items()}


def test_every_operation_answers_in_its_output_shape(connect_rig):
    rig = connect_rig(WALKED_WORLD)
    parsed = _call_every_operation(rig)

    for name, responses in parsed.items():
        shape = operation(name).output_shape
        for response in responses:
            assert shape_violations(shape, response, wire=False) == [], name
    answered = {op for op, status, _ in rig.answers if status == 200}
    assert answered == set(OPERATIONS)
    for op, status, document in rig.answers:
        assert status == 200, (op, document)
        assert shape_violations(operation(op).output_shape, document, wire=True) == [], op


def test_the_walk_exercises_filled_answers(connect_rig):
    """The shape walk only proves something if the answers hold data: every listing has
    items and every metric answer has rows with values."""
    parsed = _call_every_operation(connect_rig(WALKED_WORLD))

    listings = {"ListInstances": "InstanceSummaryList", "ListInstanceStorageConfigs": "StorageConfigs",
                "ListQueues": "QueueSummaryList",
                "ListRoutingProfiles": "RoutingProfileSummaryList",
                "ListAgentStatuses": "AgentStatusSummaryList",
                "ListUserHierarchyGroups": "UserHierarchyGroupSummaryList",
                "ListUsers": "UserSummaryList", "SearchUsers": "Users",
                "GetMetricData": "MetricResults", "GetMetricDataV2": "MetricResults",
                "GetCurrentMetricData": "MetricResults"}
    for name, key in listings.items():
        assert all(response[key] for response in parsed[name]), name
    described = parsed["DescribeUser"][1]["User"]
    assert described["PhoneConfig"]["DeskPhoneNumber"].startswith("+1")
    v2_row = parsed["GetMetricDataV2"][0]["MetricResults"][0]
    assert {"QUEUE", "QUEUE_ARN", "CHANNEL"} <= set(v2_row["Dimensions"])
    assert [d["Metric"]["Name"] for d in v2_row["Collections"]][-1] == "AGENT_SCHEDULE_ADHERENCE"
    assert "Value" not in v2_row["Collections"][-1]
    assert "Value" in v2_row["Collections"][0]


def test_errors_answer_in_their_error_shape(connect_rig):
    rig = connect_rig(faults=FaultPlan(access_denied=frozenset({"ListQueues"})))
    client = rig.client()
    provoked = {
        "ResourceNotFoundException": lambda: client.describe_user(
            InstanceId=rig.instance.id, UserId="00000000-0000-4000-8000-000000000000"),
        "InvalidParameterException": lambda: client.list_users(
            InstanceId=rig.instance.id, MaxResults=1001),
        "InvalidRequestException": lambda: client.list_instances(NextToken="not-a-token"),
        "AccessDeniedException": lambda: client.list_queues(InstanceId=rig.instance.id),
    }
    for code, call in provoked.items():
        with pytest.raises(ClientError) as caught:
            call()
        error = caught.value.response
        assert error["Error"]["Code"] == code
        assert error["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"].startswith(code)
        assert error["ResponseMetadata"]["HTTPStatusCode"] == rig.answers[-1][1]
        assert error["Error"]["Message"]
        error_shape = connect_model().shape_for(code)
        assert shape_violations(error_shape, rig.answers[-1][2], wire=True) == []


@pytest.mark.parametrize(("document", "problem"), [
    ({"InstanceSummaryList": [{"Id": "i", "Colour": "red"}]}, "unknown member Colour"),
    ({"InstanceSummaryList": [{"Id": "i", "InstanceStatus": "SLEEPING"}]}, "is not one of"),
    ({"InstanceSummaryList": [{"Id": "i", "CreatedTime": "yesterday"}]}, "expected epoch seconds"),
    ({"InstanceSummaryList": [{"Id": ""}]}, "below the minimum 1"),
    ({"InstanceSummaryList": {"Id": "i"}}, "expected a list"),
])
def test_shape_check_catches_what_botocore_would_drop(document, problem):
    found = shape_violations(operation("ListInstances").output_shape, document, wire=True)

    assert any(problem in violation for violation in found), found


def test_shape_check_requires_required_members():
    shape = operation("DescribeUser").output_shape
    document = {"User": {"Id": "u", "AutoAcceptConfigs": [{"Channel": "VOICE"}]}}

    found = shape_violations(shape, document, wire=True)

    assert found == ["DescribeUserResponse.User.AutoAcceptConfigs[0]: required member AutoAccept "
                     "is missing"]
