"""Configuration streams, full table each run: instances, queues, routing profiles, agent
statuses, user hierarchy groups."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from singer_sdk import typing as th

from ..windows import from_epoch, iso
from .base import ConnectStream


def _time(value: Any) -> str | None:
    return iso(from_epoch(value)) if value is not None else None


class InstancesStream(ConnectStream):
    """Every instance ListInstances returns (or each configured one), whatever its status;
    the other streams read ACTIVE instances only."""

    name = "instances"
    primary_keys = ("instance_id",)
    schema = th.PropertiesList(
        th.Property("instance_id", th.StringType, required=True),
        th.Property("instance_arn", th.StringType),
        th.Property("instance_alias", th.StringType),
        th.Property("identity_management_type", th.StringType),
        th.Property("instance_status", th.StringType),
        th.Property("created_time", th.DateTimeType),
        th.Property("inbound_calls_enabled", th.BooleanType),
        th.Property("outbound_calls_enabled", th.BooleanType),
        th.Property("instance_access_url", th.StringType),
    ).to_dict()

    def get_records(self, context: dict | None) -> Iterable[dict]:
        self.instances()  # an instance of instance_ids that is not ACTIVE stops the run here too
        for instance in self.connect.listed_instances():
            d = instance.document
            yield {
                "instance_id": instance.id,
                "instance_arn": instance.arn,
                "instance_alias": d.get("InstanceAlias"),
                "identity_management_type": d.get("IdentityManagementType"),
                "instance_status": d.get("InstanceStatus"),
                "created_time": _time(d.get("CreatedTime")),
                "inbound_calls_enabled": d.get("InboundCallsEnabled"),
                "outbound_calls_enabled": d.get("OutboundCallsEnabled"),
                "instance_access_url": d.get("InstanceAccessUrl"),
            }


class QueuesStream(ConnectStream):
    """The queues of the configured queue_types (and queue_ids): WFM's collection points.

    ListQueues, then DescribeQueue per queue for its description, hours and status.
    """

    name = "queues"
    primary_keys = ("instance_id", "queue_id")
    schema = th.PropertiesList(
        th.Property("instance_id", th.StringType, required=True),
        th.Property("queue_id", th.StringType, required=True),
        th.Property("queue_arn", th.StringType),
        th.Property("queue_name", th.StringType),
        th.Property("queue_type", th.StringType),
        th.Property("description", th.StringType),
        th.Property("hours_of_operation_id", th.StringType),
        th.Property("status", th.StringType, description="ENABLED or DISABLED"),
        th.Property("last_modified_time", th.DateTimeType),
    ).to_dict()

    def get_records(self, context: dict | None) -> Iterable[dict]:
        for instance in self.instances():
            for queue in self.connect.queues(instance.id):
                detail = self.connect.call("DescribeQueue", InstanceId=instance.id, QueueId=queue.id)["Queue"]
                yield {
                    "instance_id": instance.id,
                    "queue_id": queue.id,
                    "queue_arn": queue.arn,
                    "queue_name": queue.name,
                    "queue_type": queue.queue_type,
                    "description": detail.get("Description"),
                    "hours_of_operation_id": detail.get("HoursOfOperationId"),
                    "status": detail.get("Status"),
                    "last_modified_time": _time(queue.document.get("LastModifiedTime")),
                }


class _Listing(ConnectStream):
    operation = ""
    result_key = ""
    id_column = ""
    extra_params: dict[str, Any] = {}

    def row(self, instance_id: str, item: dict) -> dict:
        return {
            "instance_id": instance_id,
            self.id_column: item["Id"],
            self.id_column.replace("_id", "_arn"): item.get("Arn"),
            self.id_column.replace("_id", "_name"): item.get("Name"),
            "last_modified_time": _time(item.get("LastModifiedTime")),
        }

    def get_records(self, context: dict | None) -> Iterable[dict]:
        for instance in self.instances():
            items = self.connect.paginate(self.operation, self.result_key, InstanceId=instance.id,
                                          **self.extra_params)
            for item in sorted(items, key=lambda i: i["Id"]):
                yield self.row(instance.id, item)


class RoutingProfilesStream(_Listing):
    name = "routing_profiles"
    primary_keys = ("instance_id", "routing_profile_id")
    operation, result_key, id_column = "ListRoutingProfiles", "RoutingProfileSummaryList", "routing_profile_id"
    schema = th.PropertiesList(
        th.Property("instance_id", th.StringType, required=True),
        th.Property("routing_profile_id", th.StringType, required=True),
        th.Property("routing_profile_arn", th.StringType),
        th.Property("routing_profile_name", th.StringType),
        th.Property("last_modified_time", th.DateTimeType),
    ).to_dict()


class AgentStatusesStream(_Listing):
    name = "agent_statuses"
    primary_keys = ("instance_id", "agent_status_id")
    operation, result_key, id_column = "ListAgentStatuses", "AgentStatusSummaryList", "agent_status_id"
    schema = th.PropertiesList(
        th.Property("instance_id", th.StringType, required=True),
        th.Property("agent_status_id", th.StringType, required=True),
        th.Property("agent_status_arn", th.StringType),
        th.Property("agent_status_name", th.StringType),
        th.Property("agent_status_type", th.StringType, description="ROUTABLE, CUSTOM or OFFLINE"),
        th.Property("last_modified_time", th.DateTimeType),
    ).to_dict()

    def row(self, instance_id: str, item: dict) -> dict:
        return {**super().row(instance_id, item), "agent_status_type": item.get("Type")}


class UserHierarchyGroupsStream(_Listing):
    """ListUserHierarchyGroups, then DescribeUserHierarchyGroup per group for its level and path."""

    name = "user_hierarchy_groups"
    primary_keys = ("instance_id", "hierarchy_group_id")
    operation, result_key, id_column = ("ListUserHierarchyGroups", "UserHierarchyGroupSummaryList",
                                        "hierarchy_group_id")
    _level = th.ObjectType(th.Property("id", th.StringType), th.Property("name", th.StringType))
    schema = th.PropertiesList(
        th.Property("instance_id", th.StringType, required=True),
        th.Property("hierarchy_group_id", th.StringType, required=True),
        th.Property("hierarchy_group_arn", th.StringType),
        th.Property("hierarchy_group_name", th.StringType),
        th.Property("level_id", th.StringType),
        th.Property("parent_group_id", th.StringType),
        th.Property("hierarchy_path", th.ArrayType(_level), description="Top level first, this group last"),
        th.Property("last_modified_time", th.DateTimeType),
    ).to_dict()

    def row(self, instance_id: str, item: dict) -> dict:
        group = self.connect.call("DescribeUserHierarchyGroup", InstanceId=instance_id,
                                  HierarchyGroupId=item["Id"])["HierarchyGroup"]
        levels = ("LevelOne", "LevelTwo", "LevelThree", "LevelFour", "LevelFive")
        path = [group["HierarchyPath"][level] for level in levels if level in (group.get("HierarchyPath") or {})]
        return {
            **super().row(instance_id, item),
            "level_id": group.get("LevelId"),
            "parent_group_id": path[-2]["Id"] if len(path) > 1 else None,
            "hierarchy_path": [{"id": p.get("Id"), "name": p.get("Name")} for p in path],
        }
