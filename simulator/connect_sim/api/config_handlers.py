"""Configuration operations: instances, queues, routing profiles, statuses, hierarchy, users.

Everything is shown as of the request's moment: users that exist then (and their agent
queues), each user's configuration version in force then.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from ..directory import InstanceNotActive, instances_not_active
from ..model import HierarchyGroup, Instance, User
from .context import Call
from .errors import not_found
from .pagination import Page
from .resources import existing_users, find_user, instance_of, visible_queues
from .wire import epoch_seconds

Document = dict[str, Any]


def listing(call: Call, key: str, compute: Callable[[], Sequence[Document]]) -> Document:
    page: Page[Document] = call.pages.paginate(call.operation, call.params, call.now_ms, compute)
    return page.answer({key: page.items})


def modified(modified_ms: int, instance: Instance) -> Document:
    return {"LastModifiedTime": epoch_seconds(modified_ms), "LastModifiedRegion": instance.region}


def _stable_token(*parts: str, length: int = 20) -> str:
    digest = hashlib.blake2b(":".join(parts).encode(), digest_size=32).hexdigest()
    return digest[:length]


# -- instances ---------------------------------------------------------------------------
def _instance_document(instance: Instance) -> Document:
    role_suffix = _stable_token("service-role", instance.id).upper()
    return {
        "Id": instance.id,
        "Arn": instance.arn,
        "IdentityManagementType": "CONNECT_MANAGED",
        "InstanceAlias": instance.alias,
        "CreatedTime": epoch_seconds(instance.created_ms),
        "ServiceRole": f"arn:aws:iam::{instance.account_id}:role/aws-service-role/"
        f"connect.amazonaws.com/AWSServiceRoleForAmazonConnect_{role_suffix}",
        "InstanceStatus": "ACTIVE",
        "InboundCallsEnabled": True,
        "OutboundCallsEnabled": True,
        "InstanceAccessUrl": f"https://{instance.alias}.my.connect.aws",
    }


def _not_active_document(instance: InstanceNotActive, described: bool) -> Document:
    """What Connect shows of an instance being created or whose creation failed: no service
    role or access URL yet; DescribeInstance adds the failure's StatusReason."""
    document: Document = {
        "Id": instance.id,
        "Arn": instance.arn,
        "IdentityManagementType": "CONNECT_MANAGED",
        "InstanceAlias": instance.alias,
        "CreatedTime": epoch_seconds(instance.created_ms),
        "InstanceStatus": instance.status,
        "InboundCallsEnabled": True,
        "OutboundCallsEnabled": True,
    }
    if described and instance.status == "CREATION_FAILED":
        document["StatusReason"] = {"Message": "The instance could not be created; create it again"}
    return document


def _not_active(call: Call) -> list[InstanceNotActive]:
    return [i for i in instances_not_active(call.world.config) if i.created_ms <= call.now_ms
            and (i.listed_until_ms is None or call.now_ms < i.listed_until_ms)]


def list_instances(call: Call) -> Document:
    return listing(call, "InstanceSummaryList", lambda: [
        _instance_document(instance) for instance in call.directory.instances
        if instance.created_ms <= call.now_ms
    ] + [_not_active_document(instance, described=False) for instance in _not_active(call)])


def describe_instance(call: Call) -> Document:
    reference = call.params["InstanceId"]
    for instance in _not_active(call):
        if reference in (instance.id, instance.arn):
            return {"Instance": _not_active_document(instance, described=True)}
    return {"Instance": _instance_document(instance_of(call))}


def list_instance_storage_configs(call: Call) -> Document:
    """The instance's agent event stream (ResourceType AGENT_EVENTS) when the world has one;
    the simulation stores nothing else (docs/aws-sources.md §10)."""
    instance = instance_of(call)
    stream_arn = call.world.config.agent_event_stream_arn

    def configs() -> list[Document]:
        if call.params["ResourceType"] != "AGENT_EVENTS" or not stream_arn:
            return []
        return [{
            "AssociationId": _stable_token("agent-events", instance.id, stream_arn, length=64),
            "StorageType": "KINESIS_STREAM",
            "KinesisStreamConfig": {"StreamArn": stream_arn},
        }]

    return listing(call, "StorageConfigs", configs)


# -- queues ------------------------------------------------------------------------------
def list_queues(call: Call) -> Document:
    instance = instance_of(call)
    wanted = set(call.params.get("QueueTypes") or ("STANDARD", "AGENT"))

    def summaries() -> list[Document]:
        return [
            {
                "Id": queue.id,
                "Arn": queue.arn,
                **({"Name": queue.name} if queue.name else {}),  # agent queues have no name
                "QueueType": queue.queue_type,
                **modified(queue.last_modified_ms, instance),
            }
            for queue in visible_queues(call.directory, instance, call.now_ms)
            if queue.queue_type in wanted
        ]

    return listing(call, "QueueSummaryList", summaries)


def describe_queue(call: Call) -> Document:
    instance = instance_of(call)
    queue_id = call.params["QueueId"]
    queue = next(
        (q for q in visible_queues(call.directory, instance, call.now_ms) if q.id == queue_id), None
    )
    if queue is None:
        raise not_found(f"Queue {queue_id} was not found in instance {instance.id}")
    hours_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{instance.arn}/operating-hours/basic"))
    return {"Queue": {
        **({"Name": queue.name} if queue.name else {}),
        "QueueArn": queue.arn,
        "QueueId": queue.id,
        "Description": queue.description,
        "HoursOfOperationId": hours_id,
        "Status": "ENABLED",
        **modified(queue.last_modified_ms, instance),
    }}


# -- routing profiles and agent statuses -------------------------------------------------
def list_routing_profiles(call: Call) -> Document:
    instance = instance_of(call)
    return listing(call, "RoutingProfileSummaryList", lambda: [
        {"Id": p.id, "Arn": p.arn, "Name": p.name, **modified(p.last_modified_ms, instance)}
        for p in call.directory.routing_profiles if p.instance_id == instance.id
    ])


def list_agent_statuses(call: Call) -> Document:
    instance = instance_of(call)
    wanted = set(call.params.get("AgentStatusTypes") or ("ROUTABLE", "CUSTOM", "OFFLINE"))
    return listing(call, "AgentStatusSummaryList", lambda: [
        {
            "Id": s.id, "Arn": s.arn, "Name": s.name, "Type": s.status_type,
            **modified(s.last_modified_ms, instance),
        }
        for s in call.directory.agent_statuses
        if s.instance_id == instance.id and s.status_type in wanted
    ])


# -- user hierarchy ----------------------------------------------------------------------
_LEVEL_NAMES = {"1": "LevelOne", "2": "LevelTwo", "3": "LevelThree", "4": "LevelFour",
                "5": "LevelFive"}


def _groups_of(call: Call, instance: Instance) -> dict[str, HierarchyGroup]:
    return {g.id: g for g in call.directory.hierarchy_groups if g.instance_id == instance.id}


def _group_summary(group: HierarchyGroup, instance: Instance) -> Document:
    return {"Id": group.id, "Arn": group.arn, "Name": group.name,
            **modified(group.last_modified_ms, instance)}


def list_user_hierarchy_groups(call: Call) -> Document:
    instance = instance_of(call)
    return listing(call, "UserHierarchyGroupSummaryList", lambda: [
        _group_summary(group, instance) for group in _groups_of(call, instance).values()
    ])


def hierarchy_chain(group: HierarchyGroup, groups: dict[str, HierarchyGroup]) -> list[HierarchyGroup]:
    """The group and its ancestors, top level first."""
    chain = [group]
    while chain[0].parent_id and chain[0].parent_id in groups:
        chain.insert(0, groups[chain[0].parent_id])
    return chain


def describe_user_hierarchy_group(call: Call) -> Document:
    instance = instance_of(call)
    groups = _groups_of(call, instance)
    group = groups.get(call.params["HierarchyGroupId"])
    if group is None:
        raise not_found(f"Hierarchy group {call.params['HierarchyGroupId']} was not found")
    path = {
        _LEVEL_NAMES[member.level_id]: {"Id": member.id, "Arn": member.arn, "Name": member.name}
        for member in hierarchy_chain(group, groups)
    }
    return {"HierarchyGroup": {
        "Id": group.id,
        "Arn": group.arn,
        "Name": group.name,
        "LevelId": group.level_id,
        "HierarchyPath": path,
        **modified(group.last_modified_ms, instance),
    }}


# -- users -------------------------------------------------------------------------------
def user_modified_ms(user: User, now_ms: int) -> int:
    return user.version_at(now_ms).effective_ms


def list_users(call: Call) -> Document:
    instance = instance_of(call)
    return listing(call, "UserSummaryList", lambda: [
        {
            "Id": user.id, "Arn": user.arn, "Username": user.username,
            **modified(user_modified_ms(user, call.now_ms), instance),
        }
        for user in existing_users(call.directory, instance, call.now_ms)
    ])


def desk_phone_number(user: User) -> str:
    digits = int(_stable_token("desk-phone", user.id, length=12), 16) % 10_000_000
    return f"+1555{digits:07d}"


def phone_config(user: User, now_ms: int, acw_limit_in_ms: bool = False) -> Document:
    """UserPhoneConfig. SearchUsers reports AfterContactWorkTimeLimit in milliseconds (its
    documented quirk); DescribeUser in seconds."""
    version = user.version_at(now_ms)
    limit_s = version.after_contact_work_limit_s
    config: Document = {
        "PhoneType": version.phone_type,
        "AutoAccept": False,
        "AfterContactWorkTimeLimit": limit_s * 1000 if acw_limit_in_ms else limit_s,
    }
    if version.phone_type == "DESK_PHONE":
        config["DeskPhoneNumber"] = desk_phone_number(user)
    return config


def describe_user(call: Call) -> Document:
    instance = instance_of(call)
    user = find_user(call.directory, instance, call.params["UserId"], call.now_ms)
    version = user.version_at(call.now_ms)
    return {"User": {
        "Id": user.id,
        "Arn": user.arn,
        "Username": user.username,
        "IdentityInfo": {
            "FirstName": version.first_name, "LastName": version.last_name, "Email": version.email,
        },
        "PhoneConfig": phone_config(user, call.now_ms),
        "SecurityProfileIds": list(version.security_profile_ids),
        "RoutingProfileId": version.routing_profile_id,
        "HierarchyGroupId": version.hierarchy_group_id,
        **modified(version.effective_ms, instance),
    }}
