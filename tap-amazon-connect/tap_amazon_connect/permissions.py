"""--test: one cheap call per IAM action the tap's streams need, every missing one reported.

| stream | IAM actions |
|---|---|
| every stream | connect:ListInstances (instance_ids empty) or connect:DescribeInstance |
| queues, queue_interval_metrics, queue_current_metrics | connect:ListQueues |
| queues | connect:DescribeQueue |
| routing_profiles | connect:ListRoutingProfiles |
| agent_statuses | connect:ListAgentStatuses |
| user_hierarchy_groups | connect:ListUserHierarchyGroups, connect:DescribeUserHierarchyGroup |
| users | connect:ListUsers, connect:DescribeUser |
| queue_interval_metrics | connect:GetMetricDataV2 (v2) or connect:GetMetricData (v1) |
| queue_current_metrics | connect:GetCurrentMetricData |
| agent_interval_metrics (optional) | connect:GetMetricDataV2 (whatever metrics_api says) |
| agent_activity_metrics (optional) | connect:ListRoutingProfiles, connect:GetMetricDataV2 (whatever metrics_api says) |
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from botocore.exceptions import ClientError

from wfm_aws import MissingPermissionError

from . import clock, metric_specs
from .client import ConnectClient, Instance, v2_request
from .options import Options, OptionsError
from .windows import closed_until

STREAM_ACTIONS = {
    "instances": [],
    "queues": ["ListQueues", "DescribeQueue"],
    "routing_profiles": ["ListRoutingProfiles"],
    "agent_statuses": ["ListAgentStatuses"],
    "user_hierarchy_groups": ["ListUserHierarchyGroups", "DescribeUserHierarchyGroup"],
    "users": ["ListUsers", "DescribeUser"],
    "queue_interval_metrics": ["ListQueues", "<historical>"],
    "queue_current_metrics": ["ListQueues", "GetCurrentMetricData"],
    "agent_interval_metrics": ["ListQueues", "GetMetricDataV2"],
    "agent_activity_metrics": ["ListRoutingProfiles", "GetMetricDataV2"],
}


def check_permissions(connect: ConnectClient, options: Options, streams: Iterable[str]) -> list[str]:
    """The problems found ('connect:X: ...'), empty when every needed call is allowed."""
    problems: list[str] = []

    def attempt(action: str, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except MissingPermissionError as error:
            problems.append(f"{error.action}: missing (AWS said: {error.aws_message or 'access denied'})")
        except OptionsError as error:
            problems.append(str(error))
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code not in ("ResourceNotFoundException", "InvalidParameterException", "InvalidRequestException"):
                problems.append(f"connect:{action}: {code}: {error}")
        return None

    actions: list[str] = []
    for stream in streams:
        for action in STREAM_ACTIONS.get(stream, []):
            if action == "<historical>":
                action = "GetMetricData" if options.metrics_api == "v1" else "GetMetricDataV2"
            if action not in actions:
                actions.append(action)

    instance_action = "DescribeInstance" if connect.config.get("instance_ids") else "ListInstances"
    instances = attempt(instance_action, connect.instances)
    if not instances:
        if instances is not None:
            problems.append("no Connect instance found: check instance_ids and aws_region")
        return problems
    instance: Instance = instances[0]
    iid = instance.id
    queue_ids: list[str] = []
    if "ListQueues" in actions:
        queues = attempt("ListQueues", lambda: connect.queues(iid))
        # a standard queue first: GetMetricDataV2 refuses agent queues
        queue_ids = [q.id for q in sorted(queues or [], key=lambda q: q.queue_type == "AGENT")][:1]
    now = clock.now()
    end = closed_until(now, options.interval_minutes, options.settle_minutes)
    start = end - timedelta(minutes=options.interval_minutes)
    some_queue = queue_ids or ["00000000-0000-0000-0000-000000000000"]
    v1_filters = {"Queues": some_queue, **({"Channels": list(options.v1_and_current_channels)}
                                           if options.v1_and_current_channels else {})}
    calls: dict[str, Callable[[], Any]] = {
        "ListRoutingProfiles": lambda: connect.call("ListRoutingProfiles", InstanceId=iid, MaxResults=1),
        "ListAgentStatuses": lambda: connect.call("ListAgentStatuses", InstanceId=iid, MaxResults=1),
        "ListUserHierarchyGroups": lambda: connect.call("ListUserHierarchyGroups", InstanceId=iid, MaxResults=1),
        "ListUsers": lambda: connect.call("ListUsers", InstanceId=iid, MaxResults=1),
        "GetMetricDataV2": lambda: connect.call("GetMetricDataV2", **v2_request(
            instance, "QUEUE", some_queue, start, end, options.interval_minutes,
            [{"Name": "CONTACTS_QUEUED"}], max_results=1)),
        "GetMetricData": lambda: connect.call(
            "GetMetricData", InstanceId=iid, StartTime=start, EndTime=end,
            Filters=v1_filters, Groupings=["QUEUE"],
            HistoricalMetrics=metric_specs.v1_request_metrics()[:1], MaxResults=1),
        "GetCurrentMetricData": lambda: connect.call(
            "GetCurrentMetricData", InstanceId=iid, Filters=v1_filters,
            CurrentMetrics=[{"Name": "AGENTS_ONLINE", "Unit": "COUNT"}], MaxResults=1),
    }
    calls["DescribeQueue"] = lambda: connect.call("DescribeQueue", InstanceId=iid, QueueId=some_queue[0])
    answers: dict[str, Any] = {}
    for action in actions:
        if action in calls:
            answers[action] = attempt(action, calls[action])
    if "DescribeUser" in actions:
        users = (answers.get("ListUsers") or {}).get("UserSummaryList") or []
        # Without a listed user, ask for one that does not exist: NotFound still proves the permission.
        user_id = users[0]["Id"] if users else "00000000-0000-0000-0000-000000000000"
        attempt("DescribeUser", lambda: connect.call("DescribeUser", InstanceId=iid, UserId=user_id))
    if "DescribeUserHierarchyGroup" in actions:
        groups = (answers.get("ListUserHierarchyGroups") or {}).get("UserHierarchyGroupSummaryList") or []
        group_id = groups[0]["Id"] if groups else "00000000-0000-0000-0000-000000000000"
        attempt("DescribeUserHierarchyGroup", lambda: connect.call(
            "DescribeUserHierarchyGroup", InstanceId=iid, HierarchyGroupId=group_id))
    return problems
